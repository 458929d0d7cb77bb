"""Training throughput: this trainer beside the original project's way, in one run.

    python benchmarks/bench_train.py                 # corpora/ if compiled, else synthetic
    python benchmarks/bench_train.py --seconds 20 --phases 1 3

For each phase's training records, both sides train the same-sized model on the same
examples in the same order for ``--seconds`` of wall clock and report *target tokens per
second*: target characters (+ end token) the model learned from, the useful work.

- trainer: ``brain.train.trainer.Trainer`` as ``python -m brain.train`` runs it: a pre-norm GPT
  without dropout, Muon, length-bucketed batches padded only to the longest row of each
  batch, loss on target positions only; once whole (``--shards 1``) and once with each
  batch split into ``--shards`` row shards on their own threads (the main job's default
  on CPU: ``brain.train.trainer.Trainer._backward``).
- baseline: as the original project did: ``nn.TransformerEncoder`` (same layers, width,
  heads, FFN, dropout) with a causal mask, every sequence padded to the full 1,024
  positions, loss over every position (padding and source included).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads OpenMP (see brain)

import argparse  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from brain.model.gpt import GPT, GPTConfig  # noqa: E402
from brain.model.tokenizer import CharTokenizer  # noqa: E402
from brain.train.curriculum import (  # noqa: E402
    DEFAULT_LR,
    DEFAULT_MODEL,
    DEFAULT_MUON_LR,
    DEFAULT_OPTIMIZER,
)
from brain.train.data import BatchSource, encode_records, read_jsonl  # noqa: E402
from brain.train.trainer import TrainConfig, Trainer  # noqa: E402
from tests import synth  # noqa: E402


class Baseline(nn.Module):
    """The original architecture: embeddings + nn.TransformerEncoder + a linear head."""

    def __init__(self, c: GPTConfig):
        super().__init__()
        self.wte = nn.Embedding(c.vocab_size, c.n_embd)
        self.wpe = nn.Embedding(c.block_size, c.n_embd)
        layer = nn.TransformerEncoderLayer(c.n_embd, c.n_head, c.n_ffn, c.dropout,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, c.n_layer, enable_nested_tensor=False)
        self.head = nn.Linear(c.n_embd, c.vocab_size)
        mask = nn.Transformer.generate_square_subsequent_mask(c.block_size)
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, idx):
        T = idx.size(1)
        x = self.wte(idx) + self.wpe(torch.arange(T, device=idx.device))
        return self.head(self.encoder(x, mask=self.mask[:T, :T], is_causal=True))


def baseline_rate(examples, order, pad, seconds, config) -> tuple[float, int]:
    """Target tokens/s and steps of the padded, loss-everywhere baseline."""
    torch.manual_seed(0)
    model = Baseline(config).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    full = config.block_size
    steps = useful = 0
    t0 = time.monotonic()
    for batch in order:
        x = torch.full((len(batch), full + 1), pad, dtype=torch.long)
        for b, i in enumerate(batch):
            x[b, :len(examples[i].ids)] = torch.tensor(examples[i].ids)
        logits = model(x[:, :-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)),
                                           x[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        steps += 1
        useful += sum(examples[i].target_tokens for i in batch)
        if time.monotonic() - t0 > seconds and steps >= 3:  # a few steps, however slow
            break
    return useful / (time.monotonic() - t0), steps


def trainer_rate(tok, examples, seconds, config, shards: int) -> tuple[float, int]:
    torch.manual_seed(0)
    model = GPT(replace(config, **DEFAULT_MODEL))
    source = BatchSource(examples, tok.pad, 32, seed=0)
    cfg = TrainConfig(epochs=1, max_minutes=seconds / 60, save_every_epochs=1000,
                      lr=DEFAULT_LR, optimizer=DEFAULT_OPTIMIZER, muon_lr=DEFAULT_MUON_LR,
                      shards=shards)
    with tempfile.TemporaryDirectory() as out:
        state = Trainer(model, tok, source, None, cfg, out, desc="bench").run()
    return state["history"][0]["target_tokens_per_s"], state["step"]


def phase_examples(tok, corpora: Path, phase: int, block: int, n: int):
    path = corpora / f"phase{phase}.jsonl"
    if path.is_file():
        recs, origin = read_jsonl(path), str(path)
    else:
        recs, origin = synth.records(phase, 4 * n, 0, synth.PHASE_STEPS[phase]), "synthetic"
    recs = [r for r in recs if r["split"] == "train"]
    recs = random.Random(phase).sample(recs, min(n, len(recs)))
    return encode_records(tok, recs, block), origin


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpora", type=Path, default=Path("corpora"))
    ap.add_argument("--phases", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--seconds", type=float, default=10.0, help="per side and phase")
    ap.add_argument("--examples", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--shards", type=int, default=2, help="row shards of the second run")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads or os.cpu_count() or 1)
    tok = CharTokenizer()
    config = GPTConfig(vocab_size=len(tok))
    print(f"threads {torch.get_num_threads()}, {args.seconds:g} s per side and phase, "
          f"batch 32, model {GPT(config).num_params():,} parameters", flush=True)
    wide = f"{args.shards} shards"
    print(f"{'phase':>5} {'data':>22} {'mean len':>8} {'trainer tgt tok/s':>18} "
          f"{wide:>10} {'ratio':>6} {'baseline tgt tok/s':>19} {'speed-up':>8}", flush=True)
    for phase in args.phases:
        examples, origin = phase_examples(tok, args.corpora, phase, config.block_size,
                                          args.examples)
        mean = sum(len(e.ids) for e in examples) / len(examples)
        ours, _ = trainer_rate(tok, examples, args.seconds, config, 1)
        sharded, _ = trainer_rate(tok, examples, args.seconds, config, args.shards)
        order = BatchSource(examples, tok.pad, 32, seed=0).epoch(0)
        base, _ = baseline_rate(examples, order, tok.pad, args.seconds, config)
        print(f"{phase:>5} {origin[-22:]:>22} {mean:>8.0f} {ours:>18,.0f} {sharded:>10,.0f} "
              f"{sharded / ours:>5.2f}x {base:>19,.0f} {sharded / base:>7.1f}x", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
