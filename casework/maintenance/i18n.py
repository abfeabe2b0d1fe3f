"""`casework i18n update|check|fill`: keep the Babel catalogues complete (developer tool)."""
from __future__ import annotations

import contextlib
import fcntl
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import click
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from .. import PACKAGE_DIR, PROJECT_DIR

TRANSLATIONS = PACKAGE_DIR / "translations"


@contextlib.contextmanager
def _locked():
    """Serialize read-modify-write of the catalogues between concurrent developers/processes."""
    with open(TRANSLATIONS / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _catalog_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def extract(pot: Path, source_root: Path = PROJECT_DIR) -> None:
    """Extract every translatable string of the code and the templates (of a checkout) into a .pot file."""
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    str(source_root / "pyproject.toml"), "-k", "_l", "-k", "_", "--no-location",
                    "--sort-output", "-o", str(pot), str(source_root)],
                   check=True, capture_output=True, cwd=source_root)


def untranslated(lang: str = "ru", pot: Path | None = None, source_root: Path = PROJECT_DIR) -> list[str]:
    """msgids of the code that the catalogue lacks or leaves empty (fuzzy counts as missing).

    `source_root` is the checkout whose code and templates are scanned (the installed package has no
    pyproject.toml); its catalogue is the one checked."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = pot or Path(tmp) / "messages.pot"
        extract(pot, source_root)
        with open(pot, "rb") as f:
            template = read_po(f)
    po_path = source_root / "casework" / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with open(po_path, "rb") as f:
        catalog = read_po(f, locale=lang)
    missing = []
    for msg in template:
        if not msg.id:
            continue
        have = catalog.get(msg.id)
        text = have.string if have else None
        if not have or (have.fuzzy) or not (any(text) if isinstance(text, tuple) else text):
            missing.append(msg.id if isinstance(msg.id, str) else msg.id[0])
    return missing


def update_catalogs() -> None:
    """Merge new msgids into every catalogue (keeping translations) and compile the .mo files."""
    with tempfile.TemporaryDirectory() as tmp, _locked():
        pot = Path(tmp) / "messages.pot"
        extract(pot)
        with open(pot, "rb") as f:
            template = read_po(f)
        for lang_dir in TRANSLATIONS.iterdir():
            po_path = lang_dir / "LC_MESSAGES" / "messages.po"
            if not po_path.is_file():
                continue
            with open(po_path, "rb") as f:
                catalog = read_po(f, locale=lang_dir.name)
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            with open(po_path, "wb") as f:
                write_po(f, catalog, width=100, omit_header=False, no_location=True, sort_output=True)
            compile_catalog(lang_dir.name)


def compile_catalog(lang: str) -> None:
    po_path = _catalog_path(lang)
    with open(po_path, "rb") as f:
        catalog = read_po(f, locale=lang)
    with open(po_path.with_suffix(".mo"), "wb") as f:
        write_mo(f, catalog)


def fill(lang: str, mapping: dict[str, str]) -> int:
    """Set translations from a {msgid: msgstr} mapping; returns how many were set."""
    with _locked():
        return _fill(lang, mapping)


def _fill(lang: str, mapping: dict[str, str]) -> int:
    po_path = _catalog_path(lang)
    with open(po_path, "rb") as f:
        catalog = read_po(f, locale=lang)
    n = 0
    for msgid, text in mapping.items():
        msg = catalog.get(msgid)
        if msg is None:
            catalog.add(msgid, text)
        else:
            msg.string = text
            msg.flags.discard("fuzzy")
        n += 1
    with open(po_path, "wb") as f:
        write_po(f, catalog, width=100, no_location=True, sort_output=True)
    compile_catalog(lang)
    return n


@click.group("i18n")
def i18n_cli():
    """Translation catalogues (developer tool)."""


@i18n_cli.command("update")
def update_cmd():
    """Extract strings, merge them into the catalogues and compile."""
    update_catalogs()
    missing = untranslated("ru")
    click.echo(f"{len(missing)} strings lack a Russian translation")


@i18n_cli.command("missing")
@click.option("--lang", default="ru")
@click.option("--json", "as_json", is_flag=True)
def missing_cmd(lang, as_json):
    """List the strings that lack a translation."""
    missing = untranslated(lang)
    if as_json:
        click.echo(json.dumps({m: "" for m in missing}, ensure_ascii=False, indent=1))
    else:
        for m in missing:
            click.echo(m)


@i18n_cli.command("fill")
@click.argument("mapping_json", type=click.File("r", encoding="utf-8"))
@click.option("--lang", default="ru")
def fill_cmd(mapping_json, lang):
    """Set translations from a JSON object {msgid: translation}."""
    n = fill(lang, json.load(mapping_json))
    click.echo(f"{n} translations set")
