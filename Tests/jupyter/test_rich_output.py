"""Matrices and `:summary` as text/plain and text/html through jupyter_client.

The HTML must be well-formed (every tag closed in order, only table tags),
and hold the same cells as the text the REPL prints.
"""
import re
import unittest
from html.parser import HTMLParser

from jupyter_client.manager import start_new_kernel

ALLOWED = {"div", "table", "caption", "thead", "tbody", "tr", "th", "td", "p", "code"}


class Tables(HTMLParser):
    """Checks nesting and collects the tables (caption, rows of cell texts) and paragraphs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.tables, self.paragraphs, self.errors = [], [], [], []
        self.text = None

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED:
            self.errors.append(f"unexpected tag <{tag}>")
        for name, _ in attrs:
            if name not in ("class", "style"):
                self.errors.append(f"unexpected attribute {name} in <{tag}>")
        self.stack.append(tag)
        if tag == "table":
            self.tables.append({"caption": None, "rows": []})
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        if tag in ("td", "th", "p", "caption"):
            self.text = ""

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        if tag in ("td", "th"):
            self.tables[-1]["rows"][-1].append(self.text)
        elif tag == "caption":
            self.tables[-1]["caption"] = self.text
        elif tag == "p" and "td" not in self.stack:
            self.paragraphs.append(self.text)
        if tag in ("td", "th", "p", "caption"):
            self.text = None

    def handle_data(self, data):
        if self.text is not None:
            self.text += data
        elif data.strip():
            self.errors.append(f"text outside a cell or paragraph: {data!r}")

    @classmethod
    def parse(cls, html):
        parser = cls()
        parser.feed(html)
        parser.close()
        if parser.stack:
            parser.errors.append(f"unclosed {parser.stack}")
        return parser


class RichOutputTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name="capas")

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)

    def outputs(self, code):
        """The execute_result and display_data contents of a cell, in order."""
        msg_id = self.kc.execute(code)
        reply = self.kc.get_shell_msg(timeout=60)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        found = []
        while True:
            msg = self.kc.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] in ("execute_result", "display_data"):
                found.append((msg["msg_type"], msg["content"]["data"]))
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return found

    def parsed(self, html):
        tables = Tables.parse(html)
        self.assertEqual(tables.errors, [], html)
        return tables

    @staticmethod
    def matrix_lines(text):
        """The numbers of each row of a printed matrix (⎡ 1  2 ⎤, [1  2])."""
        return [line.strip("[]⎡⎤⎢⎥⎣⎦ ").split() for line in text.splitlines() if line[:1] in "[⎡⎢⎣"]

    def test_matrix_result(self):
        outputs = self.outputs("B = [[1.5, -2], [3, 4]]\nB * 2")
        self.assertEqual([kind for kind, _ in outputs], ["display_data", "execute_result"])
        for kind, data in outputs:
            self.assertIn("text/plain", data)
            self.assertIn("text/html", data)
            tables = self.parsed(data["text/html"])
            self.assertEqual(len(tables.tables), 1)
            cells = tables.tables[0]["rows"]
            self.assertEqual(cells, self.matrix_lines(data["text/plain"]))
        result = outputs[1][1]
        cells = self.parsed(result["text/html"]).tables[0]["rows"]
        self.assertEqual([[float(x) for x in row] for row in cells], [[3.0, -4.0], [6.0, 8.0]])

    def test_tensor_planes_and_spanish_decimals(self):
        self.outputs(":lang es")
        try:
            [(kind, data)] = self.outputs("[[[0.5, 1], [2, 3]], [[4, 5], [6, 7.25]]]")
        finally:
            self.outputs(":lang en")
        self.assertEqual(kind, "execute_result")
        tables = self.parsed(data["text/html"])
        self.assertEqual([t["caption"] for t in tables.tables], ["canal 0", "canal 1"])
        self.assertEqual([row for t in tables.tables for row in t["rows"]], self.matrix_lines(data["text/plain"]))
        self.assertEqual(tables.tables[0]["rows"][0], ["0,50", "1,00"])

    def test_a_number_is_plain_text(self):
        [(kind, data)] = self.outputs("1 + 2")
        self.assertEqual(kind, "execute_result")
        self.assertEqual(data, {"text/plain": "3"})

    def test_summary(self):
        [(kind, data)] = self.outputs(
            ":new rich\ninput 28x28x1\nconv 8 3x3 pad=same\nresidual {\n  conv 8 3x3 pad=same\n  relu\n}\nflatten\ndense 10\n:summary")
        self.assertEqual(kind, "display_data")
        text, html = data["text/plain"], data["text/html"]
        tables = self.parsed(html)
        self.assertEqual(len(tables.tables), 1)
        [header, *rows] = tables.tables[0]["rows"]
        lines = text.splitlines()
        rules = [i for i, line in enumerate(lines) if line and set(line) == {"─"}]
        self.assertEqual(len(rules), 2, text)
        split = lambda line: re.split(r"\s{2,}", line.strip())
        self.assertEqual(header, split(lines[0]))
        body = lines[rules[0] + 1:rules[1]]
        self.assertEqual(len(rows), len(body))
        for cells, line in zip(rows, body):
            self.assertEqual([c for c in cells if c], split(line), line)
        # The totals below the table, as paragraphs.
        self.assertEqual(tables.paragraphs, [line.strip() for line in lines[rules[1] + 1:]])
        params = re.search(r"Trainable parameters: ([\d,]+)", text).group(1)
        self.assertIn(f"Trainable parameters: {params}", tables.paragraphs)
        self.assertEqual(sum(int(r[3].replace(",", "") or 0) for r in rows), int(params.replace(",", "")))


if __name__ == "__main__":
    unittest.main()
