"""Phase 2, domain knowledge: file system, data structures, control flow, error handling
and the common patterns, as nested operations and multi-step pipelines.

Single-operation frames are data (``SIMPLE``: frame -> operation and slot specs
``name=kind:vocabulary``); frames with nested operations (conditions, bodies, handlers,
steps) are small builders. Templates: ``templates/en/FRAME.txt``; loop and branch bodies
use ``templates/en/act_*.txt``.
"""

from __future__ import annotations

from lcr.corpus import phase1
from lcr.corpus.render import Phrase
from lcr.corpus.vocab import Draw, english_of
from lcr.values import NULL, Handle, Int, Text, op

# frame -> (operation, slot specs "slot=kind:vocabulary" or "slot=int:lo:hi"), in argument order
SIMPLE = {
    "list_place": ("list", "place=handle:places"),
    "list_path": ("list", "path=text:paths"),
    "glob": ("glob", "pattern=text:globs"),
    "glob_in": ("glob", "pattern=text:globs", "root=text:paths"),
    "copy": ("copy", "src=text:files", "dest=text:paths"),
    "move": ("move", "src=text:files", "dest=text:paths"),
    "rename": ("rename", "file=text:files", "name=text:new_names"),
    "delete": ("delete", "path=text:file_paths"),
    "mkdir": ("mkdir", "path=text:paths"),
    "exists": ("exists", "path=text:file_paths"),
    "chmod": ("chmod", "path=text:file_paths", "mode=text:modes"),
    "chown": ("chown", "path=text:file_paths", "owner=text:owners"),
    "get_key": ("get", "data=handle:collections", "key=text:keys"),
    "get_index": ("get", "data=handle:collections", "index=int:0:20"),
    "put": ("put", "data=handle:collections", "key=text:keys", "value=int:0:100"),
    "slice": ("slice", "data=handle:collections", "start=int:0:5", "stop=int:6:20"),
    "append": ("append", "data=handle:collections", "item=text:words"),
    "contains": ("contains", "data=handle:collections", "item=text:words"),
    "union": ("union", "left=handle:collections", "right=handle:datasets"),
    "intersection": ("intersection", "left=handle:collections", "right=handle:datasets"),
    "difference": ("difference", "left=handle:collections", "right=handle:datasets"),
    "keys": ("keys", "data=handle:collections"),
    "values": ("values", "data=handle:collections"),
    "length": ("length", "data=handle:collections"),
    "reverse": ("reverse", "data=handle:collections"),
    "unique": ("unique", "data=handle:collections"),
    "flatten": ("flatten", "data=handle:collections"),
    "sort": ("sort", "data=handle:datasets"),
    "sort_by": ("sort", "data=handle:datasets", "key=handle:fields"),
    "children": ("children", "node=handle:trees"),
    "map": ("map", "data=handle:datasets", "fn=handle:transforms"),
    "reduce": ("reduce", "data=handle:collections", "fn=handle:functions"),
    "reduce_init": ("reduce", "data=handle:collections", "fn=handle:functions", "init=int:0:10"),
    "fail": ("fail", "msg=text:messages"),
}
# Loop and branch bodies: frame -> (operation, slot specs); templates/en/act_*.txt
ACTIONS = {
    "act_log": ("log", "msg=text:messages"),
    "act_execute": ("execute", "cmd=handle:commands"),
    "act_delete": ("delete", "path=text:file_paths"),
    "act_increment": ("increment", "name=handle:counters"),
    "act_write": ("write", "file=text:files", "data=handle:datasets"),
    "act_transform": ("transform", "data=handle:datasets", "fn=handle:transforms"),
}


def _slot(d: Draw, spec: str):
    name, rest = spec.split("=")
    kind, *args = rest.split(":")
    if kind == "int":
        v = Int(d.rng.randint(int(args[0]), int(args[1])))
        return name, v, str(v.value)
    if kind == "handle":  # a noun phrase, its handle by lexicon.handle_name
        v, said = d.noun(args[0])
        return name, v, said
    v = d.text(args[0])
    return name, v, v.value


def data_frame(table: dict, frame: str):
    opname, *specs = table[frame]

    def build(d: Draw):
        slots = [_slot(d, s) for s in specs]
        return op(opname, *(v for _, v, _ in slots)), Phrase(frame, {n: e for n, _, e in slots})

    build.__name__ = frame
    return build


