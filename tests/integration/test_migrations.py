"""The migrations build the schema the models describe: autogenerate finds nothing to change."""
import os
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

import casework
from casework.extensions import db


@pytest.fixture()
def migrated_url(database_url, tmp_path):
    """A second, empty database of the same engine, for the migrations alone."""
    if database_url.startswith("postgresql"):
        import psycopg

        url = make_url(database_url)
        name = f"casework_mig_{uuid.uuid4().hex[:8]}"
        admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        yield url.set(database=name).render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path}/migrated.sqlite3"


def test_models_and_migrations_agree(migrated_url, tmp_path, monkeypatch):
    from flask_migrate import upgrade

    monkeypatch.setenv("CASEWORK_INSTANCE_PATH", str(tmp_path))
    app = casework.create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": migrated_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
            diff = compare_metadata(ctx, db.metadata)
        db.engine.dispose()
    assert diff == [], f"run `casework db migrate`: the migrations lag the models: {diff}"


def test_migration_files_are_numbered():
    versions = Path(casework.__file__).parent / "migrations" / "versions"
    names = sorted(p.name for p in versions.glob("*.py"))
    assert names, "no migrations"
    for i, name in enumerate(names, start=1):
        assert name.startswith(f"{i:04d}_"), name
