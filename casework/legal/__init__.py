"""The legal engine in the application: reference tables, calculators, account calculation, portfolio run."""
from flask import Blueprint

bp = Blueprint("legal", __name__)

from . import views  # noqa: E402,F401
