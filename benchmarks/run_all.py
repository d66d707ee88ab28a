r"""`make bench`: every benchmark's own table, then one table of every target beside its figure.

    python benchmarks/run_all.py            # everything (several minutes)
    python benchmarks/run_all.py --quick    # leave out the whole-nbval run and the notebooks

The scripts run one after another in this process (bench_widgets switches matplotlib to Agg);
each returns its targets (:class:`targets.Target`). A target not met is reported, not raised:
the exit status is 0 unless a benchmark itself fails (a wrong answer raises an AssertionError).
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
from pathlib import Path

# One BLAS thread: every contender uses the same numpy, so ratios measure the code, not how the
# scheduler shares 2 cores between BLAS threads and whatever else runs. Set before numpy loads.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from targets import format_table  # noqa: E402

SCRIPTS = ["bench_mlp", "bench_substitution", "bench_sparse", "bench_bp", "bench_spn", "bench_semiring", "bench_widgets",
           "bench_checkpoint", "bench_hvp",
           "bench_elimination",
           "bench_notebooks"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="skip bench_notebooks (the Run-All and nbval timings)")
    args = parser.parse_args()
    started = time.perf_counter()
    targets = []
    for name in SCRIPTS:
        if args.quick and name == "bench_notebooks":
            continue
        print(f"== benchmarks/{name}.py", flush=True)
        targets += importlib.import_module(name).main([])
        print(flush=True)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"== summary: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"BLAS threads {os.environ['OPENBLAS_NUM_THREADS']}, load average {load}, "
          f"{time.perf_counter() - started:.0f} s in all\n")
    print(format_table(targets))
    missed = [t.what for t in targets if t.met is False]
    print(f"\n{len(targets) - len(missed)} of {len(targets)} rows met or informational"
          + (f"; NOT MET: {'; '.join(missed)}" if missed else ""))


if __name__ == "__main__":
    main()
