"""`casework calc …` inside the application: penalty | limitation | duty (calc-contract v1) and portfolio.

Which reference data `casework calc penalty|limitation|duty` uses (setting CALC_REFERENCE, env
CASEWORK_CALC_REFERENCE):

- ``auto`` (default): the application's database tables when the database exists, has the legal tables and an
  active key rate — so an admin's edit in Rate tables is what the CLI computes with; otherwise the packaged
  files (casework/data), exactly like ``python -m casework.legal.cli``;
- ``database``: the database tables, or exit 2 with an error when they are unavailable;
- ``packaged``: always the packaged files.

The JSON interface is unchanged: one document on stdin, one on stdout, exit 2 with {"error": …} on stderr.
"""
from __future__ import annotations

import os
import sys
from datetime import date

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..domain.errors import DomainError
from ..transaction import unit_of_work
from .contract import ContractError, run_duty, run_limitation, run_penalty


def _sqlite_file_missing(uri: str) -> bool:
    if not uri.startswith("sqlite"):
        return False
    path = uri.split("///", 1)[1] if "///" in uri else ""
    return path in ("", ":memory:") or not os.path.exists(path.split("?", 1)[0])


def app_reference(mode: str | None = None):
    """The Reference the calc CLI uses under CALC_REFERENCE (see the module docstring), or None for packaged."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    from ..extensions import db
    from .services import current_reference

    mode = (mode or current_app.config.get("CALC_REFERENCE") or "auto").lower()
    if mode == "packaged":
        return None
    problem = None
    if _sqlite_file_missing(current_app.config["SQLALCHEMY_DATABASE_URI"]):
        problem = "the database file does not exist"
    else:
        try:
            if not inspect(db.engine).has_table("legal_key_rates"):
                problem = "the database has no legal reference tables (run `casework init-db`)"
            else:
                ref = current_reference()
                if ref.rates is not None:
                    return ref
                problem = "the key-rate table is empty"
        except SQLAlchemyError as exc:
            problem = f"the database is not reachable ({exc.__class__.__name__})"
    if mode == "database":
        raise ContractError(f"reference data: {problem}")
    return None


def _run(kind: str) -> None:
    from .cli import run_stdin

    run_stdin(kind, compute)


def compute(kind: str, doc, ref=None):
    """Run one calculator document with the app's reference data (or the packaged files, see CALC_REFERENCE)."""
    from . import contract, reference

    ref = ref if ref is not None else app_reference()
    if ref is None:
        return contract.run(kind, doc)
    try:
        if kind == "penalty":
            return run_penalty(doc, ref.rates, ref.calendar, ref.moratoria)
        if kind == "limitation":
            return run_limitation(doc, ref.calendar)
        if kind == "duty":
            return run_duty(doc, ref.duty_scales or reference.load_duty_scales())
    except ContractError:
        raise
    except DomainError as exc:
        raise ContractError(str(exc)) from exc
    raise ContractError(f"unknown calculator {kind!r}")


@click.group("calc", help="Calculators of calc-contract v1 (JSON on stdin, JSON on stdout; exit 2 on invalid "
                          "input) with the application's reference data, and the portfolio run.")
def calc_group() -> None:
    pass


@calc_group.command("penalty")
@with_appcontext
def penalty_cmd() -> None:
    """ЖКУ penalty under ЖК ст.155 ч.14."""
    _run("penalty")


@calc_group.command("limitation")
@with_appcontext
def limitation_cmd() -> None:
    """Limitation periods per monthly charge."""
    _run("limitation")


@calc_group.command("duty")
@with_appcontext
def duty_cmd() -> None:
    """State duty on a property claim or court order."""
    _run("duty")


def _parse_ids(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(x) for x in text.replace(" ", ",").split(",") if x]
    except ValueError:
        raise click.BadParameter("account ids must be whole numbers separated by commas") from None


@calc_group.command("portfolio")
@click.option("--as-of", "as_of", required=True, type=click.DateTime(formats=["%Y-%m-%d", "%d.%m.%Y"]),
              help="Calculation date (YYYY-MM-DD or DD.MM.YYYY).")
@click.option("--accounts", "accounts", default=None, help="Only these account ids (comma-separated).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 8),
              help="Processes (2 on a 2-core machine halves the time).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@with_appcontext
def portfolio_cmd(as_of, accounts, workers, quiet) -> None:
    """Penalty and limitation for every account with debt as of a date, stored in portfolio_results."""
    from .portfolio import run_portfolio

    ids = _parse_ids(accounts)
    as_of_d: date = as_of.date()
    with unit_of_work():
        if quiet:
            run = run_portfolio(as_of_d, ids, workers=workers)
        else:
            total = len(ids) if ids is not None else _count_accounts()
            with click.progressbar(length=total, label="portfolio", show_pos=True, file=sys.stderr) as bar:
                run = run_portfolio(as_of_d, ids, workers=workers, progress=bar.update)
    click.echo(f"run {run.id} as of {as_of_d.isoformat()}: {run.accounts_scanned} accounts read, "
               f"{run.accounts_with_debt} with debt, penalty {_rub(run.penalty_kop)}, "
               f"time-barred {_rub(run.time_barred_kop)}, claimable {_rub(run.claimable_kop)}, "
               f"{run.errors} errors, {run.duration_ms} ms")


def _rub(kop: int) -> str:
    sign = "-" if kop < 0 else ""
    kop = abs(int(kop))
    return f"{sign}{kop // 100}.{kop % 100:02d}"


def _count_accounts() -> int:
    from sqlalchemy import func, select

    from ..accounts.models import Account
    from ..extensions import db

    return int(db.session.scalar(select(func.count()).select_from(Account)) or 0)


def register_cli(app: Flask) -> None:
    """Register `casework calc` (the app-aware group) before casework.cli would add the pure one."""
    app.cli.add_command(calc_group)
