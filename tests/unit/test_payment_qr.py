"""The payment QR payload of ГОСТ Р 56042-2014 (casework.domain.payment_qr): header, requisites, lengths, kopecks."""
from __future__ import annotations

import pytest

from casework.domain import payment_qr as pq
from casework.domain.errors import DomainError, InvalidAmount

# real-shaped details: the Bank of Russia keys of both accounts match the BIC
PAYEE = pq.Payee(name="МУП «Теплоэнерго»", personal_acc="40702810938000000001", bank_name="ПАО Сбербанк",
                 bic="044525225", corresp_acc="30101810400000000225", inn="2434000001", kpp="243401001")


def test_the_payload_is_the_service_block_and_the_requisites_in_the_standards_order():
    text = pq.build_payload(PAYEE, sum_kop=3_700_000, purpose="Оплата задолженности за ЖКУ, л/с 100005",
                            pers_acc="100005")
    assert text == ("ST00012|Name=МУП «Теплоэнерго»|PersonalAcc=40702810938000000001|BankName=ПАО Сбербанк"
                    "|BIC=044525225|CorrespAcc=30101810400000000225|PayeeINN=2434000001|KPP=243401001|Sum=3700000"
                    "|Purpose=Оплата задолженности за ЖКУ, л/с 100005|PersAcc=100005")


def test_the_sum_is_whole_kopecks_without_separator_and_is_left_out_when_there_is_none():
    assert "|Sum=1|" in pq.build_payload(PAYEE, sum_kop=1, purpose="x")
    assert "|Sum=123456789|" in pq.build_payload(PAYEE, sum_kop=123_456_789, purpose="x")
    assert "Sum=" not in pq.build_payload(PAYEE, sum_kop=None) and "Sum=" not in pq.build_payload(PAYEE, sum_kop=0)
    for bad in (-1, 12.5, "100", True):
        with pytest.raises(InvalidAmount):
            pq.build_payload(PAYEE, sum_kop=bad)
    with pytest.raises(InvalidAmount):
        pq.build_payload(PAYEE, sum_kop=10 ** 18)  # 19 digits: more than the standard's 18


def test_the_separator_never_appears_inside_a_value_and_line_breaks_become_spaces():
    payee = pq.Payee(**{**PAYEE.__dict__, "name": "ООО «Тепло | Свет»\nфилиал"})
    text = pq.build_payload(payee, sum_kop=100, purpose="долг|пени\tи\r\nпрочее", pers_acc="A|1")
    fields = pq.parse_payload(text)
    assert fields["Name"] == "ООО «Тепло / Свет» филиал"
    assert fields["Purpose"] == "долг/пени и прочее" and fields["PersAcc"] == "A/1"
    assert text.count("|") == len(fields)  # one separator after the header and one between requisites


def test_values_are_cut_to_the_standards_lengths_at_a_comma_or_a_space():
    name = "Муниципальное унитарное предприятие " * 6  # 216 characters
    long_bank = pq.Payee(**{**PAYEE.__dict__, "bank_name": "Якутское отделение № 8603 ПАО Сбербанк, г. Якутск",
                            "name": name})
    fields = pq.parse_payload(pq.build_payload(long_bank, purpose="Оплата задолженности " * 20))
    assert fields["BankName"] == "Якутское отделение № 8603 ПАО Сбербанк"  # 49 characters → the part before «,»
    assert fields["Name"] == name[:157] and name[157] == " "  # whole words only, within 160
    assert len(fields["Purpose"]) <= 210 and fields["Purpose"].endswith("задолженности")
    assert pq.clean("x" * 300, 45) == "x" * 45  # no comma or space: a hard cut
    for key, limit in pq.MAX_LENGTH.items():
        assert len(fields.get(key, "")) <= limit, key


def test_incomplete_or_mismatched_bank_details_are_named_and_refused():
    assert pq.payee_problems(PAYEE) == ()
    assert pq.payee_problems(pq.Payee("", "", "", "", "")) == ("Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc")
    wrong_key = pq.Payee(**{**PAYEE.__dict__, "personal_acc": "40702810038000000001"})
    assert pq.payee_problems(wrong_key) == ("PersonalAcc",)
    wrong_corr = pq.Payee(**{**PAYEE.__dict__, "corresp_acc": "30101810400000000226"})
    assert pq.payee_problems(wrong_corr) == ("CorrespAcc",)
    with pytest.raises(DomainError):
        pq.build_payload(wrong_key, sum_kop=100)
    # spaces typed into the numbers do not matter
    spaced = pq.Payee(**{**PAYEE.__dict__, "personal_acc": "40702 810 9 3800 0000001", "bic": " 044525225 "})
    assert pq.payee_problems(spaced) == ()
    assert "|PersonalAcc=40702810938000000001|BankName=ПАО Сбербанк|BIC=044525225|" in pq.build_payload(spaced)


def test_optional_payee_numbers_go_in_only_when_well_formed():
    odd = pq.Payee(**{**PAYEE.__dict__, "inn": "12345", "kpp": "ABC"})
    fields = pq.parse_payload(pq.build_payload(odd, sum_kop=5))
    assert "PayeeINN" not in fields and "KPP" not in fields
    person = pq.Payee(**{**PAYEE.__dict__, "inn": "246500000001", "kpp": ""})
    assert pq.parse_payload(pq.build_payload(person))["PayeeINN"] == "246500000001"


@pytest.mark.parametrize("charset,codec", [("1", "cp1251"), ("2", "utf-8"), ("3", "koi8_r")])
def test_the_bytes_are_encoded_in_the_character_set_the_header_names(charset, codec):
    text = pq.build_payload(PAYEE, sum_kop=3_700_000, purpose="Оплата за ЖКУ", pers_acc="100005",
                            payer_address="ул. Ленина, д. 10", charset=charset)
    assert text.startswith(f"ST0001{charset}|Name=")
    data = pq.payload_bytes(text)
    assert data == text.encode(codec, errors="replace")  # КОИ8-Р has no «»: they become «?»
    fields = pq.parse_payload(data)
    assert fields["Name"] == ("МУП ?Теплоэнерго?" if charset == "3" else "МУП «Теплоэнерго»")
    assert fields["Sum"] == "3700000" and fields["Purpose"] == "Оплата за ЖКУ"
    assert fields["PayerAddress"] == "ул. Ленина, д. 10"


def test_utf8_keeps_yakut_letters_that_the_single_byte_sets_lose():
    payee = pq.Payee(**{**PAYEE.__dict__, "name": "МУП «Үрүҥ Һөл»"})
    assert pq.parse_payload(pq.payload_bytes(pq.build_payload(payee)))["Name"] == "МУП «Үрүҥ Һөл»"
    lossy = pq.parse_payload(pq.payload_bytes(pq.build_payload(payee, charset=pq.WINDOWS_1251)))
    assert lossy["Name"] == "МУП «?р?? ??л»"  # Ү ү ҥ Һ ө are not in windows-1251
    assert pq.DEFAULT_CHARSET == pq.UTF_8


def test_a_text_that_is_not_a_gost_payload_is_refused():
    for bad in ("", "ST0001", "ST00019|Name=x", "BCD\n002\n1", b"hello world"):
        with pytest.raises(DomainError):
            pq.parse_payload(bad)
    with pytest.raises(DomainError):
        pq.build_payload(PAYEE, charset="4")
