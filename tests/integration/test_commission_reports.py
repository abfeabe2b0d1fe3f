"""What the commissions ask of the measures report (seed 000 п.14; seed 001 п.21, п.26, п.27–28), on data built
through the imports, the court directory and the cases services (commission_data.py): the население / прочие
split adds up to the totals, a quarter is the sum of its months, and the registers list exactly the
applications filed and the writs sent."""
from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from casework.cases.models import Case, CourtRecord, Enforcement
from casework.extensions import db
from casework.reports.measures import measures_report
from casework.reports.period import month_period, quarter_period, year_period

from .commission_data import FILED, PENALTY, PRINCIPAL, Q2_FILINGS, Q2_WRITS, WRITS, build

Q2 = quarter_period(2026, 2)


@pytest.fixture()
def data(app, make_user):
    return build(make_user("lawyer"))


def _values(ln) -> list[int]:
    """Every figure of a line: all accounts, municipal, each category — the period's and from 1 January."""
    return [ln.month, ln.ytd, ln.municipal_month, ln.municipal_ytd,
            *(v for c in ("population", "other") for v in ln.by_category.get(c, [0, 0]))]


def _period_values(ln) -> list[int]:
    return [ln.month, ln.municipal_month, *(ln.by_category.get(c, [0, 0])[0] for c in ("population", "other"))]


def test_quarter_is_the_sum_of_its_months_and_the_year_of_its_quarters(data):
    q = measures_report(Q2)
    months = [measures_report(m) for m in Q2.month_starts()]
    assert [m.period.start for m in months] == [date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)]
    for i, ln in enumerate(q.lines):
        per_month = [_period_values(m.lines[i]) for m in months]
        assert _period_values(ln) == [sum(col) for col in zip(*per_month)], (ln.key, ln.split)
        assert ln.ytd == months[-1].lines[i].ytd  # from 1 January to the end of June either way
    assert (q.line("court_filed").month, q.line("court_filed").ytd) == (3, 4)  # April, May, June; + March
    assert [m.line("court_filed").month for m in months] == [1, 1, 1]
    assert (q.line("writs").month, q.line("writs", "bailiff").month, q.line("writs", "employer").month) == (3, 2, 1)
    assert (q.line("court_filed").target, q.line("court_filed").target_ytd) == (30, 60)
    year = measures_report(year_period(2026))
    quarters = [measures_report(quarter_period(2026, n)) for n in (1, 2, 3, 4)]
    for i, ln in enumerate(year.lines):
        assert _period_values(ln) == [sum(col) for col in zip(*(_period_values(x.lines[i]) for x in quarters))]
        assert ln.ytd == ln.month
    assert year.line("court_filed").month == len(FILED)
    assert year.line("court_filed").target == 120


def test_population_and_other_add_up_to_the_totals(data):
    for period in (Q2, month_period(date(2026, 6, 1)), year_period(2026)):
        r = measures_report(period)
        for ln in r.lines:
            pop, other = ln.by_category["population"], ln.by_category["other"]
            assert (pop[0] + other[0], pop[1] + other[1]) == (ln.month, ln.ytd), (period.key, ln.key, ln.split)
        for category in ("population", "other"):
            only = measures_report(period, category=category)
            assert [(x.month, x.ytd) for x in only.lines] == [tuple(x.by_category[category]) for x in r.lines]
    r = measures_report(Q2)
    assert r.line("court_filed").by_category == {"population": [2, 2], "other": [1, 2]}  # 300003; + 300004 in March
    assert r.line("writs").by_category == {"population": [2, 2], "other": [1, 1]}


def _expected_filings(period):
    """The court applications filed in the period, read straight from the court records."""
    rows = db.session.execute(
        select(CourtRecord.id).join(Case, Case.id == CourtRecord.case_id)
        .where(CourtRecord.kind.in_(("order", "claim")), CourtRecord.filed_on >= period.start,
               CourtRecord.filed_on < period.end)).scalars()
    return sorted(rows)


def test_registers_hold_exactly_the_applications_filed_and_the_writs_sent(data):
    acc = data["accounts"]
    r = measures_report(Q2)
    assert sorted(x.record_id for x in r.filings) == _expected_filings(Q2)
    assert [(x.account_number, x.on) for x in r.filings] == [(n, FILED[n]) for n in Q2_FILINGS]
    assert [x.amount_kop for x in r.filings] == [PRINCIPAL[n] + PENALTY[n] for n in Q2_FILINGS]
    assert [x.unit for x in r.filings] == ["Судебный участок № 23 Ленского района"] * 2 + [
        "Арбитражный суд Республики Саха (Якутия)"]  # an organisation's debt goes to the arbitrazh court
    assert [x.number for x in r.filings] == ["2-1/2026", "2-2/2026", "2-3/2026"]
    # the imported address names no settlement: the register puts it first
    assert [x.address for x in r.filings] == ["п. Витим, ул. Лесная, д. 13, кв. 1", "с. Нюя, ул. Лесная, д. 13, кв. 2",
                                              "г. Ленск, ул. Лесная, д. 13"]
    assert {x.account_id for x in r.filings} == {acc[n] for n in Q2_FILINGS}
    assert len(r.filings) == r.line("court_filed").month
    sent = sorted(db.session.scalars(select(Enforcement.id).where(Enforcement.sent_on >= Q2.start,
                                                                  Enforcement.sent_on < Q2.end)))
    assert sorted(x.record_id for x in r.writs) == sent
    # bailiffs first (seed 001 п.26), then the employer; each by sending date
    assert [(x.account_number, x.kind, x.on) for x in r.writs] == [
        ("300004", "bailiff", WRITS["300004"][0]), ("300001", "bailiff", WRITS["300001"][0]),
        ("300002", "employer", WRITS["300002"][0])]
    assert sorted(x.account_number for x in r.writs) == sorted(Q2_WRITS)
    assert [x.amount_kop for x in r.writs] == [WRITS[n][2] for n in ("300004", "300001", "300002")]
    assert r.writs[0].unit.startswith("Ленское РОСП") and r.writs[2].unit == "ООО «Работодатель»"
    assert len(r.writs) == r.line("writs").month
    # the months of the quarter list one each; the filters apply to the registers too
    assert [[x.account_number for x in measures_report(m).filings] for m in Q2.month_starts()] == [
        ["300001"], ["300002"], ["300003"]]
    other = measures_report(Q2, category="other")
    assert [x.account_number for x in other.filings] == ["300003"]
    assert [x.account_number for x in other.writs] == ["300004"]
    assert measures_report(quarter_period(2026, 3)).filings[0].account_number == "300005"


