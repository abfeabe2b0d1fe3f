"""`casework init-db`, `casework backup`, `casework restore`."""
from __future__ import annotations

import click
from flask import Flask

from .setup import init_database


@click.command("init-db")
def init_db_command():
    """Create or upgrade the schema and seed the reference data (safe to repeat)."""
    init_database()
    click.echo("database ready")


def register_cli(app: Flask) -> None:
    app.cli.add_command(init_db_command)
    _register_i18n(app)


def _register_i18n(app: Flask) -> None:
    from .i18n import i18n_cli

    app.cli.add_command(i18n_cli)
