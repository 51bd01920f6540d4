"""PyTorch reference fixtures for the recurrent layers (RecurrentTests.swift).

Run from the repository root with the project's PyTorch virtualenv:

    ~/.cache/capas/torch-venv/bin/python Tests/CapasCoreTests/Fixtures/make_recurrent_fixtures.py

Writes Fixtures/torch/recurrent.json in make_fixtures.py's format (see its
docstring). A case's op is `rnn` or `lstm`; params: units, features, steps,
batch, sequences (every step's output, or the last one). capas's sequences
are channels first: the input is [N, F, T] and the output [N, U, T] (or
[N, U]); PyTorch runs batch_first on the same numbers transposed.
"""

import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "torch")

torch.set_default_dtype(torch.float32)
torch.use_deterministic_algorithms(True)


def T(t):
    a = t.detach().to(torch.float32).contiguous().numpy()
    return {"shape": list(a.shape), "data": [float("%.9g" % v) for v in a.reshape(-1).tolist()]}


def case(op, batch, features, steps, units, sequences, seed):
    torch.manual_seed(seed)
    cls = torch.nn.RNN if op == "rnn" else torch.nn.LSTM
    layer = cls(features, units, batch_first=True)
    with torch.no_grad():
        for p in layer.parameters():
            p.uniform_(-0.6, 0.6)
    x = torch.randn(batch, features, steps).requires_grad_(True)    # capas's [N, F, T]
    out, _ = layer(x.transpose(1, 2))                              # [N, T, U]
    y = out.transpose(1, 2) if sequences else out[:, -1, :]         # [N, U, T] or [N, U]
    g = torch.randn(y.shape)
    (y * g).sum().backward()
    return {
        "name": f"{op} N{batch} F{features} T{steps} U{units} sequences={sequences}",
        "op": op,
        "params": {"units": units, "features": features, "steps": steps, "batch": batch, "sequences": sequences},
        "inputs": [T(x)],
        "parameters": {n: T(p) for n, p in layer.named_parameters()},
        "grad_output": T(g),
        "output": T(y),
        "grad_inputs": [T(x.grad)],
        "grad_parameters": {n: T(p.grad) for n, p in layer.named_parameters()},
    }


def main():
    cases = []
    seed = 0
    for op in ["lstm", "rnn"]:
        for (batch, features, steps, units) in [(2, 3, 5, 4), (3, 5, 7, 6), (1, 2, 12, 3)]:
            for sequences in [True, False]:
                seed += 1
                cases.append(case(op, batch, features, steps, units, sequences, seed))
    doc = {"generator": os.path.basename(__file__), "torch_version": torch.__version__,
           "numpy_version": np.__version__, "python_version": sys.version.split()[0], "cases": cases}
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "recurrent.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"recurrent.json: {len(cases)} cases, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
