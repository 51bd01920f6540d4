#!/usr/bin/env bash
# Gradescope end to end, in an isolated root laid out as Gradescope's autograder
# image: /autograder/source (the bundle), /autograder/submission,
# /autograder/results/, /autograder/submission_metadata.json.
#
#   Tests/platforms/gradescope.sh            (as root; needs bwrap, git, python3, swift)
#
# 1. `git clone` of this repository (what is committed, nothing else), and
#    `capas autograder gradescope` from the clone: one bundle for
#    02-sizes-and-parameters (answers, personalised) and one for 05-conv2d (code).
# 2. A root of its own (bubblewrap): the host's /usr, /etc and apt database
#    read-only, the Swift toolchain (where `swiftc` resolves) and the local
#    package mirror read-only, a writable /usr/local, /root and /tmp, no network.
#    The root holds the capabilities of a Docker container (Gradescope runs one):
#    no CAP_SYS_ADMIN, so no mount namespace can be made by root in it; capas
#    finds that out and grades code exercises without private mounts (the
#    filter, a uid per run, the limits). CAPAS_GRADESCOPE_CAPS=all gives the
#    root every capability instead.
# 3. setup.sh as Gradescope runs it (root, in /autograder/source): its apt step
#    is skipped (no network in the root; what it would install is listed), its Swift step finds the
#    toolchain, its build step builds capas (the slow part: one build serves both
#    bundles, whose capas sources are checked identical).
# 4. run_autograder for each submission, and results.json checked against
#    Gradescope's specification and the expected score (gradescope_results.py).
#
# Environment: CAPAS (a capas executable to write the bundle; default the
# repository's .build/release or .build/debug), CAPAS_GRADESCOPE_WORK (a folder
# to work in, kept; default a temporary folder removed at the end).
# Exit status: 0 all good, 1 a check failed, 77 a prerequisite is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(git -C "$here" rev-parse --show-toplevel)
start=$SECONDS

skip() { echo "SKIP: $*" >&2; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (Gradescope runs setup.sh and run_autograder as root)"
for tool in bwrap git python3; do command -v "$tool" >/dev/null || skip "$tool is not installed"; done
swiftc=$(command -v swiftc) || skip "no Swift toolchain (swiftc)"
toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$swiftc")")")")   # …/usr/bin/swift-driver → the toolchain root
capas=${CAPAS:-}
if [ -z "$capas" ]; then
    for c in "$repo/.build/release/capas" "$repo/.build/debug/capas"; do [ -x "$c" ] && { capas=$c; break; }; done
fi
[ -n "$capas" ] && [ -x "$capas" ] || skip "no capas executable: build it first (swift build) or set CAPAS"
bwrap --ro-bind / / true 2>/dev/null || skip "bubblewrap cannot make a sandbox here"

if [ -n "${CAPAS_GRADESCOPE_WORK:-}" ]; then
    work=$CAPAS_GRADESCOPE_WORK; rm -rf "$work"; mkdir -p "$work"
else
    work=$(mktemp -d /tmp/capas-gradescope.XXXXXX)
    trap 'rm -rf "$work"' EXIT
fi
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
step() { printf '== %s (%ds)\n' "$*" $((SECONDS - start)); }

step "clone and bundles"
git clone -q "$repo" "$work/clone"
git -C "$work/clone" log -1 --format='   commit %h %s'
cat > "$work/roster.csv" <<'ROSTER'
id,name,email
ana,Ana Pérez,ana@example.org
S-002,Beto Gómez,beto@example.org
ROSTER
for id in 02-sizes-and-parameters 05-conv2d; do
    (cd "$work/clone" && "$capas" autograder gradescope --exercise "$id" --roster "$work/roster.csv" \
        --out "$work/bundle-$id" --lang en) >/dev/null
done
diff -r "$work/bundle-02-sizes-and-parameters/capas" "$work/bundle-05-conv2d/capas" >/dev/null \
    || fail "the two bundles hold different capas sources"

