"""The heavy step of chapter 9 at 10^6-10^8 transactions: pandas vs DuckDB vs Spark (local).

Usage::

    .venv/bin/python benchmarks/bench_bigdata.py [--sizes 1000000 10000000] [--huge]
        [--backends pandas duckdb spark] [--threads 2] [--memory-limit 2GB] [--workdir DIR]

For each size it writes a simulated log with :func:`crm_lab.bigdata.write_transaction_log`
(Parquet partitioned by year/month, one chunk of ``--chunk-rows`` in memory at a time) and
then, for each backend **in its own subprocess** (so that each one's peak memory is its own),
computes the customer summary (``freq="W"``) and the RFM table from the Parquet files. It
prints wall time, the ratio to pandas and the peak resident memory: ``getrusage`` of the
worker, and with psutil the peak of the worker's whole process tree sampled every 0.1 s (for
Spark that includes the JVM). ``--huge`` adds 10^8 rows (about 1 GB of Parquet per 10^8 rows;
check ``df -h`` of ``--workdir``). pandas may run out of memory: its failure is reported, not
raised. The results of DuckDB and Spark are checked against pandas' where pandas finished.

Nothing is asserted: speed and memory are reported, not tested.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def _tree_peak(stop: threading.Event, out: dict) -> None:
    try:
        import psutil
    except ImportError:
        return
    me = psutil.Process()
    peak = 0
    while not stop.is_set():
        try:
            procs = [me, *me.children(recursive=True)]
            rss = 0
            for p in procs:
                try:
                    rss += p.memory_info().rss
                except psutil.Error:
                    pass
            peak = max(peak, rss)
        except psutil.Error:
            pass
        out["tree_peak_mb"] = peak / 2**20
        stop.wait(0.1)


def _measure(fn) -> dict:
    stop, tree = threading.Event(), {}
    sampler = threading.Thread(target=_tree_peak, args=(stop, tree), daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    stop.set()
    sampler.join()
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB
    kids_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": seconds, "self_peak_mb": self_mb, "children_peak_mb": kids_mb,
            "tree_peak_mb": tree.get("tree_peak_mb"), **(result or {})}


def worker(args) -> None:
    """One backend in this process; prints one JSON line."""
    import warnings

    from crm_lab.bigdata import customer_summary_at_scale, rfm_table_at_scale

    warnings.simplefilter("ignore")
    if args.worker == "write":
        from crm_lab.bigdata import write_transaction_log

        out = _measure(lambda: {"n_files": write_transaction_log(
            args.source, args.rows, seed=0, chunk_rows=args.chunk_rows).n_files})
        print("RESULT " + json.dumps(out))
        return
    spark = None
    extra = {}
    if args.worker == "spark":
        from crm_lab.bigdata import spark_session

        t0 = time.perf_counter()
        spark = spark_session(f"local[{args.threads}]", driver_memory=args.spark_memory,
                              shuffle_partitions=max(4, 2 * args.threads))
        extra["startup_seconds"] = time.perf_counter() - t0
    kw = ({"threads": args.threads, "memory_limit": args.memory_limit,
           "temp_directory": os.path.join(args.workdir, "duckdb_tmp")}
          if args.worker == "duckdb" else {"spark": spark} if spark is not None else {})

    def run():
        t0 = time.perf_counter()
        s = customer_summary_at_scale(args.source, args.worker, freq="W", **kw)
        t1 = time.perf_counter()
        r = rfm_table_at_scale(args.source, args.worker, **kw)
        t2 = time.perf_counter()
        kept.extend([s, r])
        return {"summary_seconds": t1 - t0, "rfm_seconds": t2 - t1, "n_customers": len(s)}

    kept = []
    out = _measure(run)
    kept[0].to_pickle(os.path.join(args.workdir, f"summary_{args.worker}.pkl"))
    kept[1].to_pickle(os.path.join(args.workdir, f"rfm_{args.worker}.pkl"))
    if spark is not None:
        spark.stop()
    print("RESULT " + json.dumps({**out, **extra}))


def _compare(workdir: str, backend: str) -> str:
    import numpy as np
    import pandas as pd

    msgs = []
    for kind, money in (("summary", ["monetary_value"]), ("rfm", ["monetary", "avg_order_value"])):
        try:
            a = pd.read_pickle(os.path.join(workdir, f"{kind}_pandas.pkl"))
            b = pd.read_pickle(os.path.join(workdir, f"{kind}_{backend}.pkl"))
        except FileNotFoundError:
            return "not compared"
        same = a.index.equals(b.index) and all(
            (a[c] == b[c]).all() for c in a.columns if c not in money)
        diff = max(float(np.max(np.abs(a[c].to_numpy() - b[c].to_numpy()))) for c in money)
        msgs.append(f"{kind} {'identical' if same else 'DIFFERENT'} (money max diff {diff:.1e})")
    return "; ".join(msgs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--huge", action="store_true", help="add 10^8 transactions")
    ap.add_argument("--backends", nargs="+", default=["pandas", "duckdb", "spark"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--memory-limit", default="2GB", help="DuckDB memory_limit")
    ap.add_argument("--spark-memory", default="2g", help="Spark driver memory (local mode)")
    ap.add_argument("--chunk-rows", type=int, default=1_000_000)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--keep", action="store_true", help="keep the Parquet logs")
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--source", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--rows", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args)
        return
    sizes = args.sizes + ([100_000_000] if args.huge else [])
    root = args.workdir or tempfile.mkdtemp(prefix="bench_bigdata_")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [os.path.dirname(HERE), os.environ.get("PYTHONPATH", "")])}
    print(f"{'rows':>12} {'backend':>8} {'seconds':>9} {'x pandas':>9} {'peak MB':>9} "
          f"{'tree MB':>9}  notes")
    for n in sizes:
        work = os.path.join(root, f"n{n}")
        os.makedirs(work, exist_ok=True)
        log = os.path.join(work, "log")
        res = _run([sys.executable, __file__, "--worker", "write", "--source", log,
                    "--rows", str(n), "--chunk-rows", str(args.chunk_rows),
                    "--workdir", work], env)
        du = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(log) for f in fs)
        print(f"{n:>12,} {'write':>8} {res.get('seconds', float('nan')):>9.1f} {'':>9} "
              f"{res.get('self_peak_mb', float('nan')):>9.0f} "
              f"{res.get('tree_peak_mb') or float('nan'):>9.0f}  "
              f"{res.get('n_files', '?')} files, {du / 2**20:,.0f} MB {res.get('error', '')}")
        base = None
        for backend in args.backends:
            res = _run([sys.executable, __file__, "--worker", backend, "--source", log,
                        "--workdir", work, "--threads", str(args.threads),
                        "--memory-limit", args.memory_limit,
                        "--spark-memory", args.spark_memory], env)
            if "error" in res:
                print(f"{n:>12,} {backend:>8} {'failed':>9}  {res['error']}")
                continue
            sec = res["seconds"]
            base = sec if backend == "pandas" else base
            ratio = f"{sec / base:.2f}" if base else ""
            note = (f"summary {res['summary_seconds']:.1f} s + rfm {res['rfm_seconds']:.1f} s; "
                    f"{res['n_customers']:,} customers")
            if "startup_seconds" in res:
                note += f"; JVM startup {res['startup_seconds']:.1f} s (not counted)"
            if backend != "pandas":
                note += "; " + _compare(work, backend)
            tree = res.get("tree_peak_mb") or float("nan")
            print(f"{n:>12,} {backend:>8} {sec:>9.1f} {ratio:>9} {res['self_peak_mb']:>9.0f} "
                  f"{tree:>9.0f}  {note}", flush=True)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _run(cmd, env) -> dict:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"exit {proc.returncode}: {tail[:200]}"}


if __name__ == "__main__":
    main()
