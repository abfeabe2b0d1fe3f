"""The persons file (docs/import-format.md): the people linked to accounts (owners, registered, tenants,
representatives, heirs) with the identifiers a court application needs. What the rows do to the stored people is
decided in persons.py.

Pure: no database, no Flask state.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from ..i18n import _
from .columns import ROLE_VALUES, map_columns, norm
from .labels import column_label
from .rows import Parsed, cell, progress_every
from .tables import Table
from .values import BadValue, identifier, parse_date, parse_share, text, unknown_account


def parse_persons(table: Table, accounts: dict[str, int], progress: Callable | None = None) -> Parsed:
    """Persons linked to accounts, with the identifiers a court application needs."""
    cols = map_columns("persons", table.headers)
    res = Parsed("persons", table.headers, cols)
    hdr = table.headers

    def col(c: str) -> str:
        return hdr[cols[c]] if c in cols else column_label(c)

    n = 0
    for row_no, cells in table.rows:
        n += 1
        progress_every(progress, n, table.size_hint)
        before = len(res.errors)
        rec: dict[str, Any] = {"row": row_no}
        num = identifier(cell(cells, cols["account_number"]))
        rec["account_id"] = accounts.get(num)
        if rec["account_id"] is None:
            res.add_error(row_no, cells, col("account_number"), unknown_account(num))
        rec["full_name"] = text(cell(cells, cols["full_name"]))[:300]
        if not rec["full_name"]:
            res.add_error(row_no, cells, col("full_name"), _("the value is required"))
        role = text(cell(cells, cols["role"]))
        rec["role"] = ROLE_VALUES.get(norm(role))
        if rec["role"] is None:
            res.add_error(row_no, cells, col("role"), _("unknown role «%(v)s» (expected owner, registered, tenant, "
                                                        "representative or heir)", v=role))
        rec["share_num"] = rec["share_den"] = None
        if "share" in cols and text(cell(cells, cols["share"])):
            try:
                rec["share_num"], rec["share_den"] = parse_share(cell(cells, cols["share"]))
            except BadValue as exc:
                res.add_error(row_no, cells, col("share"), str(exc))
        for c in ("birth_date", "passport_issued_on", "since", "until"):
            rec[c] = None
            if c in cols and text(cell(cells, cols[c])):
                try:
                    rec[c] = parse_date(cell(cells, cols[c]))
                except BadValue as exc:
                    res.add_error(row_no, cells, col(c), str(exc))
        if rec["since"] and rec["until"] and rec["until"] < rec["since"]:
            res.add_error(row_no, cells, col("until"), _("the end date is before the start date"))
        for c, limit in (("birth_place", 300), ("passport_series", 10), ("passport_number", 20),
                         ("passport_issued_by", 300), ("registration_address", 500), ("phone", 60), ("email", 200),
                         ("external_id", 64)):
            read = identifier if c in ("passport_series", "passport_number", "external_id") else text
            v = read(cell(cells, cols.get(c))) if c in cols else ""
            rec[c] = v[:limit] or None
        for c, pattern, msg in (("snils", r"\d{11}", _("a СНИЛС has 11 digits: %(v)s")),
                                ("inn", r"\d{12}|\d{10}", _("an ИНН has 10 or 12 digits: %(v)s"))):
            v = identifier(cell(cells, cols.get(c))) if c in cols else ""
            digits = re.sub(r"[\s-]", "", v)
            rec[c] = None
            if v:
                if not re.fullmatch(pattern, digits):
                    res.add_error(row_no, cells, col(c), msg % {"v": v})
                rec[c] = digits if c == "inn" else v[:14]
        if len(res.errors) == before:
            res.rows.append(rec)
            res.accounts_touched.add(rec["account_id"])
    res.total = n
    return res
