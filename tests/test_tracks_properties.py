"""Hypothesis properties of the three tracks (LC-R, HLXL, LC-B) over arbitrary values.

For every track: value -> track -> value is the identity. For every ordered pair of
tracks: canonical text -> other track -> back is the same text. LC-B bytes are equal
exactly when the values are. The LC-B decoder, fed random bytes or mutated valid
encodings, raises nothing but LCRError and returns promptly.

    python -m pytest tests/test_tracks_properties.py -q
    HYPOTHESIS_PROFILE=thorough python -m pytest tests/test_tracks_properties.py -q
"""

from __future__ import annotations

import itertools
import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import values

from lcr import LCRError, dumps, parse
from lcr.hlxl import dumps_hlxl, parse_hlxl
from lcr.lcb import decode, dumps_lcb, encode, parse_lcb

# Each track as (print a value to its canonical text, parse that text back).
TRACKS = {
    "lcr": (dumps, parse),
    "hlxl": (dumps_hlxl, parse_hlxl),
    "lcb": (dumps_lcb, parse_lcb),
}
PAIRS = list(itertools.permutations(TRACKS, 2))

# Generous: decoding a few hundred bytes takes well under a millisecond; this only
# catches a decoder that loops or backtracks.
PROMPT_SECONDS = 1.0


@pytest.mark.parametrize("track", TRACKS)
@given(v=values())
def test_value_track_value_is_identity(track, v):
    to_text, from_text = TRACKS[track]
    text = to_text(v)
    assert from_text(text) == v
    assert to_text(from_text(text)) == text  # printing is idempotent


@pytest.mark.parametrize("a,b", PAIRS)
@given(v=values())
def test_canonical_text_through_other_track_and_back(a, b, v):
    to_a, from_a = TRACKS[a]
    to_b, from_b = TRACKS[b]
    text = to_a(v)
    other = to_b(from_a(text))
    assert to_a(from_b(other)) == text


_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


@given(v=values())
def test_hlxl_is_ascii_outside_text(v):
    # HLXL is the ASCII track: only text strings may hold other characters.
    assert _QUOTED.sub("", dumps_hlxl(v)).isascii()


@given(a=values(), b=values())
def test_lcb_equal_iff_values_equal(a, b):
    assert (encode(a) == encode(b)) == (a == b)


@given(v=values())
def test_lcb_deterministic_across_tracks(v):
    # The same value reached through either text track encodes to the same bytes.
    assert encode(parse(dumps(v))) == encode(parse_hlxl(dumps_hlxl(v))) == encode(v)


@given(a=values(), b=values())
def test_text_tracks_equal_iff_values_equal(a, b):
    assert (dumps(a) == dumps(b)) == (a == b)
    assert (dumps_hlxl(a) == dumps_hlxl(b)) == (a == b)


def _decode_safely(data: bytes) -> None:
    start = time.perf_counter()
    try:
        v = decode(data)
    except LCRError as err:
        assert err.code and 1 <= err.column <= len(data) + 1
    else:
        assert encode(v) == data  # anything accepted is canonical: one value, one string
    assert time.perf_counter() - start < PROMPT_SECONDS


@given(st.binary(max_size=256))
def test_random_bytes_never_crash_decoder(data):
    _decode_safely(data)


@given(st.lists(st.integers(0, 0x0D), max_size=64).map(bytes))
def test_random_tag_soup_never_crashes_decoder(data):
    # Bytes drawn from the tag range reach deeper into the decoder than uniform noise.
    _decode_safely(data)


MUTATIONS = st.tuples(
    st.sampled_from(["flip", "insert", "delete", "truncate"]),
    st.integers(0, 10**6),  # position, taken modulo the length
    st.integers(0, 255),  # the byte to insert, or the mask to flip with
)


def _mutate(data: bytes, mutation) -> bytes:
    kind, pos, byte = mutation
    buf = bytearray(data)
    if kind == "insert":
        buf.insert(pos % (len(buf) + 1), byte)
    elif not buf:
        return bytes(buf)
    elif kind == "flip":
        buf[pos % len(buf)] ^= byte or 1
    elif kind == "delete":
        del buf[pos % len(buf)]
    else:
        del buf[pos % len(buf) :]
    return bytes(buf)


@given(v=values(), mutations=st.lists(MUTATIONS, min_size=1, max_size=4))
def test_mutated_encodings_never_crash_decoder(v, mutations):
    data = encode(v)
    for m in mutations:
        data = _mutate(data, m)
    _decode_safely(data)


@given(st.text(alphabet="0123456789abcdefABCDEF \t", max_size=64))
def test_random_hex_never_crashes(text):
    try:
        parse_lcb(text)
    except LCRError as err:
        assert err.code
