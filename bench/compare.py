#!/usr/bin/env python3
"""capas against PyTorch and Keras (JAX and TensorFlow backends), side by side in the same run.

For each reference model (the same five as `capas bench` and the anchors'
torch_bench.py) this runs `capas bench --json` and an equivalent measurement
by each peer in separate processes, alternating them `--repeats` times (capas,
PyTorch, Keras-JAX, Keras-TF, then again) so that all see the same machine
state, and prints the best of each and the ratios capas / peer (above 1 means
capas is faster; for memory, below 1 means capas uses less), plus capas / the
best of PyTorch and Keras-JAX ("best peer", the bar capas sets itself for
inference).

Every side: 2 threads, batch 64, Adam (lr 1e-3), cross-entropy from logits;
training throughput over `--seconds` of steps after a warm-up; inference over
the test set (eval mode, batch 64), best of 2 passes; peak resident memory of
the process (VmHWM). FashionMNIST models train on the real data when it is
installed (pixels / 255), cnn-cifar on random images (5000 train, 5000 test),
as in the anchors. PyTorch keeps its dataset as float32 tensors, Keras as
float32 NumPy arrays (channels last); capas keeps bytes and converts each
batch.

Keras runs the way a Keras user runs it: `model.fit` for training and
`model.predict(x, batch_size=64)` for inference, with the backend's defaults
(XLA through JAX; TensorFlow's graph mode, which Keras does not XLA-compile on
a CPU). Its training time counts the steady state only: a warm-up `fit`
compiles the step, short `fit` calls calibrate how many steps last about
`--seconds`, and the timed `fit` is clocked from the end of its first step to
its end. Its inference starts with a warm-up `predict` of the same batch
shapes, so compilation is not counted. JAX gets XLA_FLAGS
"--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads=2";
TensorFlow 2 intra-op threads and 1 inter-op thread; both are pinned to two
cores when the machine has more.

Neither PyTorch nor Keras is a dependency of capas. To enable them, install
them into virtual environments outside the repository:

    python3 -m venv ~/venvs/torch
    ~/venvs/torch/bin/pip install torch numpy
    python3 -m venv ~/venvs/keras
    ~/venvs/keras/bin/pip install keras jax tensorflow-cpu
    CAPAS_TORCH_PYTHON=~/venvs/torch/bin/python CAPAS_KERAS_PYTHON=~/venvs/keras/bin/python bench/compare.py

(or pass --torch-python / --keras-python). A peer whose Python is not found
is skipped with a one-line message; without any peer the script exits 0.

Usage: bench/compare.py [--models a,b] [--peers torch,keras-jax,keras-tf] [--seconds 8] [--repeats 2]
                        [--capas PATH] [--torch-python PATH] [--keras-python PATH] [--json FILE]
"""
import argparse
import json
import os
import subprocess
import sys
import time

MODELS = ["fnn-small", "fnn-deep", "cnn-lenet", "cnn-medium", "cnn-cifar"]
PEERS = {"torch": "PyTorch", "keras-jax": "Keras-JAX", "keras-tf": "Keras-TF"}
# "Best peer": the peers that capas' inference goal is measured against.
BEST_OF = ("torch", "keras-jax")
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


