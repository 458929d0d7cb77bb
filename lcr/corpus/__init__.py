"""The corpus compiler's parts: vocabularies and draws (``vocab``), English phrasing
(``render``), the four phases' frames (``phase1`` ... ``phase4``), tasks and record checks
(``records``), splits and held-out generalization sets (``splits``), statistics
(``stats``). The command line is ``python -m lcr.compile``.
"""
