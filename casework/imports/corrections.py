"""Corrected exports: which rows of a new billing file are already in the ledger, which carry a new amount for the
same row ("changed"), which rows of the period the file covers it no longer has ("gone"), and which opening balances
must not be added again. Pure: no database, no Flask; the caller loads the stored rows (see docs/import-format.md,
«Corrected exports»).

Row identity (what makes a row of the new file "the same row" as a stored one):

- opening balance: account + service + 'opening' — one per account and service, whatever its month (a credit
  opening, written as a negative recalculation with reference «opening», counts as an opening too);
- charge: account + service + billing month + 'charge';
- recalculation: account + service + month + document number (without a number: all unnumbered recalculations of
  the month, matched by amount);
- payment: account + service + posting month + source + document number, or, without a number, + payment date
  (several such payments of one day are matched by amount first, then in file order).

Within one identity the rows with the same value (amount, payment date) are unchanged, the rest are paired in order
as changed (stored → new), new rows left over are new, stored rows left over are gone.

The period a file covers (where a stored row the file no longer has is "gone"): a ledger file covers, for each kind
of row it has (charges, recalculations, payments), the months it has such rows in — a complete export of those
months, all services and sources; a turnover sheet covers charges, recalculations and payments of each service and
month it has rows for (a 1С sheet is often filtered by service). Openings are never "gone". A stored row of the
covered period whose account has no row in the file at all is "absent", not "gone": a partial file (one bank's
registry, one settlement) leaves out whole accounts, so such rows are reversed only when the user asks for it
separately.

Stored rows are compared at their effective amount: the row's amount plus the reversing entries the application
wrote for it (`is_app_reversal`), recursively — a reversed row counts 0 and is left out; explicit reversal rows of a
file («Сторнирует») are matched by their dedup key as before and never reach this module.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from hashlib import sha1

from .ledger_file import L_ACC, L_AMOUNT, L_KIND, L_PAID_ON, L_PERIOD, L_REF, L_SOURCE, L_SVC

REVERSAL_KEY_PREFIX = "rev:"


@dataclass(frozen=True)
class StoredRow:
    id: int
    account_id: int
    service_id: int
    period: str  # ISO date (1st of the month)
    kind: str
    amount: int  # effective amount in kopecks (after the application's reversals)
    paid_on: str | None
    source: str | None
    paid_period: str | None
    reference: str | None
    entry_key: str
    batch_id: int | None


@dataclass
class Comparison:
    """What a file does against the stored ledger (file rows are ledger tuples, ledger_file.LEDGER_FIELDS)."""

    unchanged: list = field(default_factory=list)  # file rows already in the ledger
    new: list = field(default_factory=list)  # file rows to write
    changed: list = field(default_factory=list)  # (StoredRow, file row): same identity, another amount or date
    gone: list = field(default_factory=list)  # StoredRow of the covered period that the file no longer has
    absent: list = field(default_factory=list)  # StoredRow of the covered period of an account the file lacks
    kept_openings: list = field(default_factory=list)  # (file row, reason, StoredRow | None): opening not added


# reasons an opening balance of the file is not added
OPENING_LATER = "later"  # the ledger has an opening of an earlier month for this account and service
OPENING_EARLIER_ENTRIES = "earlier_entries"  # the ledger has charges/payments before it (they are the balance)


def is_opening(kind: str, reference: str | None) -> bool:
    """An opening balance: kind 'opening', or a credit opening written as a recalculation with reference «opening»."""
    return kind == "opening" or (kind == "recalculation" and reference == "opening")


def identity(account_id: int, service_id: int, period: str, kind: str, paid_on: str | None, source: str | None,
             reference: str | None) -> tuple:
    """The identity of a ledger row (module docstring): equal identities are the same row of billing."""
    if is_opening(kind, reference):
        return ("opening", account_id, service_id)
    month = period[:7]
    if kind == "payment":
        return ("payment", account_id, service_id, month, source or "other", reference or None,
                None if reference else paid_on)
    if kind == "recalculation":
        return ("recalculation", account_id, service_id, month, reference or None)
    return (kind, account_id, service_id, month)


def scopes_of(service_id: int, period: str, kind: str, reference: str | None) -> tuple[tuple, tuple] | None:
    """The scopes a row belongs to: (kind, month) — a ledger file's — and (kind, month, service) — a turnover
    sheet's; None for openings (never "gone")."""
    if is_opening(kind, reference):
        return None
    return (kind, period[:7]), (kind, period[:7], service_id)


def entry_identity(t: tuple) -> tuple:
    return identity(t[L_ACC], t[L_SVC], t[L_PERIOD], t[L_KIND], t[L_PAID_ON],
                    t[L_SOURCE], t[L_REF])


def stored_identity(s: StoredRow) -> tuple:
    return identity(s.account_id, s.service_id, s.period, s.kind, s.paid_on, s.source, s.reference)


def in_scopes(s: StoredRow, scopes: set[tuple]) -> bool:
    both = scopes_of(s.service_id, s.period, s.kind, s.reference)
    return both is not None and (both[0] in scopes or both[1] in scopes)