def test_exports_carry_the_split_the_period_and_the_registers(data):
    from docx import Document
    from openpyxl import load_workbook

    from casework.accounts.models import Account
    from casework.reports.measures_export import header, to_csv, to_docx, to_json_dict, to_xlsx

    # a debtor's name that a spreadsheet would run as a formula
    db.session.get(Account, data["accounts"]["300002"]).debtor_name = "=HYPERLINK(\"http://x\")"
    db.session.flush()
    r = measures_report(Q2, group_by="territory")
    wb = load_workbook(io.BytesIO(to_xlsx(r, "МУП «Тест»", "Иванов И.И.")))
    main = wb.worksheets[0]
    cells = [[c.value for c in row] for row in main.iter_rows()]
    flat = [v for row in cells for v in row if v is not None]
    assert "Население" in flat and "Прочие потребители" in flat and "за квартал" in flat
    assert any(isinstance(v, str) and v.startswith("II квартал 2026") for v in flat)
    cols = header(r)
    assert len(cols) == 2 + 8 + 2  # all, municipal, население, прочие × (quarter, from 1 January); target; item
    nums = next(row for row in cells if row[:3] == [1, 2, 3])
    filed = next(row for row in cells[cells.index(nums):] if row[1] and str(row[1]).startswith("Подано заявлений"))
    assert filed[2:10] == [3, 4, 0, 0, 2, 2, 1, 2] and filed[10] == "30 / 60"
    # the split: a sheet with the territories as rows, not a column pair per territory
    split = wb.worksheets[1]
    first_col = [row[0].value for row in split.iter_rows()]
    assert {"г. Ленск", "п. Витим", "с. Нюя"} <= set(first_col)
    assert split.max_column <= 15
    # the registers: exactly the filings and the writs, the dangerous name defused
    filings, writs = wb.worksheets[2], wb.worksheets[3]
    f_rows = [[c.value for c in row] for row in filings.iter_rows() if isinstance(row[0].value, int)]
    assert [row[3] for row in f_rows] == list(Q2_FILINGS)
    assert f_rows[1][4] == "'=HYPERLINK(\"http://x\")"
    w_rows = [[c.value for c in row] for row in writs.iter_rows() if isinstance(row[0].value, int)]
    assert [row[3] for row in w_rows] == ["300004", "300001", "300002"]
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape"
        for row in ws.iter_rows():
            for c in row:
                assert not (isinstance(c.value, str) and c.value[:1] in "=+-@"), (ws.title, c.coordinate, c.value)

    doc = Document(io.BytesIO(to_docx(r, "МУП «Тест»")))
    sec = doc.sections[0]
    assert sec.page_width > sec.page_height  # landscape
    texts = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    territory_rows = [row for row in texts if row[0] in ("г. Ленск", "п. Витим", "с. Нюя")]
    assert territory_rows and all(len(row) <= 15 for row in territory_rows)
    reg = [t for t in doc.tables if t.rows[0].cells[3].text == "Лицевой счёт"]
    assert len(reg) == 2
    assert [row.cells[3].text for row in reg[0].rows[1:-1]] == list(Q2_FILINGS)
    assert [row.cells[3].text for row in reg[1].rows[1:-1]] == ["300004", "300001", "300002"]
    assert max(len(t.columns) for t in doc.tables) <= 15  # whatever the number of territories

    j = to_json_dict(r)
    assert (j["period"], j["period_kind"], j["month"]) == ("2026-Q2", "quarter", None)
    assert [x["account"] for x in j["filings"]] == list(Q2_FILINGS)
    line = next(x for x in j["lines"] if x["measure"] == "court_filed" and x["split"] is None)
    assert line["categories"] == {"population": [2, 2], "other": [1, 2]}
    csv_text = to_csv(r)
    assert "300003" in csv_text and "'=HYPERLINK" in csv_text


def test_cli_takes_a_quarter_and_a_category(data, runner):
    import json

    db.session.commit()
    res = runner.invoke(args=["report", "measures", "--period", "2026-Q2", "--category", "population"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["period"] == "2026-Q2" and [x["account"] for x in out["filings"]] == ["300001", "300002"]
    res = runner.invoke(args=["report", "measures", "--period", "2026-Q5"])
    assert res.exit_code != 0 and "2026-Q5" in res.output
    res = runner.invoke(args=["report", "measures", "--month", "2026-Q2"])
    assert res.exit_code != 0
