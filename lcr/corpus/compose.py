"""The compositional English generator: a request is put together from parts instead of
being one of a frame's fixed template lines.

For a core operation's ``Phrase`` it picks a verb phrase with its argument order from the
operation's lexicon, spells every argument in a form its kind allows (``the X field``,
``my X folder``, a path bare or quoted), wraps the clause ("could you ...?", "I need to
...", "..., thanks") and adds surface noise (capitals or not, final punctuation or not, a
typo in a verb or function word, never inside a slot). Pipelines join their steps the
ways people do ("then", ", and then", "; ", "&&", "first ... finally", "1. ... 2.").
All wording is data: ``templates/compose/phrasing.json``.

Each rendering returns a ``ComposedLine`` in place of a template line: its ``source`` is
the frame skeleton (the text with every slot replaced by ``<kind>``, before noise), and
``info`` holds the verb phrases and slot fillers used, for ``lcr.compile --stats``.

    python -c "import random; from lcr.corpus.compose import render; \\
        from lcr.corpus.render import Phrase; \\
        print(render(Phrase('search', {'src': 'crash reports', 'query': 'timeout'}), \\
        random.Random(1))[0])"
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field

from lcr.corpus.vocab import TEMPLATES_DIR

# slot name -> argument kind (the form list in phrasing.json, or a literal kind)
SLOT_KINDS = {"src": "data", "data": "data", "field": "field", "place": "place", "fn": "fn",
              "schema": "schema", "cmd": "cmd", "expr": "expr", "flag": "flag",
              "file": "literal", "path": "literal", "query": "query", "cond": "cond",
              "pattern": "literal", "root": "literal", "dest": "literal", "name": "literal",
              "mode": "literal", "owner": "literal", "key": "literal",
              # phase-2 domain operations (templates/compose/domain.json)
              "index": "number", "start": "number", "stop": "number", "value": "number",
              "init": "number", "n": "number", "item": "query", "left": "data",
              "right": "data", "step": "fn", "msg": "msg", "then": "clause",
              "else": "clause", "body": "clause", "subject": "field", "handler": "cmd",
              "default": "default", "agg": "fn", "node": "data", "arms": "arms"}
_SLOT = re.compile(r"(\{[a-z]+(?::[a-z]+)?\})")
_NUMBER = re.compile(r"-?\d+(\.\d+)?(e[-+]?\d+)?\Z")
_PLAIN_VERB = re.compile(r"[a-z]+\Z")
_WORD = re.compile(r"[A-Za-z]{3,}")


@dataclass(frozen=True)
class ComposedLine:
    """Stands in for ``render.Line`` in records: ``index`` -1 (no template line)."""

    style: str
    source: str  # the skeleton: the frame of this English, slots as <kind>
    info: dict = field(default_factory=dict, hash=False, compare=False)
    index: int = -1


@functools.cache
def phrasing() -> dict:
    """phrasing.json with domain.json's tables merged in (ops, slots, forms, alias)."""
    root = TEMPLATES_DIR / "compose"
    p = json.loads((root / "phrasing.json").read_text(encoding="utf-8"))
    for name in ("domain.json", "program.json"):
        more = json.loads((root / name).read_text(encoding="utf-8"))
        for table in ("ops", "slots", "forms", "alias", "arm_separators"):
            p[table] = {**p.get(table, {}), **more.get(table, {})}
        if "program" in more:
            p["program"] = more["program"]
    # core_extra.json: more phrasings of the core operations (added to the lists), the
    # standalone comparison and the context frames around a share of requests
    extra = json.loads((root / "core_extra.json").read_text(encoding="utf-8"))
    p["core_ops"] = frozenset(p["ops"]) - frozenset(more_ops(root)) | {"pipeline", "compare"}
    p["noise"] = {**p["noise"], **extra["noise"]}
    for table, src in (("ops", "ops_extra"), ("cond", "cond_extra")):
        for k, v in extra[src].items():
            p[table][k] = p[table].get(k, []) + v
    p["context"], p["context_share"] = extra["context"], extra["context_share"]
    return p


def more_ops(root) -> list[str]:
    """The frames domain.json and program.json phrase (no context frames for them)."""
    out = []
    for name in ("domain.json", "program.json"):
        out += json.loads((root / name).read_text(encoding="utf-8")).get("ops", {})
    return out


def _patterns(frame: str) -> list[str]:
    return phrasing()["ops"].get(phrasing()["alias"].get(frame, frame), [])


