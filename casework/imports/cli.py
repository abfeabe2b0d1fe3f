"""`casework import accounts|persons|ledger|turnover FILE` and `casework import list`."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from ..extensions import db
from ..i18n import _
from ..transaction import unit_of_work
from .models import ImportBatch


def _run(kind: str, file: str, skip_bad_rows: bool, dry_run: bool, error_file: str | None,
         replace_period: bool = False, replace_absent: bool = False) -> None:
    from . import services

    path = Path(file)
    data = path.read_bytes()
    with click.progressbar(length=max(1, data.count(b"\n")), label=_("Importing %(f)s", f=path.name),
                           file=sys.stderr) as bar:
        state = {"done": 0}

        def progress(done: int, total: int) -> None:
            step = min(done, bar.length) - state["done"]
            if step > 0:
                bar.update(step)
                state["done"] += step

        try:
            with unit_of_work():
                batch = services.commit_import(kind, data, path.name, None, skip_bad_rows=skip_bad_rows,
                                               dry_run=dry_run, via="cli", progress=progress, error_file=error_file,
                                               replace_period=replace_period, replace_absent=replace_absent)
        except Exception as exc:
            with unit_of_work():  # nothing of the import was written: the attempt is recorded
                services.record_failure(kind, data, path.name, None, "cli", str(exc) or repr(exc))
            raise click.ClickException(_("The import failed and nothing was written: %(e)s", e=str(exc) or repr(exc)))
        bar.update(bar.length - state["done"])
    errors = (batch.options or {}).get("errors", [])
    for e in errors:
        where = _("row %(r)s", r=e["row"]) if e["row"] else _("file")
        col = f" [{e['column']}]" if e["column"] else ""
        click.echo(f"{where}{col}: {e['reason']}", err=True)
    total_errors = (batch.options or {}).get("errors_total", len(errors))
    if total_errors > len(errors):
        click.echo(_("… and %(n)s more; see the error file.", n=total_errors - len(errors)), err=True)
    click.echo(_("Import %(id)s (%(kind)s, %(file)s): status %(status)s; rows %(rows)s, valid %(valid)s, bad %(bad)s; "
                 "inserted %(ins)s, updated %(upd)s, already present %(dup)s, skipped %(skip)s.",
                 id=batch.id, kind=kind, file=path.name, status=batch.status, rows=batch.rows_total,
                 valid=batch.rows_valid, bad=batch.rows_bad, ins=batch.rows_inserted, upd=batch.rows_updated,
                 dup=batch.rows_duplicate, skip=batch.rows_skipped))
    corr = (batch.options or {}).get("corrections") or {}
    if corr.get("changed") or corr.get("gone") or corr.get("kept_openings"):
        click.echo(_("Changed rows: %(c)s, rows no longer in the file: %(g)s, opening balances not added: %(o)s; "
                     "reversing entries written: %(r)s.", c=corr.get("changed", 0), g=corr.get("gone", 0),
                     o=corr.get("kept_openings", 0), r=corr.get("reversed", 0)))
    persons = (batch.options or {}).get("persons")
    if persons:
        click.echo(_("Persons: %(pn)s new, %(pu)s updated, %(pk)s unchanged; links to accounts: %(ln)s new, "
                     "%(lu)s updated, %(lk)s unchanged; values kept as edited in the app: %(c)s.",
                     pn=persons["persons"]["new"], pu=persons["persons"]["updated"],
                     pk=persons["persons"]["unchanged"], ln=persons["links"]["new"], lu=persons["links"]["updated"],
                     lk=persons["links"]["unchanged"], c=persons["conflicts_total"]))
        for c in persons["conflicts"]:
            click.echo(_("row %(r)s: %(name)s, «%(f)s» kept as edited in the app", r=c["row"], name=c["name"],
                         f=c["field"]), err=True)
    if batch.error_file:
        from .. import storage

        click.echo(_("Error file: %(p)s", p=error_file or storage.location("imports", batch.error_file)))
    if batch.status == "rejected":
        if batch.rows_bad:
            click.echo(_("Nothing was imported. Fix the rows, or run again with --skip-bad-rows."), err=True)
        sys.exit(1)
    if batch.status == "dry_run" and batch.rows_bad:
        sys.exit(1)


def register_cli(app: Flask) -> None:
    @app.cli.group("import")
    def import_group():
        """Import billing files: accounts registry, persons, ledger, turnover sheet."""

    for kind in ("accounts", "persons", "ledger", "turnover"):
        def make(kind: str):
            @import_group.command(kind, help=f"Import a {kind} file (CSV or XLSX).")
            @click.argument("file", type=click.Path(exists=True, dir_okay=False))
            @click.option("--skip-bad-rows", is_flag=True, help="Commit the good rows; bad ones go to the error file.")
            @click.option("--dry-run", is_flag=True, help="Only validate; write nothing.")
            @click.option("--error-file", type=click.Path(dir_okay=False), help="Where to write the bad rows (CSV).")
            @click.option("--replace-period", is_flag=True,
                          help="Ledger/turnover: reverse the rows billing changed or no longer has in the file's "
                               "period and write the changed rows (see docs/import-format.md).")
            @click.option("--replace-absent", is_flag=True,
                          help="With --replace-period: also reverse the period's rows of accounts the file has no "
                               "row for at all (without it a partial file leaves them alone).")
            def cmd(file, skip_bad_rows, dry_run, error_file, replace_period, replace_absent):
                if replace_absent and not replace_period:
                    raise click.UsageError(_("--replace-absent needs --replace-period."))
                _run(kind, file, skip_bad_rows, dry_run, error_file, replace_period, replace_absent)

            return cmd

        make(kind)

    @import_group.command("undo")
    @click.argument("batch_id", type=int)
    @click.option("--yes", is_flag=True, help="Confirm: write a reversing entry of every ledger row of the import.")
    def undo_cmd(batch_id: int, yes: bool):
        """Undo a committed ledger/turnover import: reversing entries of all its rows (once; audited)."""
        from ..domain.errors import DomainError
        from . import services

        batch = db.session.get(ImportBatch, batch_id)
        if batch is None:
            raise click.ClickException(_("No such import."))
        plan = services.undo_plan(batch)
        if plan.refusal:
            raise click.ClickException(plan.refusal)
        if not yes:
            raise click.ClickException(_("Undo import %(id)s? This cannot be undone.", id=batch_id) + " --yes")
        try:
            with unit_of_work():
                done = services.undo_import(batch_id, None)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(_("Import %(id)s undone: %(n)s reversing entries written.", id=batch_id, n=len(done.rows)))

    @import_group.command("list")
    @click.option("--limit", default=50, show_default=True)
    def list_cmd(limit: int):
        """List recorded imports, newest first."""
        rows = db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit)).all()
        if not rows:
            click.echo(_("No imports yet."))
            return
        for b in rows:
            click.echo(f"{b.id:>5}  {b.started_at:%d.%m.%Y %H:%M}  {b.kind:<9} {b.status:<9} {b.via:<3}  "
                       f"{b.rows_total:>8} {b.rows_bad:>6} {b.rows_inserted:>8} {b.rows_updated:>6} "
                       f"{b.rows_duplicate:>8}  {b.file_sha256[:12]}  {b.file_name}")
