#!/usr/bin/env python3
# Makes the PyTorch fixtures that CapasCheckpointTests reads.
#
# Last generated with: torch 2.15.0+cu132, safetensors 0.8.0, numpy 2.4.6 (CPU, float32).
# The versions are also recorded in each file's __metadata__ ("torch_version",
# "safetensors_version") and printed when the script runs.
#
# Run from anywhere (writes next to this script):
#     /work/venv/bin/python Tests/CapasCheckpointTests/Fixtures/make_fixtures.py
#
# Files:
#   torch_small_cnn.safetensors     save_file(model.state_dict()) after a few training
#                                   steps, so BatchNorm's running statistics are not the
#                                   defaults; includes "4.num_batches_tracked" (I64).
#   torch_small_cnn_io.safetensors  "input" [3,1,12,12] and "output" = model(input) in eval
#                                   mode (float32); metadata: the capas model text
#                                   ("capas_model"), and checksums "sum.<tensor>" (repr of the
#                                   float64 sum) and "shape.<tensor>" / "dtype.<tensor>" for
#                                   every tensor of the state dict and for input and output.
#   torch_dtypes.safetensors        one small tensor per dtype that capas converts to Float
#                                   ("F16", "BF16", "I64", ...) plus "<name>.f32" = the same
#                                   tensor converted by torch's .to(torch.float32).

import os
import sys

import numpy
import safetensors
import torch
from safetensors.torch import save_file
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))

CAPAS_MODEL = """input 12x12x1
conv 4 3x3 pad=1
relu
maxpool 2
conv 8 3x3
batchnorm
relu
flatten
dense 10
"""

VERSIONS = {
    "torch_version": torch.__version__,
    "safetensors_version": safetensors.__version__,
    "numpy_version": numpy.__version__,
    "python_version": sys.version.split()[0],
    "generator": "Tests/CapasCheckpointTests/Fixtures/make_fixtures.py",
}


def model_fixtures():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),  # 0: 12x12x1 -> 12x12x4
        nn.ReLU(),                      # 1
        nn.MaxPool2d(2),                # 2: -> 6x6x4
        nn.Conv2d(4, 8, 3),             # 3: -> 4x4x8
        nn.BatchNorm2d(8),              # 4
        nn.ReLU(),                      # 5
        nn.Flatten(),                   # 6: -> 128
        nn.Linear(8 * 4 * 4, 10),       # 7
    )
    # A few training steps so the running statistics and num_batches_tracked move.
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model.train()
    for _ in range(5):
        x = torch.randn(16, 1, 12, 12)
        y = torch.randint(0, 10, (16,))
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    model.eval()

    state = {name: t.detach().clone().contiguous() for name, t in model.state_dict().items()}
    save_file(state, os.path.join(HERE, "torch_small_cnn.safetensors"),
              metadata=dict(VERSIONS, note="state_dict of the small CNN after 5 SGD steps"))

    generator = torch.Generator().manual_seed(1)
    x = torch.randn(3, 1, 12, 12, generator=generator, dtype=torch.float32)
    with torch.no_grad():
        out = model(x).contiguous()

    meta = dict(VERSIONS, capas_model=CAPAS_MODEL)
    for name, t in list(state.items()) + [("input", x), ("output", out)]:
        meta["sum." + name] = repr(float(t.double().sum()))
        meta["shape." + name] = ",".join(str(d) for d in t.shape)
        meta["dtype." + name] = str(t.dtype).replace("torch.", "")
    save_file({"input": x, "output": out}, os.path.join(HERE, "torch_small_cnn_io.safetensors"),
              metadata=meta)
    return state, x, out


def dtype_fixture():
    floats = [0.0, -0.0, 1.0, -2.5, 0.333333, 3.140625, 65504.0, 1e-7, 6e-8, 1e-40,
              3e38, -1e20, float("inf"), float("-inf"), float("nan")]
    tensors = {}

    def add(name, t):
        tensors[name] = t.contiguous()
        tensors[name + ".f32"] = t.to(torch.float32).contiguous()

    add("F64", torch.tensor(floats + [1e300, 1e-300], dtype=torch.float64))
    add("F16", torch.tensor(floats, dtype=torch.float16))  # overflows to inf, underflows to 0
    add("BF16", torch.tensor(floats, dtype=torch.bfloat16))
    add("F8_E4M3", torch.tensor([0.0, -0.0, 1.0, -2.5, 0.3, 448.0, -448.0, 0.001953125, 0.0078125, 240.0],
                                dtype=torch.float8_e4m3fn))
    add("F8_E5M2", torch.tensor([0.0, -0.0, 1.0, -2.5, 0.3, 57344.0, 1.52587890625e-05, 6.1e-05,
                                 float("inf"), float("-inf")], dtype=torch.float8_e5m2))
    add("I64", torch.tensor([0, 1, -1, 2**63 - 1, -2**63, 123456789012345678], dtype=torch.int64))
    add("I32", torch.tensor([0, 1, -1, 2**31 - 1, -2**31, 16777217], dtype=torch.int32))
    add("I16", torch.tensor([0, 1, -1, 2**15 - 1, -2**15], dtype=torch.int16))
    add("I8", torch.tensor([0, 1, -1, 127, -128], dtype=torch.int8))
    add("U8", torch.tensor([0, 1, 128, 255], dtype=torch.uint8))
    add("BOOL", torch.tensor([True, False, True], dtype=torch.bool))
    add("I64.scalar", torch.tensor(5, dtype=torch.int64))  # like num_batches_tracked
    add("F32.empty", torch.zeros(0, 3, dtype=torch.float32))
    for name, dtype, values in [("U16", "uint16", [0, 1, 65535]),
                                ("U32", "uint32", [0, 1, 4294967295]),
                                ("U64", "uint64", [0, 1, 2**64 - 1])]:
        try:
            t = torch.tensor(numpy.array(values, dtype=dtype))
            tensors[name] = t.contiguous()
            # torch's unsigned conversions are incomplete in some versions; numpy's is exact.
            tensors[name + ".f32"] = torch.from_numpy(numpy.array(values, dtype=dtype).astype(numpy.float32))
        except Exception as error:  # pragma: no cover - depends on the torch version
            print(f"skipping {name}: {error}")
    save_file(tensors, os.path.join(HERE, "torch_dtypes.safetensors"), metadata=dict(VERSIONS))
    return tensors


def main():
    print("torch", torch.__version__, "safetensors", safetensors.__version__, "numpy", numpy.__version__)
    state, x, out = model_fixtures()
    for name, t in state.items():
        print(f"{name:24} {str(t.dtype):16} {list(t.shape)} sum={float(t.double().sum())!r}")
    print("input", list(x.shape), "output", list(out.shape), "output sum", repr(float(out.double().sum())))
    tensors = dtype_fixture()
    print("dtypes:", ", ".join(k for k in tensors if not k.endswith(".f32")))
    for name in ["torch_small_cnn.safetensors", "torch_small_cnn_io.safetensors", "torch_dtypes.safetensors"]:
        print(name, os.path.getsize(os.path.join(HERE, name)), "bytes")


if __name__ == "__main__":
    main()
