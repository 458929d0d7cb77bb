"""Evaluation: held-out scoring beside a nearest-neighbour baseline (``heldout``) and the
per-epoch task metrics of training (``task_metrics``). Command line:
``python -m brain.evaluate``."""
