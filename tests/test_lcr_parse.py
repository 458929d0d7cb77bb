"""The LC-R parser and printer against the fixtures and the limits of spec section 6.

    python -m pytest tests/test_lcr_parse.py -q
"""

from __future__ import annotations

import pytest
from lcr_fixtures import canonical_lines, invalid_cases, noncanonical_cases

from lcr import LCRError, dumps, parse, pretty
from lcr.errors import CODES, E_LCB_DECODE, E_SCHEMA, E_SIZE_EXCEEDED
from lcr.schema import check_schema
from lcr.values import (
    CONTRACT_ID_MAX,
    FIELD_INDEX_MAX,
    INT_MAX,
    INT_MIN,
    KINDS,
    MAX_DEPTH,
    MAX_SIZE,
    Array,
    Float,
    Int,
    Text,
)

CANONICAL = canonical_lines()
INVALID = invalid_cases()
NONCANONICAL = noncanonical_cases()


def error_of(text: str, schema: bool = False) -> LCRError:
    with pytest.raises(LCRError) as info:
        value = parse(text)
        if schema:
            check_schema(value, text)
    return info.value


# ---- fixtures ----------------------------------------------------------------------


def test_canonical_fixture_is_large_and_covers_every_kind():
    assert len(CANONICAL) >= 60
    assert len(set(CANONICAL)) == len(CANONICAL)
    assert {parse(line).kind for line in CANONICAL} == set(KINDS)


@pytest.mark.parametrize("line", CANONICAL)
def test_canonical_round_trips_byte_for_byte(line):
    value = parse(line)
    assert dumps(value).encode("utf-8") == line.encode("utf-8")
    assert parse(pretty(value)) == value


@pytest.mark.parametrize(("code", "text", "col"), INVALID, ids=[c[1][:30] for c in INVALID])
def test_invalid_fixture(code, text, col):
    if code == E_SCHEMA:
        parse(text)  # valid LC-R: only the registry rejects it
    err = error_of(text, schema=code == E_SCHEMA)
    assert (err.code, err.column) == (code, col), err.render()
    assert err.line == 1  # every stored case fails on its first line


def test_invalid_fixture_covers_every_lcr_code():
    stored = {code for code, _, _ in INVALID}
    # Size is generated below (1 MiB does not belong in a fixture); LC-B has its own codes.
    assert stored | {E_SIZE_EXCEEDED, E_LCB_DECODE} == set(CODES)
    assert len(INVALID) >= 40


@pytest.mark.parametrize(("text", "canonical"), NONCANONICAL)
def test_noncanonical_forms_are_accepted_and_normalised(text, canonical):
    assert text != canonical
    assert dumps(parse(text)) == canonical
    assert parse(canonical) == parse(text)


# ---- positions and carets ------------------------------------------------------------


def test_render_has_path_line_column_and_caret():
    err = error_of("🜊14🜁01🜂")
    assert err.render("data.lcr", line_offset=6).splitlines() == [
        "data.lcr:7:4: E_LC_PARSE unexpected '🜁': expected a field (🜁, an index, whitespace), "
        "🜂 (a field index is digits without leading zeros, then whitespace)",
        "🜊14🜁01🜂",
        "   ^",
    ]


def test_error_on_a_later_line_points_into_that_line():
    err = error_of('🜃\n  1,\n  "bad \\q",\n  2\n🜄')
    assert (err.line, err.column, err.context) == (3, 8, '  "bad \\q",')
    assert err.caret().splitlines()[1] == "       ^"


def test_caret_keeps_tabs_so_it_lines_up():
    err = error_of("🜃\t1,\t🜄")
    assert err.caret() == "🜃\t1,\t🜄\n \t  \t^"


@pytest.mark.parametrize(
    ("text", "code", "col"),
    [
        ("◇a: 1, b: 2, a: 3◆", "E_DUPLICATE_KEY", 14),
        ("🜊14🜁0 1🜁3 2🜁3 4🜂", "E_FIELD_ORDER", 12),
        ("🜃1, 2, 99999999999999999999🜄", "E_RANGE", 8),
        ('🜃"ok", "ta\tb"🜄', "E_LC_PARSE", 11),
    ],
)
def test_error_columns_point_at_the_culprit(text, code, col):
    err = error_of(text)
    assert (err.code, err.column) == (code, col)


# Lark's own "expected" sets list what the lexer could lex after a scalar in any context
# (LALR merges those states); the message must list what the parser takes right here.
@pytest.mark.parametrize(
    ("text", "col", "message"),
    [
        ("00", 2, "unexpected '0': expected end of input, whitespace"),
        ("1x", 2, "unexpected 'x': expected end of input, whitespace"),
        ("1 ,2", 3, "unexpected ',': expected end of input, whitespace"),
        ("0 0", 3, "unexpected '0': expected end of input"),
        ("🜃00🜄", 3, "unexpected '0': expected ',', 🜄"),
        ("◇a: 1x◆", 6, "unexpected 'x': expected ',', ◆"),
        ("🜊1🜁0 1🜄", 7, "unexpected '🜄': expected a field (🜁, an index, whitespace), 🜂"),
        ("🜃1,", 4, "unexpected end of input: expected a value"),
    ],
)
def test_expected_set_is_what_fits_at_the_error(text, col, message):
    err = error_of(text)
    assert (err.code, err.column, err.message) == ("E_LC_PARSE", col, message)


