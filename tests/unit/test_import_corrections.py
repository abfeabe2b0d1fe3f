"""Row identity and the comparison of a file with the stored ledger (casework/imports/corrections.py), pure."""
from casework.imports import corrections, keys
from casework.imports.corrections import StoredRow, compare


def charge(acc, svc, period, amount, row=2, kind="charge", ref=None):
    return (acc, svc, period, kind, amount, None, None, None, ref, keys.charge_key(acc, svc, period, kind), row)


def payment(acc, svc, paid_on, amount, source="bank", ref=None, row=2):
    period = paid_on[:8] + "01"
    return (acc, svc, period, "payment", amount, paid_on, source, None, ref,
            keys.payment_key(acc, svc, paid_on, amount, source, ref or "", 1), row)


def stored(i, t, amount=None, batch=1):
    return StoredRow(i, t[0], t[1], t[2], t[3], t[4] if amount is None else amount, t[5], t[6], t[7], t[8], t[9], batch)


def test_same_document_with_another_amount_is_changed_and_a_missing_one_is_gone():
    old17, old18 = payment(1, 1, "2026-11-15", 150000, ref="П-17"), payment(2, 2, "2026-11-15", 30000, "cash_desk",
                                                                         ref="П-18")
    ch = charge(1, 1, "2026-11-01", 250050)
    new17 = payment(1, 1, "2026-11-15", 120000, ref="П-17", row=3)
    rows = [stored(1, old17), stored(2, old18), stored(3, ch)]
    entries = [new17, ch]
    cmp = compare(entries, rows, corrections.file_scopes(entries))
    assert cmp.unchanged == [ch] and cmp.new == []
    assert [(s.id, t[4]) for s, t in cmp.changed] == [(1, 120000)]
    assert [s.id for s in cmp.gone] == [2]  # a ledger file covers every payment of its months


def test_a_turnover_sheet_covers_only_its_services_and_a_reversed_row_is_not_there():
    ch1, ch2 = charge(1, 1, "2026-11-01", 100), charge(1, 2, "2026-11-01", 200)
    cmp = compare([ch1], [stored(1, ch1), stored(2, ch2)], corrections.file_scopes([ch1], {(1, "2026-11")}))
    assert cmp.unchanged == [ch1] and cmp.gone == []
    # a row whose application reversal is stored counts 0: the file's row is new again
    eff = corrections.effective_amounts([(1, 100, None, False), (5, -100, 1, True), (6, 100, 5, True)])
    assert eff[1] == 100  # the reversal was itself reversed (an undone replacement)
    assert corrections.effective_amounts([(1, 100, None, False), (5, -100, 1, True)])[1] == 0
    assert corrections.effective_amounts([(1, 100, None, False), (5, -40, 1, False)])[1] == 100  # a billing reversal


def test_one_opening_per_account_and_service():
    nov = charge(1, 1, "2026-11-01", 92850856, kind="opening")
    sep = charge(1, 1, "2026-09-01", 92600806, kind="opening")
    # a later sheet after an earlier opening: not added
    cmp = compare([nov], [stored(1, sep)], set())
    assert cmp.kept_openings == [(nov, corrections.OPENING_LATER, stored(1, sep))] and cmp.new == []
    # an earlier opening after a later one: it replaces it (changed), never a second one
    cmp = compare([sep], [stored(1, nov)], set())
    assert [(s.id, t) for s, t in cmp.changed] == [(1, sep)] and cmp.new == []
    # a ledger that already holds two openings (the old bug): the earliest file replaces both
    cmp = compare([sep], [stored(1, nov), stored(2, sep)], set())
    assert cmp.unchanged == [sep] and [s.id for s in cmp.gone] == [1]
    # no opening stored, but charges before it: they are the balance
    cmp = compare([nov], [], set(), {(1, 1): "2026-01-01"})
    assert cmp.kept_openings[0][1] == corrections.OPENING_EARLIER_ENTRIES
    cmp = compare([nov], [], set(), {(1, 1): "2026-11-01"})
    assert cmp.new == [nov]


def test_keys_of_rows_that_come_back_and_of_reversals():
    taken = {"a" * 40}
    k = corrections.rekey("a" * 40, taken)
    assert k != "a" * 40 and corrections.rekey("a" * 40, taken | {k}) != k
    r = corrections.reversal_key(7, "undo:3")
    assert len(r) == 40 and corrections.is_app_reversal(r) and r != corrections.reversal_key(7, "batch:3")
    assert not corrections.is_app_reversal(keys.charge_key(1, 1, "2026-11-01", "charge"))


def test_the_legal_adapter_reads_a_reversal_of_a_reversal_as_a_restored_payment():
    from datetime import date

    from casework.legal.adapter import ledger_kopecks

    nov, paid = date(2026, 11, 1), date(2026, 11, 15)
    base = [("charge", nov, 250050, None, None, 1, None), ("payment", nov, 150000, paid, None, 2, None)]
    reversed_ = base + [("payment", nov, -150000, paid, None, 3, 2)]
    restored = reversed_ + [("payment", nov, 150000, paid, None, 4, 3)]
    as_of = date(2026, 12, 5)
    assert [p[2] for p in ledger_kopecks(base, as_of)[1]] == [150000]
    assert ledger_kopecks(reversed_, as_of)[1] == []
    assert [p[2] for p in ledger_kopecks(restored, as_of)[1]] == [150000]
    # a reversed charge (a corrected export) nets out in its month
    assert ledger_kopecks(base + [("charge", nov, -250050, None, None, 5, 1)], as_of)[0] == []
