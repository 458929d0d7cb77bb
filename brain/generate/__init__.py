"""Decoding and translation: batching (``batching``), greedy (``greedy``) and beam search
(``beam``), clause-by-clause programs (``segment``), ``translate``, scores (``score``) and
the API (``api.Translator``). Command line: ``python -m brain.generate``."""
