"""Reading billing exports (CSV in UTF-8 or Windows-1251, `;` or `,`, and XLSX) into validated rows.

Pure: no database, no Flask state. The caller passes the lookups it loaded once (account number → id,
service code/name → id). Row numbers are the ones the user sees in Excel (the header is row 1).
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterable, Iterator

from ..domain.errors import DomainError
from ..domain.identifiers import LATIN, mixed_scripts, normalize_identifier
from ..domain.periods import Period
from ..i18n import _
from . import encoding, keys, months
from .labels import column_label

KINDS = ("accounts", "persons", "ledger", "turnover")
ERROR_COLUMN = "Ошибка"  # the extra column of the downloadable error file (it is read by Russian users)

# XLSX safety limits: an archive that inflates beyond these is refused before openpyxl opens it
XLSX_MAX_UNCOMPRESSED = 400 * 1024 * 1024
XLSX_MAX_RATIO = 200


# ----------------------------------------------------------------------------------------------- errors
@dataclass
class RowError:
    """One reason a row (or the whole file, row=None) cannot be imported."""

    row: int | None  # as the user sees it in Excel: header = 1
    column: str  # the header as written in the file; "" when the reason is about the whole row/file
    reason: str  # in the user's language

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "reason": self.reason}


class ImportFileError(DomainError):
    """The file as a whole cannot be read (encoding, format, missing columns, empty)."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("; ".join(e.reason for e in errors))


def _file_error(reason: str, column: str = "") -> ImportFileError:
    return ImportFileError([RowError(None, column, reason)])


# ----------------------------------------------------------------------------------------------- columns
def norm(text: Any) -> str:
    """Header/value comparison form: lower case, ё→е, parenthesised notes and non-alphanumerics dropped."""
    s = str(text or "").strip().lower().replace("ё", "е")
    s = re.sub(r"\([^)]*\)", "", s)
    return re.sub(r"[^0-9a-zа-я/]", "", s).replace("/", "")


