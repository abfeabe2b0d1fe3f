"""Bulk generation for a list of accounts (or cases) with progress: one job row, a background thread, one output.

Set-based: sources load in chunks of a few queries, the template is compiled once, outgoing numbers are
reserved per chunk (one counter update) and document rows are inserted with one Core executemany per chunk,
in the same transaction as the numbers — so a failed chunk leaves no gap.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

from flask import current_app
from sqlalchemy import func, insert, select, update

from .. import storage
from ..auth.models import User
from ..enterprise.models import ENTERPRISE_ID
from ..extensions import db
from ..jobs.services import JobCancelled
from ..timeutil import utcnow
from ..transaction import unit_of_work
from . import context as ctxmod
from . import links
from .fields import build_context, uses_pii
from .letters import DOWNLOAD, ISSUE, LETTERS
from .models import Document, DocumentBatch, DocumentCounter
from .rendering import CompiledTemplate
from .services import (
    DocumentError,
    DocumentRefused,
    _addressee,
    _safe,
    active_template,
    check_letter_rules,
    check_right,
    get_letter,
    log_full_view,
    masked_name,
    needs_masked_copy,
    prime_source,
    sees_pii,
    template_data,
)

CHUNK = 200
_NOBODY = object()  # a user id that no longer exists: no role, every right refused


def soffice_path() -> str | None:
    """LibreOffice's soffice when installed (PDF output is optional)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def reserve_numbers(count: int, year: int, enterprise_id: int = 1) -> int:
    """Reserve `count` consecutive outgoing numbers under the counter lock; returns the first (gap-free, see next_number)."""
    from .services import next_number

    first = next_number(year, enterprise_id)
    if count > 1:
        t = DocumentCounter.__table__
        db.session.execute(update(t).where(t.c.enterprise_id == enterprise_id, t.c.year == year)
                           .values(last_seq=first + count - 1))
    return first


def create_batch(code: str, account_ids: list[int], output: str = "zip", filter_text: str = "", user=None,
                 issue_token: str | None = None) -> DocumentBatch:
    """The job row (status pending); the caller commits and then starts `start_thread` or `run_batch`.

    Refused to a role that may not issue the letter. With the form's one-time `issue_token`, a form sent again gets
    the batch it already started (no second run, no second set of numbers); the unique index on
    document_batches.issue_token settles two at once (the caller rolls back on IntegrityError and finds the first).
    """
    check_right(get_letter(code), ISSUE, user)
    if issue_token is not None and (done := batch_for_token(issue_token)) is not None:
        return done
    if output not in ("zip", "merged", "pdf"):
        raise DocumentError("unknown output")
    if output == "pdf" and not soffice_path():
        raise DocumentError("PDF needs LibreOffice, which is not installed; choose ZIP or one .docx.")
    b = DocumentBatch(kind=code, output=output, status="pending", total=len(account_ids), done=0,
                      filter_text=filter_text[:2000], created_by_id=getattr(user, "id", None), issue_token=issue_token)
    db.session.add(b)
    db.session.flush()
    return b


def batch_for_token(token: str | None) -> DocumentBatch | None:
    """The batch a bulk form with this one-time token has already started, if any."""
    if not token:
        return None
    return db.session.scalar(select(DocumentBatch).where(DocumentBatch.issue_token == token))


def batch_file_for_download(batch: DocumentBatch, user) -> storage.Stored:
    """The batch's combined file: refused to a role that may not download its letter; when its documents carry
    identifiers, only for a role that may see them (the view logged as `pii.view` with the batch id) — the others
    download the documents one by one, as masked copies."""
    from sqlalchemy import exists, or_

    from ..i18n import _

    check_right(LETTERS.get(batch.kind), DOWNLOAD, user)
    if not batch.file_path:
        raise DocumentError(_("The batch has no file."))
    carries = db.session.scalar(select(exists().where(
        Document.batch_id == batch.id, or_(Document.carries_pii.is_(None), Document.carries_pii.is_(True)))))
    if carries:
        if not sees_pii(user):
            raise DocumentRefused(_("The documents of this batch carry personal identifiers your role may not see; "
                                    "open them one by one from the registry."))
        log_full_view("document_batches", batch.id, {"kind": batch.kind})
    return storage.Stored("documents", batch.file_path, tag=batch.sha256)


