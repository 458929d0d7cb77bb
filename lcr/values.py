"""The HLX value model: one immutable Python class per value kind of LC-R.

Every track (LC-R, HLXL, LC-B) parses into these classes and prints from them, so a value
means the same thing whichever way it was spelled. The class names equal the rule aliases
of ``grammar/lcr.lark`` and the printer functions of ``lcr.printer``.

Equality is by kind and content: ``Int(1) != Float(1.0) != Bool(True)`` (unlike Python's
own ``1 == 1.0 == True``), and ``Float(0.0) != Float(-0.0)`` because the two print
differently. Values are hashable, so they can be dictionary keys and set members.

    >>> from lcr.values import Contract, Text, Handle
    >>> Contract(1000, ((0, Text("filter")), (1, Handle("users"))))
    Contract(id=1000, fields=((0, Text('filter')), (1, Handle('users'))))
"""

from __future__ import annotations

import struct

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
CONTRACT_ID_MAX = 2147483647
FIELD_INDEX_MAX = 65534
MAX_DEPTH = 64  # contracts, arrays and objects nested inside each other; 64 is fine
MAX_SIZE = 1 << 20  # bytes of UTF-8 in one value's text


class Value:
    """Base class of all HLX values. ``kind`` names the value kind (the grammar alias)."""

    __slots__ = ()
    kind = "value"
    depth = 0  # container nesting depth: 0 for scalars

    def _key(self):
        raise NotImplementedError

    def __eq__(self, other):
        return type(self) is type(other) and self._key() == other._key()

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((type(self).__name__, self._key()))


class _Scalar(Value):
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def _key(self):
        return self.value

    def __repr__(self):
        return f"{type(self).__name__}({self.value!r})"


class Null(Value):
    """The null value, ``∅``. Use the singleton ``NULL``."""

    __slots__ = ()
    kind = "null"

    def _key(self):
        return None

    def __repr__(self):
        return "NULL"


class Bool(_Scalar):
    """``⊤`` or ``⊥``. Use the singletons ``TRUE`` and ``FALSE``."""

    __slots__ = ()
    kind = "bool"

    def __repr__(self):
        return "TRUE" if self.value else "FALSE"


class Int(_Scalar):
    """A signed 64-bit integer."""

    __slots__ = ()
    kind = "int"


class Float(_Scalar):
    """A finite IEEE-754 double. ``0.0`` and ``-0.0`` are different values."""

    __slots__ = ()
    kind = "float"

    def _key(self):
        return struct.pack(">d", self.value)


class Text(_Scalar):
    """A Unicode string."""

    __slots__ = ()
    kind = "text"


class Bytes(_Scalar):
    """A byte string (``bytes``)."""

    __slots__ = ()
    kind = "bytes"


class Handle(Value):
    """A reference to a named thing: ``⟁users`` is ``Handle("users")``."""

    __slots__ = ("name",)
    kind = "handle"

    def __init__(self, name: str):
        self.name = name

    def _key(self):
        return self.name

    def __repr__(self):
        return f"Handle({self.name!r})"


class Contract(Value):
    """A typed record: contract id plus ``(field index, value)`` pairs in ascending order."""

    __slots__ = ("id", "fields", "depth")
    kind = "contract"

    def __init__(self, id: int, fields=()):
        self.id = id
        self.fields = tuple(fields)
        self.depth = 1 + max((v.depth for _, v in self.fields), default=0)

    def _key(self):
        return (self.id, self.fields)

    def field(self, index: int, default=None):
        """The value of field ``index``, or ``default`` when the contract lacks it."""
        for i, v in self.fields:
            if i == index:
                return v
        return default

    def __repr__(self):
        return f"Contract(id={self.id!r}, fields={self.fields!r})"


class Array(Value):
    """An ordered list of values."""

    __slots__ = ("items", "depth")
    kind = "array"

    def __init__(self, items=()):
        self.items = tuple(items)
        self.depth = 1 + max((v.depth for v in self.items), default=0)

    def _key(self):
        return self.items

    def __repr__(self):
        return f"Array({self.items!r})"


class Object(Value):
    """Identifier keys to values; keys unique, insertion order kept (and significant)."""

    __slots__ = ("entries", "depth")
    kind = "object"

    def __init__(self, entries=()):
        self.entries = tuple(entries)
        self.depth = 1 + max((v.depth for _, v in self.entries), default=0)

    def _key(self):
        return self.entries

    def __repr__(self):
        return f"Object({self.entries!r})"


NULL = Null()
TRUE = Bool(True)
FALSE = Bool(False)

KINDS = ("null", "bool", "int", "float", "text", "bytes", "handle", "contract", "array", "object")


def op(name: str, *args: Value) -> Contract:
    """An operation (contract 1000): ``op("read", Text("a.csv"))``."""
    return Contract(1000, ((0, Text(name)), *((i + 1, a) for i, a in enumerate(args))))
