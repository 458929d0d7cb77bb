"""``python -m brain.merge``: the command line of ``brain.train.merge``."""
