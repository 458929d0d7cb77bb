#!/usr/bin/env bash
# One prepared run on a lent GPU machine (see /work/.library/device/README.md): the CUDA
# checks, then training runs side by side on the one GPU (this model is far too small to
# fill it, so several processes share it), each cut off before the machine's deadline.
#
#   scripts/gpu_run.sh SECONDS RUN...     RUN is NAME:ARGS, e.g. "r2:--epochs 6,6,16,6"
#
# Expects what the device tool's caller prepared in the repository root (ignored paths
# sent with `carry`): .whl/ (lark and llguidance wheels, missing on that machine's image),
# .carry/corpora.tgz (corpora/, compiled here: saves compiling them there) and optionally
# .carry/phase2-best/ (for runs that start at phase 3). HLXL_CODE_REVISION names the
# commit the tree was sent from (the copy has no .git). Everything comes back under $OUT:
# check.log, logs.tgz (one log per run) and NAME.tgz per run (checkpoints, history, plot).
set -u
budget=${1:?seconds}
shift
deadline=$((SECONDS + budget))
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT/logs"
export PYTHONUNBUFFERED=1
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD
tar xzf .carry/corpora.tgz || exit 1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/check.log"
if [ "${CHECK:-1}" = 1 ]; then  # CHECK=0: skip the CUDA checks (a second run)
    # CHECK_N prompts, at most CHECK_TIMEOUT seconds (the runs start after it)
    timeout "${CHECK_TIMEOUT:-90}" python3 scripts/cuda_check.py --n "${CHECK_N:-64}" \
        >> "$OUT/check.log" 2>&1
    echo "cuda_check exit $?" >> "$OUT/check.log"
fi

for run in "$@"; do
    name=${run%%:*}
    args=${run#*:}
    # A run that starts at phase N starts from the carried .carry/phase(N-1)-best.
    prev=$(sed -nE 's/.*--phase ([0-9]).*/\1/p' <<< "$args")
    prev=$((${prev:-1} - 1))
    if [ -d ".carry/phase$prev-best" ]; then
        mkdir -p "runs/$name/phase$prev" && cp -r ".carry/phase$prev-best" "runs/$name/phase$prev/best"
    fi
    # shellcheck disable=SC2086  # ARGS is a word list on purpose
    timeout -s TERM $((deadline - SECONDS - 30)) \
        python3 -m brain.train --device cuda --corpora corpora --out "runs/$name" $args \
        > "$OUT/logs/$name.log" 2>&1 &
done
wait
nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv >> "$OUT/check.log"
# At most 8 files of 16 MB come back: one archive per run (its final model, its phase-3
# best, history and plot), one of all the logs.
for run in "$@"; do
    name=${run%%:*}
    (cd runs && tar czf "$OUT/$name.tgz" "$name/final" "$name/phase3/best" "$name/phase4/best" \
        "$name/history.json" "$name/loss.png" 2>/dev/null)
done
tar czf "$OUT/logs.tgz" -C "$OUT" logs && rm -rf "$OUT/logs"
echo "done at ${SECONDS}s of ${budget}s"
