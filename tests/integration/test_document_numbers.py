"""Outgoing numbers are unique and gap-free per enterprise and year, also when many users issue at once."""
from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import select

from casework.documents.context import load_common
from casework.documents.models import Document
from casework.documents.services import issue_document, next_number, prepare
from casework.extensions import db
from tests.factories import owned_flat

TODAY = date(2026, 11, 22)


def _parallel(app, account_id: int, workers: int, per_worker: int, fail_every: int = 0) -> list[Exception]:
    errors: list[Exception] = []
    barrier = threading.Barrier(workers)

    def work(k: int):
        with app.app_context():
            try:
                barrier.wait()
                for j in range(per_worker):
                    prep = prepare("notice_debt", account_id=account_id, common=load_common({}, TODAY))
                    issue_document(prep, log_contact=False)
                    if fail_every and (k * per_worker + j) % fail_every == 0:
                        db.session.rollback()  # a failure after numbering: the number must come back
                    else:
                        db.session.commit()
            except Exception as exc:  # collected and asserted below
                errors.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_parallel_issuance_is_unique_and_gap_free(app, is_postgres):
    acc = owned_flat()
    db.session.commit()
    workers, per = (8, 5) if is_postgres else (4, 3)
    errors = _parallel(app, acc.id, workers, per, fail_every=4)
    assert errors == []
    db.session.expire_all()
    seqs = db.session.scalars(select(Document.seq).where(Document.year == 2026).order_by(Document.seq)).all()
    rolled_back = len([n for n in range(workers * per) if n % 4 == 0])
    assert len(seqs) == workers * per - rolled_back
    assert seqs == list(range(1, len(seqs) + 1))  # unique and no gaps
    numbers = db.session.scalars(select(Document.number)).all()
    assert len(set(numbers)) == len(numbers)


def test_numbers_restart_each_year_and_per_enterprise(app):
    assert next_number(2026) == 1
    assert next_number(2026) == 2
    assert next_number(2027) == 1
    assert next_number(2026, enterprise_id=2) == 1
    db.session.rollback()
    assert next_number(2026) == 1  # rolled back: nothing was used
