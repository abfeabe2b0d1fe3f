"""Translated titles of the message codes."""
from __future__ import annotations

from ..i18n import _l

CHANNEL_LABELS = {"email": _l("E-mail"), "sms": _l("SMS")}
STATUS_LABELS = {"queued": _l("Queued"), "sent": _l("Sent"), "delivered": _l("Delivered"), "failed": _l("Failed"),
                 "refused": _l("Refused (contact rules)")}
KIND_LABELS = {"notice": _l("Notice of debt"), "reminder": _l("Payment reminder"),
               "warning": _l("Warning of restriction (Rules 354, p. 119)")}


def label(labels: dict, code: str | None) -> str:
    return str(labels.get(code, code or "—"))