def encode_params(params: dict | None) -> dict:
    """The letter's parameters as JSON (dates as {"$date": "YYYY-MM-DD"}) for the batch row."""
    from datetime import date

    return {k: ({"$date": v.isoformat()} if isinstance(v, date) else v) for k, v in (params or {}).items()}


def decode_params(stored: dict | None) -> dict:
    from datetime import date

    return {k: (date.fromisoformat(v["$date"]) if isinstance(v, dict) and "$date" in v else v)
            for k, v in (stored or {}).items()}


def run_batch(batch_id: int, account_ids: list[int] | None = None, params: dict | None = None,
              user_id: int | None = None, case_ids: dict[int, int] | None = None, today=None,
              progress=None) -> DocumentBatch:
    """Generate, number and store every document of the batch, then build the combined output file.

    Resumable: the batch row keeps its accounts, parameters and business date, and `done` — how many of the accounts
    are finished — is committed in the same transaction as each chunk's numbers, documents and contacts. A run killed
    at any point starts again at the first unfinished chunk: no letter is issued twice and, since an uncommitted
    chunk's numbers are rolled back with it, the numbers stay gap-free. `progress` (a casework.jobs Progress)
    records the job's checkpoint in the same commit and raises JobCancelled when a user cancelled the job."""
    batch = db.session.get(DocumentBatch, batch_id)
    letter = get_letter(batch.kind)
    started = time.perf_counter()
    if batch.status in ("done", "failed", "cancelled"):
        return batch
    if batch.account_ids is None:  # first start: the input becomes part of the batch row
        batch.account_ids = list(account_ids or [])
        batch.params = encode_params(params)
        batch.issued_on = today
        batch.total = len(batch.account_ids)
    user_id = user_id if user_id is not None else batch.created_by_id
    account_ids = list(batch.account_ids)
    params = decode_params(batch.params)
    if user_id is not None:  # the right is checked again where the numbers are taken (create_batch checked it too)
        try:
            check_right(letter, ISSUE, db.session.get(User, user_id) or _NOBODY)
        except DocumentRefused as exc:
            with unit_of_work():
                batch.status, batch.message, batch.finished_at = "failed", str(exc), utcnow()
            return batch
    with unit_of_work():
        batch.status = "running"
    common = ctxmod.load_common(params, batch.issued_on)
    if batch.issued_on is None:
        with unit_of_work():
            batch.issued_on = common.today
    year = common.today.year
    skipped: list[str] = list(batch.skipped or [])
    done = batch.done or 0
    try:
        path, version_id = active_template(letter.code)
        data, names = template_data(path)
        tpl = CompiledTemplate(data)
        carries = uses_pii(names)
        masked_copy = carries and needs_masked_copy(letter)
        size = int(current_app.config.get("DOCUMENTS_BULK_CHUNK") or CHUNK)
        for i in range(done, len(account_ids), size):
            with unit_of_work():  # the chunk's documents, numbers and checkpoint: all or none
                chunk = account_ids[i:i + size]
                sources = ctxmod.load_sources(chunk, common, case_ids)
                ready = []
                for aid in chunk:
                    src = sources.get(aid)
                    if src is None:
                        skipped.append(f"{aid}: not found")
                        continue
                    prime_source(letter, src)
                    try:
                        check_letter_rules(letter, src)
                    except DocumentError as exc:
                        skipped.append(f"{src.account.number}: {exc}")
                        continue
                    ready.append(src)
                if ready:
                    first = reserve_numbers(len(ready), year)
                    rows = []
                    now = utcnow()
                    for k, src in enumerate(ready):
                        seq = first + k
                        src.number = f"{seq}/{year}"
                        body = tpl.render_bytes(build_context(src, names))
                        name = f"{seq:06d}_{letter.code}_{_safe(src.account.number)}.docx"
                        storage.save("documents", f"{year}/{name}", body)
                        masked_rel = None
                        if masked_copy:
                            masked_rel = f"{year}/{masked_name(name)}"
                            storage.save("documents", masked_rel,
                                         tpl.render_bytes(build_context(src, names, mask=True)))
                        rows.append({
                            "enterprise_id": ENTERPRISE_ID, "year": year, "seq": seq, "number": src.number, "kind": letter.code,
                            "title": letter.title_for(src), "case_id": src.case.id if src.case is not None else None,
                            "account_id": src.account.id, "building_id": None, "batch_id": batch_id,
                            "template_version_id": version_id, "addressee": _addressee(letter, src)[:500],
                            "amount_kop": src.debt_kop, "file_path": f"{year}/{name}",
                            "sha256": hashlib.sha256(body).hexdigest(), "size": len(body), "issued_on": common.today,
                            "issued_at": now, "issued_by_id": user_id, "carries_pii": carries,
                            "masked_path": masked_rel, "issue_token": None})
                    db.session.execute(insert(Document.__table__), rows)  # dispatch is logged by the register
                    links.filings_from_batch(letter, ready, rows, user_id)  # court applications: the filings
                done = i + len(chunk)
                db.session.execute(update(DocumentBatch.__table__).where(DocumentBatch.id == batch_id)
                                   .values(done=done, skipped=skipped))
                if progress is not None:  # the job's checkpoint, in the chunk's transaction; may raise JobCancelled
                    progress.update(done, len(account_ids), {"batch_id": batch_id, "done": done}, commit=False)
            if progress is not None and progress.cancel_requested():
                raise JobCancelled()
        stored, digest = _build_output(batch_id, batch.output)
        issued = done - len(skipped)
        msg = f"{issued} documents" + (f"; skipped {len(skipped)}: " + "; ".join(skipped[:20]) if skipped else "")
        with unit_of_work():
            db.session.execute(update(DocumentBatch.__table__).where(DocumentBatch.id == batch_id).values(
                status="done", file_path=stored, sha256=digest,
                message=msg, finished_at=utcnow(), seconds=time.perf_counter() - started))
    except Exception as exc:
        db.session.rollback()
        if isinstance(exc, JobCancelled):
            with unit_of_work():
                n = db.session.scalar(select(func.count()).select_from(Document).where(Document.batch_id == batch_id))
                db.session.execute(update(DocumentBatch.__table__).where(DocumentBatch.id == batch_id).values(
                    status="cancelled", message=f"cancelled; {n} documents issued", finished_at=utcnow()))
            raise
        if progress is None:
            current_app.logger.exception("batch %s failed", batch_id)
        with unit_of_work():
            db.session.execute(update(DocumentBatch.__table__).where(DocumentBatch.id == batch_id).values(
                status="failed", message=str(exc)[:1000], finished_at=utcnow()))
        if progress is not None:
            raise
    db.session.expire_all()
    return db.session.get(DocumentBatch, batch_id)


