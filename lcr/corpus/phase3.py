"""Phase 3, long programs: 10-20 operations each, with bindings (let, assign, define),
if/elif/else chains, loops with state (counters, accumulators) and recursion over trees.

A program is a ``block`` of statements; each statement builder returns ``(value,
Phrase)`` and the program's English joins the statements' clauses as sentences
(``templates/en/program.txt``). Statement clauses never contain ``;`` or ``. ``, so the
sentence boundaries are the statement boundaries. ``SHAPES`` (data) lists the statement
sequences a program is drawn from; ``program`` redraws until the program has 10-20
operations and 200-700 characters of LC-R (the English length is checked by the compiler).
"""

from __future__ import annotations

from lcr.corpus import phase1, phase2
from lcr.corpus.records import count_ops
from lcr.corpus.render import Phrase
from lcr.corpus.vocab import Draw, english_of
from lcr.printer import dumps
from lcr.values import Array, Float, Handle, Text, op

OPS_RANGE, LCR_RANGE = (10, 20), (200, 700)
ARITHMETIC = ("add", "sub", "mul", "div")
# Frames whose result a ``let`` can bind (rendered with their own templates, nested styles).
BINDABLE = (phase1.read, phase1.search, phase1.filter_cmp, phase1.filter_flag,
            phase1.aggregate, phase2.FRAMES["length"], phase2.FRAMES["sort_by"],
            phase2.FRAMES["unique"], phase2.FRAMES["glob"], phase2.FRAMES["keys"])


def _var(d: Draw, vocab: str = "counters") -> Handle:
    return d.handle(vocab)


def expr(d: Draw, left: Handle | None = None):
    """``left OP right`` with one arithmetic operator (never nested: one reading)."""
    name = d.choice(ARITHMETIC)
    left = left or _var(d, d.choice(["counters", "fields"]))
    right = d.choice([d.int(1, 100), d.handle("fields")])
    if right == left:
        right = d.int(1, 9)
    return op(name, left, right), Phrase(f"expr_{name}", {"l": left.name,
                                                           "r": english_of(right)})


def s_let_value(d):
    name = _var(d)
    value = d.choice([d.int(0, 100), d.int(0, 1), Text(d.pick("words")), Array(()),
                      Float(0.5) if d.chance(0.2) else d.int(0, 10)])
    shown = "an empty list" if isinstance(value, Array) else english_of(value)
    return op("let", name, value), Phrase("s_let", {"name": name.name, "value": shown})


def s_let_op(d):
    name = _var(d, d.choice(["counters", "collections"]))
    v, p = d.choice(BINDABLE)(d)
    return op("let", name, v), Phrase("s_let_op", {"name": name.name, "expr": p})


def s_assign_expr(d):
    name = _var(d)
    v, p = expr(d)
    return op("assign", name, v), Phrase("s_assign_expr", {"name": name.name, "expr": p})


def body_stmt(d, item: Handle):
    """One statement of a loop body, using the loop variable."""
    kind = d.choice(["increment", "accumulate", "append", "log", "call", "if"])
    if kind == "increment":
        c = _var(d)
        return op("increment", c), Phrase("act_increment", {"name": c.name})
    if kind == "accumulate":
        acc = _var(d)
        return (op("assign", acc, op("add", acc, item)),
                Phrase("s_accumulate", {"acc": acc.name, "item": item.name}))
    if kind == "append":
        coll = d.handle("collections")
        return op("append", coll, item), Phrase("act_append", {"item": item.name,
                                                               "data": coll.name})
    if kind == "log":
        return op("log", item), Phrase("act_log_item", {"item": item.name})
    if kind == "call":
        fn = d.handle("functions_def")
        return op("call", fn, item), Phrase("s_call", {"fn": fn.name, "args": [item.name]})
    cond, cp = phase1.comparison(d)
    then, tp = body_stmt(d, item)
    while then.fields[0][1].value == "if":
        then, tp = body_stmt(d, item)
    return op("if", cond, then), Phrase("s_if", {"cond": cp, "then": tp})


def _body(d, item):
    """One or two body statements; an ``if`` only last, so 'and' has one reading."""
    stmts = [body_stmt(d, item) for _ in range(d.choice([1, 2, 2]))]
    stmts.sort(key=lambda s: s[0].fields[0][1].value == "if")
    if len(stmts) == 2 and stmts[0][0].fields[0][1].value == "if":
        stmts = stmts[1:]
    if len(stmts) == 1:
        return stmts[0]
    return (op("block", *(v for v, _ in stmts)),
            Phrase("s_body2", {"first": stmts[0][1], "second": stmts[1][1]}))


def s_for_each(d):
    data, item = d.handle("datasets"), d.handle("items")
    body, bp = _body(d, item)
    return op("for_each", data, item, body), Phrase("s_for_each", {
        "data": data.name, "item": item.name, "body": bp})


