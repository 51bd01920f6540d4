#!/usr/bin/env bash
# Several graders at once on one machine, as a department runs them: 4
# `capas grade --batch DIR --jobs 2` processes started together, each on 10
# submissions of 05-conv2d (correct ones, wrong ones and hostile ones from
# Tests/GraderSubmissions/conv2d), ROUNDS times in a row (default 5); first as
# root, then as an unprivileged user (`setpriv --reuid=65534`, nobody) on a copy
# of the course and submissions that user can read, in a folder made for it.
# Every gradebook must have 10 rows with the score each submission's
# expected.json gives (full marks for the correct ones), 40 rows a round.
# Usage (as root): bench/batch-concurrency.sh [ROUNDS]    CAPAS=… to use another build
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
rounds=${1:-5}
[ "$(id -u)" -eq 0 ] || { echo "run as root (the second half runs as nobody through setpriv)" >&2; exit 2; }
if [ -z "${CAPAS:-}" ]; then swift build -c release --product capas >/dev/null; CAPAS=$repo/.build/release/capas; fi

# Not under /tmp: the runs' /tmp is private, and nobody's build cache ($HOME/.cache) must be outside it.
mkdir -p .build
work=$(mktemp -d "$repo/.build/capas-batch.XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
# A copy of the course (grading/ and solutions/) and the submissions, readable by nobody.
mkdir -p "$work/course"
cp -a grading solutions "$work/course/"
capas=$CAPAS   # in its build folder: it finds CapasExercise's module beside it
subs=Tests/GraderSubmissions/conv2d
correct=(correct correct correct correct)
wrong=(stride_ignored bias_missing padding_ignored ceil_instead_of_floor flipped_kernel output_transposed compile_error equal_operator
       out_of_bounds fake_results_stdout results_files import_reference)
hostile=(fork_bomb kill_parent sigio_neighbour snoop spawn_shell before_main channel_garbage exit_zero tcp_connect infinite_loop memory_64g big_file)
for i in 1 2 3 4; do
    dir=$work/batch$i
    mkdir -p "$dir"
    names=("${correct[@]}" "${wrong[$((3 * i - 3))]}" "${wrong[$((3 * i - 2))]}" "${wrong[$((3 * i - 1))]}"
           "${hostile[$((3 * i - 3))]}" "${hostile[$((3 * i - 2))]}" "${hostile[$((3 * i - 1))]}")
    for k in "${!names[@]}"; do
        name=${names[$k]}
        folder=$dir/$(printf 'l%02d-%s' "$k" "$name")
        mkdir -p "$folder"
        if [ "$k" -eq 0 ]; then cp solutions/05-conv2d/Conv2D.swift "$folder/"; else cp "$subs/$name/Conv2D.swift" "$folder/"; fi
        python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['points'])" "$subs/$name/expected.json" > "$work/expected-$(basename "$folder")"
    done
done
mkdir -p "$work/home-nobody" && chown 65534:65534 "$work/home-nobody"
chmod -R a+rX "$work"

# ROUND_AS USER: one round; prints its time and checks its 4 gradebooks.
round() {
    local who=$1 r=$2 out=$work/out-$1-$2 run=()
    mkdir -p "$out"; chmod 777 "$out"
    [ "$who" = nobody ] && run=(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$work/home-nobody")
    local t0 pids=() status=0
    t0=$(date +%s%N)
    for i in 1 2 3 4; do
        "${run[@]}" "$capas" grade --batch "$work/batch$i" --exercise 05-conv2d --course "$work/course" --jobs 2 \
            --output "$out/grades$i.csv" --lang en > "$out/log$i" 2>&1 &
        pids+=($!)
    done
    local codes=""
    for p in "${pids[@]}"; do wait "$p" && codes+="0 " || codes+="$? "; done
    local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    local rows=0 bad=0 full=0
    for i in 1 2 3 4; do
        local n
        n=$(($(wc -l < "$out/grades$i.csv") - 1))
        rows=$((rows + n))
        [ "$n" -eq 10 ] || { echo "  $who round $r: grades$i.csv has $n rows"; bad=$((bad + 1)); }
        while IFS=, read -r submission score max status _; do
            [ "$submission" = submission ] && continue
            local want
            want=$(cat "$work/expected-$submission")
            if [ "$score" != "$want" ]; then
                echo "  $who round $r: batch$i/$submission scored $score/$max ($status), expected $want"
                bad=$((bad + 1))
            elif [ "$want" = "$max" ]; then full=$((full + 1)); fi
        done < <(cut -d, -f1-4 "$out/grades$i.csv")
    done
    printf '%-6s round %d: %5.1f s, exit statuses %s, %d rows, %d at full marks, %d problems\n' \
        "$who" "$r" "$(echo "$ms / 1000" | bc -l)" "$codes" "$rows" "$full" "$bad"
    [ "$bad" -eq 0 ]
}

problems=0
echo "capas: $($capas --version 2>/dev/null || echo "$CAPAS"); $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
for who in root nobody; do
    for r in $(seq "$rounds"); do round "$who" "$r" || problems=$((problems + 1)); done
done
[ "$problems" -eq 0 ] && echo "batch-concurrency: every round as expected" || { echo "batch-concurrency: $problems rounds with problems"; exit 1; }
