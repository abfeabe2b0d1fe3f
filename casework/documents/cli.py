"""`casework documents …`: rebuild the shipped templates, verify stored files, bulk-generate from the shell."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ..transaction import unit_of_work


def register_cli(app: Flask) -> None:
    group = AppGroup("documents", help="Letters and documents.")

    @group.command("make-templates")
    @click.option("--target", type=click.Path(file_okay=False), default=None, help="Folder (default: LETTER_TEMPLATES_DIR)")
    def make_templates(target):
        """Rebuild the shipped Word templates with python-docx."""
        from .make_templates import build

        for p in build(Path(target or current_app.config["LETTER_TEMPLATES_DIR"])):
            click.echo(p)

    @group.command("verify")
    def verify():
        """Check every stored document against its registered SHA-256; exit 1 on a mismatch."""
        from sqlalchemy import select

        from ..extensions import db
        from .models import Document
        from .services import verify_file

        bad = [d.number for d in db.session.scalars(select(Document)) if not verify_file(d)]
        click.echo(f"{len(bad)} file(s) missing or changed" + (": " + ", ".join(bad[:50]) if bad else ""))
        raise SystemExit(1 if bad else 0)

    @group.command("bulk")
    @click.argument("code")
    @click.option("--building", type=int, default=None)
    @click.option("--territory", type=int, default=None)
    @click.option("--min-debt", type=int, default=1, help="rubles")
    @click.option("--output", type=click.Choice(["zip", "merged", "pdf"]), default="zip")
    def bulk_cmd(code, building, territory, min_debt, output):
        """Generate and number CODE for every matching account; prints the output file."""
        from . import bulk

        ids = bulk.accounts_for_filter(building, territory, min_debt * 100)
        if not ids:
            raise click.ClickException("No account matches the filter.")
        with unit_of_work():
            b = bulk.create_batch(code, ids, output, f"cli: building={building} territory={territory} debt>={min_debt}")
        b = bulk.run_batch(b.id, ids, {})
        click.echo(f"{b.status}: {b.message}; {b.file_path}")

    @group.command("letter-access")
    @click.option("--write-readme", is_flag=True, help="Replace the table in README.md (checkout only).")
    def letter_access(write_readme):
        """Print the Markdown table of letters × roles (preview, issue, download) pasted into the README."""
        import re

        from .. import PROJECT_DIR
        from .letters import LETTER_ACCESS_BEGIN, LETTER_ACCESS_END, letter_access_markdown

        table = letter_access_markdown()
        if not write_readme:
            click.echo(table, nl=False)
            return
        readme = PROJECT_DIR / "README.md"
        text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
        pattern = re.compile(re.escape(LETTER_ACCESS_BEGIN) + r".*?" + re.escape(LETTER_ACCESS_END), re.S)
        if not pattern.search(text):
            raise click.ClickException("README.md has no letter-access markers")
        readme.write_text(pattern.sub(lambda _m: f"{LETTER_ACCESS_BEGIN}\n{table}{LETTER_ACCESS_END}", text, count=1),
                          encoding="utf-8")
        click.echo(f"letter access written to {readme}")

    app.cli.add_command(group)
