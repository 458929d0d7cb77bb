"""A small decoder-only transformer (GPT) with a KV cache, in one readable file.

Pre-norm blocks (LayerNorm -> causal self-attention -> residual, LayerNorm -> MLP ->
residual), learned token and position embeddings, the output head tied to the token
embedding. Defaults: 2 layers, 4 heads, d_model 128, FFN 512, dropout 0.1, 1,024
positions: about 0.54M parameters, 2.2 MB in float32.

    >>> cfg = GPTConfig(vocab_size=117)
    >>> model = GPT(cfg)
    >>> logits, loss = model(idx, targets)      # targets: -100 wherever no loss is due

Generation (``brain.generate.greedy``) feeds left-padded prompts of mixed lengths with explicit
``positions`` and a key mask ``attn_mask`` (True = a real token), and then one token per
step through a ``KVCache``; a prompt decoded alone and inside a padded batch sees exactly
the same keys and positions.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

IGNORE_INDEX = -100  # target value for positions that carry no loss (prompt, padding)


@dataclass
class GPTConfig:
    vocab_size: int = 117
    block_size: int = 1024  # learned positions: source + target + 3 specials fit
    n_layer: int = 2
    n_head: int = 4
    n_embd: int = 128
    n_ffn: int = 512
    dropout: float = 0.1
    # Rotary position embedding on queries and keys, beside the learned positions: relative
    # offsets make "copy the character after the one I just copied" (how a handle name or a
    # number is carried from the English into the LC-R) easy to learn for a 2-layer model.
    rope: bool = True
    # "Smeared keys": each key also carries a learned share (one per head) of the previous
    # position's key, so a single attention head can find "the character after the one I
    # just wrote" in the source (an induction head in one layer instead of two).
    smear: bool = True

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> GPTConfig:
        # A field a stored config lacks was added later: its checkpoint was trained without it.
        absent = {"smear": False}
        return cls(**absent | {k: d[k] for k in cls.__dataclass_fields__ if k in d})


class KVCache:
    """Per-layer key/value buffers for incremental decoding, appended to in place.

    Buffers are allocated on first use with room for ``capacity`` positions (grown by
    doubling if a caller exceeds it). ``select(rows)`` keeps only some batch rows, so a
    decoder can drop finished sequences instead of computing them to the end.
    """

    def __init__(self, n_layer: int, capacity: int = 0):
        self.n_layer = n_layer
        self.capacity = capacity
        self.k: list[torch.Tensor | None] = [None] * n_layer  # (B, nh, capacity, hs)
        self.v: list[torch.Tensor | None] = [None] * n_layer
        self.last_k: list[torch.Tensor | None] = [None] * n_layer  # (B, nh, 1, hs) unsmeared
        self.lengths = [0] * n_layer

    @property
    def length(self) -> int:
        """Positions already cached (the offset of the next token)."""
        return self.lengths[0]

    def update(self, layer: int, k: torch.Tensor, v: torch.Tensor):
        """Append ``k, v`` (B, nh, T, hs) to ``layer``; return all keys and values so far."""
        start, T = self.lengths[layer], k.size(2)
        buf_k = self.k[layer]
        if buf_k is None or start + T > buf_k.size(2):
            size = max(self.capacity, start + T, 2 * (buf_k.size(2) if buf_k is not None else 0))
            new_k = k.new_zeros(k.size(0), k.size(1), size, k.size(3))
            new_v = torch.zeros_like(new_k)
            if buf_k is not None:
                new_k[:, :, :start] = buf_k[:, :, :start]
                new_v[:, :, :start] = self.v[layer][:, :, :start]
            self.k[layer], self.v[layer] = new_k, new_v
        self.k[layer][:, :, start:start + T] = k
        self.v[layer][:, :, start:start + T] = v
        self.lengths[layer] = start + T
        return self.k[layer][:, :, :start + T], self.v[layer][:, :, :start + T]

    def select(self, rows: torch.Tensor) -> None:
        """Keep only batch ``rows`` (a LongTensor of indices): new row i is old row rows[i].

        Beam search reorders the rows at every step, so this moves as little as it can:
        in place, only the rows with ``rows[i] != i`` (the decoder keeps a hypothesis in its
        parent's row where it can, ``brain.generate.beam``), and only their filled positions."""
        n_rows = len(rows)
        moved = (rows != torch.arange(n_rows, device=rows.device)).nonzero().squeeze(1)
        src = rows.index_select(0, moved)
        for i in range(self.n_layer):
            n = self.lengths[i]
            for bufs in (self.k, self.v) if self.k[i] is not None else ():
                old = bufs[i]
                if n_rows > old.size(0):  # more rows than the buffer has (beam search forks)
                    bufs[i] = old.new_empty((n_rows, *old.shape[1:]))
                    bufs[i][:, :, :n] = old[:, :, :n].index_select(0, rows)
                    continue
                if len(moved):  # the right side is gathered before anything is written
                    old[moved, :, :n] = old[src, :, :n]
                bufs[i] = old[:n_rows]
            if self.last_k[i] is not None:
                self.last_k[i] = self.last_k[i].index_select(0, rows)


def rotary(positions: torch.Tensor, head_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin tables (B, 1, T, hs/2) for rotary embedding at ``positions`` (B, T)."""
    inv_freq = 1.0 / (10000 ** (torch.arange(0, head_size, 2, device=positions.device) / head_size))
    angles = positions.float().unsqueeze(-1) * inv_freq  # (B, T, hs/2)
    return angles.cos().unsqueeze(1), angles.sin().unsqueeze(1)


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate the two halves of each head's channels of ``x`` (B, nh, T, hs)."""
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        assert config.n_embd % config.n_head == 0
        self.n_head = config.n_head
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.smear = nn.Parameter(torch.zeros(config.n_head)) if config.smear else None

    def forward(self, x, mask, layer: int, cache: KVCache | None, rope=None, has_prev=None):
        B, T, C = x.size()  # (B, T, C)
        q, k, v = self.c_attn(x).split(C, dim=2)
        hs = C // self.n_head
        q = q.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        v = v.view(B, T, self.n_head, hs).transpose(1, 2)  # (B, nh, T, hs)
        if self.smear is not None:
            k = self._smear(k, layer, cache, has_prev)
        if rope is not None:  # keys are cached already rotated to their own positions
            q, k = apply_rotary(q, *rope), apply_rotary(k, *rope)
        if cache is not None:
            k, v = cache.update(layer, k, v)  # (B, nh, S, hs), S = cached + T
        # No dropout on the attention weights: on CPU it forces the math kernel (the full
        # T x T matrix plus a Bernoulli mask), 4x slower on 700-character rows; dropout
        # stays on embeddings, attention output and MLP output.
        if mask is None:  # plain causal attention over the whole row (training's fast path)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=T > 1)
        else:  # mask: (B, 1, T, S) bool, True = may attend
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # (B, T, C)
        return self.resid_dropout(self.c_proj(y))

    def _smear(self, k, layer, cache, has_prev):
        """k + smear * (the previous position's key), zero at each sequence's position 0."""
        first = cache.last_k[layer] if cache is not None and cache.lengths[layer] > 0 else None
        if first is None:
            first = torch.zeros_like(k[:, :, :1])
        prev = torch.cat([first, k[:, :, :-1]], dim=2)  # (B, nh, T, hs)
        if cache is not None:
            cache.last_k[layer] = k[:, :, -1:]
        return k + self.smear.view(1, -1, 1, 1) * prev * has_prev  # has_prev: (B, 1, T, 1)


class MLP(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, config.n_ffn)
        self.c_proj = nn.Linear(config.n_ffn, config.n_embd)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        self.mlp = MLP(config)

    def forward(self, x, mask, layer, cache, rope=None, has_prev=None):
        x = x + self.attn(self.ln_1(x), mask, layer, cache, rope, has_prev)
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.block_size, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight  # weight tying: fewer parameters, better fit
        self.apply(self._init_weights)
        # GPT-2's scaled init of the residual projections keeps the residual stream stable.
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module):
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())  # tied weights counted once

    def new_cache(self, capacity: int = 0) -> KVCache:
        return KVCache(self.config.n_layer, capacity)

    def forward(self, idx, targets=None, *, cache=None, positions=None, attn_mask=None):
        """Logits (B, T, vocab) for ``idx`` (B, T); loss when ``targets`` (B, T) is given.

        ``targets`` holds ``-100`` at every position that carries no loss. ``positions``
        (B, T) defaults to ``cache.length + arange(T)``. ``attn_mask`` (B, S) marks real
        keys (True) among all S = cached + T positions; it is combined with causality.
        """
        B, T = idx.size()
        past = cache.length if cache is not None else 0
        if positions is None:
            positions = torch.arange(past, past + T, device=idx.device).unsqueeze(0)
        if int(positions.max()) >= self.config.block_size:
            raise ValueError(
                f"sequence reaches position {int(positions.max())}; "
                f"the model has {self.config.block_size} positions"
            )
        mask = self._mask(B, T, past, attn_mask, idx.device)
        x = self.drop(self.wte(idx) + self.wpe(positions))  # (B, T, C)
        cfg = self.config
        rope = rotary(positions, cfg.n_embd // cfg.n_head) if cfg.rope else None
        has_prev = (positions > 0).to(x.dtype)[:, None, :, None] if cfg.smear else None
        for i, block in enumerate(self.blocks):
            x = block(x, mask, i, cache, rope, has_prev)
        logits = self.lm_head(self.ln_f(x))  # (B, T, vocab)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(
                logits.view(-1, logits.size(-1)).float(), targets.reshape(-1),
                ignore_index=IGNORE_INDEX,
            )
        return logits, loss

    @staticmethod
    def _mask(B, T, past, attn_mask, device):
        """(B, 1, T, S) bool attention mask, or None when plain causality is enough."""
        if attn_mask is None and (past == 0 or T == 1):
            return None  # one new token with a cache may see every cached key
        S = past + T
        q = torch.arange(past, S, device=device).unsqueeze(1)  # (T, 1)
        kpos = torch.arange(S, device=device).unsqueeze(0)  # (1, S)
        causal = kpos <= q  # (T, S)
        if attn_mask is None:
            return causal.view(1, 1, T, S)
        mask = causal.unsqueeze(0) & attn_mask[:, None, :].bool()  # (B, T, S)
        # A padding query would otherwise see no key at all (NaN rows); let every query see
        # itself. Real tokens never attend to padding, so their outputs are unaffected.
        mask |= (kpos == q).unsqueeze(0)
        return mask.unsqueeze(1)