def _aliases(spec: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out = {}
    for canonical, names in spec.items():
        out[norm(canonical)] = canonical
        for n in names:
            out[norm(n)] = canonical
    return out


_COMMON = {
    "account_number": ("Лицевой счет", "Лицевой счёт", "ЛС", "Л/С", "Лиц. счет", "Лицевой", "Номер ЛС",
                       "Номер лицевого счета", "Account", "Account number"),
    "phone": ("Телефон", "Тел", "Тел.", "Номер телефона"),
    "email": ("Email", "E-mail", "Эл. почта", "Электронная почта"),
    "inn": ("ИНН",),
}
COLUMNS: dict[str, dict] = {
    "accounts": {
        "required": ("account_number", "category", "debtor_name", "address"),
        "optional": ("settlement", "apartment", "tenure", "inn", "phone", "email", "area_m2", "opened_on",
                     "closed_on", "is_municipal"),
        "aliases": _aliases({**_COMMON,
            "category": ("Категория", "Категория потребителя", "Тип потребителя", "Группа потребителей"),
            "debtor_name": ("ФИО", "Должник", "Абонент", "Потребитель", "ФИО/Наименование", "Наименование",
                            "ФИО должника", "Собственник"),
            "address": ("Адрес", "Адрес помещения"),
            "settlement": ("Населенный пункт", "Населённый пункт", "Поселение", "НП"),
            "apartment": ("Квартира", "Кв", "Кв.", "Номер квартиры", "Помещение", "Номер помещения"),
            "tenure": ("Форма собственности", "Право пользования", "Основание владения", "Вид собственности"),
            "area_m2": ("Площадь", "Площадь м2", "Площадь, м2", "Общая площадь"),
            "opened_on": ("Дата открытия", "Открыт"),
            "closed_on": ("Дата закрытия", "Закрыт"),
            "is_municipal": ("Муниципальное", "Муниципальное жилье", "Муниципальный"),
        }),
    },
    "persons": {
        "required": ("account_number", "full_name", "role"),
        "optional": ("share", "birth_date", "birth_place", "passport_series", "passport_number",
                     "passport_issued_by", "passport_issued_on", "snils", "inn", "registration_address", "phone",
                     "email", "external_id", "since", "until"),
        "aliases": _aliases({**_COMMON,
            "full_name": ("ФИО", "Фамилия имя отчество", "Должник", "Наименование"),
            "role": ("Роль", "Статус", "Отношение к ЛС", "Отношение к счету"),
            "share": ("Доля", "Доля в праве", "Доля собственности"),
            "birth_date": ("Дата рождения",),
            "birth_place": ("Место рождения",),
            "passport_series": ("Серия паспорта", "Паспорт серия", "Серия"),
            "passport_number": ("Номер паспорта", "Паспорт номер"),
            "passport_issued_by": ("Кем выдан", "Паспорт выдан", "Кем выдан паспорт"),
            "passport_issued_on": ("Дата выдачи", "Дата выдачи паспорта"),
            "snils": ("СНИЛС",),
            "registration_address": ("Адрес регистрации", "Адрес прописки", "Регистрация"),
            "external_id": ("Код", "Код физлица", "Код лица", "Внешний код", "ID"),
            "since": ("Дата регистрации", "Зарегистрирован с", "Дата начала", "Действует с"),
            "until": ("Дата снятия с регистрации", "Дата выписки", "Снят с регистрации", "Дата окончания",
                      "Действует по"),
        }),
    },
    "ledger": {
        "required": ("account_number", "period", "service", "kind", "amount"),
        "optional": ("paid_on", "source", "paid_period", "reference", "reverses", "norm_charge"),
        "aliases": _aliases({**_COMMON,
            "norm_charge": ("Начисление по нормативу", "Начислено по нормативу", "Начисление по нормативу, руб",
                            "Плата по нормативу", "Норматив, руб", "Месячное начисление по нормативу"),
            "period": ("Период", "Месяц", "Расчетный период", "Расчётный период"),
            "service": ("Услуга", "Код услуги", "Вид услуги"),
            "kind": ("Вид", "Тип операции", "Вид операции", "Операция", "Тип"),
            "amount": ("Сумма", "Сумма, руб", "Сумма руб"),
            "paid_on": ("Дата оплаты", "Дата платежа"),
            "source": ("Источник", "Источник оплаты", "Способ оплаты", "Канал оплаты"),
            "paid_period": ("Оплаченный период", "За период", "Период оплаты", "Назначение периода"),
            "reference": ("Номер документа", "Документ", "Номер платежа", "Ссылка", "Референс"),
            "reverses": ("Сторнирует", "Сторно", "Отменяет платеж", "Отмена платежа"),
        }),
    },
    "turnover": {
        "required": ("account_number", "service", "period", "opening", "charged", "paid", "closing"),
        "optional": ("recalculated", "paid_on", "norm_charge"),
        "aliases": _aliases({**_COMMON,
            "norm_charge": ("Начисление по нормативу", "Начислено по нормативу", "Начисление по нормативу, руб",
                            "Плата по нормативу", "Норматив, руб", "Месячное начисление по нормативу"),
            "period": ("Период", "Месяц", "Расчетный период", "Расчётный период"),
            "service": ("Услуга", "Код услуги", "Вид услуги"),
            "opening": ("Сальдо на начало", "Сальдо начальное", "Начальное сальдо", "Входящее сальдо",
                        "Долг на начало", "Сальдо на начало периода"),
            "charged": ("Начислено", "Начисления", "Обороты за период: Дебет", "Оборот по дебету", "Дебетовый оборот"),
            "recalculated": ("Перерасчет", "Перерасчёт", "Перерасчеты", "Перерасчёты"),
            "paid": ("Оплачено", "Поступило", "Оплата", "Поступления", "Обороты за период: Кредит", "Оборот по кредиту",
                     "Кредитовый оборот"),
            "closing": ("Сальдо на конец", "Сальдо конечное", "Конечное сальдо", "Исходящее сальдо",
                        "Долг на конец", "Сальдо на конец периода"),
            "paid_on": ("Дата оплаты", "Дата платежа"),
        }),
    },
}


def _value_map(spec: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return _aliases(spec)


ENTRY_KIND_VALUES = _value_map({
    "opening": ("Сальдо", "Сальдо на начало", "Входящее сальдо", "Начальное сальдо", "Сальдо начальное", "Остаток"),
    "charge": ("Начисление", "Начислено"),
    "recalculation": ("Перерасчет", "Перерасчёт", "Корректировка"),
    "payment": ("Оплата", "Оплачено", "Платеж", "Платёж", "Поступление"),
})
SOURCE_VALUES = _value_map({
    "cash_desk": ("Касса",), "bank": ("Банк", "Сбербанк"), "online": ("Онлайн", "Интернет", "Личный кабинет"),
    "enforcement": ("ФССП", "Исполнительное производство", "Приставы", "ИП", "Судебные приставы"),
    "employer": ("Работодатель", "Удержание из зарплаты", "Удержание по месту работы"),
    "work_off": ("Отработка",), "other": ("Прочее", "Прочие", "Другое", "Иное"),
})
CATEGORY_VALUES = _value_map({
    "population": ("Население", "Физические лица", "Физлица", "Физ. лица", "ФЛ"),
    "other": ("Прочие", "Прочие потребители", "Юридические лица", "Юрлица", "Юр. лица", "ЮЛ"),
})
TENURE_VALUES = _value_map({
    "owner": ("Собственник", "Собственность", "Частная", "Частная собственность"),
    "social_tenancy": ("Социальный наём", "Социальный найм", "Соцнайм", "Наниматель"),
    "commercial_tenancy": ("Коммерческий наём", "Коммерческий найм", "Аренда"),
    "other": ("Прочее", "Иное", "Другое"),
})
ROLE_VALUES = _value_map({
    "owner": ("Собственник",), "registered": ("Зарегистрирован", "Зарегистрированный", "Прописан"),
    "tenant": ("Наниматель", "Арендатор"), "representative": ("Представитель", "Законный представитель"),
    "heir": ("Наследник",),
})
BOOL_VALUES = {"1": True, "да": True, "yes": True, "true": True, "д": True, "x": True,
               "0": False, "нет": False, "no": False, "false": False, "н": False, "": False}


def header_label(kind: str, canonical: str) -> str:
    """A column's name in the user's language (for a column the file lacks)."""
    return column_label(canonical)


# ----------------------------------------------------------------------------------------------- reading
def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, Windows-1251, KOI8-R or DOS 866 (see encoding.py); a file in
    none of them is refused: «could not determine the encoding»."""
    try:
        return encoding.decode(data)
    except encoding.UnknownEncoding:
        raise _file_error(_("Could not determine the file's encoding: save it as CSV in UTF-8 or Windows-1251.")) \
            from None


def sniff_delimiter(first_line: str) -> str:
    """`;` (Russian Excel) or `,` (or a tab), whichever splits the header line into more cells."""
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


@dataclass
class Table:
    """A sheet: the headers as written, and the data rows with their Excel row numbers."""

    headers: list[str]
    rows: Iterable[tuple[int, list]]
    size_hint: int = 0  # rows expected (for progress bars)


def is_xlsx(data: bytes, file_name: str) -> bool:
    return file_name.lower().endswith(".xlsx") or data[:2] == b"PK"


def check_xlsx_archive(data: bytes) -> None:
    """Refuse a malformed archive or a zip bomb before openpyxl inflates it."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _file_error(_("The file is not a readable Excel workbook (.xlsx).")) from None
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > XLSX_MAX_UNCOMPRESSED or total / packed > XLSX_MAX_RATIO:
        raise _file_error(_("The workbook unpacks to an unreasonable size; it is refused as unsafe."))
    if "[Content_Types].xml" not in {i.filename for i in infos}:
        raise _file_error(_("The file is not a readable Excel workbook (.xlsx)."))


def read_table(data: bytes, file_name: str) -> Table:
    """Open a CSV or XLSX file; header row first. Raises ImportFileError for unreadable or empty files."""
    if not data or not data.strip():
        raise _file_error(_("The file is empty."))
    if is_xlsx(data, file_name):
        return _read_xlsx(data)
    if is_json_records(file_name):
        return _read_json_records(data)
    text = decode(data)
    if not text.strip():
        raise _file_error(_("The file is empty."))
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first))
    try:
        headers = next(reader)
    except StopIteration:
        raise _file_error(_("The file is empty.")) from None
    except csv.Error as exc:
        raise _file_error(_("The file is not a readable CSV: %(e)s", e=str(exc))) from None
    headers = [h.strip() for h in headers]

    def rows() -> Iterator[tuple[int, list]]:
        n = 1
        try:
            for cells in reader:
                n += 1
                if cells and (cells[0] or any(c.strip() for c in cells)):
                    yield n, cells
        except csv.Error as exc:
            raise _file_error(_("The file is not a readable CSV (row %(n)s): %(e)s", n=n + 1, e=str(exc))) from None

    return Table(headers, rows(), text.count("\n"))