# The submissions, made from the clone.
sub=$work/submissions
mkdir -p "$sub"
(cd "$work/clone" && "$capas" assign --learner ana --exercise 02-sizes-and-parameters --out "$work/handout-ana" >/dev/null)
(cd "$work/clone" && "$capas" assign --exercise 02-sizes-and-parameters --out "$work/handout-example" >/dev/null)
nb() { echo "$1/02-sizes-and-parameters/notebook.md"; }
rubric02=$work/clone/grading/02-sizes-and-parameters/rubric.json
mkdir -p "$sub/personalised" "$sub/example-numbers" "$sub/unanswered"
python3 "$here/personalised.py" "$rubric02" "$(nb "$work/handout-ana")" > "$sub/personalised/notebook.md"
python3 "$here/personalised.py" "$rubric02" "$(nb "$work/handout-ana")" --numbers-of "$(nb "$work/handout-example")" \
    > "$sub/example-numbers/notebook.md"
cp "$(nb "$work/handout-ana")" "$sub/unanswered/notebook.md"
grading=$work/clone/Tests/GraderSubmissions/conv2d
for name in correct stride_ignored snoop fake_results_stdout results_files; do
    mkdir -p "$sub/$name" && cp "$grading/$name/Conv2D.swift" "$sub/$name/"
done
mkdir -p "$sub/secret_link" && ln -s /autograder/source/course/grading/secret "$sub/secret_link/Conv2D.swift"

