"""Import from billing: accounts registry, persons, ledger and monthly turnover sheets."""
from flask import Blueprint

bp = Blueprint("imports", __name__)

from . import views  # noqa: E402,F401
