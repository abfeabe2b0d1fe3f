"""Column names of the import formats in the user's language (errors, the preview's column mapping).

Where the file has the column, errors name it as written in the file; these labels are for the columns it lacks
(«Нет обязательного столбца «Вид»») and for the preview's mapping. Each Russian label is also one of the column's
accepted headers, so a user can name the missing column exactly as the message says.
"""
from __future__ import annotations

from ..i18n import _l

COLUMN_LABELS = {
    "account_number": _l("Personal account"),
    "category": _l("Category"),
    "debtor_name": _l("Debtor"),
    "address": _l("Address"),
    "settlement": _l("Settlement name"),
    "apartment": _l("Apartment number"),
    "tenure": _l("Form of ownership"),
    "inn": _l("INN"),
    "phone": _l("Phone"),
    "email": _l("E-mail"),
    "area_m2": _l("Floor area"),
    "opened_on": _l("Opening date of the account"),
    "closed_on": _l("Closing date of the account"),
    "is_municipal": _l("Municipal"),
    "full_name": _l("Full name of the person"),
    "role": _l("Role"),
    "share": _l("Share"),
    "birth_date": _l("Date of birth"),
    "birth_place": _l("Place of birth"),
    "passport_series": _l("Passport series"),
    "passport_number": _l("Passport number"),
    "passport_issued_by": _l("Passport issued by"),
    "passport_issued_on": _l("Passport issue date"),
    "snils": _l("SNILS"),
    "registration_address": _l("Registration address"),
    "external_id": _l("Code"),
    "since": _l("Registered from"),
    "until": _l("Deregistered on"),
    "period": _l("Period"),
    "service": _l("Service"),
    "kind": _l("Kind"),
    "amount": _l("Amount"),
    "paid_on": _l("Payment date"),
    "source": _l("Source"),
    "paid_period": _l("Month paid for"),
    "reference": _l("Reference"),
    "reverses": _l("Reversed payment"),
    "norm_charge": _l("Monthly charge at the norm"),
    "opening": _l("Opening balance"),
    "charged": _l("Charged"),
    "recalculated": _l("Recalculated"),
    "paid": _l("Amount paid"),
    "closing": _l("Balance at the end"),
}


def column_label(canonical: str) -> str:
    """The column's name in the user's language (the canonical name for an unknown one)."""
    label = COLUMN_LABELS.get(canonical)
    return str(label) if label is not None else canonical
