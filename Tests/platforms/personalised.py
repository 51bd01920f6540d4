#!/usr/bin/env python3
"""Fills a handout notebook of 02-sizes-and-parameters with correct answers
computed here, independently of capas, from the numbers in the notebook's
`capas-variant` header and the rubric's reference formulas.

    personalised.py RUBRIC.json HANDOUT.md [--numbers-of OTHER.md] > notebook.md

With --numbers-of, the answers are computed from OTHER.md's numbers (e.g. the
example's) while the notebook stays HANDOUT.md: a learner who copied them."""
import json, math, re, sys


def outsize(n, f, p=0, s=1):
    return (n + 2 * p - f) // s + 1


def params(f=None, c=None, k=None, inputs=None, outputs=None):
    if inputs is not None:
        return (inputs + 1) * outputs
    return (f * f * c + 1) * k


def numbers(notebook):
    header = re.search(r"<!-- capas-variant: (.*?) -->", notebook)
    if not header:
        sys.exit("no capas-variant header")
    return {k: int(v) for k, v in (field.split("=", 1) for field in header.group(1).split()) if k != "learner"}


def main():
    args = sys.argv[1:]
    other = None
    if "--numbers-of" in args:
        i = args.index("--numbers-of")
        other = open(args[i + 1], encoding="utf-8").read()
        del args[i:i + 2]
    rubric = json.load(open(args[0], encoding="utf-8"))
    notebook = open(args[1], encoding="utf-8").read()
    values = numbers(other or notebook)
    answers = {}
    for check in rubric["checks"]:
        expression = re.sub(r"\{\{(\w+)\}\}", lambda m: str(values[m.group(1)]), check["reference"])
        # The course's calculator divides exactly; floor() is explicit.
        expression = expression.replace("/", "//") if "floor" not in expression and "outsize" not in expression else expression
        value = eval(expression, {"__builtins__": {}}, {"outsize": outsize, "params": params, "floor": math.floor})
        answers[check["answer"]] = value
    def fill(m):
        name = m.group(1)
        if name not in answers:
            sys.exit(f"no answer for {name}")
        value = answers[name]
        return f"{name} = {int(value) if float(value).is_integer() else value}"
    print(re.sub(r"^(\w+) = \?$", fill, notebook, flags=re.M), end="")


if __name__ == "__main__":
    main()
