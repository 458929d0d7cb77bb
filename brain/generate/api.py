"""The Python API: ``Translator``, a loaded model that translates with the CLI's defaults.

    >>> from brain import Translator
    >>> t = Translator()                      # the model shipped with the package
    >>> t.translate(["read config.yaml"])
    ['🜊1000🜁0 "read"🜁1 "config.yaml"🜂']
    >>> t.translate(["read config.yaml"], scores=True)
    [('🜊1000🜁0 "read"🜁1 "config.yaml"🜂', 0.99...)]
    >>> Translator("runs/latest/final", device="cpu")   # another checkpoint

Defaults are those of ``python -m brain.generate``: task ``en2lcr``, beam 4, batch 64,
grammar-constrained, grounded, programs clause by clause, one CPU thread, device ``auto``.
A score (``scores=True``) is the model's confidence in its output, in [0, 1]
(``brain.generate.score``): exp of the mean per-token log-probability of the chosen output.
Bad input raises ``brain.generate.translate.InputError`` (``.problems``: where and why).
"""

from __future__ import annotations

from brain.generate.score import confidence
from brain.generate.translate import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_BEAM,
    DEFAULT_TASK,
    InputError,
    encode_all,
    translate,
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
            outs = translate(self.model, self.tokenizer, texts, task, constrain=constrain,
                             strict=strict, ground=ground, batch_size=batch_size, beam=beam,
                             max_new_tokens=max_new_tokens, segment=segment)
            if not scores:
                return outs
            return list(zip(outs, self.scores(texts, outs, task), strict=True))

    def scores(self, texts, outputs, task: str = DEFAULT_TASK) -> list[float]:
        """The confidence of each output for its text (``brain.generate.score``)."""
        prompts = encode_all(self.tokenizer, task, list(texts), self.model.config.block_size)
        return confidence(self.model, self.tokenizer, prompts, list(outputs))
