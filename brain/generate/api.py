"""The Python API: ``Translator``, a loaded model that translates with the CLI's defaults.

    >>> from brain import Translator
    >>> t = Translator()                      # the model shipped with the package
    >>> t.translate(["read config.yaml"])
    ['🜊1000🜁0 "read"🜁1 "config.yaml"🜂']
    >>> t.translate(["read config.yaml"], scores=True)
    [('🜊1000🜁0 "read"🜁1 "config.yaml"🜂', 0.99...)]
    >>> Translator("runs/latest/final", device="cpu")   # another checkpoint

Defaults are those of ``python -m brain.generate``: task ``en2lcr``, greedy (beam 1), batch 64,
grammar-constrained, grounded, programs clause by clause, one CPU thread, device ``auto``.
Any English is accepted: characters the model has no token for are folded (curly quotes,
dashes, accents) and carried back into the output's text literals
(``brain.generate.normalize``). A score (``scores=True``) is the model's confidence in its
output, in [0, 1] (``brain.generate.score``): exp of the mean per-token log-probability of
the chosen output.
A text that still cannot be translated (empty, longer than the model's positions) raises
``brain.generate.translate.InputError`` (``.problems``: where and why).
"""

from __future__ import annotations

from brain.generate.normalize import fold
from brain.generate.score import confidence
from brain.generate.translate import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_BEAM,
    DEFAULT_TASK,
    InputError,
    prepare,
    translate_lines,
)
from brain.model.checkpoint import load
from brain.threads import DECODE_THREADS, intra_op
from lcr.resources import checkpoint_dir


def resolve_device(device: str) -> str:
    """``auto``: CUDA when present, else CPU; anything else as given."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class Translator:
    """A checkpoint loaded once, translating lists of texts (see the module doc)."""

    def __init__(self, checkpoint=None, *, device: str = "auto", threads: int = DECODE_THREADS):
        self.checkpoint = checkpoint if checkpoint is not None else checkpoint_dir()
        self.model, self.tokenizer, self.config = load(self.checkpoint,
                                                       device=resolve_device(device))
        self.threads = threads

    def translate(self, texts, *, task: str = DEFAULT_TASK, scores: bool = False,
                  beam: int = DEFAULT_BEAM, batch_size: int = DEFAULT_BATCH_SIZE,
                  constrain: bool = True, strict: bool = False, ground: bool = True,
                  segment: bool = True, max_new_tokens: int | None = None):
        """The outputs for ``texts`` in order; with ``scores``, ``(output, score)`` pairs."""
        if isinstance(texts, str):
            raise TypeError("translate takes a list of texts; wrap a single text in a list")
        texts = list(texts)
        if task not in self.tokenizer.tasks:
            raise InputError([("task", f"unknown task {task!r}; this checkpoint knows "
                                       f"{', '.join(self.tokenizer.tasks)}")])
        with intra_op(self.threads):
            lines = translate_lines(self.model, self.tokenizer, texts, task,
                                    constrain=constrain, strict=strict, ground=ground,
                                    batch_size=batch_size, beam=beam,
                                    max_new_tokens=max_new_tokens, segment=segment,
                                    scores=scores)
        problems = [(f"text {i + 1}", ln.error) for i, ln in enumerate(lines) if ln.error]
        if problems:
            raise InputError(problems)
        if not scores:
            return [ln.output for ln in lines]
        return [(ln.output, ln.score) for ln in lines]

    def scores(self, texts, outputs, task: str = DEFAULT_TASK) -> list[float]:
        """The confidence of each output for its text (``brain.generate.score``). Outputs
        are scored as the model wrote them: folded as their texts are, so the typed
        characters put back into their literals do not count as unknown."""
        tok, block = self.tokenizer, self.model.config.block_size
        prompts, problems = [], []
        for i, text in enumerate(texts):
            try:
                prompts.append(prepare(tok, task, text, block)[1])
            except ValueError as e:
                problems.append((f"text {i + 1}", str(e)))
        if problems:
            raise InputError(problems)
        known = lambda c: c in tok.stoi  # noqa: E731
        return confidence(self.model, tok, prompts, [fold(o, known).text for o in outputs])
