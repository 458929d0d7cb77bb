"""Examples of the HLXL and LC-B tracks: one value of each kind in all three spellings,
HLXL's error codes and carets, and each LC-B decoder error with its byte offset.

    python -m pytest tests/test_tracks.py -q
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lcr import LCRError, dumps, parse
from lcr.hlxl import dumps_hlxl, parse_hlxl
from lcr.lcb import decode, dumps_lcb, encode, from_hex, parse_lcb, to_hex
from lcr.values import KINDS, MAX_DEPTH

# (LC-R, HLXL, LC-B hex), all canonical: one row per value kind and the edge cases.
SPELLINGS = [
    ("∅", "null", "00"),
    ("⊤", "true", "0a"),
    ("⊥", "false", "0b"),
    ("0", "0", "0100"),
    ("-1", "-1", "0101"),
    ("42", "42", "0154"),
    ("-9223372036854775808", "-9223372036854775808", "01ffffffffffffffffff01"),
    ("9223372036854775807", "9223372036854775807", "01feffffffffffffffff01"),
    ("1.5", "1.5", "023ff8000000000000"),
    ("-0.0", "-0.0", "028000000000000000"),
    ("1e-10", "1e-10", "023ddb7cdfd9d7bdbb"),
    ('"héllo\\n"', '"héllo\\n"', "030768c3a96c6c6f0a"),
    ('""', '""', "0300"),
    ("⊠", 'b""', "0400"),
    ("⊠00ff", 'b"\\x00\\xff"', "040200ff"),
    ("⊠61225c7e", 'b"a\\x22\\x5c~"', "040461225c7e"),
    ("⟁users", "&h_users", "09057573657273"),
    ("⟁_", "&h__", "09015f"),
    ("🜊14🜂", "{14: {}}", "070e0008"),
    ("🜊14🜁8 1🜂", "{14: {@8: 1}}", "070e0108010208"),
    (
        '🜊1000🜁0 "filter"🜁1 ⟁users🜂',
        '{1000: {@0: "filter", @1: &h_users}}',
        "07e8070200030666696c746572010905757365727308",
    ),
    ("🜃🜄", "[]", "0506"),
    ('🜃1, "a", ⟁b🜄', '[1, "a", &h_b]', "05010203016109016206"),
    ("◇◆", "{}", "0c000d"),
    ("◇x: 10, y: 20◆", "{x: 10, y: 20}", "0c0201780114017901280d"),
    ("◇true: ∅, null: ⊤◆", "{true: null, null: true}", "0c02047472756500046e756c6c0a0d"),
    # a 13-byte key: its length byte is 0d, the object end tag (why objects carry a count)
    ("◇abcdefghijklm: 1◆", "{abcdefghijklm: 1}", "0c010d6162636465666768696a6b6c6d01020d"),
    ("🜃◇◆, 🜊0🜂🜄", "[{}, {0: {}}]", "050c000d0700000806"),
]


@pytest.mark.parametrize("lcr,hlxl,hex_", SPELLINGS)
def test_three_spellings_of_one_value(lcr, hlxl, hex_):
    v = parse(lcr)
    assert parse_hlxl(hlxl) == v
    assert parse_lcb(hex_) == v
    assert decode(bytes.fromhex(hex_)) == v
    assert (dumps(v), dumps_hlxl(v), dumps_lcb(v)) == (lcr, hlxl, hex_)
    assert to_hex(encode(v)) == hex_ and from_hex(hex_) == encode(v)


@pytest.mark.parametrize(
    "loose,canonical",
    [
        (" { 1000 :{ @0 : \"x\" ,@1:&h_a } } ", '{1000: {@0: "x", @1: &h_a}}'),
        ("[\n1,\t2 ]", "[1, 2]"),
        ("{ }", "{}"),
        ('b"\\xAB"', 'b"\\xab"'),
        ("-0", "0"),
        ("1e10", "10000000000.0"),
        ('"\\u00e9"', '"é"'),
    ],
)
def test_hlxl_whitespace_and_non_canonical_input(loose, canonical):
    assert dumps_hlxl(parse_hlxl(loose)) == canonical


# (bad HLXL, code, column, a piece of the message)
HLXL_ERRORS = [
    ("{1000: {@1: 1, @0: 2}}", "E_FIELD_ORDER", 16, "field index 0 after 1"),
    ("{14: {@0: 1, @0: 2}}", "E_FIELD_ORDER", 14, "strictly ascending"),
    ("{a: 1, a: 2}", "E_DUPLICATE_KEY", 8, "object key a appears twice"),
    ("{2147483648: {}}", "E_RANGE", 2, "contract id"),
    ("{14: {@65535: 1}}", "E_RANGE", 7, "field index 65535"),
    ("9223372036854775808", "E_RANGE", 1, "signed 64-bit"),
    ("1e999", "E_RANGE", 1, "too large"),
    ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "E_DEPTH_EXCEEDED", 1, "nested"),
    ("[1 2]", "E_LC_PARSE", 4, "expected ',', ']'"),
    ("[1,]", "E_LC_PARSE", 4, "expected a value"),
    ("⊤", "E_LC_PARSE", 1, "LC-R glyph"),
    ("&users", "E_LC_PARSE", 1, "&h_"),
    ("{14: {0: 1}}", "E_LC_PARSE", 7, "a field (@ and an index)"),
    ("{14: {@ 0: 1}}", "E_LC_PARSE", 7, "@ and its index"),
    ("{-1: {}}", "E_LC_PARSE", 2, "a contract id"),
    ('b"\\"', "E_LC_PARSE", 1, "\\x22"),
    ('b"é"', "E_LC_PARSE", 1, "printable ASCII"),
    ("True", "E_LC_PARSE", 1, "true, false, null"),
    ("{x: 1} 2", "E_LC_PARSE", 8, "expected end of input"),
    ("", "E_LC_PARSE", 1, "expected a value"),
]


@pytest.mark.parametrize("text,code,column,message", HLXL_ERRORS)
def test_hlxl_errors(text, code, column, message):
    with pytest.raises(LCRError) as info:
        parse_hlxl(text)
    err = info.value
    assert (err.code, err.line, err.column) == (code, 1, column)
    assert message in err.message


# The contract invariants are one set of functions (lcr.parser) used by both tracks: the
# same code and message, each at the spot its own spelling puts the culprit.
@pytest.mark.parametrize(
    ("lcr", "hlxl", "message"),
    [
        ("🜊14🜁1 1🜁0 2🜂", "{14: {@1: 1, @0: 2}}",
         "field index 0 after 1: indices must be strictly ascending"),
        ("🜊2147483648🜂", "{2147483648: {}}", "contract id 2147483648 is above 2147483647"),
        ("🜊14🜁65535 1🜂", "{14: {@65535: 1}}", "field index 65535 is above 65534"),
        ("🜊14🜁0 " * (MAX_DEPTH + 1) + "∅" + "🜂" * (MAX_DEPTH + 1),
         "{14: {@0: " * (MAX_DEPTH + 1) + "null" + "}}" * (MAX_DEPTH + 1),
         f"more than {MAX_DEPTH} contracts, arrays and objects nested"),
    ],
)
def test_contract_invariants_match_across_tracks(lcr, hlxl, message):
    errors = []
    for parser, text in ((parse, lcr), (parse_hlxl, hlxl)):
        with pytest.raises(LCRError) as info:
            parser(text)
        errors.append(info.value)
    assert errors[0].code == errors[1].code
    assert errors[0].message == errors[1].message == message


def test_hlxl_error_caret_and_line():
    with pytest.raises(LCRError) as info:
        parse_hlxl('{x: 1,\n  y: &users}')
    assert info.value.render("a.hlxl") == (
        "a.hlxl:2:6: E_LC_PARSE unexpected '&': expected a value "
        "(a handle is &h_ then a name: &h_users)\n"
        "  y: &users}\n"
        "     ^"
    )


def test_hlxl_depth_64_is_fine_and_size_limit():
    deep = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert parse_hlxl(deep).depth == MAX_DEPTH
    with pytest.raises(LCRError) as info:
        parse_hlxl('"' + "a" * (1 << 20) + '"')
    assert info.value.code == "E_SIZE_EXCEEDED"


# (LC-B hex, code, byte offset, a piece of the message)
LCB_ERRORS = [
    ("", "E_LCB_DECODE", 0, "unexpected end of input"),
    ("0e", "E_LCB_DECODE", 0, "unknown tag 0e"),
    ("05ff06", "E_LCB_DECODE", 1, "unknown tag ff"),
    ("01", "E_LCB_DECODE", 1, "unexpected end of input"),
    ("0180", "E_LCB_DECODE", 2, "unexpected end of input"),
    ("02000000", "E_LCB_DECODE", 4, "8 bytes of float"),
    ("0305616263", "E_LCB_DECODE", 1, "text length 5 exceeds the 3 bytes left"),
    ("0500", "E_LCB_DECODE", 2, "array end (06)"),
    ("070e00", "E_LCB_DECODE", 3, "contract end (08)"),
    ("018000", "E_LCB_DECODE", 1, "over-long LEB128"),
    ("01ffffffffffffffffff02", "E_LCB_DECODE", 1, "beyond 64 bits"),
    ("01ffffffffffffffffffff01", "E_LCB_DECODE", 1, "beyond 64 bits"),
    ("0a00", "E_LCB_DECODE", 1, "1 trailing bytes"),
    ("0302c328", "E_LCB_DECODE", 2, "invalid UTF-8"),
    ("0303eda080", "E_LCB_DECODE", 2, "invalid UTF-8"),  # an encoded surrogate
    ("0900", "E_LCB_DECODE", 1, "handle name '' is not an identifier"),
    ("0902312e", "E_LCB_DECODE", 1, "handle name '1.'"),
    ("0c0101200a0d", "E_LCB_DECODE", 2, "object key ' '"),
    ("0c0101780a0a0d", "E_LCB_DECODE", 5, "expected object end (0d), found 0a"),
    ("070e0007", "E_LCB_DECODE", 3, "expected contract end (08), found 07"),
    ("070effffffff0f", "E_LCB_DECODE", 2, "field count"),
    ("0c020178000178000d", "E_DUPLICATE_KEY", 5, "object key x appears twice"),
    ("070e02010a000b08", "E_FIELD_ORDER", 5, "field index 0 after 1"),
    ("070e02010a010b08", "E_FIELD_ORDER", 5, "field index 1 after 1"),
    ("070e0180800400", "E_RANGE", 3, "field index 65536"),
    ("0780808080080008", "E_RANGE", 1, "contract id 2147483648"),
    ("027ff8000000000000", "E_RANGE", 0, "not a finite number"),
    ("02fff0000000000000", "E_RANGE", 0, "not a finite number"),
    ("05" * (MAX_DEPTH + 1) + "06" * (MAX_DEPTH + 1), "E_DEPTH_EXCEEDED", MAX_DEPTH, "nested"),
]


@pytest.mark.parametrize("hex_,code,offset,message", LCB_ERRORS)
def test_lcb_decode_errors(hex_, code, offset, message):
    with pytest.raises(LCRError) as info:
        decode(bytes.fromhex(hex_))
    err = info.value
    assert (err.code, err.offset, err.line, err.column) == (code, offset, 1, offset + 1)
    assert message in err.message and f"(at byte {offset})" in err.message
    # The same error through the hex form is located at the offending hex pair.
    with pytest.raises(LCRError) as info:
        parse_lcb(hex_)
    assert (info.value.code, info.value.column) == (code, 2 * offset + 1)


def test_lcb_error_caret_points_at_the_byte():
    with pytest.raises(LCRError) as info:
        decode(bytes.fromhex("05010203016109016206ff"))
    assert info.value.render("x.lcb") == (
        "x.lcb:1:11: E_LCB_DECODE 1 trailing bytes (at byte 10)\n"
        "05 01 02 03 01 61 09 01 62 06 ff\n"
        "                              ^"
    )
    with pytest.raises(LCRError) as info:
        parse_lcb("  05010203016109016206ff")
    assert info.value.render("x.lcb") == (
        "x.lcb:1:23: E_LCB_DECODE 1 trailing bytes (at byte 10)\n"
        "  05010203016109016206ff\n"
        "                      ^"
    )


def test_lcb_hostile_input_is_bounded():
    # A length or count near 2**64 is rejected from the header, before any allocation.
    for hex_ in ("03ffffffffffffffffff01", "04ffffffffffffffffff01", "0c" + "ff" * 9 + "01"):
        with pytest.raises(LCRError, match="bytes left"):
            decode(bytes.fromhex(hex_))
    # Deep nesting is an error, not a RecursionError, however deep.
    with pytest.raises(LCRError) as info:
        decode(b"\x05" * 500_000)
    assert info.value.code == "E_DEPTH_EXCEEDED"
    with pytest.raises(LCRError) as info:
        decode(b"\x00" * ((1 << 20) + 1))
    assert info.value.code == "E_SIZE_EXCEEDED"


def test_lcb_depth_64_is_fine():
    data = bytes.fromhex("05" * MAX_DEPTH + "06" * MAX_DEPTH)
    assert decode(data).depth == MAX_DEPTH and encode(decode(data)) == data


@pytest.mark.parametrize(
    "text,column,message",
    [("0g", 2, "not hex: 'g'"), ("abc", 4, "odd number"), (" 01 00", 4, "not hex: ' '")],
)
def test_from_hex_errors(text, column, message):
    with pytest.raises(LCRError) as info:
        from_hex(text)
    assert (info.value.code, info.value.column) == ("E_LCB_DECODE", column)
    assert message in info.value.message


def test_encode_rejects_values_no_track_holds():
    from lcr.values import Array, Handle, Int, Object

    for bad, code in [
        (Int(2**63), "E_RANGE"),
        (Handle("no space"), "E_LC_PARSE"),
        (Object((("a b", Int(1)),)), "E_LC_PARSE"),
        (Object((("a", Int(1)), ("a", Int(2)))), "E_DUPLICATE_KEY"),
    ]:
        with pytest.raises(LCRError) as info:
            encode(bad)
        assert info.value.code == code
    deep = Array()
    for _ in range(MAX_DEPTH):
        deep = Array((deep,))
    with pytest.raises(LCRError) as info:
        encode(deep)
    assert info.value.code == "E_DEPTH_EXCEEDED"


DOCS = Path(__file__).resolve().parent.parent / "docs" / "tracks.md"
_EXAMPLE = re.compile(
    r"```text\nLC-R  (.*)\nHLXL  (.*)\nLC-B  (.*)\n```\n\n\| bytes \| meaning \|\n\|---\|---\|\n"
    r"((?:\|.*\n)+)"
)


def test_docs_worked_examples_are_correct():
    examples = _EXAMPLE.findall(DOCS.read_text(encoding="utf-8"))
    kinds = set()
    for lcr, hlxl, hex_, breakdown in examples:
        v = parse(lcr)
        kinds.add(v.kind)
        assert (dumps(v), dumps_hlxl(v), dumps_lcb(v)) == (lcr, hlxl, hex_)
        row_bytes = re.findall(r"^\| `([0-9a-f ]+)` \|", breakdown, re.M)
        assert "".join(row_bytes).replace(" ", "") == hex_
    assert len(examples) >= len(KINDS) and kinds == set(KINDS)
