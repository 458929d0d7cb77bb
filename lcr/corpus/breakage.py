"""Realistic broken LC-R for the ``fix`` task: the mistakes earlier hand-written corpora
made, each applied to a canonical text so the correction is the canonical form.

``BREAKERS`` is the table (name -> function of the canonical text, the value and a random
generator, returning the broken text or None when the mistake does not apply). Every
broken text is checked to be rejected by the parser or the schema check.

    python -c "import random; from lcr import parse; from lcr.corpus.breakage import \\
        break_lcr; t='🜃1, 2🜄'; print(break_lcr(t, parse(t), random.Random(0)))"
"""

from __future__ import annotations

from lcr.errors import LCRError
from lcr.parser import parse
from lcr.printer import dumps
from lcr.schema import check_schema
from lcr.values import Contract, Value

CLOSE, ARRAY_OPEN, ARRAY_CLOSE = "🜂", "🜃", "🜄"


def unclosed_contract(text: str, value: Value, rng) -> str | None:
    """The last close glyph forgotten."""
    return text[:-1] if text.endswith(CLOSE) else None


def ascii_list(text: str, value: Value, rng) -> str | None:
    """ASCII ``[...]`` brackets instead of the array glyphs."""
    if ARRAY_OPEN not in text:
        return None
    return text.replace(ARRAY_OPEN, "[").replace(ARRAY_CLOSE, "]")


def surplus_close(text: str, value: Value, rng) -> str | None:
    """One close glyph doubled (a surplus ``🜂``)."""
    spots = [i for i, c in enumerate(text) if c == CLOSE]
    if not spots:
        return None
    i = rng.choice(spots)
    return text[: i + 1] + CLOSE + text[i + 1:]


def _contracts(v: Value, out: list) -> list:
    if isinstance(v, Contract):
        out.append(v)
        for _, x in v.fields:
            _contracts(x, out)
    for x in getattr(v, "items", ()):
        _contracts(x, out)
    for _, x in getattr(v, "entries", ()):
        _contracts(x, out)
    return out


def _print_swapped(v: Value, target: Contract) -> str:
    """``dumps`` except that ``target`` has its last two fields written in swapped order."""
    if isinstance(v, Contract):
        fields = list(v.fields)
        if v is target:
            fields[-2], fields[-1] = fields[-1], fields[-2]
        return f"🜊{v.id}" + "".join(f"🜁{i} {_print_swapped(x, target)}" for i, x in fields) + CLOSE
    if getattr(v, "items", None):
        return ARRAY_OPEN + ", ".join(_print_swapped(x, target) for x in v.items) + ARRAY_CLOSE
    if getattr(v, "entries", None):
        return "◇" + ", ".join(f"{k}: {_print_swapped(x, target)}" for k, x in v.entries) + "◆"
    return dumps(v)


def fields_out_of_order(text: str, value: Value, rng) -> str | None:
    """Two adjacent fields of one contract written in the wrong order."""
    candidates = [c for c in _contracts(value, []) if len(c.fields) >= 2]
    if not candidates:
        return None
    return _print_swapped(value, rng.choice(candidates))


def missing_space(text: str, value: Value, rng) -> str | None:
    """No whitespace after a field index before a glyph-led value (``🜁1⟁users``)."""
    spots = [i for i in range(len(text) - 1) if text[i] == " " and text[i + 1] in "⟁🜊🜃◇∅⊤⊥⊠"
             and text[:i].rstrip("0123456789").endswith("🜁")]
    if not spots:
        return None
    i = rng.choice(spots)
    return text[:i] + text[i + 1:]


BREAKERS = {
    "unclosed_contract": unclosed_contract,
    "ascii_list": ascii_list,
    "fields_out_of_order": fields_out_of_order,
    "surplus_close": surplus_close,
    "missing_space": missing_space,
}


def is_broken(text: str) -> bool:
    try:
        check_schema(parse(text), text)
    except LCRError:
        return True
    return False


def break_lcr(text: str, value: Value, rng) -> tuple[str, str] | None:
    """(broken text, breaker name) for a random applicable mistake, or None."""
    names = list(BREAKERS)
    rng.shuffle(names)
    for name in names:
        broken = BREAKERS[name](text, value, rng)
        if broken is not None and broken != text and is_broken(broken):
            return broken, name
    return None
