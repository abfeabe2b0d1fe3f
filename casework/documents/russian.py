"""Russian formatting for letters: dates, money in figures and words, names in grammatical cases.

Pure functions (no Flask, no database). People's names are declined by the petrovich rules (`pytrovich`),
organisation names, positions, courts and bases of authority by the OpenCorpora dictionary (`pymorphy3` with
`pymorphy3-dicts-ru`; both ship their data in the wheel and work offline). What neither can read — a foreign
ending, an abbreviation, a quoted name — is left as written (indeclinable), the safe choice for a legal letter.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from num2words import num2words

MONTHS_GEN = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
              "октября", "ноября", "декабря")
MONTHS_NOM = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
              "октябрь", "ноябрь", "декабрь")

GEN, DAT = "gen", "dat"  # родительный (кого?), дательный (кому?)


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural form for a count: 1 рубль, 2 рубля, 5 рублей (11–14 take the 'many' form)."""
    n = abs(int(n))
    if n % 100 in (11, 12, 13, 14):
        return many
    if n % 10 == 1:
        return one
    if n % 10 in (2, 3, 4):
        return few
    return many


def ru_date(d: date | None) -> str:
    """«22» ноября 2026 г. (ГОСТ Р 7.0.97-2016 verbal-numeric form used in letters)."""
    if d is None:
        return "«___» __________ 20__ г."
    return f"«{d.day:02d}» {MONTHS_GEN[d.month - 1]} {d.year} г."


def short_date(d: date | None) -> str:
    """22.11.2026 (tables and references)."""
    return d.strftime("%d.%m.%Y") if d else ""


def ru_period(d: date | None) -> str:
    """A billing month in words: «ноябрь 2026»."""
    return f"{MONTHS_NOM[d.month - 1]} {d.year}" if d else ""


def group_thousands(n: int) -> str:
    """1234567 → '1 234 567' (space as the thousands separator, as in Russian documents)."""
    s = f"{abs(int(n)):,}".replace(",", " ")
    return ("-" if n < 0 else "") + s


def _kop(amount) -> int:
    if isinstance(amount, Decimal):
        q = amount * 100
        if q != q.to_integral_value():
            raise ValueError(f"{amount}: more than two decimals")
        return int(q)
    if isinstance(amount, int):
        return amount
    raise TypeError("money must be integer kopecks or Decimal rubles, never float")


def money(kop: int) -> str:
    """Integer kopecks → «1 234 руб. 56 коп.»."""
    kop = int(kop)
    sign = "-" if kop < 0 else ""
    r, k = divmod(abs(kop), 100)
    return f"{sign}{group_thousands(r)} руб. {k:02d} коп."


def money_decimal(amount: Decimal) -> str:
    """Decimal rubles → «1 234 руб. 56 коп.»."""
    return money(_kop(amount))


def number_rub(kop: int) -> str:
    """Integer kopecks → '1 234,56' for table cells."""
    kop = int(kop)
    sign = "-" if kop < 0 else ""
    r, k = divmod(abs(kop), 100)
    return f"{sign}{group_thousands(r)},{k:02d}"


def rubles_in_words(rubles: int) -> str:
    """Whole rubles in words: 'одна тысяча двести тридцать четыре рубля' (num2words feminine тысяча)."""
    words = num2words(int(rubles), lang="ru")
    return f"{words} {plural(rubles, 'рубль', 'рубля', 'рублей')}"


def amount_in_words(kop: int) -> str:
    """Integer kopecks → 'одна тысяча двести тридцать четыре рубля 56 копеек' (kopecks in figures)."""
    kop = int(kop)
    if kop < 0:
        return "минус " + amount_in_words(-kop)
    r, k = divmod(kop, 100)
    return f"{rubles_in_words(r)} {k:02d} {plural(k, 'копейка', 'копейки', 'копеек')}"


def money_full(kop: int) -> str:
    """«1 234 руб. 56 коп. (одна тысяча двести тридцать четыре рубля 56 копеек)»."""
    return f"{money(kop)} ({amount_in_words(kop)})"


# --------------------------------------------------------------------------- names (pytrovich)

