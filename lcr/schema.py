"""The schema check: valid LC-R that breaks the contract registry or the operation
catalogue is ``E_SCHEMA`` (spec sections 4 and 5).

Both tables are data: ``grammar/registry.json`` (what each contract id means) and
``grammar/operations.json`` (each operation's argument kinds). ``check_schema(value)``
walks the whole value, nested contracts inside arrays and objects included, and raises an
``LCRError`` whose message names the offending field and what was expected; given the
source ``text`` it also points line and column at the offending sub-value.

    python -c "from lcr import parse; from lcr.schema import check_schema; \\
               check_schema(parse('🜊1000🜁0 \\"read\\"🜁1 ⟁x🜂'))"
"""

from __future__ import annotations

import functools
import json

from lcr import errors as E
from lcr.errors import LCRError
from lcr.resources import grammar_dir
from lcr.values import (
    Array,
    Bool,
    Bytes,
    Contract,
    Float,
    Handle,
    Int,
    Null,
    Object,
    Text,
    Value,
)

OPERATION_ID = 1000

# Argument kinds of the catalogue -> the value classes they accept ("op" and "any" below).
KIND_CLASSES = {
    "null": (Null,),
    "bool": (Bool,),
    "int": (Int,),
    "float": (Float,),
    "number": (Int, Float),
    "text": (Text,),
    "bytes": (Bytes,),
    "handle": (Handle,),
    "array": (Array,),
    "object": (Object,),
    "contract": (Contract,),
    "op": (Contract,),
    "any": (Value,),
}


class CatalogueError(Exception):
    """A malformed registry or catalogue file (a bug in the data, not in the input)."""


def _fail_data(where: str, what: str):
    raise CatalogueError(f"{where}: {what}")


@functools.cache
def registry() -> dict[int, dict]:
    """Contract id -> its registry entry, from ``grammar/registry.json``."""
    data = json.loads((grammar_dir() / "registry.json").read_text(encoding="utf-8"))
    out = {}
    for key, entry in data["contracts"].items():
        if entry.get("form") not in ("literal", "operation"):
            _fail_data(f"registry.json contract {key}", "form must be 'literal' or 'operation'")
        for k in entry.get("kinds", []):
            if k not in KIND_CLASSES:
                _fail_data(f"registry.json contract {key}", f"unknown kind {k!r}")
        out[int(key)] = entry
    return out


@functools.cache
def catalogue() -> dict[str, dict]:
    """Operation name -> its catalogue entry, from ``grammar/operations.json``."""
    data = json.loads((grammar_dir() / "operations.json").read_text(encoding="utf-8"))
    ops = data["operations"]
    for name, entry in ops.items():
        args = entry.get("args")
        if not isinstance(args, list):
            _fail_data(f"operations.json {name}", "'args' must be a list")
        seen_optional = False
        for i, arg in enumerate(args):
            where = f"operations.json {name} argument {i + 1}"
            if not arg.get("kinds") or any(k not in KIND_CLASSES for k in arg["kinds"]):
                _fail_data(where, f"kinds must be a non-empty list of {sorted(KIND_CLASSES)}")
            if arg.get("variadic") and i != len(args) - 1:
                _fail_data(where, "only the last argument may be variadic")
            if seen_optional and not arg.get("optional") and not arg.get("variadic"):
                _fail_data(where, "a required argument cannot follow an optional one")
            seen_optional = seen_optional or bool(arg.get("optional"))
    return ops


def arity(name: str) -> tuple[int, int | None]:
    """(least, most) number of arguments of operation ``name``; most is None if variadic."""
    args = catalogue()[name]["args"]
    least = sum(1 for a in args if not a.get("optional") and not a.get("variadic"))
    if args and args[-1].get("variadic"):
        return least + args[-1].get("min", 0), None
    return least, len(args)


def accepts(kinds, value: Value) -> bool:
    """Does ``value`` have one of the argument ``kinds``?"""
    for k in kinds:
        if k == "op":
            if isinstance(value, Contract) and value.id == OPERATION_ID:
                return True
        elif isinstance(value, KIND_CLASSES[k]):
            return True
    return False


class _SchemaFail(Exception):
    def __init__(self, message: str, path: tuple):
        super().__init__(message)
        self.message, self.path = message, path


def _kinds_text(kinds) -> str:
    return " or ".join(kinds)


