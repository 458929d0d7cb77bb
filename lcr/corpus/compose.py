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
              "mode": "literal", "owner": "literal", "key": "literal"}
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
    return json.loads((TEMPLATES_DIR / "compose" / "phrasing.json").read_text(encoding="utf-8"))


def handles(phrase) -> bool:
    """Does the composer phrase this (a core operation, or a pipeline of them)?"""
    if phrase.frame == "pipeline":
        return all(handles(type(s)(s.frame.removeprefix("step_"), s.slots))
                   for s in phrase.slots["steps"])
    cond = phrase.slots.get("cond")
    if cond is not None and cond.frame.removeprefix("cond_") not in phrasing()["cond"]:
        return False  # and/or/not conditions keep their template phrasings
    return phrase.frame in phrasing()["ops"]


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
    q = _weighted(rng, phrasing()["query_quotes" if kind == "query" else "quotes"])
    if q != "bare" and q in value:
        q = "bare"
    q = "" if q == "bare" else q
    t.fixed(q)
    t.slot(value, kind)
    t.fixed(q)


def _cond(t: _Text, phrase, rng):
    name = phrase.frame.removeprefix("cond_")
    pattern = rng.choice(phrasing()["cond"][name])
    for piece in _SLOT.split(pattern):
        if piece == "{field}":
            _np(t, phrase.slots["field"], "field", None, rng)
        elif piece == "{value}":
            v = phrase.slots["value"]
            if v.startswith('"'):  # text: bare only where it cannot read as a number
                inner = json.loads(v)
                if _NUMBER.match(inner) or not inner.replace(" ", "").isalnum():
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
    pool = [p for p in phrasing()["ops"][phrase.frame]
            if _fits(p, slots) and (questions or not p.endswith("?"))]
    pattern = rng.choice(pool)
    t = _Text()
    for piece in _SLOT.split(pattern):
        m = _SLOT.fullmatch(piece)
        if not m:
            t.fixed(piece)
            continue
        name, _, form = piece[1:-1].partition(":")
        kind = phrasing()["slots"].get(phrase.frame, {}).get(name) or SLOT_KINDS[name]
        if name == "fn" and "fn_words" in slots:
            t.slot(rng.choice(slots["fn_words"][form]), "fn")
        elif name == "fn" and form == "verb":
            t.slot(slots["fn"], "fn")
        elif kind == "cond":
            _cond(t, slots["cond"], rng)
        elif kind in ("literal", "query"):
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
    skeleton = t.skeleton()
    noise = p["noise"]
    if rng.random() < noise["typo"] and _noise(t, rng):
        style = "typo"
    text = t.text()
    last_bare = t.parts[-1][1] is not None
    if not text.endswith("?") and not last_bare:
        r = rng.random()
        text += "." if r < noise["period"] else "!" if r < noise["period"] + noise[
            "exclaim"] else ""
    if t.parts[0][1] is None and rng.random() < noise["capitalize"]:
        text = text[0].upper() + text[1:]
    info = {"skeleton": skeleton, "verbs": verbs, "fillers": fillers}
    return text, ComposedLine(style, skeleton, info)
