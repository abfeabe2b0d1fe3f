"""Russian formatting for letters: dates, money in figures and words, names in grammatical cases.

Pure functions (no Flask, no database). Name declension follows the well-known petrovich rules for the
common endings of Russian surnames, first names and patronymics; unknown or foreign endings are left as
they are (indeclinable), which is the safe choice for a legal letter.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

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


def days_word(n: int) -> str:
    return f"{n} {plural(n, 'день', 'дня', 'дней')}"


# --------------------------------------------------------------------------- names

_VOWELS = set("аеёиоуыэюя")
_HUSHING_VELAR = set("гкхжшчщ")  # after these: -и, not -ы
_INDECLINABLE_ENDINGS = ("о", "е", "э", "и", "ы", "у", "ю", "их", "ых")
# stressed final -а of French origin and other known exceptions (petrovich exception list)
_INDECLINABLE_SURNAMES = {"дюма", "тома", "дега", "люка", "ферма", "гамарра", "петипа", "шандра", "скаля", "каруана"}


def detect_gender(first: str | None, middle: str | None, gender: str | None = None) -> str | None:
    """'m'/'f' from the patronymic (-ич / -на, -оглы / -кызы), else the stored gender, else from the first name."""
    if gender in ("m", "f"):
        pass
    mid = (middle or "").strip().lower()
    if mid.endswith(("ич", "оглы", "улы")):
        return "m"
    if mid.endswith(("на", "кызы", "гызы")):
        return "f"
    if gender in ("m", "f"):
        return gender
    fn = (first or "").strip().lower()
    if fn.endswith(("а", "я")) and fn not in _MALE_A_NAMES:
        return "f"
    if fn:
        return "m"
    return None


_MALE_A_NAMES = {"никита", "илья", "кузьма", "фома", "лука", "савва", "данила", "гаврила", "михайла", "фока",
                 "вова", "саша", "миша", "женя", "коля", "дима", "паша", "ваня", "алёша", "алеша"}

# first names with a fleeting vowel or other irregular stems (nominative → stem for endings)
_FIRST_IRREGULAR = {"пётр": "петр", "петр": "петр", "павел": "павл", "лев": "льв", "любовь": "любов"}


def _match_case(template: str, word: str) -> str:
    if template.isupper() and len(template) > 1:
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _noun_a(w: str, case: str) -> str:
    """Nouns in -а/-я (first declension): Анна → Анны/Анне, Ольга → Ольги, Мария → Марии/Марии."""
    if w.endswith("ия"):
        return w[:-1] + "и"
    stem, last = w[:-1], w[-1]
    if case == GEN:
        if last == "я" or stem[-1:] in _HUSHING_VELAR:
            return stem + "и"
        return stem + "ы"
    return stem + "е"


def decline_last(last: str, gender: str | None, case: str) -> str:
    """Surname in the genitive or dative case (петрович rules: -ов/-ев/-ин, -ский, -ая/-ова/-ина, -а, consonants, indeclinable -о/-их/-ых)."""
    if not last:
        return last
    if "-" in last:
        return "-".join(decline_last(p, gender, case) for p in last.split("-"))
    w = last.lower()
    if w.endswith(_INDECLINABLE_ENDINGS) or w in _INDECLINABLE_SURNAMES:
        return last
    female = gender == "f"
    g, d = case == GEN, case == DAT
    out: str | None = None
    if female:
        if w.endswith(("ова", "ева", "ёва", "ина", "ына")):
            out = w[:-1] + "ой"
        elif w.endswith("ая"):
            out = w[:-2] + "ой"
        elif w.endswith("яя"):
            out = w[:-2] + "ей"
        elif w.endswith(("а", "я")):
            if len(w) > 1 and w[-2] in _VOWELS and w[-1] == "а":
                return last  # Гарсиа, Моруа: indeclinable
            out = _noun_a(w, case)
        else:
            return last  # female surnames ending in a consonant or -ь do not change (Шевчук, Гоголь)
    else:
        if w.endswith(("ов", "ев", "ёв", "ин", "ын")):
            out = w + ("а" if g else "у")
        elif w.endswith(("ский", "цкий")) or (w.endswith("ий") and len(w) > 3 and w[-3] in _HUSHING_VELAR):
            out = w[:-2] + ("ого" if g else "ому")
        elif w.endswith(("ый", "ой")) and len(w) > 3:
            out = w[:-2] + ("ого" if g else "ому")
        elif w.endswith("ий") and len(w) > 4:
            out = w[:-2] + ("его" if g else "ему")  # Крайний → Крайнего
        elif w.endswith("й"):
            out = w[:-1] + ("я" if g else "ю")  # Гайдай → Гайдая
        elif w.endswith("ь"):
            out = w[:-1] + ("я" if g else "ю")  # Гоголь → Гоголя
        elif w.endswith(("а", "я")):
            if len(w) > 1 and w[-2] in _VOWELS and w[-1] == "а":
                return last
            out = _noun_a(w, case)
        elif w[-1] not in _VOWELS:
            out = w + ("а" if g else "у")  # Шевчук → Шевчука
        else:
            return last
    assert g or d
    return _match_case(last, out)


def decline_first(first: str, gender: str | None, case: str) -> str:
    """First name in the genitive or dative case: Иван → Ивана/Ивану, Сергей → Сергея, Анна → Анны/Анне, Любовь → Любови."""
    if not first:
        return first
    if "-" in first:
        return "-".join(decline_first(p, gender, case) for p in first.split("-"))
    w = first.lower()
    g = case == GEN
    female = gender == "f"
    if w in _FIRST_IRREGULAR:
        stem = _FIRST_IRREGULAR[w]
        out = stem + ("и" if female else ("а" if g else "у"))
        return _match_case(first, out)
    if w.endswith(("а", "я")):
        if w.endswith("ья") and not female:
            out = w[:-1] + ("и" if g else "е")
        else:
            out = _noun_a(w, case)
    elif female:
        if w.endswith("ь"):
            out = w[:-1] + "и"  # Нинель → Нинели
        else:
            return first  # female names in a consonant do not change (Элизабет)
    elif w.endswith("ий"):
        out = w[:-1] + ("я" if g else "ю")  # Юрий → Юрия/Юрию
    elif w.endswith(("й", "ь")):
        out = w[:-1] + ("я" if g else "ю")  # Сергей, Игорь
    elif w[-1] not in _VOWELS:
        out = w + ("а" if g else "у")
    else:
        return first
    return _match_case(first, out)


def decline_middle(middle: str, gender: str | None, case: str) -> str:
    """Patronymic: Иванович → Ивановича/Ивановичу, Ивановна → Ивановны/Ивановне; -оглы/-кызы unchanged."""
    if not middle:
        return middle
    w = middle.lower()
    if " " in w or w.endswith(("оглы", "кызы", "улы", "гызы")):
        return middle
    g = case == GEN
    if w.endswith("ич"):
        out = w + ("а" if g else "у")
    elif w.endswith("на"):
        out = w[:-1] + ("ы" if g else "е")
    else:
        return middle
    return _match_case(middle, out)


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


def decline_fio(last: str, first: str, middle: str, case: str, gender: str | None = None) -> str:
    """Full name in the given case: ('Иванов','Иван','Иванович', DAT) → 'Иванову Ивану Ивановичу'."""
    gender = detect_gender(first, middle, gender)
    parts = [decline_last(last, gender, case), decline_first(first, gender, case), decline_middle(middle, gender, case)]
    return " ".join(p for p in parts if p)


def decline_full_name(full_name: str, case: str, gender: str | None = None) -> str:
    """Full name string in the given case (last name first, as in Russian documents)."""
    return decline_fio(*split_fio(full_name), case=case, gender=gender)


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
