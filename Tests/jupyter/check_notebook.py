"""Checks a notebook nbconvert executed with the capas kernel: valid nbformat, and the outputs capas gives."""
import re
import sys

import nbformat

nb = nbformat.read(sys.argv[1], as_version=4)
nbformat.validate(nb)
code = [c for c in nb.cells if c.cell_type == "code"]


def texts(cell):
    out = []
    for o in cell.outputs:
        if o.output_type == "stream":
            out.append(o.text)
        elif o.output_type in ("execute_result", "display_data"):
            out.append(o.data.get("text/plain", ""))
    return "".join(out)


problems = []
if nb.metadata.get("language_info", {}).get("name") != "capas":
    problems.append("language_info.name is not capas")
if "[0] conv 10 5x5" not in texts(code[0]) or "[2] maxpool 2" not in texts(code[0]):
    problems.append("cell 1 does not describe the conv layer: %r" % texts(code[0]))
if "dense 10" not in texts(code[1]):
    problems.append("cell 2 does not describe the dense layer")
if "param" not in texts(code[2]).lower():
    problems.append(":summary gave no parameter count")
results = [o for o in code[3].outputs if o.output_type == "execute_result"]
rows = [re.findall(r"-?\d+", line) for line in results[0].data["text/plain"].splitlines()] if results else []
if rows != [["2", "0", "-2"]] * 3:
    problems.append("cell 4's result is %r" % [r.data for r in results])
images = [o for o in code[4].outputs if o.output_type == "display_data" and "image/png" in o.data]
if len(images) != 1:
    problems.append(":show gave %d PNG images" % len(images))
for cell in code:
    for o in cell.outputs:
        if o.output_type == "error":
            problems.append("error output: %s" % o.evalue)
        if "\x1b[" in texts(cell):
            problems.append("ANSI escape in a notebook output")
if problems:
    print("notebook check failed:\n  " + "\n  ".join(problems))
    sys.exit(1)
print("notebook ok: %d code cells, %d image(s), nbformat valid" % (len(code), len(images)))
