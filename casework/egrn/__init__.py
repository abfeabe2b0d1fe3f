"""Owners from ЕГРН: Росреестр's extract XML (об объекте недвижимости, о переходе прав) → the accounts' owners."""
from flask import Blueprint

bp = Blueprint("egrn", __name__)

from . import views  # noqa: E402,F401