def is_json_records(file_name: str) -> bool:
    """A JSON file of records (`{"rows": [{column: value, …}, …]}`), as the API hands its rows to the import."""
    return file_name.lower().endswith(".json")


def _read_json_records(data: bytes) -> Table:
    """`{"rows": [{column: value}, …]}` (UTF-8) → a table: the headers are the keys in order of first appearance,
    the n-th record is row n (counting from 1). Values must be strings, numbers or null."""
    import json

    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise _file_error(_("The file is not readable JSON.")) from None
    records = doc.get("rows") if isinstance(doc, dict) else None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise _file_error(_("The JSON file must hold an object with a list of records under «rows».")) from None
    headers: list[str] = []
    seen: set[str] = set()
    for r in records:
        for k in r:
            if k not in seen:
                seen.add(k)
                headers.append(str(k))
    if not headers:
        raise _file_error(_("The file is empty."))

    def cell(v):
        if v is None or isinstance(v, (str, int, float)) and not isinstance(v, bool):
            return v
        return str(v)

    rows = [(n, [cell(r.get(h)) for h in headers]) for n, r in enumerate(records, start=1)]
    return Table(headers, rows, len(rows))


def _read_xlsx(data: bytes) -> Table:
    check_xlsx_archive(data)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
    except Exception:  # openpyxl raises many kinds on a broken workbook
        raise _file_error(_("The file is not a readable Excel workbook (.xlsx).")) from None
    if header is None or not any(c not in (None, "") for c in header):
        raise _file_error(_("The file is empty."))
    headers = [str(h).strip() if h is not None else "" for h in header]

    def rows() -> Iterator[tuple[int, list]]:
        n = 1
        for cells in it:
            n += 1
            if cells and any(c not in (None, "") for c in cells):
                yield n, list(cells)
        wb.close()

    return Table(headers, rows(), int(ws.max_row or 0))


def map_columns(kind: str, headers: list[str]) -> dict[str, int]:
    """Canonical column → index; a missing required column is a file-level error."""
    spec = COLUMNS[kind]
    found: dict[str, int] = {}
    for i, h in enumerate(headers):
        canonical = spec["aliases"].get(norm(h))
        if canonical and canonical not in found:
            found[canonical] = i
    missing = [c for c in spec["required"] if c not in found]
    if missing:
        raise ImportFileError([RowError(None, header_label(kind, c), _("Required column «%(c)s» is missing.",
                                                                        c=header_label(kind, c))) for c in missing])
    return found


# ----------------------------------------------------------------------------------------------- values
class BadValue(ValueError):
    """A cell that cannot be read; str() is the reason in the user's language."""


_AMOUNT_RE = re.compile(r"-?\d+(?:[.,]\d{1,2})?")
_AMOUNT_ANY_RE = re.compile(r"-?\d+(?:[.,]\d+)?")
_AMOUNT_FAST = re.compile(r"-?\d{1,15}(?:[.,]\d\d?)?")


def parse_amount(value: Any) -> int:
    """A money cell (decimal comma or dot, spaces as thousands separators) → integer kopecks; at most 2 decimals."""
    if isinstance(value, bool):
        raise BadValue(_("not an amount"))
    if isinstance(value, int):
        return value * 100
    if isinstance(value, float):
        value = repr(value)
    elif isinstance(value, Decimal):
        value = str(value)
    s = str(value or "").strip().replace("\u00a0", "").replace(" ", "").replace("\u2212", "-")
    if not s:
        raise BadValue(_("the amount is empty"))
    if _AMOUNT_RE.fullmatch(s):
        s = s.replace(",", ".")
        i = s.find(".")
        if i < 0:
            return int(s) * 100
        frac = s[i + 1:]
        whole = int(s[:i] + frac)
        return whole * 10 if len(frac) == 1 else whole
    if _AMOUNT_ANY_RE.fullmatch(s):
        try:
            d = Decimal(s.replace(",", "."))
        except InvalidOperation:
            raise BadValue(_("not an amount: %(v)s", v=s)) from None
        if d == d.quantize(Decimal("0.01")):  # 12.500 is still exact kopecks
            return int(d * 100)
        raise BadValue(_("more than two decimals: %(v)s", v=s))
    if re.fullmatch(r"-?\d+(?:\.\d+)?[eE][+-]?\d+", s):
        d = Decimal(s)
        if d == d.quantize(Decimal("0.01")):
            return int(d * 100)
        raise BadValue(_("more than two decimals: %(v)s", v=s))
    raise BadValue(_("not an amount: %(v)s", v=s))


