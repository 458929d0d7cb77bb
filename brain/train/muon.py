"""Muon for the hidden weight matrices, AdamW for everything else, as one optimizer.

Muon (Keller Jordan, 2024) takes SGD-momentum's update of a weight matrix and replaces it
by the nearest semi-orthogonal matrix (five Newton-Schulz iterations), so every direction
of the matrix learns at the same rate. It reaches a given loss in fewer steps than AdamW
on transformer blocks; embeddings, the output head and the 1-D parameters (biases,
norms, smear weights) stay with AdamW.

    opt = MuonAdamW(model, lr=3e-3, muon_lr=0.02, weight_decay=0.01)
    opt.executor = pool  # optional: orthogonalize the matrices of each shape in parallel

Param groups carry ``kind`` ("muon" or "adamw") and ``lr_scale``; a trainer that sets
``group["lr"] = base * group["lr_scale"]`` drives both with one schedule. All state is
tensors in ``self.state`` (``state_dict`` round-trips; resumed runs are exact).
"""

from __future__ import annotations

import torch

NS_COEFFS = (3.4445, -4.7750, 2.0315)  # the quintic iteration of the reference implementation


def orthogonalize(g: torch.Tensor, steps: int = 5) -> torch.Tensor:
    """An approximately semi-orthogonal matrix with ``g``'s singular vectors (Newton-Schulz).
    ``g``: (rows, cols), or (n, rows, cols) for n matrices of one shape at once."""
    a, b, c = NS_COEFFS
    # bfloat16 on CUDA, as the reference runs it: the iteration only needs a rough orthogonal
    # factor. float32 on CPU: a CPU without bf16 instructions emulates them, and on an AVX2-only
    # core the iteration took 42.9 ms in bf16 against 3.7 ms in fp32 (512 x 128; the whole
    # training step 3x slower), while a CPU with them gains only 1.0 ms (1.9 vs 2.9 ms).
    x = g.to(torch.bfloat16 if g.is_cuda else torch.float32)
    tall = x.size(-2) > x.size(-1)
    if tall:
        x = x.mT
    x = x / (x.norm(dim=(-2, -1), keepdim=True) + 1e-7)
    for _ in range(steps):
        s = x @ x.mT
        x = a * x + (b * s + c * s @ s) @ x
    return (x.mT if tall else x).to(g.dtype)


def muon_params(model) -> tuple[list, list]:
    """(matrices inside the blocks, everything else): Muon's and AdamW's parameters."""
    muon, rest = [], []
    for name, p in model.named_parameters():
        (muon if p.dim() == 2 and name.startswith("blocks.") else rest).append(p)
    return muon, rest


class MuonAdamW(torch.optim.Optimizer):
    def __init__(self, model, *, lr: float, muon_lr: float, weight_decay: float,
                 betas=(0.9, 0.99), momentum: float = 0.95, eps: float = 1e-8):
        muon, rest = muon_params(model)
        decay = [p for p in rest if p.dim() >= 2]
        no_decay = [p for p in rest if p.dim() < 2]
        groups = [
            {"params": muon, "kind": "muon", "lr_scale": muon_lr / lr,
             "weight_decay": weight_decay},
            {"params": decay, "kind": "adamw", "lr_scale": 1.0, "weight_decay": weight_decay},
            {"params": no_decay, "kind": "adamw", "lr_scale": 1.0, "weight_decay": 0.0},
        ]
        super().__init__([g for g in groups if g["params"]],
                         {"lr": lr, "betas": betas, "momentum": momentum, "eps": eps})
        self.executor = None  # a concurrent.futures executor for the Newton-Schulz steps

    # The step works on lists (torch._foreach_*) and on stacks of same-shaped matrices, so
    # one step launches a few dozen kernels instead of about a thousand: on a GPU this tiny
    # model's step is bound by kernel launches. On CPU the results are bit-identical to
    # the one-tensor-at-a-time loop (tests/test_brain_train.py).
    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            lr = group["lr"]
            torch._foreach_mul_(params, 1 - lr * group["weight_decay"])
            if group["kind"] == "muon":
                self._muon(params, lr, group["momentum"])
            else:
                self._adamw(params, lr, group["betas"], group["eps"])

    def _muon(self, params, lr, momentum):
        for p in params:
            if not self.state[p]:
                self.state[p]["momentum"] = torch.zeros_like(p)
        grads = [p.grad for p in params]
        bufs = [self.state[p]["momentum"] for p in params]
        torch._foreach_lerp_(bufs, grads, 1 - momentum)
        nesterov = torch._foreach_lerp(grads, bufs, momentum)
        by_shape: dict[tuple, list[int]] = {}
        for i, p in enumerate(params):
            by_shape.setdefault(tuple(p.shape), []).append(i)
        stacks = [torch.stack([nesterov[i] for i in idx]) for idx in by_shape.values()]
        # (n, rows, cols) per shape; the shapes are independent, so a trainer that runs on
        # several threads (Trainer's shards) lends them here too: same result, in parallel.
        run = self.executor.map if self.executor is not None else map
        for ((rows, cols), idx), updates in zip(by_shape.items(), run(orthogonalize, stacks),
                                                strict=True):
            scale = -lr * max(1.0, rows / cols) ** 0.5
            for i, update in zip(idx, updates, strict=True):
                params[i].add_(update, alpha=scale)

    def _adamw(self, params, lr, betas, eps):
        by_step: dict[float, list] = {}  # params that have taken the same number of steps
        for p in params:
            state = self.state[p]
            if not state:
                state["step"] = torch.zeros((), dtype=torch.float64)
                state["exp_avg"] = torch.zeros_like(p)
                state["exp_avg_sq"] = torch.zeros_like(p)
            state["step"] += 1
            by_step.setdefault(float(state["step"]), []).append(p)
        b1, b2 = betas
        for t, ps in by_step.items():
            grads = [p.grad for p in ps]
            exp_avg = [self.state[p]["exp_avg"] for p in ps]
            exp_avg_sq = [self.state[p]["exp_avg_sq"] for p in ps]
            torch._foreach_lerp_(exp_avg, grads, 1 - b1)
            torch._foreach_mul_(exp_avg_sq, b2)
            torch._foreach_addcmul_(exp_avg_sq, grads, grads, value=1 - b2)
            denom = torch._foreach_div(exp_avg_sq, 1 - b2 ** t)
            torch._foreach_sqrt_(denom)
            torch._foreach_add_(denom, eps)
            torch._foreach_addcdiv_(ps, exp_avg, denom, value=-lr / (1 - b1 ** t))


def make_optimizer(model, name: str, lr: float, muon_lr: float, weight_decay: float):
    """The trainer's optimizer: ``muon`` (MuonAdamW) or ``adamw`` (AdamW, no weight decay
    on vectors: biases, norms)."""
    if name == "muon":
        return MuonAdamW(model, lr=lr, muon_lr=muon_lr, weight_decay=weight_decay)
    if name == "adamw":
        decay = [p for p in model.parameters() if p.dim() >= 2]
        no_decay = [p for p in model.parameters() if p.dim() < 2]
        return torch.optim.AdamW([{"params": decay, "weight_decay": weight_decay},
                                  {"params": no_decay, "weight_decay": 0.0}],
                                 lr=lr, betas=(0.9, 0.99))
    raise ValueError(f"unknown optimizer {name!r} (adamw or muon)")
