from datetime import date
from decimal import Decimal as D

import pytest

from casework.domain.errors import RateNotAvailable
from casework.domain.keyrate import PP424, PP497, KeyRateTable
from casework.domain.periods import Period
from casework.legal import reference


def test_rate_in_force_is_latest_row_on_or_before(rates):
    assert rates.key_rate(date(2019, 7, 28)) == D("7.50")
    assert rates.key_rate(date(2019, 7, 29)) == D("7.25")
    assert rates.key_rate(date(2016, 1, 1)) == D("11.00")
    with pytest.raises(RateNotAvailable):
        rates.key_rate(date(2015, 12, 31))


def test_cap_starts_28_02_2022(rates):
    assert rates.effective_rate(date(2022, 2, 27)) == D("9.50")           # key 9.5, outside the window
    assert rates.effective_rate(date(2022, 2, 28), "none") == D("20.00")
    assert rates.effective_rate(date(2022, 2, 28), "min_9_5") == D("9.50")


def test_cap_ends_31_12_2026(rates):
    assert rates.effective_rate(date(2026, 12, 31)) == D("9.50")
    assert rates.effective_rate(date(2027, 1, 1)) == D("14.00")           # last row 27.07.2026, uncapped


def test_fixed_vs_min_cap_when_key_is_lower(rates):
    assert rates.effective_rate(date(2022, 10, 1), "min_9_5") == D("7.50")
    assert rates.effective_rate(date(2022, 10, 1), "fixed_9_5") == D("9.50")


def test_segments_split_on_rate_changes_and_cap_edges(rates):
    lo, hi = date(2022, 2, 10).toordinal(), date(2022, 3, 1).toordinal()
    segs = [(date.fromordinal(s), date.fromordinal(e), bp) for s, e, bp in rates.segments_ord(lo, hi, "none")]
    assert segs == [(date(2022, 2, 10), date(2022, 2, 13), 850), (date(2022, 2, 14), date(2022, 2, 27), 950),
                    (date(2022, 2, 28), date(2022, 3, 1), 2000)]
    segs = rates.segments_ord(date(2026, 12, 30).toordinal(), date(2027, 1, 2).toordinal(), "min_9_5")
    assert [bp for _, _, bp in segs] == [950, 1400]


def test_from_rows_plain_tuples():
    t = KeyRateTable.from_rows([("2030-01-01", "10.00"), ("2030-02-01", "9.25")], cap_windows=())
    assert t.key_rate(date(2030, 1, 31)) == D("10.00") and t.key_rate(date(2030, 2, 1)) == D("9.25")


def test_packaged_moratoria_match_statute():
    assert [(m.code, m.start, m.end, m.max_period) for m in reference.load_moratoria()] == [
        ("pp424", date(2020, 4, 6), date(2020, 12, 31), None),
        ("pp497", date(2022, 4, 1), date(2022, 10, 1), Period(2022, 3))]
    assert (PP424.start, PP424.end, PP497.start, PP497.end) == (
        date(2020, 4, 6), date(2020, 12, 31), date(2022, 4, 1), date(2022, 10, 1))
    assert PP497.applies_to(Period(2022, 3)) and not PP497.applies_to(Period(2022, 4))
    caps = reference.load_cap_windows()
    assert [(c.start, c.end, c.cap_percent) for c in caps] == [(date(2022, 2, 28), date(2026, 12, 31), D("9.5"))]
