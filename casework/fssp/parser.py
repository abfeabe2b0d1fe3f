"""What the bailiffs give the взыскатель, read into `Proceeding` records.

(a) The ОСП's reconciliation sheet («Реестр исполнительных производств», «Акт сверки»): XLSX or CSV, title rows
    above the table, two-row headers with merged cells («Исполнительный документ» over «Номер» | «Дата»), the
    columns under any of their usual names (`COLUMNS`), «Итого» rows below, and optionally one row per transfer
    (платёжное поручение) under a proceeding.
(b) The ФССП постановление as ЕПГУ delivers it: XML of the namespace `http://www.fssprus.ru/namespace/order/2017/2`
    or `http://www.fssp.gov.ru/namespace/order_fssp/2022/1` (root `OIp`; elements DocType, DocDate, DocName, IpNo,
    IpRiseDate, IdDocNo, IdDocDate, DbtrName, Spi, IdDebtSum, IpRestDebtsum …), alone or zipped with its signature;
    what it does to the proceeding is read from its DocType code (`notice_kind`).
See docs/fssp.md for the shapes and where they come from. The XML is parsed with defusedxml (no entities).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..domain import enforcement as enf
from ..egrn.parser import ExtractError, xml_files
from ..i18n import _
from ..imports.columns import norm
from ..imports.rows import ImportFileError
from ..imports.tables import check_xlsx_archive, decode, sniff_delimiter
from ..imports.values import BadValue, parse_amount, parse_date

HEADER_SCAN_ROWS = 30
MAX_ROWS = 20000


class ReconciliationError(ValueError):
    """The file is not a reconciliation sheet or a ФССП notice we can read (message in the user's words)."""


@dataclass
class Proceeding:
    """One enforcement proceeding as the bailiffs report it."""

    origin: str                      # file name (and row)
    ip_number: str | None = None
    ip_opened_on: date | None = None
    status: str | None = None        # domain.enforcement status
    status_text: str | None = None
    ended_on: date | None = None
    ground: enf.EndGround | None = None
    end_text: str | None = None
    writ_number: str | None = None
    writ_date: date | None = None
    debtor_name: str | None = None
    debtor_birth: date | None = None
    debt_kop: int | None = None
    rest_kop: int | None = None
    recovered_kop: int | None = None
    transferred_kop: int | None = None
    unit_name: str | None = None
    bailiff_name: str | None = None
    payments: list[tuple[date, int]] = field(default_factory=list)  # transfers to the взыскатель: (date, kopecks)
    problems: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------ the sheet
COLUMNS: dict[str, tuple[str, ...]] = {
    "ip_number": ("Номер ИП", "№ ИП", "Рег. номер ИП", "Регистрационный номер ИП", "Регистрационный номер",
                  "Номер исполнительного производства", "№ исполнительного производства",
                  "Исполнительное производство номер", "Исполнительное производство №", "ИП", "ИП номер"),
    "ip_opened_on": ("Дата возбуждения", "Дата возбуждения ИП", "Дата возбуждения исполнительного производства",
                     "Исполнительное производство дата возбуждения", "Исполнительное производство дата",
                     "ИП дата возбуждения", "ИП дата"),
    "status": ("Статус", "Состояние", "Статус ИП", "Состояние ИП", "Стадия", "Исполнительное производство статус",
               "Исполнительное производство состояние"),
    "ended_on": ("Дата окончания", "Дата окончания ИП", "Дата окончания прекращения", "Дата окончания/прекращения",
                 "Окончание дата", "Окончание прекращение дата", "Исполнительное производство дата окончания"),
    "end_text": ("Основание окончания", "Причина окончания", "Основание окончания прекращения", "Статья окончания",
                 "Ст. окончания", "Основание", "Окончание основание", "Окончание прекращение основание",
                 "Окончание статья", "Основание окончания ст.229-ФЗ"),
    "writ_number": ("Номер ИД", "№ ИД", "Номер исполнительного документа", "№ исполнительного документа",
                    "Исполнительный документ номер", "Исполнительный документ №", "ИД номер", "ИД №",
                    "Реквизиты ИД номер"),
    "writ_date": ("Дата ИД", "Дата исполнительного документа", "Исполнительный документ дата", "ИД дата",
                  "Дата выдачи ИД", "Реквизиты ИД дата"),
    "debtor_name": ("Должник", "ФИО должника", "Должник ФИО", "Наименование должника", "Должник наименование",
                    "Должник ФИО наименование", "Должник (ФИО)"),
    "debtor_birth": ("Дата рождения", "Дата рождения должника", "Должник дата рождения", "Д.р.", "ДР должника"),
    "debt_kop": ("Сумма долга", "Сумма по ИД", "Сумма задолженности", "Сумма взыскания", "Сумма по ИП",
                 "Сумма долга по ИД", "Сумма требований", "Сумма руб"),
    "rest_kop": ("Остаток долга", "Остаток задолженности", "Остаток", "Остаток основного долга",
                 "Сумма остатка долга"),
    "recovered_kop": ("Взыскано", "Взыскано всего", "Сумма взысканная", "Взыскано с должника", "Взыскано руб"),
    "transferred_kop": ("Перечислено взыскателю", "Перечислено", "Сумма перечисленная взыскателю",
                        "Перечислено взыскателю руб"),
    "unit_name": ("ОСП", "Отдел", "Подразделение", "Отдел судебных приставов", "Наименование ОСП",
                  "Структурное подразделение", "Отделение"),
    "bailiff_name": ("Судебный пристав-исполнитель", "СПИ", "ФИО СПИ", "Пристав", "Пристав-исполнитель",
                     "Судебный пристав"),
    "pay_date": ("Дата платежного поручения", "Дата перечисления", "Дата п/п", "Платежное поручение дата",
                 "Дата платежа", "Перечисление дата"),
    "pay_kop": ("Сумма платежного поручения", "Сумма перечисления", "Платежное поручение сумма", "Сумма п/п",
                "Сумма платежа", "Перечисление сумма"),
    # the «Банк данных исполнительных производств» (fssp.gov.ru/iss/ip) table, whose cells combine several values
    # (its captions with the parenthesised notes, which `norm` drops, and the open-data set «iplegallist»)
    "ip_combined": ("Исполнительное производство (номер, дата возбуждения)",),
    "writ_combined": ("Реквизиты исполнительного документа (вид, дата принятия органом, номер, наименование органа, "
                      "выдавшего исполнительный документ)",),
    "end_combined": ("Дата, причина окончания или прекращения ИП (статья, часть, пункт основания)",
                     "Дата причина окончания или прекращения ИП"),
    "subject_rest": ("Предмет исполнения, сумма непогашенной задолженности",),
}
COLUMNS["rest_kop"] += ("Остаток непогашенной задолженности",)
COLUMNS["unit_name"] += ("Наименование отдела", "Отдел судебных приставов (наименование, адрес)")
COLUMNS["bailiff_name"] += ("Судебный пристав-исполнитель, телефон для получения информации",)
COLUMNS["debtor_name"] += ("Наименование юридического лица",)
_ALIAS: dict[str, str] = {}
for _key, _names in COLUMNS.items():
    for _n in _names:
        _ALIAS[norm(_n)] = _key
KEY_COLUMNS = ("ip_number", "writ_number", "ip_combined", "writ_combined")
_UNIT = re.compile(r"(?:вруб|руб|рублей|коп)$")  # «Сумма долга, руб.» is «Сумма долга»
_TOTAL = re.compile(r"^\s*(итого|всего|итог)\b", re.I)


def _label(cells: list) -> list[str]:
    return ["" if c is None else str(c).strip() for c in cells]


def _map(header: list[str], parent: list[str] | None = None) -> dict[str, int]:
    """Column index of each known field: the merged parent with the child («Исполнительный документ» + «Номер»),
    the child alone, or the parent alone over an empty child."""
    out: dict[str, int] = {}
    for i, child in enumerate(header):
        above = parent[i] if parent and i < len(parent) else ""
        tries = ([f"{above} {child}"] if above and child else []) + ([child] if child else []) + \
                ([above] if above and not child else [])
        for t in tries:
            key = _ALIAS.get(norm(t)) or _ALIAS.get(_UNIT.sub("", norm(t)))
            if key and key not in out:
                out[key] = i
                break
    return out


def _find_header(rows: list[list[str]]) -> tuple[int, dict[str, int]]:
    """The header of the table under the title rows: the row (or the pair of rows, for merged headers) that names
    the most known columns, one of them the ИП or the writ number."""
    best = (-1, {}, 0)
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        single = _map(row)
        pair = _map(rows[i + 1], row) if i + 1 < len(rows) else {}
        for end, m in ((i, single), (i + 1, pair)):
            if any(k in m for k in KEY_COLUMNS) and len(m) > best[2]:
                best = (end, m, len(m))
    if best[0] < 0 or best[2] < 2:
        raise ReconciliationError(_("No table of enforcement proceedings was found: the sheet needs a header with "
                                    "the ИП number or the writ number (e.g. «Номер ИП», «Номер ИД»)."))
    return best[0], best[1]


def _xlsx_rows(data: bytes) -> list[list]:
    try:
        check_xlsx_archive(data)
    except ImportFileError as exc:
        raise ReconciliationError(str(exc.errors[0].reason)) from None
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)  # not read-only: merged cells are needed
    except Exception:  # openpyxl raises many kinds on a broken workbook
        raise ReconciliationError(_("The file is not a readable Excel workbook (.xlsx).")) from None
    ws = wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True, max_row=MAX_ROWS)]
    for rng in ws.merged_cells.ranges:  # a merged header cell's text belongs to every column it spans
        value = ws.cell(rng.min_row, rng.min_col).value
        for r in range(rng.min_row, min(rng.max_row, len(rows)) + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if r - 1 < len(rows) and c - 1 < len(rows[r - 1]):
                    rows[r - 1][c - 1] = value
    wb.close()
    return rows


def _csv_rows(data: bytes) -> list[list]:
    """The rows of a CSV, split by the delimiter under which a header is found (captions of the bank's table hold
    commas, so a delimiter guessed from character counts alone can be wrong): the sniffed one first, then «;», TAB,
    «,»."""
    try:
        text = decode(data)
    except ImportFileError as exc:
        raise ReconciliationError(str(exc.errors[0].reason)) from None
    lines = text.splitlines()
    sample = next((ln for ln in lines if ln.count(";") + ln.count(",") + ln.count("\t") >= 2), lines[0] if lines else "")
    best: tuple[int, list[list]] | None = None
    for delim in dict.fromkeys((sniff_delimiter(sample), ";", "\t", ",")):
        rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delim)][:MAX_ROWS]
        try:
            found = len(_find_header([_label(r) for r in rows])[1])
        except ReconciliationError:
            continue
        if best is None or found > best[0]:
            best = (found, rows)
    if best is None:
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(sample))][:MAX_ROWS]
    return best[1]


