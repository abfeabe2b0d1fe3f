"""The raw limit for bench.load: a bare WSGI application under the same gunicorn settings, answering every page
with a body of a typical page's size after one query through the bare driver (sqlite3 / psycopg) on the same
database — no Flask, no SQLAlchemy, no templates. What remains is HTTP, gunicorn, the load client and one round
trip to the database: the floor under casework's figures in the same run.

    DATABASE_URL=... gunicorn bench.raw_wsgi:app
"""
from __future__ import annotations

import os
import random

BODY = ("<!doctype html><title>raw</title>" + "<p>" + "x" * 120 + "</p>\n" * 300).encode()  # ≈ 38 KB
LOGIN = (b'<form method="post"><input type="hidden" name="csrf_token" value="raw"></form>')
_URL = os.environ.get("DATABASE_URL", "")
_conn = None


def _query() -> None:
    """One indexed lookup by primary key (a random account) with the bare driver."""
    global _conn
    if _conn is None:
        if _URL.startswith("sqlite"):
            import sqlite3

            _conn = sqlite3.connect(_URL.split("///", 1)[1], check_same_thread=False)
        else:
            import psycopg

            _conn = psycopg.connect(_URL.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True)
    cur = _conn.cursor()
    cur.execute("SELECT number, debtor_name FROM accounts WHERE id = " + str(random.randint(1, 100_000)))
    cur.fetchall()


def app(environ, start_response):
    path, method = environ.get("PATH_INFO", "/"), environ.get("REQUEST_METHOD", "GET")
    if path == "/auth/login" and method == "POST":
        environ["wsgi.input"].read()
        start_response("302 Found", [("Location", "/"), ("Set-Cookie", "session=raw; HttpOnly; Path=/"),
                                     ("Content-Length", "0")])
        return [b""]
    if path == "/auth/login":
        start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(LOGIN)))])
        return [LOGIN]
    _query()
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))])
    return [BODY]
