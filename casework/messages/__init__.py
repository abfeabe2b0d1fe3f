"""Messages with proof: notices, reminders and ПП 354 warnings sent by e-mail (SMTP) and SMS (SMS.ru), their
status, cost and the provider's answer, delivery callbacks, and delivered messages logged as contacts."""
from flask import Blueprint

bp = Blueprint("messages", __name__)

from . import views  # noqa: E402,F401
