"""Months written in words, as 1С and other billings write them: «Ноябрь 2026», «ноябрь 2026 г.», «ноября 2026»,
and the period in the title of a 1С report: «… за Ноябрь 2026 г.», «… за 11.2026», «… за период 01.11.2026 -
30.11.2026». Pure."""
from __future__ import annotations

import calendar
import re
from datetime import date

# the stems of the month names (nominative «ноябрь», genitive «ноября», prepositional «ноябре», short «ноя.»)
_STEMS = (("январ", "янв"), ("феврал", "фев"), ("март", "мар"), ("апрел", "апр"), ("ма", "май"), ("июн",),
          ("июл",), ("август", "авг"), ("сентябр", "сен", "сент"), ("октябр", "окт"), ("ноябр", "ноя"),
          ("декабр", "дек"))
_ENDINGS = ("ь", "я", "е", "а", "у", "й", "")
_WORD_MONTH = {}
for _i, _stems in enumerate(_STEMS, start=1):
    for _stem in _stems:
        for _end in _ENDINGS:
            _WORD_MONTH.setdefault(_stem + _end, _i)
_WORD_MONTH.pop("ма", None)  # «ма» alone is no month; «май», «мая», «мае» are

_NAME_RE = re.compile(r"^\s*([а-яё]+)\.?\s+(\d{4})(?:\s*(?:г|года|год)\.?)?\s*$", re.IGNORECASE)


def month_number(word: str) -> int | None:
    """«Ноябрь» / «ноября» / «ноя» → 11; None for anything else."""
    return _WORD_MONTH.get(word.strip(" .").lower().replace("ё", "е"))


def parse_month_name(text: str) -> tuple[int, int] | None:
    """«Ноябрь 2026» / «ноябрь 2026 г.» → (2026, 11); None when the text is not a month in words."""
    m = _NAME_RE.match(str(text or ""))
    if not m:
        return None
    mo = month_number(m.group(1))
    return (int(m.group(2)), mo) if mo else None


# periods in a report title
_TITLE_WORDS = re.compile(r"\bза\s+(?:период\s*:?\s*)?([а-яё]+)\.?\s+(\d{4})\s*(?:г\b|года\b|год\b)?", re.IGNORECASE)
_TITLE_MY = re.compile(r"\bза\s+(?:период\s*:?\s*)?(\d{1,2})\.(\d{4})(?!\.)\b", re.IGNORECASE)
_TITLE_RANGE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})\s*(?:г\.?)?\s*(?:-|–|—|по)\s*(\d{1,2})\.(\d{1,2})\.(\d{4})")
_TITLE_QUARTER = re.compile(r"\b(?:[1-4]|I{1,3}|IV)\s*(?:квартал|кв\.)|\b(?:полугодие|9\s*месяцев)\b|\bза\s+\d{4}\s*г",
                            re.IGNORECASE)


class TitlePeriod:
    """What a title says about the period: a single month, or a span that is not one month (with its text)."""

    def __init__(self, month: date | None, text: str, single: bool):
        self.month, self.text, self.single = month, text, single


def period_in_title(text: str) -> TitlePeriod | None:
    """The reporting period named in a report's title line, or None when the line names none."""
    s = str(text or "")
    m = _TITLE_RANGE.search(s)
    if m:
        d1 = _safe_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        d2 = _safe_date(int(m.group(6)), int(m.group(5)), int(m.group(4)))
        if d1 and d2:
            one = (d1.day == 1 and d1.year == d2.year and d1.month == d2.month
                   and d2.day == calendar.monthrange(d2.year, d2.month)[1])
            return TitlePeriod(d1 if one else None, m.group(0), one)
    m = _TITLE_WORDS.search(s)
    if m and month_number(m.group(1)):
        return TitlePeriod(date(int(m.group(2)), month_number(m.group(1)), 1), m.group(0).strip(), True)
    m = _TITLE_MY.search(s)
    if m and 1 <= int(m.group(1)) <= 12:
        return TitlePeriod(date(int(m.group(2)), int(m.group(1)), 1), m.group(0).strip(), True)
    m = _TITLE_QUARTER.search(s)
    if m and re.search(r"ведомост|за\s", s, re.IGNORECASE):
        return TitlePeriod(None, m.group(0).strip(), False)
    return None


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None
