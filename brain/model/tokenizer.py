"""Character-level tokenizer: one token per character, plus special and task tokens.

The vocabulary is fixed by tables (specials, task markers, printable ASCII, the LC-R
glyphs) and is stored with every checkpoint, so a model always decodes with the ids it was
trained on. A sequence is ``<task> source <sep> target <eos>``::

    >>> tok = CharTokenizer()
    >>> ids = tok.encode_prompt("en2lcr", "read config.yaml")
    >>> tok.decode(ids)
    'read config.yaml'

Unknown characters are reported (``UnknownCharError`` names each one and its position),
never silently dropped.
"""

from __future__ import annotations

PAD, SEP, EOS = "<pad>", "<sep>", "<eos>"
SPECIALS = (PAD, SEP, EOS)

# One marker token per task. Corpora with a task not in this table are an error: add the
# task here (the vocabulary is stored with each checkpoint, so old checkpoints still load).
TASKS = (
    "en2lcr",    # English -> LC-R, the main task
    "lcr2en",    # LC-R -> canonical English
    "hlxl2lcr",  # HLXL (ASCII track) -> LC-R
    "lcr2hlxl",  # LC-R -> HLXL
    "lcr2lcb",   # LC-R -> LC-B as lowercase hex
    "lcb2lcr",   # LC-B hex -> LC-R
    "fix",       # broken LC-R -> canonical LC-R
)
# The tasks whose target (the model's output) is LC-R: constrained decoding, LC-R scoring.
LCR_OUTPUT_TASKS = frozenset({"en2lcr", "hlxl2lcr", "lcb2lcr", "fix"})
# The tasks whose target is LC-B hex: format-constrained decoding (brain.constrain.lcb_constraint).
LCB_OUTPUT_TASKS = frozenset({"lcr2lcb"})
# The tasks whose target is HLXL: constrained decoding (brain.constrain.hlxl_constraint).
HLXL_OUTPUT_TASKS = frozenset({"lcr2hlxl"})

ASCII = tuple(chr(c) for c in range(0x20, 0x7F))  # printable ASCII, space included
GLYPHS = ("∅", "⊤", "⊥", "⊠", "⟁", "🜊", "🜁", "🜂", "🜃", "🜄", "◇", "◆")


def task_token(task: str) -> str:
    return f"<{task}>"


class UnknownCharError(ValueError):
    """Text holds characters outside the vocabulary; ``.chars`` is ``[(position, char)]``."""

    def __init__(self, chars: list[tuple[int, str]]):
        self.chars = chars
        shown = ", ".join(f"{c!r} (U+{ord(c):04X}) at {i}" for i, c in chars[:10])
        more = f" and {len(chars) - 10} more" if len(chars) > 10 else ""
        super().__init__(f"unknown character{'s' if len(chars) > 1 else ''}: {shown}{more}")


class UnknownTaskError(ValueError):
    """A task name without a marker token in the vocabulary."""


class CharTokenizer:
    """Maps characters to ids and back. ``vocab[i]`` is the string of token ``i``."""

    def __init__(self, vocab: list[str] | None = None, tasks: tuple[str, ...] = TASKS):
        if vocab is None:
            vocab = [*SPECIALS, *(task_token(t) for t in tasks), *ASCII, *GLYPHS]
        if len(set(vocab)) != len(vocab):
            raise ValueError("vocabulary has duplicate entries")
        self.vocab: list[str] = list(vocab)
        self.stoi: dict[str, int] = {s: i for i, s in enumerate(self.vocab)}
        self.pad, self.sep, self.eos = (self.stoi[s] for s in SPECIALS)
        # Specials and task markers are the multi-character entries "<...>"; everything
        # else is exactly one character.
        self.special_ids = frozenset(i for i, s in enumerate(self.vocab) if len(s) > 1)
        self.tasks = tuple(s[1:-1] for s in self.vocab if len(s) > 1 and s not in SPECIALS)

    def __len__(self) -> int:
        return len(self.vocab)

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def task_id(self, task: str) -> int:
        try:
            return self.stoi[task_token(task)]
        except KeyError:
            raise UnknownTaskError(
                f"unknown task {task!r}; known tasks: {', '.join(self.tasks)} "
                "(add it to brain.model.tokenizer.TASKS)"
            ) from None

    def unknown_chars(self, text: str) -> list[tuple[int, str]]:
        """Positions and characters of ``text`` that have no token (empty when all do)."""
        return [(i, c) for i, c in enumerate(text) if c not in self.stoi or len(c) != 1]

    def encode(self, text: str) -> list[int]:
        stoi = self.stoi
        try:
            return [stoi[c] for c in text]
        except KeyError:
            raise UnknownCharError(self.unknown_chars(text)) from None

    def decode(self, ids) -> str:
        """Text of ``ids``; special and task tokens are dropped."""
        vocab, special = self.vocab, self.special_ids
        return "".join(vocab[i] for i in map(int, ids) if i not in special)

    def encode_prompt(self, task: str, source: str) -> list[int]:
        """``[<task>] + source + [<sep>]``: what the model sees before it writes the target."""
        return [self.task_id(task), *self.encode(source), self.sep]

    def to_dict(self) -> dict:
        return {"type": "char", "vocab": list(self.vocab)}

    @classmethod
    def from_dict(cls, d: dict) -> CharTokenizer:
        if d.get("type") != "char":
            raise ValueError(f"not a character tokenizer: type {d.get('type')!r}")
        return cls(vocab=list(d["vocab"]))
