"""The Russian interface is complete: every msgid of the code has a Russian translation that keeps its
placeholders, and the Jinja templates carry no English UI text outside `_()`."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
RU_PO = ROOT / "casework" / "translations" / "ru" / "LC_MESSAGES" / "messages.po"

# Latin words that may stand in Russian UI text as they are: the product name, file formats, codes,
# abbreviations, units and identifiers users know in Latin letters.
ALLOWED_LATIN = {
    "casework", "csv", "xlsx", "xls", "docx", "pdf", "zip", "json", "txt", "html", "excel", "utf", "id",
    "http", "https", "www", "e", "mail", "email", "sms", "ok", "cbr", "ru", "en", "rub", "gis", "jkh",
    "api", "url", "sql", "ctrl", "alt", "shift", "enter", "esc", "tab", "i", "ii", "iii", "iv", "v", "vi",
    "vii", "viii", "ix", "x", "xi", "xii", "a", "b", "c", "d", "kop", "inn", "ogrn", "kpp", "bik", "swift",
    "english", "no", "sha", "word", "libreoffice", "docxtpl", "jinja",
}
# attributes whose values the user reads (or a screen reader speaks)
TEXT_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "label", "data-confirm", "summary"}

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{(\w+)\}")


def _strip_jinja(source: str) -> str:
    """Keep the template's literal text; replace every Jinja expression/statement/comment by a neutral
    marker (one per construct, line numbers kept)."""
    out: list[str] = []
    inside = False
    for _line, kind, value in Environment().lex(source):
        if kind == "data":
            out.append(value)
            inside = False
            continue
        if not inside:
            out.append("\u2060")
            inside = True
        out.append("\n" * value.count("\n"))
    return "".join(out)


def latin_words(text: str) -> list[str]:
    """Latin words of a UI text that are not on the allow-list."""
    return [w for w in _WORD.findall(text) if w.lower().strip("'’-") not in ALLOWED_LATIN]


class _TextScanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code", "pre"):
            self._skip += 1
        for name, value in attrs:
            if name in TEXT_ATTRIBUTES and value and latin_words(value):
                self.found.append((self.getpos()[0], f'{name}="{value.strip()}"'))
        if tag == "input":
            kind = dict(attrs).get("type")
            value = dict(attrs).get("value")
            if kind in ("submit", "button", "reset") and value and latin_words(value):
                self.found.append((self.getpos()[0], f'value="{value.strip()}"'))

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "pre") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if self._skip or not data.strip():
            return
        if latin_words(data):
            self.found.append((self.getpos()[0], " ".join(data.replace("\u2060", " ").split())))


def hard_coded_english(path: Path) -> list[tuple[int, str]]:
    """(line, text) of text nodes and user-facing attributes of a template with Latin words outside `_()`."""
    scanner = _TextScanner()
    scanner.feed(_strip_jinja(path.read_text(encoding="utf-8")))
    scanner.close()
    return scanner.found


def placeholders(text: str) -> set[str]:
    """Names of the `%(name)s` and `{name}` placeholders of a message."""
    return {a or b for a, b in _PLACEHOLDER.findall(text)}


# ---------------------------------------------------------------------------------------------- tests

def test_every_msgid_has_a_russian_translation():
    from casework.maintenance.i18n import untranslated

    missing = untranslated("ru", source_root=ROOT)
    assert not missing, (f"{len(missing)} strings lack a Russian translation (run `casework i18n missing "
                         f"--json`, translate, `casework i18n fill`):\n" + "\n".join(missing[:40]))


def _ru_messages():
    with open(RU_PO, "rb") as f:
        catalog = read_po(f, locale="ru")
    return [m for m in catalog if m.id]


def test_translations_keep_every_placeholder():
    wrong = []
    for msg in _ru_messages():
        ids = msg.id if isinstance(msg.id, (tuple, list)) else (msg.id,)
        strings = msg.string if isinstance(msg.string, (tuple, list)) else (msg.string,)
        wanted = set().union(*(placeholders(i) for i in ids))
        for s in strings:
            if s and placeholders(s) != wanted:
                wrong.append(f"{ids[0]!r} → {s!r}: {sorted(wanted)} vs {sorted(placeholders(s))}")
    assert not wrong, "translations with lost or foreign placeholders:\n" + "\n".join(wrong)


def test_templates_have_no_hard_coded_english():
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for line, text in hard_coded_english(path):
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {text[:100]}")
    assert not offenders, "English UI text outside _() in templates:\n" + "\n".join(offenders)


# the checks themselves must be able to fail

@pytest.mark.parametrize("source, expected", [
    ("<p>Save changes</p>", ["Save changes"]),
    ('<button title="Delete the case">{{ _("x") }}</button>', ['title="Delete the case"']),
    ('<input type="submit" value="Apply">', ['value="Apply"']),
    ("{% block title %}Accounts{% endblock %}", ["Accounts"]),
    ("<p>{{ _('Save changes') }}</p>", []),
    ("<td>{{ a.number }} · CSV, XLSX</td>", []),
    ('<p>{{ _("Use %(ex)s", ex="{%tr for r in rows %}") }} Tail text</p>', ["Tail text"]),
    ("<script>const x = 'hello world';</script>", []),
    ('<a href="/x" class="button primary">{{ _("Open") }}</a>', []),
])
def test_scanner_detects_english_text(tmp_path, source, expected):
    p = tmp_path / "t.html"
    p.write_text(source, encoding="utf-8")
    assert [text for _line, text in hard_coded_english(p)] == expected


def test_placeholder_check_sees_lost_names():
    assert placeholders("%(n)s accounts of %(total)d") == {"n", "total"}
    assert placeholders("{count} строк") == {"count"}
    assert placeholders("счетов: %(n)s") != placeholders("%(n)s of %(total)s")
