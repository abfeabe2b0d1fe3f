"""`casework daily`, `casework cases open-for-debtors`, `casework cases import-courts FILE`."""
from __future__ import annotations

import csv
import json
from datetime import date

import click
from flask import Flask
from sqlalchemy import select, update

from ..extensions import db
from ..timeutil import today as business_today
from ..transaction import unit_of_work


def _day(value: str | None) -> date:
    return date.fromisoformat(value) if value else business_today()


COURT_FIELDS = ("code", "kind", "name", "sector_number", "judge_name", "address", "phone", "email", "payee_name",
                "payee_inn", "payee_kpp", "oktmo", "treasury_account", "bik", "kbk")


def import_courts(rows) -> tuple[int, int, int]:
    """Upsert courts by code; a `buildings` column (addresses separated by ';') links buildings to the court.
    Returns (created, updated, buildings linked)."""
    from ..accounts.models import Building
    from .models import Court

    created = updated = linked = 0
    for row in rows:
        code = (row.get("code") or "").strip()
        if not code:
            continue
        court = db.session.scalar(select(Court).where(Court.code == code))
        if court is None:
            court = Court(code=code)
            db.session.add(court)
            created += 1
        else:
            updated += 1
        for f in COURT_FIELDS[1:]:
            if row.get(f) not in (None, ""):
                setattr(court, f, row[f].strip())
        db.session.flush()
        for addr in filter(None, (a.strip() for a in (row.get("buildings") or "").split(";"))):
            res = db.session.execute(update(Building).where(Building.address == addr).values(court_id=court.id))
            linked += res.rowcount or 0
    db.session.flush()
    return created, updated, linked


def register_cli(app: Flask) -> None:
    @app.cli.command("daily")
    @click.option("--today", "today_", help="business date YYYY-MM-DD (default: today)")
    def daily(today_):
        """Daily job: open cases, automatic exits, deadlines, alerts. Idempotent, safe from cron."""
        from .jobs import run_daily_locked

        with unit_of_work():
            counts = run_daily_locked(_day(today_))  # under the daily job's advisory lock (cron on several hosts)
        if counts is None:
            click.echo(json.dumps({"skipped": "another daily run holds the lock"}))
            return
        click.echo(json.dumps(counts, ensure_ascii=False, default=str))

    @app.cli.group("cases")
    def cases_group():
        """Case workflow commands."""

    @cases_group.command("open-for-debtors")
    @click.option("--today", "today_")
    @click.option("--threshold", type=float, default=None, help="rubles; default CASE_OPEN_THRESHOLD_KOP")
    def open_for_debtors(today_, threshold):
        """Open a case for every account above the threshold that has none."""
        from decimal import Decimal

        from ..domain.money import to_kopecks
        from .services import open_cases_for_debtors

        thr = to_kopecks(Decimal(str(threshold)).quantize(Decimal("0.01"))) if threshold is not None else None
        with unit_of_work():
            n = open_cases_for_debtors(_day(today_), thr)
        click.echo(f"opened {n}")

    @cases_group.command("import-courts")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def import_courts_cmd(path):
        """Import the court directory from CSV (UTF-8; columns: code, kind, name, address, …, buildings)."""
        with open(path, encoding="utf-8-sig", newline="") as fh:
            sample = fh.read(2048)
            fh.seek(0)
            dialect = csv.Sniffer().sniff(sample, delimiters=";,\t")
            with unit_of_work():
                c, u, l = import_courts(csv.DictReader(fh, dialect=dialect))
        click.echo(f"courts created {c}, updated {u}, buildings linked {l}")
