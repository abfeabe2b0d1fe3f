"""casework: debtor case management for housing-and-utility enterprises."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


def _shipped_dir(name: str) -> Path:
    """Return the folder beside the package in a checkout, or the copy shipped inside the wheel."""
    beside = PROJECT_DIR / name
    if beside.is_dir():
        return beside
    return PACKAGE_DIR / "_shipped" / name


def _instance_path() -> str | None:
    explicit = os.environ.get("CASEWORK_INSTANCE_PATH")
    if explicit:
        return str(Path(explicit).resolve())
    if (PROJECT_DIR / "pyproject.toml").is_file():
        return str(PROJECT_DIR / "instance")
    return None  # Flask's default for an installed package: <prefix>/var/casework-instance


def create_app(test_config: dict | None = None, *, cli: bool = False) -> Flask:
    """Build the application: defaults → instance/config.py → environment → test dict.

    `cli`: the application of the `casework` console command (its own, longer statement timeout)."""
    from . import storage

    storage.private_umask()  # everything the process writes (database, documents, uploads, backups) is owner-only
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=_instance_path(),
        template_folder=str(_shipped_dir("templates")),
    )
    from . import config

    app.config.from_object(config.DefaultConfig)
    app.config["LETTER_TEMPLATES_DIR"] = str(_shipped_dir("letter_templates"))
    app.config.from_pyfile("config.py", silent=True)
    config.apply_environment(app.config, os.environ)
    if test_config:
        app.config.update(test_config)
    config.finalize(app, cli=cli)
    storage.secure_sqlite(app.config["SQLALCHEMY_DATABASE_URI"])

    from . import extensions

    extensions.init_app(app)

    from . import access, errors, i18n, transaction, views_common

    i18n.init_app(app)
    access.init_app(app)
    errors.init_app(app)
    transaction.init_app(app)  # one commit per request; DomainError → rollback, message, back
    views_common.init_app(app)

    from . import security

    security.init_app(app)

    from .models import load_all

    load_all()

    from .blueprints import register_blueprints

    register_blueprints(app)

    from . import ops

    ops.init_app(app)  # request id, JSON logs, /metrics, the statement-timeout error page

    from .cli import register_commands

    register_commands(app)
    return app
