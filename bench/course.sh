#!/usr/bin/env bash
# Trains each model exercise's master solution from its recipe, as a learner
# would, and prints the training time and the test accuracy the grader measures.
# Usage: bench/course.sh [EXERCISE…]   (default: every model exercise)
#   KEEP=1 copies each trained model.safetensors into solutions/EXERCISE/ (the
#   master checkpoint; exercise 11's needs CIFAR-10 installed).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product capas >/dev/null
capas=$PWD/.build/release/capas
exercises=("$@")
if [ ${#exercises[@]} -eq 0 ]; then
    for rubric in grading/*/rubric.json; do
        kind=$(python3 -c "import json; print(json.load(open('$rubric'))['kind'])")
        [ "$kind" = model ] && exercises+=("$(basename "$(dirname "$rubric")")")
    done
fi
printf '%-26s %10s %10s\n' exercise seconds accuracy
for id in "${exercises[@]}"; do
    work=$(mktemp -d)
    cp "solutions/$id/model.capas" "$work/"
    args=$(python3 - "solutions/$id/recipe.txt" <<'PY'
import sys
flags = {"epochs": "--epochs", "batch": "--batch", "optimizer": "--optimizer", "lr": "--lr", "seed": "--seed", "weight_decay": "--weight-decay"}
out = []
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if "=" in line:
        k, v = [p.strip() for p in line.split("=", 1)]
        if k in flags: out += [flags[k], v]
        if k == "augment" and v.lower() in ("1", "true", "yes"): out.append("--augment")
print(" ".join(out))
PY
)
    start=$(date +%s.%N)
    "$capas" train "$work/model.capas" $args --out "$work" >/dev/null
    end=$(date +%s.%N)
    accuracy=$(python3 -c "import json; h = json.load(open('$work/history.json')); print(h[-1]['testAccuracy'] if isinstance(h, list) else h['epochs'][-1]['testAccuracy'])" 2>/dev/null || echo "?")
    printf '%-26s %10.1f %10s\n' "$id" "$(python3 -c "print($end - $start)")" "$accuracy"
    if [ "${KEEP:-0}" = 1 ]; then cp "$work/model.safetensors" "solutions/$id/model.safetensors"; fi
    rm -rf "$work"
done
