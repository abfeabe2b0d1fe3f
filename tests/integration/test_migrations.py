"""The models and the migrations agree: autogenerate finds nothing to change."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from casework.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(ctx, db.metadata)
    assert diff == [], f"run `casework db migrate`: the migrations lag the models: {diff}"


def test_migration_files_are_numbered():
    from pathlib import Path

    import casework

    versions = Path(casework.__file__).parent / "migrations" / "versions"
    names = sorted(p.name for p in versions.glob("*.py"))
    assert names, "no migrations"
    for i, name in enumerate(names, start=1):
        assert name.startswith(f"{i:04d}_"), name
