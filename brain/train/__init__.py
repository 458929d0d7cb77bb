"""Training: the curriculum (``curriculum``), the loop (``trainer``), data (``data``), the
Muon optimizer (``muon``), history (``history``) and weight merging (``merge``). Command
line: ``python -m brain.train`` (and ``python -m brain.merge``)."""
