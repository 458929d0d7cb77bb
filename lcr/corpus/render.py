"""English phrasing: ``Phrase`` trees rendered through the Jinja2 templates in
``templates/en/``.

A frame describes its English as a ``Phrase(frame, slots)``; a slot is a string, a nested
``Phrase`` (a predicate, a step, a loop body) or a list of them. ``templates/en/FRAME.txt``
holds the frame's phrasings, one Jinja2 template per line (``#`` starts a comment line); a
line may start with a style tag such as ``[terse]`` or ``[question]`` (default ``plain``).
The first line is the frame's canonical phrasing: ``render(..., canonical=True)`` uses it
and the first entry of every filler list, so lcr2en targets are a function of the LC-R.

Fillers (``templates/vocab/fillers.json``) are called from templates as ``{{ the() }}``,
``{{ please() }}``, ``{{ end() }}``, ``{{ a() }}``; whitespace is collapsed after rendering,
so an empty filler leaves no gap.

    python -c "from lcr.corpus.render import phrasebook; print(len(phrasebook().frames()))"
"""

from __future__ import annotations

import functools
import json
import random
import re
from dataclasses import dataclass, field

import jinja2

from lcr.corpus.vocab import TEMPLATES_DIR

_STYLE = re.compile(r"^\[([a-z]+)\]\s*")
SENTENCE_FILLERS = ("please", "end")
NESTED_STYLES = ("plain", "terse", "casual", "code", "verbose")
_SPACES = re.compile(r"\s+")
_BEFORE_PUNCT = re.compile(r" ([,;:?!])")


@dataclass(frozen=True)
class Phrase:
    """The English of a value: a frame (template file) and its slots."""

    frame: str
    slots: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Line:
    index: int
    style: str
    source: str
    template: jinja2.Template


class Phrasebook:
    """All template files of ``templates/en``, compiled once."""

    def __init__(self, root=TEMPLATES_DIR / "en"):
        self.root = root
        self.env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
        self.env.filters["and_list"] = join_and
        self.env.filters["or_list"] = lambda items: join_and(items, "or")
        self._lines: dict[str, list[Line]] = {}
        self.fillers = {k: v for k, v in json.loads(
            (TEMPLATES_DIR / "vocab" / "fillers.json").read_text(encoding="utf-8")).items()
            if not k.startswith("_")}

    def frames(self) -> list[str]:
        return sorted(p.stem for p in self.root.glob("*.txt"))

    def lines(self, frame: str) -> list[Line]:
        if frame not in self._lines:
            path = self.root / f"{frame}.txt"
            if not path.exists():
                raise KeyError(f"no phrasing template file templates/en/{frame}.txt")
            out = []
            for raw in path.read_text(encoding="utf-8").splitlines():
                raw = raw.strip()
                if not raw or raw.startswith("#"):
                    continue
                m = _STYLE.match(raw)
                style, body = (m.group(1), raw[m.end():]) if m else ("plain", raw)
                try:
                    tpl = self.env.from_string(body)
                except jinja2.TemplateSyntaxError as err:
                    raise ValueError(f"templates/en/{frame}.txt: {err.message}: {raw}") from None
                out.append(Line(len(out), style, body, tpl))
            if not out:
                raise ValueError(f"templates/en/{frame}.txt has no phrasings")
            self._lines[frame] = out
        return self._lines[frame]

    def _filler_fns(self, rng: random.Random | None, nested: bool) -> dict:
        """Filler functions for a template; canonical (``rng`` None) takes each list's
        first entry, and a nested phrase gets no sentence-level fillers (please, end)."""
        out = {}
        for k, v in self.fillers.items():
            if rng is None or (nested and k in SENTENCE_FILLERS):
                out[k] = lambda v=v: v[0]
            else:
                out[k] = lambda v=v: rng.choice(v)
        return out

    def render(self, phrase: Phrase, rng: random.Random | None, index: int | None = None,
               styles: tuple | None = None) -> tuple[str, Line]:
        """Render ``phrase``; ``rng=None`` is the canonical rendering. ``index`` forces the
        top-level phrasing; ``styles`` restricts the random choice to those styles.
        Returns the text and the top-level template line used."""
        lines = self.lines(phrase.frame)
        if index is None:
            if rng is None:
                index = 0
            else:
                pool = [ln for ln in lines if styles is None or ln.style in styles] or lines
                index = rng.choice(pool).index
        line = lines[index]
        slots = {k: self._slot(v, rng) for k, v in phrase.slots.items()}
        try:
            text = line.template.render(**slots, **self._filler_fns(rng, styles == NESTED_STYLES))
        except jinja2.UndefinedError as err:
            raise ValueError(f"templates/en/{phrase.frame}.txt line {index + 1}: {err}") from None
        text = _BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", text).strip())
        return text, line

    def _slot(self, value, rng):
        if isinstance(value, Phrase):  # nested phrases: no sentence-level styles inside
            return self.render(value, rng, styles=NESTED_STYLES)[0]
        if isinstance(value, (list, tuple)):
            return [self._slot(x, rng) for x in value]
        return value


@functools.cache
def phrasebook() -> Phrasebook:
    return Phrasebook()


def join_and(items: list[str], word: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]
