"""Records and tasks: how one drawn value (an LC-R value plus its English ``Phrase``)
becomes the ``source``/``target`` pairs of each task, and the checks every record passes
before it is written.

Tasks (the ``TASKS`` table): ``en2lcr`` English -> LC-R; ``lcr2en`` LC-R -> the canonical
English phrasing; ``lcr2hlxl`` / ``hlxl2lcr`` between the glyph and ASCII tracks;
``lcr2lcb`` LC-R -> LC-B as lowercase hex; ``fix`` broken LC-R -> canonical LC-R.

A failing check raises ``CompileError`` naming the frame, the template line and the slot
values that produced the record, so a bad template or vocabulary entry is found at once.
"""

from __future__ import annotations

import re

from lcr.corpus import breakage, compose
from lcr.corpus.render import Phrase, phrasebook
from lcr.errors import LCRError
from lcr.hlxl import dumps_hlxl, parse_hlxl
from lcr.lcb import encode
from lcr.parser import parse
from lcr.printer import dumps
from lcr.schema import check_schema
from lcr.values import Contract, Value

# The template lines stay a sixth of the composed frames' English: they are the canonical
# wording (lcr2en targets) and the curated phrasings written by hand.
COMPOSE_SHARE = 0.85
MAX_PAIR_CHARS = 1000  # source + target, in characters: one example fits the model context
GLYPHS = "∅⊤⊥⊠⟁🜊🜁🜂🜃🜄◇◆"
_ALLOWED = re.compile("^[\x20-\x7e" + GLYPHS + "]*$")


class CompileError(Exception):
    """An invalid example: the compile stops and says what produced it."""


def _lcb_hex(value: Value) -> str:
    return encode(value).hex()


def top_op(value: Value) -> str:
    """The record's ``op``: the top-level operation name, or the value kind."""
    if isinstance(value, Contract) and value.id == 1000:
        return value.fields[0][1].value
    if isinstance(value, Contract):
        return f"contract{value.id}"
    return value.kind


def count_ops(value: Value) -> int:
    """Number of operations (contract 1000) in ``value``, nested ones included."""
    n = 1 if isinstance(value, Contract) and value.id == 1000 else 0
    kids = (value.fields if isinstance(value, Contract) else
            getattr(value, "entries", None) or [(None, x) for x in getattr(value, "items", ())])
    return n + sum(count_ops(x) for _, x in kids)


# Each task: (value, phrase, lcr, rng, count) -> list of (source, target, template line,
# style); the line is None where no English template was used.
def _en2lcr(value, phrase, lcr, rng, count):
    """``count`` phrasings, each in a different style while styles last; a frame the
    compositional generator phrases (``lcr.corpus.compose``) takes its English from it
    ``COMPOSE_SHARE`` of the time, else from a template line."""
    if compose.handles(phrase):
        out = []
        for _ in range(count):
            if rng.random() < COMPOSE_SHARE:
                text, line = compose.render(phrase, rng)
            else:
                text, line = phrasebook().render(phrase, rng)
            out.append((text, lcr, line, line.style))
        return out
    pb = phrasebook()
    by_style: dict[str, list] = {}
    for ln in pb.lines(phrase.frame):
        by_style.setdefault(ln.style, []).append(ln.index)
    styles = rng.sample(sorted(by_style), min(count, len(by_style)))
    out = []
    for style in styles:
        text, line = pb.render(phrase, rng, index=rng.choice(by_style[style]))
        out.append((text, lcr, line, line.style))
    return out


def _lcr2en(value, phrase, lcr, rng, count):
    text, line = phrasebook().render(phrase, None)
    return [(lcr, text, line, "canonical")]


def _lcr2hlxl(value, phrase, lcr, rng, count):
    return [(lcr, dumps_hlxl(value), None, "track")]


def _hlxl2lcr(value, phrase, lcr, rng, count):
    return [(dumps_hlxl(value), lcr, None, "track")]


def _lcr2lcb(value, phrase, lcr, rng, count):
    return [(lcr, _lcb_hex(value), None, "track")]


def _fix(value, phrase, lcr, rng, count):
    got = breakage.break_lcr(lcr, value, rng)
    return [(got[0], lcr, None, got[1])] if got is not None else []


TASKS = {
    "en2lcr": _en2lcr,
    "lcr2en": _lcr2en,
    "lcr2hlxl": _lcr2hlxl,
    "hlxl2lcr": _hlxl2lcr,
    "lcr2lcb": _lcr2lcb,
    "fix": _fix,
}


def describe(frame: str, phrase: Phrase | None, line) -> str:
    where = f"frame {frame!r}"
    if line is not None:
        where += (f", template templates/en/{phrase.frame}.txt line {line.index + 1} "
                  f"({line.source!r})")
    if phrase is not None:
        where += f", slots {phrase.slots!r}"
    return where


def check_value(value: Value, frame: str, phrase: Phrase | None) -> str:
    """The canonical LC-R of ``value`` after parsing it back and checking the schema."""
    lcr = dumps(value)
    try:
        back = parse(lcr)
        check_schema(back, lcr)
    except LCRError as err:
        raise CompileError(f"invalid LC-R from {describe(frame, phrase, None)}:\n"
                           f"{err.render('<example>')}") from None
    if back != value or dumps(back) != lcr:
        raise CompileError(f"LC-R does not read back canonically from "
                           f"{describe(frame, phrase, None)}: {lcr}")
    return lcr


def check_pair(task: str, source: str, target: str, lcr: str, value: Value, frame: str,
               phrase: Phrase | None, line) -> None:
    """Character set, size and per-task consistency of one source/target pair."""
    for name, s in (("source", source), ("target", target)):
        if not s or not _ALLOWED.match(s):
            bad = sorted({c for c in s if not _ALLOWED.match(c)}) or ["(empty)"]
            raise CompileError(f"{task} {name} has characters outside printable ASCII and the "
                               f"LC-R glyphs {bad} from {describe(frame, phrase, line)}: {s!r}")
    if task in ("en2lcr", "hlxl2lcr", "fix") and target != lcr:
        raise CompileError(f"{task} target is not the canonical LC-R: {target!r}")
    if task == "hlxl2lcr" and parse_hlxl(source) != value:
        raise CompileError(f"HLXL does not read back to the value: {source!r}")
    if task == "fix":
        try:
            check_schema(parse(source), source)
        except LCRError:
            return
        raise CompileError(f"fix source is valid LC-R, not broken: {source!r}")
