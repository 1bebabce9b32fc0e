#!/usr/bin/env python3
"""Reading a CSV: the whole `explore` command against polars' and pandas' read_csv alone.

Makes CSVs of 1,000,000 and 10,000,000 points with `explore gen`, then, in turns so that the
machine's drift hits all alike, times

  - `explore sweep --data FILE -q` (moments: the file streamed once) and
    `explore train --data FILE -q --epochs 10` (the points held as f32), whole processes;
  - `polars.read_csv(FILE)` and `pandas.read_csv(FILE)`, in this process, the read alone.

and prints the medians and peak memory (of the whole process; for polars and pandas, a Python
that imports the library and reads the file) as a Markdown table.

    python3 -m venv /tmp/readenv && /tmp/readenv/bin/pip install polars pandas
    cargo build --release -p slope-explore
    /tmp/readenv/bin/python scripts/read_bench.py [--rows 1000000 10000000] [--runs 7]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPLORE = os.path.join(ROOT, "target", "release", "explore")


def run_child(cmd):
    """Wall seconds and peak resident MiB of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(cmd)} failed: {err}")
    return wall, usage.ru_maxrss / 1024


def in_process(read, path):
    start = time.perf_counter()
    read(path)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if not os.path.exists(EXPLORE):
        sys.exit("build explore first: cargo build --release -p slope-explore")
    readers = {"polars.read_csv(FILE)": "polars", "pandas.read_csv(FILE)": "pandas"}
    for module in readers.values():
        if subprocess.run([sys.executable, "-c", f"import {module}"]).returncode != 0:
            sys.exit("needs polars and pandas: python3 -m venv /tmp/readenv && "
                     "/tmp/readenv/bin/pip install polars pandas")

    with tempfile.TemporaryDirectory() as tmp:
        files, peaks = {}, {}
        # Peak memory first, while this process is small: a child's peak counts the parent it
        # was started from.
        for n in args.rows:
            path = files[n] = os.path.join(tmp, f"{n}.csv")
            subprocess.run([EXPLORE, "gen", "--n", str(n), "--out", path, "-q"], check=True)
            for name, cmd in commands(path).items():
                peaks[n, name] = run_child(cmd)[1]
            for name, module in readers.items():
                code = f"import {module}; {module}.read_csv({path!r})"
                peaks[n, name] = run_child([sys.executable, "-c", code])[1]
        import pandas as pd
        import polars as pl
        libraries = {"polars.read_csv(FILE)": pl.read_csv, "pandas.read_csv(FILE)": pd.read_csv}
        rows = []
        for n, path in files.items():
            times = {name: [] for name in [*commands(path), *libraries]}
            for read in libraries.values():  # the page cache and the imports, warm
                read(path)
            for _ in range(args.runs):
                for name, cmd in commands(path).items():
                    times[name].append(run_child(cmd)[0])
                for name, read in libraries.items():
                    times[name].append(in_process(read, path))
            mb = os.path.getsize(path) / 1e6
            for name, runs in times.items():
                median = statistics.median(runs)
                rows.append((n, mb, name, median, n / median, peaks[n, name]))

    print("| rows | CSV | what | median | rows/s | peak memory |")
    print("|---|---|---|---|---|---|")
    for n, mb, name, median, rate, peak in rows:
        print(f"| {n:,} | {mb:.0f} MB | `{name}` | {median * 1000:.0f} ms | {rate / 1e6:.1f} M "
              f"| {peak:.0f} MiB |")
    print(f"\nmedians of {args.runs} runs each, taken in turns; polars {pl.__version__}, "
          f"pandas {pd.__version__}; {os.cpu_count()} cores")


def commands(path):
    """The `explore` commands timed, whole, on `path`."""
    return {
        "explore sweep --data FILE": [EXPLORE, "sweep", "--data", path, "-q"],
        "explore train --data FILE --epochs 10": [
            EXPLORE, "train", "--data", path, "-q", "--epochs", "10"],
    }


if __name__ == "__main__":
    main()