_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_date(value: Any) -> date:
    """`DD.MM.YYYY` or ISO `YYYY-MM-DD` (a trailing time is ignored), or an Excel date cell."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = str(value or "").strip().split(" ")[0].split("T")[0]
    if not s:
        raise BadValue(_("the date is empty"))
    m = _DMY.fullmatch(s)
    try:
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        m = _ISO.fullmatch(s)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        pass
    raise BadValue(_("not a date (expected DD.MM.YYYY or YYYY-MM-DD): %(v)s", v=s))


_P_ISO = re.compile(r"(\d{4})-(\d{1,2})")
_P_MY = re.compile(r"(\d{1,2})\.(\d{4})")


def parse_period(value: Any) -> date:
    """A billing month `YYYY-MM`, `MM.YYYY` or «Ноябрь 2026» (a full date names its month) → the 1st of the month."""
    if isinstance(value, (date, datetime)):
        d = value.date() if isinstance(value, datetime) else value
        return d.replace(day=1)
    s = str(value or "").strip()
    if not s:
        raise BadValue(_("the period is empty"))
    m = _P_ISO.fullmatch(s) or None
    y = mo = None
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
    else:
        m = _P_MY.fullmatch(s)
        if m:
            y, mo = int(m.group(2)), int(m.group(1))
        else:
            try:
                return parse_date(s).replace(day=1)
            except BadValue:
                ym = months.parse_month_name(s)  # «Ноябрь 2026», «ноябрь 2026 г.»
                if ym:
                    y, mo = ym
    if y is None or not 1 <= mo <= 12 or not 1900 <= y <= 2200:
        raise BadValue(_("not a period (expected YYYY-MM, MM.YYYY or «Ноябрь 2026»): %(v)s", v=s))
    return date(y, mo, 1)


def parse_share(value: Any) -> tuple[int, int]:
    """An ownership share such as `1/2` (or 1 for the whole) → (numerator, denominator)."""
    s = str(value).strip().replace(" ", "")
    m = re.fullmatch(r"(\d+)/(\d+)", s)
    if m:
        num, den = int(m.group(1)), int(m.group(2))
    elif s in ("1", "1.0", "1,0"):
        num, den = 1, 1
    else:
        raise BadValue(_("not a share (expected a fraction such as 1/2): %(v)s", v=s))
    if num <= 0 or den < num:
        raise BadValue(_("not a share (expected a fraction such as 1/2): %(v)s", v=s))
    return num, den


def text(value: Any) -> str:
    """A text cell as a stripped string; Excel's 123.0 for a number-like code becomes '123'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def identifier(value: Any) -> str:
    """An identifier cell (account or document number, ИНН, СНИЛС, passport, code): `text` in the one normal form
    of `domain.identifiers.normalize_identifier` (NFKC, no zero-width or bidi-control characters, trimmed)."""
    if value.__class__ is str and value.isascii():
        return value.strip()
    return normalize_identifier(text(value))


def _script_label(script: str) -> str:
    return {LATIN: _("Latin letters and digits"), "CYRILLIC": _("Cyrillic"), "GREEK": _("Greek")}.get(
        script, script.lower())


def account_number_problem(number: str) -> str | None:
    """Why an (already normalised) account number is refused as a look-alike: it mixes alphabets, e.g. «1О000006»
    with a Cyrillic «О» among the digits; None when it is written in one script."""
    mix = mixed_scripts(number)
    if mix is None:
        return None
    chars = ", ".join(_("«%(c)s» (%(script)s, character %(i)s)", c=c, script=_script_label(sc), i=i)
                      for i, c, sc in mix.odd[:5])
    return _("the account number «%(n)s» mixes alphabets (%(scripts)s): %(chars)s; type it again in one keyboard "
             "layout", n=number, scripts=", ".join(_script_label(sc) for sc in mix.scripts), chars=chars)


def _unknown_account(number: str) -> str:
    """The reason for an account number not found: empty, a look-alike mixing alphabets, or unknown."""
    if not number:
        return _("the account number is empty")
    return account_number_problem(number) or _("unknown account %(n)s", n=number)


# ----------------------------------------------------------------------------------------------- results
@dataclass
class Parsed:
    """Rows ready to write plus the bad rows (with the raw cells, for the error file)."""

    kind: str
    headers: list[str]
    columns: dict[str, int]
    rows: list = field(default_factory=list)  # kind-specific tuples/dicts
    errors: list[RowError] = field(default_factory=list)
    bad_cells: dict[int, list] = field(default_factory=dict)  # row number → raw cells
    total: int = 0
    accounts_touched: set = field(default_factory=set)
    extra: dict = field(default_factory=dict)

    @property
    def bad_rows(self) -> int:
        return len(self.bad_cells)

    def add_error(self, row: int, cells: list, column: str, reason: str) -> None:
        self.errors.append(RowError(row, column, reason))
        self.bad_cells.setdefault(row, list(cells))


def _cell(cells: list, idx: int | None) -> Any:
    if idx is None or idx >= len(cells):
        return None
    return cells[idx]


def _progress_every(progress: Callable | None, n: int, total: int) -> None:
    if progress is not None and n % 20000 == 0:
        progress(n, total)


# ----------------------------------------------------------------------------------------------- ledger
LEDGER_FIELDS = ("account_id", "service_id", "period", "kind", "amount_kop", "paid_on", "source", "paid_period",
                 "reference", "entry_key", "row")
# tuple positions
L_ACC, L_SVC, L_PERIOD, L_KIND, L_AMOUNT, L_PAID_ON, L_SOURCE, L_PAID_PERIOD, L_REF, L_KEY, L_ROW = range(11)


def service_lookup(services: Iterable[tuple[int, str, str]]) -> dict[str, int]:
    """(id, code, Russian name) rows → normalised code/name → id."""
    out = {}
    for sid, code, name in services:
        out[norm(code)] = sid
        out[norm(name)] = sid
        out[code] = sid
        out[name] = sid
    return out


