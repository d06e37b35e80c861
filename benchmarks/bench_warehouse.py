"""Time building the star schema and a CUBE query against the same aggregation in pandas.

Usage::

    .venv/bin/python benchmarks/bench_warehouse.py [--rows 1000000] [--customers 100000]

On a synthetic log (``_common.synthetic_log``) with a random channel per purchase and a random
region and city tier per customer:

* ``build_warehouse`` (validation, dimensions, the sales fact, the RFM snapshot; CLV models
  off) against a bare pandas baseline that only prepares the joined flat table;
* ``Warehouse.cube(["region", "channel", "year"])`` (one DuckDB query, 8 grouping levels)
  against pandas: join the region, then one ``groupby`` per grouping set, concatenated.
  Both results are checked to hold the same cents in every cell.

Nothing is asserted: speed is reported, not tested.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
from _common import best_of, synthetic_log_from_args

from crm_lab.warehouse import build_warehouse, to_cents

DIMS = ["region", "channel", "year"]


def pandas_cube(tx: pd.DataFrame, customers: pd.DataFrame) -> dict:
    flat = tx.merge(customers[["customer_id", "region"]], on="customer_id")
    flat["cents"] = to_cents(flat["amount"])
    flat["year"] = flat["date"].dt.year
    out = {}
    for r in range(len(DIMS) + 1):
        for keep in combinations(DIMS, r):
            if keep:
                g = flat.groupby(list(keep), sort=False)["cents"].sum()
                for k, v in g.items():
                    k = k if isinstance(k, tuple) else (k,)
                    cell = dict(zip(keep, k, strict=True))
                    out[tuple(str(cell.get(d, "(all)")) for d in DIMS)] = int(v)
            else:
                out[("(all)",) * 3] = int(flat["cents"].sum())
    return out


def main() -> None:
    tx, args = synthetic_log_from_args(__doc__.splitlines()[0])
    rng = np.random.default_rng(1)
    tx["channel"] = rng.choice(["online", "store", "app"], len(tx), p=[0.4, 0.4, 0.2])
    ids = np.sort(tx["customer_id"].unique())
    customers = pd.DataFrame({"customer_id": ids,
                              "region": rng.choice(["North", "South", "East", "West", "Central"],
                                                   len(ids)),
                              "city_tier": rng.integers(1, 4, len(ids))})
    repeat = max(1, args.repeat // 2)

    t_build = best_of(lambda: build_warehouse(tx, customers=customers, clv=False), repeat)
    t_flat = best_of(lambda: tx.merge(customers, on="customer_id").assign(
        cents=lambda f: to_cents(f["amount"]), year=lambda f: f["date"].dt.year), repeat)
    wh = build_warehouse(tx, customers=customers, clv=False)
    t_cube = best_of(lambda: wh.cube(DIMS, measures=["revenue_cents"]), args.repeat)
    t_pd = best_of(lambda: pandas_cube(tx, customers), args.repeat)

    cube = wh.cube(DIMS, measures=["revenue_cents"])
    got = {tuple(row[:3]): int(row[4]) for row in cube.itertuples(index=False)}
    same = got == pandas_cube(tx, customers)
    print(f"warehouse build (star schema + RFM snapshot): {t_build:.2f} s; pandas flat join "
          f"only: {t_flat:.2f} s (ratio {t_build / t_flat:.1f}x)")
    print(f"CUBE (region, channel, year), {len(cube)} cells: DuckDB {t_cube * 1000:.0f} ms, "
          f"pandas {t_pd * 1000:.0f} ms: pandas / DuckDB = {t_pd / t_cube:.1f}x; "
          f"identical cents in every cell: {same}")


if __name__ == "__main__":
    main()