def _is_phrase(v) -> bool:
    return hasattr(v, "frame") and hasattr(v, "slots")


def handles(phrase) -> bool:
    """Does the composer phrase this (an operation with patterns, a pipeline of them, a
    comparison), and every phrase nested in it (bodies, branches, match arms)?"""
    if phrase.frame == "pipeline":
        return all(handles(type(s)(s.frame.removeprefix("step_"), s.slots))
                   for s in phrase.slots["steps"])
    if phrase.frame == "program":
        return all(handles(s) for s in phrase.slots["stmts"])
    if phrase.frame.startswith("cond_"):
        return phrase.frame.removeprefix("cond_") in phrasing()["cond"]
    if not _patterns(phrase.frame):
        return False  # and/or/not conditions, for one, keep their template phrasings
    for v in phrase.slots.values():
        nested = v if isinstance(v, (list, tuple)) else [v]
        if not all(handles(x) for x in nested if _is_phrase(x)):
            return False
    return True


def _weighted(rng, pairs):
    """A choice from ``[[item, weight], ...]`` (or a dict item -> weight), in list order."""
    items = list(pairs.items()) if isinstance(pairs, dict) else pairs
    return rng.choices([x for x, _ in items], [w for _, w in items])[0]


class _Text:
    """Segments of a rendering: fixed wording (may get noise) and slot text (never)."""

    def __init__(self):
        self.parts: list[tuple[str, str | None]] = []  # (text, slot kind or None)

    def fixed(self, s: str):
        if s:
            self.parts.append((s, None))

    def slot(self, s: str, kind: str):
        self.parts.append((s, kind))

    def extend(self, other: _Text):
        self.parts += other.parts

    def text(self) -> str:
        return "".join(s for s, _ in self.parts)

    def skeleton(self) -> str:
        return "".join(s if k is None else f"<{k}>" for s, k in self.parts)


def _np(t: _Text, words: str, kind: str, form: str | None, rng):
    pattern = "{}" if form == "bare" else rng.choice(phrasing()["forms"][kind])
    before, _, after = pattern.partition("{}")
    t.fixed(before)
    t.slot(words, kind)
    t.fixed(after)


def _literal(t: _Text, value: str, kind: str, rng):
    table = {"query": "query_quotes", "msg": "msg_quotes"}.get(kind, "quotes")
    q = _weighted(rng, phrasing()[table])
    if q != "bare" and q in value:
        q = "bare"
    if q == "bare" and kind == "literal" and " " in value:
        q = "'" if '"' in value else '"'  # "~/My Documents/notes": a spaced path is quoted
    q = "" if q == "bare" else q
    t.fixed(q)
    t.slot(value, kind)
    t.fixed(q)


def _cond(t: _Text, phrase, rng, in_filter: bool, form: str = ""):
    """A comparison; ``form`` "bare": the field without article or kind word ("orders whose
    total is over 5"), "ask": as a question ("is the load over 5")."""
    name = phrase.frame.removeprefix("cond_")
    # "by price of at least 5" reads only as a filter; an if or while says "price is ..."
    pool = [c for c in phrasing()["cond"][name]
            if in_filter or not c.startswith("{field} of ")]
    if form == "bare":
        pool = [c for c in pool if not c.startswith("{field} of ")]
    if form == "ask":
        pool = ["is {field} " + c.removeprefix("{field} is ") for c in pool
                if c.startswith("{field} is ")]
    pattern = rng.choice(pool)
    for piece in _SLOT.split(pattern):
        if piece == "{field}":
            _np(t, phrase.slots["field"], "field", "bare" if form == "bare" else None, rng)
        elif piece == "{value}":
            v = phrase.slots["value"]
            if v.startswith('"'):  # text: bare only where it cannot read as a number
                inner = json.loads(v)
                if _NUMBER.match(inner) or not inner.replace(" ", "").replace(
                        "_", "").isalnum():
                    t.fixed('"')
                    t.slot(inner, "text")
                    t.fixed('"')
                else:
                    _literal(t, inner, "query", rng)
            elif _NUMBER.match(v) or v in ("null", "true", "false"):
                t.slot(v, "value")
            else:  # a handle on the right: said as a field (../shared/eval/README.md)
                t.fixed("the ")
                t.slot(v, "field")
                t.fixed(rng.choice([" field", " column"]))
        else:
            t.fixed(piece)


