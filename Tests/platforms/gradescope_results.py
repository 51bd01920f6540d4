#!/usr/bin/env python3
"""Checks a Gradescope results.json against Gradescope's autograder specification
(https://gradescope-autograders.readthedocs.io/en/latest/specs/) and against what
the run expects.

    gradescope_results.py RESULTS.json RUBRIC.json --score N [--max N] [--not-in-output TEXT]…

Prints the problems found, one a line, and exits 1 when there is any."""
import argparse, json, math, sys

VISIBILITY = {"visible", "hidden", "after_due_date", "after_published"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}
TOP = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
       "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
TEST = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format", "tags",
        "visibility", "extra_data"}


def number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def check(results, rubric, score, max_score, forbidden):
    problems = []
    if not isinstance(results, dict):
        return ["results.json is not an object"]
    for key in sorted(set(results) - TOP):
        problems.append(f"unknown top-level key {key!r}")
    tests = results.get("tests")
    if not isinstance(tests, list):
        return problems + ["`tests` is not a list"]
    if not number(results.get("score")):
        problems.append("top-level `score` missing or not a number (Gradescope then sums the tests)")
    for key in ("visibility", "stdout_visibility"):
        if results.get(key) not in VISIBILITY:
            problems.append(f"`{key}` is {results.get(key)!r}, not one of {sorted(VISIBILITY)}")
    if results.get("stdout_visibility") == "visible":
        problems.append("`stdout_visibility` is visible: the learner would see the grader's stdout")
    if "output_format" in results and results["output_format"] not in FORMATS:
        problems.append(f"`output_format` {results['output_format']!r}")
    if "execution_time" in results and not (isinstance(results["execution_time"], int) and results["execution_time"] >= 0):
        problems.append("`execution_time` is not a non-negative integer (seconds)")
    if not isinstance(results.get("leaderboard", []), list):
        problems.append("`leaderboard` is not a list")
    total = 0.0
    names = []
    for i, test in enumerate(tests):
        where = f"tests[{i}]"
        if not isinstance(test, dict):
            problems.append(f"{where} is not an object")
            continue
        for key in sorted(set(test) - TEST):
            problems.append(f"{where}: unknown key {key!r}")
        for key in ("score", "max_score"):
            if not number(test.get(key)) or test.get(key) < 0:
                problems.append(f"{where}: `{key}` missing or not a non-negative number")
        for key in ("name", "output"):
            if not isinstance(test.get(key), str):
                problems.append(f"{where}: `{key}` missing or not a string")
        if test.get("status") not in ("passed", "failed"):
            problems.append(f"{where}: `status` is {test.get('status')!r}")
        if test.get("visibility") not in VISIBILITY:
            problems.append(f"{where}: `visibility` is {test.get('visibility')!r}")
        if number(test.get("score")) and number(test.get("max_score")):
            total += test["score"]
            if test["score"] > test["max_score"] + 1e-9:
                problems.append(f"{where}: score {test['score']} above max_score {test['max_score']}")
            if test.get("status") == "passed" and test["score"] < test["max_score"] - 1e-9:
                problems.append(f"{where}: passed with {test['score']} of {test['max_score']}")
        names.append(str(test.get("name", "")))
        for text in forbidden:
            if text in str(test.get("output", "")) or text in str(test.get("name", "")):
                problems.append(f"{where}: output shows {text!r}")
    for text in forbidden:
        if text in str(results.get("output", "")):
            problems.append(f"top-level output shows {text!r}")
    if number(results.get("score")) and abs(results["score"] - total) > 1e-6:
        problems.append(f"top-level score {results['score']} is not the sum of the tests' scores {total}")
    # Every check of the rubric is one test, with the rubric's points and visibility.
    checks = rubric.get("checks", [])
    if len(tests) != len(checks):
        problems.append(f"{len(tests)} tests for {len(checks)} checks of the rubric")
    for check_, test in zip(checks, tests):
        if not isinstance(test, dict):
            continue
        if check_["id"] not in str(test.get("name", "")):
            problems.append(f"test {test.get('name')!r} does not name check {check_['id']!r}")
        if number(test.get("max_score")) and abs(test["max_score"] - check_.get("points", 0)) > 1e-9:
            problems.append(f"test {check_['id']}: max_score {test['max_score']} but the rubric gives {check_.get('points')}")
        wanted = check_.get("visibility", "visible")
        if test.get("visibility") != wanted:
            problems.append(f"test {check_['id']}: visibility {test.get('visibility')!r}, the rubric says {wanted!r}")
    if max_score is not None:
        got = sum(t.get("max_score", 0) for t in tests if isinstance(t, dict) and number(t.get("max_score")))
        if abs(got - max_score) > 1e-9:
            problems.append(f"max score {got}, expected {max_score}")
    if score is not None and number(results.get("score")) and abs(results["score"] - score) > 1e-9:
        problems.append(f"score {results['score']}, expected {score}")
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("rubric")
    parser.add_argument("--score", type=float)
    parser.add_argument("--max", type=float)
    parser.add_argument("--not-in-output", action="append", default=[])
    args = parser.parse_args()
    try:
        results = json.load(open(args.results, encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"{args.results}: {error}")
        sys.exit(1)
    rubric = json.load(open(args.rubric, encoding="utf-8"))
    problems = check(results, rubric, args.score, args.max, args.not_in_output)
    for p in problems:
        print(f"{args.results}: {p}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
