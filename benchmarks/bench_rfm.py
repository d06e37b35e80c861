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
for _ in range(int(sys.argv[2])):
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


def lifetimes_seconds(tx: pd.DataFrame, repeat: int) -> float | str:
    """Best-of time of lifetimes in its own interpreter, or the reason it was not timed."""
    lt_python = os.environ.get("LIFETIMES_PYTHON")
    if not lt_python:
        return "not timed: set LIFETIMES_PYTHON to a python with lifetimes 0.11"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "tx.npz")  # plain arrays: the other environment runs pandas 1.x
        np.savez(path, customer_id=tx["customer_id"].to_numpy(),
                 date=tx["date"].to_numpy().view("int64"), amount=tx["amount"].to_numpy())
        out = subprocess.run([lt_python, "-c", LIFETIMES_SCRIPT, str(path), str(repeat)],
                             capture_output=True, text=True, check=False)
    if out.returncode != 0:
        return "run failed: " + out.stderr.strip().splitlines()[-1][:200]
    return float(out.stdout.split()[-1])


def main() -> None:
    tx, args = synthetic_log_from_args(__doc__.splitlines()[0])
    rows = {
        "rfm_table": best_of(lambda: rfm_table(tx), args.repeat),
        "bare pandas groupby + recency": best_of(lambda: bare_rfm(tx), args.repeat),
        "lifetimes summary_data_from_transaction_data": lifetimes_seconds(tx, args.repeat),
    }
    bare = rows["bare pandas groupby + recency"]
    print(f"best of {args.repeat}; ratio = seconds / bare groupby (rfm_table target <= 2)")
    print(f"{'':46s} {'seconds':>8s} {'ratio':>7s}")
    for name, t in rows.items():
        if isinstance(t, str):
            print(f"{name:46s} {t}")
        else:
            print(f"{name:46s} {t:8.3f} {t / bare:7.2f}")


if __name__ == "__main__":
    main()
