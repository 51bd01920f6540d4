"""How quickly the capas kernel answers, measured with jupyter_client (prints numbers, asserts nothing).

- start: from KernelManager.start_kernel() until the first kernel_info reply (and until
  KernelClient.wait_for_ready returns, which also waits for IOPub);
- cell: the mean, median and slowest time from execute() until the cell's idle status,
  over CELLS cells that each run one layer line in a fresh model
  (`:reset` and `input 28x28x1`, then `conv 8 3x3`, the layer line alone being timed).

Usage (the capas kernelspec must be installed, as Tests/jupyter/run.sh does in its own prefix):
    capas kernel install --prefix /tmp/k && JUPYTER_PATH=/tmp/k/share/jupyter \\
        ~/.cache/capas/jupyter-venv/bin/python Tests/jupyter/latency.py [CELLS]
"""
import statistics
import sys
import time

from jupyter_client.manager import KernelManager


def run(kc, code):
    """Runs a cell; returns (seconds until idle, reply status)."""
    began = time.perf_counter()
    msg_id = kc.execute(code)
    while True:
        msg = kc.get_iopub_msg(timeout=60)
        if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                and msg["content"]["execution_state"] == "idle"):
            break
    seconds = time.perf_counter() - began
    reply = kc.get_shell_msg(timeout=60)
    return seconds, reply["content"]["status"]


def main():
    cells = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    km = KernelManager(kernel_name="capas")
    began = time.perf_counter()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        # One kernel_info_request sent at once (ZeroMQ holds it until the kernel listens), its reply awaited.
        kc.kernel_info(reply=True, timeout=60)
        start = time.perf_counter() - began
        # What a notebook waits for: wait_for_ready also waits until IOPub delivers (jupyter_client polls).
        kc.wait_for_ready(timeout=60)
        ready = time.perf_counter() - began
        print("kernel %s (%s)" % (km.kernel_spec.argv[0], km.kernel_spec.display_name))
        print("start to first kernel_info reply: %.1f ms; to wait_for_ready returning: %.1f ms" % (1000 * start, 1000 * ready))
        times = []
        for i in range(cells):
            run(kc, ":reset\ninput 28x28x1")
            seconds, status = run(kc, "conv 8 3x3")
            if status != "ok":
                print("cell %d failed: %s" % (i + 1, status))
                sys.exit(1)
            times.append(seconds)
        print("`conv 8 3x3` in a fresh model, %d cells: mean %.1f ms, median %.1f ms, slowest %.1f ms"
              % (cells, 1000 * statistics.mean(times), 1000 * statistics.median(times), 1000 * max(times)))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