def parse_ledger(table: Table, accounts: dict[str, int], services: dict[str, int],
                 progress: Callable | None = None, values: dict | None = None) -> Parsed:
    """Ledger lines → tuples (LEDGER_FIELDS) with their dedup key; reversals are kept in extra['reversals'].
    `values`: the administrator's aliases ({"source": {normalised alias: code}}, see aliases.py)."""
    cols = map_columns("ledger", table.headers)
    res = Parsed("ledger", table.headers, cols)
    source_values = res.extra["source_values"] = {**SOURCE_VALUES, **((values or {}).get("source") or {})}
    i_acc, i_per, i_svc, i_kind, i_amt = (cols[c] for c in ("account_number", "period", "service", "kind", "amount"))
    i_paid, i_src, i_pp, i_ref, i_rev = (cols.get(c) for c in ("paid_on", "source", "paid_period", "reference",
                                                                "reverses"))
    i_norm = cols.get("norm_charge")
    period_cache: dict = {}
    date_cache: dict = {}
    svc_cache: dict = {}
    kind_cache: dict = {}
    src_cache: dict = {}
    occurrences: dict = {}
    charge_seen: dict = {}  # key → (amount, row) for opening/charge within the file
    reversals: list = []
    append = res.rows.append
    touched = res.accounts_touched
    n = 0
    for row_no, cells in table.rows:
        n += 1
        if progress is not None and n % 20000 == 0:
            progress(n, table.size_hint)
        try:
            acc = accounts[identifier(cells[i_acc])]
            raw = cells[i_svc]
            svc = svc_cache.get(raw)
            if svc is None:
                svc = services.get(text(raw)) or services[norm(raw)]
                svc_cache[raw] = svc
            raw = cells[i_kind]
            kind = kind_cache.get(raw)
            if kind is None:
                kind = ENTRY_KIND_VALUES[norm(raw)]
                kind_cache[raw] = kind
            raw = cells[i_per]
            period = period_cache.get(raw)
            if period is None:
                period = None if (kind == "payment" and not text(raw)) else parse_period(raw).isoformat()
                if period is not None:
                    period_cache[raw] = period
            raw = cells[i_amt]
            if raw.__class__ is str and _AMOUNT_FAST.fullmatch(raw):  # the common shape: 1234,56 / 1234.5 / 12
                i = raw.find(",") if "," in raw else raw.find(".")
                if i < 0:
                    amount = int(raw) * 100
                elif len(raw) - i == 3:
                    amount = int(raw[:i] + raw[i + 1:])
                else:
                    amount = int(raw[:i] + raw[i + 1:]) * 10
            else:
                amount = parse_amount(raw)
            if kind == "payment":
                raw = _cell(cells, i_paid)
                paid_on = date_cache.get(raw)
                if paid_on is None:
                    paid_on = parse_date(raw).isoformat()
                    date_cache[raw] = paid_on
                if period is None:
                    period = paid_on[:8] + "01"
                raw = _cell(cells, i_src)
                source = src_cache.get(raw)
                if source is None:
                    source = source_values[norm(raw)] if text(raw) else "other"
                    src_cache[raw] = source
                raw = _cell(cells, i_pp)
                paid_period = None
                if raw not in (None, ""):
                    paid_period = period_cache.get(raw)
                    if paid_period is None:
                        paid_period = parse_period(raw).isoformat()
                        period_cache[raw] = paid_period
                ref = identifier(_cell(cells, i_ref))
                rev = identifier(_cell(cells, i_rev))
                if amount < 0 and not rev:
                    raise _RowFail("amount", _("a negative payment must name the payment it reverses "
                                               "(column reverses)"))
                base = (acc, svc, paid_on, amount, source, ref)
                occ = occurrences.get(base, 0) + 1
                occurrences[base] = occ
                key = keys.payment_key(acc, svc, paid_on, amount, source, ref, occ)
                t = (acc, svc, period, kind, amount, paid_on, source, paid_period, ref or None, key, row_no)
                if rev:
                    if amount >= 0:
                        raise _RowFail("reverses", _("a reversal must have a negative amount"))
                    reversals.append((t, rev))
                    touched.add(acc)
                    continue
            elif kind == "recalculation":
                ref = identifier(_cell(cells, i_ref))
                if ref:
                    key = keys.recalculation_key(acc, svc, period, amount, ref)
                else:
                    base = (acc, svc, period, amount)
                    occ = occurrences.get(base, 0) + 1
                    occurrences[base] = occ
                    key = keys.recalculation_key(acc, svc, period, amount, f"#{occ}")
                t = (acc, svc, period, kind, amount, None, None, None, ref or None, key, row_no)
            else:
                if amount < 0:
                    raise _RowFail("amount", _("a negative amount is allowed only for recalculations and "
                                               "payment reversals"))
                key = keys.charge_key(acc, svc, period, kind)
                seen = charge_seen.get(key)
                if seen is not None:
                    if seen == amount:
                        res.extra["in_file_duplicates"] = res.extra.get("in_file_duplicates", 0) + 1
                        continue
                    raise _RowFail("amount", _("this charge is already in the file with another amount; "
                                               "use a recalculation"))
                charge_seen[key] = amount
                t = (acc, svc, period, kind, amount, None, None, None, identifier(_cell(cells, i_ref)) or None, key,
                     row_no)
            if i_norm is not None:
                note_norm(res, acc, svc, period or paid_on, norm_charge_kop(cells[i_norm]))
            append(t)
            touched.add(acc)
        except (KeyError, BadValue, _RowFail, IndexError, AttributeError, TypeError):
            _ledger_row_errors(res, row_no, cells, accounts, services)
    res.total = n
    res.extra["reversals"] = reversals
    return res


def norm_charge_kop(raw) -> int | None:
    """A cell of the column «Начисление по нормативу» (ПП 354 п.118): kopecks above zero, None when empty."""
    if raw in (None, "") or (isinstance(raw, str) and not raw.strip()):
        return None
    kop = parse_amount(raw)
    if kop <= 0:
        raise BadValue(_("the monthly charge at the norm must be above zero"))
    return kop


def note_norm(res: Parsed, acc: int, svc: int, period, kop: int | None) -> None:
    """Keep the latest month's norm charge per account and service (extra['norms']: (acc, svc) → (month, kop))."""
    if kop is None:
        return
    key = str(period)[:10]
    norms = res.extra.setdefault("norms", {})
    old = norms.get((acc, svc))
    if old is None or old[0] <= key:
        norms[(acc, svc)] = (key, kop)


class _RowFail(Exception):
    def __init__(self, column: str, reason: str):
        self.column, self.reason = column, reason


