"""HTTP hardening shared by every area: response headers, no caching of personal data, safe archives.

`init_app(app)` adds an ``after_request`` hook that sets on every response:

- ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``, ``Referrer-Policy: same-origin``;
- ``Content-Security-Policy`` — scripts only from our own static files (no inline ``<script>``, no ``on*=``
  handlers, no ``javascript:`` URLs: behaviour lives in ``casework/static/casework.js`` via ``data-*``
  attributes); inline ``style=`` attributes are tolerated;
- ``Cache-Control: no-store`` on every page served to a logged-in user and on every download (they show
  debtors' personal data, 152-ФЗ ст. 19: measures against unauthorised access, incl. shared-browser caches);
- ``Strict-Transport-Security`` in production (``CASEWORK_PRODUCTION=1``), where cookies are ``Secure`` too.

`check_zip_archive(data, ...)` refuses a malformed or zip-bomb archive (.xlsx/.docx) before anything inflates it.
"""
from __future__ import annotations

import io
import zipfile

from flask import Flask, request
from flask_login import current_user

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")

ZIP_MAX_UNCOMPRESSED = 200 * 1024 * 1024  # bytes once unpacked
ZIP_MAX_RATIO = 200  # unpacked / packed; ordinary Office files stay well under 50
ZIP_MAX_MEMBERS = 10_000


class UnsafeArchive(ValueError):
    """An uploaded Office file that is not a readable zip package (or carries unsafe member names)."""


class ArchiveTooLarge(UnsafeArchive):
    """A zip bomb: the archive would unpack to an unreasonable size or ratio."""


def check_zip_archive(data: bytes, *, required: str | None = "[Content_Types].xml",
                      max_uncompressed: int = ZIP_MAX_UNCOMPRESSED, max_ratio: float = ZIP_MAX_RATIO,
                      max_members: int = ZIP_MAX_MEMBERS) -> None:
    """Refuse a malformed archive, a zip bomb (declared size or ratio) or a member with an unsafe path.

    The declared sizes are read from the central directory, so nothing is inflated here.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise UnsafeArchive("malformed") from None
    if len(infos) > max_members:
        raise ArchiveTooLarge("too many members")
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > max_uncompressed or total / packed > max_ratio:
        raise ArchiveTooLarge("too large when unpacked")
    names = {i.filename for i in infos}
    for name in names:
        if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/") or "\x00" in name:
            raise UnsafeArchive("unsafe member name")
    if required and required not in names:
        raise UnsafeArchive("not an Office package")


def _is_download(resp) -> bool:
    return "attachment" in (resp.headers.get("Content-Disposition") or "")


def _set_headers(resp):
    h = resp.headers
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Referrer-Policy", "same-origin")
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    from flask import current_app

    if current_app.config.get("PRODUCTION"):
        h.setdefault("Strict-Transport-Security", "max-age=31536000")
    endpoint = request.endpoint or ""
    is_static = endpoint == "static" or endpoint.endswith(".static")
    if not is_static and (_is_download(resp) or current_user.is_authenticated):
        h["Cache-Control"] = "no-store"
        h["Pragma"] = "no-cache"
    return resp


def init_app(app: Flask) -> None:
    """Register the response-header hook; trust TRUSTED_PROXIES reverse proxies for the client address and scheme."""
    app.after_request(_set_headers)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
