"""Enforcement proceedings (229-ФЗ «Об исполнительном производстве»): the grounds an ИП ends on, its status, when a
returned writ may be presented again, the writ's limitation and the term of a complaint about a bailiff.

Pure: no database, no clock; dates and the working calendar are arguments.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

IN_PROGRESS, ENDED, TERMINATED, SUSPENDED = "in_progress", "ended", "terminated", "suspended"
STATUSES = (IN_PROGRESS, ENDED, TERMINATED, SUSPENDED)

RE_PRESENT_MONTHS = 6      # ст.46 ч.5: after a return under п.3, п.4 ч.1 ст.46 — not earlier than six months
WRIT_TERM_YEARS = 3        # ст.21 ч.1: a writ of a court of general jurisdiction may be presented within three years
COMPLAINT_DAYS = 10        # ст.122: ten days from when the взыскатель learned of the (in)action


@dataclass(frozen=True)
class EndGround:
    """An article of 229-ФЗ an ИП ends (окончено, ст.47) or is terminated (прекращено, ст.43) on."""

    article: int
    part: int
    clause: int
    reason: str        # the app's end_reason: paid | impossible | returned | cancelled | other
    text: str          # Russian wording of the ground

    @property
    def ref(self) -> str:
        """«п. 3 ч. 1 ст. 46» — the way a постановление cites it."""
        return f"п. {self.clause} ч. {self.part} ст. {self.article}"

    @property
    def impossible(self) -> bool:
        """Returned because recovery is impossible (п.3, п.4 ч.1 ст.46): presented again after six months."""
        return self.article == 46 and self.part == 1 and self.clause in (3, 4)


GROUNDS: dict[tuple[int, int, int], EndGround] = {g[:3]: EndGround(*g) for g in [
    (47, 1, 1, "paid", "фактическое исполнение требований исполнительного документа"),
    (47, 1, 2, "other", "фактическое исполнение за счёт одного или нескольких должников"),
    (47, 1, 3, "returned", "возвращение исполнительного документа взыскателю по основаниям ст.46"),
    (47, 1, 4, "returned", "возвращение исполнительного документа по требованию суда или взыскателя"),
    (47, 1, 6, "other", "направление исполнительного документа в организацию для удержания из доходов должника"),
    (47, 1, 7, "other", "признание должника банкротом"),
    (47, 1, 8, "other", "направление копии исполнительного документа в организацию для удержания периодических "
                        "платежей"),
    (46, 1, 1, "returned", "заявление взыскателя о возвращении исполнительного документа"),
    (46, 1, 2, "returned", "исполнительный документ не может быть исполнен по причинам, не зависящим от пристава"),
    (46, 1, 3, "impossible", "невозможно установить местонахождение должника, его имущества либо получить сведения "
                             "о денежных средствах и ценностях должника"),
    (46, 1, 4, "impossible", "у должника нет имущества, на которое может быть обращено взыскание, и все принятые "
                             "меры по отысканию его имущества оказались безрезультатными"),
    (46, 1, 6, "returned", "взыскатель своими действиями препятствует исполнению"),
    (43, 2, 1, "cancelled", "смерть должника, если требования не могут перейти к правопреемнику"),
    (43, 2, 4, "cancelled", "отмена судебного акта, на основании которого выдан исполнительный документ"),
    (43, 2, 5, "cancelled", "отмена или признание недействительным исполнительного документа"),
    (43, 2, 6, "cancelled", "прекращение исполнения по определению суда"),
]}

# «п. 3 ч. 1 ст. 46», «пунктом 4 части 1 статьи 46», «ст.46 ч.1 п.3», «ст. 47, ч. 1, п. 1», «46-1-3»
_CLAUSE = r"(?:п(?:ункт[а-я]*)?\.?)"
_PART = r"(?:ч(?:аст[а-я]*)?\.?)"
_ART = r"(?:ст(?:ать[а-я]*)?\.?)"
_FORWARD = re.compile(rf"{_CLAUSE}\s*(\d+)\s*,?\s*{_PART}\s*(\d+)\s*,?\s*{_ART}\s*(\d+)", re.I)
_BACKWARD = re.compile(rf"{_ART}\s*(\d+)\s*,?\s*{_PART}\s*(\d+)\s*,?\s*{_CLAUSE}\s*(\d+)", re.I)
_DASHED = re.compile(r"^\s*(4[3-7])\s*[-./]\s*(\d)\s*[-./]\s*(\d{1,2})\s*$")


def parse_end_ground(text: str | None) -> EndGround | None:
    """The article of 229-ФЗ named in a text («п. 3 ч. 1 ст. 46», «ст.46 ч.1 п.3», «пунктом 1 части 1 статьи 47»);
    a ground of ст.43, 46, 47 the table does not list is returned with reason «other». None: no article named."""
    s = (text or "").replace("\u00a0", " ")
    found = None
    for rx, order in ((_FORWARD, (2, 1, 0)), (_BACKWARD, (0, 1, 2))):
        for m in rx.finditer(s):
            nums = [int(m.group(i + 1)) for i in range(3)]
            art, part, clause = (nums[order[0]], nums[order[1]], nums[order[2]])
            if art in (43, 46, 47):
                found = (art, part, clause)
                break
        if found:
            break
    if found is None:
        m = _DASHED.match(s)
        if m:
            found = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if found is None:
        return None
    return GROUNDS.get(found) or EndGround(*found, reason="other", text="")


_STATUS_WORDS = [
    (TERMINATED, ("прекращ",)),
    (ENDED, ("окончен", "оконч", "завершен")),
    (SUSPENDED, ("приостановл",)),
    (IN_PROGRESS, ("в производстве", "на исполнении", "исполняется", "ведется", "возбужден", "действующ",
                   "не окончено", "в работе")),
]


def parse_status(text: str | None) -> str | None:
    """«в производстве» / «окончено» / «прекращено» / «приостановлено» (as ОСП registers spell them) → a status."""
    s = (text or "").strip().lower().replace("ё", "е")
    if not s:
        return None
    if "не оконч" in s:
        return IN_PROGRESS
    for status, words in _STATUS_WORDS:
        if any(w in s for w in words):
            return status
    return None


def status_for(ground: EndGround | None, ended: bool) -> str:
    """The status a ground implies: ст.43 — прекращено, ст.46/47 — окончено."""
    if ground is not None and ground.article == 43:
        return TERMINATED
    return ENDED if ended or ground is not None else IN_PROGRESS


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(d)


def re_presentation_date(ended_on: date, ground: EndGround | None) -> date | None:
    """The first day a writ returned under п.3 or п.4 ч.1 ст.46 may be presented again: six months after the
    постановление об окончании (229-ФЗ ст.46 ч.5); None for other grounds (no waiting time)."""
    if ground is None or not ground.impossible:
        return None
    return _add_months(ended_on, RE_PRESENT_MONTHS)


def writ_term_end(returned_on: date) -> date:
    """The last day to present a returned writ again: the three-year term (ст.21 ч.1) was interrupted by the
    presentation (ст.22 ч.1) and runs anew from the day the writ was returned to the взыскатель (ст.22 ч.2);
    a term in years ends on the same date of the last year (ГК 192 ч.3 via ст.15 ч.1 229-ФЗ)."""
    return _add_months(returned_on, 12 * WRIT_TERM_YEARS)


def complaint_last_day(learned_on: date, calendar=None) -> date:
    """The last day to complain about a bailiff's (in)action: ten days from when the взыскатель learned of it
    (229-ФЗ ст.122), counted without non-working days (ст.15 ч.2) when a working calendar is given."""
    if calendar is not None:
        return calendar.add_working_days(learned_on, COMPLAINT_DAYS)
    from datetime import timedelta

    return learned_on + timedelta(days=COMPLAINT_DAYS)


_NUMBER_JUNK = re.compile(r"[\s№N#«»\"']+")


def writ_key(number: str | None) -> str:
    """A writ number as compared: no «№», spaces or quotes, upper case, Latin look-alikes as Cyrillic
    («ФС № 012345678» = «фс012345678», «2-1234/2026» = «2‑1234/2026»)."""
    s = _NUMBER_JUNK.sub("", (number or "").upper()).replace("Ё", "Е")
    s = s.replace("\u2010", "-").replace("\u2011", "-").replace("\u2012", "-").replace("\u2013", "-")
    return s.translate(str.maketrans("ABCEHKMOPTXY", "АВСЕНКМОРТХУ"))


def ip_number_ok(number: str | None) -> bool:
    """An ИП number as ФССП writes it: «12345/26/14021-ИП» (sequence / year / unit code -ИП, «-СД» for a сводное)."""
    return bool(re.fullmatch(r"\d{1,9}/\d{2}/\d{4,6}-(?:ИП|СД|ИП/СД)", (number or "").strip().upper()))
