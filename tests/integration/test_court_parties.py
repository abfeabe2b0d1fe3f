"""The defendants of the court letters from the account's persons by role and period (domain.parties), rendered
to .docx and read back: co-owners by share for the days they owned, a social tenant with his adult family jointly,
a minor co-owner's share from the parent — never the minor; the calculation shows the split; kopecks add up."""
from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document as Docx

from casework.accounts.models import Building, Party
from casework.documents import russian as ru
from casework.documents.context import load_common
from casework.documents.services import LetterRefused, document_file, issue_document, prepare
from casework.extensions import db
from tests.factories import flat_with_persons

TODAY = date(2026, 11, 22)
COURT = {"court_name": "Мировому судье судебного участка № 166", "court_address": "ул. Суворова, д. 2"}


def issue(code, acc, **params):
    prep = prepare(code, account_id=acc.id, common=load_common(dict(COURT, **params), TODAY))
    # the flats here have no court history: the filing a court letter creates (issue 14.6, test_case_flow.py) would
    # be refused by the case's guards, so these letters are issued without that link
    doc = issue_document(prep, link=False)
    db.session.commit()
    d = Docx(io.BytesIO(document_file(doc).read_bytes()))
    paras = [p.text for p in d.paragraphs]
    return prep.source, paras, "\n".join(paras), d


def test_co_owners_by_share_for_the_days_they_owned(app):
    acc, ids = flat_with_persons("7001", [
        ("Иванова Мария Петровна", "f", date(1970, 3, 8), "owner", (1, 2), None, None),
        ("Сидоров Павел Андреевич", "m", date(1975, 5, 5), "owner", (1, 2), None, date(2026, 3, 15)),
        ("Кузнецов Олег Викторович", "m", date(1980, 1, 1), "owner", (1, 2), date(2026, 3, 16), None)])
    src, paras, text, _d = issue("court_order_application", acc)
    lines = src.court_parties.lines
    assert [ln.debtors for ln in lines] == [(ids["Иванова Мария Петровна"],), (ids["Сидоров Павел Андреевич"],),
                                            (ids["Кузнецов Олег Викторович"],)]
    assert sum(ln.debt_kop for ln in lines) == src.debt_kop and sum(ln.penalty_kop for ln in lines) == src.penalty_kop
    assert src.court_parties.unassigned_debt_kop == 0
    seller, buyer = lines[1], lines[2]
    # the seller: January, February and 15 of 31 March days of a half; the buyer the rest of the half
    assert abs(seller.debt_kop - (300_001 / 2 * 2 + 300_001 / 2 * 15 / 31)) < 1
    assert "Должник: Сидоров Павел Андреевич" in paras and "Должник: Кузнецов Олег Викторович" in paras
    assert ("с Сидорова Павла Андреевича (1/2 доли в праве собственности): задолженности за период с 01.01.2026 по "
            f"15.03.2026 — {ru.money(seller.debt_kop)}, пеней — {ru.money(seller.penalty_kop)}") in text
    assert ("с Кузнецова Олега Викторовича (1/2 доли в праве собственности): задолженности за период с 16.03.2026 по "
            f"31.10.2026 — {ru.money(buyer.debt_kop)}") in text
    assert "соразмерно его доле за период, когда он был собственником" in text and "единоличн" not in text
    assert "свидетельства о рождении" not in text and "Несовершеннолетний" not in text
    # the duties of the lines add up to the duty
    from casework.documents.fields import _claim_lines

    assert sum(ru_kop(x["duty"]) for x in _claim_lines(src)) == src.duty_gross_kop


def ru_kop(money_text: str) -> int:
    rub, kop = money_text.replace("\u00a0", " ").split(" руб. ")
    return int(rub.replace(" ", "")) * 100 + int(kop.split()[0])


