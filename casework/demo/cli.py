"""`casework demo`: schema, the demo enterprise (once), then the development server."""
from __future__ import annotations

import click
from flask import Flask, current_app

from ..extensions import db
from ..transaction import unit_of_work


def _rubles(kop: int) -> str:
    sign = "-" if kop < 0 else ""
    kop = abs(kop)
    return f"{sign}{kop // 100:,}".replace(",", " ") + f",{kop % 100:02d} ₽"


def _prepare_schema() -> None:
    """Migrations and reference seed; a schema built without migrations (tests' create_all) is only seeded."""
    from sqlalchemy import inspect

    from ..maintenance.setup import init_database, seed_reference

    insp = inspect(db.engine)
    if insp.has_table("accounts") and not insp.has_table("alembic_version"):
        with unit_of_work():
            seed_reference()
    else:
        init_database()


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the server listens on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port the server listens on.")
@click.option("--accounts", "n_accounts", default=2000, show_default=True, type=click.IntRange(10, 200_000),
              help="How many accounts the demo enterprise has.")
@click.option("--no-serve", is_flag=True, help="Build the demo and exit without starting the server.")
@click.option("--reset", is_flag=True, help="Delete ALL data in the database and build the demo again.")
@click.option("--yes", is_flag=True, help="Do not ask before --reset deletes the data.")
def demo_command(host, port, n_accounts, no_serve, reset, yes):
    """Build the demo enterprise (first run only) and start the server: the README's first command."""
    from .generator import DEMO_USERS, build_demo, demo_exists, wipe_data

    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    click.echo(f"database: {db.engine.url.render_as_string(hide_password=True)}")
    _prepare_schema()
    if reset and demo_exists():
        if not yes and not click.confirm("--reset deletes every account, ledger line, case and user in this "
                                         "database. Continue?", default=False):
            raise click.Abort()
        with unit_of_work():
            wipe_data()
    if demo_exists():
        click.echo("the database already holds accounts: the demo is not rebuilt (use --reset to replace them)")
    else:
        click.echo(f"building the demo enterprise ({n_accounts} accounts, 36 months)…")
        with unit_of_work():
            summary = build_demo(accounts=n_accounts)
        click.echo(f"built in {summary.seconds:.1f} s: {summary.accounts} accounts, {summary.persons} persons, "
                   f"{summary.organizations} organizations, {summary.ledger_rows} ledger lines "
                   f"({summary.first_period:%m.%Y}–{summary.last_period:%m.%Y})")
        click.echo(f"charged {_rubles(summary.charged_kop)}, paid {_rubles(summary.paid_kop)}, "
                   f"debt {_rubles(summary.balance_kop)}")
        click.echo("  " + ", ".join(f"{name} {sec:.1f} s" for name, sec in summary.phases.items()))
        if summary.extensions:
            click.echo("demo parts added by: " + ", ".join(summary.extensions))
    click.echo("")
    click.echo("demo users (role: login / password):")
    for role, (login, name, _position, password) in DEMO_USERS.items():
        click.echo(f"  {role:<9} {login} / {password}   ({name})")
    if no_serve:
        return
    click.echo("")
    click.echo(f"open http://{host}:{port}/   (Ctrl+C stops the server)")
    app = current_app._get_current_object()
    db.session.remove()
    if uri.startswith("sqlite"):
        db.engine.dispose()
    # app.run() refuses to serve inside the `flask`/`casework` CLI, so start Werkzeug's server directly
    from werkzeug.serving import run_simple

    run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True)


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo_command)
