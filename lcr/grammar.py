"""Loads the grammars in ``grammar/``: the one place a ``.lark`` file is read (the folder
itself is located by ``lcr.resources``).

``grammar_text("lcr")`` returns the text of ``grammar/lcr.lark``; ``lalr("lcr", t)`` builds
(and caches) an LALR parser for it, with transformer ``t`` applied inline while parsing so
that no parse tree is built. The constrained decoder reads the same file.
"""

from __future__ import annotations

import functools

from lark import Lark

from lcr.resources import grammar_dir

GRAMMAR_DIR = grammar_dir()


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
