"""Who is worth acquiring: early-life value and value by acquisition channel."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from crm_lab.acquisition._common import (
    CATEGORICAL,
    DEMOGRAPHICS,
    NUMERIC,
    _check_predictors,
    _design,
    _z,
)
from crm_lab.summary import ExclusionWarning, aggregate_transactions
from crm_lab.validate import (
    DataError,
    check_columns,
    check_customers,
    check_param,
    check_transactions,
)

__all__ = [
    "early_value_table", "EarlyValueModel", "value_by_channel",
]

# ----------------------------------------------------------------------------- 1. worth


def early_value_table(transactions: pd.DataFrame, customers: pd.DataFrame, *,
                      horizon_days: int = 365, channel: str = "acquisition_channel",
                      features: Sequence[str] = DEMOGRAPHICS, customer_id: str = "customer_id",
                      date: str = "date", amount: str = "amount") -> pd.DataFrame:
    """What is known after the first purchase, and the value realised in the year after.

    Parameters
    ----------
    transactions : DataFrame
        The transaction log (``customer_id``, ``date``, ``amount``).
    customers : DataFrame
        One row per customer with the acquisition ``channel`` and the ``features``.
    horizon_days : int, default 365
        Follow-up after the first purchase.
    channel : str
        Acquisition channel column of ``customers``.
    features : sequence of str
        Customer columns known at acquisition (demographics).
    customer_id, date, amount : str
        Column names.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``first_purchase``, ``channel``, ``first_amount`` (spend
        on the first purchase day), the ``features``, ``value_after`` (spend in the
        ``horizon_days`` after the first day), ``orders_after``, ``retained`` (bought again
        in the horizon), ``value_total`` (first day plus horizon) and ``complete`` (the whole
        horizon lies inside the log; the outcomes of the others are NaN, never guessed).
        Customers without a purchase are left out with an :class:`ExclusionWarning`.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "amount": [10.0, 5.0, 8.0],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-06-01"])})
    >>> cu = pd.DataFrame({"customer_id": [1, 2], "acquisition_channel": ["search", "social"],
    ...                    "age": [30, 50]})
    >>> t = early_value_table(tx, cu, horizon_days=60, features=["age"])
    >>> t[["channel", "first_amount", "value_after", "retained", "complete"]]
    ... # doctest: +NORMALIZE_WHITESPACE
                channel  first_amount  value_after retained  complete
    customer_id
    1            search          10.0          5.0     True      True
    2            social           8.0          NaN      NaN     False
    """
    check_param("horizon_days", horizon_days, kind=int, low=1,
                hint="The follow-up in days, e.g. 365 for a year.")
    tx = check_transactions(transactions, customer_id=customer_id, date=date, amount=amount)
    cu = check_customers(customers, customer_id=customer_id, required=[channel, *features])
    cu = cu.set_index("customer_id")
    s = aggregate_transactions(tx)
    end = tx["date"].max()
    missing = cu.index.difference(s.index)
    if len(missing):
        warnings.warn(f"customers: {len(missing):,} customers without any purchase left out "
                      "(no first purchase to learn from).", ExclusionWarning, stacklevel=2)
    first = s["first_purchase"].reindex(cu.index).dropna()
    start = tx["customer_id"].map(first)
    lag = (tx["date"] - start).dt.days
    after = tx[(lag > 0) & (lag <= horizon_days)].groupby("customer_id")["amount"]
    out = pd.DataFrame({"first_purchase": first,
                        "channel": cu.loc[first.index, channel].astype(str),
                        "first_amount": s["first_period_spend"].reindex(first.index)})
    for f in features:
        out[f] = cu.loc[first.index, f]
    out["value_after"] = after.sum().reindex(first.index).fillna(0.0)
    out["orders_after"] = after.size().reindex(first.index).fillna(0).astype(float)
    out["complete"] = (first + pd.Timedelta(days=horizon_days)) <= end
    out["retained"] = (out["orders_after"] > 0).astype(object)
    out.loc[~out["complete"], ["value_after", "orders_after"]] = np.nan
    out.loc[~out["complete"], "retained"] = np.nan
    out["value_total"] = out["first_amount"] + out["value_after"]
    out.index.name = "customer_id"
    out.attrs.update(horizon_days=horizon_days, log_end=end)
    return out


class EarlyValueModel:
    """Predict a customer's value after the first purchase from what is known at that point.

    A least-squares regression of ``value_after`` on the acquisition channel, the first
    basket (log of 1 + spend) and the demographics, fitted on the customers whose whole
    horizon is observed.

    Parameters
    ----------
    numeric : dict, optional
        ``name: (column, centre, scale)``; default :data:`NUMERIC` plus the first basket.
    categorical : dict, optional
        ``column: reference level``; default the channel and :data:`CATEGORICAL`.

    Attributes
    ----------
    coef_ : Series
        Coefficients by design column.
    levels_ : dict
        Non-reference levels seen in ``fit``.
    n_fit_ : int

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> t = pd.DataFrame({"channel": rng.choice(["a", "b"], 200), "first_amount": 50.0,
    ...                   "age": rng.integers(20, 70, 200), "income_band": "low",
    ...                   "city_tier": 2, "gender": "female", "complete": True})
    >>> t["value_after"] = np.where(t["channel"] == "b", 100.0, 40.0)
    >>> m = EarlyValueModel().fit(t)
    >>> round(float(m.coef_["channel[b]"]), 1)
    60.0
    """

    def __init__(self, numeric: Mapping | None = None, categorical: Mapping | None = None):
        self.numeric = dict(NUMERIC) if numeric is None else dict(numeric)
        self.categorical = {"channel": None, **CATEGORICAL} if categorical is None \
            else dict(categorical)

    def _x(self, table: pd.DataFrame) -> pd.DataFrame:
        df = table.assign(log_first_amount=np.log1p(table["first_amount"].clip(lower=0)))
        return _design(df, {**self.numeric, "log_first_amount": ("log_first_amount", 0.0, 1.0)},
                       self.categorical, self.levels_, None, ())

    def fit(self, table: pd.DataFrame) -> EarlyValueModel:
        """Fit on the ``complete`` rows of an :func:`early_value_table`."""
        _check_predictors(table, self.numeric, self.categorical, "table",
                          ["first_amount", "value_after", "complete"])
        t = table[table["complete"].astype(bool)]
        if len(t) < 10:
            raise DataError("table: fewer than 10 customers with a complete horizon.\nHow to "
                            "fix: use a shorter horizon_days or a longer log.")
        self.levels_ = {}
        for col, ref in self.categorical.items():
            levs = sorted(t[col].astype(str).unique())
            ref = levs[0] if ref is None else str(ref)
            self.levels_[col] = [lv for lv in levs if lv != ref]
        x = self._x(t)
        coef, *_ = np.linalg.lstsq(x.to_numpy(), t["value_after"].to_numpy(float), rcond=None)
        self.coef_ = pd.Series(coef, index=x.columns)
        self.n_fit_ = len(t)
        return self

    def predict(self, table: pd.DataFrame) -> pd.Series:
        """Predicted ``value_after`` per customer (floored at 0)."""
        pred = self._x(table).to_numpy() @ self.coef_.to_numpy()
        return pd.Series(np.maximum(pred, 0.0), index=table.index, name="predicted_value")

    def evaluate(self, table: pd.DataFrame, top_share: float = 0.2) -> pd.Series:
        """Predicted against realised value on the ``complete`` rows of ``table``.

        Returns ``customers``, ``r_squared``, ``spearman``, ``top_capture`` (share of the
        realised value held by the ``top_share`` of customers with the highest predictions)
        and ``top_capture_ideal`` (the same share when ranked by the realised value itself).
        """
        check_param("top_share", top_share, kind=float, low=0.01, high=1.0)
        t = table[table["complete"].astype(bool)]
        y, p = t["value_after"].to_numpy(float), self.predict(t).to_numpy()
        k = max(1, int(round(top_share * len(t))))
        return pd.Series({
            "customers": float(len(t)),
            "r_squared": 1 - ((y - p) ** 2).sum() / ((y - y.mean()) ** 2).sum(),
            "spearman": float(stats.spearmanr(p, y).statistic),
            "top_capture": y[np.argsort(-p, kind="stable")[:k]].sum() / y.sum(),
            "top_capture_ideal": np.sort(y)[::-1][:k].sum() / y.sum()})

    def deciles(self, table: pd.DataFrame, n_bins: int = 10) -> pd.DataFrame:
        """Mean predicted and realised value per bin of predicted value (1 = highest)."""
        t = table[table["complete"].astype(bool)]
        p = self.predict(t)
        order = np.argsort(-p.to_numpy(), kind="stable")
        rows = []
        for b, idx in enumerate(np.array_split(order, n_bins), start=1):
            rows.append({"bin": b, "customers": len(idx), "predicted": p.iloc[idx].mean(),
                         "realised": t["value_after"].iloc[idx].mean()})
        return pd.DataFrame(rows).set_index("bin")


def value_by_channel(table: pd.DataFrame, *, margin: float = 0.3,
                     alpha: float = 0.05) -> pd.DataFrame:
    """Value and retention of the customers each acquisition channel brought.

    Parameters
    ----------
    table : DataFrame
        From :func:`early_value_table` (only ``complete`` rows are used).
    margin : float
        Gross margin as a share of spend; ``clv`` is the margin on ``value_total``.
    alpha : float
        For the ``(1 - alpha)`` normal intervals of mean value and retention.

    Returns
    -------
    DataFrame
        Indexed by ``channel``: ``customers``, ``first_amount``, ``retention``,
        ``retention_low/high``, ``value_after``, ``value_low/high``, ``value_total``, ``clv``,
        sorted by ``clv``.

    Examples
    --------
    >>> t = pd.DataFrame({"channel": ["a", "a", "b", "b"], "first_amount": 10.0,
    ...                   "value_after": [0.0, 20.0, 50.0, 70.0], "retained": [False, True,
    ...                   True, True], "complete": True})
    >>> t["value_total"] = t["first_amount"] + t["value_after"]
    >>> value_by_channel(t, margin=0.5)["clv"].tolist()
    [35.0, 10.0]
    """
    check_columns(table, ["channel", "first_amount", "value_after", "retained", "value_total",
                          "complete"], "table", hint="Build it with early_value_table(...).")
    check_param("margin", margin, kind=float, low=0.0, high=1.0,
                hint="A share of spend, e.g. 0.3 for a 30 % gross margin.")
    check_param("alpha", alpha, kind=float, low=1e-6, high=0.5)
    t = table[table["complete"].astype(bool)].copy()
    t["retained"] = t["retained"].astype(float)
    g = t.groupby("channel")
    z = _z(alpha)
    out = g.agg(customers=("value_after", "size"), first_amount=("first_amount", "mean"),
                retention=("retained", "mean"), value_after=("value_after", "mean"),
                value_sd=("value_after", "std"), value_total=("value_total", "mean"))
    n = out["customers"]
    se_r = np.sqrt(out["retention"] * (1 - out["retention"]) / n)
    se_v = out.pop("value_sd").fillna(0.0) / np.sqrt(n)
    out.insert(3, "retention_low", out["retention"] - z * se_r)
    out.insert(4, "retention_high", out["retention"] + z * se_r)
    out["value_low"] = out["value_after"] - z * se_v
    out["value_high"] = out["value_after"] + z * se_v
    out["clv"] = margin * out["value_total"]
    return out.sort_values("clv", ascending=False)
