"""Time ``segmentation.rfm_table`` against baselines measured in the same run.

Usage::

    .venv/bin/python benchmarks/bench_rfm.py [--rows 1000000] [--customers 100000]

Baselines, on the same synthetic log:

* a bare pandas groupby of the same columns (first/last date, count, total spend) plus the
  recency subtraction: the floor for an RFM table in pandas (target: within 2x of it);
* lifetimes 0.11.3 ``summary_data_from_transaction_data`` (daily periods), the peer, in the
  same environment (``make`` installs it from the ``bench`` extra).

Nothing is asserted: speed is reported, not tested.
"""

from __future__ import annotations

import warnings

import pandas as pd
from _common import best_of, synthetic_log_from_args

from crm_lab.segmentation import rfm_table


def bare_rfm(tx: pd.DataFrame) -> pd.DataFrame:
    g = tx.groupby("customer_id").agg(first=("date", "min"), last=("date", "max"),
                                      frequency=("date", "size"), monetary=("amount", "sum"))
    as_of = tx["date"].max().normalize() + pd.Timedelta(days=1)
    g["recency_days"] = (as_of - g["last"]).dt.days
    return g


def lifetimes_seconds(tx: pd.DataFrame, repeat: int) -> float | str:
    """Best-of time of lifetimes' summary (daily periods), or why it was not timed."""
    try:
        from lifetimes.utils import summary_data_from_transaction_data
    except ImportError as err:  # pragma: no cover - `make` installs it (bench extra)
        return f"not timed: lifetimes not importable ({err})"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return best_of(lambda: summary_data_from_transaction_data(
            tx, "customer_id", "date", "amount", freq="D"), repeat)


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
