"""Validate casework's XML samples and messages against the other side's published XSD (a developer's check, not a test).

The schemas are not part of the repository (they belong to their publishers): download them to a folder of your own,
then run from the repository root, for example

    python -m tests.xsd_check gis /tmp/gisxsd/wsdl_xsd_14.4.0.1 tests/data/gis/exportDSRs_result.xml answers.xml
    python -m tests.xsd_check egrn /tmp/egrn_v01 tests/data/egrn/room_two_owners.xml tests/data/egrn/transfer_rights.xml

`gis`: the folder of the ГИС ЖКХ integration package (`debt-requests/hcs-debt-requests-types.xsd`, `lib/hcs-base.xsd`);
a SOAP envelope's header parts are checked against hcs-base.xsd and its body parts against the drs schema.
`egrn`: a folder with Росреестр's EGRN v01 schemas (`extract_base_params_*_v01.xsd`, `tCommonTypesObjects_v01.xsd`,
`tDetailsStatement_v01.xsd` and what they include). An extract whose root schema is in the folder is validated as a
whole; for the others (no root schema of «extract_about_property_*» or «extract_transfer_rights_property» was at hand)
the extract's parts are checked against the types the roots use: `details_statement` (DetailsStatementRealty), `right_records`
(RightRecordsAboutProperty, or RightRecordsTransfer in a transfer extract), `base_data` (BaseData). docs/gis-zhkh.md
and docs/egrn.md say where the schemas are published and which results were obtained.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from lxml import etree

SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"
PARSER = etree.XMLParser(no_network=True, resolve_entities=False)
EGRN_WRAPPER = """<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
  <xsd:include schemaLocation="{d}/tDetailsStatement_v01.xsd"/>
  <xsd:include schemaLocation="{d}/tCommonTypesObjects_v01.xsd"/>
  <xsd:element name="details_statement" type="DetailsStatementRealty"/>
  <xsd:element name="right_records" type="RightRecordsAboutProperty"/>
  <xsd:element name="transfer_right_records" type="RightRecordsTransfer"/>
  <xsd:element name="base_data" type="BaseData"/>
</xsd:schema>
"""


def _root(f: Path):
    """The document's root, or None (printed) when lxml refuses it — e.g. the billion-laughs sample."""
    try:
        return etree.fromstring(f.read_bytes(), PARSER)
    except etree.XMLSyntaxError as exc:
        print(f"  not read: {exc}")
        return None


def _schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path), PARSER))


def _report(name: str, schema: etree.XMLSchema, el) -> bool:
    good = schema.validate(etree.ElementTree(etree.fromstring(etree.tostring(el), PARSER)))
    print(f"  {name}: {'valid' if good else 'INVALID'}")
    for e in schema.error_log:
        print(f"    line {e.line}: {e.message}")
    return good


def check_gis(folder: Path, files: list[Path]) -> bool:
    """Body parts against hcs-debt-requests-types.xsd, header parts against hcs-base.xsd."""
    drs = _schema(folder / "debt-requests" / "hcs-debt-requests-types.xsd")
    base = _schema(folder / "lib" / "hcs-base.xsd")
    ok = True
    for f in files:
        print(f)
        root = _root(f)
        if root is None:
            ok = False
        elif root.tag == SOAP + "Envelope":
            for el in root.findall(SOAP + "Header/*"):
                ok &= _report(etree.QName(el).localname, base, el)
            for el in root.findall(SOAP + "Body/*"):
                ok &= _report(etree.QName(el).localname, drs, el)
        else:
            ok &= _report(etree.QName(root).localname, drs, root)
    return ok


def check_egrn(folder: Path, files: list[Path]) -> bool:
    """The parts of each extract against Росреестр's v01 types (see the module's docstring)."""
    with tempfile.TemporaryDirectory() as tmp:
        wrapper = Path(tmp) / "parts.xsd"
        wrapper.write_text(EGRN_WRAPPER.format(d=folder.resolve().as_uri()), encoding="utf-8")
        schema = _schema(wrapper)
    ok = True
    for f in files:
        print(f)
        root = _root(f)
        if root is None:
            ok = False
            continue
        whole = folder / f"{root.tag}_v01.xsd"  # e.g. extract_base_params_room_v01.xsd: the root schema is at hand
        if whole.exists():
            ok &= _report(f"{root.tag} (whole, {whole.name})", _schema(whole), root)
            continue
        transfer = root.tag == "extract_transfer_rights_property"
        for el in root:
            if el.tag in ("details_statement", "right_records", "base_data"):
                part = etree.fromstring(etree.tostring(el), PARSER)
                if transfer and el.tag == "right_records":
                    part.tag = "transfer_right_records"
                ok &= _report(el.tag, schema, part)
    return ok


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] not in ("gis", "egrn"):
        print(__doc__)
        return 2
    check = check_gis if argv[0] == "gis" else check_egrn
    return 0 if check(Path(argv[1]), [Path(a) for a in argv[2:]]) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