def _value(cells: list, idx: int | None):
    if idx is None or idx >= len(cells):
        return None
    v = cells[idx]
    if isinstance(v, str):
        v = v.strip()
        return v or None
    return v


def _text(cells, idx) -> str | None:
    v = _value(cells, idx)
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return re.sub(r"\s+", " ", str(v)).strip() or None


def _date_of(cells, idx, problems: list[str], what: str) -> date | None:
    v = _value(cells, idx)
    if v is None:
        return None
    try:
        return parse_date(v)
    except BadValue:
        problems.append(_("%(what)s is not a date: %(value)s", what=what, value=v))
        return None


def _kop_of(cells, idx, problems: list[str], what: str) -> int | None:
    v = _value(cells, idx)
    if v is None:
        return None
    try:
        return parse_amount(v)
    except BadValue:
        problems.append(_("%(what)s is not an amount: %(value)s", what=what, value=v))
        return None


def _sum_label(key: str) -> str:
    return {"debt_kop": _("debt"), "rest_kop": _("remaining debt"), "recovered_kop": _("recovered"),
            "transferred_kop": _("transferred")}[key]


def _finish(p: Proceeding) -> Proceeding:
    """Status and ground from what the row says: the article (if any) decides ended vs terminated."""
    p.ground = enf.parse_end_ground(p.end_text) or enf.parse_end_ground(p.status_text)
    said = enf.parse_status(p.status_text)
    if said is None and (p.ended_on or p.ground):
        said = enf.status_for(p.ground, True)
    if said in (enf.ENDED, enf.TERMINATED) and p.ground is not None:
        said = enf.status_for(p.ground, True)
    p.status = said or (enf.IN_PROGRESS if p.ip_number else None)
    return p