def _ledger_row_errors(res: Parsed, row_no: int, cells: list, accounts: dict, services: dict) -> None:
    """Slow path for a bad ledger row: name every problem with its column as written in the file."""
    cols, hdr = res.columns, res.headers

    def col(c: str) -> str:
        return hdr[cols[c]] if c in cols else header_label(res.kind, c)

    before = len(res.errors)
    num = identifier(_cell(cells, cols["account_number"]))
    if num not in accounts:
        res.add_error(row_no, cells, col("account_number"), _unknown_account(num))
    svc = text(_cell(cells, cols["service"]))
    if not (services.get(svc) or services.get(norm(svc))):
        res.add_error(row_no, cells, col("service"), _("unknown service «%(s)s»", s=svc))
    kind = ENTRY_KIND_VALUES.get(norm(_cell(cells, cols["kind"])))
    if kind is None:
        res.add_error(row_no, cells, col("kind"), _("unknown kind «%(k)s» (expected opening, charge, recalculation "
                                                    "or payment)", k=text(_cell(cells, cols["kind"]))))
    raw_period = _cell(cells, cols["period"])
    if not (kind == "payment" and not text(raw_period)):
        try:
            parse_period(raw_period)
        except BadValue as exc:
            res.add_error(row_no, cells, col("period"), str(exc))
    amount = None
    try:
        amount = parse_amount(_cell(cells, cols["amount"]))
    except BadValue as exc:
        res.add_error(row_no, cells, col("amount"), str(exc))
    if kind == "payment":
        raw = _cell(cells, cols.get("paid_on"))
        if raw in (None, "") or (isinstance(raw, str) and not raw.strip()):
            res.add_error(row_no, cells, col("paid_on"), _("a payment needs its date (paid_on)"))
        else:
            try:
                parse_date(raw)
            except BadValue as exc:
                res.add_error(row_no, cells, col("paid_on"), str(exc))
        src = text(_cell(cells, cols.get("source")))
        if src and norm(src) not in res.extra.get("source_values", SOURCE_VALUES):
            res.add_error(row_no, cells, col("source"), _("unknown payment source «%(s)s»", s=src))
        pp = _cell(cells, cols.get("paid_period"))
        if text(pp):
            try:
                parse_period(pp)
            except BadValue:
                res.add_error(row_no, cells, col("paid_period"),
                              _("the paid period is not a valid period (YYYY-MM or MM.YYYY): %(v)s", v=text(pp)))
        rev = identifier(_cell(cells, cols.get("reverses")))
        if amount is not None and amount < 0 and not rev:
            res.add_error(row_no, cells, col("amount"),
                          _("a negative payment must name the payment it reverses (column reverses)"))
        if amount is not None and amount >= 0 and rev:
            res.add_error(row_no, cells, col("reverses"), _("a reversal must have a negative amount"))
    elif kind in ("opening", "charge") and amount is not None and amount < 0:
        res.add_error(row_no, cells, col("amount"),
                      _("a negative amount is allowed only for recalculations and payment reversals"))
    if "norm_charge" in cols:
        try:
            norm_charge_kop(_cell(cells, cols["norm_charge"]))
        except BadValue as exc:
            res.add_error(row_no, cells, col("norm_charge"), str(exc))
    if len(res.errors) == before:  # a rule of the fast path that the checks above do not repeat
        res.add_error(row_no, cells, col("amount"),
                      _("this charge is already in the file with another amount; use a recalculation"))


# ----------------------------------------------------------------------------------------------- turnover
def parse_turnover(table: Table, accounts: dict[str, int], services: dict[str, int],
                   progress: Callable | None = None) -> Parsed:
    """Monthly turnover sheet rows → (account_id, service_id, period, opening, charged, recalculated, paid,
    closing, paid_on, row); checks that each row balances and chains onto the previous month."""
    cols = map_columns("turnover", table.headers)
    res = Parsed("turnover", table.headers, cols)
    hdr = table.headers

    def col(c: str) -> str:
        return hdr[cols[c]] if c in cols else header_label(res.kind, c)

    seen: dict = {}
    raw_by_row: dict = {}
    n = 0
    for row_no, cells in table.rows:
        n += 1
        _progress_every(progress, n, table.size_hint)
        before = len(res.errors)
        num = identifier(_cell(cells, cols["account_number"]))
        acc = accounts.get(num)
        if acc is None:
            res.add_error(row_no, cells, col("account_number"), _unknown_account(num))
        svc_raw = text(_cell(cells, cols["service"]))
        svc = services.get(svc_raw) or services.get(norm(svc_raw))
        if svc is None:
            res.add_error(row_no, cells, col("service"), _("unknown service «%(s)s»", s=svc_raw))
        period = None
        try:
            period = parse_period(_cell(cells, cols["period"]))
        except BadValue as exc:
            res.add_error(row_no, cells, col("period"), str(exc))
        vals = {}
        for c in ("opening", "charged", "recalculated", "paid", "closing"):
            if c not in cols and c == "recalculated":
                vals[c] = 0
                continue
            raw = _cell(cells, cols[c])
            if c == "recalculated" and not text(raw):
                vals[c] = 0
                continue
            try:
                vals[c] = parse_amount(raw)
            except BadValue as exc:
                res.add_error(row_no, cells, col(c), str(exc))
        for c in ("charged", "paid"):
            if vals.get(c, 0) < 0:
                res.add_error(row_no, cells, col(c), _("a negative amount is allowed only for recalculations and "
                                                       "payment reversals"))
        paid_on = None
        if "paid_on" in cols and text(_cell(cells, cols["paid_on"])):
            try:
                paid_on = parse_date(_cell(cells, cols["paid_on"]))
            except BadValue as exc:
                res.add_error(row_no, cells, col("paid_on"), str(exc))
        norm_kop = None
        if "norm_charge" in cols:
            try:
                norm_kop = norm_charge_kop(_cell(cells, cols["norm_charge"]))
            except BadValue as exc:
                res.add_error(row_no, cells, col("norm_charge"), str(exc))
        if len(vals) == 5 and len(res.errors) == before:
            if vals["opening"] + vals["charged"] + vals["recalculated"] - vals["paid"] != vals["closing"]:
                res.add_error(row_no, cells, col("closing"), _(
                    "the row does not balance: opening + charged + recalculated − paid = %(calc)s, closing = %(c)s",
                    calc=_rub(vals["opening"] + vals["charged"] + vals["recalculated"] - vals["paid"]),
                    c=_rub(vals["closing"])))
        if len(res.errors) == before:
            k = (acc, svc, period)
            if k in seen:
                res.add_error(row_no, cells, "", _("this account, service and month are already in the file "
                                                   "(row %(r)s)", r=seen[k][9]))
                continue
            if paid_on is None and vals["paid"]:
                paid_on = Period(period.year, period.month).last_day()
            t = (acc, svc, period, vals["opening"], vals["charged"], vals["recalculated"], vals["paid"],
                 vals["closing"], paid_on, row_no)
            seen[k] = t
            raw_by_row[row_no] = cells
            note_norm(res, acc, svc, period, norm_kop)
            res.rows.append(t)
            res.accounts_touched.add(acc)
    # the chain: a month's opening equals the previous month's closing when both are in the file
    bad_chain = []
    for t in res.rows:
        acc, svc, period = t[0], t[1], t[2]
        prev = date(period.year - 1, 12, 1) if period.month == 1 else date(period.year, period.month - 1, 1)
        p = seen.get((acc, svc, prev))
        if p is not None and p[7] != t[3]:
            bad_chain.append((t, p))
    if bad_chain:
        drop = set()
        for t, p in bad_chain:
            res.errors.append(RowError(t[9], col("opening"), _(
                "the opening balance %(o)s does not equal the previous month's closing %(c)s (row %(r)s)",
                o=_rub(t[3]), c=_rub(p[7]), r=p[9])))
            drop.add(t[9])
        for r in drop:
            res.bad_cells.setdefault(r, raw_by_row.get(r, []))
        res.rows = [t for t in res.rows if t[9] not in drop]
    res.total = n
    res.errors.sort(key=lambda e: (e.row or 0))
    return res


