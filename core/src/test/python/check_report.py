#!/usr/bin/env python3
"""Compares a Canopy report JSON from any implementation with the expected one.

    python3 core/src/test/python/check_report.py ACTUAL.json [EXPECTED.json]

EXPECTED defaults to core/src/test/resources/reference/expected-report.json. Numbers match when
|a - b| <= max(1e-9 * max(|a|, |b|), 1e-12); null matches only null; strings, booleans, list
lengths and object keys must match exactly, except that a reason missing from
"rejected_by_reason" counts as 0. Prints every differing path (e.g. groups[1].per_prompt[0].kendall)
and exits 1 on any mismatch, 0 otherwise. --allow-extra tolerates keys present only in ACTUAL.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys

REL = 1e-9
ABS = 1e-12
DEFAULT_EXPECTED = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "resources", "reference", "expected-report.json"))


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def numbers_match(a, b, rel=REL, abs_tol=ABS) -> bool:
    a, b = float(a), float(b)
    if not (math.isfinite(a) and math.isfinite(b)):
        return a == b
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_tol)


def _label(parent: str, key) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def compare(actual, expected, path="", allow_extra=False, out=None):
    """Appends 'path: detail' strings for every difference to out and returns out."""
    out = [] if out is None else out
    if expected is None or actual is None:
        if not (expected is None and actual is None):
            out.append(f"{path}: expected {json.dumps(expected)}, got {json.dumps(actual)}")
    elif _is_number(expected):
        if not _is_number(actual) or not numbers_match(actual, expected):
            out.append(f"{path}: expected {expected!r}, got {actual!r}")
    elif isinstance(expected, dict):
        if not isinstance(actual, dict):
            out.append(f"{path}: expected an object, got {json.dumps(actual)[:80]}")
            return out
        zero_default = path == "rejected_by_reason"
        keys = list(expected) + [k for k in actual if k not in expected]
        for k in keys:
            p = _label(path, k)
            if k not in actual:
                if zero_default and expected[k] == 0:
                    continue
                out.append(f"{p}: missing (expected {json.dumps(expected[k])[:80]})")
            elif k not in expected:
                if zero_default and actual[k] == 0:
                    continue
                if not allow_extra:
                    out.append(f"{p}: unexpected key (got {json.dumps(actual[k])[:80]})")
            else:
                compare(actual[k], expected[k], p, allow_extra, out)
    elif isinstance(expected, list):
        if not isinstance(actual, list):
            out.append(f"{path}: expected a list, got {json.dumps(actual)[:80]}")
            return out
        if len(actual) != len(expected):
            out.append(f"{path}: expected {len(expected)} entries, got {len(actual)}")
        for i in range(min(len(actual), len(expected))):
            compare(actual[i], expected[i], _label(path, i), allow_extra, out)
    elif actual != expected or type(actual) is not type(expected):
        out.append(f"{path}: expected {json.dumps(expected)}, got {json.dumps(actual)}")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("actual")
    ap.add_argument("expected", nargs="?", default=DEFAULT_EXPECTED)
    ap.add_argument("--allow-extra", action="store_true", help="tolerate keys only ACTUAL has")
    args = ap.parse_args(argv)
    with open(args.actual, encoding="utf-8") as f:
        actual = json.load(f)
    with open(args.expected, encoding="utf-8") as f:
        expected = json.load(f)
    diffs = compare(actual, expected, allow_extra=args.allow_extra)
    for d in diffs:
        print(d)
    if diffs:
        print(f"MISMATCH: {len(diffs)} difference(s) against {args.expected}", file=sys.stderr)
        return 1
    print(f"OK: report matches {args.expected} (rel {REL}, abs {ABS})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
