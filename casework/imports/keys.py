"""Dedup keys of ledger entries (`ledger_entries.entry_key`, sha1 hex, UNIQUE).

Re-importing a file, or a later export that overlaps an earlier one, yields the same keys, and
`INSERT … ON CONFLICT (entry_key) DO NOTHING` keeps one copy. See docs/import-format.md.

- opening / charge: (account, service, period, kind) — one charge per month and service; the same key with a
  different amount is refused (a correction must come as a recalculation);
- recalculation: (account, service, period, amount, reference — or the occurrence number «#n» of identical rows
  within the file when there is no reference);
- payment (and reversal): (account, service, paid_on, amount, source, reference, occurrence number among
  identical rows in the file).
"""
from __future__ import annotations

from hashlib import sha1


def charge_key(account_id: int, service_id: int, period_iso: str, kind: str) -> str:
    """Key of an opening balance or a monthly charge: one per account × service × month × kind."""
    return sha1(f"{kind}|{account_id}|{service_id}|{period_iso}".encode()).hexdigest()


def recalculation_key(account_id: int, service_id: int, period_iso: str, amount_kop: int, tag: str) -> str:
    """Key of a recalculation: the month, the amount and the billing reference (or «#n» occurrence in the file)."""
    return sha1(f"recalculation|{account_id}|{service_id}|{period_iso}|{amount_kop}|{tag}".encode()).hexdigest()


def payment_key(account_id: int, service_id: int, paid_on_iso: str, amount_kop: int, source: str, reference: str,
                occurrence: int) -> str:
    """Key of a payment: date, amount, source, reference and its occurrence number among identical rows."""
    return sha1(f"payment|{account_id}|{service_id}|{paid_on_iso}|{amount_kop}|{source}|{reference}|{occurrence}"
                .encode()).hexdigest()