def _rub(kop: int) -> str:
    sign = "-" if kop < 0 else ""
    kop = abs(kop)
    return f"{sign}{kop // 100},{kop % 100:02d}"


def turnover_entries(res: Parsed, first_known: dict[tuple[int, int], str]) -> list[tuple]:
    """Turnover rows → ledger tuples (LEDGER_FIELDS).

    The first month of each account×service in the file gives an `opening` entry, unless the ledger already
    holds earlier entries for that pair (`first_known`: (account, service) → earliest period ISO), so that an
    overlapping later sheet never counts an opening twice. charged → charge, recalculated → recalculation,
    paid → one payment on `paid_on` (the last day of the month unless the sheet has a paid_on column),
    source `other`.
    """
    first_in_file: dict = {}
    for t in res.rows:
        k = (t[0], t[1])
        if k not in first_in_file or t[2] < first_in_file[k]:
            first_in_file[k] = t[2]
    out = []
    for acc, svc, period, opening, charged, recalc, paid, _closing, paid_on, row in res.rows:
        p = period.isoformat()
        if period == first_in_file[(acc, svc)] and opening:
            known = first_known.get((acc, svc))
            if known is None or known >= p:
                if opening < 0:
                    # an overpayment carried in: a credit is recorded as a negative recalculation
                    out.append((acc, svc, p, "recalculation", opening, None, None, None, "opening",
                                keys.recalculation_key(acc, svc, p, opening, "opening"), row))
                else:
                    out.append((acc, svc, p, "opening", opening, None, None, None, None,
                                keys.charge_key(acc, svc, p, "opening"), row))
        if charged:
            out.append((acc, svc, p, "charge", charged, None, None, None, None, keys.charge_key(acc, svc, p, "charge"),
                        row))
        if recalc:
            out.append((acc, svc, p, "recalculation", recalc, None, None, None, None,
                        keys.recalculation_key(acc, svc, p, recalc, "#1"), row))
        if paid:
            d = paid_on.isoformat()
            out.append((acc, svc, p, "payment", paid, d, "other", None, None,
                        keys.payment_key(acc, svc, d, paid, "other", "", 1), row))
    return out


