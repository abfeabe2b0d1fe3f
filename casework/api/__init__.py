"""The JSON API for billing and other systems (/api/v1): token-authenticated, CSRF-exempt, problem details.

See docs/api.md. The document of its shapes is `schema.py` (served at /api/v1/openapi.json); the administrators'
token pages are the separate blueprint `casework.api.admin` (/api-tokens), which keeps CSRF."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from . import views  # noqa: E402,F401