# Each Keras backend runs in its own process too: argv is model, seconds, backend ("jax" or "tensorflow").
KERAS_WORKER = r'''
import gzip, json, os, resource, struct, sys, time
name, seconds, backend = sys.argv[1], float(sys.argv[2]), sys.argv[3]
# Two threads, set before the backend starts its pools.
cpus = sorted(os.sched_getaffinity(0))
if len(cpus) > 2:
    os.sched_setaffinity(0, set(cpus[:2]))
os.environ["KERAS_BACKEND"] = backend
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
if backend == "jax":
    os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads=2"
    import jax
    backend_version = jax.__version__
else:
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(2)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    backend_version = tf.__version__
import numpy as np
import keras
from keras import layers
if backend == "jax":
    np.random.seed(0)  # keras.utils.set_random_seed would import TensorFlow (to seed it) into this process
else:
    keras.utils.set_random_seed(0)
BATCH = 64

def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    dims = struct.unpack(">" + "I" * (magic & 0xff), data[4:4 + 4 * (magic & 0xff)])
    return np.frombuffer(data[4 + 4 * len(dims):], dtype=np.uint8).reshape(dims)

def fashion():
    for d in [os.environ.get("CAPAS_DATA", ""), os.path.expanduser("~/.cache/capas/fashion-mnist"),
              "/usr/share/datasets/fashion-mnist"]:
        p = os.path.join(d, "train-images-idx3-ubyte.gz")
        if d and os.path.exists(p):
            images = lambda f: (idx(os.path.join(d, f)).astype(np.float32) / 255)[..., None]
            labels = lambda f: idx(os.path.join(d, f)).astype(np.int32)
            return (images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz"),
                    images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"), "FashionMNIST")
    return None

def model_for(name):
    # Layer for layer the PyTorch worker's models, channels last.
    conv = lambda n, k, padding: layers.Conv2D(n, k, padding=padding, activation="relu")
    if name == "fnn-small":
        body = [layers.Flatten(), layers.Dense(200, activation="relu"), layers.Dense(10)]
    elif name == "fnn-deep":
        body = [layers.Flatten(), layers.Dense(256, activation="relu"), layers.Dense(128, activation="relu"),
                layers.Dense(10)]
    elif name == "cnn-lenet":
        body = [conv(10, 5, "valid"), layers.MaxPooling2D(2), conv(20, 5, "valid"), layers.MaxPooling2D(2),
                layers.Flatten(), layers.Dense(50, activation="relu"), layers.Dense(10)]
    elif name == "cnn-medium":
        body = [conv(32, 3, "same"), layers.MaxPooling2D(2), conv(64, 3, "same"), layers.MaxPooling2D(2),
                layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dropout(0.5), layers.Dense(10)]
    else:
        body = [conv(32, 3, "same"), conv(32, 3, "same"), layers.MaxPooling2D(2), conv(64, 3, "same"),
                conv(64, 3, "same"), layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(256, activation="relu"),
                layers.Dropout(0.5), layers.Dense(10)]
    shape = (32, 32, 3) if name == "cnn-cifar" else (28, 28, 1)
    return keras.Sequential([keras.Input(shape)] + body)

data = fashion() if name != "cnn-cifar" else None
if data is None:
    rng = np.random.default_rng(0)
    shape = (32, 32, 3) if name == "cnn-cifar" else (28, 28, 1)
    xtr, ytr = rng.random((5000,) + shape, dtype=np.float32), rng.integers(0, 10, 5000).astype(np.int32)
    xte, yte = rng.random((5000,) + shape, dtype=np.float32), rng.integers(0, 10, 5000).astype(np.int32)
    source = "synthetic"
else:
    xtr, ytr, xte, yte, source = data
full = xtr.shape[0] // BATCH  # whole batches only, so that no step has another shape
xtr, ytr = xtr[:full * BATCH], ytr[:full * BATCH]
model = model_for(name)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))

class Clock(keras.callbacks.Callback):
    # From the end of the first step (compilation, data set-up) to the end of training. Safe for Keras'
    # asynchronous dispatch, so that `fit` runs as it does without it: Keras calls it from a worker thread
    # once the step's results are ready, and waits for those calls before `on_train_end`.
    async_safe = True
    def on_train_batch_end(self, batch, logs=None):
        if batch == 0 and self.start is None:
            self.start = time.perf_counter()
    def on_train_end(self, logs=None):
        self.end = time.perf_counter()
    def rate(self):
        return (self.steps - 1) * BATCH / (self.end - self.start)

clock = Clock()
def fit(steps, epochs=1):
    clock.start, clock.steps = None, steps * epochs
    model.fit(xtr[:steps * BATCH], ytr[:steps * BATCH], batch_size=BATCH, epochs=epochs, shuffle=True, verbose=0,
              callbacks=[clock])
# Warm-up (compiles the training step), then short runs, longer each time, until one lasts long enough to
# tell how many steps make up `seconds`: the first steps after compilation are still slow.
steps = min(full, 8)
fit(steps)
while True:
    fit(steps)
    if clock.end - clock.start >= min(0.5, seconds / 6) or steps == full:
        break
    steps = min(full, steps * 4)
steps = max(20, int(seconds * clock.rate() / BATCH))
epochs = -(-steps // full)  # more than one pass over the data: equal epochs of whole batches
fit(steps // epochs, epochs)
train = clock.rate()
# Inference: a warm-up call with the same last-batch shape as the test set, then the best of two passes.
model.predict(xte[:BATCH + xte.shape[0] % BATCH], batch_size=BATCH, verbose=0)
best = 0.0
for _ in range(2):
    t0 = time.perf_counter()
    model.predict(xte, batch_size=BATCH, verbose=0)
    best = max(best, xte.shape[0] / (time.perf_counter() - t0))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"model": name, "train_img_s": train, "infer_img_s": best, "peak_rss_mib": peak, "data": source,
                  "params": model.count_params(), "train_seconds": clock.end - clock.start,
                  "keras": keras.__version__, "backend": backend + " " + backend_version,
                  "tensorflow_imported": "tensorflow" in sys.modules}))
'''