def s_while(d):
    counter, limit = _var(d), d.int(2, 50)
    body, bp = body_stmt(d, d.handle("items"))
    return (op("while", op("lt", counter, limit), op("block", op("increment", counter), body)),
            Phrase("s_while", {"counter": counter.name, "limit": str(limit.value), "body": bp}))


def _branch_action(d):
    kind = d.choice(["assign", "log", "return", "increment"])
    if kind == "assign":
        x, w = d.handle("text_fields"), Text(d.pick("words"))
        return op("assign", x, w), Phrase("s_set_text", {"name": x.name, "value": w.value})
    if kind == "log":
        m = d.text("messages")
        return op("log", m), Phrase("act_log", {"msg": m.value})
    if kind == "return":
        x = d.handle(d.choice(["counters", "collections"]))
        return op("return", x), Phrase("s_return", {"x": x.name})
    c = _var(d)
    return op("increment", c), Phrase("act_increment", {"name": c.name})


def s_if_chain(d):
    """if / elif ... / else: an elif is an ``if`` in the else branch."""
    n = d.choice([2, 2, 3, 4])
    branches = [(phase1.comparison(d), _branch_action(d)) for _ in range(n - 1)]
    last = _branch_action(d) if d.chance(0.8) else None
    value = last[0] if last else None
    for (c, _), (a, _) in reversed(branches):
        value = op("if", c, a, value) if value is not None else op("if", c, a)
    arms = [Phrase("s_elif" if i else "s_if", {"cond": cp, "then": ap})
            for i, ((_, cp), (_, ap)) in enumerate(branches)]
    if last:
        arms.append(Phrase("s_else", {"then": last[1]}))
    return value, Phrase("s_if_chain", {"arms": arms})


def s_define(d):
    fn = d.handle("functions_def")
    params = d.picks("fields", d.choice([1, 2]))
    e, ep = expr(d, Handle(params[0]))
    if len(params) == 2 and d.chance(0.7):
        e = op(e.fields[0][1].value, Handle(params[0]), Handle(params[1]))
        ep = Phrase(ep.frame, {"l": params[0], "r": params[1]})
    result = d.handle("counters")
    body = op("block", op("let", result, e), op("return", result))
    return (op("define", fn, Array([Handle(p) for p in params]), body),
            Phrase("s_define", {"fn": fn.name, "params": params, "result": result.name,
                                "expr": ep}))


def s_tree(d):
    """A recursive walk: visit a node, then recurse on each child."""
    fn, node, child = d.handle("functions_def"), d.handle("items"), d.handle("items")
    if child == node:
        child = Handle("child" if node.name != "child" else "kid")
    act, ap = d.choice([(op("log", node), Phrase("act_log_item", {"item": node.name})),
                        (op("increment", _var(d)), None)])
    if ap is None:
        ap = Phrase("act_increment", {"name": act.field(1).name})
    body = op("block", act, op("for_each", op("children", node), child, op("call", fn, child)))
    return (op("define", fn, Array([node]), body),
            Phrase("s_tree", {"fn": fn.name, "node": node.name, "child": child.name,
                              "act": ap}))


def s_call(d):
    fn = d.handle("functions_def")
    args = [d.choice([d.handle("trees"), d.handle("datasets"), d.int(0, 99)])
            for _ in range(d.choice([1, 1, 2]))]
    return op("call", fn, *args), Phrase("s_call", {"fn": fn.name,
                                                    "args": [english_of(a) for a in args]})


def s_finish(d):
    kind = d.choice(["return", "write", "log"])
    x = d.handle(d.choice(["counters", "collections"]))
    if kind == "return":
        return op("return", x), Phrase("s_return", {"x": x.name})
    if kind == "write":
        f = d.text("files")
        return op("write", f, x), Phrase("act_write", {"data": x.name, "file": f.value})
    return op("log", x), Phrase("act_log_item", {"item": x.name})


SETUP = (s_let_value, s_let_value, s_let_op, s_assign_expr)
MAIN = (s_for_each, s_for_each, s_while, s_if_chain, s_define, s_tree)
FINISH = (s_finish, s_call, s_finish)
# statement-count shapes: (setup, main, finish)
SHAPES = ((1, 1, 1), (2, 1, 1), (1, 2, 1), (2, 2, 1), (1, 2, 2), (2, 1, 2), (3, 2, 1), (0, 3, 1))


def program(d):
    for _ in range(200):
        shape = d.choice(SHAPES)
        stmts = ([d.choice(SETUP)(d) for _ in range(shape[0])]
                 + [d.choice(MAIN)(d) for _ in range(shape[1])]
                 + [d.choice(FINISH)(d) for _ in range(shape[2])])
        value = op("block", *(v for v, _ in stmts))
        if (OPS_RANGE[0] <= count_ops(value) <= OPS_RANGE[1]
                and LCR_RANGE[0] <= len(dumps(value)) <= LCR_RANGE[1]):
            return value, Phrase("program", {"stmts": [p for _, p in stmts]})
    raise RuntimeError("phase 3: no program within the size limits after 200 draws")


FRAMES = {"program": program}
MIX = ((1, ("program",), ("en2lcr",)),)
