"""Hypothesis properties of LC-R: round trips, idempotent printing, strings drawn from the
grammar itself, and "arbitrary text raises nothing but LCRError".

    python -m pytest tests/test_lcr_properties.py -q
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark
from strategies import values

from lcr import LCRError, dumps, parse, pretty
from lcr.errors import CODES
from lcr.grammar import grammar_text
from lcr.schema import schema_error

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# The grammar as Lark reads it, so the strings come from the same file the parser uses.
GRAMMAR = Lark(grammar_text("lcr"), parser="lalr", lexer="contextual")
# Generated text strings hold arbitrary \uXXXX escapes, so some are lone surrogates.
lcr_strings = from_lark(GRAMMAR, start="start")

# Characters that mean something in LC-R, to steer arbitrary text towards deep paths.
SIGNIFICANT = list("∅⊤⊥⊠⟁🜊🜁🜂🜃🜄◇◆,:\"\\-+.eE0123456789abcxyz_ \t\r\n[]{}") + ["\\u", "🜁0 "]
lcr_soup = st.lists(st.sampled_from(SIGNIFICANT), max_size=40).map("".join)

# Codes a grammatical string may still earn: what a context-free grammar cannot see.
NON_SYNTAX = {"E_FIELD_ORDER", "E_DUPLICATE_KEY", "E_RANGE", "E_DEPTH_EXCEEDED"}


@SETTINGS
@given(values())
def test_parse_of_print_is_the_value(v):
    assert parse(dumps(v)) == v


@SETTINGS
@given(values())
def test_pretty_parses_back(v):
    assert parse(pretty(v)) == v


@SETTINGS
@given(values())
def test_printing_is_idempotent_and_one_line(v):
    text = dumps(v)
    assert dumps(parse(text)) == text
    assert "\n" not in text and "\r" not in text


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(lcr_strings)
def test_grammar_strings_format_idempotently(text):
    try:
        value = parse(text)
    except LCRError as err:
        # The grammar allows what only the parser's checks reject; anything else would be
        # a disagreement between grammar and parser.
        assert err.code in NON_SYNTAX or "surrogate" in err.message, err.render()
        return
    canonical = dumps(value)
    assert parse(canonical) == value
    assert dumps(parse(canonical)) == canonical


def _only_lcr_errors(text: str) -> None:
    try:
        value = parse(text)
    except LCRError as err:
        assert err.code in CODES
        lines = text.split("\n")
        assert 1 <= err.line <= len(lines)
        assert 1 <= err.column <= len(lines[err.line - 1]) + 1
        return
    schema_error(value)  # must not raise either
    assert parse(dumps(value)) == value


@SETTINGS
@given(st.text(max_size=60))
def test_arbitrary_text_raises_only_lcr_errors(text):
    _only_lcr_errors(text)


@settings(max_examples=400, deadline=None)
@given(lcr_soup)
def test_glyph_soup_raises_only_lcr_errors(text):
    _only_lcr_errors(text)


@SETTINGS
@given(lcr_strings, st.integers(0, 200), st.sampled_from(["", " ", "🜂", "🜁", ",", '"', "\\"]))
def test_damaged_grammar_strings_raise_only_lcr_errors(text, at, insert):
    at = min(at, len(text))
    _only_lcr_errors(text[:at] + insert + text[at + 1 :])
