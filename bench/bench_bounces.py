"""Benchmark of bounce reading on two corpora: ours (tests/data/bounces/corpus, 48 MTA and
provider families plus loosely written reports and look-alikes) and flufl.bounce's own published
test messages (tests/data/bounces/flufl). Per corpus: recognised as a bounce (or not), hard/soft
right, recipients exactly right, the original Message-ID right where the report carries it; each
as a ratio, for relance (``bounce.detect_bounce``) and, measured in the same run, for
flufl.bounce alone (``flufl.bounce.all_failures``). Targets: 98% on ours, 95% on flufl's.

Run from the checkout:  .venv/bin/python -m bench.bench_bounces [--misses]
"""

from __future__ import annotations

import argparse

from tests.core.bounce_corpus import CORPORA, score

MEASURES = ("recognised", "hard_soft", "recipients", "message_id")


def ratio(pair: tuple[int, int] | None) -> str:
    if not pair or not pair[1]:
        return "      -      "
    right, total = pair
    return f"{right:4d}/{total:<4d} {100 * right / total:5.1f}%"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the files relance gets wrong")
    args = parser.parse_args()
    print(f"{'corpus':8} {'measure':11} {'relance':>18} {'flufl.bounce alone':>20}")
    for corpus in CORPORA:
        ours, files = score(corpus, "relance")
        base, _ = score(corpus, "flufl")
        for measure in MEASURES:
            print(f"{corpus:8} {measure:11} {ratio(ours.get(measure)):>18} "
                  f"{ratio(base.get(measure)):>20}")
        if args.misses:
            for name, verdict in files.items():
                wrong = [m for m, ok in verdict.items() if ok is False]
                if wrong:
                    print(f"    miss {corpus}/{name}: {', '.join(wrong)}")


if __name__ == "__main__":
    main()
