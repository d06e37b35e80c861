"""Time simulate_company at several sizes against a floor measured in the same run.

The floor is the time numpy and pandas need just to draw and assemble random tables with
the same number of rows and columns as the simulated company (no model at all), so the
ratio says how much the simulation's structure costs on top of making the tables.

Usage: python benchmarks/bench_simulate.py [--sizes 5000 100000] [--million]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from crm_lab.simulate import simulate_company


def floor(company) -> float:
    """Seconds to draw and assemble random tables of the same shapes."""
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    for name in company.TABLES:
        df = getattr(company, name)
        pd.DataFrame({c: rng.random(len(df)) for c in df.columns})
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[5_000, 50_000])
    parser.add_argument("--million", action="store_true", help="also 1,000,000 customers")
    args = parser.parse_args()
    sizes = args.sizes + ([1_000_000] if args.million else [])
    simulate_company(n_customers=500, seed=0)  # warm imports
    print(f"{'customers':>10} {'transactions':>13} {'simulate s':>11} {'floor s':>8} {'ratio':>6}")
    for n in sizes:
        t0 = time.perf_counter()
        company = simulate_company(n_customers=n, seed=0)
        sim = time.perf_counter() - t0
        base = floor(company)
        print(f"{n:>10,} {len(company.transactions):>13,} {sim:>11.2f} {base:>8.2f} "
              f"{sim / base:>6.1f}")


if __name__ == "__main__":
    main()
