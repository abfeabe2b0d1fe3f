"""The measures report on the hand-built data set of measures_data.py (month March 2026).

Each expected figure is counted by hand from the records listed in measures_data.build(): the comment next
to it names the records that make it up.
"""
from __future__ import annotations

import pytest

from casework.reports.measures import MEASURE_KEYS, measures_report

from .measures_data import MARCH, build


@pytest.fixture()
def data(app, make_user):
    user = make_user("manager")
    ids = build(user.id)
    return ids


def _mt(report, key, split=None):
    ln = report.line(key, split)
    return (ln.month, ln.ytd)


def _muni(report, key, split=None):
    ln = report.line(key, split)
    return (ln.municipal_month, ln.municipal_ytd)


def test_every_measure_month_and_year_to_date(data):
    r = measures_report(MARCH)
    assert {ln.key for ln in r.lines} == set(MEASURE_KEYS)
    # notices: a1 05.03, a2 10.03, building 15.03 in March; + a3 warning 12.02 from January
    assert _mt(r, "notices") == (3, 4)
    assert _mt(r, "notices", "notice_debt") == (2, 2)
    assert _mt(r, "notices", "warning_restriction") == (0, 1)
    assert _mt(r, "notices", "pretrial_claim") == (0, 0)  # 20.12.2025 is last year
    assert _mt(r, "notices", "building_notice") == (1, 1)
    # contacts: a1 call ×2, a2 visit 15.03, a2 call (correcting the wrong visit); + a3 raid 20.02
    assert _mt(r, "contacts") == (4, 5)
    assert _mt(r, "contacts", "call") == (3, 3)
    assert _mt(r, "contacts", "visit") == (1, 1)
    assert _mt(r, "contacts", "raid") == (0, 1)
    assert _mt(r, "contacts", "sms") == (0, 0)  # 01.04 00:00 is after the month
    assert _mt(r, "visits") == (1, 2)
    # agreements: concluded a1 03.03 (+ a2 10.01); a3 void; kept a1 28.03 (+ a4 10.02); broken a2 12.03
    assert _mt(r, "agreements_concluded") == (1, 2)
    assert _mt(r, "agreements_kept") == (1, 2)
    assert _mt(r, "agreements_broken") == (1, 1)
    # restriction c2 20.03 (+ c1 10.02), suspension c1 02.03; c3 01.12.2025 out
    assert _mt(r, "restrictions") == (2, 3)
    assert _mt(r, "restrictions", "restriction") == (1, 2)
    assert _mt(r, "restrictions", "suspension") == (1, 1)
    # filed: c1 order 04.03, c3 claim 10.03 (+ c2 order 02.02); c4 order 15.12.2025 out; eviction apart
    assert _mt(r, "court_filed") == (2, 3)
    assert _mt(r, "court_filed", "order") == (1, 2)
    assert _mt(r, "court_filed", "claim") == (1, 1)
    assert _mt(r, "eviction_filed") == (1, 1)
    # orders issued c1 15.03 (+ c2 20.02, c4 20.01); cancelled c1 30.03 (+ c4 25.02)
    assert _mt(r, "orders_issued") == (1, 3)
    assert _mt(r, "orders_cancelled") == (1, 2)
    # judgments: c3 claim 25.03 satisfied; the eviction judgment of 02.04 is after the month
    assert _mt(r, "judgments") == (1, 1)
    assert _mt(r, "judgments", "satisfied") == (1, 1)
    # writs: c2 bailiff 05.03, c4 employer 06.03 (+ c4 bailiff 15.01); c1 bank 2025 out
    assert _mt(r, "writs") == (2, 3)
    assert _mt(r, "writs", "bailiff") == (1, 2)
    assert _mt(r, "writs", "employer") == (1, 1)
    assert _mt(r, "writs", "bank") == (0, 0)
    # received: 1 500,00 − 500,00 reversal + 700,00 employer (+ 300,00 on 05.02); bank source and 2025 out
    assert _mt(r, "received") == (170000, 200000)
    assert _mt(r, "received", "enforcement") == (100000, 130000)
    assert _mt(r, "received", "employer") == (70000, 70000)
    # written off: c3 limitation 5 000,00 on 15.03 (+ c4 bailiff act 2 000,00 on 15.02); rejected/undecided out
    assert _mt(r, "written_off_count") == (1, 2)
    assert _mt(r, "written_off") == (500000, 700000)
    assert _mt(r, "written_off", "limitation") == (500000, 500000)
    assert _mt(r, "written_off", "bailiff_impossible") == (0, 200000)
    assert _mt(r, "written_off", "death_no_heirs") == (0, 0)


def test_target_of_court_applications(data, app):
    saved = {"REPORT_COURT_TARGET": app.config.get("REPORT_COURT_TARGET")}
    app.config["REPORT_COURT_TARGET"] = 7
    try:
        ln = measures_report(MARCH).line("court_filed")
    finally:
        app.config.update(saved)
    assert (ln.target, ln.target_ytd) == (7, 21)  # 7 a month × 3 months
    assert measures_report(MARCH).line("court_filed").target == 10  # default, seed 001 п.18
    assert measures_report(MARCH).line("orders_issued").target is None


