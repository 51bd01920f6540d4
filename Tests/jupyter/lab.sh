#!/usr/bin/env bash
# End to end in JupyterLab, as a learner does it: JupyterLab (from the venv of
# run.sh) is served headless on 127.0.0.1 with a token and the capas
# kernelspec; headless Chromium, driven by selenium through Debian's
# chromedriver, opens a notebook with one empty cell, types
# `:show fashion-mnist test 0` into it with real key events and presses
# Shift-Enter; the cell's output must hold an <img> with PNG data of nonzero
# size (lab_browser.py), and a screenshot is taken.
#
# Needs Debian's `chromium` and `chromium-driver` packages and FashionMNIST
# (`capas data fetch fashion-mnist`, or Debian's dataset-fashion-mnist);
# installs jupyterlab and selenium into the venv (CAPAS_JUPYTER_VENV, default
# ~/.cache/capas/jupyter-venv). Prints SKIPPED and exits 0 when one of them is
# missing. Not part of `swift test`: it takes a minute and a browser.
#   CAPAS_BIN     the capas executable (default .build/debug/capas)
#   CAPAS_KEEP    a folder to keep the screenshot in
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv=${CAPAS_JUPYTER_VENV:-$HOME/.cache/capas/jupyter-venv}
capas=${CAPAS_BIN:-$root/.build/debug/capas}

[ -x "$capas" ] || { echo "FAILED: no capas executable at $capas (swift build first, or set CAPAS_BIN)"; exit 1; }
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "SKIPPED: no chromium (apt-get install chromium chromium-driver)"; exit 0; }
driver=$(command -v chromedriver || true)
[ -n "$driver" ] || { echo "SKIPPED: no chromedriver (apt-get install chromium-driver)"; exit 0; }
command -v python3 >/dev/null || { echo "SKIPPED: python3 is not installed"; exit 0; }
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >/dev/null 2>&1 || { echo "SKIPPED: cannot create a Python virtual environment in $venv"; exit 0; }
fi
py="$venv/bin/python"
if ! "$py" -c "import jupyterlab, nbformat, selenium" 2>/dev/null; then
    echo "installing jupyterlab nbformat selenium into $venv"
    "$py" -m pip install -q jupyterlab nbformat selenium >"$venv/pip-lab.log" 2>&1 || {
        echo "SKIPPED: pip could not install jupyterlab and selenium (see $venv/pip-lab.log)"; exit 0; }
fi
echo ":show fashion-mnist test 0" | "$capas" --lang en >/dev/null 2>&1 || {
    echo "SKIPPED: FashionMNIST is not installed (capas data fetch fashion-mnist)"; exit 0; }

work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
# This capas's kernelspec in a prefix of the run's own (the venv may be shared by other checkouts).
"$capas" kernel install --prefix "$work/prefix" --lang en >/dev/null
export JUPYTER_PATH="$work/prefix/share/jupyter" PATH="$venv/bin:$PATH"

# A notebook with one empty code cell and the capas kernel: the browser types the entry.
mkdir "$work/notebooks"
"$py" - "$work/notebooks/lab.ipynb" <<'PY'
import sys, nbformat
from nbformat.v4 import new_notebook, new_code_cell
nb = new_notebook(cells=[new_code_cell("")])
nb.metadata = {"kernelspec": {"name": "capas", "display_name": "capas", "language": "capas"},
               "language_info": {"name": "capas", "file_extension": ".capas"}}
nbformat.write(nb, sys.argv[1])
PY

token=$("$py" -c "import secrets; print(secrets.token_hex(16))")
port=$("$py" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
# Its own settings and workspaces: nothing of the user's JupyterLab (open tabs, news prompts) gets in the way.
mkdir -p "$work/settings/@jupyterlab/apputils-extension"
echo '{"fetchNews": "false", "checkForUpdates": false}' >"$work/settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
jupyter lab --no-browser --ip=127.0.0.1 --port="$port" --IdentityProvider.token="$token" --ServerApp.root_dir="$work/notebooks" \
    --LabApp.user_settings_dir="$work/settings" --LabApp.workspaces_dir="$work/workspaces" \
    $([ "$(id -u)" = 0 ] && echo --allow-root) >"$work/lab.log" 2>&1 &
server=$!
for _ in $(seq 60); do
    curl -sf "http://127.0.0.1:$port/api/status?token=$token" >/dev/null 2>&1 && break
    sleep 1
done
curl -sf "http://127.0.0.1:$port/api/status?token=$token" >/dev/null || { echo "FAILED: JupyterLab did not start"; tail -20 "$work/lab.log"; exit 1; }

status=0
CAPAS_CHROMIUM="$browser" CAPAS_CHROMEDRIVER="$driver" \
    "$py" "$here/lab_browser.py" "http://127.0.0.1:$port/lab/tree/lab.ipynb?reset&token=$token" "$work/lab.png" || status=$?
[ -n "${CAPAS_KEEP:-}" ] && mkdir -p "$CAPAS_KEEP" && cp "$work"/*.png "$CAPAS_KEEP"/ 2>/dev/null
if [ "$status" -ne 0 ]; then
    echo "JupyterLab's log:"; tail -20 "$work/lab.log"; exit 1
fi
echo "PASSED: JupyterLab ran the cell in the browser and shows the capas kernel's picture ($(jupyter lab --version 2>/dev/null | head -1), $("$browser" --version 2>/dev/null | head -1))"
