"""The cases part of the demo: courts and bailiffs of the demo territories, every building linked, cases spread
over the stages with a history that the guards accepted, and a queue of work today for each demo user."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from casework.accounts.models import Building
from casework.auth.models import User
from casework.cases import queries
from casework.cases.models import (
    Alert,
    BailiffUnit,
    Case,
    Court,
    CourtRecord,
    Deadline,
    Enforcement,
    StageChange,
    WriteOffProposal,
)
from casework.demo.generator import build_demo
from casework.domain.stages import TRANSITIONS, Stage
from casework.extensions import db

TODAY = date(2026, 11, 20)


def test_demo_cases_are_consistent_and_give_everyone_work(app):
    build_demo(accounts=400, today=TODAY)
    db.session.commit()
    # directory: the Lensk magistrate sectors with duty details, bailiff units, every building linked
    names = set(db.session.scalars(select(Court.name)))
    assert {"Судебный участок № 22 Ленского района Республики Саха (Якутия)",
            "Судебный участок № 24 Ленского района Республики Саха (Якутия)"} <= names
    assert db.session.scalar(select(func.count()).select_from(Court).where(Court.kbk.is_(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(BailiffUnit)) >= 2
    assert db.session.scalar(select(func.count()).select_from(Building).where(Building.court_id.is_(None))) == 0
    # cases across the stages
    stages = dict(db.session.execute(select(Case.stage, func.count()).group_by(Case.stage)).all())
    assert {"debt_detected", "notice", "restriction", "court", "enforcement"} <= set(stages), stages
    # each history is a chain of allowed moves, in date order, none in the future
    for case in db.session.scalars(select(Case)):
        chain = db.session.scalars(select(StageChange).where(StageChange.case_id == case.id)
                                   .order_by(StageChange.id)).all()
        assert chain[0].from_stage is None and chain[0].changed_on == case.opened_on
        for a, b in zip(chain, chain[1:]):
            assert b.from_stage == a.to_stage and Stage(b.to_stage) in TRANSITIONS[Stage(a.to_stage)]
            assert a.changed_on <= b.changed_on <= TODAY
        assert chain[-1].to_stage == case.stage
    # court records and writs belong to cases that went to court, in date order
    for rec in db.session.scalars(select(CourtRecord)):
        assert db.session.get(Case, rec.case_id).stage in ("court", "enforcement", "paid", "written_off")
        if rec.received_on:
            assert rec.filed_on <= rec.issued_on <= rec.received_on <= TODAY
    for enf in db.session.scalars(select(Enforcement)):
        rec = db.session.get(CourtRecord, enf.court_record_id)
        assert rec.received_on < enf.sent_on and (enf.destination != "employer" or enf.amount_kop <= 100_000_00)
    assert db.session.scalar(select(func.count()).select_from(WriteOffProposal)
                             .where(WriteOffProposal.decision.is_(None))) >= 1
    assert db.session.scalar(select(func.count()).select_from(Alert).where(Alert.resolved_on.is_(None))) > 0
    assert db.session.scalar(select(func.count()).select_from(Deadline).where(Deadline.reached_on.is_not(None),
                                                                               Deadline.done_on.is_(None))) > 0
    # the collector's and the lawyer's queues have work today; the manager sees everybody's
    for role in ("collector", "lawyer"):
        user = db.session.scalar(select(User).where(User.role == role))
        q = queries.queue(user.id, TODAY)
        assert sum(len(v) for k, v in q.items() if k in ("actions", "deadlines", "alerts")) > 0, role
    assert len(queries.queue(None, TODAY)["actions"]) > 0
