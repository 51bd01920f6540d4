#!/usr/bin/env python3
"""capas's LSTM training step against PyTorch's nn.LSTM (a benchmark, not a test).

The model is the char-lstm preset on a text file: Embedding(V, 32) →
LSTM(32, 128, batch_first) at every step → a dense layer per step (capas:
conv1d V 1; PyTorch: Linear(128, V)), cross-entropy at every step, Adam
(lr 1e-3), batch 64, sequences of 64 characters, 2 threads on both sides.
capas runs `capas train char-lstm --data FILE --epochs E` and reports
seconds per epoch; PyTorch runs the same number of steps per epoch on the
same windows. The script prints characters per second for each and the
ratio capas / PyTorch (above 1: capas is faster).

Usage: bench/lstm.py TEXT.txt [--epochs 2] [--capas .build/release/capas]
       [--python ~/.cache/capas/torch-venv/bin/python]
"""
import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TORCH = r'''
import sys, time, torch
torch.set_num_threads(2)
path, epochs, seq, batch = sys.argv[1], int(sys.argv[2]), 64, 64
text = open(path, encoding="utf-8").read()
vocab = sorted(set(text)); index = {c: i for i, c in enumerate(vocab)}
ids = torch.tensor([index[c] for c in text])
windows = (len(ids) - 1) // seq
x_all = torch.stack([ids[i * seq:(i + 1) * seq] for i in range(windows)])
y_all = torch.stack([ids[i * seq + 1:(i + 1) * seq + 1] for i in range(windows)])
class M(torch.nn.Module):
    def __init__(s):
        super().__init__()
        s.e = torch.nn.Embedding(len(vocab), 32); s.l = torch.nn.LSTM(32, 128, batch_first=True); s.d = torch.nn.Linear(128, len(vocab))
    def forward(s, x): return s.d(s.l(s.e(x))[0])
torch.manual_seed(0)
m = M(); opt = torch.optim.Adam(m.parameters(), lr=1e-3)
for epoch in range(epochs):
    start = time.perf_counter(); perm = torch.randperm(windows); total = 0.0
    for i in range(0, windows, batch):
        j = perm[i:i + batch]
        z = m(x_all[j]); loss = torch.nn.functional.cross_entropy(z.reshape(-1, len(vocab)), y_all[j].reshape(-1))
        opt.zero_grad(); loss.backward(); opt.step(); total += loss.item() * len(j)
    print("epoch %d: %.3f bits per character, %.2f s" % (epoch + 1, total / windows / 0.6931471805599453, time.perf_counter() - start))
'''


def main():
    p = argparse.ArgumentParser()
    p.add_argument("text")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--capas", default=os.path.join(ROOT, ".build/release/capas"))
    p.add_argument("--python", default=os.path.expanduser("~/.cache/capas/torch-venv/bin/python"))
    a = p.parse_args()
    chars = len(open(a.text, encoding="utf-8").read())
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="2")
    out = subprocess.run([a.capas, "train", "char-lstm", "--data", a.text, "--epochs", str(a.epochs), "--threads", "2"],
                         capture_output=True, text=True, env=env, check=True).stdout
    capas = [float(s) for s in re.findall(r"([\d.]+) s$", out, re.M)]
    try:
        tout = subprocess.run([a.python, "-c", TORCH, a.text, str(a.epochs)], capture_output=True, text=True,
                              env=env, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        print(out); print(f"no PyTorch at {a.python}: {e}"); return 0
    torch_s = [float(s) for s in re.findall(r"([\d.]+) s$", tout, re.M)]
    print("capas:\n" + out.strip()); print("PyTorch:\n" + tout.strip())
    bc, bt = min(capas), min(torch_s)
    print(f"best epoch: capas {bc:.2f} s ({chars / bc:,.0f} chars/s), PyTorch {bt:.2f} s ({chars / bt:,.0f} chars/s), "
          f"capas / PyTorch speed {bt / bc:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
