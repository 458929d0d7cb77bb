"""Slot vocabularies (``templates/vocab/*.json``) and the ``Draw`` helper frames use to
pick slot values from them with a seeded random generator.

Vocabularies are data: to add a file name, a handle or a query, edit the JSON. Handles are
named things (``Draw.handle("datasets")`` gives the ``Handle`` and the name the English
spells); text literals are typed things (paths, globs, queries), spelled verbatim. Each
curated list is widened by the thousands of generated fillers of ``lcr.corpus.lexicon``
(``GENERATED``): ``Draw.pick`` takes a curated entry ``CURATED_SHARE`` of the time, and
``Draw.noun`` gives multi-word noun phrases with the handle ``lexicon.handle_name`` derives.

    python -c "from lcr.corpus.vocab import vocab; print(sorted(vocab()))"
"""

from __future__ import annotations

import functools
import json
import random

from lcr.printer import dumps
from lcr.resources import templates_dir
from lcr.values import FALSE, NULL, TRUE, Float, Handle, Int, Text, Value

TEMPLATES_DIR = templates_dir()
# curated vocabulary -> the generated pool (lcr.corpus.lexicon) that widens it
GENERATED = {"datasets": "data", "sources": "data", "collections": "data", "fields": "field",
             "places": "place", "commands": "thing", "expressions": "thing",
             "schemas": "schema", "transforms": "transform", "files": "file",
             "new_names": "file", "file_paths": "file_path", "paths": "dir_path",
             "globs": "glob", "queries": "query", "urls": "url", "flags": "flag"}
# Curated entries are the common names (users, logs, config.yaml); a quarter of the picks
# keeps them frequent while most draws come from the thousands.
CURATED_SHARE = 0.25


@functools.cache
def vocab() -> dict[str, list]:
    """Every vocabulary list by name, merged from ``templates/vocab/*.json``."""
    out: dict[str, list] = {}
    for path in sorted((TEMPLATES_DIR / "vocab").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for key, items in data.items():
            if key.startswith("_"):
                continue
            if key in out:
                raise ValueError(f"{path.name}: vocabulary {key!r} defined twice")
            out[key] = list(items)
    return out


def english_of(v: Value) -> str:
    """How a scalar argument is spelled inside English: numbers and booleans as in LC-R
    text, text in double quotes, null as ``null``, a handle as its bare name."""
    if isinstance(v, Handle):
        return v.name
    if v is TRUE or v is FALSE:
        return "true" if v.value else "false"
    if v is NULL:
        return "null"
    return dumps(v)


@functools.cache
def generated(name: str, words: bool) -> tuple[str, ...]:
    """The generated fillers widening vocabulary ``name``; ``words``: only those whose
    handle is spelled as one word of the English (for builders that spell ``Handle.name``)."""
    from lcr.corpus.lexicon import handle_name, pool

    items = pool(GENERATED[name])
    if words and name not in ("files", "new_names", "file_paths", "paths", "globs",
                              "queries", "urls"):
        items = tuple(x for x in items if " " not in x and handle_name(x) == x)
    return items


class Draw:
    """Seeded choices of slot values. Every frame gets one, so a compile is a pure function
    of the seed."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.v = vocab()
        self.forced: dict[str, str] = {}  # vocabulary -> value for its next pick (gen boost)

    def pick(self, name: str, words: bool = True) -> str:
        if name in self.forced:
            value = self.forced[name]
            self.forced.clear()  # one forced pick per example: the held-out slot
            return value
        if name in GENERATED and (name not in self.v or self.rng.random() >= CURATED_SHARE):
            return self.rng.choice(generated(name, words))
        return self.rng.choice(self.v[name])

    def noun(self, name: str) -> tuple[Handle, str]:
        """A named thing as English may say it (``crash reports``, ``latency_ms``) and its
        handle by ``lexicon.handle_name``."""
        from lcr.corpus.lexicon import handle_name

        words = self.pick(name, words=False)
        return Handle(handle_name(words)), words

    def picks(self, name: str, k: int) -> list[str]:
        """``k`` distinct entries of a vocabulary (order random)."""
        return self.rng.sample(self.v[name], k)

    def handle(self, name: str) -> Handle:
        return Handle(self.pick(name))

    def text(self, name: str) -> Text:
        return Text(self.pick(name))

    def int(self, lo: int = 0, hi: int = 1000) -> Int:
        return Int(self.rng.randint(lo, hi))

    def float(self) -> Float:
        """A float whose shortest repr is short: 2.5, -0.75, 1e-05, 1e+16 ..."""
        r = self.rng.random()
        if r < 0.15:
            return Float(self.rng.choice([1e-10, 1e-05, 1e+16, 2.5e-07, 6.02e+23, -1e-08]))
        x = round(self.rng.uniform(-500, 500), self.rng.choice([1, 2]))
        return Float(x if x != int(x) else x + 0.5)

    def number(self) -> Value:
        return self.int(0, 500) if self.rng.random() < 0.7 else Float(
            round(self.rng.uniform(0, 100), 1) or 0.5)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def choice(self, seq):
        return self.rng.choice(seq)
