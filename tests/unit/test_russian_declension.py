"""Russian a court reads: people's names (pytrovich), organisations, positions, courts and bases (pymorphy3), writ
numbers with one «№», and penalty rows that add up to the engine's total."""
from __future__ import annotations

from fractions import Fraction

import pytest

from casework.documents import russian as ru


@pytest.mark.parametrize("full,gender,gen,dat,ins", [
    ("Иванов Иван Иванович", None, "Иванова Ивана Ивановича", "Иванову Ивану Ивановичу", "Ивановым Иваном Ивановичем"),
    ("Саввинова Мария Петровна", None, "Саввиновой Марии Петровны", "Саввиновой Марии Петровне",
     "Саввиновой Марией Петровной"),
    ("Ковалёв Андрей Николаевич", None, "Ковалёва Андрея Николаевича", "Ковалёву Андрею Николаевичу",
     "Ковалёвым Андреем Николаевичем"),
    # no patronymic: the stored gender decides; a woman's surname in a consonant does not change
    ("Ким Ли", "m", "Кима Ли", "Киму Ли", "Кимом Ли"),
    ("Ким Ли", "f", "Ким Ли", "Ким Ли", "Ким Ли"),
    ("Шевчук Анна", None, "Шевчук Анны", "Шевчук Анне", "Шевчук Анной"),
    ("Шевчук Юрий Юлианович", None, "Шевчука Юрия Юлиановича", "Шевчуку Юрию Юлиановичу",
     "Шевчуком Юрием Юлиановичем"),
    # hyphenated surnames: each part by its own rule
    ("Римский-Корсаков Николай Андреевич", None, "Римского-Корсакова Николая Андреевича",
     "Римскому-Корсакову Николаю Андреевичу", "Римским-Корсаковым Николаем Андреевичем"),
    ("Петрова-Водкина Анна Сергеевна", None, "Петровой-Водкиной Анны Сергеевны", "Петровой-Водкиной Анне Сергеевне",
     "Петровой-Водкиной Анной Сергеевной"),
    ("Иванова-Ким Ольга Сергеевна", None, "Ивановой-Ким Ольги Сергеевны", "Ивановой-Ким Ольге Сергеевне",
     "Ивановой-Ким Ольгой Сергеевной"),
    ("Черных Игорь Ильич", None, "Черных Игоря Ильича", "Черных Игорю Ильичу", "Черных Игорем Ильичом"),
    ("Алиев Ильхам Гейдар оглы", None, "Алиева Ильхама Гейдар оглы", "Алиеву Ильхаму Гейдар оглы",
     "Алиевым Ильхамом Гейдар оглы"),
    ("Пушкина Любовь Сергеевна", None, "Пушкиной Любови Сергеевны", "Пушкиной Любови Сергеевне",
     "Пушкиной Любовью Сергеевной"),
])
def test_peoples_names_in_every_case_a_document_uses(full, gender, gen, dat, ins):
    assert ru.decline_full_name(full, ru.GEN, gender) == gen
    assert ru.decline_full_name(full, ru.DAT, gender) == dat
    assert ru.decline_full_name(full, ru.INS, gender) == ins
    assert ru.decline_full_name(full, ru.NOM, gender) == full


def test_a_name_whose_gender_cannot_be_told_is_not_guessed():
    # «Ким Ли» without a stored gender: «Кима» would be wrong for a woman, «Ким» is never wrong
    assert ru.detect_gender("Ли", None, None, "Ким") is None
    assert ru.decline_full_name("Ким Ли", ru.GEN) == "Ким Ли"
    assert ru.decline_full_name("ИП Сидоров Иван Петрович", ru.GEN) == "ИП Сидорова Ивана Петровича"
    assert ru.decline_full_name("Сидоров И. П.", ru.GEN, "m") == "Сидорова И. П."


@pytest.mark.parametrize("name,gen,dat,ins", [
    ("Муниципальное унитарное предприятие «Теплоэнергосервис»",
     "Муниципального унитарного предприятия «Теплоэнергосервис»",
     "Муниципальному унитарному предприятию «Теплоэнергосервис»",
     "Муниципальным унитарным предприятием «Теплоэнергосервис»"),
    ("Общество с ограниченной ответственностью «Ленская управляющая компания»",
     "Общества с ограниченной ответственностью «Ленская управляющая компания»",
     "Обществу с ограниченной ответственностью «Ленская управляющая компания»",
     "Обществом с ограниченной ответственностью «Ленская управляющая компания»"),
    ("Товарищество собственников жилья \"Наш дом\"", "Товарищества собственников жилья \"Наш дом\"",
     "Товариществу собственников жилья \"Наш дом\"", "Товариществом собственников жилья \"Наш дом\""),
    ("Управляющая компания «Уют»", "Управляющей компании «Уют»", "Управляющей компании «Уют»",
     "Управляющей компанией «Уют»"),
    ("Государственное бюджетное учреждение Республики Саха (Якутия) «Ленская центральная районная больница»",
     "Государственного бюджетного учреждения Республики Саха (Якутия) «Ленская центральная районная больница»",
     "Государственному бюджетному учреждению Республики Саха (Якутия) «Ленская центральная районная больница»",
     "Государственным бюджетным учреждением Республики Саха (Якутия) «Ленская центральная районная больница»"),
    # an abbreviation is indeclinable: the whole name stays
    ("МУП «Теплоэнергосервис»", "МУП «Теплоэнергосервис»", "МУП «Теплоэнергосервис»", "МУП «Теплоэнергосервис»"),
])
def test_organisation_names_decline_their_words_never_the_quoted_name(name, gen, dat, ins):
    assert ru.decline_phrase(name, ru.GEN) == gen
    assert ru.decline_phrase(name, ru.DAT) == dat
    assert ru.decline_phrase(name, ru.INS) == ins


