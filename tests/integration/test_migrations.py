"""The migrations build the schema the models describe: autogenerate finds nothing to change."""
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
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


# The head revision of the last release that ran in the field. When a release lands, move this to its head: the
# test then proves that a database made by that release upgrades to today's schema with its data intact.
PREVIOUS_RELEASE = "0001"


def test_a_database_of_the_previous_release_upgrades_with_its_data(migrated_url, tmp_path, monkeypatch):
    from flask_migrate import upgrade
    from sqlalchemy import text

    monkeypatch.setenv("CASEWORK_INSTANCE_PATH", str(tmp_path))
    app = casework.create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": migrated_url})
    with app.app_context():
        upgrade(revision=PREVIOUS_RELEASE)
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO users (id, username, full_name, role, locale, password_hash, is_active_user, created_at)"
                " VALUES (1, 'old_lawyer', 'Юрист прежней версии', 'lawyer', 'ru', 'x', :t, :now)"),
                {"t": True, "now": "2026-11-30 10:00:00"})
            conn.execute(text(
                "INSERT INTO accounts (id, number, category, tenure, is_municipal, debtor_name, address, search_text,"
                " created_at, updated_at) VALUES (1, '10000006', 'population', 'owner', :f, 'Иванов Иван Иванович',"
                " 'г. Ленск, ул. Лесная, д. 13, кв. 5', 'иванов', :now, :now)"),
                {"f": False, "now": "2026-11-30 10:00:00"})
        upgrade()
        with db.engine.connect() as conn:
            user = conn.execute(text("SELECT username, full_name, role FROM users WHERE id = 1")).one()
            account = conn.execute(text("SELECT number, debtor_name FROM accounts WHERE id = 1")).one()
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
            diff = compare_metadata(ctx, db.metadata)
        db.engine.dispose()
    assert tuple(user) == ("old_lawyer", "Юрист прежней версии", "lawyer")
    assert tuple(account) == ("10000006", "Иванов Иван Иванович")
    assert diff == []
