"""Time crm_lab's customer summary and BG/NBD fit against lifetimes and pandas in one run.

Usage::

    .venv/bin/python benchmarks/bench_customer_summary.py [--rows 1000000] [--customers 100000]

For ``freq="D"`` and ``freq="W"`` on the same synthetic log, three timings side by side:

* ``crm_lab.clv.customer_summary``;
* lifetimes 0.11.3 ``summary_data_from_transaction_data`` (the peer; installed by ``make``
  from the ``bench`` extra, it runs on this environment's pandas);
* a bare pandas groupby of the same columns (first/last date, count, total spend): the floor
  for any per-customer aggregation in pandas.

Then the BG/NBD fit on CDNOW against lifetimes' ``BetaGeoFitter``, and how far our outputs
are from lifetimes' (0 = identical). Ratios > 1 mean crm_lab is faster. Nothing is asserted:
speed is reported, not tested.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from _common import best_of, synthetic_log_from_args

from crm_lab.clv import BetaGeo, customer_summary


def _lifetimes():
    try:
        from lifetimes import BetaGeoFitter
        from lifetimes.utils import summary_data_from_transaction_data
    except ImportError as err:  # pragma: no cover - `make` installs it
        print(f"lifetimes not importable ({err}); `make` installs it from the bench extra")
        return None
    return summary_data_from_transaction_data, BetaGeoFitter


def bare_groupby(tx: pd.DataFrame) -> pd.DataFrame:
    return tx.groupby("customer_id").agg(first=("date", "min"), last=("date", "max"),
                                         n=("date", "size"), total=("amount", "sum"))


def agreement(ours: pd.DataFrame, theirs: pd.DataFrame) -> str:
    if not ours.index.equals(theirs.index):
        return "different customers"
    diffs = [np.abs(ours[c].to_numpy(float) - theirs[c].to_numpy(float)).max()
             for c in ("frequency", "recency", "T", "monetary_value")]
    return f"max |ours - lifetimes| over frequency, recency, T, spend: {max(diffs):.2g}"


def main() -> None:
    tx, args = synthetic_log_from_args(__doc__.splitlines()[0])
    lt = _lifetimes()
    summary = lt[0] if lt is not None else None
    warnings.simplefilter("ignore")
    t_bare = best_of(lambda: bare_groupby(tx), args.repeat)
    print(f"best of {args.repeat} (lifetimes best of 2); ratio = their seconds / ours")
    print(f"{'step':48s} {'seconds':>8s} {'ratio':>7s}")
    for freq in ("D", "W"):
        t_ours = best_of(lambda f=freq: customer_summary(tx, freq=f), args.repeat)
        print(f"{'customer_summary(freq=' + repr(freq) + ')':48s} {t_ours:8.3f} {1:7.2f}")
        print(f"{'  bare pandas groupby (floor)':48s} {t_bare:8.3f} {t_bare / t_ours:7.2f}")
        if summary is not None:
            t_lt = best_of(lambda f=freq: summary(tx, "customer_id", "date", "amount", freq=f),
                           min(2, args.repeat))
            print(f"{'  lifetimes summary_data_from_transaction_data':48s} {t_lt:8.3f} "
                  f"{t_lt / t_ours:7.2f}")
            print("  " + agreement(customer_summary(tx, freq=freq),
                                   summary(tx, "customer_id", "date", "amount", freq=freq)))

    from crm_lab.datasets import load_cdnow_sample

    cdnow = customer_summary(load_cdnow_sample(), freq="D", freq_multiplier=7,
                             observation_end="1997-09-30")
    t_fit = best_of(lambda: BetaGeo().fit(cdnow), args.repeat)
    print(f"{'BetaGeo().fit on CDNOW (2,357 customers)':48s} {t_fit:8.3f} {1:7.2f}")
    if lt is not None:
        fitter = lt[1]
        t_lt_fit = best_of(lambda: fitter().fit(cdnow["frequency"], cdnow["recency"],
                                                cdnow["T"]), args.repeat)
        print(f"{'  lifetimes BetaGeoFitter().fit':48s} {t_lt_fit:8.3f} {t_lt_fit / t_fit:7.2f}")
        ours = BetaGeo().fit(cdnow).params_
        theirs = fitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"]).params_
        rel = max(abs(ours[k] / theirs[k] - 1) for k in ("r", "alpha", "a", "b"))
        print(f"  BG/NBD parameters, largest relative difference from lifetimes: {rel:.2g}")


if __name__ == "__main__":
    main()
