"""Phase 1, semantic grounding: the eleven core operations with their fixed signatures,
comparison predicates inside ``filter``, short pipelines, and syntax grounding (values of
every kind, in English and paired with their HLXL spelling).

Each frame is a builder ``(Draw) -> (value, Phrase)``: the value is built from slot values
drawn from the vocabularies, never written as LC-R text; the Phrase names the template file
``templates/en/FRAME.txt`` whose lines phrase it. ``FRAMES`` lists them, ``MIX`` says how
often each is drawn and for which tasks.
"""

from __future__ import annotations

from lcr.corpus.render import Phrase, phrasebook
from lcr.corpus.vocab import Draw, english_of
from lcr.values import (
    FALSE,
    NULL,
    TRUE,
    Array,
    Bytes,
    Contract,
    Float,
    Handle,
    Int,
    Object,
    Value,
    op,
)

# Comparisons: operator -> the kinds of right-hand side it is drawn with.
COMPARISONS = {
    "gt": ("number", "number", "handle"),
    "lt": ("number", "number", "handle"),
    "ge": ("number",),
    "le": ("number",),
    "eq": ("number", "text", "text", "bool", "null"),
    "ne": ("text", "bool", "null", "number"),
}
# Right-hand kind -> (left vocabulary, right value drawer).
def _cmp_number(d: Draw) -> Value:
    """Mostly small non-negative numbers; a negative or a decimal a fifth of the time."""
    r = d.rng.random()
    if r < 0.1:
        return Int(-d.rng.randint(1, 200))
    if r < 0.2:
        return Float(round(d.rng.choice([-1, 1]) * d.rng.uniform(0.01, 10), 2) or 0.25)
    return d.number()


RIGHT_SIDES = {
    "number": ("fields", _cmp_number),
    "handle": ("fields", lambda d: d.handle("fields")),
    "text": ("text_fields", lambda d: d.text("words" if d.chance(0.6) else "cmp_texts")),
    "bool": ("flags", lambda d: d.choice([TRUE, FALSE])),
    "null": ("nullable_fields", lambda d: NULL),
}


def comparison(d: Draw, name: str | None = None):
    name = name or d.choice(list(COMPARISONS))
    left_vocab, draw_right = RIGHT_SIDES[d.choice(COMPARISONS[name])]
    left, said = d.noun(left_vocab)
    right = draw_right(d)
    if right == left:
        right = d.number()
    return op(name, left, right), Phrase(f"cond_{name}", {"field": said,
                                                          "value": english_of(right)})


def navigate_place(d):
    p, said = d.noun("places")
    return op("navigate", p), Phrase("navigate_place", {"place": said})


def navigate_path(d):
    p = d.text(d.choice(["paths"] * 6 + ["urls", "urls", "windows_paths"]))
    return op("navigate", p), Phrase("navigate_path", {"path": p.value})


def compare(d):
    """A comparison asked on its own ("is the load greater than 0.75?"): gt(load, 0.75)."""
    return comparison(d)


def search(d):
    (src, said), q = d.noun(d.choice(["sources", "datasets"])), d.text("queries")
    return op("search", src, q), Phrase("search", {"src": said, "query": q.value})


def filter_flag(d):
    (data, said), flag = d.noun("datasets"), d.handle("flags")
    return op("filter", data, flag), Phrase("filter_flag", {"data": said, "flag": flag.name})


def filter_cmp(d):
    data, said = d.noun("datasets")
    cond, phrase = comparison(d)
    return op("filter", data, cond), Phrase("filter_cmp", {"data": said, "cond": phrase})


def transform(d):
    (data, said), fn = d.noun("datasets"), d.handle("transforms")
    return op("transform", data, fn), Phrase("transform", {"data": said, "fn": fn.name})


def aggregate(d):
    fn, (field, said) = d.handle("functions"), d.noun("fields")
    return op("aggregate", fn, field), Phrase("aggregate", {"fn": fn.name, "field": said})


def read(d):
    src = d.text(d.choice(["files", "files", "file_paths", "file_paths", "urls"]))
    return op("read", src), Phrase("read", {"file": src.value})


def write(d):
    dest, (data, said) = d.text(d.choice(["files", "files", "file_paths"])), d.noun("datasets")
    return op("write", dest, data), Phrase("write", {"file": dest.value, "data": said})


def compute(d):
    e, said = d.noun("expressions")
    return op("compute", e), Phrase("compute", {"expr": said})


def validate(d):
    (data, said), (schema, spelled) = d.noun("datasets"), d.noun("schemas")
    return op("validate", data, schema), Phrase("validate", {"data": said, "schema": spelled})


def execute(d):
    c, said = d.noun("commands")
    return op("execute", c), Phrase("execute", {"cmd": said})


def _step(d, builders):
    """A pipeline step drawn from ``builders``: phrased by templates/en/step_FRAME.txt where
    that file exists, else by FRAME.txt's lines (nested, no sentence-level wrappers)."""
    value, phrase = d.choice(builders)(d)
    frame = "step_" + phrase.frame
    return value, Phrase(frame if frame in STEP_TEMPLATES else phrase.frame, phrase.slots)


STEP_TEMPLATES = frozenset(f for f in phrasebook().frames() if f.startswith("step_"))
# Pipeline steps by position. A pipeline starts where a request does (in a folder, a file,
# a search, a command) and ends in a result, a file or one more command; 2-5 steps, the
# lengths people chain (six-step pipelines are held out: splits.GEN_RULES).
FIRST_STEPS = (navigate_place, navigate_path, read, read, search, execute)
MIDDLE_STEPS = (filter_cmp, filter_flag, transform, validate, search, read, execute)
LAST_STEPS = (aggregate, write, write, compute, execute, filter_cmp, transform)
PIPELINE_LENGTHS = {2: 5, 3: 5, 4: 3, 5: 1.5, 6: 0.3}  # steps: weight (6: the gen split's)


