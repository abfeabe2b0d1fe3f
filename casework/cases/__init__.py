from flask import Blueprint

bp = Blueprint("cases", __name__)

from . import views  # noqa: E402,F401
