#!/usr/bin/env bash
# The capas Jupyter kernel with the real clients: jupyter_kernel_test's
# conformance suite, matrices and :summary as HTML tables, an interrupted `:train` cell (jupyter_client, FashionMNIST;
# skipped without it), `:train`'s progress display and curves (test_training_display), every course notebook
# through nbclient compared with `capas run` (test_notebooks.py) and `jupyter nbconvert --execute` on a notebook.
# Tests/jupyter/latency.py measures (it is not run here): kernel start and time per cell.
#
# The Python packages live in a virtual environment outside the repository
# (CAPAS_JUPYTER_VENV, default ~/.cache/capas/jupyter-venv); the kernelspec is
# installed into a temporary prefix of the run's own. When the packages cannot be
# installed (no network, no venv module), prints a SKIPPED line and exits 0.
#   CAPAS_BIN   the capas executable to test (default .build/debug/capas)
# example.ipynb is written by make_notebook.py (cells only, no outputs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv=${CAPAS_JUPYTER_VENV:-$HOME/.cache/capas/jupyter-venv}
capas=${CAPAS_BIN:-$root/.build/debug/capas}
packages=(jupyter_client jupyter_kernel_test nbformat nbclient nbconvert)

[ -x "$capas" ] || { echo "FAILED: no capas executable at $capas (swift build first, or set CAPAS_BIN)"; exit 1; }
command -v python3 >/dev/null || { echo "SKIPPED: python3 is not installed"; exit 0; }
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >/dev/null 2>&1 || { echo "SKIPPED: cannot create a Python virtual environment in $venv (python3 -m venv failed)"; exit 0; }
fi
py="$venv/bin/python"
if ! "$py" -c "import jupyter_client, jupyter_kernel_test, nbformat, nbclient, nbconvert" 2>/dev/null; then
    echo "installing ${packages[*]} into $venv"
    "$py" -m pip install -q "${packages[@]}" >"$venv/pip.log" 2>&1 || {
        echo "SKIPPED: pip could not install ${packages[*]} (see $venv/pip.log)"; exit 0; }
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# This capas's kernelspec, in a prefix of this run's own: JUPYTER_PATH comes before the user's and the
# venv's data folders, and two checkouts testing at once (sharing the venv) do not run each other's capas.
"$capas" kernel install --prefix "$work/prefix" --lang en
export JUPYTER_PATH="$work/prefix/share/jupyter"
export PATH="$venv/bin:$PATH"

echo "== jupyter_kernel_test"
(cd "$here" && "$py" -m unittest -v test_kernel 2>&1) | tee "$work/conformance.log" | grep -E "^(test_|Ran |OK|FAILED)" || true
grep -q "^OK" "$work/conformance.log" || { echo "FAILED: jupyter_kernel_test (log above)"; cat "$work/conformance.log"; exit 1; }

echo "== text/html tables (matrices, :summary)"
(cd "$here" && "$py" -m unittest -v test_rich_output 2>&1) | tee "$work/rich.log" | grep -E "^(test_|Ran |OK|FAILED)" || true
grep -q "^OK" "$work/rich.log" || { echo "FAILED: the rich output test"; cat "$work/rich.log"; exit 1; }

echo "== interrupting :train (SIGINT and interrupt_request)"
(cd "$here" && "$py" -m unittest -v test_interrupt 2>&1) | tee "$work/interrupt.log" | grep -E "^(test_|Ran |OK|FAILED)" || true
grep -q "^OK" "$work/interrupt.log" || { echo "FAILED: the interrupt test"; cat "$work/interrupt.log"; exit 1; }

echo "== :train's progress as one updated display, the curves as SVG and PNG (jupyter_client, nbclient, capas run)"
(cd "$here" && CAPAS_BIN="$capas" "$py" -m unittest -v test_training_display 2>&1) | tee "$work/display.log" | grep -E "^(test_|Ran |OK|FAILED)" || true
grep -q "^OK" "$work/display.log" || { echo "FAILED: the training display test"; cat "$work/display.log"; exit 1; }

echo "== every course notebook: nbclient with the capas kernel against capas run"
"$py" "$here/test_notebooks.py" "$capas" "$root" || { echo "FAILED: the course notebooks"; exit 1; }

echo "== nbconvert --execute"
"$venv/bin/jupyter" nbconvert --to notebook --execute "$here/example.ipynb" --output-dir "$work" --output executed.ipynb \
    --ExecutePreprocessor.timeout=60 2>&1 | tail -2
"$py" "$here/check_notebook.py" "$work/executed.ipynb" || { echo "FAILED: the executed notebook"; exit 1; }
echo "== capas run NOTEBOOK.ipynb against nbconvert"
"$capas" --lang en run "$here/example.ipynb" --keep-going --out "$work/run.ipynb" >/dev/null 2>"$work/run.err" || true
"$py" - "$work/executed.ipynb" "$work/run.ipynb" <<'PY' || { echo "FAILED: capas run differs from nbconvert"; cat "$work/run.err"; exit 1; }
import sys, nbformat
kernel, run = (nbformat.read(p, as_version=4) for p in sys.argv[1:])
nbformat.validate(run)
def shape(nb):
    return [[(o.output_type, sorted(o.get("data", {}))) for o in c.get("outputs", [])] for c in nb.cells if c.cell_type == "code"]
assert shape(kernel) == shape(run), (shape(kernel), shape(run))
def texts(nb):
    return [[o.get("text", o.get("data", {}).get("text/plain", "")) for o in c.get("outputs", []) if o.output_type != "display_data"] for c in nb.cells if c.cell_type == "code"]
if texts(kernel) != texts(run):
    for k, r in zip(texts(kernel), texts(run)):
        if k != r: print("kernel:", k, "\nrun:   ", r)
    raise SystemExit(1)
print("capas run: the same outputs as nbconvert with the capas kernel; valid nbformat")
PY
[ -n "${CAPAS_KEEP_NOTEBOOK:-}" ] && cp "$work/executed.ipynb" "$CAPAS_KEEP_NOTEBOOK"
echo "PASSED: capas kernel with jupyter_client $("$py" -c 'import jupyter_client; print(jupyter_client.__version__)')"