NOM, ACC, INS, PRE = "nom", "acc", "ins", "pre"  # именительный, винительный, творительный (кем?), предложный
CASES = (NOM, GEN, DAT, ACC, INS, PRE)


def _petrovich():
    """The petrovich rules (pytrovich): the inflector and the gender detector, loaded once."""
    global _PETROVICH
    if _PETROVICH is None:
        from pytrovich.detector import PetrovichGenderDetector
        from pytrovich.maker import PetrovichDeclinationMaker

        _PETROVICH = (PetrovichDeclinationMaker(), PetrovichGenderDetector())
    return _PETROVICH


_PETROVICH = None


def _pt_case(case: str):
    from pytrovich.enums import Case

    return {GEN: Case.GENITIVE, DAT: Case.DATIVE, ACC: Case.ACCUSATIVE, INS: Case.INSTRUMENTAL,
            PRE: Case.PREPOSITIONAL, NOM: Case.NOMINATIVE}[case]


def _pt_gender(gender: str | None):
    from pytrovich.enums import Gender

    return {"m": Gender.MALE, "f": Gender.FEMALE}.get(gender or "", Gender.ANDROGYNOUS)


_PATRONYMIC_TAILS = ("оглы", "кызы", "улы", "гызы")


def detect_gender(first: str | None, middle: str | None, gender: str | None = None, last: str | None = None) -> str | None:
    """'m'/'f': from the patronymic (-ич / -на, -оглы / -кызы) first, else the stored gender, else petrovich's
    detector on the first name and surname; None when they cannot tell (Ким Ли)."""
    mid = (middle or "").strip().lower()
    if mid.endswith(("ич", "оглы", "улы")):
        return "m"
    if mid.endswith(("на", "кызы", "гызы")):
        return "f"
    if gender in ("m", "f"):
        return gender
    from pytrovich.enums import Gender

    kw = {k: v.strip() for k, v in (("firstname", first), ("lastname", last), ("middlename", middle)) if v and v.strip()}
    if not kw:
        return None
    g = _petrovich()[1].detect(**kw)
    return {Gender.MALE: "m", Gender.FEMALE: "f"}.get(g)


def _make(part: str, value: str, gender: str | None, case: str) -> str:
    from pytrovich.enums import NamePart

    if not value or case == NOM:
        return value
    if value.isupper() and len(value) > 1:  # ИВАНОВ → ИВАНОВУ (petrovich appends its endings in lower case)
        return _make(part, value.lower(), gender, case).upper()
    maker = _petrovich()[0]
    np = {"last": NamePart.LASTNAME, "first": NamePart.FIRSTNAME, "middle": NamePart.MIDDLENAME}[part]
    if gender in ("m", "f"):
        return maker.make(np, _pt_gender(gender), _pt_case(case), value)
    # gender unknown: decline only as far as both genders agree (Ким → «Ким», never a guessed «Кима»)
    male = maker.make(np, _pt_gender("m"), _pt_case(case), value)
    female = maker.make(np, _pt_gender("f"), _pt_case(case), value)
    return male if male == female else value


def decline_last(last: str, gender: str | None, case: str) -> str:
    """Surname in a case (petrovich rules, hyphenated parts each by its own rule): Иванов → Иванова, Шевчук (f) →
    Шевчук, Черных → Черных, Римский-Корсаков → Римского-Корсакова."""
    return _make("last", last, gender, case)


def decline_first(first: str, gender: str | None, case: str) -> str:
    """First name in a case: Иван → Ивана, Пётр → Петра, Любовь → Любови, Ли → Ли."""
    return _make("first", first, gender, case)


def decline_middle(middle: str, gender: str | None, case: str) -> str:
    """Patronymic in a case: Иванович → Ивановича, Петровна → Петровны; «Гейдар оглы» keeps its tail."""
    if not middle:
        return middle
    words = middle.split()
    if len(words) > 1 and words[-1].lower() in _PATRONYMIC_TAILS:
        return middle  # Гейдар оглы: the father's name in the nominative plus «оглы» — indeclinable
    return _make("middle", middle, gender, case)


