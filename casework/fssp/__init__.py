"""Bailiffs' data: the ОСП's reconciliation sheet and ФССП's notices (ЕПГУ XML) → enforcement records and receipts."""
from flask import Blueprint

bp = Blueprint("fssp", __name__)

from . import views  # noqa: E402,F401
