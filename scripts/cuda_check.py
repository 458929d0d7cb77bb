"""CUDA checks for a machine with a GPU (the CPU test suite cannot run them).

    python scripts/cuda_check.py                    # shipped model, corpora/ test split
    python scripts/cuda_check.py --n 64 --checkpoint runs/x

Runs, on the CUDA device, what the tests check on CPU, and prints one line per check:

1. KV-cache greedy decoding equals full-recompute decoding token for token (unconstrained,
   so nothing but the model decides), shipped model, ``--n`` test prompts.
2. Constrained decoding (greedy and beam 4) on CUDA gives parseable LC-R for every prompt,
   and how many greedy outputs equal the CPU's (float rounding may flip near-ties).
3. A training step under bf16 autocast lowers the loss on a fixed batch (20 steps).
4. A checkpoint saved from CUDA loads on CPU with identical tensors.

and two figures: the trainer's step time on CUDA at batch 32 (the default recipe), and
greedy constrained decoding speed (characters, i.e. tokens, per second) on CUDA beside the
CPU in this process. Exit 1 if a
check fails. ``scripts/gpu_run.sh`` runs this first on a lent GPU machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from brain.generate.greedy import generate  # noqa: E402
from brain.generate.translate import translate  # noqa: E402
from brain.model import checkpoint  # noqa: E402
from brain.train.data import read_jsonl  # noqa: E402
from brain.train.muon import MuonAdamW  # noqa: E402
from lcr import LCRError, parse  # noqa: E402
from lcr.resources import checkpoint_dir  # noqa: E402


def report(name: str, ok: bool, detail: str, failed: list) -> None:
    print(f"[{'ok' if ok else 'FAIL'}] {name}: {detail}", flush=True)
    if not ok:
        failed.append(name)


def test_sources(corpora: Path, n: int) -> list[str]:
    """The first ``n`` en2lcr test sources, spread evenly over the phases found."""
    phases = sorted(corpora.glob("phase*.jsonl"))
    per = max(1, n // max(1, len(phases)))
    out = []
    for path in phases:
        recs = [r for r in read_jsonl(path) if r["split"] == "test" and r["task"] == "en2lcr"]
        out += [r["source"] for r in recs[:per]]
    return out


def timed(fn):
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    result = fn()
    torch.cuda.synchronize()
    return result, time.perf_counter() - t0


def check_decoding(model_gpu, model_cpu, tok, sources, failed) -> None:
    prompts = [tok.encode_prompt("en2lcr", s) for s in sources]
    cached = generate(model_gpu, tok, prompts, max_new_tokens=200, batch_size=32)
    full = generate(model_gpu, tok, prompts, max_new_tokens=200, batch_size=32,
                    use_cache=False)
    same = sum(a == b for a, b in zip(cached, full, strict=True))
    report("KV cache == full recompute (CUDA)", same == len(prompts),
           f"{same}/{len(prompts)} identical", failed)
    gpu, t_gpu = timed(lambda: translate(model_gpu, tok, sources, batch_size=64, beam=1))
    t0 = time.perf_counter()
    cpu = translate(model_cpu, tok, sources, batch_size=64, beam=1)
    t_cpu = time.perf_counter() - t0
    beam = translate(model_gpu, tok, sources, batch_size=64, beam=4)
    bad = 0
    for text in gpu + beam:
        try:
            parse(text)
        except LCRError:
            bad += 1
    report("constrained outputs parse (CUDA, greedy + beam 4)", bad == 0,
           f"{2 * len(sources) - bad}/{2 * len(sources)} parse", failed)
    agree = sum(a == b for a, b in zip(gpu, cpu, strict=True))
    chars = sum(len(t) for t in gpu)
    print(f"       greedy CUDA vs CPU: {agree}/{len(sources)} identical outputs; "
          f"{chars / t_gpu:,.0f} vs {chars / t_cpu:,.0f} chars/s "
          f"({t_gpu:.1f} s vs {t_cpu:.1f} s)", flush=True)


def check_training(model_cpu, tok, failed) -> None:
    model = type(model_cpu)(model_cpu.config).cuda().train()
    model.load_state_dict(model_cpu.state_dict())
    opt = MuonAdamW(model, lr=1e-3, muon_lr=0.005, weight_decay=0.01)
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(10, len(tok), (32, 300), generator=gen).cuda()  # (B, T)
    losses = []

    def step():
        with torch.autocast("cuda", dtype=torch.bfloat16):
            _, loss = model(x, x)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.item()

    for _ in range(20):
        losses.append(step())
    report("bf16 training steps lower the loss (CUDA)", losses[-1] < 0.7 * losses[0],
           f"{losses[0]:.3f} -> {losses[-1]:.3f}", failed)
    _, t = timed(lambda: [step() for _ in range(50)])
    print(f"       trainer step, batch 32 x 300 tokens, bf16: {1000 * t / 50:.1f} ms", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint.save(Path(tmp) / "c", model, tok, {"note": "cuda check"})
        back, _, _ = checkpoint.load(Path(tmp) / "c", device="cpu")
    same = all(torch.equal(a.cpu(), b) for a, b in
               zip(model.state_dict().values(), back.state_dict().values(), strict=True))
    report("checkpoint saved from CUDA loads on CPU unchanged", same,
           f"{len(model.state_dict())} tensors", failed)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", default=str(checkpoint_dir()))
    ap.add_argument("--corpora", type=Path, default=Path("corpora"))
    ap.add_argument("--n", type=int, default=128, help="test prompts (spread over phases)")
    args = ap.parse_args(argv)
    if not torch.cuda.is_available():
        print("error: no CUDA device", file=sys.stderr)
        return 2
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name()}", flush=True)
    model_cpu, tok, _ = checkpoint.load(args.checkpoint, device="cpu")
    model_gpu, _, _ = checkpoint.load(args.checkpoint, device="cuda")
    failed: list[str] = []
    check_decoding(model_gpu, model_cpu, tok, test_sources(args.corpora, args.n), failed)
    check_training(model_cpu, tok, failed)
    print("all CUDA checks passed" if not failed else f"FAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
