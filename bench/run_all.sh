#!/usr/bin/env bash
# Run every qnas benchmark against its peers, one after the other (never concurrently).
#
#   bash bench/run_all.sh                  # default sizes, about 5 minutes on 2 cores
#   bash bench/run_all.sh --quick          # small sizes only (~1 minute; *_quick.json)
#   bash bench/run_all.sh --full           # + PennyLane at 16 qubits, longer budgets (~10 min)
#
# Sets up bench/.venv-peers first (idempotent), then writes bench/results/*.json.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
PY="${PY:-$ROOT/.venv/bin/python}"
MODE="${1:-}"

bash "$HERE/setup_peers.sh"
case "$MODE" in
    --quick)
        "$PY" "$HERE/bench_train_step.py" --sizes 4x256,10x64 --budget-s 4 \
            --out "$HERE/results/train_step_quick.json"
        "$PY" "$HERE/bench_large_state.py" --max-qubits 20 --budget-s 3 \
            --out "$HERE/results/large_state_quick.json"
        ;;
    --full)
        "$PY" "$HERE/bench_train_step.py" --full --qnas-expval
        "$PY" "$HERE/bench_large_state.py" --budget-s 20
        ;;
    "")
        "$PY" "$HERE/bench_train_step.py"
        "$PY" "$HERE/bench_large_state.py"
        ;;
    *)
        echo "usage: bash bench/run_all.sh [--quick|--full]" >&2
        exit 2
        ;;
esac
