"""`casework messages send [--limit N]`: the unit of work a job or cron runs to send queued messages."""
from __future__ import annotations

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    @app.cli.group("messages")
    def messages_cli():
        """E-mail and SMS to debtors (docs/messages.md)."""

    @messages_cli.command("send")
    @click.option("--limit", default=100, show_default=True, help="At most this many queued messages.")
    def send_cmd(limit):
        """Send queued messages (within the 230-FZ contact rules) and poll SMS.ru for delivery statuses."""
        from .services import send_pending

        counts = send_pending(limit)
        click.echo(" ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing to send")
