"""Import every area's models so that metadata (create_all, Alembic autogenerate) sees them all."""
from .plugins import import_optional

MODEL_MODULES = [
    "casework.auth.models",
    "casework.audit.models",
    "casework.enterprise.models",
    "casework.imports.models",
    "casework.accounts.models",
    "casework.legal.models",
    "casework.cases.models",
    "casework.contacts.models",
    "casework.documents.models",
    "casework.reports.models",
    "casework.jobs.models",
]


def load_all() -> None:
    for name in MODEL_MODULES:
        import_optional(name)
