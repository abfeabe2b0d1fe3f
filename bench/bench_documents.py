"""Bulk document generation vs bare docxtpl render+save of the same template and context, in the same run.

Usage: python bench/bench_documents.py [N] [--qr] (default 300 accounts). Uses a fresh SQLite database in a
temporary instance folder unless DATABASE_URL is set (then a fresh PostgreSQL database is created and dropped).
With --qr the enterprise has bank details, so every letter carries its payment QR code (docs/payment-qr.md).
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
N = int(ARGS[0]) if ARGS else 300
QR = "--qr" in sys.argv[1:]
TODAY = date(2026, 11, 22)
CODE = "warning_restriction"


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-docs-"))
    os.environ["CASEWORK_INSTANCE_PATH"] = str(tmp)
    url = os.environ.get("DATABASE_URL")
    pg_name = None
    if url and url.startswith("postgres"):
        import psycopg
        from sqlalchemy.engine import make_url

        from casework.config import normalize_database_url

        base = make_url(normalize_database_url(url))
        pg_name = f"casework_bench_{uuid.uuid4().hex[:6]}"
        admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{pg_name}"')
        db_url = base.set(database=pg_name).render_as_string(hide_password=False)
    else:
        db_url = "sqlite:///" + str(tmp / "bench.sqlite3")
    from casework import create_app
    from casework.extensions import db
    from casework.maintenance.setup import seed_reference

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "DOCUMENTS_DIR": str(tmp / "documents"), "TESTING": True})
    try:
        with app.app_context():
            db.create_all()
            seed_reference()
            db.session.commit()
            ids = make_accounts(N)
            run(app, ids)
            db.session.remove()
            db.engine.dispose()
    finally:
        if pg_name:
            import psycopg

            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def make_accounts(n: int) -> list[int]:
    """n accounts, two owners each, 12 months of charges for two services and a payment (Core inserts)."""
    from sqlalchemy import insert, select

    from casework.accounts.models import Account, AccountParty, Building, LedgerEntry, Party, Service
    from casework.enterprise.models import get_enterprise
    from casework.extensions import db

    ent = get_enterprise()
    ent.name, ent.inn, ent.signatory_name, ent.signatory_position = "МУП «Теплоэнерго»", "2434000001", "Петров Пётр Петрович", "Директор"
    if QR:  # bank details whose keys match the BIC: every letter gets its payment QR code
        ent.bank_name, ent.bik = "ПАО Сбербанк", "044525225"
        ent.settlement_account, ent.correspondent_account = "40702810938000000001", "30101810400000000225"
    b = Building(address="гп Северо-Енисейский, ул. Ленина, д. 10")
    db.session.add(b)
    db.session.flush()
    db.session.execute(insert(Account), [dict(number=f"B{i:06d}", category="population", debtor_name=f"Иванов Иван {i}",
                                              address=f"{b.address}, кв. {i}", apartment=str(i), building_id=b.id)
                                         for i in range(1, n + 1)])
    ids = list(db.session.scalars(select(Account.id).order_by(Account.id)))
    db.session.execute(insert(Party), [dict(kind="person", full_name="Смирнова Анна Сергеевна", gender="f",
                                            external_id=f"P{i}a") for i in ids] +
                       [dict(kind="person", full_name="Смирнов Олег Петрович", gender="m", external_id=f"P{i}b")
                        for i in ids])
    pid = dict(db.session.execute(select(Party.external_id, Party.id)).all())
    db.session.execute(insert(AccountParty), [dict(account_id=i, party_id=pid[f"P{i}{s}"], role="owner", share_num=1,
                                                   share_den=2) for i in ids for s in "ab"])
    svc = {s.code: s.id for s in db.session.scalars(select(Service))}
    rows = []
    for i in ids:
        for m in range(1, 13):
            for code, amt in (("heating", 250000), ("hot_water", 110000)):
                rows.append(dict(account_id=i, service_id=svc[code], period=date(2025, m, 1), kind="charge",
                                 amount_kop=amt, entry_key=f"{i}-{code}-{m}"))
        rows.append(dict(account_id=i, service_id=svc["heating"], period=date(2025, 6, 1), kind="payment",
                         amount_kop=700000, paid_on=date(2025, 6, 20), source="bank", entry_key=f"{i}-p"))
    db.session.execute(insert(LedgerEntry), rows)
    db.session.commit()
    return ids


def run(app, ids: list[int]) -> None:
    import io

    from docxtpl import DocxTemplate

    from casework.documents import bulk
    from casework.documents.context import load_common, load_source
    from casework.documents.fields import build_context
    from casework.documents.services import active_template, template_data
    from casework.extensions import db

    path, _v = active_template(CODE)
    _data, names = template_data(path)
    src = load_source(ids[0], load_common({}, TODAY))
    src.number = "1/2026"
    ctx = build_context(src, names)
    # bare docxtpl: load the template, render, save — the way its documentation shows, for every document
    n_bare = len(ids)
    t0 = time.perf_counter()
    for _ in range(n_bare):
        tpl = DocxTemplate(str(path))
        tpl.render(ctx, autoescape=True)
        buf = io.BytesIO()
        tpl.save(buf)
    bare = n_bare / (time.perf_counter() - t0)
    # the application's bulk path: context from the database, numbering, render, file + ZIP, registry rows
    batch = bulk.create_batch(CODE, ids, "zip")
    db.session.commit()
    t0 = time.perf_counter()
    batch = bulk.run_batch(batch.id, ids, {}, today=TODAY)
    elapsed = time.perf_counter() - t0
    assert batch.status == "done", batch.message
    rate = len(ids) / elapsed
    print(f"template: {path.name}; documents: {len(ids)}; database: {db.engine.dialect.name}; "
          f"payment QR: {'yes' if QR else 'no'}")
    print(f"bare docxtpl render+save:   {bare:8.1f} documents/s")
    print(f"bulk generation (issued):   {rate:8.1f} documents/s  ({elapsed:.2f} s, batch {batch.id}: {batch.message})")
    print(f"ratio bulk / bare:          {rate / bare:8.2f}  (target >= 0.8 and >= 40 documents/s)")


if __name__ == "__main__":
    main()
