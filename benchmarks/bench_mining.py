"""Frequent itemsets on Groceries-sized synthetic baskets: FP-growth, Apriori and Eclat.

Usage::

    .venv/bin/python benchmarks/bench_mining.py [--baskets 10000] [--repeat 3]

The baskets mimic the Groceries data set (Hahsler et al., arules): 9,835 baskets of 169 items,
mean basket 4.4 items (here 10,000 baskets, 169 items, mean 3.8): basket sizes 1 + Poisson(2.7),
items drawn without replacement with Zipf-like popularity (exponent 0.7: the top item is in
about a quarter of baskets, as whole milk is in Groceries), plus a few planted pairs.

At supports 0.01, 0.005 and 0.002 it times mlxtend's ``fpgrowth`` (the chapter's default) and
``apriori`` and this book's own Eclat (``crm_lab.mining``, bitset intersections), each through
``crm_lab.mining.frequent_itemsets``, and checks that the three count identical itemsets.
Nothing is asserted: speed is reported, not tested.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from _common import best_of

from crm_lab.mining import ALGORITHMS, frequent_itemsets


def groceries_like(n: int, k: int = 169, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    w = np.arange(1, k + 1) ** -0.7
    w /= w.sum()
    size = np.minimum(1 + rng.poisson(2.7, n), k)
    m = np.zeros((n, k), dtype=bool)
    for i, s in enumerate(size):
        m[i, rng.choice(k, s, replace=False, p=w)] = True
    for a, b in [(10, 20), (30, 31), (50, 90)]:  # planted pairs
        rows = rng.random(n) < 0.02
        m[rows, a] = m[rows, b] = True
    return pd.DataFrame(m, columns=[f"item{j:03d}" for j in range(k)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baskets", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    b = groceries_like(args.baskets)
    print(f"{len(b):,} baskets, {b.shape[1]} items, mean basket {b.sum(axis=1).mean():.2f}, "
          f"top item support {b.mean().max():.3f}")
    for s in (0.01, 0.005, 0.002):
        times, counts = {}, {}
        for alg in ALGORITHMS:
            times[alg] = best_of(lambda a=alg, s=s: frequent_itemsets(b, s, algorithm=a),
                                 args.repeat)
            fi = frequent_itemsets(b, s, algorithm=alg)
            counts[alg] = dict(zip(fi["itemsets"], fi["count"], strict=True))
        same = counts["fpgrowth"] == counts["apriori"] == counts["eclat"]
        n_sets = len(counts["fpgrowth"])
        print(f"support {s:<6} {n_sets:>5} itemsets | fpgrowth {times['fpgrowth']:.3f} s, "
              f"apriori {times['apriori']:.3f} s, eclat {times['eclat']:.3f} s | "
              f"apriori/fpgrowth {times['apriori'] / times['fpgrowth']:.1f}x, "
              f"eclat/fpgrowth {times['eclat'] / times['fpgrowth']:.2f}x | identical counts: "
              f"{same}")


if __name__ == "__main__":
    main()