def test_a_half_owned_only_from_a_date_is_refused_until_those_months_are_left_out(app):
    acc, ids = flat_with_persons("7002", [
        ("Иванова Мария Петровна", "f", date(1970, 3, 8), "owner", (1, 2), None, None),
        ("Кузнецов Олег Викторович", "m", date(1980, 1, 1), "owner", (1, 2), date(2026, 4, 1), None)])
    with pytest.raises(LetterRefused) as exc:
        issue("court_order_application", acc)
    assert exc.value.code == "unassigned_share"
    src, paras, text, _d = issue("court_order_application", acc,
                                 claim_periods=[f"2026-{m:02d}" for m in range(4, 11)])
    assert [ln.debt_kop for ln in src.court_parties.lines] == [300_001 * 7 // 2 + 1, 300_001 * 7 // 2]
    assert "задолженности за период с 01.04.2026 по 31.10.2026 — " in text


def test_social_tenant_and_adult_family_member_jointly_the_child_left_out(app):
    acc, ids = flat_with_persons("7003", [
        ("Сидоров Пётр Иванович", "m", date(1970, 1, 1), "tenant", None, None, None),
        ("Сидорова Анна Петровна", "f", date(1972, 6, 1), "registered", None, None, None),
        ("Сидоров Кирилл Петрович", "m", date(2015, 2, 2), "registered", None, None, None)], tenure="social_tenancy")
    src, paras, text, _d = issue("claim_after_cancel", acc, order_cancelled_on=date(2026, 8, 1))
    assert "Ответчик: Сидоров Пётр Иванович" in paras and "Ответчик: Сидорова Анна Петровна" in paras
    assert "Кирилл" not in text and "единоличн" not in text
    assert "наниматель по договору социального найма" in paras and "член семьи нанимателя" in paras
    line = src.court_parties.lines[0]
    assert len(src.court_parties.lines) == 1 and line.jointly
    assert "взыскать солидарно с Сидорова Петра Ивановича и Сидоровой Анны Петровны в пользу" in text
    assert f"— {ru.money(src.debt_kop)}, пени {ru.money(src.penalty_kop)}" in text
    assert "ч.2 ст.69 ЖК РФ" in text


def test_minor_co_owner_claimed_from_the_parent_never_in_person(app):
    acc, ids = flat_with_persons("7004", [
        ("Петрова Анна Ивановна", "f", date(1985, 4, 1), "owner", (1, 2), None, None),
        ("Петров Иван Сергеевич", "m", date(2014, 3, 10), "owner", (1, 2), None, None)])
    with pytest.raises(LetterRefused) as exc:
        issue("court_order_application", acc)
    assert exc.value.code == "minor_without_representative" and "Петров Иван Сергеевич" in str(exc.value)
    mother, child = ids["Петрова Анна Ивановна"], ids["Петров Иван Сергеевич"]
    src, paras, text, _d = issue("court_order_application", acc, parties_reps={child: [mother]})
    assert "Должник: Петрова Анна Ивановна" in paras and "Должник: Петров Иван Сергеевич" not in paras
    assert ("Несовершеннолетний собственник: Петров Иван Сергеевич, дата рождения: 10.03.2014, — в лице законного "
            "представителя Петровой Анны Ивановны") in paras
    own, minor = src.court_parties.lines
    assert own.debt_kop + minor.debt_kop == src.debt_kop
    assert ("с Петровой Анны Ивановны, действующей как законный представитель несовершеннолетнего собственника "
            "Петрова Ивана Сергеевича, 10.03.2014 года рождения, — за 1/2 доли несовершеннолетнего: задолженности за "
            f"период с 01.01.2026 по 31.10.2026 — {ru.money(minor.debt_kop)}") in text
    assert "п.28 постановления Пленума Верховного Суда РФ от 27.06.2017 № 22" in text
    assert any(p.startswith("7. копия свидетельства о рождении несовершеннолетнего собственника") for p in paras)
    # the calculation shows the split per line
    src7, paras7, text7, d7 = issue("debt_calculation", acc, parties_reps={child: [mother]})
    split = [[c.text for c in r.cells] for r in d7.tables[1].rows]
    assert split[0][:3] == ["Ответчик (должник)", "Основание", "Период"]
    assert split[1][0] == "Петрова Анна Ивановна" and split[1][3] == ru.number_rub(own.debt_kop)
    assert split[2][1].startswith("законный представитель несовершеннолетнего собственника Петрова Ивана Сергеевича")
    assert ru.number_rub(minor.penalty_kop) == split[2][4]
    assert split[-1] == ["Итого", "", "", ru.money(src7.debt_kop), ru.money(src7.penalty_kop),
                         ru.money(src7.debt_kop + src7.penalty_kop)]
    assert "Должник: Петрова Анна Ивановна." in text7


def test_a_mother_whose_gender_the_persons_file_did_not_give_is_acting_in_the_feminine(app):
    """Persons files rarely carry the gender: the representative's «действующей» is told from the patronymic, as
    the declension of her name is (a clerk returns «Орловой Елены Сергеевны, действующего как …»)."""
    acc, ids = flat_with_persons("7005", [
        ("Орлова Елена Сергеевна", None, date(1984, 7, 20), "owner", (1, 2), None, None),
        ("Орлов Кирилл Андреевич", None, date(2014, 9, 5), "owner", (1, 2), None, None)])
    mother, child = ids["Орлова Елена Сергеевна"], ids["Орлов Кирилл Андреевич"]
    _src, _paras, text, _d = issue("court_order_application", acc, parties_reps={child: [mother]})
    assert "с Орловой Елены Сергеевны, действующей как законный представитель несовершеннолетнего" in text
    assert "действующего как законный представитель" not in text


def test_the_writ_on_a_minors_share_names_the_parent_acting_for_the_child(app):
    """The court gives the mother a writ on her child's share: the bailiff application and the employer letter name
    her «действующая как законный представитель несовершеннолетнего …» as the writ does (ГК ст.28; Пленум № 22
    п.28); her own writ says nothing of the child; a child not on the account is refused with the names that are."""
    from casework.documents.services import DocumentError

    acc, _ids = flat_with_persons("7009", [
        ("Орлова Елена Сергеевна", None, date(1984, 7, 20), "owner", (1, 2), None, None),
        ("Орлов Кирилл Андреевич", None, date(2014, 9, 5), "owner", (1, 2), None, None)])
    writ = dict(bailiff_unit="Ленское РОСП", writ_number="ВС № 045612380", writ_date=date(2026, 10, 17),
                writ_court="Мировой судья судебного участка № 1 Ленского района")
    _src, paras, text, _d = issue("enforcement_application", acc, writ_debtor="Орлова Елена Сергеевна",
                                  writ_minor="орлов  кирилл андреевич", **writ)
    at = paras.index("Должник: Орлова Елена Сергеевна")
    assert paras[at + 1:at + 4] == ["дата рождения: 20.07.1984", paras[at + 2], (
        "действующая как законный представитель несовершеннолетнего собственника Орлова Кирилла Андреевича, "
        "05.09.2014 года рождения")] and paras[at + 2].startswith("адрес: ")
    assert ("о взыскании с Орловой Елены Сергеевны, действующей как законный представитель несовершеннолетнего "
            "собственника Орлова Кирилла Андреевича, 05.09.2014 года рождения, в пользу") in text
    _src, paras, text, _d = issue("enforcement_application", acc, writ_debtor="Орлова Елена Сергеевна", **writ)
    at = paras.index("Должник: Орлова Елена Сергеевна")
    assert paras[at + 3] == "" and "законный представитель" not in text
    assert "о взыскании с Орловой Елены Сергеевны в пользу" in text
    _src, _paras, text, _d = issue("employer_letter", acc, employer_name="ООО «Ленаторг»", writ_debtor="Орлова Елена Сергеевна",
                                   writ_minor="Орлов Кирилл Андреевич", writ_number="ВС № 045612380",
                                   writ_date=date(2026, 10, 17))
    assert ("с Вашего работника Орловой Елены Сергеевны, дата рождения 20.07.1984, действующей как законный "
            "представитель несовершеннолетнего собственника Орлова Кирилла Андреевича, 05.09.2014 года рождения, "
            "в пользу") in text
    with pytest.raises(DocumentError) as exc:
        issue("enforcement_application", acc, writ_debtor="Орлова Елена Сергеевна", writ_minor="Орлов Пётр", **writ)
    assert "Орлов Кирилл Андреевич" in str(exc.value)


def test_an_address_without_the_settlement_gets_it_in_the_court_papers(app):
    """Billing files give «ул. Янова, д. 44» with the settlement in a column of its own: the court papers name the
    debtor's place of residence with it (ГПК 124 ч.2 п.3), once — an address already naming it stays as it is."""
    from casework.accounts.models import Territory

    acc, _ids = flat_with_persons("7006", [("Орлов Андрей Викторович", "m", date(1982, 2, 14), "owner", None, None, None)])
    town = Territory(name="г. Ленск", kind="settlement")
    db.session.add(town)
    db.session.flush()
    db.session.get(Building, acc.building_id).territory_id = town.id
    acc.address = "ул. Янова, д. 44, кв. 99"
    db.session.get(Party, _ids["Орлов Андрей Викторович"]).registration_address = "г. Ленск, ул. Янова, д. 44, кв. 99"
    _src, paras, text, _d = issue("court_order_application", acc)
    assert "место жительства: г. Ленск, ул. Янова, д. 44, кв. 99" in paras
    assert "в жилое помещение по адресу: г. Ленск, ул. Янова, д. 44, кв. 99" in text
    assert "г. Ленск, г. Ленск" not in text


def test_a_warning_about_heating_alone_is_refused(app):
    """ПП 354: heating may not be restricted; a warning for a debt of heating alone would name the utility «» —
    refused, unless the collector types the utility to restrict."""
    acc, _ids = flat_with_persons("7007", [("Орлов Андрей Викторович", "m", date(1982, 2, 14), "owner", None, None, None)])
    with pytest.raises(LetterRefused) as exc:
        issue("warning_restriction", acc)
    assert exc.value.code == "no_restrictable_service" and "ограничить" in str(exc.value)
    _src, _paras, text, _d = issue("warning_restriction", acc, restriction_service="горячее водоснабжение")
    assert "коммунальной услуги «горячее водоснабжение»" in text


def test_the_bailiff_application_names_the_debtor_of_the_writ(app):
    """Each defendant gets his own writ for his part: the application for the second co-owner's writ names her
    (name, birth date, «о взыскании с …»), not the account's first debtor; a name not on the account is refused."""
    from casework.documents.services import DocumentError

    acc, _ids = flat_with_persons("7008", [
        ("Орлов Андрей Викторович", None, date(1982, 2, 14), "owner", (1, 2), None, None),
        ("Орлова Елена Сергеевна", None, date(1984, 7, 20), "owner", (1, 2), None, None)])
    writ = dict(bailiff_unit="Ленское РОСП", writ_number="ФС № 045612379", writ_date=date(2026, 10, 17),
                writ_court="Ленский районный суд Республики Саха (Якутия)")
    _src, paras, text, _d = issue("enforcement_application", acc, writ_debtor="орлова  елена сергеевна", **writ)
    assert "Должник: Орлова Елена Сергеевна" in paras and "дата рождения: 20.07.1984" in paras
    assert "о взыскании с Орловой Елены Сергеевны" in text and "Орлов Андрей" not in text
    _src, paras, text, _d = issue("enforcement_application", acc, **writ)  # none typed: the account's debtor
    assert "Должник: Орлов Андрей Викторович" in paras
    with pytest.raises(DocumentError) as exc:
        issue("enforcement_application", acc, writ_debtor="Орлов Кирилл Андреевич", **writ)
    assert "Орлов Андрей Викторович, Орлова Елена Сергеевна" in str(exc.value)
