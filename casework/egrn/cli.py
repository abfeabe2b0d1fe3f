"""`casework egrn import PATH… [--apply]`: ЕГРН extracts from files, folders or zips, compared (and applied)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from ..i18n import _
from ..transaction import unit_of_work


def _uploads(paths: tuple[str, ...]) -> list[tuple[str, bytes]]:
    out = []
    for p in map(Path, paths):
        files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        out += [(f.name, f.read_bytes()) for f in files if f.suffix.lower() in (".xml", ".zip")]
    return out


def register_cli(app: Flask) -> None:
    @app.cli.group("egrn")
    def egrn_cli():
        """ЕГРН extracts (owners, shares, ownership periods)."""

    @egrn_cli.command("import")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
    @click.option("--apply", "apply_", is_flag=True, help="Write the differences (else only show them).")
    def import_cmd(paths, apply_):
        """Compare the extracts in PATHS (files, folders, zips) with the accounts' owners."""
        from . import parser, services

        try:
            with unit_of_work():  # the stored files only: the review reads
                token, reviews = services.review_upload(_uploads(paths))
        except parser.ExtractError as exc:
            raise click.ClickException(str(exc)) from None
        for r in reviews:
            if r.error or r.unmatched:
                click.echo(f"{r.name}: {r.error or r.unmatched}")
                continue
            click.echo(f"{r.name}: {r.cad_number} → {r.account_number}: "
                       + _("%(n)s differences, %(m)s owners not in the extract", n=len(r.changes), m=len(r.missing)))
            for c in r.changes:
                click.echo(f"  {c['what']}: {c['name']} {c['share']} {c.get('diffs') or ''}")
        if apply_:
            with unit_of_work():
                totals = services.apply_upload(token)
            click.echo(_("Applied to %(files)s accounts: %(new)s owners added, %(changed)s changed, "
                         "%(ended)s rights ended.", files=totals["files"], new=totals["new_owners"],
                         changed=totals["changed"], ended=totals["ended"]))
