"""Hostile input at volume: every parser of untrusted input (tests/fuzz/targets.py) fed ten thousand
mutated cases (FUZZ_CASES to change it). Prints, per parser, how many cases it read, refused with its
own clear error, and let escape (a defect: the case and the error are printed), and its slowest
case. Target: no escape, no case over the hang limit."""

import os
import random
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from tests.fuzz.targets import HANG_SECONDS, TARGETS, Hang, mutate, run_case

CASES = int(os.environ.get("FUZZ_CASES", "10000"))
SHOWN_ESCAPES = 3


def fuzz(name: str) -> bool:
    target = TARGETS[name]
    rng = random.Random(f"fuzz-{name}")
    seeds = target.seeds()
    counts = {"ok": 0, "refused": 0, "escaped": 0}
    slowest = 0.0
    started = time.perf_counter()
    for index in range(CASES):
        case = mutate(target, rng.choice(seeds), rng)
        began = time.perf_counter()
        try:
            counts[run_case(target, case)] += 1
        except (Exception, Hang) as error:  # anything the parser let escape is the finding
            counts["escaped"] += 1
            if counts["escaped"] <= SHOWN_ESCAPES:
                print(f"  {name} case {index}: {type(error).__name__}: {error}"[:300])
                print("    " + "".join(traceback.format_exception(error)[-3:]).replace("\n", "\n    ")[:1200])
                print(f"    input ({len(case)}): {case[:200]!r}")
        slowest = max(slowest, time.perf_counter() - began)
    seconds = time.perf_counter() - started
    print(
        f"{name:20} {CASES:>6,} cases in {seconds:6.1f} s: read {counts['ok']:>6,}, refused {counts['refused']:>6,}, "
        f"escaped {counts['escaped']:>4,}; slowest {slowest * 1000:7.1f} ms (hang limit {HANG_SECONDS} s)"
    )
    return counts["escaped"] == 0


def main() -> None:
    chosen = sys.argv[1:] or list(TARGETS)
    clean = [fuzz(name) for name in chosen]
    print("hostile input: " + ("no parser let an error escape" if all(clean) else "ESCAPES FOUND"))
    if not all(clean):
        sys.exit(1)


if __name__ == "__main__":
    main()
