"""Time crm_lab's customer summary and BG/NBD fit against baselines measured in the same run.

Usage::

    .venv/bin/python benchmarks/bench_customer_summary.py [--rows 1000000] [--customers 100000]

Baselines:

* a bare pandas groupby of the same columns (first/last date, count, total spend):
  the floor for any per-customer aggregation in pandas;
* lifetimes 0.11.3 ``summary_data_from_transaction_data`` and ``BetaGeoFitter.fit``,
  if ``LIFETIMES_PYTHON`` names a Python interpreter with lifetimes installed
  (lifetimes needs pandas < 2, so it lives in its own virtual environment), e.g.
  ``LIFETIMES_PYTHON=path/to/lifetimes-venv/bin/python``.

Ratios > 1 mean crm_lab is faster. Nothing is asserted: speed is reported, not tested.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _common import best_of, synthetic_log_from_args

from crm_lab.clv import BetaGeo, customer_summary

LIFETIMES_SCRIPT = r"""
import sys, time, warnings
import pandas as pd
from lifetimes.utils import summary_data_from_transaction_data
from lifetimes import BetaGeoFitter
warnings.simplefilter("ignore")
import numpy as np
a = np.load(sys.argv[1])
tx = pd.DataFrame({"customer_id": a["customer_id"], "date": a["date"].view("datetime64[ns]"),
                   "amount": a["amount"]})
b = np.load(sys.argv[2])
cdnow = pd.DataFrame({c: b[c] for c in ("frequency", "recency", "T")})
def best(f, k):
    ts = []
    for _ in range(k):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return min(ts)
s = best(lambda: summary_data_from_transaction_data(tx, "customer_id", "date", "amount",
                                                   freq="W"), 2)
f = best(lambda: BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"]), 5)
out = summary_data_from_transaction_data(tx, "customer_id", "date", "amount", freq="W")
bgf = BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
np.savez(sys.argv[3], customer_id=out.index.to_numpy(),
         **{c: out[c].to_numpy(float) for c in ("frequency", "recency", "T", "monetary_value")},
         params=np.array([bgf.params_[k] for k in ("r", "alpha", "a", "b")]))
print(s, f)
"""


def cdnow_summary() -> pd.DataFrame | None:
    try:
        from crm_lab.datasets import load_cdnow_sample
    except ImportError:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return customer_summary(load_cdnow_sample(), freq="D", freq_multiplier=7,
                                observation_end="1997-09-30")


def main() -> None:
    tx, args = synthetic_log_from_args(__doc__.splitlines()[0])

    t_ours = best_of(lambda: customer_summary(tx, freq="W"), args.repeat)

    def bare_groupby():
        return tx.groupby("customer_id").agg(first=("date", "min"), last=("date", "max"),
                                             n=("date", "size"), total=("amount", "sum"))

    t_pandas = best_of(bare_groupby, args.repeat)
    print(f"customer_summary(freq='W')        {t_ours:8.3f} s")
    print(f"bare pandas groupby (4 aggregates) {t_pandas:8.3f} s   ratio {t_pandas / t_ours:5.2f}x")

    cdnow = cdnow_summary()
    if cdnow is None:
        print("CDNOW not available (crm_lab.datasets.load_cdnow_sample missing): fit not timed")
    else:
        t_fit = best_of(lambda: BetaGeo().fit(cdnow), args.repeat)
        print(f"BetaGeo().fit on CDNOW (2,357)      {t_fit:8.3f} s")

    lt_python = os.environ.get("LIFETIMES_PYTHON")
    if not lt_python:
        print("lifetimes not timed (set LIFETIMES_PYTHON to a python with lifetimes 0.11)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        # plain numpy arrays: the other environment runs pandas 1.x
        tx_path, cd_path = Path(tmp, "tx.npz"), Path(tmp, "cdnow.npz")
        np.savez(tx_path, customer_id=tx["customer_id"].to_numpy(),
                 date=tx["date"].to_numpy().view("int64"), amount=tx["amount"].to_numpy())
        if cdnow is not None:
            cols = ("frequency", "recency", "T")
            np.savez(cd_path, **{c: cdnow[c].to_numpy(float) for c in cols})
        else:
            np.savez(cd_path, frequency=[0.0, 1.0], recency=[0.0, 1.0], T=[2.0, 2.0])
        lt_path = Path(tmp, "lifetimes_out.npz")
        out = subprocess.run([lt_python, "-c", LIFETIMES_SCRIPT, str(tx_path), str(cd_path),
                              str(lt_path)], capture_output=True, text=True, check=False)
        lt = dict(np.load(lt_path)) if out.returncode == 0 else None
    if out.returncode != 0:
        print("lifetimes run failed:\n" + out.stderr[-2000:], file=sys.stderr)
        return
    t_lt, t_lt_fit = map(float, out.stdout.split()[-2:])
    print(f"lifetimes summary_data_from_...    {t_lt:8.3f} s   ratio {t_lt / t_ours:5.2f}x")
    if cdnow is not None:
        print(f"lifetimes BetaGeoFitter().fit      {t_lt_fit:8.3f} s   "
              f"ratio {t_lt_fit / t_fit:5.2f}x")
    report_agreement(customer_summary(tx, freq="W"), lt,
                     BetaGeo().fit(cdnow) if cdnow is not None else None)


def report_agreement(ours: pd.DataFrame, lt: dict, model) -> None:
    """Print how far our output is from lifetimes' on the same data (0 = identical)."""
    same_ids = np.array_equal(ours.index.to_numpy(), lt["customer_id"])
    print(f"same customers in the same order as lifetimes: {same_ids}")
    if same_ids:
        for c in ("frequency", "recency", "T", "monetary_value"):
            diff = np.abs(ours[c].to_numpy(float) - lt[c]).max()
            print(f"  max |ours - lifetimes| {c:15s} {diff:.3g}")
    if model is not None:
        ours_p = np.array([model.params_[k] for k in ("r", "alpha", "a", "b")])
        rel = np.abs(ours_p / lt["params"] - 1).max()
        print(f"BG/NBD on CDNOW, largest relative parameter difference: {rel:.2g}")


if __name__ == "__main__":
    main()
