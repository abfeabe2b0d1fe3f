"""The legal calculators' pages and prints in Russian words and number formats: no scale codes («new»), no raw
decimals («20717.5286 ₽», «9.50»), no notes meant for developers («UNVERIFIED …», the source site) for users."""
from __future__ import annotations

import re
from io import BytesIO

from tests.web.test_legal_views import _account_with_debt

# a number printed straight from Python: 20717.5286, 9.50, 0.5 — standing alone between tags or before «₽»/«%»
RAW_DECIMAL = re.compile(r"(?:>|\s)\d+\.\d+(?:\s*(?:₽|%)|\s*<)")


def _text(resp) -> str:
    return resp.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")


def test_duty_calculator_speaks_russian(client, login):
    login("collector")
    # new scale, band 500 000 – 1 000 000: 15 000 + 2 % × 285 876,43 = 20 717,5286 → 20 717,53 ₽
    page = _text(client.get("/legal/?calc=duty&claim=785876.43&court=general&kind=claim&sent_on=2026-12-01"
                            "&credit=0"))
    assert "20 717,53 ₽" in page
    assert "20717.5286" not in page and "20 717,5286" not in page
    assert "шкала Федерального закона от 08.08.2024 № 259-ФЗ" in page
    assert "суд общей юрисдикции (НК РФ ст.333.19)" in page
    assert not re.search(r"\bnew\b|\bold\b", re.sub(r"<[^>]+>", " ", page))  # no scale codes in the text
    assert "50 % пошлины по иску" in page        # the court order share, not «0.5»
    assert "2,5 %" in page and "0,35 %" in page  # the bands' percentages
    assert not RAW_DECIMAL.search(page), RAW_DECIMAL.search(page)


def test_old_scale_and_arbitrazh_in_words(client, login):
    login("lawyer")
    page = _text(client.get("/legal/?calc=duty&claim=150000&court=arbitrazh&kind=court_order&sent_on=2024-01-15"
                            "&credit=0"))
    assert "прежняя шкала (до Федерального закона № 259-ФЗ)" in page
    assert "арбитражный суд (НК РФ ст.333.21)" in page
    assert "before 259" not in page and not RAW_DECIMAL.search(page)


def test_penalty_print_shows_rates_with_a_decimal_comma(client, login):
    login("lawyer")
    acc = _account_with_debt()
    page = _text(client.get(f"/legal/account/{acc.id}/penalty?as_of=2019-08-15"))
    assert "7,25" in page and "175,67" in page
    assert "7.25" not in page and not RAW_DECIMAL.search(page), RAW_DECIMAL.search(page)


def test_key_rate_page_hides_notes_for_developers_from_users(client, login):
    login("lawyer")
    page = _text(client.get("/legal/reference?table=key_rates&year=2026"))
    assert "14,00" in page  # the newest rate (its source note says UNVERIFIED), with a decimal comma
    for hidden in ("UNVERIFIED", "public code repositories", "cbr.ru", "cross-checked", "Источник"):
        assert hidden not in page, hidden
    assert not RAW_DECIMAL.search(page)
    # the Excel export of a lawyer has no source column either
    from openpyxl import load_workbook

    wb = load_workbook(BytesIO(client.get("/legal/reference?table=key_rates&year=2026&export=xlsx").data))
    cells = " ".join(str(c.value) for row in wb.active.iter_rows() for c in row if c.value is not None)
    assert "UNVERIFIED" not in cells and "cbr.ru" not in cells


def test_other_rate_tables_show_the_legal_basis_in_russian(client, login):
    login("lawyer")
    duty = _text(client.get("/legal/reference?table=duty_scales"))
    assert "НК ст.333.21 п.1 пп.1 (259-ФЗ от 08.08.2024)" in duty
    assert "суд общей юрисдикции (НК РФ ст.333.19)" in duty and "свыше 500 000,00 ₽: 15 000,00 ₽ + 2 % от превышения" in duty
    for hidden in ("[verify]", "order minimum", "general_new", "arbitrazh_old", "before 259"):
        assert hidden not in duty, hidden
    calendar = _text(client.get("/legal/reference?table=calendar&year=2021"))
    assert "ПП РФ от 10.10.2020 № 1648" in calendar and "not re-read" not in calendar


def test_the_administrator_still_sees_the_source_folded_away(client, login):
    login("admin")
    page = _text(client.get("/legal/reference?table=key_rates&year=2026"))
    assert "Источник и примечание для разработчиков" in page
    folded = re.findall(r"<details[^>]*>(.*?)</details>", page, re.S)
    assert any("UNVERIFIED" in d for d in folded)
    assert "UNVERIFIED" not in re.sub(r"<details[^>]*>.*?</details>", "", page, flags=re.S)


def test_the_rate_edit_form_shows_a_decimal_comma_and_reads_it_back(client, login):
    from datetime import date

    from sqlalchemy import select

    from casework.extensions import db
    from casework.legal.models import KeyRate

    login("admin")
    row = db.session.scalar(select(KeyRate).where(KeyRate.date_from == date(2026, 4, 27)))
    form = _text(client.get(f"/legal/reference/key_rates/{row.id}/edit"))
    assert 'value="14,50"' in form and 'value="14.50"' not in form
    resp = client.post(f"/legal/reference/key_rates/{row.id}/edit",
                       data={"date_from": "2026-04-27", "rate_percent": "14,50", "source": row.source})
    assert resp.status_code == 302
    db.session.expire_all()
    assert str(db.session.get(KeyRate, row.id).rate_percent) == "14.50"
