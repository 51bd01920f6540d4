"""Conformance of the capas kernel, checked by jupyter_kernel_test (the suite Jupyter kernels use)."""
import unittest

import jupyter_kernel_test


class CapasKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "capas"
    language_name = "capas"
    file_extension = ".capas"

    # capas has no print statement: `:help TOPIC` for a topic it does not know
    # echoes the topic on standard output.
    code_hello_world = ":help hello, world"

    completion_samples = [
        {"text": "con", "matches": {"concat", "conv", "conv1d", "conv2d"}},
        {"text": ":tr", "matches": {":train"}},
        {"text": "conv 10 5x5 rel", "matches": {"relu", "relu6"}},
    ]
    complete_code_samples = ["input 28x28x1", "conv 10 5x5", "1 + 2", "residual {\n  conv 16 3x3 pad=same\n}", ""]
    incomplete_code_samples = ["residual {", "concat {\n  conv 8 1x1", "A = [[1, 2],"]
    invalid_code_samples = ["1 + 2)", "}"]

    code_inspect_sample = "conv"
    code_generate_error = "1 +* 2"

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "A = [[1, 2], [3, 4]]\nA * 2", "result": "⎡ 2  4 ⎤\n⎣ 6  8 ⎦"},
    ]
    # A picture: any matrix drawn by :show (no dataset needed) comes as a PNG image.
    code_display_data = [{"code": ":show [[0, 1], [1, 0]]", "mime": "image/png"}]

    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "1 + *"


if __name__ == "__main__":
    unittest.main()
