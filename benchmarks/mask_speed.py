"""Time one decoding step's mask: llguidance (the constraint we ship) vs Lark's interactive
parser (``lark_mask``: every character tried), on the prefixes of real LC-R targets.

    python benchmarks/mask_speed.py                 # corpus test targets, 20 of them
    python benchmarks/mask_speed.py --n 5 --json reports/mask_speed.json

Reported per step (one prefix -> a mask over the whole vocabulary): llguidance's mask
alone, the full constraint (llguidance + limits tracker, as decoding runs it), the strict
(catalogue) grammar, and Lark. The Lark figure uses ``accepts()`` memoised per parser
state, i.e. already a favourable version of that approach.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from brain.constrain.constraint import LCRConstraint  # noqa: E402
from brain.model.tokenizer import CharTokenizer  # noqa: E402
from tests.lark_mask import mask  # noqa: E402


def targets(corpora: Path, n: int) -> list[str]:
    out = []
    for f in sorted(corpora.glob("phase*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if r["split"] == "test" and r["task"] == "en2lcr":
                out.append(r["target"])
    out = out or ['🜊1000🜁0 "filter"🜁1 ⟁users🜁2 🜊1000🜁0 "gt"🜁1 ⟁age🜁2 18🜂🜂']
    return out[:: max(1, len(out) // n)][:n]


def per_step_llguidance(tok, texts, strict=False, full=True) -> list[float]:
    times = []
    for text in texts:
        c = LCRConstraint(tok, 4096, strict=strict)
        for ch in text:
            t0 = time.perf_counter()
            if full:
                c.allowed_np()
            else:
                c.matcher.compute_bitmask()
            times.append(time.perf_counter() - t0)
            c.advance(tok.stoi[ch])
    return times


def per_step_lark(tok, texts, max_steps) -> list[float]:
    chars = [s for i, s in enumerate(tok.vocab) if i not in tok.special_ids]
    times = []
    for text in texts:
        for k in range(min(len(text), max_steps)):
            t0 = time.perf_counter()
            mask(text[:k], chars)
            times.append(time.perf_counter() - t0)
    return times


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpora", default="corpora")
    ap.add_argument("--n", type=int, default=20, help="targets to walk through")
    ap.add_argument("--lark-steps", type=int, default=40, help="Lark: steps per target")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    tok = CharTokenizer()
    texts = targets(Path(args.corpora), args.n)
    rows = {
        "llguidance mask": per_step_llguidance(tok, texts, full=False),
        "constraint (llguidance + tracker)": per_step_llguidance(tok, texts),
        "strict constraint": per_step_llguidance(tok, texts, strict=True),
        "Lark interactive, every character": per_step_lark(tok, texts, args.lark_steps),
    }
    summary = {k: {"steps": len(v), "median_us": round(statistics.median(v) * 1e6, 1),
                   "mean_us": round(statistics.fmean(v) * 1e6, 1)} for k, v in rows.items()}
    print("| engine | steps | median µs/step | mean µs/step |\n|---|---|---|---|")
    for k, v in summary.items():
        print(f"| {k} | {v['steps']} | {v['median_us']} | {v['mean_us']} |")
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
