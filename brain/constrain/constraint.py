"""Grammar-constrained decoding for LC-R output: every completed output is valid LC-R.

``LCRConstraint`` follows the decoder's protocol (``allowed() -> BoolTensor`` over the
vocabulary, ``advance(token_id)``, and the shortcuts ``allows(token_id)`` and
``allowed_batch``) and stacks four layers:

1. **Syntax** (llguidance): the grammar of ``brain.constrain.lcr_grammar``, i.e.
   ``grammar/lcr.lark`` compiled by Lark and printed for llguidance, depth-unrolled to
   ``MAX_DEPTH`` (or, with ``strict=True``, the catalogue-strict grammar). Each character
   of the tokenizer is presented to llguidance as its UTF-8 bytes; end-of-sequence is the
   tokenizer's eos, allowed only once the value is complete; padding, separator and task
   tokens never are.
2. **Limits a context-free grammar cannot state** (``brain.constrain.tracker.Tracker``):
   strictly ascending field indices, unique object keys, the numeric ranges (64-bit integers,
   contract ids, field indices, finite floats) and ``\\u`` surrogate pairs, the checks
   ``lcr.parser.ToValue`` makes after parsing. The tracker only follows characters
   llguidance already accepted, and forbids the few that would make the value
   unparseable, one step ahead, so there are no dead ends.
3. **Grounding** (``brain.constrain.ground``, only when given the source): handles, numbers
   and texts are spelled as in the source, for the tasks where that holds (``en2lcr``, ``fix``). It
   steps aside for any step where it would leave nothing, and while the budget closes.
4. **Budget**: with ``max_tokens`` characters to go, once fewer than ``SLACK`` plus the
   open containers remain, the constraint closes the value by the shortest route
   (``CLOSING`` order), so an output cut by the budget is still complete.

    cons = make_constraints(tok, prompts, max_new_tokens=400, block_size=1024)
    outs = brain.generate.greedy.generate(model, tok, prompts, max_new_tokens=400,
                                          constraints=cons)
"""

from __future__ import annotations

import functools

import llguidance as llg
import numpy as np
import torch

from brain.constrain.ground import OP_CONTRACT, OP_NAME_FIELD, Grounding
from brain.constrain.lcr_grammar import llguidance_grammar
from brain.constrain.tracker import IDENT, Tracker
from lcr.values import MAX_SIZE

SLACK = 32  # characters kept in reserve (beyond one per open container) to close a value
STRICT_LEVEL, STRICT_SLACK = 80, 48  # strict mode: bound per open container; one step's growth
# Preference when closing a value: finish, close, the shortest value, then fill digits.
CLOSING = ("<eos>", "🜂", "🜄", "◆", "∅", '"', " ", ":", ".", *"0123456789", "_")
WS = frozenset(" \t\r\n")


# ---- presenting the character tokenizer to llguidance ------------------------------------
class _Vocab:
    """The shape ``llguidance.TokenizerWrapper`` expects: one byte string per token."""

    def __init__(self, tok):
        self.eos_token_id, self.bos_token_id = tok.eos, None
        # Specials get llguidance's special-token spelling (0xFF + name): never in text.
        self.tokens = [b"\xff" + s.encode() if i in tok.special_ids else s.encode("utf-8")
                       for i, s in enumerate(tok.vocab)]
        self.special_token_ids = sorted(tok.special_ids)
        self._stoi = tok.stoi

    def __call__(self, text):
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        return [self._stoi[c] for c in text if c in self._stoi]


class _Shared:
    """Per (vocabulary, mode): the llguidance tokenizer, a prototype matcher, id tables."""

    def __init__(self, tok, strict: bool):
        self.vocab = list(tok.vocab)
        self.eos, self.size = tok.eos, len(tok.vocab)
        self.lltok = llg.LLTokenizer(llg.TokenizerWrapper(_Vocab(tok)))
        grammar = llg.LLMatcher.grammar_from_lark(llguidance_grammar(strict))
        self.proto = llg.LLMatcher(self.lltok, grammar, log_level=0)
        if self.proto.is_error():
            raise RuntimeError(f"LC-R grammar rejected by llguidance: {self.proto.get_error()}")
        self.words = (self.size + 31) // 32
        ids = {s: i for i, s in enumerate(self.vocab) if i not in tok.special_ids}
        self.char = [None if i in tok.special_ids else s for i, s in enumerate(self.vocab)]
        self.ids = ids
        self.field_mark = ids.get("🜁")
        self.backslash, self.u = ids.get("\\"), ids.get("u")
        order = [tok.eos if c == "<eos>" else ids.get(c) for c in CLOSING]
        self.closing = [i for i in order if i is not None]
        # Inside text every character is allowed: close the string first; in strict mode
        # an operation name must be spelled: prefer the cheapest operation's letters.
        cheap = cheapest_operation() if strict else ""
        self.closing_text = list(dict.fromkeys(
            [ids['"'], *(ids[c] for c in cheap if c in ids), *self.closing]))
        self.strict = strict
        self.ws_ids = frozenset(i for c, i in ids.items() if c in WS)
        self.ident = np.array([c is not None and c in IDENT for c in self.char], dtype=bool)
        from lcr.schema import catalogue

        self.op_names = frozenset(catalogue())
        self.limit_masks: dict = {}  # Tracker.restrict's masks, per (mode, token, context)
        self.op_masks: dict = {}  # Grounding's masks for operation names, per prefix
        self.executor = llg.LLExecutor(num_threads=1)


