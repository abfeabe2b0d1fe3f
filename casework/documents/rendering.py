"""Word rendering: the ONLY module that imports docxtpl.

`render(template, context) -> bytes` for one document; `CompiledTemplate` for batches: the .docx is read
and the Jinja template compiled once, then every document is a Jinja render plus a save.

Templates are uploaded by administrators and are untrusted code: every Jinja source of a .docx (body, headers,
footers, footnotes, document properties) is parsed and rendered ONLY in the sandbox (`_env`:
`jinja2.sandbox.ImmutableSandboxedEnvironment`), never in a plain `jinja2.Environment` nor in docxtpl's default
one. `check_syntax` also refuses, before any render, a template that names a private attribute
(``x.__class__``, ``x['_y']``, ``x|attr('__y')``): `UnsafeTemplate` carries the offending expression.

Escaping happens exactly once: the XML parts render with autoescape (``&`` → ``&amp;``, ``<`` → ``&lt;``), the
document properties (plain strings that python-docx escapes when it writes them) without it.

Pictures (the payment QR code): a merge field whose value is a `Picture` is handed to the template as docxtpl's
`InlineImage`, bound to the template being rendered; the sandbox lets a template place it (``{{ payment_qr }}``)
but not look into it (its ``.tpl`` is the whole template object). The image parts a render adds are packed into
that document only and forgotten afterwards, so the next document of a batch never carries them.
"""
from __future__ import annotations

import base64
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import StrictUndefined, TemplateSyntaxError, Undefined, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

__all__ = ["render", "CompiledTemplate", "template_variables", "TemplateSyntaxError", "TemplateProblem",
           "UnsafeTemplate", "check_syntax", "Picture"]


@dataclass(frozen=True)
class Picture:
    """A merge field that is an image: PNG bytes placed inline `width_mm` wide (height in proportion). `text` is what
    stands for it where no picture can go (the preview page's table, ``str()``)."""

    png: bytes
    width_mm: float
    text: str = ""

    def __str__(self) -> str:
        return self.text

    @property
    def data_uri(self) -> str:
        """The picture for an <img> of a page (the Content-Security-Policy allows data: images)."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


class TemplateProblem(Exception):
    """A template that cannot be used: a Jinja syntax error or a render failure, in the user's words."""


class UnsafeTemplate(TemplateProblem):
    """A template that reaches for a private attribute (``__class__``, ``_module``…): refused, never rendered."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _Sandbox(ImmutableSandboxedEnvironment):
    """The only Jinja environment templates see: no private attributes, no mutating methods, sandboxed calls."""

    def unsafe_undefined(self, obj, attribute):  # fail loudly instead of rendering an empty string
        raise SecurityError(attribute)

    def is_safe_attribute(self, obj, attr, value):
        if isinstance(obj, InlineImage):  # a picture is placed, never looked into: its .tpl is the template itself
            return False
        return super().is_safe_attribute(obj, attr, value)


def _env(strict: bool = False, autoescape: bool = True) -> _Sandbox:
    # autoescape: values such as «ООО "Тепло & Свет"» must not break the XML (escaped once, here, and nowhere else)
    return _Sandbox(autoescape=autoescape, undefined=StrictUndefined if strict else Undefined,
                    trim_blocks=False, lstrip_blocks=False)


# document properties docxtpl renders (docx.opc.coreprops string attributes): plain text, escaped by python-docx
_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


def _expr(node) -> str:
    """A short source-like text of an expression, to name it in a refusal («debtor_name.__class__»)."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Const):
        return repr(node.value)
    if isinstance(node, nodes.Getattr):
        return f"{_expr(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        return f"{_expr(node.node)}[{_expr(node.arg)}]"
    if isinstance(node, nodes.Call):
        return f"{_expr(node.node)}()"
    if isinstance(node, nodes.Filter):
        return f"{_expr(node.node)}|{node.name}"
    return "…"


def _private_access(tree) -> str | None:
    """The first expression of a parsed template that names a private attribute or item, else None."""
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Name)):
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            return _expr(node)
        if (isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const)
                and isinstance(node.arg.value, str) and node.arg.value.startswith("_")):
            return _expr(node)
        if (isinstance(node, nodes.Filter) and node.name == "attr" and node.args
                and isinstance(node.args[0], nodes.Const) and str(node.args[0].value).startswith("_")):
            return f"{_expr(node.node)}|attr({node.args[0].value!r})"
        if isinstance(node, nodes.Name) and node.name.startswith("__"):
            return node.name
    return None


