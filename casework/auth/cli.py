"""`casework users create|list`."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..domain.errors import DomainError
from ..extensions import db
from ..transaction import unit_of_work
from . import services
from .models import ROLES, User

users_cli = AppGroup("users", help="Manage users.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", "full_name", default="", help="Full name.")
@click.option("--email", default=None)
@click.option("--locale", type=click.Choice(["ru", "en"]), default="ru")
@click.password_option(help="Password (asked when omitted).")
def create(username, role, full_name, email, locale, password):
    """Create a user with a role."""
    try:
        with unit_of_work():
            services.create_user(username, full_name or username, role, password, email=email, locale=locale,
                                 min_length=current_app.config["PASSWORD_MIN_LENGTH"])
    except DomainError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"created {username} ({role})")


@users_cli.command("list")
def list_users():
    """List users."""
    for u in db.session.scalars(select(User).order_by(User.username)):
        click.echo(f"{u.username}\t{u.role}\t{'active' if u.is_active else 'disabled'}\t{u.full_name}")


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
