#!/usr/bin/env bash
# How long the REPL takes to read a model of N layer lines, piped in, for
# several N: with each line analysed on its own the time grows linearly
# (twice the lines, about twice the time), not quadratically.
# Usage: bench/repl-scale.sh [N…]   (default: 1000 2000 4000 8000)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product capas >/dev/null
capas=$PWD/.build/release/capas
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1000 2000 4000 8000)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%8s %10s %14s\n' lines seconds "µs per line"
for n in "${sizes[@]}"; do
    { echo "input 64"; for ((i = 0; i < n; i++)); do echo relu; done; } > "$work/in"
    start=$(date +%s.%N)
    "$capas" < "$work/in" > /dev/null
    end=$(date +%s.%N)
    python3 -c "import sys; s = float(sys.argv[2]) - float(sys.argv[1]); print(f'{int(sys.argv[3]):8d} {s:10.2f} {s / int(sys.argv[3]) * 1e6:14.0f}')" "$start" "$end" "$n"
done