@functools.lru_cache(maxsize=8)
def _shared(vocab: tuple, strict: bool) -> _Shared:
    from brain.model.tokenizer import CharTokenizer

    return _Shared(CharTokenizer(vocab=list(vocab)), strict)


def shared(tok, strict: bool = False) -> _Shared:
    return _shared(tuple(tok.vocab), strict)


def unpack(bitmask: np.ndarray, size: int) -> np.ndarray:
    """llguidance's packed int32 masks (B, W) -> bool (B, size)."""
    bits = np.unpackbits(bitmask.view(np.uint8), axis=-1, bitorder="little")
    return bits[..., :size].astype(bool)


# Shortest text of each catalogue kind, to find the operation that is cheapest to close.
KIND_COST = {"null": 1, "bool": 1, "int": 1, "number": 1, "float": 3, "text": 2, "bytes": 1,
             "handle": 2, "array": 2, "object": 2, "any": 1, "contract": 99, "op": 99}


def cheapest_operation() -> str:
    """The catalogue operation with the shortest complete form (ties: by name)."""
    from lcr.schema import arity, catalogue

    def cost(item):
        name, entry = item
        least, _ = arity(name)
        args = entry["args"]
        kinds = [args[min(i, len(args) - 1)]["kinds"] for i in range(least)]
        return len(name) + sum(4 + min(KIND_COST[k] for k in ks) for ks in kinds), name

    return min(catalogue().items(), key=cost)[0]


