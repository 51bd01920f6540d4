#!/usr/bin/env bash
# End to end in JupyterLab: a notebook with `:show fashion-mnist test 0` is run
# by the capas kernel (`jupyter nbconvert --execute`, the real client), opened
# in JupyterLab served on 127.0.0.1 with a token, and photographed by headless
# Chromium (`chromium --headless --screenshot`); the picture must be there: the
# screenshot differs from the same notebook without outputs by a region of many
# grey levels (the boot, enlarged), not a blank box or an error.
#
# Needs Debian's `chromium` package and FashionMNIST (`capas data fetch
# fashion-mnist`); installs jupyterlab into the venv of run.sh
# (CAPAS_JUPYTER_VENV, default ~/.cache/capas/jupyter-venv). Prints SKIPPED
# and exits 0 when one of them is missing. Not part of `swift test`: it takes
# a minute and a browser.
#   CAPAS_BIN     the capas executable (default .build/debug/capas)
#   CAPAS_KEEP    a folder to keep the screenshots in
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv=${CAPAS_JUPYTER_VENV:-$HOME/.cache/capas/jupyter-venv}
capas=${CAPAS_BIN:-$root/.build/debug/capas}

[ -x "$capas" ] || { echo "FAILED: no capas executable at $capas (swift build first, or set CAPAS_BIN)"; exit 1; }
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "SKIPPED: no chromium (apt-get install chromium)"; exit 0; }
command -v python3 >/dev/null || { echo "SKIPPED: python3 is not installed"; exit 0; }
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >/dev/null 2>&1 || { echo "SKIPPED: cannot create a Python virtual environment in $venv"; exit 0; }
fi
py="$venv/bin/python"
if ! "$py" -c "import jupyterlab, nbconvert, nbformat" 2>/dev/null; then
    echo "installing jupyterlab nbconvert nbformat into $venv"
    "$py" -m pip install -q jupyterlab nbconvert nbformat >"$venv/pip-lab.log" 2>&1 || {
        echo "SKIPPED: pip could not install jupyterlab (see $venv/pip-lab.log)"; exit 0; }
fi
echo ":show fashion-mnist test 0" | "$capas" --lang en >/dev/null 2>&1 || {
    echo "SKIPPED: FashionMNIST is not installed (capas data fetch fashion-mnist)"; exit 0; }

"$capas" kernel install --prefix "$venv" --lang en >/dev/null
export JUPYTER_PATH="$venv/share/jupyter" PATH="$venv/bin:$PATH"
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# Two notebooks: the cell with its outputs (run by the kernel), and the same cell without.
"$py" - "$work" <<'PY'
import sys, nbformat
from nbformat.v4 import new_notebook, new_code_cell
nb = new_notebook(cells=[new_code_cell(":show fashion-mnist test 0")])
nb.metadata = {"kernelspec": {"name": "capas", "display_name": "capas", "language": "capas"},
               "language_info": {"name": "capas", "file_extension": ".capas"}}
nbformat.write(nb, f"{sys.argv[1]}/shown.ipynb")
nbformat.write(nb, f"{sys.argv[1]}/empty.ipynb")
PY
jupyter nbconvert --to notebook --execute --inplace "$work/shown.ipynb" --ExecutePreprocessor.timeout=120 >/dev/null 2>&1 || {
    echo "FAILED: nbconvert could not run the cell with the capas kernel"; exit 1; }
"$py" -c "import sys, nbformat; nb = nbformat.read(sys.argv[1], 4); nbformat.validate(nb); \
assert any('image/png' in o.get('data', {}) for o in nb.cells[0].outputs), nb.cells[0].outputs" "$work/shown.ipynb"

token=$("$py" -c "import secrets; print(secrets.token_hex(16))")
port=$("$py" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
jupyter lab --no-browser --ip=127.0.0.1 --port="$port" --IdentityProvider.token="$token" --ServerApp.root_dir="$work" \
    --ServerApp.open_browser=False $([ "$(id -u)" = 0 ] && echo --allow-root) >"$work/lab.log" 2>&1 &
server=$!
for _ in $(seq 60); do
    curl -sf "http://127.0.0.1:$port/api/status?token=$token" >/dev/null 2>&1 && break
    sleep 1
done
curl -sf "http://127.0.0.1:$port/api/status?token=$token" >/dev/null || { echo "FAILED: JupyterLab did not start"; tail -20 "$work/lab.log"; exit 1; }

shoot() {  # notebook, picture
    "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,900 \
        --user-data-dir="$work/profile-$1" --virtual-time-budget=30000 --screenshot="$work/$2" \
        "http://127.0.0.1:$port/lab/tree/$1?reset&token=$token" >"$work/chromium-$2.log" 2>&1 || true
    [ -s "$work/$2" ] || { echo "FAILED: chromium wrote no screenshot"; tail -5 "$work/chromium-$2.log"; exit 1; }
}
shoot shown.ipynb shown.png
shoot empty.ipynb empty.png
[ -n "${CAPAS_KEEP:-}" ] && mkdir -p "$CAPAS_KEEP" && cp "$work"/*.png "$CAPAS_KEEP"/

# Compare the two screenshots pixel by pixel (PNG decoded with zlib, no imaging library).
"$py" - "$work/shown.png" "$work/empty.png" <<'PY'
import sys, zlib, struct
def read(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
        if kind == b"IHDR": w, h, depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT": idat += body
    assert depth == 8 and colour in (2, 6), (depth, colour)
    bpp = 3 if colour == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line)); prev = line
    return w, h, bpp, rows
w, h, bpp, shown = read(sys.argv[1]); _, _, bpp2, empty = read(sys.argv[2])
# The picture: differing pixels that are grey (r = g = b) and neither white nor black, in many levels.
greys, picture = set(), 0
for y in range(h):
    for x in range(w):
        s = shown[y][x * bpp:x * bpp + 3]; e = empty[y][x * bpp2:x * bpp2 + 3]
        if s != e and s[0] == s[1] == s[2] and 16 < s[0] < 240:
            picture += 1
            greys.add(s[0] // 8)
print(f"{picture} grey pixels where the picture goes, {len(greys)} grey levels among them")
if picture < 4000 or len(greys) < 16:
    print("FAILED: the picture region is blank (or missing) in JupyterLab"); sys.exit(1)
PY
echo "PASSED: JupyterLab shows the capas kernel's picture ($(jupyter lab --version 2>/dev/null | head -1), $("$browser" --version 2>/dev/null))"
