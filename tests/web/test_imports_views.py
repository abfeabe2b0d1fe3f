"""Web flow of imports: upload → preview → confirm → result, as a manager; refusal for a collector."""
import io
import re
import zipfile

from sqlalchemy import func, select

from casework.accounts.models import Account, LedgerEntry
from casework.extensions import db
from casework.imports.models import ImportBatch

ACCOUNTS_CSV = ("Лицевой счёт;Категория;ФИО;Адрес\n"
                "100001;Население;Иванов Иван Иванович;г. Ленск, ул. Ленина, д. 5, кв. 12\n"
                "100002;Население;Петрова Анна;г. Ленск, ул. Ленина, д. 5, кв. 13\n").encode("cp1251")
LEDGER_CSV = ("ЛС;Период;Услуга;Вид;Сумма;Дата оплаты\n"
              "100001;2025-01;heating;начисление;100,50;\n"
              "100001;2025-02;heating;оплата;50;10.02.2025\n"
              "999;2025-01;heating;начисление;1;\n").encode()


def upload(client, kind, data, name):
    return client.post("/imports/new", data={"kind": kind, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_manager_uploads_previews_and_confirms(client, login):
    login("manager")
    resp = upload(client, "accounts", ACCOUNTS_CSV, "реестр.csv")
    assert resp.status_code == 302
    preview_url = resp.headers["Location"]
    page = client.get(preview_url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "реестр.csv" in html and 'name="skip_bad_rows"' not in html
    assert db.session.scalar(select(func.count()).select_from(Account)) == 0  # preview wrote nothing
    resp = client.post(preview_url)
    assert resp.status_code == 302
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert (batch.status, batch.rows_inserted, batch.via) == ("committed", 2, "web")
    assert client.get(resp.headers["Location"]).status_code == 200

    # ledger with a bad row: the preview lists it; a plain confirm commits nothing; skipping commits the rest
    resp = upload(client, "ledger", LEDGER_CSV, "ledger.csv")
    preview_url = resp.headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    assert re.search(r"<td class=\"num\">4</td><td>ЛС</td><td>[^<]*999", html)
    assert 'name="skip_bad_rows"' in html and "data-confirm" in html
    client.post(preview_url)
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0
    assert db.session.scalar(select(ImportBatch.status).order_by(ImportBatch.id.desc())) == "rejected"
    resp = client.post(preview_url, data={"skip_bad_rows": "y"})
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert (batch.status, batch.rows_inserted, batch.rows_skipped) == ("committed", 2, 1)
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 2
    show = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"/imports/{batch.id}/errors.csv" in show
    err = client.get(f"/imports/{batch.id}/errors.csv")
    assert err.status_code == 200 and "999;2025-01" in err.get_data().decode("utf-8-sig")
    err.close()

    listing = client.get("/imports/?kind=ledger")
    assert listing.status_code == 200 and "ledger.csv" in listing.get_data(as_text=True)
    assert "реестр.csv" not in listing.get_data(as_text=True)
    xlsx = client.get("/imports/?export=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_upload_refusals(client, login):
    login("admin")
    resp = upload(client, "ledger", b"x", "ledger.txt")
    assert resp.status_code == 400
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<x/>")
        zf.writestr("xl/worksheets/sheet1.xml", "0" * (50 * 1024 * 1024))
    resp = upload(client, "ledger", buf.getvalue(), "bomb.xlsx")
    assert resp.status_code == 400
    resp = upload(client, "ledger", "ЛС;Период".encode("utf-16"), "x.csv")
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert 'action="/imports/preview' not in html  # no import button for an unreadable file
    assert client.get("/imports/preview/" + "0" * 64 + "/ledger").status_code == 404
    assert client.get("/imports/preview/../../etc/ledger").status_code == 404
    assert client.get("/imports/999999").status_code == 404


def test_collector_is_refused(client, login):
    login("collector")
    assert client.get("/imports/").status_code == 403
    assert upload(client, "accounts", ACCOUNTS_CSV, "a.csv").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


PERSONS_CSV = ("ЛС;ФИО;Роль;Телефон;Код\n"
               "100001;Иванов Иван Иванович;собственник;+7 914 000-00-01;P-1\n"
               "100002;Петрова Анна;наниматель;+7 914 000-00-02;P-2\n")


def persons_table(html: str) -> list[list[str]]:
    body = html.split('class="data persons-summary"', 1)[1].split("</table>", 1)[0]
    return [re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", tr) for tr in re.findall(r"<tr>(.*?)</tr>", body)]


def test_persons_preview_shows_new_updated_unchanged_and_kept_edits(client, login):
    from casework.accounts.models import Party

    login("manager")
    client.post(upload(client, "accounts", ACCOUNTS_CSV, "a.csv").headers["Location"])
    preview_url = upload(client, "persons", PERSONS_CSV.encode(), "лица.csv").headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    assert persons_table(html) == [["", "Новые", "С изменениями", "Без изменений"], ["Лица", "2", "0", "0"],
                                   ["Связи со счетами", "2", "0", "0"]]
    resp = client.post(preview_url)
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert (batch.status, batch.rows_inserted) == ("committed", 2)
    assert persons_table(client.get(resp.headers["Location"]).get_data(as_text=True))[1] == ["Лица", "2", "0", "0"]

    p2 = db.session.scalar(select(Party).where(Party.external_id == "P-2"))
    p2.phone = "+7 924 111-11-11"  # edited in the app
    db.session.commit()
    changed = PERSONS_CSV.replace("000-00-01", "999-99-99").replace("000-00-02", "888-88-88")
    preview_url = upload(client, "persons", changed.encode(), "лица2.csv").headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    assert persons_table(html)[1:] == [["Лица", "0", "1", "1"], ["Связи со счетами", "0", "0", "2"]]
    assert "Исправлено в приложении: оставлено (1)" in html
    assert re.search(r"<td class=\"num\">3</td><td>Петрова Анна</td><td>Телефон</td>", html)
    resp = client.post(preview_url)
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert (batch.rows_inserted, batch.rows_updated, batch.rows_duplicate) == (0, 1, 2)
    show = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Петрова Анна" in show and "Что изменил файл" in show


def test_admin_edits_aliases_and_a_manager_may_not(client, login):
    from casework.imports.models import ImportAlias

    login("manager")
    assert client.get("/imports/aliases").status_code == 403
    assert "/imports/aliases" not in client.get("/imports/").get_data(as_text=True)
    client.get("/auth/logout")
    client.post("/auth/logout")
    login("admin")
    assert "/imports/aliases" in client.get("/imports/").get_data(as_text=True)
    html = client.get("/imports/aliases").get_data(as_text=True)
    assert "Синонимы значений биллинга" in html
    for seeded in ("ХВС", "ГВС", "Почта России", "Исполнительный лист", "Физическое лицо", "Юридическое лицо",
                   "Бюджетные организации"):
        assert f"<td>{seeded}</td>" in html, seeded
    assert "Услуга — Холодное водоснабжение" in html  # the choices name what a value means
    resp = client.post("/imports/aliases", data={"alias": "Терминал", "meaning": "source:online"})
    assert resp.status_code == 302
    row = db.session.scalar(select(ImportAlias).where(ImportAlias.alias == "Терминал"))
    assert (row.kind, row.target, row.is_active) == ("source", "online", True)
    resp = client.post("/imports/aliases", data={"alias": "терминал!", "meaning": "source:bank"})
    assert resp.status_code == 400 and "уже есть среди синонимов" in resp.get_data(as_text=True)
    resp = client.post("/imports/aliases", data={"alias": "Х", "meaning": "service:nonexistent"})
    assert resp.status_code == 400
    resp = client.post(f"/imports/aliases/{row.id}/delete")
    assert resp.status_code == 302
    db.session.refresh(row)
    assert row.is_active is False
    assert "<td>Терминал</td>" not in client.get("/imports/aliases").get_data(as_text=True)
    assert client.post(f"/imports/aliases/{row.id}/delete").status_code == 404
    assert client.post("/imports/aliases/999999/delete").status_code == 404


def test_preview_of_a_1c_sheet_shows_sums_mapping_and_an_earlier_import(client, login):
    from datetime import timedelta

    from casework.timeutil import today
    from tests.osv_builder import MONTH_NAMES, build_osv, sample_lines

    m = today().replace(day=1) - timedelta(days=1)  # the month just ended
    title = f"Оборотно-сальдовая ведомость по счету 62 за {MONTH_NAMES[m.month - 1]} {m.year} г."

    login("manager")
    registry = ("Лицевой счёт;Категория;ФИО;Адрес\n000101;Физическое лицо;Иванов;ул. Ленина, 5, кв. 1\n"
                "000102;Физическое лицо;Петрова;ул. Ленина, 5, кв. 2\n000201;Юридическое лицо;ООО «Р»;ул. Мира, 1\n")
    client.post(upload(client, "accounts", registry.encode(), "a.csv").headers["Location"])
    data = build_osv(sample_lines(), houses=True, title=title)
    preview_url = upload(client, "turnover", data, "ОСВ.xlsx").headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    assert "Оборотно-сальдовая ведомость в виде выгрузки 1С" in html
    assert title in html
    shown = f"{MONTH_NAMES[m.month - 1].lower()} {m.year}"  # «ноябрь 2026»
    assert f"Период взят из заголовка: {shown}." in html
    assert "Суммы по видам и месяцам" in html and f"Период файла: {shown} – {shown}" in html
    sums = re.search(r"<th>Начисления</th>(.*?)</tr>", html).group(1)
    assert "8\u00a0241,10" in sums  # 2500,50 × 2 + 1800 + 800 + 640,10
    assert "Как прочитаны столбцы" in html and "«Сальдо на начало периода: Дебет» − «Сальдо на начало периода: Кредит»" in html
    assert "Строки итогов и промежуточных итогов (не загружаются): 7" in html
    assert "уже загружался" not in html
    client.post(preview_url)
    batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
    assert (batch.status, batch.rows_inserted) == ("committed", 12)
    html = client.get(upload(client, "turnover", data, "ОСВ-2.xlsx").headers["Location"]).get_data(as_text=True)
    assert f"Этот файл уже загружался {batch.started_at:%d.%m.%Y}" in html
    assert f'href="/imports/{batch.id}"' in html


def test_a_header_only_file_is_not_offered_for_import(client, login):
    login("manager")
    html = client.get(upload(client, "ledger", "ЛС;Период;Услуга;Вид;Сумма\n".encode(), "h.csv").headers["Location"]
                      ).get_data(as_text=True)
    assert "нет ни одной строки с данными" in html and 'action="/imports/preview' not in html