# a <w:t> text holding a character docxtpl's resolve_listing turns into markup (text never contains «<»)
_LISTING_CHARS = re.compile(r"<w:t(?: [^>]*)?>[^<]*[\t\a\n\f]")


class CompiledTemplate(DocxTemplate):
    """A DocxTemplate that compiles its body/header/footer Jinja once and re-renders without reloading."""

    def __init__(self, template: bytes | str | Path, strict: bool = False) -> None:
        data = template if isinstance(template, (bytes, bytearray)) else Path(template).read_bytes()
        self._bytes = bytes(data)
        super().__init__(io.BytesIO(self._bytes))
        self._jenv = _env(strict)
        self._props_env = _env(strict, autoescape=False)  # plain strings: python-docx escapes them when saving
        self._body_tpl = None
        self._part_tpls: dict[str, object] = {}
        self._footnotes: list | None = None
        self._props: dict[str, object] | None = None
        self.init_docx()

    def init_docx(self, reload: bool = True):  # keep the loaded package: the compiled body replaces it
        if not self.docx:
            super().init_docx(reload)

    def _finish(self, dst_xml: str) -> str:
        dst_xml = dst_xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
        if "{_" in dst_xml or "_}" in dst_xml:
            dst_xml = (dst_xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}"))
        # docxtpl's resolve_listing rewrites \t \a \n \f inside <w:t> text only: skip its three nested regex
        # passes when no text run holds one of them (the output is then identical)
        if _LISTING_CHARS.search(dst_xml) is None:
            return dst_xml
        return self.resolve_listing(dst_xml)

    def build_xml(self, context, jinja_env=None):
        if self._body_tpl is None:
            xml = self.patch_xml(self.get_xml())
            xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)
            self._body_tpl = self._jenv.from_string(xml)
        self.current_rendering_part = self.docx._part
        return self._finish(self._body_tpl.render(context))

    def build_headers_footers_xml(self, context, uri, jinja_env=None):
        for rel_key, part in self.get_headers_footers(uri):
            key = f"{uri}:{rel_key}"
            tpl = self._part_tpls.get(key)
            if tpl is None:
                xml = self.get_part_xml(part)
                enc = self.get_headers_footers_encoding(xml)
                xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", self.patch_xml(xml))
                tpl = self._part_tpls[key] = (self._jenv.from_string(xml), enc)
            self.current_rendering_part = part
            yield rel_key, self._finish(tpl[0].render(context)).encode(tpl[1])

    def _footnote_templates(self) -> list:
        """(part, compiled template) of every footnotes part, compiled from the template's own XML once
        (docxtpl's render_footnotes would re-read the already rendered part on the next document)."""
        if self._footnotes is None:
            self._footnotes = [(part, self._jenv.from_string(src)) for part, src in self._footnote_sources()]
        return self._footnotes

    def _footnote_sources(self) -> list:
        out = []
        for part in self.docx.part.package.parts:
            if part.content_type == _FOOTNOTES_TYPE:
                blob = part.blob.decode("utf-8") if isinstance(part.blob, bytes) else part.blob
                out.append((part, re.sub(r"<w:p([ >])", r"\n<w:p\1", self.patch_xml(blob))))
        return out

    def render_footnotes(self, context, jinja_env=None):
        for part, tpl in self._footnote_templates():
            self.current_rendering_part = part
            part._blob = self._finish(tpl.render(context)).encode("utf-8")

    def render_properties(self, context, jinja_env=None):
        """Title, subject, author… of the document: sandboxed, without autoescape (escaped once, by python-docx)."""
        if self._props is None:
            core = self.docx.core_properties
            self._props = {prop: self._props_env.from_string(getattr(core, prop) or "") for prop in _PROPERTIES}
        core = self.docx.core_properties
        for prop, tpl in self._props.items():
            setattr(core, prop, tpl.render(context))

    def jinja_sources(self) -> list[tuple[str, str]]:
        """Every Jinja source a render of this (not yet rendered) template runs, as (part, source): the body,
        headers, footers, footnotes and document properties."""
        out = [("word/document.xml", self.patch_xml(self.get_xml()))]
        for uri in (self.HEADER_URI, self.FOOTER_URI):
            for _key, part in self.get_headers_footers(uri):
                out.append((str(part.partname), self.patch_xml(self.get_part_xml(part))))
        out += [(str(part.partname), src) for part, src in self._footnote_sources()]
        core = self.docx.core_properties
        out += [(f"docProps/core.xml {prop}", getattr(core, prop) or "") for prop in _PROPERTIES]
        return out

    def _prepare_fast(self) -> None:
        """Decide whether the fast path applies (only the main part carries Jinja tags) and pre-pack the rest.

        Every other part of the package is compressed once here (in the template's order, without the main part);
        each document is then those bytes, its own deflated main part and the central directory (`_package`):
        nothing but the main part is compressed again.
        """
        with zipfile.ZipFile(io.BytesIO(self._bytes)) as zf:
            self._entries = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
        main = self.docx.part.partname.lstrip("/")
        self._main_name = main
        self._main_rels_name = self.docx.part.partname.rels_uri.lstrip("/")
        self._fast = not any((b"{{" in data or b"{%" in data) for name, data in self._entries
                             if name != main and name.endswith(".xml"))
        self._bases: dict[frozenset[str], tuple[bytes, bytes, int]] = {}

    def _base(self, skip: frozenset[str]) -> tuple[bytes, bytes, int]:
        """The template's parts but `skip`, compressed once (cached): their local headers and data, their central
        directory records and their count."""
        if skip in self._bases:
            return self._bases[skip]
        base = io.BytesIO()
        with zipfile.ZipFile(base, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, data in self._entries:
                if name not in skip:
                    zf.writestr(name, data)
        raw = base.getvalue()
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            count = len(zf.infolist())
        eocd = raw.rindex(b"PK\x05\x06")
        cd_size, cd_offset = struct.unpack("<LL", raw[eocd + 12:eocd + 20])
        self._bases[skip] = out = (raw[:cd_offset], raw[cd_offset:cd_offset + cd_size], count)
        return out

    def _package(self, parts: list[tuple[str, bytes]]) -> bytes:
        """The .docx: the template's other parts (pre-packed), then `parts` (name, bytes; deflated here, replacing
        the template's part of that name), then the central directory."""
        base_local, base_central, base_count = self._base(frozenset(name for name, _data in parts))
        dostime, dosdate = 0, (2000 - 1980) << 9 | 1 << 5 | 1  # 2000-01-01 00:00
        offset = len(base_local)
        locals_, centrals = [base_local], [base_central]
        for part_name, raw in parts:
            name = part_name.encode("ascii")
            comp = zlib.compressobj(1, zlib.DEFLATED, -15)
            data = comp.compress(raw) + comp.flush()
            crc = zlib.crc32(raw) & 0xFFFFFFFF
            local = struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, 0, zipfile.ZIP_DEFLATED, dostime, dosdate,
                                crc, len(data), len(raw), len(name), 0) + name
            centrals.append(struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 0, 20, 0, 0, zipfile.ZIP_DEFLATED,
                                        dostime, dosdate, crc, len(data), len(raw), len(name), 0, 0, 0, 0, 0,
                                        offset) + name)
            locals_ += [local, data]
            offset += len(local) + len(data)
        central = b"".join(centrals)
        n = base_count + len(parts)
        end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n, len(central), offset, 0)
        return b"".join(locals_) + central + end

    def render_bytes(self, context: dict) -> bytes:
        """Render one document and return the .docx bytes; the template stays ready for the next one.

        Fast path: Jinja renders the main part, and the package is re-zipped from the template's own bytes with
        only word/document.xml replaced (python-docx would re-serialise every part) — and, when the document has
        pictures, its relationships, the content types and the pictures added; templates with tags in headers,
        footers or footnotes take docxtpl's full path.
        """
        pictures = any(isinstance(v, Picture) for v in context.values())
        if pictures:
            context = {k: self._inline(v) if isinstance(v, Picture) else v for k, v in context.items()}
        before = self._relationships() if pictures else None
        try:
            return self._render_bytes(context, before)
        except SecurityError as exc:  # a private attribute reached at render time (the upload check missed it)
            raise UnsafeTemplate(str(exc)) from exc
        finally:
            if before is not None:
                self._forget_added(before)

    def _inline(self, picture: Picture) -> InlineImage:
        return InlineImage(self, io.BytesIO(picture.png), width=Mm(picture.width_mm))

    def _relationships(self) -> tuple[dict[str, set[str]], list]:
        """Every part's relationship ids and the package's image parts, before a render adds pictures."""
        self.init_docx()
        package = self.docx.part.package
        return ({str(part.partname): set(part.rels) for part in package.iter_parts()},
                list(package.image_parts))

    def _forget_added(self, before: tuple[dict[str, set[str]], list]) -> None:
        """Drop the relationships and image parts a render added: the next document starts from the template."""
        rels_before, images_before = before
        package = self.docx.part.package
        for part in package.iter_parts():
            known = rels_before.get(str(part.partname))
            if known is None:
                continue
            for rid in [r for r in part.rels if r not in known]:
                part.rels.pop(rid)
                part.rels._target_parts_by_rId.pop(rid, None)
        images = package.image_parts
        images._image_parts[:] = [p for p in images._image_parts if any(p is q for q in images_before)]

    def _added_parts(self, before) -> list[tuple[str, bytes]]:
        """The main part's relationships, the content types and the image parts a render added (fast path)."""
        part = self.docx.part
        known = before[0][str(part.partname)]
        added = [rel.target_part for rid, rel in part.rels.items() if rid not in known and not rel.is_external]
        if not added and len(part.rels) == len(known):
            return []
        types = dict(self._entries)["[Content_Types].xml"].decode("utf-8")
        for target in added:
            ext = target.partname.ext
            if not re.search(rf'Extension="{re.escape(ext)}"', types, re.IGNORECASE):
                types = types.replace("</Types>", f'<Default Extension="{ext}" ContentType="{target.content_type}"/>'
                                                  "</Types>")
        rels = part.rels.xml
        out = [("[Content_Types].xml", types.encode("utf-8")),
               (self._main_rels_name, rels if isinstance(rels, bytes) else rels.encode("utf-8"))]
        seen = set()
        for target in added:
            name = target.partname.lstrip("/")
            if name not in seen:
                seen.add(name)
                out.append((name, target.blob))
        return out

    def _render_bytes(self, context: dict, before=None) -> bytes:
        if not hasattr(self, "_fast"):
            self._prepare_fast()
        if not self._fast:
            self.render(context, jinja_env=self._jenv)
            out = io.BytesIO()
            self.save(out)
            return out.getvalue()
        from lxml import etree

        self.render_init()
        xml_src = self.build_xml(context)
        tree = self.fix_tables(xml_src)
        self.fix_docpr_ids(tree)
        self.map_tree(tree)
        self.is_rendered = True
        main = etree.tostring(self.docx.element, xml_declaration=True, encoding="UTF-8", standalone=True)
        extra = self._added_parts(before) if before is not None else []
        return self._package(extra + [(self._main_name, main)])


