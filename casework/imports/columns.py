"""Columns and the values written in them: how each column's header may be written (`COLUMNS`, compared in `norm`
form), the words billings use for kinds, sources, categories, tenures and roles, and the declaration of a column
(`Column`) that the accounts registry's table is made of (accounts_file.py).

Pure: no database, no Flask state.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from ..i18n import _
from .labels import column_label
from .rows import ImportFileError, RowError


def norm(text: Any) -> str:
    """Header/value comparison form: lower case, ё→е, parenthesised notes and non-alphanumerics dropped."""
    s = str(text or "").strip().lower().replace("ё", "е")
    s = re.sub(r"\([^)]*\)", "", s)
    return re.sub(r"[^0-9a-zа-я/]", "", s).replace("/", "")


def alias_map(spec: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """{canonical: (header, …)} → {normalised header or canonical name: canonical}."""
    out = {}
    for canonical, names in spec.items():
        out[norm(canonical)] = canonical
        for n in names:
            out[norm(n)] = canonical
    return out


# the headers of the columns every kind of file may have
COMMON = {
    "account_number": ("Лицевой счет", "Лицевой счёт", "ЛС", "Л/С", "Лиц. счет", "Лицевой", "Номер ЛС",
                       "Номер лицевого счета", "Account", "Account number"),
    "phone": ("Телефон", "Тел", "Тел.", "Номер телефона"),
    "email": ("Email", "E-mail", "Эл. почта", "Электронная почта"),
    "inn": ("ИНН",),
}
# persons, ledger and turnover files; the accounts registry declares its columns in accounts_file.py
COLUMNS: dict[str, dict] = {
    "persons": {
        "required": ("account_number", "full_name", "role"),
        "optional": ("share", "birth_date", "birth_place", "passport_series", "passport_number",
                     "passport_issued_by", "passport_issued_on", "snils", "inn", "registration_address", "phone",
                     "email", "external_id", "since", "until"),
        "aliases": alias_map({**COMMON,
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
        "aliases": alias_map({**COMMON,
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
        "aliases": alias_map({**COMMON,
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
    """The words a cell may hold → code, compared in the same `norm` form as headers."""
    return alias_map(spec)


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


# ----------------------------------------------------------------------------------------------- declared columns
SKIP = object()  # what a column's parser returns for a cell that leaves the field unset (an empty optional cell)


class Refused(Exception):
    """A cell a column's parser does not accept: the reason is the column's `error` text, `value` its %(v)s."""

    def __init__(self, value: Any = ""):
        super().__init__(value)
        self.value = value


@dataclass(frozen=True)
class Column:
    """One column of a file, declared once: its canonical name (labels.py gives its name in the user's language),
    the headers billings write for it, how its cell is read, whether a file without it is refused, and the reason a
    value it refuses gets.

    `parse(cell, state)` returns the field's value, or `SKIP` to leave the field unset; it raises `Refused(value)`
    for a value the column does not accept (the row's error is `error` with %(v)s = value) or `BadValue` with a reason
    of its own (an amount or a date the value readers refuse). `state` is what the file's reader remembers between
    rows. The value goes into the record under `field` (default: the name)."""

    name: str
    aliases: tuple[str, ...]
    parse: Callable[[Any, Any], Any]
    required: bool = False
    error: Any = None  # a lazy msgid (`_l`), formatted with v=the refused value
    field: str | None = None

    @property
    def key(self) -> str:
        return self.field or self.name

    def refusal(self, value: Any) -> str:
        """The reason for a refused value, in the user's language."""
        if self.error is None:  # a declaration mistake, not the user's: say so loudly
            raise TypeError(f"column {self.name!r} refused a value but declares no error text")
        return str(self.error) % {"v": value}


def header_spec(columns: Iterable[Column]) -> dict:
    """A table of declared columns as `map_columns` reads it: required and optional names, the headers' aliases."""
    columns = tuple(columns)
    return {"required": tuple(c.name for c in columns if c.required),
            "optional": tuple(c.name for c in columns if not c.required),
            "aliases": alias_map({c.name: c.aliases for c in columns})}


def map_columns(kind: str, headers: list[str], spec: dict | None = None) -> dict[str, int]:
    """Canonical column → index; a missing required column is a file-level error. `spec`: the kind's columns
    (default `COLUMNS[kind]`; the accounts registry passes its declared table's, `header_spec`)."""
    spec = spec if spec is not None else COLUMNS[kind]
    found: dict[str, int] = {}
    for i, h in enumerate(headers):
        canonical = spec["aliases"].get(norm(h))
        if canonical and canonical not in found:
            found[canonical] = i
    missing = [c for c in spec["required"] if c not in found]
    if missing:
        raise ImportFileError([RowError(None, column_label(c), _("Required column «%(c)s» is missing.",
                                                                  c=column_label(c))) for c in missing])
    return found


def service_lookup(services: Iterable[tuple[int, str, str]]) -> dict[str, int]:
    """(id, code, Russian name) rows → normalised code/name → id."""
    out = {}
    for sid, code, name in services:
        out[norm(code)] = sid
        out[norm(name)] = sid
        out[code] = sid
        out[name] = sid
    return out