def file_scopes(entries: list, service_months: set[tuple[int, str]] | None = None) -> set[tuple]:
    """The scopes the file covers (module docstring): a ledger file's (kind, month) of each row; a turnover sheet's
    (kind, month, service) for charges, recalculations and payments of each (service, 'YYYY-MM') in
    `service_months`."""
    if service_months is not None:
        return {(k, month, svc) for svc, month in service_months for k in ("charge", "recalculation", "payment")}
    out = set()
    for t in entries:
        both = scopes_of(t[L_SVC], t[L_PERIOD], t[L_KIND], t[L_REF])
        if both is not None:
            out.add(both[0])
    return out


def months_of(scopes: set[tuple]) -> tuple[str, str] | None:
    """(first, last) month 'YYYY-MM' of the scopes, or None."""
    months = sorted(s[1] for s in scopes)
    return (months[0], months[-1]) if months else None


def effective_amounts(rows: list[tuple[int, int, int | None, bool]]) -> dict[int, int]:
    """Effective amounts: rows (id, amount, reverses_id, is the application's reversal) → id → amount plus the
    effective amounts of the application's reversals of it (a reversal of a reversal restores the row)."""
    eff = {rid: amount for rid, amount, _rev, _app in rows}
    # a reversal always comes after what it reverses: children first
    for rid, _amount, rev, app in sorted(rows, key=lambda r: r[0], reverse=True):
        if app and rev is not None and rev in eff:
            eff[rev] += eff[rid]
    return eff


def _value_t(t: tuple) -> tuple:
    return (t[L_KIND], t[L_AMOUNT], t[L_PAID_ON])


def _value_s(s: StoredRow) -> tuple:
    return (s.kind, s.amount, s.paid_on)


def compare(entries: list, stored: list[StoredRow], scopes: set[tuple],
            first_known: dict[tuple[int, int], str] | None = None, accounts: set[int] | None = None) -> Comparison:
    """Compare the file's rows with the live stored rows (effective amount ≠ 0, not themselves reversals) of the
    covered period and the stored openings of the file's accounts (module docstring). `first_known`: (account,
    service) → the earliest stored period ISO, for the opening rule «charges/payments before it are the balance»;
    `accounts`: every account the file has a row for — a stored row of another account is "absent", not "gone"
    (None: every account counts as in the file)."""
    out = Comparison()
    news: dict[tuple, list] = {}
    for t in entries:
        news.setdefault(entry_identity(t), []).append(t)
    olds: dict[tuple, list] = {}
    for s in stored:
        olds.setdefault(stored_identity(s), []).append(s)
    first_known = first_known or {}
    for ident, group in news.items():
        old = olds.pop(ident, [])
        if ident[0] == "opening":
            _openings(group, old, first_known, out)
        else:
            _match(group, old, out)
    for ident, group in olds.items():
        if ident[0] == "opening":
            continue
        for s in group:
            if in_scopes(s, scopes):
                (out.gone if accounts is None or s.account_id in accounts else out.absent).append(s)
    return out


def _match(news: list, olds: list, out: Comparison) -> None:
    remaining = list(olds)
    unmatched = []
    for t in news:
        v = _value_t(t)
        for i, s in enumerate(remaining):
            if _value_s(s) == v:
                out.unchanged.append(t)
                del remaining[i]
                break
        else:
            unmatched.append(t)
    out.changed.extend(zip(remaining, unmatched))
    out.new.extend(unmatched[len(remaining):])
    out.gone.extend(remaining[len(unmatched):])


def _openings(news: list, olds: list, first_known: dict, out: Comparison) -> None:
    news = sorted(news, key=lambda t: t[L_PERIOD])
    t = news[0]
    for extra in news[1:]:  # a ledger file with openings of several months: only the earliest one is an opening
        out.kept_openings.append((extra, OPENING_LATER, None))
    period = t[L_PERIOD]
    if not olds:
        fk = first_known.get((t[L_ACC], t[L_SVC]))
        if fk is not None and fk < period:
            out.kept_openings.append((t, OPENING_EARLIER_ENTRIES, None))
        else:
            out.new.append(t)
        return
    olds = sorted(olds, key=lambda s: (s.period, s.id))
    earliest = olds[0]
    if earliest.period < period:
        out.kept_openings.append((t, OPENING_LATER, earliest))
        return
    same = next((s for s in olds if s.period == period), None)
    matched = same or earliest
    if same is not None and _value_s(same) == (t[L_KIND], t[L_AMOUNT], None):
        out.unchanged.append(t)
    else:  # another amount, or an earlier month: this opening replaces the stored (later) one
        out.changed.append((matched, t))
    out.gone.extend(s for s in olds if s is not matched)  # a second opening already stored is superseded too


def rekey(entry_key: str, taken: set[str]) -> str:
    """A dedup key for a row that comes back after its stored twin was reversed (the old key stays with the dead
    row): the key with «|n» appended, hashed, for the first n not taken."""
    n = 1
    while True:
        k = sha1(f"{entry_key}|{n}".encode()).hexdigest()
        if k not in taken:
            return k
        n += 1


def reversal_key(target_id: int, act: str) -> str:
    """The dedup key of the application's reversing entry of ledger row `target_id` by an act («batch:N» for a
    replacing import, «undo:N» for the undo of batch N): one reversal per row and act, also when two requests race."""
    return REVERSAL_KEY_PREFIX + sha1(f"{target_id}|{act}".encode()).hexdigest()[:36]


def is_app_reversal(entry_key: str | None) -> bool:
    return bool(entry_key) and entry_key.startswith(REVERSAL_KEY_PREFIX)