def split_fio(full_name: str) -> tuple[str, str, str]:
    """'Иванов Иван Иванович' → (last, first, middle); compound patronymics ('Мамед оглы') stay together."""
    parts = (full_name or "").split()
    if not parts:
        return "", "", ""
    if len(parts) == 1:
        return parts[0], "", ""
    if len(parts) == 2:
        return parts[0], parts[1], ""
    return parts[0], parts[1], " ".join(parts[2:])


def _looks_like_initials(word: str) -> bool:
    return bool(word) and "." in word


def decline_fio(last: str, first: str, middle: str, case: str, gender: str | None = None) -> str:
    """Full name in the given case: ('Иванов','Иван','Иванович', DAT) → 'Иванову Ивану Ивановичу'. Initials
    («И. И.») stay as they are; the surname is then declined by the stored gender only."""
    first_i, middle_i = _looks_like_initials(first), _looks_like_initials(middle)
    gender = detect_gender(None if first_i else first, None if middle_i else middle, gender, last)
    parts = [decline_last(last, gender, case),
             first if first_i else decline_first(first, gender, case),
             middle if middle_i else decline_middle(middle, gender, case)]
    return " ".join(p for p in parts if p)


_IP_PREFIX = re.compile(r"^(ИП|индивидуальный\s+предприниматель)\s+", re.IGNORECASE)


def decline_full_name(full_name: str, case: str, gender: str | None = None) -> str:
    """Full name string in the given case (last name first, as in Russian documents). A leading «ИП» stays;
    «индивидуальный предприниматель» is declined with the name."""
    full_name = (full_name or "").strip()
    m = _IP_PREFIX.match(full_name)
    if m:
        rest = full_name[m.end():]
        head = m.group(1)
        head = head if head.upper() == "ИП" else decline_phrase(head, case)
        return f"{head} {decline_fio(*split_fio(rest), case=case, gender=gender)}"
    return decline_fio(*split_fio(full_name), case=case, gender=gender)


# --------------------------------------------------------------------------- phrases (pymorphy3)
#
# Organisation names, positions, courts and the signatory's basis: the descriptive words in front (adjectives and
# participles agreeing with their head noun, and the head noun itself) are declined; everything after the head
# noun (genitive tails: «судебного участка № 12 Ленского района», «Республики Саха (Якутия)», «с ограниченной
# ответственностью») and every quoted name («Теплоэнергосервис») is kept as written. A phrase the dictionary
# cannot read (an abbreviation such as «МУП», a number) is left whole: indeclinable is the safe reading.

_MORPH = None
_GRAMMEME = {NOM: "nomn", GEN: "gent", DAT: "datv", ACC: "accs", INS: "ablt", PRE: "loct"}
_QUOTES = "«\"“„'"
_WORD = re.compile(r"^[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*$")
_ADJ_POS = ("ADJF", "PRTF")
_SOURCE_ORDER = ("nomn", "datv", "ablt", "gent", "accs", "loct")


def _morph():
    global _MORPH
    if _MORPH is None:
        import pymorphy3

        _MORPH = pymorphy3.MorphAnalyzer(lang="ru")
    return _MORPH


def _declinable_word(w: str) -> bool:
    return bool(_WORD.match(w)) and not (len(w) > 1 and w.isupper())


def _common_gender(noun) -> bool:
    """A noun of common gender (судья, сирота): its adjectives agree in the masculine or the feminine."""
    return noun.tag.gender is None and "ms-f" in str(noun.tag)


def _agree(adj, noun) -> bool:
    if adj.tag.number != noun.tag.number:
        return False
    if noun.tag.number == "plur":
        return True
    if _common_gender(noun):
        return adj.tag.gender in ("masc", "femn")
    return adj.tag.gender == noun.tag.gender


@dataclass(frozen=True)
class _Head:
    """The declinable front of a phrase: its words' parses (adjectives…, head noun) and the case they are in."""

    parses: tuple
    source: str   # pymorphy case grammeme the phrase is written in
    count: int    # number of words (tokens) the front spans

    @property
    def noun(self):
        return self.parses[-1]


def _read_front(words: list[str], order: tuple[str, ...]) -> _Head | None:
    """The longest run of adjectives ending in a noun that agree in one case, trying the cases in `order`."""
    return _read_front_cached(tuple(words[:5]), order)


