"""The common half of constraints that follow a reader: ``ReaderConstraint``.

Used by ``brain.constrain.lcb_constraint`` and ``brain.constrain.hlxl_constraint``; the
decoders' constraint protocol is described in ``brain.generate.greedy``. A library module,
no command line.
"""

from __future__ import annotations

import torch


class ReaderConstraint:
    """The protocol's common half for constraints that follow a ``reader`` (an object with
    ``copy()``) and compute ``allowed_ids()``, a set of token ids
    (``brain.constrain.lcb_constraint``, ``brain.constrain.hlxl_constraint``): the mask over the
    vocabulary of ``size`` tokens, and a copy whose reader is its own (beam search forks
    hypotheses)."""

    size: int
    reader: object

    def allowed_ids(self):
        raise NotImplementedError

    def allowed(self) -> torch.Tensor:
        mask = torch.zeros(self.size, dtype=torch.bool)
        mask[list(self.allowed_ids())] = True
        return mask

    def copy(self):
        c = type(self).__new__(type(self))
        c.__dict__.update(self.__dict__)
        c.reader = self.reader.copy()
        return c
