"""Demo data for template validation and the help page: an in-memory account with two co-owners and a ledger."""
from __future__ import annotations

from datetime import date

from ..accounts.models import Account, Building, Party, Service
from ..enterprise.models import Enterprise
from . import context as ctxmod
from .fields import BATCH, BUILDING


def demo_enterprise() -> Enterprise:
    return Enterprise(id=1, name="Муниципальное унитарное предприятие «Теплоэнерго»", short_name="МУП «Теплоэнерго»",
                      inn="2434000001", kpp="243401001", ogrn="1022400000001",
                      legal_address="663282, Красноярский край, гп Северо-Енисейский, ул. Ленина, д. 1",
                      postal_address="663282, Красноярский край, гп Северо-Енисейский, ул. Ленина, д. 1",
                      phone="+7 (39160) 2-10-10", email="info@teplo.example", bank_name="ПАО Сбербанк",
                      bik="040407627", settlement_account="40702810031000000001",
                      correspondent_account="30101810800000000627", signatory_name="Петров Пётр Петрович",
                      signatory_position="Директор", signatory_basis="действующего на основании Устава")


def demo_params() -> dict:
    return {"court_name": "Мировому судье судебного участка № 166 в Северо-Енисейском районе",
            "court_address": "663282, гп Северо-Енисейский, ул. Суворова, д. 2", "bailiff_unit": "ОСП по Северо-Енисейскому району",
            "bailiff_address": "663282, гп Северо-Енисейский, ул. Донского, д. 5", "employer_name": "ООО «Прииск»",
            "employer_address": "663282, гп Северо-Енисейский, ул. Фабричная, д. 1", "writ_number": "2-1234/2026",
            "writ_date": date(2026, 6, 1), "writ_court": "мировым судьёй судебного участка № 166",
            "restriction_service": "горячее водоснабжение", "restriction_kind": "ограничение",
            "restriction_date": date(2026, 11, 20), "restriction_method": "установка заглушки на вводе ГВС в квартиру",
            "warning_number": "№ 10/2026 от 20.10.2026", "writeoff_ground": "истечение срока исковой давности",
            "writeoff_documents": "расчёт срока исковой давности", "statement_from": date(2026, 1, 1),
            "statement_to": date(2026, 10, 31), "agreement_months": 6, "agreement_first_date": date(2026, 12, 15),
            "settle_days": 10, "register_recipient": "АО «Почта России»", "order_cancelled_on": date(2026, 8, 1)}


def demo_source(letter, today: date = date(2026, 11, 22)):
    """A Source (or BuildingSource/BatchSource) built in memory, never touching the database."""
    ent = demo_enterprise()
    svc = {1: Service(id=1, code="hot_water", name="Горячее водоснабжение", sort_order=20),
           2: Service(id=2, code="heating", name="Отопление", sort_order=10)}
    common = ctxmod.Common(ent, today, svc, demo_params())
    if letter.subject == BUILDING:
        b = Building(id=1, address="гп Северо-Енисейский, ул. Ленина, д. 10")
        return ctxmod.BuildingSource(common, b, [{"apartment": "5", "account": "100005", "debt_kop": 1234556},
                                                 {"apartment": "12", "account": "100012", "debt_kop": 560000}])
    if letter.subject == BATCH:
        return ctxmod.BatchSource(common, [], "АО «Почта России»")
    acc = Account(id=1, number="100005", category="population", debtor_name="Иванова Мария Петровна",
                  address="гп Северо-Енисейский, ул. Ленина, д. 10, кв. 5", apartment="5")
    p1 = Party(id=1, kind="person", full_name="Иванова Мария Петровна", gender="f", birth_date=date(1970, 3, 8),
               birth_place="гп Северо-Енисейский", snils="123-456-789 01")
    p2 = Party(id=2, kind="person", full_name="Иванов Сергей Андреевич", gender="m", birth_date=date(1968, 1, 2),
               birth_place="г. Красноярск", inn="246500000001")
    owners = [ctxmod.Owner(p1, p1.full_name, "f", 1, 2), ctxmod.Owner(p2, p2.full_name, "m", 1, 2)]
    ledger = []
    for m in range(1, 11):
        ledger.append((2, date(2026, m, 1), "charge", 300000, None, None, None))
        ledger.append((1, date(2026, m, 1), "charge", 120000, None, None, None))
    ledger.append((2, date(2026, 3, 1), "payment", 500000, date(2026, 3, 20), None, "п/п 1"))
    return ctxmod.Source(common, acc, owners, ledger)