_BANK_IP = re.compile(r"(\d+/\d{2}/\d{2,5}-ИП)(?:\s+от\s+(\d{1,2}\.\d{1,2}\.\d{4}))?", re.I)
_BANK_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4})\b")
_BANK_WRIT_NO = re.compile(r"№\s*((?:[А-ЯЁA-Z]{1,4}\s+(?=\d))?[^\s,;]+)")  # «№ 2-301/2026», «№ ФС 012345678»
_BANK_END = re.compile(r"^\s*(\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4})\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)")
_BANK_RUB = re.compile(r":\s*(\d[\d\s]*(?:[.,]\d{1,2})?)\s*руб", re.I)
_BANK_POSTCODE = re.compile(r"\s\d{6}\s*,")
_BANK_PHONE = re.compile(r"(?:<br\s*/?>|\s)\s*\+?\d[\d\s()-]{6,}$", re.I)


def _bank_date(text: str) -> date | None:
    try:
        return parse_date(text)
    except BadValue:
        return None


def _bank_cells(cells: list, cols: dict[str, int]) -> dict:
    """The values the «Банк данных исполнительных производств» table combines in its cells: «43265/21/66062-ИП от
    11.03.2021»; «Судебный приказ от 10.02.2026 № 2-301/2026 Судебный участок …»; «2019-11-28, 46, 1, 3» (the end:
    date, article, part, clause); «…: 40978.23 руб. Исполнительский сбор: 2868.48 руб.» (the unpaid debt first);
    «ИВАНОВ ИВАН АЛЕКСАНДРОВИЧ 16.10.1996 РОССИЯ …» (name, birth date, place); the ОСП with its address; the bailiff
    with the phone. Only what a cell holds is returned."""
    out: dict = {}
    ip = _text(cells, cols.get("ip_combined"))
    if ip and (m := _BANK_IP.search(ip)):
        out["ip_number"] = m[1]
        if m[2]:
            out["ip_opened_on"] = _bank_date(m[2])
    writ = _text(cells, cols.get("writ_combined"))
    if writ:
        if m := _BANK_WRIT_NO.search(writ):
            out["writ_number"] = m[1]
        if m := re.search(r"\bот\s+(\d{1,2}\.\d{1,2}\.\d{4})", writ):
            out["writ_date"] = _bank_date(m[1])
    end = _text(cells, cols.get("end_combined"))
    if end and (m := _BANK_END.match(end)):
        out["ended_on"] = _bank_date(m[1])
        out["end_text"] = f"п. {m[4]} ч. {m[3]} ст. {m[2]}"
    elif end and (m := _BANK_DATE.search(end)):  # written out: «20.11.2026 ст. 46 ч. 1 п. 4»
        out["ended_on"], out["end_text"] = _bank_date(m[1]), end
    subject = _text(cells, cols.get("subject_rest"))
    if subject and (m := _BANK_RUB.search(subject)):
        try:
            out["rest_kop"] = parse_amount(m[1].replace(" ", ""))
        except BadValue:
            pass
    if "ip_combined" in cols or "writ_combined" in cols:  # the bank's table: split its person, unit, bailiff cells
        debtor = _text(cells, cols.get("debtor_name"))
        if debtor and (m := _BANK_DATE.search(debtor)):
            out["debtor_name"] = debtor[:m.start()].strip(" ,") or None
            out["debtor_birth"] = _bank_date(m[1])
        unit = _text(cells, cols.get("unit_name"))
        if unit and (m := _BANK_POSTCODE.search(unit)):
            out["unit_name"] = unit[:m.start()].strip(" ,") or None
        bailiff = _text(cells, cols.get("bailiff_name"))
        if bailiff:
            out["bailiff_name"] = _BANK_PHONE.sub("", bailiff).replace("<br>", " ").strip(" ,") or None
    return out