def _check_literal(v: Contract, entry: dict, path: tuple):
    name = entry["name"]
    if not v.fields:
        raise _SchemaFail(f"contract {v.id} ({name}) needs at least one field @0", path)
    most = entry.get("max_fields")
    for n, (index, x) in enumerate(v.fields):
        if index != n:
            raise _SchemaFail(
                f"contract {v.id} ({name}): field @{index} where @{n} was expected "
                "(fields are contiguous from @0)",
                path + (n,),
            )
        if most is not None and n >= most:
            raise _SchemaFail(f"contract {v.id} ({name}) has at most {most} field(s)", path + (n,))
        if not accepts(entry["kinds"], x):
            raise _SchemaFail(
                f"contract {v.id} ({name}) field @{index}: expected "
                f"{_kinds_text(entry['kinds'])}, got {x.kind}",
                path + (n,),
            )


def _check_operation(v: Contract, path: tuple):
    head = v.field(0)
    if not v.fields or v.fields[0][0] != 0 or not isinstance(head, Text):
        raise _SchemaFail("operation (contract 1000) field @0 must be the operation name as text",
                          path + ((0,) if v.fields else ()))
    name = head.value
    if name not in catalogue():
        raise _SchemaFail(f"unknown operation {name!r} (not in the operation catalogue)",
                          path + (0,))
    specs = catalogue()[name]["args"]
    least, most = arity(name)
    args = v.fields[1:]
    for n, (index, x) in enumerate(args, start=1):
        if index != n:
            raise _SchemaFail(f"operation {name!r}: field @{index} where @{n} was expected "
                              "(arguments are contiguous from @1)", path + (n,))
        spec = specs[min(n, len(specs)) - 1] if specs else None
        if spec is None or (most is not None and n > most):
            raise _SchemaFail(f"operation {name!r} takes at most {most} argument(s), "
                              f"got field @{index}", path + (n,))
        if not accepts(spec["kinds"], x):
            raise _SchemaFail(f"operation {name!r} field @{index} ({spec['name']}): expected "
                              f"{_kinds_text(spec['kinds'])}, got {x.kind}", path + (n,))
    if len(args) < least:
        missing = specs[min(len(args), len(specs) - 1)]["name"]
        raise _SchemaFail(f"operation {name!r} needs at least {least} argument(s), got "
                          f"{len(args)} (missing {missing})", path)


def _walk(v: Value, path: tuple):
    if isinstance(v, Contract):
        entry = registry().get(v.id)
        if entry is None:
            raise _SchemaFail(f"unknown contract id {v.id} (not in the contract registry)", path)
        if entry["form"] == "literal":
            _check_literal(v, entry, path)
        else:
            _check_operation(v, path)
        for n, (_, x) in enumerate(v.fields):
            _walk(x, path + (n,))
    elif isinstance(v, Array):
        for n, x in enumerate(v.items):
            _walk(x, path + (n,))
    elif isinstance(v, Object):
        for n, (_, x) in enumerate(v.entries):
            _walk(x, path + (n,))


def check_schema(value: Value, text: str | None = None) -> None:
    """Raise ``LCRError(E_SCHEMA)`` if ``value`` breaks the registry or the catalogue.

    With the source ``text`` the error points at the offending sub-value."""
    try:
        _walk(value, ())
    except _SchemaFail as f:
        err = LCRError(E.E_SCHEMA, f.message)
        if text is not None:
            err.at(text, position_of(text, f.path))
        raise err from None


def schema_error(value: Value) -> str | None:
    """The E_SCHEMA message for ``value``, or None when it is schema-valid."""
    try:
        _walk(value, ())
    except _SchemaFail as f:
        return f.message
    return None


@functools.cache
def _tree_parser():
    from lcr.grammar import lalr

    return lalr("lcr")


def position_of(text: str, path: tuple) -> int:
    """Character offset in ``text`` of the sub-value at ``path`` (child ordinals, fields,
    items and entries counted from 0). Only used on the error path, so it may re-parse."""
    node = _tree_parser().parse(text).children[0]
    for n in path:
        kids = [c for c in node.children if hasattr(c, "data")]  # drop the opener token
        if n >= len(kids):
            break
        child = kids[n]
        node = child.children[-1] if child.data in ("field", "entry") else child
    tok = node.children[0]  # every value node starts with its own token
    return tok.start_pos + len(tok) - len(tok.lstrip(" \t\r\n"))