def pipeline_of(d, first, middle, last):
    """A pipeline of ``PIPELINE_LENGTHS`` steps drawn from the three pools."""
    n = d.rng.choices(list(PIPELINE_LENGTHS), list(PIPELINE_LENGTHS.values()))[0]
    steps = [_step(d, pool) for pool in (first, *[middle] * (n - 2), last)]
    return (op("pipeline", *(v for v, _ in steps)),
            Phrase("pipeline", {"steps": [p for _, p in steps]}))


def pipeline(d):
    return pipeline_of(d, FIRST_STEPS, MIDDLE_STEPS, LAST_STEPS)


# Syntax grounding: values of every kind.
def _scalar(d):
    kind = d.choice(["int", "int", "text", "bool", "null", "float", "handle"])
    return {"int": lambda: d.int(-50, 500), "text": lambda: d.text("words"),
            "bool": lambda: d.choice([TRUE, FALSE]), "null": lambda: NULL,
            "float": d.float, "handle": lambda: d.handle("collections")}[kind]()


def _elem(v) -> str:
    return f"handle {v.name}" if isinstance(v, Handle) else english_of(v)


def value_scalar(d):
    """null, a boolean or a handle (numbers and text have frames of their own)."""
    v = d.choice([NULL, TRUE, FALSE, d.handle("collections"), d.handle("datasets")])
    return v, Phrase(f"value_{v.kind}", {"x": english_of(v)})


def value_int(d):
    v = d.int(-100000, 100000) if d.chance(0.5) else d.int(0, 100)
    return v, Phrase("value_int", {"x": english_of(v)})


def value_float(d):
    v = d.float()
    return v, Phrase("value_float", {"x": english_of(v)})


def value_text(d):
    v = d.text(d.choice(["words", "queries", "messages"]))
    return v, Phrase("value_text", {"x": v.value})


def value_bytes(d):
    raw = d.pick(d.choice(["words", "keys"])).encode("ascii")
    if d.chance(0.5):
        return Bytes(raw), Phrase("value_bytes_ascii", {"x": raw.decode("ascii")})
    return Bytes(raw), Phrase("value_bytes_hex", {"x": raw.hex()})


# Typed-literal contracts (registry ids): id -> (English kind word, value drawer).
LITERALS = {
    14: ("integer", lambda d: d.int(-100, 1000)),
    15: ("float", lambda d: d.float()),
    16: ("text", lambda d: d.text("words")),
    17: ("bytes", lambda d: Bytes(d.pick("keys").encode("ascii"))),
    20: ("handle", lambda d: d.handle("collections")),
    21: ("null", lambda d: NULL),
    22: ("boolean", lambda d: d.choice([TRUE, FALSE])),
}


def value_literal(d):
    cid = d.choice(list(LITERALS))
    word, draw = LITERALS[cid]
    n = 1 if cid == 21 else d.choice([1, 1, 2, 3])
    items = [draw(d) for _ in range(n)]
    shown = [f'bytes "{x.value.decode()}"' if cid == 17 else english_of(x) for x in items]
    return (Contract(cid, tuple(enumerate(items))),
            Phrase("value_literal", {"kind": word, "items": shown, "n": n}))


def value_array(d):
    items = [_scalar(d) for _ in range(d.choice([0, 1, 2, 3, 3, 4, 5]))]
    frame = "value_array" if items else "value_array_empty"
    return Array(items), Phrase(frame, {"items": [_elem(x) for x in items]})


def value_object(d):
    keys = d.picks("keys", d.choice([0, 1, 2, 3]))
    entries = [(k, _scalar(d)) for k in keys]
    frame = "value_object" if entries else "value_object_empty"
    return Object(entries), Phrase(frame, {
        "entries": [(k, _elem(v)) for k, v in entries]})


def value_nested(d):
    """An array of objects or an object holding a list: containers inside containers."""
    if d.chance(0.5):
        inner = [value_array(d) for _ in range(d.choice([1, 2]))]
        key = d.pick("keys")
        return Object([(key, inner[0][0])]), Phrase("value_object_list", {
            "key": key, "list": inner[0][1]})
    inner = [value_object(d) for _ in range(d.choice([1, 2, 3]))]
    return Array([v for v, _ in inner]), Phrase("value_array_objects", {
        "objects": [p for _, p in inner]})


FRAMES = {f.__name__: f for f in (
    navigate_place, navigate_path, search, filter_flag, filter_cmp, transform, aggregate,
    read, write, compute, validate, execute, pipeline, compare,
    value_scalar, value_int, value_float, value_text, value_bytes, value_literal,
    value_array, value_object, value_nested)}

CORE = ("navigate_place", "navigate_path", "search", "filter_flag", "filter_cmp", "transform",
        "aggregate", "read", "write", "compute", "validate", "execute", "pipeline", "compare")
SYNTAX = ("value_scalar", "value_int", "value_float", "value_text", "value_bytes",
          "value_literal", "value_array", "value_object", "value_nested")

# (weight, frames drawn from uniformly, tasks made from each drawn value)
MIX = (
    (60, CORE, ("en2lcr",)),
    (6, ("filter_cmp",), ("en2lcr",)),
    # pipelines: 13% of the draws (the longest outputs, and a fifth of what people ask)
    (10, ("pipeline",), ("en2lcr",)),
    (18, SYNTAX, ("en2lcr",)),
    (7, SYNTAX, ("lcr2hlxl",)),
    (7, SYNTAX, ("hlxl2lcr",)),
)