def render(template: bytes | str | Path, context: dict) -> bytes:
    """Render a .docx template (path or bytes) with a context; returns the .docx bytes."""
    return CompiledTemplate(template).render_bytes(context)


def bare_render(template_path: str | Path, context: dict) -> bytes:
    """Plain docxtpl render+save, as documented upstream (the benchmark's reference rate), in the sandbox."""
    tpl = DocxTemplate(str(template_path))
    tpl.render(context, jinja_env=_env())
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def _parse_all(template: bytes | str | Path) -> list:
    """The parsed Jinja of every part of the template (in the sandbox); TemplateProblem on a syntax error."""
    tpl = CompiledTemplate(template)
    trees = []
    for where, source in tpl.jinja_sources():
        try:
            trees.append(tpl._jenv.parse(source))
        except TemplateSyntaxError as exc:
            place = "" if where == "word/document.xml" else f", {where}"
            raise TemplateProblem(f"{exc.message} (line {exc.lineno}{place})") from exc
    return trees


def check_syntax(template: bytes | str | Path) -> None:
    """Raise TemplateProblem with the line's text when the template's Jinja does not parse, and UnsafeTemplate
    (naming the expression) when it reaches for a private attribute — before anything renders it."""
    for tree in _parse_all(template):
        name = _private_access(tree)
        if name is not None:
            raise UnsafeTemplate(name)


def template_variables(template: bytes | str | Path) -> set[str]:
    """Top-level names the template uses, in every part (loop variables excluded)."""
    names: set[str] = set()
    for tree in _parse_all(template):
        names |= meta.find_undeclared_variables(tree)
    return names


def render_strict(template: bytes | str | Path, context: dict) -> bytes:
    """Test render that fails on any undefined name or attribute (template validation)."""
    return CompiledTemplate(template, strict=True).render_bytes(context)


def docx_text(data: bytes) -> str:
    """All paragraph and table text of a .docx (for previews, validation and tests)."""
    from docx import Document as _Doc

    d = _Doc(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return "\n".join(parts)


_ = meta  # re-exported for callers that analyse templates
