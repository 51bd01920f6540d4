#!/usr/bin/env bash
# REPL responsiveness with the release build, best of N runs (default 5):
#   start-up to the first prompt on a terminal (a pseudo-terminal, through Python's pty module),
#   start-up to answering one piped line, both against a target of 100 ms;
#   and the time per line when 10,000 layer and calculator lines are piped in (target < 5 ms).
# Usage: bench/repl.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
swift build -c release --product capas >/dev/null
capas=$PWD/.build/release/capas
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work LANG=C.UTF-8 OPENBLAS_NUM_THREADS=1

# Milliseconds of the fastest of $runs runs of a command (standard input from $1).
best_ms() {
    local input=$1; shift
    local best=""
    for _ in $(seq "$runs"); do
        local start end ms
        start=$(date +%s%N)
        "$@" <"$input" >/dev/null 2>&1 || true
        end=$(date +%s%N)
        ms=$(( (end - start) / 1000000 ))
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    echo "$best"
}

# Start-up to the first "capas> " on a pseudo-terminal, fastest of $runs, in ms.
prompt_ms=$(python3 - "$capas" "$runs" <<'PY'
import os, pty, select, sys, time
capas, runs = sys.argv[1], int(sys.argv[2])
best = None
for _ in range(runs):
    start = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(capas, [capas])
    seen = b""
    while b"capas> " not in seen:
        ready, _, _ = select.select([fd], [], [], 10)
        if not ready:
            break
        try:
            seen += os.read(fd, 4096)
        except OSError:
            break
    elapsed = (time.monotonic() - start) * 1000
    os.write(fd, b"\x04")
    os.waitpid(pid, 0)
    os.close(fd)
    best = elapsed if best is None else min(best, elapsed)
print(int(round(best)))
PY
)

printf 'input 28x28x1\n' >"$work/one.in"
cycle='input 28x28x1
conv 10 5x5
maxpool 2
:undo
:undo
A = [[1,2,3],[4,5,6],[7,8,9]]
conv(A, [[1,0],[0,1]])
softmax([3.2, 5.1, -1.7])
outsize(n=28, f=5, p=0, s=1)
params(f=5, c=3, k=16)'
for _ in $(seq 1000); do echo "$cycle"; done >"$work/many.in"
lines=$(wc -l <"$work/many.in")

one_ms=$(best_ms "$work/one.in" "$capas")
many_ms=$(best_ms "$work/many.in" "$capas")
per_line=$(python3 -c "print(f'{max(0, $many_ms - $one_ms) / $lines:.3f}')")

printf '%-52s %10s %8s\n' "what" "measured" "target"
printf '%-52s %7s ms %5s ms\n' "start-up to the first prompt (terminal)" "$prompt_ms" "100"
printf '%-52s %7s ms %5s ms\n' "start-up and one piped line answered" "$one_ms" "100"
printf '%-52s %7s ms %5s ms\n' "$lines piped lines (layers and calculator), total" "$many_ms" "—"
printf '%-52s %7s ms %5s ms\n' "per line (total minus start-up, over $lines)" "$per_line" "5"
