"""Features as of a cut-off date from the raw tables, and the churn label strictly after it.

The leakage trap: a feature computed from rows dated after the cut-off (a customer's total
spend over the whole log, a complaint the customer has not made yet) knows the future and
makes a churn model look better than it can be. :func:`churn_features` reads only rows dated
on or before ``cutoff``; :func:`churn_labels` reads only rows after it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_lab.summary import aggregate_transactions, as_timestamp, up_to
from crm_lab.validate import ParameterError, check_customers, check_param, check_transactions

__all__ = ["churn_features", "churn_labels", "DEMOGRAPHICS"]

#: Customer columns used as features (never the latent ``segment``).
DEMOGRAPHICS = ("region", "city_tier", "age", "gender", "income_band", "acquisition_channel")


def _before(frame: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    return frame.loc[up_to(frame["date"].to_numpy(dtype="datetime64[ns]"), cutoff)]


def churn_features(
    transactions: pd.DataFrame,
    cutoff,
    *,
    complaints: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    windows: tuple[int, ...] = (90, 365),
    customer_features: tuple[str, ...] = DEMOGRAPHICS,
) -> pd.DataFrame:
    """One row per customer known on ``cutoff``, built only from rows dated up to it.

    Parameters
    ----------
    transactions : DataFrame
        Columns ``customer_id``, ``date``, ``amount``.
    cutoff : date-like
        The analysis date (inclusive: a bare date includes its whole day). Rows dated after
        it are ignored (their count is in ``attrs["rows_after_cutoff"]``); customers whose
        first purchase is after it do not exist yet and are not in the result.
    complaints : DataFrame, optional
        Columns ``customer_id``, ``date``; adds ``n_complaints`` and
        ``days_since_complaint`` (the window length + 1 when none).
    customers : DataFrame, optional
        Adds ``customer_features`` (static: known at sign-up).
    windows : tuple of int, default (90, 365)
        Adds ``n_tx_<w>d`` and ``spend_<w>d``: purchases and spend in the last ``w`` days.
    customer_features : tuple of str

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``recency_days``, ``age_days``, ``n_transactions``,
        ``total_spend``, ``mean_spend``, the window columns, the complaint columns and the
        customer features.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "amount": [5.0, 7.0, 3.0],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-06-01"])})
    >>> f = churn_features(tx, "2024-03-31", windows=(60,))
    >>> f[["recency_days", "n_transactions", "n_tx_60d"]]  # doctest: +NORMALIZE_WHITESPACE
                 recency_days  n_transactions  n_tx_60d
    customer_id
    1                      30               2         1
    """
    cutoff = as_timestamp("cutoff", cutoff)
    for w in windows:
        check_param("windows", w, kind=int, low=1, hint="Windows are whole days, e.g. (90, 365).")
    tx = check_transactions(transactions)
    past = _before(tx, cutoff)
    if len(past) == 0:
        raise ParameterError(f"parameter 'cutoff' ({cutoff.date()}) lies before every purchase "
                             "in the log; choose a later date.")
    agg = aggregate_transactions(past, "D", cutoff)
    out = pd.DataFrame({"recency_days": agg["periods_since_last"],
                        "age_days": agg["periods_since_first"],
                        "n_transactions": agg["n_transactions"],
                        "total_spend": agg["total_spend"], "mean_spend": agg["mean_spend"]})
    days_back = (cutoff.normalize() - past["date"].dt.normalize()).dt.days.to_numpy()
    for w in windows:
        recent = past.loc[days_back < w]
        g = recent.groupby("customer_id")["amount"]
        out[f"n_tx_{w}d"] = g.size().reindex(out.index, fill_value=0).astype(np.int64)
        out[f"spend_{w}d"] = g.sum().reindex(out.index, fill_value=0.0)
    if complaints is not None:
        comp = _before(check_transactions(complaints, amount=None, table="complaints"), cutoff)
        g = comp.groupby("customer_id")["date"]
        out["n_complaints"] = g.size().reindex(out.index, fill_value=0).astype(np.int64)
        since = (cutoff.normalize() - g.max().dt.normalize()).dt.days
        none = int(max(windows)) + 1
        out["days_since_complaint"] = since.reindex(out.index).fillna(none).clip(upper=none)
    if customers is not None:
        cust = check_customers(customers, required=list(customer_features)).set_index(
            "customer_id")
        out = out.join(cust[list(customer_features)])
    out.attrs.update({"cutoff": cutoff, "rows_after_cutoff": int(len(tx) - len(past))})
    return out


def churn_labels(
    transactions: pd.DataFrame,
    cutoff,
    horizon_days: int = 180,
    *,
    customers=None,
) -> pd.Series:
    """Non-contractual churn label: no purchase in the ``horizon_days`` after ``cutoff``.

    Parameters
    ----------
    transactions : DataFrame
        Columns ``customer_id``, ``date``, ``amount``.
    cutoff : date-like
        Labels use only rows dated strictly after it (and up to ``cutoff + horizon_days``).
    horizon_days : int, default 180
    customers : index-like, optional
        Whose label to return; default every customer with a purchase up to ``cutoff``.

    Returns
    -------
    Series of bool indexed by ``customer_id``: True = churned (no purchase in the horizon).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "amount": [5.0, 7.0, 3.0],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-05-01", "2024-01-06"])})
    >>> churn_labels(tx, "2024-03-31", horizon_days=90).tolist()
    [False, True]
    """
    cutoff = as_timestamp("cutoff", cutoff)
    check_param("horizon_days", horizon_days, kind=int, low=1)
    tx = check_transactions(transactions)
    dates = tx["date"].to_numpy(dtype="datetime64[ns]")
    past = up_to(dates, cutoff)
    later = ~past & up_to(dates, cutoff + pd.Timedelta(days=horizon_days))
    ids = pd.Index(customers) if customers is not None else pd.Index(
        np.sort(tx.loc[past, "customer_id"].unique()), name="customer_id")
    bought = pd.Index(tx.loc[later, "customer_id"].unique())
    return pd.Series(~ids.isin(bought), index=ids.rename("customer_id"), name="churned")
