#!/usr/bin/env python3
"""capas against PyTorch, side by side in the same run.

For each reference model (the same five as `capas bench` and the anchors'
torch_bench.py) this runs `capas bench --json` and an equivalent PyTorch
measurement in separate processes, alternating them `--repeats` times so that
both see the same machine state, and prints the best of each and the ratios
capas / PyTorch (above 1 means capas is faster; for memory, below 1 means
capas uses less).

Both sides: 2 threads, batch 64, Adam (lr 1e-3), cross-entropy; training
throughput over `--seconds` of steps after a warm-up; inference over the test
set (eval mode, batch 64), best of 2 passes; peak resident memory of the
process (VmHWM). FashionMNIST models train on the real data when it is
installed (pixels / 255), cnn-cifar on random images, as in the anchors.
PyTorch keeps its dataset as float32 tensors; capas keeps bytes and converts
each batch.

PyTorch is not a dependency of capas. To enable this comparison:

    python3 -m venv ~/venvs/torch
    ~/venvs/torch/bin/pip install torch numpy
    CAPAS_TORCH_PYTHON=~/venvs/torch/bin/python bench/compare.py

Without a Python that imports torch the script says so and exits 0.

Usage: bench/compare.py [--models a,b] [--seconds 8] [--repeats 2] [--capas PATH] [--python PATH] [--json FILE]
"""
import argparse
import json
import os
import subprocess
import sys
import time

