"""Documents: Russian letters, claims and statements from Word templates, numbered, stored and delivered."""
from flask import Blueprint

bp = Blueprint("documents", __name__)

from . import views  # noqa: E402,F401
