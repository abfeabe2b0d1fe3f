"""`casework fssp import PATH… [--apply]`: the bailiffs' reconciliation from files, compared (and the records
updated). Receipts are never added from the command line: they need the lawyer's ticks on the review page."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from ..domain.money import from_kopecks
from ..i18n import _
from ..transaction import unit_of_work

SUFFIXES = (".xlsx", ".csv", ".xml", ".zip")


def _uploads(paths: tuple[str, ...]) -> list[tuple[str, bytes]]:
    out = []
    for p in map(Path, paths):
        files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        out += [(f.name, f.read_bytes()) for f in files if f.suffix.lower() in SUFFIXES]
    return out


def register_cli(app: Flask) -> None:
    @app.cli.group("fssp")
    def fssp_cli():
        """Bailiffs' data (the ОСП's reconciliation, ФССП notices)."""

    @fssp_cli.command("import")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
    @click.option("--apply", "apply_", is_flag=True,
                  help="Update the matched enforcement records (receipts only on the review page).")
    def import_cmd(paths, apply_):
        """Match the proceedings in PATHS (sheets, notices, folders, zips) to the writs."""
        from . import parser, services

        try:
            with unit_of_work():  # the stored files only: the review reads
                token, rows = services.review_upload(_uploads(paths))
        except parser.ReconciliationError as exc:
            raise click.ClickException(str(exc)) from None
        for r in rows:
            head = f"{r.p.origin}: {r.p.ip_number or '—'} / {r.p.writ_number or '—'} → {r.state}"
            click.echo(head + (f" ({r.account_number})" if r.account_number else f": {r.reason}"))
            for c in r.changes:
                click.echo(f"  {c['label']}: {c['old_shown'] or '—'} → {c['new_shown']}")
            for x in r.receipts:
                click.echo(f"  {x['paid_on'] or '—'} {from_kopecks(x['amount_kop'])} {x['state']}")
        click.echo(_("Review and tick the receipts at /fssp/review/%(token)s", token=token))
        if apply_:
            matched = {r.index for r in rows if r.state == services.MATCHED}
            with unit_of_work():
                totals = services.apply_review(token, None, picks={}, rows=matched, receipts=set())
            click.echo(_("Reconciliation applied: %(rows)s proceedings updated (%(changes)s changes), %(receipts)s "
                         "receipts added to the ledger, %(in_ledger)s already there.", rows=totals["rows"],
                         changes=totals["changes"], receipts=totals["receipts"], in_ledger=totals["in_ledger"]))