def parse_sheet(data: bytes, file_name: str) -> list[Proceeding]:
    """The proceedings of a reconciliation sheet (XLSX or CSV); continuation rows add transfers to the one above."""
    rows = _xlsx_rows(data) if file_name.lower().endswith(".xlsx") or data[:2] == b"PK" else _csv_rows(data)
    rows = [_label(r) if not any(isinstance(c, (date, int, float)) for c in r) else list(r) for r in rows]
    header_at, cols = _find_header([_label(r) for r in rows])
    out: list[Proceeding] = []
    for n, cells in enumerate(rows[header_at + 1:], start=header_at + 2):
        if not any(c not in (None, "") for c in cells):
            continue
        first = next((str(c) for c in cells if c not in (None, "")), "")
        if _TOTAL.match(first):
            continue
        probs: list[str] = []
        ip_number, writ_number = _text(cells, cols.get("ip_number")), _text(cells, cols.get("writ_number"))
        bank = _bank_cells(cells, cols)
        ip_number, writ_number = ip_number or bank.get("ip_number"), writ_number or bank.get("writ_number")
        pay_on = _date_of(cells, cols.get("pay_date"), probs, _("transfer date"))
        pay_kop = _kop_of(cells, cols.get("pay_kop"), probs, _("transfer amount"))
        cont = out and (not ip_number and not writ_number or ip_number and ip_number == out[-1].ip_number) \
            and (pay_on or pay_kop)
        if cont:  # one more transfer of the proceeding above
            if pay_on and pay_kop:
                out[-1].payments.append((pay_on, pay_kop))
            out[-1].problems += probs
            continue
        if not ip_number and not writ_number:
            continue  # a sub-heading or a note line of the sheet
        p = Proceeding(origin=_("%(file)s, row %(n)s", file=file_name, n=n), ip_number=ip_number,
                       writ_number=writ_number, status_text=_text(cells, cols.get("status")),
                       end_text=_text(cells, cols.get("end_text")), debtor_name=_text(cells, cols.get("debtor_name")),
                       unit_name=_text(cells, cols.get("unit_name")),
                       bailiff_name=_text(cells, cols.get("bailiff_name")), problems=probs)
        p.ip_opened_on = _date_of(cells, cols.get("ip_opened_on"), probs, _("date of initiation"))
        p.ended_on = _date_of(cells, cols.get("ended_on"), probs, _("end date"))
        p.writ_date = _date_of(cells, cols.get("writ_date"), probs, _("writ date"))
        p.debtor_birth = _date_of(cells, cols.get("debtor_birth"), probs, _("birth date"))
        for key in ("debt_kop", "rest_kop", "recovered_kop", "transferred_kop"):
            setattr(p, key, _kop_of(cells, cols.get(key), probs, _sum_label(key)))
        for key, value in bank.items():  # what only the bank's combined cells say
            if key in ("debtor_name", "unit_name", "bailiff_name") or getattr(p, key) is None:
                setattr(p, key, value)
        if pay_on and pay_kop:
            p.payments.append((pay_on, pay_kop))
        out.append(_finish(p))
    if not out:
        raise ReconciliationError(_("The sheet has a header but no proceedings under it."))
    return out