# ----------------------------------------------------------------------------------------------- accounts
def parse_accounts(table: Table, progress: Callable | None = None, values: dict | None = None) -> Parsed:
    """Registry rows → dicts of account fields; a number repeated in the file is an error on the later row.
    `values`: the administrator's aliases ({"category": {normalised alias: code}}, see aliases.py)."""
    category_values = {**CATEGORY_VALUES, **((values or {}).get("category") or {})}
    cols = map_columns("accounts", table.headers)
    res = Parsed("accounts", table.headers, cols)
    hdr = table.headers

    def col(c: str) -> str:
        return hdr[cols[c]] if c in cols else header_label(res.kind, c)

    first_row: dict[str, int] = {}
    n = 0
    for row_no, cells in table.rows:
        n += 1
        _progress_every(progress, n, table.size_hint)
        before = len(res.errors)
        rec: dict[str, Any] = {}
        num = identifier(_cell(cells, cols["account_number"]))
        if not num:
            res.add_error(row_no, cells, col("account_number"), _("the account number is empty"))
        elif len(num) > 32:
            res.add_error(row_no, cells, col("account_number"), _("the account number is longer than 32 characters"))
        elif why := account_number_problem(num):
            res.add_error(row_no, cells, col("account_number"), why)
        elif num in first_row:
            res.add_error(row_no, cells, col("account_number"),
                          _("duplicate account number %(n)s (already in row %(r)s)", n=num, r=first_row[num]))
        rec["number"] = num
        cat = text(_cell(cells, cols["category"]))
        rec["category"] = category_values.get(norm(cat))
        if rec["category"] is None:
            res.add_error(row_no, cells, col("category"),
                          _("unknown category «%(v)s» (expected population or other)", v=cat))
        for c, limit in (("debtor_name", 300), ("address", 500)):
            v = text(_cell(cells, cols[c]))
            if not v:
                res.add_error(row_no, cells, col(c), _("the value is required"))
            rec[c] = v[:limit]
        if "tenure" in cols:
            v = text(_cell(cells, cols["tenure"]))
            if v:
                rec["tenure"] = TENURE_VALUES.get(norm(v))
                if rec["tenure"] is None:
                    res.add_error(row_no, cells, col("tenure"), _("unknown tenure «%(v)s» (expected owner, "
                                                                  "social_tenancy, commercial_tenancy or other)", v=v))
        for c, limit in (("settlement", 200), ("apartment", 20), ("phone", 60), ("email", 200)):
            if c in cols:
                v = text(_cell(cells, cols[c]))
                if v:
                    rec[c] = v[:limit]
        if "inn" in cols:
            v = identifier(_cell(cells, cols["inn"]))
            if v:
                if not re.fullmatch(r"\d{10}|\d{12}", v):
                    res.add_error(row_no, cells, col("inn"), _("an ИНН has 10 or 12 digits: %(v)s", v=v))
                rec["inn"] = v
        if "area_m2" in cols and text(_cell(cells, cols["area_m2"])):
            try:
                kop = parse_amount(_cell(cells, cols["area_m2"]))
                if kop <= 0:
                    raise BadValue(_("the area must be positive"))
                rec["area_m2"] = Decimal(kop) / 100
            except BadValue as exc:
                res.add_error(row_no, cells, col("area_m2"), str(exc))
        for c in ("opened_on", "closed_on"):
            if c in cols and text(_cell(cells, cols[c])):
                try:
                    rec[c] = parse_date(_cell(cells, cols[c]))
                except BadValue as exc:
                    res.add_error(row_no, cells, col(c), str(exc))
        if "is_municipal" in cols:
            v = norm(_cell(cells, cols["is_municipal"]))
            if v not in BOOL_VALUES:
                res.add_error(row_no, cells, col("is_municipal"), _("expected yes or no: %(v)s", v=v))
            else:
                rec["is_municipal"] = BOOL_VALUES[v]
        if num and num not in first_row:
            first_row[num] = row_no
        if len(res.errors) == before:
            rec["row"] = row_no
            res.rows.append(rec)
    res.total = n
    return res


# ----------------------------------------------------------------------------------------------- persons
def parse_persons(table: Table, accounts: dict[str, int], progress: Callable | None = None) -> Parsed:
    """Persons linked to accounts, with the identifiers a court application needs."""
    cols = map_columns("persons", table.headers)
    res = Parsed("persons", table.headers, cols)
    hdr = table.headers

    def col(c: str) -> str:
        return hdr[cols[c]] if c in cols else header_label(res.kind, c)

    n = 0
    for row_no, cells in table.rows:
        n += 1
        _progress_every(progress, n, table.size_hint)
        before = len(res.errors)
        rec: dict[str, Any] = {"row": row_no}
        num = identifier(_cell(cells, cols["account_number"]))
        rec["account_id"] = accounts.get(num)
        if rec["account_id"] is None:
            res.add_error(row_no, cells, col("account_number"), _unknown_account(num))
        rec["full_name"] = text(_cell(cells, cols["full_name"]))[:300]
        if not rec["full_name"]:
            res.add_error(row_no, cells, col("full_name"), _("the value is required"))
        role = text(_cell(cells, cols["role"]))
        rec["role"] = ROLE_VALUES.get(norm(role))
        if rec["role"] is None:
            res.add_error(row_no, cells, col("role"), _("unknown role «%(v)s» (expected owner, registered, tenant, "
                                                        "representative or heir)", v=role))
        rec["share_num"] = rec["share_den"] = None
        if "share" in cols and text(_cell(cells, cols["share"])):
            try:
                rec["share_num"], rec["share_den"] = parse_share(_cell(cells, cols["share"]))
            except BadValue as exc:
                res.add_error(row_no, cells, col("share"), str(exc))
        for c in ("birth_date", "passport_issued_on", "since", "until"):
            rec[c] = None
            if c in cols and text(_cell(cells, cols[c])):
                try:
                    rec[c] = parse_date(_cell(cells, cols[c]))
                except BadValue as exc:
                    res.add_error(row_no, cells, col(c), str(exc))
        if rec["since"] and rec["until"] and rec["until"] < rec["since"]:
            res.add_error(row_no, cells, col("until"), _("the end date is before the start date"))
        for c, limit in (("birth_place", 300), ("passport_series", 10), ("passport_number", 20),
                         ("passport_issued_by", 300), ("registration_address", 500), ("phone", 60), ("email", 200),
                         ("external_id", 64)):
            read = identifier if c in ("passport_series", "passport_number", "external_id") else text
            v = read(_cell(cells, cols.get(c))) if c in cols else ""
            rec[c] = v[:limit] or None
        for c, pattern, msg in (("snils", r"\d{11}", _("a СНИЛС has 11 digits: %(v)s")),
                                ("inn", r"\d{12}|\d{10}", _("an ИНН has 10 or 12 digits: %(v)s"))):
            v = identifier(_cell(cells, cols.get(c))) if c in cols else ""
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


def error_file_bytes(headers: list[str], parsed: Parsed) -> bytes:
    """The bad rows in the shape of the input plus an «Ошибка» column (CSV, UTF-8 with BOM, `;`)."""
    reasons: dict[int, list[str]] = {}
    for e in parsed.errors:
        if e.row is not None:
            reasons.setdefault(e.row, []).append(f"{e.column}: {e.reason}" if e.column else e.reason)
    from ..export import csv_writer

    buf = io.StringIO()
    w = csv_writer(buf, delimiter=";", lineterminator="\r\n")  # the bad cells come back defused, not verbatim
    w.writerow(list(headers) + [ERROR_COLUMN])
    for row in sorted(parsed.bad_cells):
        cells = ["" if c is None else (c.isoformat() if isinstance(c, (date, datetime)) else str(c))
                 for c in parsed.bad_cells[row]]
        cells += [""] * (len(headers) - len(cells))
        w.writerow(cells + ["; ".join(reasons.get(row, []))])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


_ = _  # re-exported for callers formatting their own messages