# The root: Gradescope's folders, a writable /usr/local, /root and /tmp.
ag=$work/autograder
mkdir -p "$ag/source" "$ag/submission" "$ag/results" "$work/usr-local/bin" "$work/root-home" "$work/tmp"
# What a Swift install in /usr/local/bin looks like (Gradescope's setup.sh links it there).
for tool in "$toolchain"/usr/bin/*; do ln -sf "$tool" "$work/usr-local/bin/"; done
caps=(--cap-drop ALL)
for cap in CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP; do
    caps+=(--cap-add "CAP_$cap")
done
[ "${CAPAS_GRADESCOPE_CAPS:-docker}" = all ] && caps=(--cap-add ALL)
optional=()
[ -d /opt/swift-packages ] && optional+=(--ro-bind /opt/swift-packages /opt/swift-packages)   # this machine's package mirror
inroot() {
    bwrap --unshare-pid --unshare-net --unshare-ipc --unshare-uts --die-with-parent --new-session "${caps[@]}" \
        --ro-bind /usr /usr --bind "$work/usr-local" /usr/local \
        --symlink usr/bin /bin --symlink usr/sbin /sbin --symlink usr/lib /lib --symlink usr/lib64 /lib64 \
        --ro-bind /etc /etc --ro-bind /var/lib/dpkg /var/lib/dpkg --ro-bind /var/lib/apt /var/lib/apt \
        --perms 0755 --dir /opt --ro-bind "$toolchain" "$toolchain" "${optional[@]}" \
        --bind "$ag" /autograder --bind "$work/root-home" /root --bind "$work/tmp" /tmp --proc /proc --dev /dev \
        --clearenv --setenv PATH /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --setenv HOME /root \
        --setenv LANG C.UTF-8 --setenv USER root --chdir /autograder/source "$@"
}

step "setup.sh (apt, Swift, capas release build)"
cp -a "$work/bundle-02-sizes-and-parameters/." "$ag/source/"
# The root has no network: apt can install nothing. setup.sh installs only missing
# packages; when this machine lacks some, CAPAS_SKIP_APT=1 skips apt (listed in the log).
packages=$(sed -n 's/^ *packages="\(.*\)"$/\1/p' "$ag/source/setup.sh")
missing=$(for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done | tr '\n' ' ')
# The root has no network and a read-only apt: setup.sh's apt step always
# skips here (CAPAS_SKIP_APT=1), and says what it would have installed.
skipapt=(--setenv CAPAS_SKIP_APT 1)
[ -n "$missing" ] && echo "   not installed here (setup.sh would install them on Gradescope): $missing"
if ! inroot "${skipapt[@]}" bash ./setup.sh > "$work/setup.log" 2>&1; then
    tail -30 "$work/setup.log"; echo "FAIL: setup.sh"; exit 1
fi
grep -E 'Build complete|Compiling capas|warning: ' "$work/setup.log" | tail -3 | sed 's/^/   /'
inroot test -x /usr/local/bin/capas || { echo "FAIL: setup.sh left no /usr/local/bin/capas"; exit 1; }

# One submission: Gradescope's fresh submission, metadata and results folders, then /autograder/run_autograder.
grade() {   # grade NAME METADATA_USERS_JSON EXPECTED_SCORE [--not-in-output TEXT]…
    local name=$1 users=$2 expected=$3; shift 3
    rm -rf "$ag/submission" "$ag/results"; mkdir -p "$ag/submission" "$ag/results"
    cp -a "$sub/$name/." "$ag/submission/"
    printf '{"id": 123456, "created_at": "2026-12-06T16:00:00.000000-07:00", "assignment": {"title": "capas"}, "users": %s}\n' \
        "$users" > "$ag/submission_metadata.json"
    cp "$ag/source/run_autograder" "$ag/run_autograder"
    local t0=$SECONDS
    inroot bash -c 'cd /autograder && ./run_autograder' > "$work/$name.log" 2>&1 || fail "$name: run_autograder exited $?"
    local rubric=$work/clone/grading/$exercise/rubric.json
    if python3 "$here/gradescope_results.py" "$ag/results/results.json" "$rubric" --score "$expected" "$@" > "$work/$name.check"; then
        printf '   %-20s score %s (expected %s), %d tests, %ds\n' "$name" \
            "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["score"])' "$ag/results/results.json")" \
            "$expected" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["tests"]))' "$ag/results/results.json")" \
            $((SECONDS - t0))
    else
        fail "$name"; sed 's/^/   /' "$work/$name.check"; tail -5 "$work/$name.log" | sed 's/^/   log: /'
    fi
    cp "$ag/results/results.json" "$work/$name.results.json" 2>/dev/null || true
}
ana='[{"email": "Ana@Example.org", "sid": "", "name": "A. Pérez"}]'
beto='[{"email": "b.gomez@school.edu", "sid": "S-002", "name": "Beto"}]'

exercise=02-sizes-and-parameters
step "$exercise"
grade personalised "$ana" 15
grade example-numbers "$ana" "$(python3 - "$sub" <<'PY'
import re, sys
# The example's numbers score only where they happen to equal ana's.
mine = dict(re.findall(r"^(\w+) = (\S+)$", open(sys.argv[1] + "/personalised/notebook.md").read(), re.M))
copied = dict(re.findall(r"^(\w+) = (\S+)$", open(sys.argv[1] + "/example-numbers/notebook.md").read(), re.M))
print(sum(1 for k in mine if mine[k] == copied[k]))
PY
)"
grade unanswered "$beto" 0

exercise=05-conv2d
step "$exercise (same capas build, the bundle's other files swapped)"
for item in setup.sh run_autograder learner_id.py course; do
    rm -rf "${ag:?}/source/$item"; cp -a "$work/bundle-05-conv2d/$item" "$ag/source/"
done
secret=$(cat "$work/clone/grading/secret")
grade correct "$beto" 20
grade stride_ignored "$ana" 5
grade snoop "$ana" 20 --not-in-output "$secret"
grade fake_results_stdout "$ana" 0
grade results_files "$ana" 0
grade secret_link "$ana" 0 --not-in-output "$secret"
grep -q 'Conv2D.swift' "$ag/results/results.json" || fail "secret_link: the refusal does not name Conv2D.swift"
leftover=$(find "$ag/results" "$ag/source" "$ag/submission" -newer "$ag/submission_metadata.json" \( -name 'results.json' -o -name 'junit.xml' \) \
    ! -path "$ag/results/results.json" 2>/dev/null | head -3)
[ -z "$leftover" ] || fail "files written by a submission: $leftover"

step "done"
[ "$failures" -eq 0 ] && echo "gradescope: all submissions graded as expected" || { echo "gradescope: $failures failures"; exit 1; }