def test_municipal_housing_separately(data):
    r = measures_report(MARCH)
    # municipal accounts are a2 and a3
    assert _muni(r, "notices") == (1, 2)  # a2 notice 10.03; a3 warning 12.02
    assert _muni(r, "contacts") == (2, 3)  # a2 visit + a2 call; a3 raid
    assert _muni(r, "agreements_broken") == (1, 1)  # a2
    assert _muni(r, "restrictions") == (1, 1)  # c2
    assert _muni(r, "court_filed") == (1, 2)  # c3 claim; c2 order in February
    assert _muni(r, "eviction_filed") == (1, 1)
    assert _muni(r, "received") == (100000, 100000)  # a2 net of the reversal
    assert _muni(r, "written_off") == (500000, 500000)  # c3
    only = measures_report(MARCH, municipal=True)
    assert _mt(only, "received") == (100000, 100000)
    assert _mt(only, "notices") == (1, 2)
    assert only.line("notices", "building_notice").not_applicable  # building notices have no tenure
    assert not only.line("notices").not_applicable


def test_population_and_other_consumers(data, app):
    from casework.accounts.models import Account
    from casework.extensions import db

    db.session.get(Account, data["a4"]).category = "other"
    db.session.flush()
    r = measures_report(MARCH)
    for ln in r.lines:  # every line, building notices included, splits into population and other
        assert ln.by_category["population"][0] + ln.by_category["other"][0] == ln.month, (ln.key, ln.split)
        assert ln.by_category["population"][1] + ln.by_category["other"][1] == ln.ytd, (ln.key, ln.split)
    assert r.line("notices", "building_notice").by_category == {"population": [1, 1], "other": [0, 0]}
    assert r.line("received").by_category == {"population": [100000, 100000], "other": [70000, 100000]}  # a4
    other = measures_report(MARCH, category="other")
    assert _mt(other, "received") == (70000, 100000) and _mt(other, "notices") == (0, 0)  # a4 pretrial 2025 out
    assert _mt(measures_report(MARCH, category="population"), "notices") == (3, 4)  # a1, a2, building; a3


def test_split_by_territory(data):
    t1, t2 = data["t1"], data["t2"]
    r = measures_report(MARCH, group_by="territory")
    assert [g for g, _l in r.groups] == [t2, t1, None]  # Витим, Ленск by name, then «no territory»
    assert r.line("notices").groups[t1] == [2, 2]  # a1, a2
    assert r.line("notices").groups[t2] == [1, 2]  # building in Витим; a3 warning in February
    assert r.line("received").groups[t1] == [100000, 100000]  # a2
    assert r.line("received").groups[t2] == [70000, 100000]  # a4 employer; a4 enforcement 05.02
    assert r.line("court_filed", "order").groups[t1] == [1, 2]  # c1 March, c2 February
    assert r.line("court_filed", "order").groups[t2] == [0, 0]  # c4's order was filed in 2025
    # the columns add up to the total for every line
    for ln in r.lines:
        assert sum(v[0] for v in ln.groups.values()) == ln.month, ln.key
        assert sum(v[1] for v in ln.groups.values()) == ln.ytd, ln.key
    one = measures_report(MARCH, territory_id=t2)
    assert _mt(one, "notices") == (1, 2)
    assert _mt(one, "writs") == (1, 2)  # c4 employer 06.03; c4 bailiff 15.01
    assert not one.line("notices", "building_notice").not_applicable


def test_split_by_tenure(data):
    r = measures_report(MARCH, group_by="tenure")
    ln = r.line("notices")
    assert ln.groups["owner"] == [1, 1]  # a1
    assert ln.groups["social_tenancy"] == [1, 1]  # a2
    assert ln.groups["commercial_tenancy"] == [0, 1]  # a3
    assert ln.groups[None] == [1, 1]  # the building notice
    assert r.line("written_off").groups["owner"] == [0, 200000]  # c4 (a4, owner)
    assert r.line("agreements_kept").groups["owner"] == [1, 2]  # a1, a4
    owners = measures_report(MARCH, tenure="owner")
    assert _mt(owners, "contacts") == (2, 2)  # a1 calls; a4's are outside the window
    assert _mt(owners, "notices") == (1, 1)
    assert owners.line("notices", "building_notice").not_applicable


def test_december_report_counts_the_whole_year(data):
    from datetime import date

    r = measures_report(date(2025, 12, 1))
    # 2025: a4 pretrial claim 20.12; c3 restriction 01.12; c4 order filed 15.12; c1 bank writ 01.12; a3 1234
    assert _mt(r, "notices") == (1, 1)
    assert _mt(r, "restrictions") == (1, 1)
    assert _mt(r, "court_filed") == (1, 1)
    assert _mt(r, "writs", "bank") == (1, 1)
    assert _mt(r, "received") == (1234, 1234)
    assert _mt(r, "agreements_concluded") == (0, 1)  # a4 signed 01.11.2025
    assert r.line("court_filed").target_ytd == 120


