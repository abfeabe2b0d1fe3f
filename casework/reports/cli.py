"""`casework report monthly|close`: the monthly form from the command line (thin wrappers over services)."""
from __future__ import annotations

import sys

import click
from flask import Flask

from ..domain.errors import DomainError
from ..extensions import db
from ..timeutil import today as today_local
from ..transaction import unit_of_work


def render_report(month_text: str, fmt: str) -> bytes | str:
    """The form of a month in a format: str for json/csv, bytes for xlsx/docx (closed months: the snapshot)."""
    from . import export
    from .queries import parse_month, signatory
    from .services import monthly_report

    report = monthly_report(parse_month(month_text))
    if fmt == "json":
        return export.to_json(report)
    if fmt == "csv":
        return export.to_csv(report)
    name, position = signatory()
    if fmt == "xlsx":
        return export.to_xlsx(report, name, position)
    return export.to_docx(report, name, position)


def _emit(data: str | bytes, output: str | None) -> None:
    """Write a rendered report to OUTPUT, or text (json, csv) to stdout; binary formats need a file."""
    if output:
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(output, mode, **({} if mode == "wb" else {"encoding": "utf-8", "newline": ""})) as fh:
            fh.write(data)
        click.echo(f"{output}", err=True)
    elif isinstance(data, bytes):
        raise click.ClickException("xlsx and docx need -o FILE")
    else:
        sys.stdout.write(data)


def register_cli(app: Flask) -> None:
    @app.cli.group("report")
    def report_group():
        """Reports: the monthly municipal form (Приложение № 4) and the measures report."""

    @report_group.command("monthly")
    @click.option("--month", required=True, help="Reporting month, YYYY-MM.")
    @click.option("--format", "fmt", type=click.Choice(["xlsx", "docx", "csv", "json"]), default="json",
                  show_default=True)
    @click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
                  help="File to write; json and csv go to stdout without it.")
    def monthly_cmd(month: str, fmt: str, output: str | None):
        """Print or save the monthly form of MONTH."""
        try:
            data = render_report(month, fmt)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None
        _emit(data, output)

    @report_group.command("measures")
    @click.option("--month", default=None, help="Reporting month, YYYY-MM.")
    @click.option("--period", default=None,
                  help="Reporting period instead of --month: YYYY-MM (month), YYYY-Qn (quarter 1-4) or YYYY (year).")
    @click.option("--format", "fmt", type=click.Choice(["xlsx", "docx", "csv", "json"]), default="json",
                  show_default=True)
    @click.option("--group", type=click.Choice(["territory", "tenure"]), default=None,
                  help="The split by territory or by tenure (rows of their own tables).")
    @click.option("--category", type=click.Choice(["population", "other"]), default=None,
                  help="Only население (population) or прочие потребители (other).")
    @click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
                  help="File to write; json and csv go to stdout without it.")
    def measures_cmd(month: str | None, period: str | None, fmt: str, group: str | None, category: str | None,
                     output: str | None):
        """Print or save the measures report of a month, quarter or year (and from 1 January)."""
        from .measures import measures_report
        from .measures_export import render
        from .period import parse_period

        if bool(month) == bool(period):
            raise click.UsageError("give either --month or --period")
        try:
            p = parse_period(period or month)
            if month and p.kind != "month":
                raise click.UsageError("--month takes YYYY-MM; use --period for a quarter or a year")
            data = render(measures_report(p, group_by=group, category=category), fmt)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None
        _emit(data, output)

    @report_group.command("close")
    @click.option("--month", required=True, help="Reporting month to close, YYYY-MM.")
    @click.option("--user", "username", default=None, help="Manager who closes the month (username).")
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def close_cmd(month: str, username: str | None, yes: bool):
        """Close MONTH: freeze the submitted figures (final; later corrections go to the next month)."""
        from sqlalchemy import select

        from ..auth.models import User
        from .queries import parse_month
        from .services import close_month

        try:
            m = parse_month(month)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None
        user = None
        if username:
            user = db.session.scalar(select(User).where(User.username == username))
            if user is None:
                raise click.ClickException(f"no user {username!r}")
        if not yes:
            click.confirm(f"Close {month}? Closing is final.", abort=True)
        try:
            with unit_of_work():
                closed = close_month(m, user, today_local())
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"closed {month} at {closed.closed_at:%Y-%m-%d %H:%M}")

    @report_group.command("refresh-figures")
    def refresh_figures_cmd():
        """Recompute the per-account monthly figures and balances of every account from the ledger.

        Imports keep them current; run this once after upgrading from a version whose partial imports left the
        accounts a later file did not touch without rows for its months (the form lost their debt)."""
        from sqlalchemy import func, select

        from ..accounts.models import AccountMonth
        from ..accounts.services import refresh_account_figures

        with unit_of_work():
            refresh_account_figures()
        rows = db.session.scalar(select(func.count()).select_from(AccountMonth))
        latest = db.session.scalar(select(func.max(AccountMonth.month)))
        click.echo(f"figures recomputed: {rows} account-months up to {latest or '—'}")