# ---- depth ---------------------------------------------------------------------------


NESTERS = {
    "array": ("🜃", "🜄"),
    "object": ("◇k: ", "◆"),
    "contract": ("🜊14🜁0 ", "🜂"),
}


@pytest.mark.parametrize("kind", NESTERS)
def test_depth_64_is_fine_and_65_is_not(kind):
    open_, close = NESTERS[kind]
    assert parse(open_ * MAX_DEPTH + "∅" + close * MAX_DEPTH).depth == MAX_DEPTH
    err = error_of(open_ * (MAX_DEPTH + 1) + "∅" + close * (MAX_DEPTH + 1))
    assert (err.code, err.column) == ("E_DEPTH_EXCEEDED", 1)


def test_100000_deep_is_a_depth_error_not_a_crash():
    n = 100_000
    err = error_of("🜃" * n + "🜄" * n)
    assert err.code == "E_DEPTH_EXCEEDED"
    # Located at the first container, counted from the inside out, that is too deep.
    assert err.column == n - MAX_DEPTH
    err = error_of("◇k: " * n + "∅" + "◆" * n)
    assert err.code == "E_DEPTH_EXCEEDED"


def test_deep_contracts_under_the_size_limit_are_a_depth_error():
    n = 60_000  # 🜊14🜁0 … 🜂 is 16 bytes a level: 60,000 levels stay under 1 MiB
    assert error_of("🜊14🜁0 " * n + "∅" + "🜂" * n).code == "E_DEPTH_EXCEEDED"


def test_deep_mixed_nesting_in_one_value():
    text = ("🜃◇a: 🜊1🜁0 " * 30) + "1" + ("🜂◆🜄" * 30)
    assert error_of(text).code == "E_DEPTH_EXCEEDED"
    ok = ("🜃◇a: " * 32) + "1" + ("◆🜄" * 32)
    assert parse(ok).depth == 64


# ---- size ----------------------------------------------------------------------------


def test_size_limit_counts_utf8_bytes():
    assert parse('"' + "a" * (MAX_SIZE - 2) + '"') == Text("a" * (MAX_SIZE - 2))
    err = error_of('"' + "a" * (MAX_SIZE - 1) + '"')
    assert (err.code, err.line, err.column) == (E_SIZE_EXCEEDED, 1, 1)
    # 'é' is two bytes: fewer characters than MAX_SIZE, more bytes.
    assert error_of('"' + "é" * (MAX_SIZE // 2) + '"').code == E_SIZE_EXCEEDED


def test_size_limit_includes_surrounding_whitespace():
    assert error_of(" " * MAX_SIZE + "1").code == E_SIZE_EXCEEDED


# ---- numeric ranges ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (str(INT_MAX), Int(INT_MAX)),
        (str(INT_MIN), Int(INT_MIN)),
        ("-0", Int(0)),
        ("1.7976931348623157e308", Float(1.7976931348623157e308)),
        ("-1.7976931348623157e308", Float(-1.7976931348623157e308)),
        ("1e-400", Float(0.0)),
        ("-1e-400", Float(-0.0)),
        ("5e-324", Float(5e-324)),
    ],
)
def test_numbers_at_the_edges(text, value):
    assert parse(text) == value


@pytest.mark.parametrize(
    "text",
    [
        str(INT_MAX + 1),
        str(INT_MIN - 1),
        "1.8e308",
        "-1e309",
        f"🜊{CONTRACT_ID_MAX + 1}🜂",
        f"🜊14🜁{FIELD_INDEX_MAX + 1} 1🜂",
        "🜊14🜁99999999999999999999 1🜂",
    ],
)
def test_out_of_range_is_e_range(text):
    assert error_of(text).code == "E_RANGE"


def test_largest_ids_and_indices_are_fine():
    text = f"🜊{CONTRACT_ID_MAX}🜁{FIELD_INDEX_MAX} 1🜂"
    assert dumps(parse(text)) == text


def test_int_and_float_are_different_values():
    assert parse("1") != parse("1.0")
    assert parse("0.0") != parse("-0.0")
    assert dumps(parse("-0.0")) == "-0.0"


# ---- text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('"\\ud83d\\ude00"', "😀"),
        ('"\\uD83D\\uDE00"', "😀"),
        ('"a\\ud834\\udd1eb"', "a𝄞b"),
        ('"\\u0000"', "\x00"),
        ('"\\"\\\\\\n\\r\\t"', '"\\\n\r\t'),
        ('"🜊 is text"', "🜊 is text"),
    ],
)
def test_escapes(text, value):
    assert parse(text) == Text(value)


@pytest.mark.parametrize(
    "text", ['"\\ud83d"', '"\\ude00"', '"\\ude00\\ud83d"', '"\\ud83dx\\ude00"', '"\\ud83d\\u0041"']
)
def test_lone_surrogates_are_parse_errors(text):
    assert error_of(text).code == "E_LC_PARSE"


def test_parse_rejects_non_text():
    with pytest.raises(TypeError):
        parse(b"1")
    assert parse(" \t\r\n🜃🜄\n") == Array(())