# Which of keras, jax and tensorflow a Python imports, with their versions.
KERAS_PROBE = r'''
import importlib, json, os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
found = {}
for module in ("jax", "tensorflow"):
    try:
        found[module] = importlib.import_module(module).__version__
    except Exception:
        found[module] = None
os.environ["KERAS_BACKEND"] = "jax" if found["jax"] else "tensorflow"
try:
    import keras
    found["keras"] = keras.__version__
except Exception:
    found["keras"] = None
print(json.dumps(found))
'''


def candidates(explicit, variable):
    return [c for c in (explicit, os.environ.get(variable), sys.executable, "python3") if c]


def probe(python, code):
    try:
        out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=180)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip().splitlines()[-1] if out.returncode == 0 and out.stdout.strip() else None


def find_torch(explicit):
    """The first Python that imports torch, with torch's version, or None."""
    for python in candidates(explicit, "CAPAS_TORCH_PYTHON"):
        version = probe(python, "import torch; print(torch.__version__)")
        if version:
            return {"python": python, "version": f"PyTorch {version}"}
    return None


def find_keras(explicit):
    """For keras-jax and keras-tf, the first Python that imports Keras and that backend, or None."""
    found = {"keras-jax": None, "keras-tf": None}
    for python in candidates(explicit, "CAPAS_KERAS_PYTHON"):
        out = probe(python, KERAS_PROBE)
        versions = json.loads(out) if out else {}
        if not versions.get("keras"):
            continue
        for peer, module, label in (("keras-jax", "jax", "JAX"), ("keras-tf", "tensorflow", "TensorFlow")):
            if found[peer] is None and versions.get(module):
                found[peer] = {"python": python, "version": f"Keras {versions['keras']} / {label} {versions[module]}"}
        if all(found.values()):
            break
    return found


SETUP = {
    "torch": "python3 -m venv ~/venvs/torch && ~/venvs/torch/bin/pip install torch numpy; "
             "then CAPAS_TORCH_PYTHON=~/venvs/torch/bin/python (or --torch-python)",
    "keras": "python3 -m venv ~/venvs/keras && ~/venvs/keras/bin/pip install keras jax tensorflow-cpu; "
             "then CAPAS_KERAS_PYTHON=~/venvs/keras/bin/python (or --keras-python)",
}


