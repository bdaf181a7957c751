"""Summarise a py-spy raw profile: where the sampled time went, by function.

    python -m bench.profile_summary PROFILE [--top 25]

py-spy's raw format has one line per distinct stack, frames joined with ';'
from the outermost, then a space and the sample count. Own time is the
innermost frame; total time counts each function once per stack it is in.
"""

import argparse
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

_LINE_NUMBER = re.compile(r":\d+\)$")


def _function(frame: str) -> str:
    # "handle (mockserver/app.py:120)" -> "handle (mockserver/app.py)", so lines of one function add up.
    return _LINE_NUMBER.sub(")", frame.strip())


def summarise(text: str) -> tuple[int, Counter[str], Counter[str]]:
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in text.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_function(frame) for frame in stack.split(";") if frame]
        samples += count
        own[frames[-1]] += count
        for function in set(frames):
            total[function] += count
    return samples, own, total


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.profile_summary", description="Summarise a py-spy raw profile.")
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    samples, own, total = summarise(args.profile.read_text(encoding="utf-8"))
    print(f"{samples} samples")
    for title, counter in (("own time", own), ("total time (function and its callees)", total)):
        print(f"\n{title}:")
        for function, count in counter.most_common(args.top):
            print(f"  {count / samples:6.1%}  {function}")


if __name__ == "__main__":
    main()
