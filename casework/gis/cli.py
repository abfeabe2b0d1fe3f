"""`casework gis import PATH…` (exportDSRs results, web lists) and `casework gis export OUT` (importDSRResponses)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from ..i18n import _
from ..transaction import unit_of_work


def register_cli(app: Flask) -> None:
    @app.cli.group("gis")
    def gis_cli():
        """ГИС ЖКХ debt requests from social-protection offices (УСЗН)."""

    @gis_cli.command("import")
    @click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
    def import_cmd(paths):
        """Import the requests of exportDSRs results (.xml) or the web interface's lists (.xlsx)."""
        from ..domain.errors import DomainError
        from ..timeutil import today
        from . import parsing, services

        for p in map(Path, paths):
            try:
                with unit_of_work():
                    t = services.import_requests(p.name, p.read_bytes(), today())
            except (parsing.RequestFileError, DomainError) as exc:
                raise click.ClickException(f"{p.name}: {exc}") from None
            click.echo(f"{p.name}: " + _("Requests read: %(read)s, new: %(new)s (matched: %(matched)s), "
                                         "already held: %(known)s, already answered in ГИС ЖКХ: "
                                         "%(answered_in_gis)s.", **t))

    @gis_cli.command("export")
    @click.argument("out", type=click.Path(dir_okay=False, writable=True))
    def export_cmd(out):
        """Write the answered requests not yet exported as an importDSRResponses message to OUT."""
        from ..domain.errors import DomainError
        from . import services

        try:
            with unit_of_work():
                exp = services.create_export(None)
                data = services.export_xml(exp)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None
        Path(out).write_bytes(data)
        click.echo(_("%(n)s answers are in the export; download its XML.", n=exp.count))