@lru_cache(maxsize=4096)
def _read_front_cached(words: tuple[str, ...], order: tuple[str, ...]) -> _Head | None:
    words = list(words)
    morph = _morph()
    # a noun heads the phrase; failing that, a substantivised adjective or participle («Конкурсный управляющий»)
    for head_pos in (("NOUN",), _ADJ_POS):
        found = _read_front_as(words, order, head_pos, morph)
        if found is not None:
            return found
    return None


def _read_front_as(words: list[str], order: tuple[str, ...], head_pos: tuple[str, ...], morph) -> _Head | None:
    for k in range(min(len(words), 5) - 1, -1, -1):
        front = words[:k + 1]
        if not all(_declinable_word(w) for w in front):
            continue
        parses = [morph.parse(w) for w in front]
        for case in order:
            nouns = [p for p in parses[-1] if p.tag.POS in head_pos and p.tag.case == case and "Abbr" not in p.tag]
            for noun in nouns:
                adjs = []
                for opts in parses[:-1]:
                    adj = next((p for p in opts if p.tag.POS in _ADJ_POS and p.tag.case == case and _agree(p, noun)),
                               None)
                    if adj is None:
                        break
                    adjs.append(adj)
                if len(adjs) == k:
                    return _Head(tuple(adjs) + (noun,), case, k + 1)
    return None


def _like(template: str, word: str) -> str:
    """`word` written with the capitals of `template` (МУП, Директор, директор, Северо-Енисейский)."""
    if template.isupper() and len(template) > 1:
        return word.upper()
    t_parts, w_parts = template.split("-"), word.split("-")
    if len(t_parts) > 1 and len(t_parts) == len(w_parts):
        return "-".join(_like(t, w) for t, w in zip(t_parts, w_parts))
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _tokens(text: str) -> tuple[list[str], str]:
    """(words before the first quote, the rest from the quote on, with its leading space kept)."""
    cut = min((i for i in (text.find(q) for q in _QUOTES) if i >= 0), default=len(text))
    head, rest = text[:cut], text[cut:]
    words = head.split()
    if head[:1].isspace() or not words:
        return [], text
    trailing = head[len(head.rstrip()):]
    return words, trailing + rest


def _inflect(head: _Head, case: str) -> list[str] | None:
    target = _GRAMMEME[case]
    noun = head.noun
    new_noun = noun.inflect({target})
    if new_noun is None:
        return None
    out = []
    for adj in head.parses[:-1]:
        want = {target}
        if noun.tag.number == "plur":
            want.add("plur")
        else:
            want.add(adj.tag.gender)
        if target == "accs" and (noun.tag.number == "plur" or noun.tag.gender == "masc" or _common_gender(noun)):
            want.add("anim" if "anim" in noun.tag else "inan")
        new = adj.inflect(want)
        if new is None:
            return None
        out.append(new.word)
    out.append(new_noun.word)
    return out


@lru_cache(maxsize=4096)
def _decline_phrase(text: str, case: str, order: tuple[str, ...]) -> str:
    words, rest = _tokens(text)
    if not words:
        return text
    head = _read_front(words, order)
    if head is None:
        return text
    declined = _inflect(head, case)
    if declined is None:
        return text
    front = [_like(w, d) for w, d in zip(words, declined)]
    tail = words[head.count:]
    return " ".join(front + tail) + rest


def decline_phrase(text: str, case: str, prefer: str | None = None) -> str:
    """A phrase (organisation name, position, court, document) in a case: its adjectives and head noun declined,
    its genitive tail and quoted name kept. «Муниципальное унитарное предприятие «Теплоэнергосервис»», GEN →
    «Муниципального унитарного предприятия «Теплоэнергосервис»». A phrase already written in another case is read
    in it (`prefer` names the case to try first, e.g. GEN for «Устава»); an unreadable one is returned as is."""
    text = (text or "").strip()
    if not text:
        return text
    order = _SOURCE_ORDER
    if prefer:
        order = (_GRAMMEME[prefer],) + tuple(c for c in _SOURCE_ORDER if c != _GRAMMEME[prefer])
    return _decline_phrase(" ".join(text.split()), case, order)