# ---- layer 2: the limits a context-free grammar cannot state -----------------------------
# ---- the constraint ------------------------------------------------------------------
class LCRConstraint:
    """One output's constraint: llguidance syntax + Tracker limits + budget closing."""

    def __init__(self, tok, max_tokens: int, *, strict: bool = False, source: str | None = None):
        if max_tokens < 1:
            raise ValueError("max_tokens must be at least 1 (the shortest value, ∅)")
        if 4 * max_tokens > MAX_SIZE:  # a character is at most 4 bytes of UTF-8
            raise ValueError(f"max_tokens {max_tokens} could exceed the {MAX_SIZE}-byte limit")
        self.sh = shared(tok, strict)
        self.matcher = self.sh.proto.deep_copy()
        self.tracker = Tracker()
        self.ground = Grounding(source, self.sh) if source is not None else None
        self.ground_skipped = 0  # steps where grounding would have left nothing
        self.remaining = max_tokens
        self.prev_ws = False
        self.text: list[str] = []
        self.strict_closing: bool | None = None  # closing()'s answer in this state (strict)

    def copy(self) -> LCRConstraint:
        """An independent constraint in the same state (beam search forks hypotheses)."""
        c = type(self).__new__(type(self))
        c.sh, c.matcher, c.tracker = self.sh, self.matcher.deep_copy(), self.tracker.copy()
        c.ground = self.ground.copy() if self.ground is not None else None
        c.ground_skipped, c.remaining = self.ground_skipped, self.remaining
        c.prev_ws, c.text = self.prev_ws, list(self.text)
        c.strict_closing = self.strict_closing
        return c

    def closing(self) -> bool:
        """Is the budget so short that the value must now be closed?

        Plain LC-R closes with one character per open container plus a few for the token
        at hand (``SLACK``). Strict mode may owe whole operations (a pipeline's steps), so
        near the end it measures the closing route by playing it on a copy."""
        depth = len(self.tracker.stack)
        if not self.sh.strict:
            return self.remaining <= depth + SLACK
        if self.remaining > STRICT_LEVEL * (depth + 1) + SLACK:
            return False
        if self.strict_closing is None:  # kept until advance(): beam search asks it often
            self.strict_closing = (self.closing_length(self.remaining) + STRICT_SLACK
                                   >= self.remaining)
        return self.strict_closing

    def closing_length(self, limit: int) -> int:
        """Characters the closing route takes from here (at most ``limit + 1`` counted)."""
        probe = self.copy()
        probe.remaining, probe.strict_closing = 0, None
        for n in range(limit + 1):
            bits = np.frombuffer(probe.matcher.compute_bitmask(), dtype=np.int32)
            row = unpack(bits[None, :], self.sh.size)[0]
            probe.tracker.restrict(row, self.sh)
            choice = int(np.flatnonzero(probe._close_choice(row))[0])
            if choice == self.sh.eos:
                return n
            probe.advance(choice)
        return limit + 1

    def _finish(self, row: np.ndarray) -> np.ndarray:
        self.tracker.restrict(row, self.sh)
        closing = self.closing()
        if self.ground is not None and not closing:
            g = self.ground.mask(self.tracker.mode)
            if g is not None:
                if (row & g).any():
                    row &= g
                else:  # never leave nothing: step aside instead
                    self.ground_skipped += 1
        if closing:
            row[:] = self._close_choice(row)
        return row

    def _close_choice(self, row: np.ndarray) -> np.ndarray:
        """One-hot: the first allowed character of the closing order (or the first allowed)."""
        out = np.zeros_like(row)
        text = self.tracker.mode in ("string", "escape")
        for i in self.sh.closing_text if text else self.sh.closing:
            if row[i] and not (self.prev_ws and i in self.sh.ws_ids):
                out[i] = True
                return out
        allowed = [i for i in np.flatnonzero(row) if i not in self.sh.ws_ids]
        allowed = allowed or np.flatnonzero(row)
        if len(allowed):
            out[allowed[0]] = True
        return out

    def allowed_np(self) -> np.ndarray:
        bits = np.frombuffer(self.matcher.compute_bitmask(), dtype=np.int32)
        return self._finish(unpack(bits[None, :], self.sh.size)[0])

    def allowed(self) -> torch.Tensor:
        return torch.from_numpy(self.allowed_np())

    def allows(self, token_id: int) -> bool:
        """A cheap test of one token: True only if ``allowed()`` allows it (False may also
        mean "ask ``allowed()``"). Greedy decoding asks it first about each row's favourite
        token, beam search about each prompt's best candidates (``brain.generate.beam._Masks``);
        only the rows it refuses get full masks."""
        if (self.closing() or self.matcher.validate_tokens([token_id]) != 1
                or not self.tracker.allows(token_id, self.sh)):
            return False
        g = self.ground.mask(self.tracker.mode) if self.ground is not None else None
        return g is None or bool(g[token_id])

    def advance(self, token_id: int) -> None:
        token_id = int(token_id)
        if not self.matcher.consume_token(token_id):
            raise ValueError(f"token {self.sh.vocab[token_id]!r} is not valid LC-R here "
                             f"after {''.join(self.text)!r}: {self.matcher.get_error()}")
        c = self.sh.char[token_id]
        if self.ground is None:
            self.tracker.advance(c)
        else:
            before = self.tracker.mode
            op_name = self.tracker.at_field(OP_CONTRACT, OP_NAME_FIELD)
            self.tracker.advance(c)
            self.ground.advance(c, before, self.tracker.mode, op_name)
        self.text.append(c)
        self.prev_ws = c in WS
        self.remaining -= 1
        self.strict_closing = None

    def is_complete(self) -> bool:
        return self.matcher.is_accepting()

    @classmethod
    def allowed_batch(cls, constraints) -> torch.Tensor:
        """(B, V) bool masks for many constraints at once (llguidance fills them in Rust)."""
        sh = constraints[0].sh
        bitmask = np.full((len(constraints), sh.words), -1, dtype=np.int32)
        by_shared: dict[int, list] = {}
        for j, c in enumerate(constraints):
            by_shared.setdefault(id(c.sh), []).append((c.matcher, j))
        for c_list in by_shared.values():
            csh = constraints[c_list[0][1]].sh
            csh.executor.unsafe_compute_mask_ptr(c_list, bitmask.ctypes.data, sh.words * 4,
                                                 len(constraints))
        rows = unpack(bitmask, sh.size)
        for j, c in enumerate(constraints):
            c._finish(rows[j])
        return torch.from_numpy(rows)


def make_constraints(tok, prompts, *, max_new_tokens: int, block_size: int,
                     strict: bool = False, sources=None, cls=None) -> list[LCRConstraint]:
    """One constraint per prompt, with the budget ``brain.generate.greedy`` will give that
    prompt; with ``sources`` (the prompts' texts) slot values are grounded in them
    (``brain.constrain.ground``)."""
    sources = sources if sources is not None else [None] * len(prompts)
    cls = cls or LCRConstraint
    return [cls(tok, max(1, min(max_new_tokens, block_size - len(p) + 1)), strict=strict,
                source=s) for p, s in zip(prompts, sources, strict=True)]
