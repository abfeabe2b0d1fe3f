"""The services every ЖКХ enterprise bills, with their restriction rules (ПП 354 п.119, п.122)."""
from __future__ import annotations

from sqlalchemy import insert, select

from ..extensions import db
from .models import Service

# code, Russian name (bills and letters), restriction rule, is utility, is capital repair, order
DEFAULT_SERVICES = [
    ("heating", "Отопление", "never", True, False, 10),
    ("hot_water", "Горячее водоснабжение", "allowed", True, False, 20),
    ("cold_water", "Холодное водоснабжение", "approval_in_apartment_building", True, False, 30),
    ("sewage", "Водоотведение", "approval_in_apartment_building", True, False, 40),
    ("electricity", "Электроснабжение", "allowed", True, False, 50),
    ("gas", "Газоснабжение", "allowed", True, False, 60),
    ("solid_waste", "Обращение с ТКО", "never", True, False, 70),
    ("maintenance", "Содержание жилого помещения", "never", False, False, 80),
    ("capital_repair", "Взнос на капитальный ремонт", "never", False, True, 90),
    ("rent", "Плата за наём", "never", False, False, 100),
]


def seed() -> None:
    """Insert the default services that are missing; never change an existing one."""
    have = set(db.session.scalars(select(Service.code)))
    rows = [dict(code=c, name=n, restriction_rule=r, is_utility=u, is_capital_repair=k, sort_order=o,
                 suspendable_in_apartment_building=(c != "cold_water"))
            for c, n, r, u, k, o in DEFAULT_SERVICES if c not in have]
    if rows:
        db.session.execute(insert(Service), rows)
