"""The brain: a tiny character-level transformer that translates English into LC-R.

Modules: ``tokenizer`` (characters <-> ids), ``model`` (decoder-only GPT with a KV cache),
``decode`` (batched greedy generation), ``checkpoint`` (safetensors + JSON, no pickle),
``data`` (records -> length-bucketed batches), ``trainer`` (generic training loop) and
``train`` (the curriculum CLI: ``python -m brain.train``).
"""

import os

# OpenMP threads (torch's CPU parallelism) spin while they wait by default. On a few shared
# cores a spinning thread steals the core its partner needs: a 30x slowdown was measured
# on 2 cores. OpenMP reads this when torch is first imported, so it is set here, before.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