# ---------------------------------------------------------------------------------------------- the XML notice
FSSP_NS = "http://www.fssprus.ru/namespace/"
# the постановление's namespaces: «order/2017/2» (likely the format version 2 of приказ ФССП России от 19.04.2018
# № 148) and the later «order_fssp/2022/1», as public readers of real files name them; read by local names (docs/fssp.md)
NOTICE_NAMESPACES = ("http://www.fssprus.ru/namespace/order/", "http://www.fssp.gov.ru/namespace/order_fssp/")
# element (local name) → field; the first present wins. IpNo … IdDebtSum are the names ФССП's notices use; the
# birth date and the unit have no confirmed public name, so several spellings are accepted (docs/fssp.md)
XML_FIELDS = {
    "ip_number": ("IpNo", "IPNo", "IpNum"),
    "ip_opened_on": ("IpRiseDate",),
    "writ_number": ("IdDocNo", "IdNum"),
    "writ_date": ("IdDocDate", "IdDate"),
    "debtor_name": ("DbtrName",),
    "debtor_birth": ("DbtrBornDate", "DbtrBirthDate", "DbtrBorn", "DbtrBirthday"),
    "bailiff_name": ("Spi", "SpiFio", "IpRisepristName"),
    "unit_name": ("OspName", "OspFullName", "DepName", "OrganName", "Osp"),
    "debt_kop": ("IdDebtSum", "IpDebtSum"),
    "rest_kop": ("IpRestDebtsum", "IpRestDebtSum"),
    "recovered_kop": ("IpRecoveredSum", "RecoveredSum"),
    "transferred_kop": ("IpTransferredSum", "TransferredSum"),
    "ended_on": ("IpEndDate",),
    "end_text": ("IpEndReason", "EndReason"),
}
TEXT_ELEMENTS = ("ResolutionText", "AdjudicationText", "DocName", "IdDebtText")
# DocType codes of the постановления that decide the proceeding's state (the codes and their names as public readers
# of these files list them); every other DocType is a measure taken in a proceeding that goes on — among them
# O_IP_ACT_ENDARREST (снятие ареста), O_IP_ACT_ENDBAN_GIBDD (снятие запрета), O_IP_ACT_ENDGACCOUNT_MONEY (отмена
# обращения взыскания), which contain «END» and end nothing.
DOC_ENDS = {"O_IP_ACT_END_END": "об окончании ИП", "O_IP_ACT_END_STOP": "о прекращении ИП",
            "O_IP_ACT_RETURN": "об окончании ИП и возвращении ИД взыскателю"}
