"""Interrupting a `:train` cell through jupyter_client, as JupyterLab's stop button does.

A small model trains on FashionMNIST for many epochs; once the first epoch has
been reported, the client interrupts the kernel (SIGINT, the kernelspec's
default interrupt_mode, and interrupt_request on the control channel, the
"message" mode). The cell must end with the documented message, the kernel must
stay alive, and the weights trained so far must be kept: the next `:train`
continues from them and counts the steps already made.
"""
import os
import queue
import re
import time
import unittest

from jupyter_client.manager import KernelManager

FASHION = [os.path.join(d, "fashion-mnist") for d in
           [os.environ.get("CAPAS_DATA", ""), os.path.expanduser("~/.cache/capas"), "/usr/share/datasets"] if d]
HAVE_DATA = any(os.path.exists(os.path.join(d, "train-images-idx3-ubyte.gz")) for d in FASHION)

MODEL = "input 28x28x1\nflatten\ndense 10"
# 1000 epochs of 2,000 images (32 steps of 64 each): hours if the interrupt were ignored.
LONG_TRAIN = ":train epochs=1000 limit=2000"
STOPPED = re.compile(r"training interrupted after (\d+) steps \(epoch (\d+), batch (\d+) of (\d+)\); "
                     r"the weights trained so far are kept")
TRAINED = re.compile(r"`model` trained on fashion-mnist \(2,000 images\): (\d+) complete epochs?, ([\d,]+) steps?")


def start_kernel(test, interrupt_mode=None):
    """A capas kernel and its client, ready, shut down when `test` ends."""
    km = KernelManager(kernel_name="capas")
    if interrupt_mode:
        km.kernel_spec.interrupt_mode = interrupt_mode
        test.assertEqual(km.kernel_spec.interrupt_mode, interrupt_mode)
    km.start_kernel()
    test.addCleanup(km.shutdown_kernel, now=True)
    kc = km.client()
    kc.start_channels()
    test.addCleanup(kc.stop_channels)
    kc.wait_for_ready(timeout=60)
    return km, kc


@unittest.skipUnless(HAVE_DATA, "FashionMNIST is not installed (capas data fetch fashion-mnist)")
class InterruptTests(unittest.TestCase):
    def start(self, interrupt_mode):
        return start_kernel(self, interrupt_mode)

    def run_cell(self, kc, code, timeout=600):
        """Executes a cell; returns its reply content and the text it printed."""
        msg_id = kc.execute(code)
        reply = kc.get_shell_msg(timeout=timeout)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        return reply["content"], self.printed(kc, msg_id)

    def printed(self, kc, msg_id):
        """The stream text of one request, up to its idle status."""
        text = ""
        while True:
            msg = kc.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                text += msg["content"]["text"]
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return text

    def interrupt_training(self, interrupt_mode):
        km, kc = self.start(interrupt_mode)
        content, _ = self.run_cell(kc, MODEL)
        self.assertEqual(content["status"], "ok", content)

        msg_id = kc.execute(LONG_TRAIN)
        # Wait until training is under way: the first epoch's line appears in the progress display
        # (a display_data updated in place; see test_training_display).
        text = shown = ""
        deadline = time.monotonic() + 300
        while not re.search(r"^epoch 1/1000  train loss", shown, re.M):
            self.assertLess(time.monotonic(), deadline, "no epoch reported by :train: " + text + shown)
            try:
                msg = kc.get_iopub_msg(timeout=5)
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                text += msg["content"]["text"]
            elif msg["msg_type"] in ("display_data", "update_display_data"):
                shown = msg["content"]["data"].get("text/plain", "")
        km.interrupt_kernel()

        # The cell ends (well before 1000 epochs) with an error reply naming the interrupt.
        reply = kc.get_shell_msg(timeout=120)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["status"], "error", reply["content"])
        self.assertEqual(reply["content"]["ename"], "interrupt")
        text += self.printed(kc, msg_id)
        stopped = STOPPED.search(text)
        self.assertIsNotNone(stopped, "no stop message in the cell's output:\n" + text)
        steps, epoch, batch, of = (int(g) for g in stopped.groups())
        self.assertEqual(of, 32)
        self.assertGreaterEqual(epoch, 2, "interrupted after the first epoch's report")
        self.assertLess(epoch, 1000)
        self.assertEqual(steps, (epoch - 1) * of + batch)
        trained = TRAINED.search(text)
        self.assertIsNotNone(trained, text)
        self.assertEqual(int(trained.group(1)), epoch - 1)
        self.assertEqual(int(trained.group(2).replace(",", "")), steps)

        # The kernel is alive and answers.
        self.assertTrue(km.is_alive())
        info = kc.kernel_info(reply=True, timeout=30)
        self.assertEqual(info["content"]["status"], "ok")

        # The weights are kept: the next :train continues from them (one more step of 64 images).
        content, more = self.run_cell(kc, ":train epochs=1 limit=64")
        self.assertEqual(content["status"], "ok", content)
        self.assertIn("training continues from the weights `model` already has", more)
        self.assertRegex(more, r"`model` trained on fashion-mnist \(64 images\): %d complete epochs?, %s steps"
                         % (epoch, format(steps + 1, ",")))
        # And the next cell is not interrupted by the earlier request.
        content, _ = self.run_cell(kc, "1 + 2")
        self.assertEqual(content["status"], "ok", content)

    def test_interrupt_by_signal(self):
        self.interrupt_training("signal")

    def test_interrupt_by_message(self):
        self.interrupt_training("message")


if __name__ == "__main__":
    unittest.main()