def _fits(pattern: str, slots: dict) -> bool:
    """Can ``pattern`` say these slot values (an aggregate word form, a plain verb)?"""
    for m in _SLOT.finditer(pattern):
        name, _, form = m.group(0)[1:-1].partition(":")
        if name == "fn" and form in ("noun", "verb", "adj") and "fn_words" not in slots:
            if form != "verb" or not _PLAIN_VERB.match(slots.get("fn", "")):
                return False
        if name == "fn" and "fn_words" in slots and form in ("noun", "verb", "adj") \
                and not slots["fn_words"][form]:
            return False
        if name == "fn" and "fn_words" in slots and form not in ("noun", "verb", "adj"):
            return False
    return True


def clause(phrase, rng, questions: bool = True) -> tuple[_Text, str]:
    """One operation as a clause (no wrapper, no noise) and its verb phrase."""
    slots = dict(phrase.slots)
    if phrase.frame == "aggregate":
        slots["fn_words"] = phrasing()["aggregate_words"][slots["fn"]]
    pool = [p for p in _patterns(phrase.frame)
            if _fits(p, slots) and (questions or not p.endswith("?"))]
    pattern = rng.choice(pool)
    t = _Text()
    for piece in _SLOT.split(pattern):
        m = _SLOT.fullmatch(piece)
        if not m:
            t.fixed(piece)
            continue
        name, _, form = piece[1:-1].partition(":")
        kinds = phrasing()["slots"]
        kind = (kinds.get(phrase.frame, {}).get(name)
                or kinds.get(phrasing()["alias"].get(phrase.frame, ""), {}).get(name)
                or SLOT_KINDS[name])
        if kind == "clause":  # a body or branch: the nested operation as a clause
            t.extend(clause(slots[name], rng, questions=False)[0])
        elif kind == "arms":
            sep = rng.choice(phrasing()["arm_separators"][phrase.frame])
            for i, arm in enumerate(slots[name]):
                t.fixed(sep if i else "")
                t.extend(clause(arm, rng, questions=False)[0])
        elif kind in ("number", "var"):
            t.slot(slots[name], kind)
        elif kind in ("operand", "letvalue", "quoted", "args", "params"):
            from lcr.corpus.compose_program import statement_slot
            statement_slot(t, slots[name], kind, form, rng)
        elif kind == "default":  # null, a number, or a handle said as a noun phrase
            v = slots[name]
            if v == "null" or _NUMBER.match(v):
                t.slot(v, "value")
            else:
                _np(t, v, "data", None, rng)
        elif name == "fn" and "fn_words" in slots:
            t.slot(rng.choice(slots["fn_words"][form]), "fn")
        elif name == "fn" and form == "verb":
            t.slot(slots["fn"], "fn")
        elif kind == "cond":
            _cond(t, slots["cond"], rng, phrase.frame.startswith("filter"), form)
        elif kind in ("literal", "query", "msg"):
            _literal(t, slots[name], kind, rng)
        else:
            _np(t, slots[name], kind, form or None, rng)
    verb = re.sub(r"\s+", " ", _SLOT.sub("…", pattern)).strip()
    return t, verb


def _pipeline(phrase, rng) -> tuple[_Text, list[str]]:
    j = phrasing()["joiners"]
    steps = [clause(type(s)(s.frame.removeprefix("step_"), s.slots), rng, questions=False)
             for s in phrase.slots["steps"]]
    style = _weighted(rng, phrasing()["pipeline_styles"])
    t = _Text()
    n = len(steps)
    sep, mark = rng.choice(j["numbered_sep"]), rng.choice(j["numbered"])  # one per text
    for i, (step, _) in enumerate(steps):
        if style == "numbered":
            before, _, after = mark.replace("{n}", str(i + 1)).partition("{s}")
            t.fixed((sep if i else "") + before)
            t.extend(step)
            t.fixed(after)
            continue
        if i == 0:
            t.fixed(rng.choice(j["first"]) if style == "first" else "")
        elif style == "first":
            t.fixed(rng.choice(j["last"] if i == n - 1 else j["middle"]))
        elif style == "list":
            t.fixed(rng.choice(j["list_last"]) if i == n - 1 else ", ")
        else:
            t.fixed(_weighted(rng, j["pair"]))
        t.extend(step)
    return t, [v for _, v in steps]


