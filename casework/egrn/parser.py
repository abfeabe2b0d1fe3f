"""Reading Росреестр's ЕГРН extracts (XML, no namespace) into plain values; no database, no Flask.

Two kinds are read:
- «Выписка из ЕГРН об объекте недвижимости»: root `extract_about_property_room` (помещение),
  `extract_about_property_build` (здание, e.g. a private house), `extract_about_property_construction`,
  `extract_about_property_land`; the object in `<room_record>` / `<build_record>` …, the current rights in
  `<right_records><right_record>`.
- «Выписка о переходе прав на объект недвижимости»: root `extract_transfer_rights_property`; the object in
  `<base_data><…_record>`, every right in the object's history in `<right_records><right_record>`, an ended one
  with `<changes><fixed_at>` (the date the right ended).

Pure reading (the messages are translated, so call it within the app).
The XML comes from outside: it is parsed with defusedxml, which refuses entity declarations (billion laughs,
external entities) instead of expanding them.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from xml.etree.ElementTree import Element, ParseError

from ..i18n import _

OBJECT_ROOTS = ("extract_about_property_room", "extract_about_property_build", "extract_about_property_construction",
                "extract_about_property_land", "extract_about_property_under_construction")
TRANSFER_ROOTS = ("extract_transfer_rights_property",)
OWNERSHIP_PREFIX = "0010"  # right_type codes 001001 собственность, 001002 общая долевая, 001003 общая совместная
SHARED_CODE = "001002"
MAX_FILES = 500  # XML files taken from one upload (a folder or a zip)
MAX_XML_BYTES = 10 * 1024 * 1024  # one extract is a few kilobytes; anything this large is not one
MAX_TOTAL_BYTES = 64 * 1024 * 1024


class ExtractError(ValueError):
    """The file is not an extract this reader understands (or is unsafe); the message says why, in the user's language."""


@dataclass
class Holder:
    kind: str  # "person" | "organization"
    full_name: str
    last_name: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    birth_date: date | None = None
    snils: str | None = None
    inn: str | None = None
    ogrn: str | None = None


@dataclass
class Right:
    holder: Holder
    type_code: str
    type_name: str
    number: str | None
    registered_on: date | None
    ended_on: date | None
    share_num: int | None  # None: the whole object (sole or joint ownership)
    share_den: int | None


@dataclass
class Extract:
    kind: str  # "object" | "transfer"
    root: str
    cad_number: str | None
    address: str | None
    formed_on: date | None
    rights: list[Right] = field(default_factory=list)
    skipped_rights: int = 0  # rights that are not ownership (e.g. lease) or have no holder we can read


def _text(el: Element | None, path: str) -> str | None:
    if el is None:
        return None
    found = el.find(path)
    if found is None or found.text is None:
        return None
    value = " ".join(found.text.split())
    return value or None


def _date(value: str | None) -> date | None:
    if not value:
        return None
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", value)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _holder(rh: Element) -> Holder | None:
    ind = rh.find("individual")
    if ind is not None:
        parts = [_text(ind, p) for p in ("surname", "name", "patronymic")]
        full = " ".join(p for p in parts if p)
        if not full:
            return None
        snils = re.sub(r"\D", "", _text(ind, "snils") or "") or None
        return Holder("person", full, parts[0], parts[1], parts[2], _date(_text(ind, "birth_date")), snils=snils,
                      inn=_text(ind, "inn"))
    entity = rh.find("legal_entity/entity")
    if entity is None:
        entity = rh.find("legal_entity")
    if entity is not None:
        org = entity.find("resident")
        if org is None:
            org = entity.find("not_resident")
        if org is not None and _text(org, "name"):
            return Holder("organization", _text(org, "name"), inn=_text(org, "inn"), ogrn=_text(org, "ogrn"))
    for public in ("public_formation", "public_formation/russia", "public_formation/subject_of_rf",
                   "public_formation/municipality"):
        pf = rh.find(public)
        if pf is not None:
            name = _text(pf, "name") or _text(pf, "municipality/name") or _text(pf, "subject_of_rf/name")
            if name:
                return Holder("organization", name)
    return None


