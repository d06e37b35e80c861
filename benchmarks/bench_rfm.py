"""Time ``segmentation.rfm_table`` against baselines measured in the same run.

Usage::

    .venv/bin/python benchmarks/bench_rfm.py [--rows 1000000] [--customers 100000]

Baselines, on the same synthetic log:

* a bare pandas groupby of the same columns (first/last date, count, total spend) plus the
  recency subtraction: the floor for an RFM table in pandas (target: within 2x of it);
* lifetimes 0.11.3 ``summary_data_from_transaction_data`` (daily periods), if
  ``LIFETIMES_PYTHON`` names a Python interpreter with lifetimes installed (it needs an old
  pandas, so it lives in its own virtual environment).

Nothing is asserted: speed is reported, not tested.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from _common import best_of, synthetic_log_from_args

from crm_lab.segmentation import rfm_table

LIFETIMES_SCRIPT = r"""
import sys, time, warnings
import numpy as np, pandas as pd
from lifetimes.utils import summary_data_from_transaction_data
warnings.simplefilter("ignore")
a = np.load(sys.argv[1])
tx = pd.DataFrame({"customer_id": a["customer_id"], "date": a["date"].view("datetime64[ns]"),
                   "amount": a["amount"]})
ts = []
for _ in range(2):
    t = time.perf_counter()
    summary_data_from_transaction_data(tx, "customer_id", "date", "amount", freq="D")
    ts.append(time.perf_counter() - t)
print(min(ts))
"""


def bare_rfm(tx: pd.DataFrame) -> pd.DataFrame:
    g = tx.groupby("customer_id").agg(first=("date", "min"), last=("date", "max"),
                                      frequency=("date", "size"), monetary=("amount", "sum"))
    as_of = tx["date"].max().normalize() + pd.Timedelta(days=1)
    g["recency_days"] = (as_of - g["last"]).dt.days
    return g


def main() -> None:
    tx, args = synthetic_log_from_args(__doc__.splitlines()[0])
    t_ours = best_of(lambda: rfm_table(tx), args.repeat)
    t_bare = best_of(lambda: bare_rfm(tx), args.repeat)
    print(f"rfm_table                          {t_ours:8.3f} s")
    print(f"bare pandas groupby + recency      {t_bare:8.3f} s   rfm_table / bare = "
          f"{t_ours / t_bare:5.2f} (target <= 2)")
    lt_python = os.environ.get("LIFETIMES_PYTHON")
    if not lt_python:
        print("lifetimes not timed (set LIFETIMES_PYTHON to a python with lifetimes 0.11)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "tx.npz")
        np.savez(path, customer_id=tx["customer_id"].to_numpy(),
                 date=tx["date"].to_numpy().view("int64"), amount=tx["amount"].to_numpy())
        out = subprocess.run([lt_python, "-c", LIFETIMES_SCRIPT, str(path)],
                             capture_output=True, text=True, check=False)
    if out.returncode != 0:
        print("lifetimes run failed:\n" + out.stderr[-2000:])
        return
    t_lt = float(out.stdout.split()[-1])
    print(f"lifetimes summary_data_from_...    {t_lt:8.3f} s   lifetimes / rfm_table = "
          f"{t_lt / t_ours:5.2f}")


if __name__ == "__main__":
    main()
