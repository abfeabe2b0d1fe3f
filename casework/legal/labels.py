"""Russian words for the legal area's stored codes (duty scales, courts, limitation events), shown on its pages."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from ..i18n import _, _l, format_money, format_percent

# duty scales: the `scale` of casework/data/duty_scales.json and the rate tables
SCALE_LABELS = {
    "old": _l("previous scale (before Federal Law No. 259-FZ)"),
    "new": _l("scale of Federal Law No. 259-FZ of 08.08.2024"),
}

COURT_LABELS = {
    "general": _l("court of general jurisdiction (НК РФ ст.333.19)"),
    "arbitrazh": _l("arbitrazh court (НК РФ ст.333.21)"),
}

EVENT_LABELS = {
    "court_order_filed": _l("application for a court order filed"),
    "court_order_cancelled": _l("court order cancelled"),
    "claim_filed": _l("claim filed"),
    "acknowledged": _l("debt acknowledged"),
}


def label(mapping: dict, code) -> str:
    """The Russian label of a code, or the code itself when it has none (a row an administrator added)."""
    if code is None or code == "":
        return "—"
    key = getattr(code, "value", code)
    return str(mapping.get(key, code))


def scale_label(code) -> str:
    return label(SCALE_LABELS, code)


def court_label(code) -> str:
    return label(COURT_LABELS, code)


def event_label(code) -> str:
    return label(EVENT_LABELS, code)


def _dec(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def band_lines(bands) -> list[str]:
    """A stored scale's bands (dicts of the rate table) in words: «свыше 100 000,00 ₽: 4 000,00 ₽ + 3 % от
    превышения, не более …»."""
    out = []
    for b in bands or []:
        get = b.get
        threshold, base, percent = _dec(get("threshold")), _dec(get("base")), _dec(get("percent"))
        text = _("over %(t)s: %(base)s + %(p)s of the excess", t=format_money(threshold or 0),
                 base=format_money(base or 0), p=format_percent(percent or 0))
        lo, hi = _dec(get("min")), _dec(get("max"))
        if lo is not None:
            text += ", " + _("at least %(a)s", a=format_money(lo))
        if hi is not None:
            text += ", " + _("at most %(a)s", a=format_money(hi))
        out.append(text)
    return out


_URL = re.compile(r"https?://\S+")
_LATIN = re.compile(r"[A-Za-z]")
_BRACKETED = re.compile(r"\s*(\([^()]*\)|\[[^\[\]]*\])")


def legal_basis(source: str | None) -> str:
    """What a rate-table row's `source` says in Russian for users: the legal acts it cites, without the web
    addresses and the notes in English kept there for developers (checked or not, where a figure was seen).
    «НК ст.333.21 п.1 пп.1 (259-ФЗ от 08.08.2024); order minimum 8000 [verify]» → «НК ст.333.21 п.1 пп.1
    (259-ФЗ от 08.08.2024)»; a key rate's «https://www.cbr.ru/… ; cross-checked …» → «»."""
    text = _URL.sub("", source or "")
    text = _BRACKETED.sub(lambda m: "" if _LATIN.search(m.group(0)) else m.group(0), text)
    parts = (p.strip(" ,") for p in text.split(";"))
    return "; ".join(p for p in parts if p and not _LATIN.search(p))