def test_the_participle_agrees_with_the_organisation():
    assert ru.org_gender("Муниципальное унитарное предприятие «Теплоэнергосервис»") == "n"
    assert ru.org_gender("Управляющая компания «Уют»") == "f"
    assert ru.org_gender("МУП «Теплоэнергосервис»") == "n"
    assert ru.org_gender("УК «Уют»") == "f"


@pytest.mark.parametrize("position,gen", [
    ("Директор", "директора"), ("Генеральный директор", "генерального директора"),
    ("Исполняющий обязанности директора", "исполняющего обязанности директора"),
    ("И.о. директора", "и.о. директора"), ("Конкурсный управляющий", "конкурсного управляющего"),
    ("Начальник абонентского отдела", "начальника абонентского отдела"),
])
def test_positions_after_v_litse(position, gen):
    assert ru.position_in(position, ru.GEN) == gen


@pytest.mark.parametrize("basis,gen", [
    ("Устав", "Устава"), ("Устава", "Устава"), ("действующего на основании Устава", "Устава"),
    ("Доверенность № 12 от 10.01.2026", "доверенности № 12 от 10.01.2026"),
    ("на основании доверенности № 12 от 10.01.2026", "доверенности № 12 от 10.01.2026"),
    ("Положения о филиале", "Положения о филиале"), ("", ""),
])
def test_the_basis_of_authority_in_the_genitive(basis, gen):
    assert ru.basis_gen(basis) == gen


def test_acting_agrees_with_the_signatory():
    assert ru.acting_word(ru.detect_gender("Мария", "Петровна")) == "действующей"
    assert ru.acting_word(ru.detect_gender("Андрей", "Николаевич")) == "действующего"


LENSK_RS = "Ленский районный суд Республики Саха (Якутия)"


@pytest.mark.parametrize("typed", [LENSK_RS, "В Ленский районный суд Республики Саха (Якутия)",
                                   "Ленским районным судом Республики Саха (Якутия)"])
def test_the_lensk_district_court_however_typed(typed):
    f = ru.court_forms(typed)
    assert f.nom == LENSK_RS
    assert f.heading == "В Ленский районный суд Республики Саха (Якутия)"
    assert f.ins == "Ленским районным судом Республики Саха (Якутия)"
    assert f.gen == "Ленского районного суда Республики Саха (Якутия)"


@pytest.mark.parametrize("typed", ["Судебный участок № 22 Ленского района Республики Саха (Якутия)",
                                   "Мировой судья судебного участка № 22 Ленского района Республики Саха (Якутия)",
                                   "Мировому судье судебного участка № 22 Ленского района Республики Саха (Якутия)",
                                   "мировым судьёй судебного участка № 22 Ленского района Республики Саха (Якутия)"])
def test_the_lensk_magistrate_keeps_the_genitive_tail(typed):
    f = ru.court_forms(typed)
    tail = "судебного участка № 22 Ленского района Республики Саха (Якутия)"
    assert f.nom == f"мировой судья {tail}"
    assert f.heading == f"Мировому судье {tail}"
    assert f.ins == f"мировым судьёй {tail}"


def test_the_arbitrazh_court():
    f = ru.court_forms("Арбитражный суд Республики Саха (Якутия)")
    assert f.heading == "В Арбитражный суд Республики Саха (Якутия)"
    assert f.ins == "Арбитражным судом Республики Саха (Якутия)"
    assert ru.court_forms("Северо-Енисейский районный суд Красноярского края").ins == \
        "Северо-Енисейским районным судом Красноярского края"


@pytest.mark.parametrize("typed,printed", [
    ("ФС № 012345678", "ФС № 012345678"), ("№ ФС № 012345678", "ФС № 012345678"), ("ФС012345678", "ФС № 012345678"),
    ("ВС 123456", "ВС № 123456"), ("2-1234/2026", "№ 2-1234/2026"), ("№ 2-1234/2026", "№ 2-1234/2026"),
    ("№2-1234/2026", "№ 2-1234/2026"), ("№ № 2-1234/2026", "№ 2-1234/2026"), ("А58-1234/2026", "№ А58-1234/2026"),
    ("", "№ ________"), (None, "№ ________"),
])
def test_a_writ_number_carries_one_number_sign(typed, printed):
    out = ru.paper_number(typed)
    assert out.replace(ru.NBSP, " ") == printed
    assert " " not in out  # the series, the sign and the number never part at a line's end


def test_printed_penalty_rows_add_up_to_the_engines_total():
    # three rows of 0.5 kop each: rounded one by one they print 3 kop, the exact sum 1.5 rounds to 2
    exact = [Fraction(1, 2)] * 3
    rows = ru.apportion_kopecks(exact, 2)
    assert sum(rows) == 2 and rows == [1, 1, 0]
    exact = [Fraction(12345, 100), Fraction(6789, 1000), Fraction(1, 3)]  # 123.45 + 6.789 + 0.333… = 130.57…
    rows = ru.apportion_kopecks(exact, 131)
    assert rows == [124, 7, 0] and all(abs(r - x) < 1 for r, x in zip(rows, exact))
    with pytest.raises(ValueError):  # a total the rows cannot reach is a programming error, never papered over
        ru.apportion_kopecks(exact, 120)