def phrase_gender(text: str) -> str | None:
    """Grammatical gender of a phrase's head noun: 'm', 'f', 'n' or 'pl' (именуемый / -ая / -ое / -ые); None for
    an abbreviation the dictionary cannot read (МУП)."""
    words, _rest = _tokens(" ".join((text or "").split()))
    head = _read_front(words, _SOURCE_ORDER) if words else None
    if head is None:
        return None
    if head.noun.tag.number == "plur":
        return "pl"
    if _common_gender(head.noun):
        return "m"
    return {"masc": "m", "femn": "f", "neut": "n"}.get(head.noun.tag.gender)


_ABBR_GENDER = {"ооо": "n", "оао": "n", "зао": "n", "пао": "n", "ао": "n", "нао": "n", "муп": "n", "гуп": "n",
                "мкп": "n", "мп": "n", "фгуп": "n", "тсж": "n", "жск": "m", "ук": "f", "мку": "n", "мбу": "n",
                "мау": "n", "гбу": "n", "гку": "n", "нко": "f", "ип": "m"}


def org_gender(name: str) -> str:
    """The gender an organisation's name asks of a participle («именуемое», «именуемая»): from its head noun, or
    from a known abbreviation (ООО, МУП, ТСЖ — neuter, УК — feminine); neuter when nothing tells."""
    g = phrase_gender(name)
    if g:
        return g
    first = (name or "").split()[:1]
    return _ABBR_GENDER.get(first[0].lower(), "n") if first else "n"


def lower_first(text: str) -> str:
    """«Директор» → «директор» for the middle of a sentence; abbreviations («МУП», «ИО») keep their capitals."""
    if not text or (len(text) > 1 and text[1].isupper()):
        return text
    return text[:1].lower() + text[1:]


def position_in(position: str, case: str) -> str:
    """A position in a case for the middle of a sentence: «Директор», GEN → «директора»; «Генеральный директор» →
    «генерального директора»; «И.о. директора» → «и.о. директора»."""
    return lower_first(decline_phrase(position, case))


_BASIS_LEAD = re.compile(r"^\s*(?:действующ(?:его|ей|ий|ая|ие|их)\s+)?(?:на\s+основании\s+)?", re.IGNORECASE)


def basis_gen(basis: str) -> str:
    """The signatory's authority in the genitive, for «действующего на основании …»: «Устав» / «Устава» /
    «действующего на основании Устава» → «Устава»; «Доверенность № 5 от 01.02.2026» → «доверенности № 5 от
    01.02.2026»; empty → «Устава» is NOT assumed (empty)."""
    rest = _BASIS_LEAD.sub("", basis or "", count=1).strip()
    if not rest:
        return ""
    out = decline_phrase(rest, GEN, prefer=GEN)
    words = out.split()
    if words and words[0].lower() != "устава" and words[0].lower().startswith(("доверенност", "приказ", "решени",
                                                                                "распоряжени")):
        out = lower_first(out)
    return out


def acting_word(gender: str | None) -> str:
    """«действующего» / «действующей» for the signatory's gender (male when it cannot be told)."""
    return "действующей" if gender == "f" else "действующего"


# --------------------------------------------------------------------------- courts

@dataclass(frozen=True)
class CourtForms:
    """A court named as a document needs it: `nom` (мировой судья судебного участка № 22 …), `heading` (the
    addressee line: «Мировому судье судебного участка № 22 …» / «В Ленский районный суд …»), `ins` («выданный
    мировым судьёй судебного участка № 22 …» / «Ленским районным судом …») and `gen`."""

    nom: str
    heading: str
    ins: str
    gen: str


_TO_PREFIX = re.compile(r"^\s*в\s+(?=[А-ЯЁA-Z])", re.IGNORECASE)


