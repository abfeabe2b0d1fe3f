"""Identifiers read from files or typed by users (account and document numbers, ИНН, СНИЛС, passport numbers).

One normal form for all of them, so that a number pasted with an invisible character or typed in full-width digits
is the same number as the one stored: `normalize_identifier` applies Unicode NFKC (full-width and other compatibility
forms become their plain letters and digits, a no-break space a space), removes format characters — zero-width
spaces and joiners, the soft hyphen, the byte-order mark and the bidirectional controls (LRM/RLM, embeddings,
overrides, isolates) — and trims surrounding whitespace.

`mixed_scripts` finds a value that mixes alphabets — e.g. `1О000006` with a Cyrillic «О» among digits, a look-alike
of `10000006` — so that an account number like that can be refused rather than become a second account. Digits
0–9 and Latin letters count as one script (an account number is written with them); punctuation and symbols
belong to none.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

LATIN = "LATIN"  # also the script of the digits 0–9


def normalize_identifier(value) -> str:
    """NFKC, no format (zero-width, bidi-control) characters, trimmed; None → ''."""
    if value is None:
        return ""
    s = value if isinstance(value, str) else str(value)
    if s.isascii():  # the common case, and ASCII holds nothing NFKC or the format filter would change
        return s.strip()
    s = unicodedata.normalize("NFKC", s)
    return "".join(ch for ch in s if unicodedata.category(ch) != "Cf").strip()


def script_of(ch: str) -> str | None:
    """The script of a letter or digit (its Unicode name's first word: LATIN, CYRILLIC, GREEK …), None for others."""
    if ch.isascii():
        return LATIN if ch.isalnum() else None
    if not (ch.isalpha() or ch.isdigit()):
        return None
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


@dataclass(frozen=True)
class MixedScripts:
    """The scripts of a value that mixes them, and the characters outside the main one (1-based positions)."""

    scripts: tuple[str, ...]  # the main script first
    odd: tuple[tuple[int, str, str], ...]  # (position, character, its script)


def mixed_scripts(value: str) -> MixedScripts | None:
    """None when the letters and digits of `value` belong to one script, else what is mixed.

    The main script is Latin (the script of the digits) when present, else the one most characters are written in;
    the characters of the other scripts are the suspicious ones.
    """
    if value.isascii():
        return None
    chars: list[tuple[int, str, str]] = []
    counts: dict[str, int] = {}
    for i, ch in enumerate(value, 1):
        sc = script_of(ch)
        if sc is not None:
            chars.append((i, ch, sc))
            counts[sc] = counts.get(sc, 0) + 1
    if len(counts) < 2:
        return None
    order = sorted(counts, key=lambda sc: (sc != LATIN, -counts[sc], sc))
    main = order[0]
    return MixedScripts(tuple(order), tuple(c for c in chars if c[2] != main))
