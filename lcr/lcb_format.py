"""LC-B's byte layout, shared by the encoder (``lcr.lcb``) and the decoder
(``lcr.lcb_decode``): the tag bytes, minimal LEB128 and the zigzag mapping of signed
integers. The tag table and the reasons for the layout are in ``lcr/lcb.py`` and
``docs/tracks.md``.
"""

from __future__ import annotations

import re
import struct

NULL_TAG, INT_TAG, FLOAT_TAG, TEXT_TAG, BYTES_TAG = 0x00, 0x01, 0x02, 0x03, 0x04
ARRAY_TAG, ARRAY_END, CONTRACT_TAG, CONTRACT_END = 0x05, 0x06, 0x07, 0x08
HANDLE_TAG, TRUE_TAG, FALSE_TAG, OBJECT_TAG, OBJECT_END = 0x09, 0x0A, 0x0B, 0x0C, 0x0D

# Names and object keys are identifiers: ASCII, so one pattern serves str and bytes.
NAME = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
FLOAT64 = struct.Struct(">d")


# ---- LEB128 -------------------------------------------------------------------------


def uleb(n: int) -> bytes:
    """Unsigned LEB128 of ``n`` (0 <= n < 2**64), minimal length."""
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        if not n:
            out.append(low)
            return bytes(out)
        out.append(low | 0x80)


def zigzag(n: int) -> int:
    """Signed 64-bit to unsigned: 0, -1, 1, -2, ... -> 0, 1, 2, 3, ..."""
    return (n << 1) ^ (n >> 63)


def unzigzag(u: int) -> int:
    return (u >> 1) ^ -(u & 1)
