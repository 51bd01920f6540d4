"""Every course notebook through the real client, compared with `capas run`.

The notebooks: exercises/*/notebook.ipynb (the handouts, as learners get them)
and solutions/*/notebook.md (the masters, converted to .ipynb with
`capas convert`), those with at least one code cell. Each one is executed with
nbclient (what `jupyter nbconvert --execute` uses) on the capas kernel, in its
own folder, errors allowed; the result must pass nbformat.validate. Then
`capas run NOTEBOOK.ipynb --keep-going --out X.ipynb` runs the same notebook and
the two are compared cell by cell: the same output types, the same mime keys,
the same text and data, the same errors (ename, evalue, traceback).

Only timings may differ: TIMING below replaces a number followed by a time or a
rate unit ("19.2 s", "3 ms", "3,127 img/s") with <time>. Nothing else is
normalised.

Usage: python test_notebooks.py CAPAS_BIN REPOSITORY_ROOT
A notebook that takes longer than CAPAS_NOTEBOOK_TIMEOUT seconds per cell
(default 300) fails; none of the course notebooks trains, so all of them run.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient

TIMING = re.compile(r"\d[\d,.]*\s?(?:ms|µs|s|img/s|images/s)(?![\w])")


def normalise(value):
    if isinstance(value, list):
        value = "".join(value)
    if isinstance(value, str):
        return TIMING.sub("<time>", value)
    return value


def outputs(nb):
    """Each code cell's outputs, as comparable tuples."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        shown = []
        for o in cell.get("outputs", []):
            if o.output_type == "stream":
                shown.append(("stream", o.name, normalise(o.text)))
            elif o.output_type == "error":
                shown.append(("error", o.ename, normalise(o.evalue), tuple(normalise(t) for t in o.traceback)))
            else:
                data = {k: normalise(v) for k, v in o.get("data", {}).items()}
                shown.append((o.output_type, tuple(sorted(data)), tuple(sorted(data.items()))))
        cells.append(shown)
    return cells


def notebooks(capas, root, work):
    """(name, path, folder to run in) of every course notebook with code cells."""
    found = []
    for path in sorted(glob.glob(os.path.join(root, "exercises", "*", "notebook.ipynb"))):
        found.append(("exercises/" + os.path.basename(os.path.dirname(path)), path, os.path.dirname(path)))
    for master in sorted(glob.glob(os.path.join(root, "solutions", "*", "notebook.md"))):
        folder = os.path.dirname(master)
        name = os.path.basename(folder)
        path = os.path.join(work, "solution-" + name + ".ipynb")
        subprocess.run([capas, "convert", master, path], check=True, capture_output=True)
        found.append(("solutions/" + name, path, folder))
    kept = []
    for n, p, f in found:
        if any(c.cell_type == "code" for c in nbformat.read(p, as_version=4).cells):
            kept.append((n, p, f))
        else:
            print("skipped %-35s no code cells (only prose and answer cells, which are never run)" % n)
    return kept


def main():
    capas, root = sys.argv[1], sys.argv[2]
    timeout = int(os.environ.get("CAPAS_NOTEBOOK_TIMEOUT", "300"))
    work = tempfile.mkdtemp()
    failures = 0
    try:
        todo = notebooks(capas, root, work)
        start = time.monotonic()
        for name, path, folder in todo:
            began = time.monotonic()
            nb = nbformat.read(path, as_version=4)
            NotebookClient(nb, kernel_name="capas", timeout=timeout, allow_errors=True,
                           resources={"metadata": {"path": folder}}).execute()
            nbformat.validate(nb)
            kernel_seconds = time.monotonic() - began
            out = os.path.join(work, "run.ipynb")
            # In the folder the kernel ran in, so that files the cells name are found the same way.
            run = subprocess.run([capas, "--lang", "en", "run", path, "--keep-going", "--out", out],
                                 cwd=folder, capture_output=True, text=True)
            ran = nbformat.read(out, as_version=4)
            nbformat.validate(ran)
            kernel, cli = outputs(nb), outputs(ran)
            errors = sum(1 for cell in kernel for o in cell if o[0] == "error")
            cells = len(kernel)
            if not any(kernel):
                failures += 1
                print("FAILED %s: the kernel wrote no outputs" % name)
            elif kernel != cli:
                failures += 1
                print("FAILED %s: capas run (exit %d) differs from the kernel" % (name, run.returncode))
                for i, (k, r) in enumerate(zip(kernel, cli)):
                    if k != r:
                        print("  code cell %d\n    kernel:    %r\n    capas run: %r" % (i + 1, k, r))
                print(run.stderr)
            else:
                print("ok %-40s %d code cells, %d outputs, %d errors, kernel %.1f s"
                      % (name, cells, sum(len(c) for c in kernel), errors, kernel_seconds))
        print("%d notebooks in %.1f s" % (len(todo), time.monotonic() - start))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("FAILED: %d notebooks differ" % failures)
        sys.exit(1)


if __name__ == "__main__":
    main()
