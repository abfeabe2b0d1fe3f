"""The one normal form of identifiers, and the mixed-alphabet check (casework.domain.identifiers)."""
import pytest

from casework.domain.identifiers import mixed_scripts, normalize_identifier


@pytest.mark.parametrize("raw", ["10000006", " 10000006 ", "10000006\u200b", "\u200c1000\u200d0006\u2060",
                                 "\ufeff10000006", "\u200e10000006\u200f", "\u202a10000006\u202c",
                                 "\u202e10000006", "\u206610000006\u2069", "１００００００６", "10000006\u00a0",
                                 "1000\u00ad0006"])
def test_invisible_bidi_and_compatibility_forms_normalise_to_the_plain_number(raw):
    assert normalize_identifier(raw) == "10000006"


@pytest.mark.parametrize("raw,out", [(None, ""), ("", ""), (10000006, "10000006"), ("П-12\u200b", "П-12"),
                                     ("Ａ-１２", "A-12"), ("100 006", "100 006")])
def test_other_values_keep_their_letters_and_inner_spaces(raw, out):
    assert normalize_identifier(raw) == out


@pytest.mark.parametrize("value", ["10000006", "P00001", "LS-12/3", "АБВ", "Лицевой", "№ 12-34"])
def test_one_script_is_not_mixed(value):
    assert mixed_scripts(value) is None


def test_a_cyrillic_letter_among_digits_is_mixed_and_pointed_at():
    mix = mixed_scripts("1\u041e000006")
    assert mix.scripts == ("LATIN", "CYRILLIC")
    assert mix.odd == ((2, "\u041e", "CYRILLIC"),)


def test_latin_and_cyrillic_letters_are_mixed_the_non_latin_ones_pointed_at():
    mix = mixed_scripts("АБ12C")  # Cyrillic А, Б with a Latin C
    assert mix.scripts == ("LATIN", "CYRILLIC")
    assert [c for _i, c, _s in mix.odd] == ["А", "Б"]
    mix = mixed_scripts("\u0391\u0392\u0413")  # Greek Α, Β with a Cyrillic Г: the most used script leads
    assert mix.scripts == ("GREEK", "CYRILLIC") and mix.odd == ((3, "\u0413", "CYRILLIC"),)
