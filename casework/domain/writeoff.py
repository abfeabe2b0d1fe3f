"""Write-off of bad debt: the grounds (НК ст.266 п.2; 229-ФЗ ст.46/47; ГК 1151/1175; 127-ФЗ ст.213.28; ГК 419)
and the two-person rule (a manager other than the proposer approves)."""
from __future__ import annotations

from enum import StrEnum

from .stages import TransitionNotAllowed


class WriteOffGround(StrEnum):
    LIMITATION = "limitation"                  # ГК 196, НК 266 п.2: limitation expired for the whole debt
    BAILIFF_IMPOSSIBLE = "bailiff_impossible"  # 229-ФЗ ст.46 ч.1 п.3–4, ст.47: act of impossibility
    DEATH_NO_HEIRS = "death_no_heirs"          # ГК 418, 1151, 1175: debtor died, no heirs/no estate
    BANKRUPTCY = "bankruptcy"                  # 127-ФЗ ст.213.28: bankruptcy completed, debtor released
    LIQUIDATION = "liquidation"                # ГК 419, НК 266 п.2: organisation liquidated


APPROVER_ROLES = frozenset({"manager"})


def check_ground(ground: str | None, facts) -> None:
    """A write-off needs a recognised ground backed by its fact: whole debt time-barred, bailiff's act
    (229-ФЗ ст.46/47), death without heirs, completed bankruptcy or liquidation (НК ст.266 п.2)."""
    if not ground:
        raise TransitionNotAllowed("writeoff_no_ground", "a write-off needs a ground (Tax Code art. 266)")
    try:
        ground = WriteOffGround(ground)
    except ValueError:
        raise TransitionNotAllowed("writeoff_bad_ground", f"unknown write-off ground {ground}", ground=ground) from None
    if ground == WriteOffGround.LIMITATION:
        if facts.claimable_kop is None or facts.claimable_kop > 0:
            raise TransitionNotAllowed("writeoff_not_barred", "part of the debt is still within limitation; "
                                       "it cannot be written off on this ground (Civil Code art. 196)",
                                       claimable_kop=facts.claimable_kop)
        return
    if ground == WriteOffGround.LIQUIDATION and facts.debtor_kind != "organization":
        raise TransitionNotAllowed("writeoff_liquidation_person", "only an organisation can be liquidated")
    if not facts.writeoff_evidence:
        raise TransitionNotAllowed("writeoff_no_evidence", "attach the document proving the ground "
                                   "(bailiff's act, death certificate and notary's reply, court ruling, "
                                   "registry extract)", ground=ground)


def check_approval(proposed_by: int | None, approved_by: int | None, approver_role: str | None) -> None:
    """Two-person rule: a manager other than the proposer approves every write-off."""
    if proposed_by is None:
        raise TransitionNotAllowed("writeoff_not_proposed", "the write-off has not been proposed")
    if approved_by is None:
        raise TransitionNotAllowed("writeoff_not_approved", "a manager has not approved the write-off yet")
    if approver_role not in APPROVER_ROLES:
        raise TransitionNotAllowed("writeoff_approver_role", "only a manager may approve a write-off")
    if approved_by == proposed_by:
        raise TransitionNotAllowed("writeoff_same_person", "the write-off must be approved by someone other than "
                                   "the person who proposed it")


def check_time_barred_months(chosen, candidates) -> dict:
    """A partial write-off on the limitation ground (ГК 196, 199; НК 266 п.2): every chosen month must be unpaid and
    time-barred on the day. `candidates`: the account's months (domain.claim.ClaimPeriod); returns {Period: unpaid
    kop} of the chosen months, else refuses (no month, a month not time-barred, a month with nothing unpaid)."""
    by_period = {str(p.period): p for p in candidates}
    wanted = sorted({str(c)[:7] for c in chosen or ()})
    if not wanted:
        raise TransitionNotAllowed("writeoff_no_months", "choose the time-barred months to write off")
    out = {}
    for key in wanted:
        p = by_period.get(key)
        if p is None or p.debt_kop <= 0:
            raise TransitionNotAllowed("writeoff_month_unknown", "nothing is unpaid for this month", period=key)
        if not p.time_barred:
            raise TransitionNotAllowed("writeoff_month_not_barred", "this month is still within limitation and "
                                       "cannot be written off on this ground (Civil Code art. 196)", period=key)
        out[p.period] = p.debt_kop
    return out


def split_by_services(amount_kop: int, charges) -> list[tuple[int, int]]:
    """Split a month's written-off remainder over the services charged that month ([(service_id, net charge kop)]):
    the largest charge first, each up to its charge, the rest (if the charges fall short) on the largest."""
    rows = sorted(((sid, int(kop)) for sid, kop in charges if kop > 0), key=lambda r: (-r[1], r[0]))
    if not rows or amount_kop <= 0:
        return []
    out, left = [], amount_kop
    for sid, kop in rows:
        take = min(kop, left)
        if take > 0:
            out.append([sid, take])
            left -= take
    if left > 0:
        out[0][1] += left
    return [(sid, kop) for sid, kop in out]