MODELS = ["fnn-small", "fnn-deep", "cnn-lenet", "cnn-medium", "cnn-cifar"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The PyTorch side runs in its own process so that its memory is its own.
TORCH_WORKER = r'''
import gzip, json, os, resource, struct, sys, time
import torch, torch.nn as nn, torch.nn.functional as F
name, seconds = sys.argv[1], float(sys.argv[2])
torch.set_num_threads(2)
torch.manual_seed(0)
BATCH = 64

def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    dims = struct.unpack(">" + "I" * (magic & 0xff), data[4:4 + 4 * (magic & 0xff)])
    return torch.frombuffer(bytearray(data[4 + 4 * len(dims):]), dtype=torch.uint8).reshape(dims)

def fashion():
    for d in [os.environ.get("CAPAS_DATA", ""), os.path.expanduser("~/.cache/capas/fashion-mnist"),
              "/usr/share/datasets/fashion-mnist"]:
        p = os.path.join(d, "train-images-idx3-ubyte.gz")
        if d and os.path.exists(p):
            xtr = idx(p).float().div_(255).unsqueeze(1)
            ytr = idx(os.path.join(d, "train-labels-idx1-ubyte.gz")).long()
            xte = idx(os.path.join(d, "t10k-images-idx3-ubyte.gz")).float().div_(255).unsqueeze(1)
            yte = idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz")).long()
            return xtr, ytr, xte, yte, "FashionMNIST"
    return None

def model_for(name):
    if name == "fnn-small":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 200), nn.ReLU(), nn.Linear(200, 10))
    if name == "fnn-deep":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    if name == "cnn-lenet":
        return nn.Sequential(nn.Conv2d(1, 10, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(10, 20, 5), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(320, 50), nn.ReLU(), nn.Linear(50, 10))
    if name == "cnn-medium":
        return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
    return nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(4096, 256), nn.ReLU(), nn.Dropout(0.5), nn.Linear(256, 10))

data = fashion() if name != "cnn-cifar" else None
if data is None:
    g = torch.Generator().manual_seed(0)
    shape = (3, 32, 32) if name == "cnn-cifar" else (1, 28, 28)
    xtr, ytr = torch.rand(5000, *shape, generator=g), torch.randint(0, 10, (5000,), generator=g)
    xte, yte = torch.rand(5000, *shape, generator=g), torch.randint(0, 10, (5000,), generator=g)
    source = "synthetic"
else:
    xtr, ytr, xte, yte, source = data
model = model_for(name)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
model.train()
images, start, warm = 0, None, False
while True:
    perm = torch.randperm(xtr.shape[0])
    for i in range(0, xtr.shape[0] - BATCH + 1, BATCH):
        b = perm[i:i + BATCH]
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(xtr[b]), ytr[b]).backward()
        opt.step()
        if not warm:
            warm, start = True, time.perf_counter()
            continue
        images += BATCH
        if time.perf_counter() - start >= seconds:
            break
    else:
        continue
    break
train = images / (time.perf_counter() - start)
model.eval()
best = 0.0
with torch.inference_mode():
    for _ in range(2):
        t0 = time.perf_counter()
        for i in range(0, xte.shape[0], BATCH):
            model(xte[i:i + BATCH])
        best = max(best, xte.shape[0] / (time.perf_counter() - t0))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"model": name, "train_img_s": train, "infer_img_s": best, "peak_rss_mib": peak, "data": source,
                  "torch": torch.__version__}))
'''


def find_python(explicit):
    candidates = [explicit, os.environ.get("CAPAS_TORCH_PYTHON"), sys.executable, "python3"]
    for python in [c for c in candidates if c]:
        try:
            out = subprocess.run([python, "-c", "import torch; print(torch.__version__)"],
                                 capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0:
            return python, out.stdout.strip()
    return None, None


def run_json(command, env):
    out = subprocess.run(command, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"compare.py: {' '.join(command[:3])}… failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description="capas vs PyTorch throughput and memory, side by side.")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--capas", default=os.path.join(ROOT, ".build", "release", "capas"))
    parser.add_argument("--python", default=None)
    parser.add_argument("--json", default=None, help="also write the results to this file")
    args = parser.parse_args()

    python, version = find_python(args.python)
    if python is None:
        print("compare.py: no Python with PyTorch found; skipping the comparison.\n"
              "Set it up outside the repository:\n"
              "  python3 -m venv ~/venvs/torch && ~/venvs/torch/bin/pip install torch numpy\n"
              "  CAPAS_TORCH_PYTHON=~/venvs/torch/bin/python bench/compare.py")
        return 0
    if not os.path.exists(args.capas):
        sys.exit(f"compare.py: {args.capas} not found; build it with `swift build -c release`.")

    # OpenBLAS must be single-threaded from process start (capas splits work itself).
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="2")
    rows = []
    print(f"capas {args.capas} vs PyTorch {version} ({python}); 2 threads, batch 64, "
          f"{args.seconds:g} s of training per run, best of {args.repeats} alternating runs", flush=True)
    header = f"{'model':<11} {'':>9} {'train img/s':>12} {'infer img/s':>12} {'peak MiB':>9}"
    print(header)
    for name in args.models.split(","):
        best = {"capas": None, "torch": None}
        for _ in range(args.repeats):
            for side in ("capas", "torch"):
                if side == "capas":
                    r = run_json([args.capas, "bench", "--models", name, "--json", "--threads", "2",
                                  "--seconds", str(args.seconds)], env)
                else:
                    r = run_json([python, "-c", TORCH_WORKER, name, str(args.seconds)], env)
                b = best[side]
                if b is None:
                    best[side] = r
                else:
                    b["train_img_s"] = max(b["train_img_s"], r["train_img_s"])
                    b["infer_img_s"] = max(b["infer_img_s"], r["infer_img_s"])
                    b["peak_rss_mib"] = min(b["peak_rss_mib"], r["peak_rss_mib"])
        c, t = best["capas"], best["torch"]
        ratio = {k: c[k] / t[k] for k in ("train_img_s", "infer_img_s", "peak_rss_mib")}
        for label, r in (("capas", c), ("PyTorch", t)):
            print(f"{name:<11} {label:>9} {r['train_img_s']:>12.0f} {r['infer_img_s']:>12.0f} {r['peak_rss_mib']:>9.0f}")
        print(f"{name:<11} {'ratio':>9} {ratio['train_img_s']:>11.2f}x {ratio['infer_img_s']:>11.2f}x "
              f"{ratio['peak_rss_mib']:>8.2f}x   ({c['data']})", flush=True)
        rows.append({"model": name, "capas": c, "torch": t, "ratio": ratio})
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%d"), "torch": version, "results": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