def _object_record(root: Element) -> Element | None:
    base = root.find("base_data")
    scope = base if base is not None else root
    for child in scope:
        if child.tag.endswith("_record") and child.find("object/common_data/cad_number") is not None:
            return child
    return None


def _address(record: Element | None) -> str | None:
    if record is None:
        return None
    for el in record.iter("readable_address"):
        if el.text and el.text.strip():
            return " ".join(el.text.split())
    return None


def parse_extract(data: bytes) -> Extract:
    """One extract file → an Extract; ExtractError when it is unsafe, not XML, or not an extract of these kinds."""
    if len(data) > MAX_XML_BYTES:
        raise ExtractError(_("The file is too large to be an ЕГРН extract."))
    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise ExtractError(_("The file declares XML entities (DTD) and is refused for safety.")) from None
    except ParseError as exc:
        raise ExtractError(_("The file is not well-formed XML: %(error)s.", error=str(exc))) from None
    tag = root.tag.rsplit("}", 1)[-1]
    if tag not in OBJECT_ROOTS + TRANSFER_ROOTS:
        raise ExtractError(_("This is not an ЕГРН extract about an object or about the transfer of rights (root element «%(tag)s»).", tag=tag))
    record = _object_record(root)
    ex = Extract(kind="transfer" if tag in TRANSFER_ROOTS else "object", root=tag,
                 cad_number=_text(record, "object/common_data/cad_number"), address=_address(record),
                 formed_on=_date(_text(root, "details_statement/group_top_requisites/date_formation")))
    for rr in root.iter("right_record"):
        code = _text(rr, "right_data/right_type/code") or ""
        holders = [h for h in (_holder(x) for x in rr.findall("right_holders/right_holder")) if h is not None]
        if not code.startswith(OWNERSHIP_PREFIX) or not holders:
            ex.skipped_rights += 1
            continue
        num = _int(_text(rr, "right_data/shares/share/numerator"))
        den = _int(_text(rr, "right_data/shares/share/denominator"))
        if not num or not den or num >= den or code != SHARED_CODE:
            num = den = None
        ended = _date(_text(rr, "changes/fixed_at")) or _date(_text(rr, "record_info/cancel_date"))
        for h in holders:
            ex.rights.append(Right(holder=h, type_code=code, type_name=_text(rr, "right_data/right_type/value") or "",
                                   number=_text(rr, "right_data/right_number"),
                                   registered_on=_date(_text(rr, "record_info/registration_date")),
                                   ended_on=ended, share_num=num, share_den=den))
    return ex


def xml_files(uploads: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The XML files of an upload: plain .xml files, and the .xml members of .zip archives (Госуслуги sends the
    extract as a zip with the XML and its signature, sometimes a zip inside the zip). Signatures and other files
    are left out. Sizes are checked before anything is decompressed."""
    out: list[tuple[str, bytes]] = []
    total = 0

    def add(name: str, data: bytes, depth: int) -> None:
        nonlocal total
        low = name.lower()
        if low.endswith(".xml"):
            total += len(data)
            if len(out) >= MAX_FILES or total > MAX_TOTAL_BYTES:
                raise ExtractError(_("Too many files: at most %(n)s extracts at a time.", n=MAX_FILES))
            out.append((name, data))
        elif low.endswith(".zip") and depth < 2:
            try:
                zf = zipfile.ZipFile(io.BytesIO(data))
            except zipfile.BadZipFile:
                raise ExtractError(_("The archive «%(name)s» is damaged.", name=name)) from None
            for info in zf.infolist():
                if info.is_dir():
                    continue
                if info.file_size > MAX_XML_BYTES * (5 if info.filename.lower().endswith(".zip") else 1):
                    raise ExtractError(_("The file «%(member)s» in the archive «%(name)s» is too large.", member=info.filename, name=name))
                member = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
                if member.lower().endswith((".xml", ".zip")):
                    add(member, zf.read(info), depth + 1)
    for name, data in uploads:
        add(name, data, 0)
    return out