def test_enforcement_receipts_equal_the_monthly_form(data):
    from casework.reports.queries import fetch_form_figures

    from .report_data import build_account_months

    build_account_months(MARCH)
    form = fetch_form_figures(MARCH, "fifo").rows["total"]
    assert measures_report(MARCH).line("received", "enforcement").month == form.enforcement_kop == 100000


# ------------------------------------------------------------------------------------------- exports

def test_xlsx_reads_back_with_the_figures(data):
    import io

    from openpyxl import load_workbook

    from casework.reports.measures_export import header, to_xlsx, value_columns

    r = measures_report(MARCH, group_by="territory")
    wb = load_workbook(io.BytesIO(to_xlsx(r, "МУП «Тест»", "Иванов И.И.", "Директор")))
    ws = wb.active
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    flat = [v for row in cells for v in row if v is not None]
    assert "МУП «Тест»" in flat and "Иванов И.И." in flat
    cols = header(r)
    # №, measure; all accounts, municipal, население, прочие × (month, from 1 January); target; plan item —
    # the territories are rows of their own sheet, not column pairs here
    assert len(cols) == 2 + 8 + 2 and [c.sub for c in value_columns(r)][:2] == ["за месяц", "с 1 января"]
    head = next(i for i, row in enumerate(cells) if row[:len(cols)] == list(range(1, len(cols) + 1)))
    groups = [v for v in cells[head - 2] if v]
    assert groups[:6] == ["№ п/п", "Мероприятие", "Все лицевые счета", "в т. ч. муниципальный жилфонд", "Население",
                          "Прочие потребители"]
    by_num = {row[0]: row for row in cells[head + 1:] if isinstance(row[0], str) and row[0][:1].isdigit()}
    keys = [ln for ln in r.lines]
    # line numbers: measures 1..16, splits 1.1, 1.2, …
    assert sum(1 for k in by_num if "." not in k) == 16
    n = 0
    for ln in keys:
        if ln.level == 0:
            n += 1
            k = 0
            row = by_num[str(n)]
        else:
            k += 1
            row = by_num[f"{n}.{k}"]
        if ln.is_money:
            from decimal import Decimal
            assert Decimal(str(row[2])) * 100 == ln.month and Decimal(str(row[3])) * 100 == ln.ytd, ln.key
        else:
            assert (row[2], row[3], row[4], row[5]) == (ln.month, ln.ytd, ln.municipal_month, ln.municipal_ytd)
            assert (row[6], row[7]) == tuple(ln.by_category["population"]), ln.key
    received = by_num[str(1 + [ln.key for ln in keys if ln.level == 0].index("received"))]
    assert (received[2], received[3]) == (1700, 2000)  # 170 000 kopecks = 1 700,00 ₽; year 2 000,00 ₽
    filed = by_num[str(1 + [ln.key for ln in keys if ln.level == 0].index("court_filed"))]
    assert filed[2] == 2 and filed[len(cols) - 2] == "10 / 30"
    split = wb.worksheets[1]
    assert [row[0].value for row in split.iter_rows() if row[0].value in ("Ленск", "Витим")][:2] == ["Витим", "Ленск"]


def test_docx_csv_json_and_cli(data, runner, tmp_path):
    import io
    import json

    from docx import Document

    from casework.reports.measures_export import to_csv, to_docx, to_json

    r = measures_report(MARCH)
    doc = Document(io.BytesIO(to_docx(r, "МУП «Тест»")))
    table = doc.tables[0]
    sections = len({ln.section for ln in r.lines})
    assert len(table.rows) == 3 + sections + len(r.lines)  # two header rows, the numbers, sections, lines
    texts = [[c.text for c in row.cells] for row in table.rows]
    assert any(row[0] == "1" and row[2] == "3" and row[3] == "4" for row in texts)  # notices
    csv_text = to_csv(r)
    assert csv_text.startswith("\ufeff") and ";1\u00a0700,00;" not in csv_text
    assert ";1700,00;2000,00;1000,00;1000,00;" in csv_text  # received: month, ytd, municipal
    j = json.loads(to_json(r))
    line = next(x for x in j["lines"] if x["measure"] == "received" and x["split"] is None)
    assert (line["month"], line["ytd"], line["municipal_month"]) == ("1700.00", "2000.00", "1000.00")
    res = runner.invoke(args=["report", "measures", "--month", "2026-03"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["lines"][0]["month"] == 3
    out = tmp_path / "m.xlsx"
    res = runner.invoke(args=["report", "measures", "--month", "2026-03", "--format", "xlsx", "--group", "tenure",
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    from openpyxl import load_workbook
    assert load_workbook(out).active.max_row > 40
