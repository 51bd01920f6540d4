"""`:train` and `:plot` in a notebook, through jupyter_client and nbclient.

While `:train` runs, the kernel reports in one display that is updated in place:
a display_data with a display_id (transient), then update_display_data with the
same id, few enough not to flood the notebook, and hardly any stream messages.
The curves at the end of `:train` and after `:plot` come as display_data with
image/svg+xml (a document whose root is <svg>), image/png and a text/plain
description. nbclient stores the display's final state; `capas run` writes the
same outputs (the same mime bundles, the same final progress text) and both
notebooks pass nbformat.validate.

FashionMNIST is needed (skipped without it), as in test_interrupt.
"""
import base64
import os
import re
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ET

import nbformat
from nbclient import NotebookClient

from test_interrupt import HAVE_DATA, start_kernel

MODEL = "input 28x28x1\nflatten\ndense 10"
# 3 epochs of 640 images: 10 steps of 64 each.
TRAIN = ":train epochs=3 limit=640"
EPOCH = re.compile(r"^epoch (\d)/3  train loss [\d.]+  train acc [\d.]+  test acc [\d.]+", re.M)
TIMING = re.compile(r"\d[\d,.]*\s?(?:ms|µs|s|img/s)(?![\w])")
CAPAS = os.environ.get("CAPAS_BIN", os.path.join(os.path.dirname(__file__), "..", "..", ".build", "debug", "capas"))


def check_figure(test, data, model="model"):
    test.assertEqual(sorted(data), ["image/png", "image/svg+xml", "text/plain"])
    svg = data["image/svg+xml"]
    svg = "".join(svg) if isinstance(svg, list) else svg
    root = ET.fromstring(svg)
    test.assertEqual(root.tag, "{http://www.w3.org/2000/svg}svg")
    test.assertEqual((root.get("width"), root.get("height")), ("800", "600"))
    test.assertTrue(base64.b64decode(data["image/png"]).startswith(b"\x89PNG\r\n\x1a\n"))
    text = "".join(data["text/plain"]) if isinstance(data["text/plain"], list) else data["text/plain"]
    test.assertIn("training curves of `%s` on fashion-mnist (30 steps, 3 epochs)" % model, text)


@unittest.skipUnless(HAVE_DATA, "FashionMNIST is not installed (capas data fetch fashion-mnist)")
class TrainingDisplayTests(unittest.TestCase):
    def messages(self, kc, code):
        """Every IOPub message of one execute request, up to its idle status, and the reply."""
        msg_id = kc.execute(code)
        reply = kc.get_shell_msg(timeout=600)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        got = []
        while True:
            msg = kc.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return reply["content"], got
            if msg["msg_type"] != "status":
                got.append(msg)

    def test_progress_display_and_figures(self):
        _, kc = start_kernel(self)
        content, _ = self.messages(kc, MODEL)
        self.assertEqual(content["status"], "ok", content)

        content, msgs = self.messages(kc, TRAIN)
        self.assertEqual(content["status"], "ok", content)
        types = [m["msg_type"] for m in msgs]
        displays = [m for m in msgs if m["msg_type"] == "display_data" and "display_id" in m["content"].get("transient", {})]
        self.assertEqual(len(displays), 1, types)
        display_id = displays[0]["content"]["transient"]["display_id"]
        updates = [m for m in msgs if m["msg_type"] == "update_display_data"]
        self.assertGreaterEqual(len(updates), 1, types)
        for u in updates:
            self.assertEqual(u["content"]["transient"]["display_id"], display_id)
            self.assertEqual(list(u["content"]["data"]), ["text/plain"])
        # The display comes first, its updates before the cell's other outputs.
        self.assertLess(types.index("display_data"), types.index("update_display_data"))
        self.assertLess(max(i for i, t in enumerate(types) if t == "update_display_data"),
                        types.index("stream"))
        # Throttled: at most 5 updates a second over the training, plus the last one.
        seconds = (msgs[-1]["header"]["date"] - msgs[0]["header"]["date"]).total_seconds()
        self.assertLessEqual(len(updates), 5 * seconds + 2, (len(updates), seconds))
        # The final state: one line per epoch, no bar left over.
        final = updates[-1]["content"]["data"]["text/plain"]
        self.assertEqual([int(e) for e in EPOCH.findall(final)], [1, 2, 3], final)
        self.assertEqual(len(final.splitlines()), 3, final)
        self.assertNotIn("█", final)
        # The summary is the only text printed: no stream per epoch.
        streams = [m for m in msgs if m["msg_type"] == "stream"]
        self.assertEqual(len(streams), 1, [s["content"]["text"] for s in streams])
        self.assertIn("`model` trained on fashion-mnist (640 images): 3 complete epochs, 30 steps", streams[0]["content"]["text"])
        self.assertNotIn("epoch 1/3", streams[0]["content"]["text"])
        # The curves at the end of :train.
        figures = [m for m in msgs if m["msg_type"] == "display_data" and "image/png" in m["content"]["data"]]
        self.assertEqual(len(figures), 1, types)
        check_figure(self, figures[0]["content"]["data"])

        # :plot alone shows the same figure.
        content, msgs = self.messages(kc, ":plot")
        self.assertEqual(content["status"], "ok", content)
        self.assertEqual([m["msg_type"] for m in msgs], ["execute_input", "display_data"])
        check_figure(self, msgs[1]["content"]["data"])
        self.assertEqual(msgs[1]["content"]["data"]["image/svg+xml"], figures[0]["content"]["data"]["image/svg+xml"])

    def test_notebook_keeps_the_final_state_as_capas_run_does(self):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "capas", "display_name": "capas", "language": "capas"}
        nb.cells = [nbformat.v4.new_code_cell(MODEL), nbformat.v4.new_code_cell(TRAIN), nbformat.v4.new_code_cell(":plot")]
        with tempfile.TemporaryDirectory() as work:
            source = os.path.join(work, "train.ipynb")
            nbformat.write(nb, source)
            NotebookClient(nb, kernel_name="capas", timeout=600, resources={"metadata": {"path": work}}).execute()
            nbformat.validate(nb)
            out = os.path.join(work, "run.ipynb")
            subprocess.run([CAPAS, "--lang", "en", "run", source, "--out", out], check=True, capture_output=True, cwd=work)
            ran = nbformat.read(out, as_version=4)
            nbformat.validate(ran)

        def shape(book):
            return [[(o.output_type, sorted(o.get("data", {}))) for o in c.outputs] for c in book.cells]
        self.assertEqual(shape(nb), shape(ran))
        self.assertEqual(shape(nb)[1], [("display_data", ["text/plain"]), ("stream", []),
                                        ("display_data", ["image/png", "image/svg+xml", "text/plain"])])
        for book in (nb, ran):
            progress = book.cells[1].outputs[0].data["text/plain"]
            self.assertEqual([int(e) for e in EPOCH.findall(progress)], [1, 2, 3], progress)
            check_figure(self, book.cells[1].outputs[2].data)
            check_figure(self, book.cells[2].outputs[0].data)
        self.assertEqual(TIMING.sub("<time>", nb.cells[1].outputs[0].data["text/plain"]),
                         TIMING.sub("<time>", ran.cells[1].outputs[0].data["text/plain"]))
        for cell in (1, 2):
            figure = nb.cells[cell].outputs[-1].data
            again = ran.cells[cell].outputs[-1].data
            self.assertEqual(figure["image/svg+xml"], again["image/svg+xml"])
            self.assertEqual(figure["image/png"], again["image/png"])
            self.assertEqual(figure["text/plain"], again["text/plain"])


if __name__ == "__main__":
    unittest.main()
