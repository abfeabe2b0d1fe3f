"""Reports: the monthly municipal form (Приложение № 4), month closing, measures, analysis and dashboard."""
from flask import Blueprint

bp = Blueprint("reports", __name__)

from . import views  # noqa: E402,F401
