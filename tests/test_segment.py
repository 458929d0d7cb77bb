"""Programs clause by clause: ``lcr.clauses.split_clauses`` reads the clauses back, the
model's first characters decide what is a program, and the clauses' translations become one
canonical ``block`` (``brain.generate.segment``)."""

import pytest
import torch

from brain.generate import segment
from brain.generate.translate import translate
from brain.model.tokenizer import CharTokenizer
from lcr import dumps, op, parse
from tests.random_models import random_model


def test_block_of_prints_canonically_and_keeps_what_is_not_lcr():
    a, b = '🜊1000🜁0 "log"🜁1 ⟁x🜂', '🜊1000🜁0 "return"🜁1  ⟁x 🜂'
    assert segment.block_of([a, b]) == dumps(op("block", parse(a), parse(b)))
    assert segment.block_of([a, "🜊oops"]) == f'{segment.BLOCK}🜁1 {a}🜁2 🜊oops🜂'


class Scripted(torch.nn.Module):
    """A stand-in model that answers any prompt with ``answer`` (all but certain of each
    character) or, given ``others``, with any of them: where they part, it is torn evenly
    between those that fit what is written so far."""

    def __init__(self, tok, answer, *others):
        super().__init__()
        self.tok = tok
        self.answers = [tok.encode(a) for a in (answer, *others)]
        self.config = type("C", (), {"block_size": 512})()
        self.w = torch.nn.Parameter(torch.zeros(1))

    def forward(self, idx):
        B, T = idx.shape
        row = idx[0].tolist()
        start = row.index(self.tok.sep) + 1  # first answer position
        logits = torch.zeros(B, T, len(self.tok))
        for t in range(start - 1, T):
            written = row[start:t + 1]
            for a in self.answers:
                if len(written) < len(a) and a[:len(written)] == written:
                    logits[:, t, a[len(written)]] = 30.0
        return logits, None


@pytest.mark.parametrize("answer, expected", [
    ('🜊1000🜁0 "block"🜁1 🜊1000🜁0 "log"🜁1 ⟁x🜂🜂', True),
    ('🜊1000🜁0 "block"', True),
    ('🜊1000🜁0 "blocks"🜂', False),
    ('🜊1000🜁0 "pipeline"🜁1 ⟁x🜂', False),
    ("🜃1, 2🜄", False),
])
def test_starts_block_reads_the_models_first_characters(answer, expected):
    tok = CharTokenizer()
    prompt = tok.encode_prompt("en2lcr", "let x be 1; log x")
    assert segment.starts_block(Scripted(tok, answer), tok, prompt) is expected


@pytest.mark.parametrize("others, expected", [
    # names that part at their first letter, so the model is torn evenly at one character
    (["pipeline"], True),  # block or pipeline, evenly: 0.5
    (["pipeline", "filter", "sort"], True),  # 1/4, above MIN_BLOCK_PROB (0.2)
    (["pipeline", "filter", "sort", "reduce", "count"], False),  # 1/6
])
def test_a_likely_block_start_counts_even_when_not_the_favourite(others, expected):
    """The block start counts by its probability, whichever answer greedy search would
    take: a model torn evenly between a block and k - 1 other operations gives it 1/k."""
    tok = CharTokenizer()
    prompt = tok.encode_prompt("en2lcr", "let x be 1; log x")
    model = Scripted(tok, *(f'🜊1000🜁0 "{name}"🜁1 ⟁x🜂' for name in ["block", *others]))
    p = segment.block_probability(model, tok, prompt)
    assert p == pytest.approx(1 / (1 + len(others)), abs=1e-3)
    assert segment.starts_block(model, tok, prompt) is expected


@pytest.mark.parametrize("program", [True, False])
def test_programs_become_blocks_of_their_clauses_and_order_is_kept(monkeypatch, program):
    tok, model = CharTokenizer(), random_model(1, 1.0)
    sources = ["let x be 1; log x", "read config.yaml", "First, let y be 2. Then log y. "
               "Finally, return y.", "a b"]
    monkeypatch.setattr(segment, "starts_block", lambda *a: program)
    outs = translate(model, tok, sources, max_new_tokens=30)
    whole = translate(model, tok, sources, max_new_tokens=30, segment=False)
    pieces = translate(model, tok, ["let x be 1", "log x", "let y be 2", "log y", "return y"],
                       max_new_tokens=30)
    assert [outs[1], outs[3]] == [whole[1], whole[3]]
    if program:
        assert outs[0] == segment.block_of(pieces[:2])
        assert outs[2] == segment.block_of(pieces[2:])
        assert parse(outs[2]).fields[0][1].value == "block"
    else:
        assert outs == whole
