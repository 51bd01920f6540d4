"""Writes example.ipynb: a few capas cells, no outputs (run.sh executes it with nbconvert)."""
import nbformat

cells = [
    "# A model, one layer a line\ninput 28x28x1\nconv 10 5x5 relu\nmaxpool 2",
    "flatten\ndense 10",
    ":summary",
    "K = [[1, 0, -1], [1, 0, -1], [1, 0, -1]]\nK * 2",
    ":show [[0, 0.5, 1], [1, 0.5, 0]]",
]
nb = nbformat.v4.new_notebook()
nb.metadata["kernelspec"] = {"name": "capas", "display_name": "capas", "language": "capas"}
nb.cells = [nbformat.v4.new_markdown_cell("capas in Jupyter")] + [nbformat.v4.new_code_cell(c) for c in cells]
nbformat.write(nb, "example.ipynb")
