#!/usr/bin/env bash
# Fuzzing the REPL: 100,000 random and mutated entries (commands, presets,
# layers, calculations, broken brackets, huge numbers, escapes, CJK) piped
# through the release build. Passes when capas ends by itself (status 0 or 1,
# never a signal) in under 60 s; prints the time. The same kind of lines run in
# the test suite (Tests/CapasREPLTests/ReplFuzzTests.swift, 3,000 by default).
# Usage: bench/repl-fuzz.sh [LINES] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-100000}
seed=${2:-20261206}
swift build -c release --product capas >/dev/null
capas=$PWD/.build/release/capas
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work LANG=C.UTF-8 OPENBLAS_NUM_THREADS=1

python3 - "$lines" "$seed" Tests/CapasREPLTests/Transcripts >"$work/fuzz.in" <<'PY'
import os, random, sys
count, seed, folder = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = random.Random(seed)
seeds = []
for name in sorted(os.listdir(folder)):
    if name.endswith(".in"):
        seeds += [l for l in open(os.path.join(folder, name), encoding="utf-8").read().split("\n") if l and not l.startswith("#")]
commands = [":help", ":summary", ":explain", ":model", ":undo", ":reset", ":new", ":use", ":models", ":compare", ":preset",
            ":presets", ":step", ":show", ":filters", ":vars", ":history", ":time", ":lang"]
seeds += commands + [c + " 1" for c in commands] + [":preset resnet18", ":preset lstm", "A = [[1, 2], [3, 4]]",
          "K = [[1, 0], [0, -1]]", ":step conv(A, K) at 0 0", "conv 10 5x5 stride=2 pad=same relu", "p = 0,5", "help conv", "_ + 1"]
skipped = [":train", ":entrena", ":save", ":guarda", ":load", ":carga", ":plot", ":grafica", ":gráfica", ":quit", ":q", ":exit",
           ":salir", "exit", "quit", "salir",
           # :history prints every entry so far: 100,000 of them would make the output quadratic.
           ":hist", "%hist"]
alphabet = list("0123456789abcxyz xX=,.;:[](){}-+*/^_#?!\"'\\|<>ñé東京\u0301\t×·→") + ["\x1b"]
big = ["0", "-1", "99999999999999999999", "1e308", "65536", "3000000000", "-0", "nan", "1e-320"]
def mutate(line):
    c = list(line)
    for _ in range(rng.randint(1, 4)):
        k = rng.randrange(8)
        if k == 0 and c: del c[rng.randrange(len(c))]
        elif k == 1: c.insert(rng.randint(0, len(c)), rng.choice(alphabet))
        elif k == 2 and c:
            i = rng.randrange(len(c))
            if c[i].isdigit(): c[i:i + 1] = list(rng.choice(big))
        elif k == 3 and len(c) > 2:
            a = rng.randrange(len(c)); b = rng.randrange(a, len(c)); c[rng.randint(0, len(c)):0] = c[a:b + 1]
        elif k == 4 and c: c = c[:rng.randrange(len(c))]
        elif k == 5: c += list(" " + rng.choice(seeds))
        elif k == 6:
            p = rng.choice(["(", "[", "{", "", ":time ", "help ", "?"])
            c = list(p) + c
            # Mostly closed again: an open bracket makes the next lines (up to 1,000) one entry.
            if p in ("(", "[", "{") and rng.random() < 0.9: c.append({"(": ")", "[": "]", "{": "}"}[p])
        else: c.append(rng.choice(alphabet))
    return "".join(c)
out = []
while len(out) < count:
    k = rng.randrange(10)
    line = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) if k == 0 else rng.choice(seeds) if k < 3 else mutate(rng.choice(seeds))
    if any(s in line.lower() for s in skipped): continue
    # Close what the line left open, but for 1 line in 200: an open bracket
    # makes the next lines one entry (up to 1,000, then it is dropped).
    if rng.random() >= 0.005:
        opened = []
        for ch in line.split("#")[0]:
            if ch in "([{": opened.append({"(": ")", "[": "]", "{": "}"}[ch])
            elif ch in ")]}" and opened: opened.pop()
        line += "".join(reversed(opened))
    out.append(line)
    if len(out) % 500 == 0: out.append(":reset")  # models do not grow without end
sys.stdout.write("\n".join(out) + "\n")
PY

start=$(date +%s%N)
status=0
"$capas" <"$work/fuzz.in" >"$work/out" 2>"$work/err" || status=$?
end=$(date +%s%N)
ms=$(( (end - start) / 1000000 ))
printf '%d fuzzed lines in %d.%03d s (status %d, %d error lines)\n' "$lines" $((ms / 1000)) $((ms % 1000)) "$status" "$(grep -c '^error' "$work/err" || true)"
if [ "$status" -gt 1 ]; then
    echo "FAIL: capas ended with status $status (a crash?); last error lines:" >&2
    tail -5 "$work/err" >&2
    exit 1
fi
if [ "$ms" -ge 60000 ]; then echo "FAIL: slower than 60 s" >&2; exit 1; fi
echo "ok"
