"""Keyset-free simple pagination over a SELECT, with an optional count."""
from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any

from sqlalchemy import Select, func, select

from .extensions import db


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
