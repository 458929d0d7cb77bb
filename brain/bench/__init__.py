"""Decoding speed benchmarks (``speed``). Command line: ``python -m brain.bench``."""
