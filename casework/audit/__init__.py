from flask import Blueprint

bp = Blueprint("audit", __name__)

from . import models, views  # noqa: E402,F401
