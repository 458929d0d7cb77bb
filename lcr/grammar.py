"""Loads the grammars in ``grammar/``: the one place a ``.lark`` file is read.

``grammar_text("lcr")`` returns the text of ``grammar/lcr.lark``; ``lalr("lcr", t)`` builds
(and caches) an LALR parser for it, with transformer ``t`` applied inline while parsing so
that no parse tree is built. The constrained decoder reads the same file.
"""

from __future__ import annotations

import functools
from pathlib import Path

from lark import Lark

GRAMMAR_DIR = Path(__file__).resolve().parent.parent / "grammar"


@functools.cache
def grammar_text(name: str) -> str:
    """The text of ``grammar/NAME.lark``."""
    return (GRAMMAR_DIR / f"{name}.lark").read_text(encoding="utf-8")


def lalr(name: str, transformer=None) -> Lark:
    """An LALR(1) parser for ``grammar/NAME.lark``; a transformer runs inline."""
    return Lark(
        grammar_text(name),
        parser="lalr",
        lexer="contextual",
        transformer=transformer,
        maybe_placeholders=False,
        propagate_positions=False,
        cache=False,
    )
