"""Reading Росреестр's ЕГРН extracts (XML, no namespace) into plain values; no database, no Flask.

Three kinds are read (docs/egrn.md):
- «Выписка из ЕГРН об объекте недвижимости»: root `extract_about_property_room` (помещение),
  `extract_about_property_build` (здание, e.g. a private house), `extract_about_property_construction`,
  `extract_about_property_land`, `extract_about_property_under_construction`; the object in `<room_record>` /
  `<build_record>` …, the current rights in `<right_records><right_record>` (type RightRecordsAboutProperty).
- «Выписка об основных характеристиках и зарегистрированных правах»: root `extract_base_params_room` … (schemas
  `extract_base_params_*_v01.xsd`); the same object record and `<right_records>` (type RightRecordsBaseParams).
- «Выписка о переходе прав на объект недвижимости»: root `extract_transfer_rights_property`; the object in
  `<base_data><…_record>`, every right in the object's history in `<right_records><right_record>`
  (RightRecordsTransfer), an ended one with `<changes><fixed_at>` («дата прекращения права»).

The element paths of a right follow Росреестр's EGRN v01 type library (`tCommonTypesObjects_v01.xsd`,
`tRightHolderOut_v01.xsd`, `tPublic_formations_v01.xsd`): `record_info/registration_date` (xs:dateTime),
`right_data/right_type` (code, value), `right_data/right_number`, `right_data/shares/share` (numerator, denominator),
`right_holders/right_holder/{individual | legal_entity/entity/… | public_formation/public_formation_type/… | another}`.

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
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..i18n import _

OBJECT_ROOTS = ("extract_about_property_room", "extract_about_property_build", "extract_about_property_construction",
                "extract_about_property_land", "extract_about_property_under_construction",
                # «Выписка об основных характеристиках и зарегистрированных правах» (Росреестр EGRN v01 schemas)
                "extract_base_params_room", "extract_base_params_build", "extract_base_params_construction",
                "extract_base_params_land", "extract_base_params_under_construction",
                "extract_base_params_car_parking_space")
TRANSFER_ROOTS = ("extract_transfer_rights_property",)
# right_type codes of Росреестр's dictionary of rights, written with 12 digits in the extracts (001002000000); the
# first six name the right: 001001 собственность, 001002 общая долевая, 001003 общая совместная собственность —
# 001004 хозяйственное ведение, 001005 оперативное управление, 001006 пожизненное наследуемое владение … are not
# ownership.
OWNERSHIP_CODES = ("001001", "001002", "001003")
SHARED_CODE = "001002"


def right_code(code: str | None) -> str:
    """The six digits that name a right type: «001002000000» and «001002» are both «001002»; anything else is ''."""
    c = (code or "").strip()
    if len(c) == 6 and c.isdigit():
        return c
    if len(c) == 12 and c.isdigit() and c.endswith("000000"):
        return c[:6]
    return ""
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


PUBLIC_KINDS = ("russia", "subject_of_rf", "municipality", "union_state", "foreign_public")


def _holder(rh: Element) -> Holder | None:
    """A right holder (Росреестр v01 `RightHolderOut`: a choice of `individual`, `legal_entity`, `public_formation`,
    `another`); `another` (unit funds, bond holders, owners of a block of flats …) is not a debtor: None."""
    ind = rh.find("individual")
    if ind is not None:  # IndividualOut: surname, name, patronymic?, birth_date?, …, snils?
        parts = [_text(ind, p) for p in ("surname", "name", "patronymic")]
        full = " ".join(p for p in parts if p)
        if not full:
            return None
        snils = re.sub(r"\D", "", _text(ind, "snils") or "") or None
        return Holder("person", full, parts[0], parts[1], parts[2], _date(_text(ind, "birth_date")), snils=snils,
                      inn=_text(ind, "inn"))
    entity = rh.find("legal_entity/entity")  # LegalEntityOut/entity: resident | govement_entity | not_resident
    if entity is not None:
        for kind, name_tag in (("resident", "name"), ("not_resident", "name"), ("govement_entity", "full_name")):
            org = entity.find(kind)
            if org is not None and _text(org, name_tag):
                return Holder("organization", _text(org, name_tag), inn=_text(org, "inn"), ogrn=_text(org, "ogrn"))
        return None
    pf = rh.find("public_formation/public_formation_type")  # PublicFormations: one of PUBLIC_KINDS with its name
    if pf is not None:
        for kind in PUBLIC_KINDS:
            el = pf.find(kind)
            if el is not None:  # the name is a Dict (code, value) for the state, a region, a foreign state; text else
                name = _text(el, "name/value") or _text(el, "name")
                return Holder("organization", name) if name else None
    return None


_SHARE_TEXT = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def _share(rr: Element) -> tuple[int | None, int | None]:
    """The share of a right: `right_data/shares/share` (numerator, denominator), else a plain «1/3» in
    `share_description` (the register writes odd shares there); None for anything else (hectares, «доля в праве …»)."""
    num = _int(_text(rr, "right_data/shares/share/numerator"))
    den = _int(_text(rr, "right_data/shares/share/denominator"))
    if num is None and den is None:
        m = _SHARE_TEXT.match(_text(rr, "right_data/share_description") or "")
        if m:
            num, den = int(m[1]), int(m[2])
    return num, den


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
    for rr in root.findall("right_records/right_record"):  # a `right_record` elsewhere (e.g. in a listed room) is not the object's
        code = right_code(_text(rr, "right_data/right_type/code"))
        holders = [h for h in (_holder(x) for x in rr.findall("right_holders/right_holder")) if h is not None]
        if code not in OWNERSHIP_CODES or not holders:
            ex.skipped_rights += 1
            continue
        num, den = _share(rr)
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
