#!/usr/bin/env bash
# Grading speed with the release build, best of N runs (default 5):
#   an answers exercise graded (target < 1 s) and self-checked (target < 0.5 s),
#   and every code exercise graded, compilation included (target < 10 s).
# Usage: bench/grading.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
swift build -c release --product capas >/dev/null
capas=.build/release/capas

best_ms() {
    local best=""
    for _ in $(seq "$runs"); do
        local start end ms
        start=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        end=$(date +%s%N)
        ms=$(( (end - start) / 1000000 ))
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    echo "$best"
}

printf '%-48s %8s %8s\n' "what" "best ms" "target"
for id in $(ls grading); do
    [ -f "grading/$id/rubric.json" ] || continue
    kind=$(python3 -c "import json,sys; print(json.load(open('grading/$id/rubric.json'))['kind'])")
    case "$kind" in
        answers)
            printf '%-48s %8s %8s\n' "capas grade solutions/$id" "$(best_ms "$capas" grade "solutions/$id")" "1000"
            printf '%-48s %8s %8s\n' "capas check (exercises/$id)" "$(best_ms "$capas" check "$id" --submission exercises)" "500"
            ;;
        code)
            printf '%-48s %8s %8s\n' "capas grade solutions/$id" "$(best_ms "$capas" grade "solutions/$id")" "10000"
            ;;
    esac
done
