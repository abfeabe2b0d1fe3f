"""The enterprise's own name and signatory in the grammatical cases documents need.

The library (casework.documents.russian: pymorphy3 for the name and the position, pytrovich for the person)
suggests each form; an administrator may store a form of their own on the enterprise page. Documents use the stored
form when there is one, else the suggestion. A stored form equal to the suggestion is not kept (it follows the name
when the name changes), and one left as it was shown when its source changed is dropped for the same reason.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..documents import russian as ru


@dataclass(frozen=True)
class Declined:
    attr: str                      # the enterprise's column holding an administrator's form ('' = the suggestion)
    source: str                    # the column it is declined from
    suggest: Callable[[str], str]  # the library's form of the source


DECLINED: tuple[Declined, ...] = (
    Declined("name_gen", "name", lambda v: ru.decline_phrase(v, ru.GEN)),
    Declined("name_dat", "name", lambda v: ru.decline_phrase(v, ru.DAT)),
    Declined("name_ins", "name", lambda v: ru.decline_phrase(v, ru.INS)),
    Declined("signatory_position_gen", "signatory_position", lambda v: ru.position_in(v, ru.GEN)),
    Declined("signatory_name_gen", "signatory_name", lambda v: ru.decline_full_name(v, ru.GEN)),
)
BY_ATTR = {d.attr: d for d in DECLINED}


def suggestion(ent, attr: str) -> str:
    """The library's form of the enterprise's name / signatory for this column."""
    d = BY_ATTR[attr]
    return d.suggest((getattr(ent, d.source, "") or "").strip())


def declined(ent, attr: str) -> str:
    """The form documents print: the administrator's, else the library's."""
    stored = (getattr(ent, attr, "") or "").strip()
    return stored or suggestion(ent, attr)


def snapshot(ent) -> dict[str, tuple[str, str]]:
    """Per declined column: (its source as it is now, the form shown now) — taken before an edit."""
    return {d.attr: ((getattr(ent, d.source, "") or "").strip(), declined(ent, d.attr)) for d in DECLINED}


def settle(ent, before: dict[str, tuple[str, str]]) -> None:
    """After the form was applied: keep only real overrides (see the module's docstring)."""
    for d in DECLINED:
        value = " ".join((getattr(ent, d.attr, "") or "").split())
        source_was, shown = before.get(d.attr, ("", ""))
        source_now = (getattr(ent, d.source, "") or "").strip()
        if value == suggestion(ent, d.attr) or (source_now != source_was and value == shown):
            value = ""
        setattr(ent, d.attr, value)
