"""Corpus records -> token sequences -> length-bucketed training batches.

A record (one line of ``corpora/phaseN.jsonl``) becomes one sequence::

    <task> source <sep> target <eos>

The model reads the sequence shifted by one; the loss counts the positions that predict
``target`` and ``<eos>`` only (everything else is ``-100``), never the source, never
padding. Batches are "sortish": each epoch shuffles the examples (seeded by seed and
epoch), sorts them by length inside windows of ``window`` batches, cuts batches and
shuffles the batch order, so a batch holds sequences of similar length (little padding)
while the order still varies from epoch to epoch. Everything is a pure function of
``(seed, epoch)``, which is what makes interrupted-and-resumed training exact.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from dataclasses import dataclass
from pathlib import Path

import torch

from brain.model.gpt import IGNORE_INDEX
from brain.model.tokenizer import CharTokenizer, UnknownCharError, UnknownTaskError

log = logging.getLogger(__name__)

FIELDS = ("id", "phase", "split", "task", "source", "target")


class DataError(ValueError):
    """A corpus file or record the trainer cannot use; the message names file and line."""


class DataReadError(DataError):
    """A corpus that cannot be read or written at all (missing, no permission): an I/O
    error, where a plain DataError is invalid input found."""


@dataclass(frozen=True)
class Example:
    id: str
    task: str
    ids: tuple[int, ...]  # the whole sequence, <task> ... <eos>
    prompt_len: int  # tokens up to and including <sep>

    @property
    def target_tokens(self) -> int:
        return len(self.ids) - self.prompt_len  # target characters + <eos>


def read_jsonl(path) -> list[dict]:
    """All records of a JSONL corpus; a bad line is a DataError naming file and line."""
    path = Path(path)
    records = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise DataReadError(f"{path}: cannot read corpus: {e.strerror}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as e:
            raise DataError(f"{path}:{n}: not JSON: {e}") from None
        missing = [f for f in FIELDS if f not in rec]
        if missing:
            raise DataError(f"{path}:{n}: record lacks {', '.join(missing)}")
        records.append(rec)
    return records


def file_sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def encode_record(tok: CharTokenizer, rec: dict, block_size: int) -> Example:
    try:
        prompt = tok.encode_prompt(rec["task"], rec["source"])
        target = tok.encode(rec["target"])
    except (UnknownCharError, UnknownTaskError) as e:
        raise DataError(f"record {rec['id']}: {e}") from None
    ids = (*prompt, *target, tok.eos)
    # The model sees ids[:-1] (positions 0 .. len-2), so len - 1 positions must fit.
    if len(ids) - 1 > block_size:
        raise DataError(f"record {rec['id']}: {len(ids)} tokens; the model has "
                        f"{block_size} positions (source + target may have at most "
                        f"{block_size - 2} characters)")
    return Example(str(rec["id"]), rec["task"], ids, len(prompt))


def encode_records(tok, records, block_size) -> list[Example]:
    return [encode_record(tok, r, block_size) for r in records]


def collate(examples: list[Example], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded inputs and targets (B, T). Right padding needs no attention mask: a
    causal model never lets a real position see the padding that follows it."""
    T = max(len(e.ids) for e in examples) - 1
    x = torch.full((len(examples), T), pad, dtype=torch.long)
    y = torch.full((len(examples), T), IGNORE_INDEX, dtype=torch.long)
    for b, e in enumerate(examples):
        ids = torch.tensor(e.ids, dtype=torch.long)
        n = len(e.ids) - 1
        x[b, :n] = ids[:-1]
        # position i predicts ids[i + 1]; the first target character is predicted at <sep>
        y[b, e.prompt_len - 1:n] = ids[e.prompt_len:]
    return x, y


def epoch_batches(lengths: list[int], batch_size: int, seed: int, epoch: int,
                  window: int = 50) -> list[list[int]]:
    """Example indices of every batch of one epoch, deterministic in (seed, epoch)."""
    rng = random.Random(f"{seed}:{epoch}")
    order = list(range(len(lengths)))
    rng.shuffle(order)
    batches = []
    span = batch_size * window
    for start in range(0, len(order), span):
        chunk = sorted(order[start:start + span], key=lambda i: lengths[i])
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


class BatchSource:
    """Examples plus the batching policy; what the generic trainer iterates over."""

    def __init__(self, examples: list[Example], pad: int, batch_size: int, seed: int):
        if not examples:
            raise DataError("no training examples")
        self.examples, self.pad = examples, pad
        self.batch_size, self.seed = batch_size, seed
        self.lengths = [len(e.ids) for e in examples]

    def epoch(self, epoch: int) -> list[list[int]]:
        return epoch_batches(self.lengths, self.batch_size, self.seed, epoch)

    def num_batches(self) -> int:
        return -(-len(self.examples) // self.batch_size)

    def batch(self, indices: list[int]):
        """``(x, y, target_tokens)`` for a list of example indices."""
        chosen = [self.examples[i] for i in indices]
        x, y = collate(chosen, self.pad)
        return x, y, sum(e.target_tokens for e in chosen)

    def sequential(self):
        """Fixed batches (length-sorted) over all examples: for validation loss."""
        order = sorted(range(len(self.examples)), key=lambda i: self.lengths[i])
        for i in range(0, len(order), self.batch_size):
            yield self.batch(order[i:i + self.batch_size])


def ensure_corpora(corpora: Path, phases: list[int] | None = None) -> None:
    """Compile all four corpora into ``corpora`` (``lcr.compile.run``, in this process) if any
    of ``phases`` is missing (``None``: only when ``corpora`` holds no phase file at all, as
    evaluation and benchmarks need; they read whatever phases are there), or if they were
    compiled by an older compiler (``format`` in stats.json; recompiled with their seed and
    scale). The compiler is imported only when a compile may be needed."""
    if phases is None:
        missing = [] if any(corpora.glob("phase*.jsonl")) else ["all"]
    else:
        missing = [p for p in phases if not (corpora / f"phase{p}.jsonl").is_file()]
    seed, scale = 0, 1.0
    if missing:
        why = f"corpora missing for phase(s) {missing}"
    else:
        try:
            stats = json.loads((corpora / "stats.json").read_text(encoding="utf-8"))
            found, seed, scale = stats.get("format"), stats["seed"], stats["scale"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return  # not a compiler's output folder: use the files as they are
        from lcr.corpus.build import FORMAT

        if found == FORMAT:
            return
        why = f"{corpora} was compiled by an older compiler (format {found}, now {FORMAT})"
    from lcr.compile import run
    from lcr.corpus.build import PHASES
    from lcr.corpus.records import CompileError

    log.info("%s: compiling all phases into %s (seed %s, scale %s)", why, corpora, seed, scale)
    try:
        run(sorted(PHASES), Path(corpora), seed, scale, progress=True)
    except OSError as e:
        raise DataReadError(f"compiling the corpora into {corpora} failed: {e}") from None
    except CompileError as e:
        raise DataError(f"compiling the corpora into {corpora} failed: {e}") from None