def _build_output(batch_id: int, output: str) -> tuple[str, str]:
    """The combined file of the batch, built from its stored documents in number order; (storage name, sha256)."""
    work = storage.private_tempdir(".casework-batch-")
    try:
        scratch = Path(work.name)
        docs = db.session.execute(select(Document.file_path).where(Document.batch_id == batch_id)
                                  .order_by(Document.year, Document.seq)).scalars().all()
        final = scratch / f"batch_{batch_id:06d}.zip"
        produced: list[Path] = []
        with zipfile.ZipFile(final, "w", compression=zipfile.ZIP_STORED) as zf:  # .docx is already compressed
            for rel in docs:
                body = storage.read("documents", rel)
                name = Path(rel).name
                zf.writestr(name, body)
                if output in ("merged", "pdf"):
                    (scratch / name).write_bytes(body)
                    produced.append(scratch / name)
        if output in ("merged", "pdf") and produced:
            final = merge_docx(produced, scratch / f"batch_{batch_id:06d}.docx")
            if output == "pdf":
                final = to_pdf(final)
        digest = hashlib.sha256()
        with open(final, "rb") as fh:
            for block in iter(lambda: fh.read(1024 * 1024), b""):
                digest.update(block)
            fh.seek(0)
            stored = storage.save("documents", f"batches/{final.name}", fh)
        return stored, digest.hexdigest()
    finally:
        work.cleanup()


