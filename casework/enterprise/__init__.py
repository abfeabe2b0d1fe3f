from flask import Blueprint

bp = Blueprint("enterprise", __name__)

from . import views  # noqa: E402,F401
