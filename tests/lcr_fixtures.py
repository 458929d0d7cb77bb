"""Readers for the LC-R test fixtures in ``tests/fixtures/`` (shared by the test modules).

``canonical.lcr``: one canonical value per line, stored as is.
``invalid.tsv``: ``CODE<TAB>EXAMPLE<TAB>COLUMN``; ``noncanonical.tsv``: ``INPUT<TAB>CANONICAL``.
In the ``.tsv`` files every backslash starts an escape -- ``\\t \\n \\r \\\\ \\xNN`` -- so that
tabs, newlines and control characters can sit inside one field; ``#`` lines are comments.
"""

from __future__ import annotations

import re
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"

_TSV_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|[tnr\\])")
_TSV_CHARS = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}


def unescape_tsv(field: str) -> str:
    """Decode one ``.tsv`` field (see the module docstring)."""
    if "\\" in _TSV_ESCAPE.sub("", field):
        raise ValueError(f"undocumented escape in fixture field {field!r}")
    return _TSV_ESCAPE.sub(lambda m: _TSV_CHARS.get(m[1]) or chr(int(m[1][1:], 16)), field)


def tsv_rows(name: str) -> list[list[str]]:
    """The decoded fields of each data line of ``tests/fixtures/NAME``."""
    rows = []
    for line in (FIXTURES / name).read_text(encoding="utf-8").split("\n"):
        if line and not line.startswith("#"):
            rows.append([unescape_tsv(f) for f in line.split("\t")])
    return rows


def canonical_lines() -> list[str]:
    """The lines of ``canonical.lcr``, byte for byte (no newline, nothing stripped)."""
    data = (FIXTURES / "canonical.lcr").read_bytes().decode("utf-8")
    assert data.endswith("\n")
    return data[:-1].split("\n")


def invalid_cases() -> list[tuple[str, str, int]]:
    """``(code, example, column)`` for each row of ``invalid.tsv``."""
    return [(code, text, int(col)) for code, text, col in tsv_rows("invalid.tsv")]


def noncanonical_cases() -> list[tuple[str, str]]:
    """``(input, canonical)`` for each row of ``noncanonical.tsv``."""
    return [(a, b) for a, b in tsv_rows("noncanonical.tsv")]
