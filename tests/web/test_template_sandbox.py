"""Uploaded Word templates are untrusted code: a template that reaches for private attributes is refused at upload
(a real .docx built with python-docx, posted through the admin page) and never runs — not in validation, not when a
document is issued — and the sandbox's autoescape leaves exactly one XML escaping in the documents."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document as NewDoc
from sqlalchemy import select

from casework.accounts.models import AccountParty, Party
from casework.documents.letters import LETTERS
from casework.documents.models import Document, TemplateVersion
from casework.documents.services import shipped_template_path, validate_template
from casework.extensions import db
from tests.factories import owned_flat

from ..conftest import PASSWORD
from .test_csrf import Browser
from .test_documents_views import issue

# the payload of the security report: walk to os through object's subclasses, run a command
RCE = ("{% for c in ''.__class__.__mro__[1].__subclasses__() %}{% if c.__name__ == 'catch_warnings' %}"
       "{{ c()._module.__builtins__['__import__']('os').popen('touch MARKER').read() }}{% endif %}{% endfor %}")
FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
FOOTNOTES_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"


def docx(body: str = "", header: str | None = None, title: str | None = None, footnote: str | None = None) -> bytes:
    """A real Word file: `body` as a paragraph, optionally a header paragraph, a document title, a footnote."""
    d = NewDoc()
    d.add_paragraph(body)
    if header is not None:
        d.sections[0].header.paragraphs[0].text = header
    if title is not None:
        d.core_properties.title = "TITLE-HERE"  # python-docx refuses titles over 255 characters: set below
    buf = io.BytesIO()
    d.save(buf)
    return _patched(buf.getvalue(), title, footnote)


def _patched(data: bytes, title: str | None, footnote: str | None) -> bytes:
    """Write the title into docProps/core.xml and add word/footnotes.xml holding `footnote` (python-docx cannot
    write footnotes)."""
    from xml.sax.saxutils import escape

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "docProps/core.xml" and title is not None:
                blob = blob.replace(b"TITLE-HERE", escape(title).encode())
            if footnote is None:
                zf.writestr(info, blob)
                continue
            if info.filename == "[Content_Types].xml":
                blob = blob.replace(b"</Types>", f'<Override PartName="/word/footnotes.xml" ContentType='
                                                 f'"{FOOTNOTES_TYPE}"/></Types>'.encode())
            elif info.filename == "word/_rels/document.xml.rels":
                blob = blob.replace(b"</Relationships>", f'<Relationship Id="rIdFn1" Type="{FOOTNOTES_REL}" '
                                                         f'Target="footnotes.xml"/></Relationships>'.encode())
            zf.writestr(info, blob)
        if footnote is not None:
            zf.writestr("word/footnotes.xml", (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes xmlns:w="http://schemas.'
                'openxmlformats.org/wordprocessingml/2006/main"><w:footnote w:id="1"><w:p><w:r>'
                f'<w:t xml:space="preserve">{escape(footnote)}</w:t></w:r></w:p></w:footnote></w:footnotes>').encode())
    return out.getvalue()


def _upload(client, code: str, data: bytes):
    return client.post(f"/documents/templates/{code}", data={"file": (io.BytesIO(data), "t.docx"), "note": "x"},
                       content_type="multipart/form-data")


def _browser(app, user) -> Browser:
    b = Browser(app)
    assert b.post("/auth/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
    return b


def _text(html: str) -> str:
    import html as _html

    return _html.unescape(html)


@pytest.mark.parametrize("where", ["body", "header", "title", "footnote"])
def test_the_reported_payload_is_refused_at_upload_and_never_runs(client, login, tmp_path, where):
    marker = tmp_path / "pwned"
    payload = RCE.replace("MARKER", str(marker))
    data = docx("Долг {{ debt_total }}", **({} if where == "body" else {where: payload}))
    if where == "body":
        data = docx("Долг {{ debt_total }} " + payload)
    login("admin")
    r = _upload(client, "notice_debt", data)
    page = _text(r.get_data(as_text=True))
    assert r.status_code == 400
    assert "служебному атрибуту" in page and "''.__class__.__mro__[1].__subclasses__" in page, page[-3000:]
    assert "test-secret" not in page
    assert not marker.exists()  # validation did not run it
    assert db.session.scalar(select(TemplateVersion.id)) is None


@pytest.mark.parametrize("expr, named", [
    ("{{ debtor_name.__class__ }}", "debtor_name.__class__"),
    ("{{ debtor_name|attr('__class__') }}", "debtor_name|attr('__class__')"),
    ("{% for o in owners %}{{ o['_sa_instance_state'] }}{% endfor %}", "o['_sa_instance_state']"),
    ("{{ debtor_name|attr('__cla' ~ 'ss__') }}", "__class__"),  # built at run time: the sandbox's own refusal
    ("{{ range.__self__ }}", "range.__self__"),
])
def test_any_private_attribute_is_refused_with_a_russian_message_naming_it(client, login, expr, named):
    login("admin")
    r = _upload(client, "notice_debt", docx("Уважаемый(ая) " + expr))
    page = _text(r.get_data(as_text=True))
    assert r.status_code == 400
    assert f"Шаблон обращается к служебному атрибуту «{named}»" in page, page[-3000:]
    assert db.session.scalar(select(TemplateVersion.id)) is None


def test_a_hostile_template_already_stored_is_not_run_when_a_document_is_issued(app, client, login, tmp_path):
    """A version stored before the upload check existed: issuing refuses it with the message, no code runs."""
    marker = tmp_path / "pwned"
    data = docx("{{ debtor_name }} " + RCE.replace("MARKER", str(marker)))
    rel = Path("templates") / "notice_debt" / "v001.docx"
    full = Path(app.config["DOCUMENTS_DIR"]) / rel
    full.parent.mkdir(parents=True, exist_ok=True)
    full.write_bytes(data)
    db.session.add(TemplateVersion(code="notice_debt", version=1, file_path=rel.as_posix(), sha256="0" * 64,
                                   original_name="old.docx", is_active=True))
    acc = owned_flat()
    db.session.commit()
    login("collector")
    r = issue(client, acc.id, "notice_debt")
    page = _text(r.get_data(as_text=True))
    assert r.status_code == 200 and "служебному атрибуту «__class__»" in page, page[-3000:]
    assert not marker.exists()
    assert db.session.scalar(select(Document.id)) is None


NAME = 'ООО «Тепло & Свет» <Юг> "А"'


@pytest.mark.parametrize("parts", ["body", "body+header+title+footnote"])
def test_names_with_quotes_ampersand_and_angle_brackets_are_escaped_exactly_once(app, make_user, parts):
    """Body only takes the fast path; a header, title or footnote with a field takes docxtpl's full path."""
    extra = {} if parts == "body" else {"header": "Кому: {{ debtor_name }}", "title": "{{ debtor_name }}",
                                        "footnote": "Сноска: {{ debtor_name }}"}
    admin, collector = _browser(app, make_user("admin")), _browser(app, make_user("collector"))
    r = _upload(admin, "notice_debt", docx("Должник: {{ debtor_name }}", **extra))
    assert r.status_code == 302, _text(r.get_data(as_text=True))[-2000:]
    acc = owned_flat(owners=1)
    acc.debtor_name = NAME
    party = db.session.scalar(select(Party).join(AccountParty).where(AccountParty.account_id == acc.id))
    party.full_name = NAME
    db.session.commit()
    r = issue(collector, acc.id, "notice_debt")
    assert r.status_code == 302, _text(r.get_data(as_text=True))[-2000:]
    doc = db.session.scalar(select(Document))
    r = collector.get(f"/documents/{doc.id}/download")
    data = r.data
    r.close()
    word = NewDoc(io.BytesIO(data))
    assert [p.text for p in word.paragraphs] == [f"Должник: {NAME}"]
    parts_xml = {n: zipfile.ZipFile(io.BytesIO(data)).read(n).decode() for n in zipfile.ZipFile(io.BytesIO(data)).namelist()
                 if n.endswith(".xml")}
    assert "&amp;amp;" not in "".join(parts_xml.values()) and "&amp;lt;" not in "".join(parts_xml.values())
    assert "Тепло &amp; Свет» &lt;Юг&gt;" in parts_xml["word/document.xml"]
    if parts != "body":
        assert word.sections[0].header.paragraphs[0].text == f"Кому: {NAME}"
        assert word.core_properties.title == NAME
        assert "Тепло &amp; Свет» &lt;Юг&gt;" in parts_xml["docProps/core.xml"]
        foot = re.sub(r"<[^>]+>", "", parts_xml["word/footnotes.xml"])
        assert "Сноска: ООО «Тепло &amp; Свет» &lt;Юг&gt;" in foot


@pytest.mark.parametrize("code", sorted(LETTERS))
def test_every_shipped_template_validates_and_renders_in_the_sandbox(app, code):
    data = shipped_template_path(LETTERS[code]).read_bytes()
    res = validate_template(code, data)
    assert res.ok, res.errors


def test_a_batch_renders_footnotes_and_properties_afresh_for_each_document(app):
    """The compiled template re-renders the parts docxtpl overwrites (footnotes, title) from the template's own text."""
    from casework.documents.rendering import CompiledTemplate

    tpl = CompiledTemplate(docx("{{ debtor_name }}", title="{{ debtor_name }}", footnote="{{ debtor_name }}"))
    for name in ("Первый & Ко", "Второй <Б>"):
        out = tpl.render_bytes({"debtor_name": name})
        word = NewDoc(io.BytesIO(out))
        assert word.paragraphs[0].text == name and word.core_properties.title == name
        foot = zipfile.ZipFile(io.BytesIO(out)).read("word/footnotes.xml").decode()
        assert name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in foot

