"""The `casework` console script: the Flask CLI bound to the app, plus the domain commands."""
from __future__ import annotations

import importlib

import click
from flask import Flask
from flask.cli import FlaskGroup

# modules that define `register_cli(app)`: imported directly, so a wrong name fails at start-up
CLI_MODULES = [
    "casework.auth.cli",
    "casework.imports.cli",
    "casework.legal.app_cli",
    "casework.cases.cli",
    "casework.documents.cli",
    "casework.reports.cli",
    "casework.egrn.cli",
    "casework.fssp.cli",
    "casework.messages.cli",
    "casework.gis.cli",
    "casework.demo.cli",
    "casework.maintenance.cli",
    "casework.jobs.cli",
]


def register_commands(app: Flask) -> None:
    for name in CLI_MODULES:
        importlib.import_module(name).register_cli(app)
    if "calc" not in app.cli.commands:
        from .legal.cli import calc_cli

        app.cli.add_command(calc_cli)


def _create_app():
    from . import create_app

    return create_app(cli=True)


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True,
             set_debug_flag=False, load_dotenv=False)
def main():
    """casework — debtor case management. Every command honours DATABASE_URL."""