def court_forms(name: str) -> CourtForms:
    """Read a court's name however it was typed — «Ленский районный суд Республики Саха (Якутия)», «В Ленский
    районный суд …», «Судебный участок № 22 Ленского района», «Мировому судье судебного участка № 22 …»,
    «мировым судьёй судебного участка № 166» — and give every form a document needs."""
    text = " ".join((name or "").split())
    if not text:
        return CourtForms("", "", "", "")
    text = _TO_PREFIX.sub("", text, count=1)
    words, _rest = _tokens(text)
    head = _read_front(words, _SOURCE_ORDER) if words else None
    if head is not None and head.noun.normal_form == "участок":
        # «Судебный участок № 22 …»: the application goes to the magistrate of that sector
        text = "мировой судья " + lower_first(decline_phrase(text, GEN))
    elif head is not None and head.source != "nomn":
        text = decline_phrase(text, NOM)
    magistrate = head is not None and head.noun.normal_form in ("судья", "участок")
    nom = lower_first(text) if magistrate else text
    dat = decline_phrase(nom, DAT)
    if magistrate:
        heading = dat[:1].upper() + dat[1:]
    else:
        heading = f"В {nom}"  # a court (inanimate): «В Ленский районный суд …» (accusative = nominative)
    return CourtForms(nom, heading, decline_phrase(nom, INS), decline_phrase(nom, GEN))


# --------------------------------------------------------------------------- numbers of court papers

NBSP = "\u00a0"
_NUMBER_SIGN = re.compile(r"^\s*(?:№|N[o°]?\.?|#)\s*", re.IGNORECASE)
_WRIT_SERIES = re.compile(r"^([А-ЯЁ]{2,3})\s*(?:№|N)?\s*(\d[\d\s]*)$")


def paper_number(value: str | None, blank: str = "________") -> str:
    """A court paper's number as written after its name, with exactly one «№»: «ФС № 012345678» for a writ with a
    series (whether typed «ФС012345678», «№ ФС № 012345678» or «ФС № 012345678»), «№ 2-1234/2026» otherwise
    (typed with or without «№»); «№ ________» when there is none. The sign and the number are joined by no-break
    spaces, so a line never ends in «№»."""
    v = " ".join((value or "").split())
    while True:
        stripped = _NUMBER_SIGN.sub("", v, count=1)
        if stripped == v:
            break
        v = stripped
    if not v:
        return f"№{NBSP}{blank}"
    m = _WRIT_SERIES.match(v)
    if m:
        return f"{m.group(1)}{NBSP}№{NBSP}{m.group(2).replace(' ', '')}"
    return f"№{NBSP}{v}"


# --------------------------------------------------------------------------- penalty rows as printed

def apportion_kopecks(exact: list, total_kop: int) -> list[int]:
    """Rows printed in kopecks that add up to `total_kop` exactly: each row is its exact value (a Fraction of
    kopecks) rounded down, and the kopecks left to reach the total go to the rows with the largest remainders
    (each printed row stays within one kopeck of its exact value). The total is the legal engine's and governs."""
    import math
    from fractions import Fraction

    fr = [Fraction(x) for x in exact]
    base = [math.floor(x) for x in fr]
    rest = total_kop - sum(base)
    if not 0 <= rest <= len(fr):
        raise ValueError(f"the rows cannot add up to {total_kop} kopecks")
    order = sorted(range(len(fr)), key=lambda i: (fr[i] - base[i], -i), reverse=True)
    for i in order[:rest]:
        base[i] += 1
    return base


def initials(full_name: str) -> str:
    """'Иванов Иван Иванович' → 'Иванов И. И.' (signature blocks)."""
    last, first, middle = split_fio(full_name)
    out = last
    if first:
        out += f" {first[0]}."
    if middle and " " not in middle:
        out += f" {middle[0]}."
    return out


def share_text(num: int | None, den: int | None) -> str:
    """Share of ownership as written in a claim: '1/2 доли' or 'единоличная собственность'."""
    if not num or not den or num == den:
        return "единоличная собственность"
    return f"{num}/{den} доли"


def split_by_shares(total_kop: int, shares: list[tuple[int, int]]) -> list[int]:
    """Split an amount in kopecks by ownership shares (ЖК ст.158, ГК ст.249) so the parts add up exactly (largest remainder)."""
    if not shares:
        return []
    from fractions import Fraction

    fr = [Fraction(n, d) for n, d in shares]
    s = sum(fr)
    exact = [total_kop * f / s for f in fr]
    base = [int(e) for e in exact]
    rest = total_kop - sum(base)
    order = sorted(range(len(exact)), key=lambda i: exact[i] - base[i], reverse=True)
    for i in order[:rest]:
        base[i] += 1
    return base