def action(d: Draw):
    return data_frame(ACTIONS, d.choice(list(ACTIONS)))(d)


def item_action(d: Draw, item: Handle):
    """A loop body that uses the loop variable."""
    kind = d.choice(["log", "append", "transform", "validate"])
    if kind == "log":
        return op("log", item), Phrase("act_log_item", {"item": item.name})
    if kind == "append":
        coll = d.handle("collections")
        return op("append", coll, item), Phrase("act_append", {"item": item.name,
                                                               "data": coll.name})
    if kind == "transform":
        fn = d.handle("transforms")
        return op("transform", item, fn), Phrase("act_transform", {"data": item.name,
                                                                   "fn": fn.name})
    schema = d.handle("schemas")
    return op("validate", item, schema), Phrase("act_validate", {"data": item.name,
                                                                 "schema": schema.name})


def _logic(d: Draw, depth: int):
    """A condition of ``depth`` (1: a comparison; 2: and/or/not of comparisons; 3: one of
    those nested inside another)."""
    if depth == 1:
        return phase1.comparison(d)
    kind = d.choice(["and", "or", "not"])
    if kind == "not":
        v, p = _logic(d, depth - 1)
        return op("not", v), Phrase("logic_not", {"cond": _paren(v, p)})
    parts = [_logic(d, depth - 1)] + [phase1.comparison(d) for _ in range(d.choice([1, 1, 2]))]
    d.rng.shuffle(parts)
    return (op(kind, *(v for v, _ in parts)),
            Phrase(f"logic_{kind}", {"conds": [_paren(v, p) for v, p in parts]}))


def _paren(v, p):
    """A nested and/or/not is wrapped in parentheses, so its English has one reading."""
    return Phrase("paren", {"x": p}) if v.fields[0][1].value in ("and", "or", "not") else p


def filter_logic(d, depth: int | None = None):
    data = d.handle("datasets")
    cond, phrase = _logic(d, depth or (3 if d.chance(0.15) else 2))
    return op("filter", data, cond), Phrase("filter_cmp", {"data": data.name, "cond": phrase})


def filter_logic_deep(d):
    """Always nested one level deeper (held out: splits rule condition_depth_3)."""
    return filter_logic(d, 3)


def if_then(d):
    (c, cp), (t, tp) = phase1.comparison(d), action(d)
    return op("if", c, t), Phrase("if_then", {"cond": cp, "then": tp})


def if_else(d):
    (c, cp), (t, tp), (e, ep) = phase1.comparison(d), action(d), action(d)
    return op("if", c, t, e), Phrase("if_else", {"cond": cp, "then": tp, "else": ep})


def match(d):
    subject = d.handle("text_fields")
    words = d.picks("words", d.choice([1, 2, 3]))
    cases = [(Text(w), action(d)) for w in words]
    default = action(d) if d.chance(0.5) else None
    value = op("match", subject, *(op("case", w, a[0]) for w, a in cases),
               *((op("case", NULL, default[0]),) if default else ()))
    arms = [Phrase("case", {"pattern": w.value, "body": a[1]}) for w, a in cases]
    if default:
        arms.append(Phrase("case_default", {"body": default[1]}))
    return value, Phrase("match", {"subject": subject.name, "arms": arms})


def for_each(d):
    data, item = d.handle("datasets"), d.handle("items")
    body, bp = item_action(d, item)
    return op("for_each", data, item, body), Phrase("for_each", {
        "data": data.name, "item": item.name, "body": bp})


def while_loop(d):
    counter = d.handle("counters")
    limit = d.int(1, 100)
    body, bp = action(d)
    cond = op(d.choice(["lt", "le"]), counter, limit)
    cp = Phrase(f"cond_{cond.fields[0][1].value}", {"field": counter.name,
                                                     "value": english_of(limit)})
    return op("while", cond, body), Phrase("while", {"cond": cp, "body": bp})


def repeat(d):
    n = d.int(2, 12)
    body, bp = action(d)
    return op("repeat", n, body), Phrase("repeat", {"n": str(n.value), "body": bp})


def iterate(d):
    data, step, n = d.handle("datasets"), d.handle("transforms"), d.int(2, 10)
    return op("iterate", data, step, n), Phrase("iterate", {
        "data": data.name, "step": step.name, "n": str(n.value)})


def try_catch(d):
    (b, bp), handler = action(d), d.handle("handlers")
    return op("try", b, op("execute", handler)), Phrase("try_catch", {
        "body": bp, "handler": handler.name})