DOC_OPENS = {"O_IP_RES_REOPEN": "о возбуждении ИП"}
DOC_REFUSES = {"O_IP_ACT_REOPEN_CANCEL": "об отказе в возбуждении ИП"}
DOC_RESUMES = {"O_IP_ACT_END_CANCEL": "об отмене окончания (прекращения) ИП"}
_ENDS_BY_NAME = re.compile(r"\bоб\s+окончании\b|\bо\s+прекращении\b|\bвозвращении\s+исполнительного\s+документа\b",
                           re.I)
_NOT_AN_END = re.compile(r"\bотмен|\bотказ", re.I)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def notice_kind(doc_type: str | None, doc_name: str | None) -> str:
    """What a постановление does to its proceeding: «ends», «opens», «refuses» (отказ в возбуждении), «resumes»
    (отмена окончания) or «measure» (anything else: arrests, bans, deductions … — the proceeding goes on). By the
    DocType code; a code not listed falls back to the DocName («об окончании», «о прекращении», not «об отмене …»)."""
    code = (doc_type or "").strip().upper()
    for kind, codes in (("ends", DOC_ENDS), ("opens", DOC_OPENS), ("refuses", DOC_REFUSES), ("resumes", DOC_RESUMES)):
        if code in codes:
            return kind
    name = doc_name or ""
    if _ENDS_BY_NAME.search(name) and not _NOT_AN_END.search(name):
        return "ends"
    return "measure"


