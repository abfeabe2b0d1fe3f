"""Bank of Russia key rate (= refinancing rate since 01.01.2016, Указание № 3894-У), cap windows and moratoria as data."""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable, Mapping

from .errors import DomainError, RateNotAvailable
from .periods import Period, parse_period


def _to_bp(rate: Decimal | str) -> int:
    d = Decimal(rate) * 100
    if d != d.to_integral_value() or d < 0:
        raise DomainError(f"rate must be a non-negative percent with at most 2 decimals: {rate!r}")
    return int(d)


@dataclass(frozen=True, slots=True)
class CapWindow:
    """A window of days whose penalty rate is capped (ПП 474 → 1681/2479/2382 → 329: 9.5 %, 28.02.2022–31.12.2026)."""

    start: date
    end: date  # inclusive
    cap_percent: Decimal
    source: str = ""


@dataclass(frozen=True, slots=True)
class Moratorium:
    """Days on which no ЖКУ penalty accrues; `max_period` limits it to charges of periods up to that one."""

    code: str
    start: date
    end: date  # inclusive
    max_period: Period | None = None
    source: str = ""

    def applies_to(self, period: Period) -> bool:
        """True if the moratorium covers a charge of this billing period."""
        return self.max_period is None or period <= self.max_period


#: ПП 329 and its predecessors: min(9.5, key) for rate days 28.02.2022–31.12.2026.
CAP_2022_2026 = CapWindow(date(2022, 2, 28), date(2026, 12, 31), Decimal("9.5"),
                          "ПП 474 (26.03.2022), 1681, 2479, 2382, 329 (18.03.2025)")
#: ПП 424: 06.04.2020–31.12.2020, every charge.
PP424 = Moratorium("pp424", date(2020, 4, 6), date(2020, 12, 31), None, "ПП РФ от 02.04.2020 № 424")
#: ПП 497: 01.04.2022–01.10.2022 inclusive, charges of periods up to 2022-03.
PP497 = Moratorium("pp497", date(2022, 4, 1), date(2022, 10, 1), Period(2022, 3), "ПП РФ от 28.03.2022 № 497")
STATUTORY_MORATORIA: tuple[Moratorium, ...] = (PP424, PP497)
STATUTORY_CAP_WINDOWS: tuple[CapWindow, ...] = (CAP_2022_2026,)


class KeyRateTable:
    """Key-rate history (rows: date_from, percent) with cap windows; lookups by bisect on ordinals."""

    __slots__ = ("_ords", "_bps", "_caps", "rows")

    def __init__(self, rows: Iterable[tuple[date, Decimal]],
                 cap_windows: Iterable[CapWindow] = STATUTORY_CAP_WINDOWS) -> None:
        pairs = sorted((d, Decimal(r)) for d, r in rows)
        if not pairs:
            raise DomainError("key-rate table is empty")
        for i in range(1, len(pairs)):
            if pairs[i][0] == pairs[i - 1][0]:
                raise DomainError(f"key-rate table has two rows for {pairs[i][0]}")
        self.rows: tuple[tuple[date, Decimal], ...] = tuple(pairs)
        self._ords = [d.toordinal() for d, _ in pairs]
        self._bps = [_to_bp(r) for _, r in pairs]
        self._caps = tuple((c.start.toordinal(), c.end.toordinal(), _to_bp(c.cap_percent))
                           for c in sorted(cap_windows, key=lambda c: c.start))

    @classmethod
    def from_rows(cls, rows: Iterable, cap_windows: Iterable[CapWindow] = STATUTORY_CAP_WINDOWS) -> "KeyRateTable":
        """Build from plain rows: dicts {'date_from','rate_percent'} or tuples (date_from, rate_percent)."""
        pairs = []
        for row in rows:
            if isinstance(row, Mapping):
                d, r = row["date_from"], row["rate_percent"]
            else:
                d, r = row[0], row[1]
            if isinstance(d, str):
                d = date.fromisoformat(d)
            if isinstance(r, float):
                raise DomainError("key rate must not be a float")
            pairs.append((d, Decimal(r)))
        return cls(pairs, cap_windows)

    @property
    def last_change(self) -> date:
        """Date of the latest row (use it to warn when the table is stale)."""
        return self.rows[-1][0]

    def key_bp_ord(self, o: int) -> int:
        i = bisect_right(self._ords, o) - 1
        if i < 0:
            raise RateNotAvailable(f"no key rate before {self.rows[0][0]}: {date.fromordinal(o)}")
        return self._bps[i]

    def key_rate(self, d: date) -> Decimal:
        """The key rate in force on d: the row with the latest date_from ≤ d."""
        return Decimal(self.key_bp_ord(d.toordinal())).scaleb(-2)

    def eff_bp_ord(self, o: int, cap: str) -> int:
        key = self.key_bp_ord(o)
        if cap != "none":
            for s, e, c in self._caps:
                if s <= o <= e:
                    return c if cap == "fixed_9_5" else min(c, key)
        return key

    def effective_rate(self, d: date, cap: str = "min_9_5") -> Decimal:
        """Penalty rate on d (ЖК 155 ч.14 with ПП 329): key rate, in cap windows min(cap, key) or fixed cap per `cap`."""
        return Decimal(self.eff_bp_ord(d.toordinal(), cap)).scaleb(-2)

    def segments_ord(self, lo: int, hi: int, cap: str) -> list[tuple[int, int, int]]:
        """Split [lo, hi] into maximal runs of constant effective rate: (start, end, basis points)."""
        cuts = {lo}
        i = bisect_right(self._ords, lo)
        ords = self._ords
        while i < len(ords) and ords[i] <= hi:
            cuts.add(ords[i])
            i += 1
        if cap != "none":
            for s, e, _ in self._caps:
                if lo < s <= hi:
                    cuts.add(s)
                if lo <= e + 1 <= hi:
                    cuts.add(e + 1)
        starts = sorted(cuts)
        out = []
        for j, s in enumerate(starts):
            e = starts[j + 1] - 1 if j + 1 < len(starts) else hi
            out.append((s, e, self.eff_bp_ord(s, cap)))
        return out


def moratorium_from_row(row: Mapping) -> Moratorium:
    """Build a Moratorium from a plain dict {'code','start','end','max_period'?,'source'?}."""
    mp = row.get("max_period")
    return Moratorium(str(row["code"]), _d(row["start"]), _d(row["end"]),
                      parse_period(mp) if mp else None, str(row.get("source", "")))


def cap_window_from_row(row: Mapping) -> CapWindow:
    """Build a CapWindow from a plain dict {'start','end','cap_percent','source'?}."""
    return CapWindow(_d(row["start"]), _d(row["end"]), Decimal(str(row["cap_percent"])), str(row.get("source", "")))


def _d(v) -> date:
    return date.fromisoformat(v) if isinstance(v, str) else v