def run_json(command, env):
    out = subprocess.run(command, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"compare.py: {' '.join(command[:3])[:80]}… failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description="capas vs PyTorch and Keras throughput and memory, side by side.")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--peers", default=None,
                        help="comma-separated among torch, keras-jax, keras-tf (default: all that are installed)")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--capas", default=os.path.join(ROOT, ".build", "release", "capas"))
    parser.add_argument("--torch-python", "--python", dest="torch_python", default=None,
                        help="a Python that imports torch (default: $CAPAS_TORCH_PYTHON, this Python, python3)")
    parser.add_argument("--keras-python", default=None,
                        help="a Python that imports keras with jax and/or tensorflow "
                             "(default: $CAPAS_KERAS_PYTHON, this Python, python3)")
    parser.add_argument("--json", default=None, help="also write the results to this file")
    args = parser.parse_args()

    models = [m for m in args.models.split(",") if m]
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        sys.exit(f"compare.py: unknown model {', '.join(unknown)} in --models; the models are {', '.join(MODELS)}.")
    wanted = list(PEERS) if args.peers is None else [p for p in args.peers.split(",") if p]
    unknown = [p for p in wanted if p not in PEERS]
    if unknown or not wanted:
        sys.exit(f"compare.py: unknown peer {', '.join(unknown) or '(none)'} in --peers; "
                 f"the peers are {', '.join(PEERS)}.")
    if args.repeats < 1 or args.seconds <= 0:
        sys.exit("compare.py: --repeats must be at least 1 and --seconds positive.")

    found = {}
    if "torch" in wanted:
        found["torch"] = find_torch(args.torch_python)
        if found["torch"] is None:
            print(f"compare.py: no Python with PyTorch found; skipping PyTorch. Set it up: {SETUP['torch']}.")
    if "keras-jax" in wanted or "keras-tf" in wanted:
        keras = find_keras(args.keras_python)
        missing = [PEERS[p] for p in ("keras-jax", "keras-tf") if p in wanted and keras[p] is None]
        if missing:
            backends = {"Keras-JAX": "JAX", "Keras-TF": "TensorFlow"}
            print(f"compare.py: no Python with Keras and {' / '.join(backends[m] for m in missing)} found; "
                  f"skipping {', '.join(missing)}. Set it up: {SETUP['keras']}.")
        found.update({p: keras[p] for p in ("keras-jax", "keras-tf") if p in wanted})
    peers = [p for p in PEERS if found.get(p)]
    if not peers:
        print("compare.py: no peer to compare with; nothing to do.")
        return 0
    if not os.path.exists(args.capas):
        sys.exit(f"compare.py: {args.capas} not found; build it with `swift build -c release`.")

    # OpenBLAS must be single-threaded from process start (capas splits work itself).
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="2", TF_CPP_MIN_LOG_LEVEL="3")
    print(f"capas {args.capas} vs {', '.join(found[p]['version'] for p in peers)}; 2 threads, batch 64, "
          f"{args.seconds:g} s of training per run, best of {args.repeats} alternating runs", flush=True)
    for p in peers:
        print(f"  {PEERS[p]}: {found[p]['python']}")
    print(f"{'model':<11} {'':<13} {'train img/s':>12} {'infer img/s':>12} {'peak MiB':>9}")
    rows = []
    for name in models:
        best = {}
        for _ in range(args.repeats):
            for side in ["capas"] + peers:
                if side == "capas":
                    command = [args.capas, "bench", "--models", name, "--json", "--threads", "2",
                               "--seconds", str(args.seconds)]
                elif side == "torch":
                    command = [found[side]["python"], "-c", TORCH_WORKER, name, str(args.seconds)]
                else:
                    backend = "jax" if side == "keras-jax" else "tensorflow"
                    command = [found[side]["python"], "-c", KERAS_WORKER, name, str(args.seconds), backend]
                r = run_json(command, env)
                b = best.get(side)
                if b is None:
                    best[side] = r
                else:
                    b["train_img_s"] = max(b["train_img_s"], r["train_img_s"])
                    b["infer_img_s"] = max(b["infer_img_s"], r["infer_img_s"])
                    b["peak_rss_mib"] = min(b["peak_rss_mib"], r["peak_rss_mib"])
        c = best["capas"]
        keys = ("train_img_s", "infer_img_s", "peak_rss_mib")
        ratio = {p: {k: c[k] / best[p][k] for k in keys} for p in peers}
        top = {}
        contenders = [p for p in BEST_OF if p in peers]
        if contenders:
            for k in ("train_img_s", "infer_img_s"):
                winner = max(contenders, key=lambda p: best[p][k])
                top[k] = {"peer": winner, "ratio": c[k] / best[winner][k]}
        for side in ["capas"] + peers:
            r = best[side]
            label = "capas" if side == "capas" else PEERS[side]
            print(f"{name:<11} {label:<13} {r['train_img_s']:>12.0f} {r['infer_img_s']:>12.0f} "
                  f"{r['peak_rss_mib']:>9.0f}")
        for p in peers:
            q = ratio[p]
            print(f"{name:<11} {'vs ' + PEERS[p]:<13} {q['train_img_s']:>11.2f}x {q['infer_img_s']:>11.2f}x "
                  f"{q['peak_rss_mib']:>8.2f}x")
        if top:
            t, i = top["train_img_s"], top["infer_img_s"]
            print(f"{name:<11} {'vs best peer':<13} {t['ratio']:>11.2f}x {i['ratio']:>11.2f}x {'':>9}"
                  f"   (train {PEERS[t['peer']]}, inference {PEERS[i['peer']]}; {c['data']})", flush=True)
        row = {"model": name, "capas": c}
        row.update({p: best[p] for p in peers})
        row.update({"ratio": ratio, "best_peer": top})
        rows.append(row)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%d"), "seconds": args.seconds, "repeats": args.repeats,
                       "peers": {p: found[p] for p in peers}, "results": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
