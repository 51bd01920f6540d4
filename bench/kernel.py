#!/usr/bin/env python3
"""The capas Jupyter kernel's latency, measured with jupyter_client's own session and sockets.

  start    from launching `capas kernel -f FILE` to receiving the first kernel_info_reply
  execute  one execute_request of a layer line (`conv 8 3x3 pad=same`) to its execute_reply
           (the model has a few layers; each line is undone after it is timed)

Run it with the Python of the venv Tests/jupyter/run.sh makes:
  ~/.cache/capas/jupyter-venv/bin/python bench/kernel.py [--capas .build/release/capas] [--starts 20] [--executes 200]
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

import zmq
from jupyter_client.connect import write_connection_file
from jupyter_client.session import Session


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--capas", default=os.path.join(here, "..", ".build", "release", "capas"))
    parser.add_argument("--starts", type=int, default=20)
    parser.add_argument("--executes", type=int, default=200)
    args = parser.parse_args()

    context = zmq.Context()
    starts = []
    executes = []
    for run in range(args.starts):
        folder = tempfile.mkdtemp()
        path = os.path.join(folder, "kernel.json")
        _, info = write_connection_file(path, ip="127.0.0.1", key=os.urandom(16).hex().encode())
        session = Session(key=info["key"].encode(), signature_scheme="hmac-sha256")
        shell = context.socket(zmq.DEALER)
        # Retry every millisecond until the kernel listens (ZeroMQ's default waits 100 ms between attempts).
        shell.setsockopt(zmq.RECONNECT_IVL, 1)
        shell.connect("tcp://127.0.0.1:%d" % info["shell_port"])
        iopub = context.socket(zmq.SUB)
        iopub.setsockopt(zmq.SUBSCRIBE, b"")
        iopub.connect("tcp://127.0.0.1:%d" % info["iopub_port"])
        control = context.socket(zmq.DEALER)
        control.connect("tcp://127.0.0.1:%d" % info["control_port"])

        t0 = time.perf_counter()
        kernel = subprocess.Popen([args.capas, "kernel", "-f", path, "--lang", "en"])
        # ZeroMQ queues the request until the kernel binds its socket.
        session.send(shell, "kernel_info_request", {})
        session.recv(shell, mode=0)
        starts.append(time.perf_counter() - t0)

        if run == 0:
            def execute(code):
                session.send(shell, "execute_request", {"code": code, "silent": False, "store_history": True})
                while True:
                    _, reply = session.recv(shell, mode=0)
                    if reply["msg_type"] == "execute_reply":
                        assert reply["content"]["status"] == "ok", reply["content"]
                        return
            execute("input 28x28x1\nconv 10 5x5 relu\nmaxpool 2")
            for _ in range(args.executes):
                t = time.perf_counter()
                execute("conv 8 3x3 pad=same")
                executes.append(time.perf_counter() - t)
                execute(":undo")
        session.send(control, "shutdown_request", {"restart": False})
        session.recv(control, mode=0)
        kernel.wait(timeout=10)
        for s in (shell, iopub, control):
            s.close(linger=0)

    def ms(values):
        values = sorted(values)
        return "median %.2f ms, best %.2f ms, 90th percentile %.2f ms (%d runs)" % (
            1000 * statistics.median(values), 1000 * values[0], 1000 * values[int(0.9 * (len(values) - 1))], len(values))

    print(json.dumps({"capas": os.path.abspath(args.capas)}))
    print("start → first kernel_info_reply: " + ms(starts))
    print("execute of a layer line:        " + ms(executes))


if __name__ == "__main__":
    main()
