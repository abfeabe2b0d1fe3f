"""ГИС ЖКХ debt requests from social-protection offices (УСЗН): import, matching, answers from the court records,
the 5-working-day term and the answers exported as the importDSRResponses message (docs/gis-zhkh.md)."""
from flask import Blueprint

bp = Blueprint("gis", __name__)

from . import views  # noqa: E402,F401
