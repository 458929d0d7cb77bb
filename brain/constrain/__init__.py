"""Constraints for decoding, one per output track: LC-R (``constraint``, on llguidance with
``lcr_grammar``; ``tracker`` and ``ground`` keep slot values to the input), LC-B
(``lcb_reader``, ``lcb_constraint``) and HLXL (``hlxl_reader``, ``hlxl_constraint``).
Library only; ``python -m brain.generate`` applies them."""