def validate_or_default(d):
    data, schema = d.handle("datasets"), d.handle("schemas")
    default = d.choice([NULL, d.int(0, 10), d.handle("collections")])
    return (op("or_default", op("validate", data, schema), default),
            Phrase("validate_or_default", {"data": data.name, "schema": schema.name,
                                           "default": english_of(default)}))


def timeout(d):
    (b, bp), secs = action(d), d.int(1, 120)
    return op("timeout", b, secs), Phrase("timeout", {"body": bp, "n": str(secs.value)})


def retry(d):
    (b, bp), n = action(d), d.int(2, 9)
    return op("retry", b, n), Phrase("retry", {"body": bp, "n": str(n.value)})


def map_reduce(d):
    data, fn, agg = d.handle("datasets"), d.handle("transforms"), d.handle("functions")
    return op("reduce", op("map", data, fn), agg), Phrase("map_reduce", {
        "data": data.name, "fn": fn.name, "agg": agg.name})


def _pipe(d, *builders):
    steps = [phase1._step(d, (b,)) for b in builders]
    return (op("pipeline", *(v for v, _ in steps)),
            Phrase("pipeline", {"steps": [p for _, p in steps]}))


def filter_transform_aggregate(d):
    return _pipe(d, d.choice([phase1.filter_cmp, phase1.filter_flag]), phase1.transform,
                 phase1.aggregate)


def load_process_save(d):
    return _pipe(d, phase1.read, d.choice([phase1.transform, phase1.validate]), phase1.write)


def query_validate_return(d):
    (s, sp), (v, vp) = phase1.search(d), phase1.validate(d)
    return op("pipeline", s, v, op("return", v.field(1))), Phrase("pipeline", {"steps": [
        Phrase("step_search", sp.slots), Phrase("step_validate", vp.slots),
        Phrase("step_return", {"data": v.field(1).name})]})


FRAMES = {name: data_frame(SIMPLE, name) for name in SIMPLE}
FRAMES.update({f.__name__: f for f in (
    filter_logic, filter_logic_deep, if_then, if_else, match, for_each, while_loop, repeat,
    iterate, try_catch, validate_or_default, timeout, retry, map_reduce, filter_transform_aggregate,
    load_process_save, query_validate_return)})

# Pipelines through the file system and collections ("list /srv/backups, then delete
# /srv/backups/old.tgz"), with the core operations among their steps.
FS_FIRST = ("list_path", "list_place", "glob", "mkdir", "copy")
FS_MIDDLE = ("sort", "sort_by", "unique", "reverse", "copy", "move")
FS_LAST = ("delete", "copy", "move", "length", "sort_by", "unique")


def fs_pipeline(d):
    f = FRAMES
    return phase1.pipeline_of(
        d, (phase1.navigate_path, phase1.navigate_place, phase1.read, phase1.execute,
            *(f[n] for n in FS_FIRST)),
        (phase1.filter_cmp, phase1.transform, phase1.read, *(f[n] for n in FS_MIDDLE)),
        (phase1.write, phase1.aggregate, phase1.execute, *(f[n] for n in FS_LAST)))


FRAMES["fs_pipeline"], FRAMES["pipeline"] = fs_pipeline, phase1.pipeline

FS = ("list_place", "list_path", "glob", "glob_in", "copy", "move", "rename", "delete",
      "mkdir", "exists", "chmod", "chown")
COLLECTIONS = ("get_key", "get_index", "put", "slice", "append", "contains", "union",
               "intersection", "difference", "keys", "values", "length", "reverse", "unique",
               "flatten", "sort", "sort_by", "children", "map", "reduce", "reduce_init")
CONTROL = ("if_then", "if_else", "match", "for_each", "while_loop", "repeat", "iterate",
           "filter_logic")
ERRORS = ("try_catch", "validate_or_default", "timeout", "retry", "fail")
PATTERNS = ("map_reduce", "filter_transform_aggregate", "load_process_save",
            "query_validate_return", "fs_pipeline", "fs_pipeline", "pipeline")

MIX = (
    (22, FS, ("en2lcr",)),
    (25, COLLECTIONS, ("en2lcr",)),
    (25, CONTROL, ("en2lcr",)),
    (14, ERRORS, ("en2lcr",)),
    (14, PATTERNS, ("en2lcr",)),
)
