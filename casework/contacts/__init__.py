"""Contacts, promises to pay and payment agreements: the collector's side of a case."""
from flask import Blueprint

bp = Blueprint("contacts", __name__)

from . import views  # noqa: E402,F401