def _typo(word: str, rng) -> str:
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "drop":
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def _noise(t: _Text, rng) -> bool:
    """A typo in one fixed word (verbs, function words; never a slot); True if made."""
    spots = [(n, m) for n, (s, k) in enumerate(t.parts) if k is None
             for m in _WORD.finditer(s)]
    if not spots:
        return False
    n, m = rng.choice(spots)
    s = t.parts[n][0]
    t.parts[n] = (s[:m.start()] + _typo(m.group(0), rng) + s[m.end():], None)
    return True


def render(phrase, rng) -> tuple[str, ComposedLine]:
    """English for ``phrase`` (a core operation or a pipeline) and its composed line."""
    p = phrasing()
    if phrase.frame == "program":  # no wrapper: a header, if any, is the program's own
        from lcr.corpus.compose_program import program
        body, style = program(phrase, rng)
        return _finish(body, style, {"verbs": [], "fillers": {}}, rng)
    if phrase.frame.startswith("cond_"):  # a comparison asked on its own: gt(x, 5)
        phrase = type(phrase)("compare", {"cond": phrase})
    if phrase.frame == "pipeline":
        body, verbs = _pipeline(phrase, rng)
        fillers = {}
    else:
        body, verb = clause(phrase, rng)
        verbs = [verb]
        fillers = {k: v for k, v in phrase.slots.items() if isinstance(v, str)}
        if "cond" in phrase.slots:
            fillers["cond_field"] = phrase.slots["cond"].slots["field"]
    style = _weighted(rng, p["style_weights"])
    if body.text().endswith("?"):
        style = "question"
    wrappers = p["wrappers"][style]
    first = body.text().split(" ", 1)[0].lower()
    if body.parts[0][1] is not None or first in p["fronted"] or not first[:1].isalpha():
        # "for the price field, take the median": no "I need to" in front of that
        wrappers = [w for w in wrappers if w[0].startswith("{}")] or [["{}", 1]]
    wrapper = "{}" if style == "question" and body.text().endswith("?") else \
        _weighted(rng, wrappers)
    if style == "question" and not (body.text() + wrapper).endswith("?"):
        style = "plain"
    before, _, after = wrapper.partition("{}")
    if body.text().endswith("?") and after.endswith("?"):
        after = after[:-1]
    t = _Text()
    t.fixed(before)
    t.extend(body)
    t.fixed(after)
    if phrase.frame in p["core_ops"] and rng.random() < p["context_share"]:
        t = _context(t, rng)
    return _finish(t, style, {"verbs": verbs, "fillers": fillers}, rng)


def _context(t: _Text, rng) -> _Text:
    """The request behind a preamble or before a postscript ("I'm cleaning up before the
    release, so ...", "..., that's the one I care about"): distractor nouns and numbers
    that the translation leaves out."""
    from lcr.corpus.lexicon import pool

    c = phrasing()["context"]
    side = "after" if not t.text().endswith("?") and rng.random() < 0.35 else "before"
    frame = rng.choice(c[side])
    things = pool("data")
    frame = (frame.replace("{things}", rng.choice(things))
             .replace("{thing}", rng.choice(pool("thing")))
             .replace("{n}", str(rng.randint(2, 500)))
             .replace("{year}", str(rng.randint(2019, 2026))))
    out = _Text()
    if side == "before":
        out.fixed(frame)
        out.extend(t)
    else:
        out.extend(t)
        out.fixed(frame)
    return out


def _finish(t: _Text, style: str, info: dict, rng) -> tuple[str, ComposedLine]:
    """Surface noise (a typo, final punctuation, a capital) and the composed line."""
    skeleton = t.skeleton()
    noise = phrasing()["noise"]
    if rng.random() < noise["typo"] and _noise(t, rng):
        style = "typo"
    text = t.text()
    last_bare = t.parts[-1][1] is not None
    if last_bare and not text.endswith((".", "?", "!", "/")) and rng.random() < noise[
            "period_after_slot"]:  # "save the totals to summary.csv." ends in a slot
        text += "?" if style == "question" else "."
    elif not text.endswith(("?", ".")) and not last_bare:
        r = rng.random()
        text += "." if r < noise["period"] else "!" if r < noise["period"] + noise[
            "exclaim"] else ""
    if t.parts[0][1] is None and rng.random() < noise["capitalize"]:
        text = text[0].upper() + text[1:]
    info = {"skeleton": skeleton, **info}
    return text, ComposedLine(style, skeleton, info)
