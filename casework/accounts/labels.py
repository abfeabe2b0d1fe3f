"""Translated names of the accounts area's codes (categories, tenures, party roles, payment sources, aging)."""
from __future__ import annotations

from ..i18n import _l

CATEGORY_LABELS = {"population": _l("Population"), "other": _l("Other consumers")}
TENURE_LABELS = {"owner": _l("Owner"), "social_tenancy": _l("Social tenancy"),
                 "commercial_tenancy": _l("Commercial tenancy"), "other": _l("Other tenure")}
PARTY_ROLE_LABELS = {"owner": _l("owner"), "registered": _l("registered resident"), "tenant": _l("tenant"),
                     "representative": _l("representative"), "heir": _l("heir")}
PARTY_KIND_LABELS = {"person": _l("person"), "organization": _l("organization")}
SOURCE_LABELS = {"cash_desk": _l("cash desk"), "bank": _l("bank"), "online": _l("online"),
                 "enforcement": _l("enforcement proceedings"), "employer": _l("employer deduction"),
                 "work_off": _l("work-off"), "other": _l("other source")}
AGING_LABELS = {"0_30": _l("0–30 days"), "31_90": _l("31–90 days"), "91_180": _l("91–180 days"),
                "181_365": _l("181–365 days"), "1_3y": _l("1–3 years"), "over_3y": _l("over 3 years")}
SORT_LABELS = {"number": _l("Account number"), "debtor": _l("Debtor"), "balance": _l("Debt"),
               "overdue": _l("Overdue"), "months": _l("Months in arrears"), "oldest": _l("Oldest debt")}


def label(mapping: dict, code):
    """The translated label of a code, or the code itself when unknown."""
    if code is None:
        return ""
    return str(mapping.get(code, code))
