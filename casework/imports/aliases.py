"""Aliases of values in billing files, editable by an administrator: services («ХВС» → cold_water), payment
sources («Почта России» → other) and account categories («Юридическое лицо» → other).

The built-in values of columns.py (service codes and names, «касса», «население», …) always work; an alias adds a
spelling, and where it spells a built-in value differently it wins (the administrator knows the billing).
Deleting an alias deactivates it, so that a shipped one is not seeded again.
"""
from __future__ import annotations

from sqlalchemy import insert, select

from ..accounts.labels import CATEGORY_LABELS, SOURCE_LABELS
from ..accounts.models import PAYMENT_SOURCES, Service
from ..domain.errors import DomainError
from ..extensions import db
from ..i18n import _
from .columns import norm
from .models import ALIAS_KINDS, ImportAlias

CATEGORIES = ("population", "other")

# shipped with the application (seed.py): the values 1С and other billings write
SEED: tuple[tuple[str, str, str], ...] = (
    ("service", "ХВС", "cold_water"),
    ("service", "Холодная вода", "cold_water"),
    ("service", "ГВС", "hot_water"),
    ("service", "Горячая вода", "hot_water"),
    ("service", "Канализация", "sewage"),
    ("service", "ТКО", "solid_waste"),
    ("service", "Капремонт", "capital_repair"),
    ("service", "Электроэнергия", "electricity"),
    ("source", "Почта России", "other"),
    ("source", "Почта", "other"),
    ("source", "Исполнительный лист", "enforcement"),
    ("source", "Исполнительный документ", "enforcement"),
    ("source", "Судебный приказ", "enforcement"),
    ("source", "Эквайринг", "online"),
    ("category", "Физическое лицо", "population"),
    ("category", "Юридическое лицо", "other"),
    ("category", "Бюджетные организации", "other"),
    ("category", "Бюджетная организация", "other"),
    ("category", "Индивидуальный предприниматель", "other"),
    ("category", "ИП", "other"),
)


def seed_aliases() -> None:
    """Insert the shipped aliases that are missing (active or deactivated ones are left as they are)."""
    have = {(k, n) for k, n in db.session.execute(select(ImportAlias.kind, ImportAlias.alias_norm))}
    services = set(db.session.scalars(select(Service.code)))
    rows = []
    for kind, alias, target in SEED:
        if (kind, norm(alias)) in have or (kind == "service" and target not in services):
            continue
        rows.append({"kind": kind, "alias": alias, "alias_norm": norm(alias), "target": target})
        have.add((kind, norm(alias)))
    if rows:  # reference data: inserted like the services, without an audit row each
        db.session.execute(insert(ImportAlias), rows)


def values() -> dict[str, dict[str, str]]:
    """The active aliases: {"service": {normalised alias: service code}, "source": {…}, "category": {…}}."""
    out: dict[str, dict[str, str]] = {k: {} for k in ALIAS_KINDS}
    for kind, alias_norm, target in db.session.execute(
            select(ImportAlias.kind, ImportAlias.alias_norm, ImportAlias.target).where(ImportAlias.is_active)):
        out[kind][alias_norm] = target
    return out


def with_service_aliases(lookup: dict[str, int], service_aliases: dict[str, str]) -> dict[str, int]:
    """The services lookup (code/name → id) extended by the aliases (normalised alias → code)."""
    by_code = {code: sid for code, sid in db.session.execute(select(Service.code, Service.id))}
    out = dict(lookup)
    for alias_norm, code in service_aliases.items():
        if code in by_code:
            out[alias_norm] = by_code[code]
    return out


def target_choices(kind: str) -> list[tuple[str, str]]:
    """(code, label) of what an alias of this kind may mean."""
    if kind == "service":
        return [(c, n) for c, n in db.session.execute(select(Service.code, Service.name).order_by(Service.sort_order))]
    if kind == "source":
        return [(c, str(SOURCE_LABELS.get(c, c))) for c in PAYMENT_SOURCES]
    return [(c, str(CATEGORY_LABELS.get(c, c))) for c in CATEGORIES]


def target_label(kind: str, code: str, services: dict[str, str] | None = None) -> str:
    if kind == "service":
        return (services or {}).get(code, code)
    return str((SOURCE_LABELS if kind == "source" else CATEGORY_LABELS).get(code, code))


def add_alias(kind: str, alias: str, target: str, user=None) -> ImportAlias:
    """Add (or re-activate) an alias; refused for an empty alias, an unknown target or one already in use."""
    if kind not in ALIAS_KINDS:
        raise DomainError(_("Unknown kind of alias."))
    alias = (alias or "").strip()
    key = norm(alias)
    if not key or len(alias) > 200:
        raise DomainError(_("Write the value as the billing writes it (up to 200 characters)."))
    if target not in {c for c, _label in target_choices(kind)}:
        raise DomainError(_("Choose what the value means."))
    row = db.session.scalar(select(ImportAlias).where(ImportAlias.kind == kind, ImportAlias.alias_norm == key))
    if row is not None and row.is_active:
        raise DomainError(_("«%(a)s» is already an alias (as «%(b)s»); delete it first to change its meaning.",
                            a=alias, b=row.alias))
    if row is None:
        row = ImportAlias(kind=kind, alias=alias, alias_norm=key, target=target,
                          created_by_id=getattr(user, "id", None))
        db.session.add(row)
    else:
        row.alias, row.target, row.is_active = alias, target, True
        row.created_by_id = getattr(user, "id", None)
    db.session.flush()
    return row


def delete_alias(alias_id: int) -> ImportAlias | None:
    """Deactivate an alias (it stops matching at once); None when there is no such active alias."""
    row = db.session.get(ImportAlias, alias_id)
    if row is None or not row.is_active:
        return None
    row.is_active = False
    db.session.flush()
    return row


def active_aliases() -> list[ImportAlias]:
    return list(db.session.scalars(select(ImportAlias).where(ImportAlias.is_active)
                                   .order_by(ImportAlias.kind, ImportAlias.alias_norm)))
