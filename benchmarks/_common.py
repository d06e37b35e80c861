"""Shared pieces of the benchmarks: a synthetic transaction log and a best-of timer."""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def synthetic_log(n_rows: int, n_customers: int, seed: int = 0) -> pd.DataFrame:
    """A transaction log over two years with a skewed number of purchases per customer."""
    rng = np.random.default_rng(seed)
    weights = rng.gamma(0.7, 1.0, n_customers)
    extra = rng.choice(n_customers, size=n_rows - n_customers, p=weights / weights.sum())
    ids = rng.permutation(np.concatenate([np.arange(n_customers), extra]))  # all customers buy
    start = np.datetime64("2022-01-01", "ns")
    seconds = rng.integers(0, 730 * 86_400, n_rows).astype("timedelta64[s]")
    return pd.DataFrame({"customer_id": ids, "date": start + seconds,
                         "amount": rng.gamma(2.0, 20.0, n_rows).round(2)})


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def synthetic_log_from_args(description: str) -> tuple[pd.DataFrame, argparse.Namespace]:
    """Parse ``--rows``, ``--customers``, ``--repeat`` and build the synthetic log."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    tx = synthetic_log(args.rows, args.customers)
    print(f"synthetic log: {len(tx):,} transactions, {tx.customer_id.nunique():,} customers")
    return tx, args
