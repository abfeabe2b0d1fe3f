"""Keyset-free simple pagination over a SELECT, with an optional count; integer query parameters.

Every view reads its integer query parameters (ids, years, days, amounts in kopecks) through `int_arg` /
`check_int`: a value the database (or Python's dates) cannot hold — `?debt_min=99999999999999999999`, a negative id
— is answered 400 naming the field (`BadQueryParameter`, rendered by `casework.errors`), never a 500, and the same
on SQLite and PostgreSQL (PostgreSQL refuses an INTEGER beyond 2³¹−1 where SQLite would take it).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from math import ceil
from typing import Any

from flask import request
from sqlalchemy import Select, func, select
from werkzeug.exceptions import BadRequest

from .extensions import db
from .i18n import _

INT_MAX = 2**31 - 1  # the largest INTEGER both databases hold: ids, years, counts of days
KOP_MAX = 2**63 - 1  # BIGINT: amounts in kopecks
_INT_RE = re.compile(r"[+-]?\d+")


class BadQueryParameter(BadRequest):
    """A query parameter the request cannot be answered with (out of range); 400 with the field named."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def check_int(name: str, value: int | None, *, min_value: int = 0, max_value: int = INT_MAX,
              label: str | None = None, shown: str | None = None) -> int | None:
    """`value` when it lies in [min_value, max_value] (or is None), else BadQueryParameter naming the field
    (`label`, the form's caption, when there is one, and the parameter `name`)."""
    if value is None or min_value <= value <= max_value:
        return value
    field = f"«{label}» ({name})" if label else f"«{name}»"
    raise BadQueryParameter(name, _("The value %(v)s of the field %(f)s is out of range: expected a whole number from "
                                    "%(lo)s to %(hi)s.", v=shown if shown is not None else value, f=field,
                                    lo=min_value, hi=max_value))


def int_arg(name: str, default: int | None = None, *, min_value: int = 0, max_value: int = INT_MAX,
            args=None, label: str | None = None) -> int | None:
    """An integer query parameter (`request.args`, or `args`): empty or not a number → `default` (as Flask's
    `type=int`); a number outside [min_value, max_value] → BadQueryParameter (400 naming the field)."""
    raw = (request.args if args is None else args).get(name)
    raw = raw.strip() if raw is not None else ""
    if not _INT_RE.fullmatch(raw):
        return default
    shown = raw if len(raw) <= 40 else raw[:20] + "…"
    value = int(raw) if len(raw) <= 40 else (-1 if raw[0] == "-" else 1) * 10**40  # int() refuses 4300+ digits
    return check_int(name, value, min_value=min_value, max_value=max_value, label=label, shown=shown)


def check_kopecks(name: str, kop: int | None, label: str | None = None) -> int | None:
    """An amount filter in kopecks that a BIGINT column can be compared with, else 400 naming the field."""
    if kop is None or -KOP_MAX <= kop <= KOP_MAX:
        return kop
    raise BadQueryParameter(name, _("The amount in the field %(f)s is too large.",
                                    f=f"«{label}» ({name})" if label else f"«{name}»"))


def out_of_range_args() -> list[str]:
    """The request's parameters holding a whole number no INTEGER column takes (for the error handler's net)."""
    out = []
    for name, raw in request.values.items(multi=True):
        raw = (raw or "").strip().replace(" ", "")
        if _INT_RE.fullmatch(raw) and (len(raw) > 40 or not -INT_MAX - 1 <= int(raw) <= INT_MAX) and name not in out:
            out.append(name)
    return out


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int | None
    has_next: bool

    @property
    def pages(self) -> int | None:
        return None if self.total is None else max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1


MAX_PAGE = 1_000_000


def paginate(stmt: Select, page: int, per_page: int = 50, count: bool = True, scalars: bool = True) -> Page:
    """Fetch one page (+1 row to know whether another follows); count only when asked."""
    page = min(max(1, page or 1), MAX_PAGE)  # a huge ?page= must not overflow the database's integer
    rows_stmt = stmt.limit(per_page + 1).offset((page - 1) * per_page)
    result = db.session.execute(rows_stmt)
    rows = list(result.scalars() if scalars else result)
    total = None
    if count:
        total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return Page(rows[:per_page], page, per_page, total, len(rows) > per_page)
