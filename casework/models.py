"""Import every area's models so that metadata (create_all, Alembic autogenerate) sees them all."""
import importlib

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
    "casework.api.models",
    "casework.messages.models",
    "casework.gis.models",
]


def load_all() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)