def parse_notice(data: bytes, name: str) -> Proceeding:
    """One ФССП постановление (о возбуждении, об окончании ИП, …) as ЕПГУ delivers it: root `OIp`; the elements
    directly under it are the proceeding's, nested blocks (`IP` of a consolidated proceeding) only fill what is
    missing."""
    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise ReconciliationError(_("«%(name)s» declares XML entities; it is refused as unsafe.", name=name)) from None
    except Exception:
        raise ReconciliationError(_("«%(name)s» is not well-formed XML.", name=name)) from None
    ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if _local(root.tag) != "OIp" or not ns.startswith(NOTICE_NAMESPACES):
        raise ReconciliationError(_("«%(name)s» is not a ФССП notice (namespace %(ns)s…).", name=name, ns=FSSP_NS))
    values: dict[str, str] = {}
    for el in [*root, *root.iter()]:  # the root's own children first, then anything deeper
        local = _local(el.tag)
        if local not in values and el.text and el.text.strip() and len(el) == 0:
            values[local] = el.text.strip()
    p = Proceeding(origin=name)

    def first(key):
        return next((values[k] for k in XML_FIELDS[key] if k in values), None)

    def first_name(key):  # the element's own name, as the user would look for it in the file
        return next((k for k in XML_FIELDS[key] if k in values), key)

    for key in ("ip_number", "writ_number", "debtor_name", "bailiff_name", "unit_name", "end_text"):
        setattr(p, key, first(key))
    for key in ("ip_opened_on", "writ_date", "debtor_birth", "ended_on"):
        setattr(p, key, _date_of([first(key)], 0, p.problems, first_name(key)))
    for key in ("debt_kop", "rest_kop", "recovered_kop", "transferred_kop"):
        setattr(p, key, _kop_of([first(key)], 0, p.problems, _sum_label(key)))
    doc_name = values.get("DocName") or ""
    kind = notice_kind(values.get("DocType"), doc_name)
    wording = " ".join(values.get(k, "") for k in TEXT_ELEMENTS)
    if kind == "ends":
        p.status_text = doc_name or ("прекращено" if (values.get("DocType") or "").upper() == "O_IP_ACT_END_STOP"
                                     else "окончено")
        p.end_text = p.end_text or wording
        p.ended_on = p.ended_on or _date_of([values.get("DocDate")], 0, p.problems, "DocDate")
    elif kind == "opens":
        p.status_text = "в производстве"
        p.ip_opened_on = p.ip_opened_on or _date_of([values.get("DocDate")], 0, p.problems, "DocDate")
    elif kind == "refuses":  # no proceeding: the writ comes back (229-ФЗ ст.31); nothing to write on the record
        p.problems.append(_("A refusal to open enforcement proceedings (%(doc)s): the writ is returned; nothing is "
                            "changed.", doc=doc_name or values.get("DocType")))
    elif kind == "resumes":  # the end cancelled: the proceeding goes on again
        p.status_text = "в производстве"
    _finish(p)
    if kind in ("refuses", "measure"):  # a measure says nothing of the state (arrests are lifted when it ends, too)
        p.status = None
    if not (p.ip_number or p.writ_number):
        raise ReconciliationError(_("«%(name)s» names neither the ИП (IpNo) nor the writ (IdDocNo).", name=name))
    return p


# ------------------------------------------------------------------------------------------------- an upload
def read_upload(uploads: list[tuple[str, bytes]]) -> list[Proceeding]:
    """Every proceeding of an upload: sheets (.xlsx, .csv) and notices (.xml, or .zip of them)."""
    out: list[Proceeding] = []
    for name, data in uploads:
        low = name.lower()
        if low.endswith((".xlsx", ".csv")):
            out += parse_sheet(data, name)
        elif low.endswith((".xml", ".zip")):
            try:
                files = xml_files([(name, data)])
            except ExtractError as exc:
                raise ReconciliationError(str(exc)) from None
            out += [parse_notice(d, n) for n, d in files]
        else:
            raise ReconciliationError(_("«%(name)s»: only .xlsx, .csv, .xml and .zip files can be read.", name=name))
    if not out:
        raise ReconciliationError(_("No enforcement proceeding was found in the upload."))
    return out
