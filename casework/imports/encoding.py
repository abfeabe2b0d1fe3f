"""Which encoding a billing CSV is in: UTF-8 (with or without BOM), UTF-16 with BOM, Windows-1251, KOI8-R or
DOS 866 — or «could not determine».

Pure: bytes in, text out. UTF-8 is tried strictly first (a text in a one-byte Cyrillic encoding is practically
never valid UTF-8). The one-byte encodings all decode almost any bytes, so each candidate's text is judged:

1. it must be *plausible*: printable ASCII, Russian letters, the usual typographic signs (« » — № …) and nothing
   else (a KOI8-R file read as DOS 866 is full of box-drawing characters, one read as Windows-1251 has
   «Ј», «ђ» and the like wherever KOI8-R has «ё»);
2. among the plausible ones the text that reads most like Russian wins: the mean log-frequency of its letters
   (a wrong table turns «о», «е», «а» into rare letters such as «П», «Е», «Б») minus a penalty for a lower-case
   letter followed by an upper-case one inside a word (KOI8-R read as Windows-1251 swaps the case: «Лицевой»
   becomes «мЙГЕЧПК»);
3. the winner must look like Russian at all (enough letters, a mean log-frequency above a floor) and be clearly
   ahead of the runner-up; otherwise the encoding is reported as unknown.

`charset-normalizer` was compared on the same samples (tests/unit/test_import_encoding.py documents the
comparison): on one-line Russian headers it confuses Windows-1251 with KOI8-R and other tables, so it is not used.
"""
from __future__ import annotations

import math
import re

CANDIDATES = ("cp1251", "koi8_r", "cp866")

# letter frequencies of Russian prose, per cent (ё counted with е)
_FREQ = {
    "о": 10.97, "е": 8.49, "а": 8.01, "и": 7.35, "н": 6.70, "т": 6.26, "с": 5.47, "р": 4.73, "в": 4.54, "л": 4.40,
    "к": 3.49, "м": 3.21, "д": 2.98, "п": 2.81, "у": 2.62, "я": 2.01, "ы": 1.90, "ь": 1.74, "г": 1.70, "з": 1.65,
    "б": 1.59, "ч": 1.44, "й": 1.21, "х": 0.97, "ж": 0.94, "ш": 0.73, "ю": 0.64, "ц": 0.48, "щ": 0.36, "э": 0.32,
    "ф": 0.26, "ъ": 0.04, "ё": 0.04,
}
_LOG = {ch: math.log(p / 100) for ch, p in _FREQ.items()}
_PLAUSIBLE = re.compile(r"[\x09\x0a\x0d\x20-\x7e\u0410-\u044f\u0401\u0451\u00a0\u00ab\u00bb\u2013\u2014\u2116"
                        r"\u2026\u00b0\u00a7\u201c\u201d\u201e\u2018\u2019\u00b7\u00d7]*")
_WORD = re.compile(r"[\u0410-\u044f\u0401\u0451]+")
MIN_LETTERS = 3  # fewer Cyrillic letters than this: nothing to judge by
MEAN_FLOOR = -4.0  # mean log-frequency of Russian text is about -3.0 (-3.7 for a run of abbreviations); letters
# drawn at random give about -4.2, a scrambled table -4.3 … -5
CASE_PENALTY = 1.5  # per lower→upper switch inside a word, divided by the number of words
MARGIN = 0.3  # the winner must be ahead of the runner-up by this much (a wrong table trails by 0.4 … 1.8)


class UnknownEncoding(ValueError):
    """The bytes are in no encoding this importer reads."""


def score(text: str) -> float | None:
    """How much `text` reads like Russian (higher is better), or None when there are too few letters."""
    letters = 0
    total = 0.0
    switches = 0
    words = 0
    for w in _WORD.findall(text):
        words += 1
        prev_lower = False
        for ch in w:
            low = ch.lower()
            total += _LOG[low]
            letters += 1
            if prev_lower and ch != low:
                switches += 1
            prev_lower = ch == low
    if letters < MIN_LETTERS:
        return None
    return total / letters - CASE_PENALTY * switches / words


def detect(data: bytes, sample: int = 65536) -> str:
    """The name of the encoding of `data` (a Python codec name), or UnknownEncoding."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\x00" in data[:4096]:
        raise UnknownEncoding("NUL bytes without a UTF-16 byte order mark")
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    head = data[:sample]
    if len(data) > sample:  # do not judge by a character cut in half at the end of the sample
        head = head[:head.rfind(b"\n") + 1] or head
    scored = []
    for enc in CANDIDATES:
        try:
            txt = head.decode(enc)
        except UnicodeDecodeError:
            continue
        if not _PLAUSIBLE.fullmatch(txt):
            continue
        s = score(txt)
        if s is not None:
            scored.append((s, enc))
    if not scored:
        raise UnknownEncoding("no plausible one-byte Cyrillic decoding")
    scored.sort(reverse=True)
    best, enc = scored[0]
    if best < MEAN_FLOOR:
        raise UnknownEncoding(f"{enc} reads least unlike Russian but still unlike it ({best:.2f})")
    if len(scored) > 1 and best - scored[1][0] < MARGIN:
        raise UnknownEncoding(f"{enc} and {scored[1][1]} read alike ({best:.2f} vs {scored[1][0]:.2f})")
    return enc


def decode(data: bytes) -> str:
    """The text of a CSV file (BOM dropped); UnknownEncoding when the encoding cannot be told."""
    enc = detect(data)
    try:
        text = data.decode(enc)
    except UnicodeDecodeError:  # a byte the sample did not show
        raise UnknownEncoding(f"not {enc} after all") from None
    return text[1:] if text.startswith("\ufeff") else text