def run_job(run, progress) -> str:
    """casework.jobs handler «documents.bulk»: run (or resume) the batch named in the job's payload."""
    from ..i18n import _

    batch = run_batch(int(run.payload["batch_id"]), progress=progress)
    if batch.status == "failed":
        raise DocumentError(batch.message or "failed")
    return _("%(n)s documents", n=db.session.scalar(
        select(func.count()).select_from(Document).where(Document.batch_id == batch.id)))


def merge_docx(paths: list[Path], target: Path) -> Path:
    """One .docx for printing: every document from a new page (docxcompose keeps styles and numbering)."""
    from docx import Document as Docx
    from docx.enum.text import WD_BREAK
    from docxcompose.composer import Composer

    master = Docx(str(paths[0]))
    composer = Composer(master)
    for pth in paths[1:]:
        master.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        composer.append(Docx(str(pth)))
    composer.save(str(target))
    return target


def to_pdf(docx_path: Path) -> Path:
    """Convert with LibreOffice (soffice --headless --convert-to pdf); raises DocumentError when unavailable."""
    exe = soffice_path()
    if not exe:
        raise DocumentError("LibreOffice is not installed")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(docx_path.parent), str(docx_path)], check=True, capture_output=True,
                       timeout=600)
    return docx_path.with_suffix(".pdf")


def enqueue_batch(batch: DocumentBatch, account_ids: list[int], params: dict | None, user=None,
                  today=None):
    """Store the batch's input on its row and queue its job in the same transaction (the caller commits, then
    `casework.jobs.services.start`)."""
    from ..jobs.services import enqueue

    batch.account_ids = list(account_ids)
    batch.params = encode_params(params)
    batch.issued_on = today
    batch.total = len(batch.account_ids)
    db.session.flush()
    return enqueue("documents.bulk", {"batch_id": batch.id}, subject=f"document_batches:{batch.id}", user=user,
                   total=batch.total)


def cancel_queued(run) -> None:
    """A bulk job cancelled before it started: its batch is cancelled, no letter was issued."""
    db.session.execute(update(DocumentBatch.__table__)
                       .where(DocumentBatch.id == int(run.payload["batch_id"]), DocumentBatch.status == "pending")
                       .values(status="cancelled", message="cancelled; 0 documents issued", finished_at=utcnow()))


def job_for(batch: DocumentBatch):
    """The job run of a batch (None for a batch run directly)."""
    from ..jobs.models import JobRun

    return db.session.scalar(select(JobRun).where(JobRun.subject == f"document_batches:{batch.id}")
                             .order_by(JobRun.id.desc()).limit(1))


def progress(batch: DocumentBatch) -> dict:
    """JSON for casework.js: {done, total, finished, redirect, message}."""
    final = batch.status in ("done", "failed", "cancelled")
    return {"done": batch.done, "total": batch.total, "finished": final,
            "message": batch.message if final else f"{batch.done} / {batch.total}",
            "status": batch.status}


def accounts_for_filter(building_id: int | None = None, territory_id: int | None = None, min_debt_kop: int = 1,
                        open_cases_stage: str | None = None, limit: int = 20000) -> list[int]:
    """Account ids matching the bulk filter: building/territory, debt at least the minimum, optional case stage.
    The debt is the account's balance kept by the figures refresh (`account_balances.balance_kop`, the ledger's
    signed sum), not a sum over the ledger."""
    from ..accounts.models import Account, AccountBalance

    stmt = (select(Account.id).join(AccountBalance, AccountBalance.account_id == Account.id)
            .where(Account.closed_on.is_(None), AccountBalance.balance_kop >= max(min_debt_kop, 1))
            .order_by(Account.id).limit(limit))
    if building_id:
        stmt = stmt.where(Account.building_id == building_id)
    if territory_id:
        stmt = stmt.where(Account.territory_id == territory_id)
    if open_cases_stage:
        from ..cases.models import Case

        stmt = stmt.where(Account.id.in_(select(Case.account_id).where(Case.is_open, Case.stage == open_cases_stage)))
    return list(db.session.scalars(stmt))
