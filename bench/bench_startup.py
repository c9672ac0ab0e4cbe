"""Benchmark of the commands people type first: how long `relance --help`, `relance inspect FILE`
and `relance demo` take from a cold process to their exit, as a ratio to `python -c pass`
measured in the same run (the interpreter's own start, the floor no command can go under).

Each figure is the median of several runs of a fresh process, no configuration file in its
home. Figures are printed; nothing is asserted. The target is a third of the figure before the
commands loaded their imports lazily.

Run from the checkout:  .venv/bin/python -m bench.bench_startup [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MESSAGE = ROOT / "tests" / "data" / "invoices" / "fr_plain_30_jours.eml"


def timed(argv: list[str], home: Path, runs: int) -> float:
    """The median wall time of ``argv`` in seconds, over ``runs`` fresh processes."""
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       cwd=home, env={"HOME": str(home), "TMPDIR": str(home),
                                      "PATH": "/usr/bin:/bin"})
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    relance = [sys.executable, "-m", "relance.daemon.cli"]
    with tempfile.TemporaryDirectory(prefix="relance-bench-") as tmp:
        home = Path(tmp)
        baseline = timed([sys.executable, "-c", "pass"], home, args.runs)
        print(f"python -c pass: {baseline * 1000:.0f} ms (median of {args.runs})")
        commands = {
            "relance --help": [*relance, "--help"],
            "relance inspect FILE": [*relance, "inspect", str(MESSAGE)],
            "relance demo": [*relance, "demo", "--json"],
        }
        for name, argv in commands.items():
            figure = timed(argv, home, args.runs)
            print(f"{name}: {figure * 1000:.0f} ms, {figure / baseline:.1f}x python -c pass")


if __name__ == "__main__":
    main()
