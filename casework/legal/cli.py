"""`calc` command group: penalty | limitation | duty, one JSON document in (stdin), one out (stdout)."""
from __future__ import annotations

import json
import sys

import click

from casework.legal.contract import ContractError, run


def run_stdin(kind: str, compute=run) -> None:
    """Read one JSON document from stdin, write compute(kind, doc) to stdout; exit 2 with {"error"} on bad input."""
    stream = getattr(sys.stdin, "buffer", None)
    try:
        try:
            text = stream.read().decode("utf-8-sig") if stream is not None else sys.stdin.read()
        except UnicodeDecodeError as exc:
            raise ContractError(f"input is not UTF-8: {exc}") from None
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ContractError(f"input is not valid JSON: {exc}") from None
        out = compute(kind, doc)
    except ContractError as exc:
        click.echo(json.dumps({"error": str(exc)}, ensure_ascii=False), err=True)
        sys.exit(2)
    click.echo(json.dumps(out, ensure_ascii=False))


@click.group("calc", help="Calculators of calc-contract v1: JSON on stdin, JSON on stdout; exit 2 on invalid input.")
def calc_cli() -> None:
    pass


@calc_cli.command("penalty")
def penalty_cmd() -> None:
    """ЖКУ penalty under ЖК ст.155 ч.14."""
    run_stdin("penalty")


@calc_cli.command("limitation")
def limitation_cmd() -> None:
    """Limitation periods per monthly charge."""
    run_stdin("limitation")


@calc_cli.command("duty")
def duty_cmd() -> None:
    """State duty on a property claim or court order."""
    run_stdin("duty")


if __name__ == "__main__":
    calc_cli()
