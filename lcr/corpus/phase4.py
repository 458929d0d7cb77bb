"""Phase 4, perfect HLX + English: bidirectional pairs and the three tracks.

- several phrasings of one LC-R: each drawn value gets three ``en2lcr`` records in three
  different styles (formal, casual, terse code-like such as ``db.search("keyword")``,
  verbose, ...) and one ``lcr2en`` record whose target is the canonical phrasing;
- the three tracks: ``lcr2hlxl``, ``hlxl2lcr`` and ``lcr2lcb`` (hex);
- error correction: ``fix`` pairs broken LC-R (an unclosed contract, ASCII ``[...]``
  lists, fields out of order, a surplus close glyph, a missing space) with its canonical
  form.

The values come from the frames of phases 1-3; only the mix (``MIX``) is new.
"""

from __future__ import annotations

from lcr.corpus import phase1, phase2, phase3

FRAMES = {**phase1.FRAMES, **phase2.FRAMES, **phase3.FRAMES}

OPERATIONS = phase1.CORE + phase2.FS + phase2.COLLECTIONS + phase2.CONTROL + phase2.ERRORS \
    + phase2.PATTERNS
VALUES = phase1.SYNTAX
WITH_ARRAYS = ("value_array", "value_nested", "value_literal", "program")

MIX = (
    (40, OPERATIONS, (("en2lcr", 3), "lcr2en")),
    (8, OPERATIONS, ("lcr2en",)),
    (3, ("program",), ("lcr2en",)),
    (6, OPERATIONS + VALUES, ("lcr2hlxl",)),
    (6, OPERATIONS + VALUES, ("hlxl2lcr",)),
    (6, OPERATIONS + VALUES, ("lcr2lcb",)),
    (10, OPERATIONS, ("fix",)),
    (4, WITH_ARRAYS, ("fix",)),
)
