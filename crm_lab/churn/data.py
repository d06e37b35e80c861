"""Defining churn: contractual churn tables, inactivity thresholds and the kinds of churn.

A **contractual** relationship (a membership, a phone contract) ends on a known date, so
churn is observed: the documented *churn table* has one row per customer with an id, the
``tenure`` so far, a ``churned`` flag and any feature columns (the Telco data and the
company's memberships both have this shape). In a **non-contractual** relationship (a
shop) nobody says goodbye: a customer is called churned after ``inactivity_days`` without a
purchase, and the churn rate depends on that threshold (:func:`inactivity_churn_rates`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from crm_lab.summary import aggregate_transactions, as_timestamp
from crm_lab.validate import (
    DataError,
    ParameterError,
    check_columns,
    check_customers,
    check_param,
    check_transactions,
    check_values,
)

__all__ = ["ImputationWarning", "check_churn_table", "membership_table",
           "inactivity_churn_rates", "churn_kinds", "CHURN_KINDS"]

#: The textbook's kinds of churn, and what in the data points to each.
CHURN_KINDS = {
    "internal": "a complaint in the weeks before leaving: the company's own failure (内部流失)",
    "competitive": "a price above the plan's median and no complaint: lured by a cheaper offer "
                   "(竞争流失)",
    "natural": "no complaint and an ordinary price: needs or circumstances changed (自然流失)",
    "malicious": "left without paying or to harm the company (恶意流失); needs payment or fraud "
                 "records, which these tables do not have",
}

_TRUE = {"true", "yes", "y", "1", "churned"}
_FALSE = {"false", "no", "n", "0", "active"}


class ImputationWarning(UserWarning):
    """Missing feature values are kept and will be imputed inside the model pipeline."""


def _as_flag(s: pd.Series, table: str, column: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(s):
        return s.to_numpy(dtype=bool)
    text = s.astype(str).str.strip().str.lower()
    ok = text.isin(_TRUE | _FALSE) & s.notna()
    if not ok.all():
        bad = s[~ok.to_numpy()].unique()[:5]
        raise DataError(
            f"{table}[{column!r}]: churn flags must be True/False, 1/0 or Yes/No; found "
            f"{list(bad)} in {int((~ok).sum()):,} rows.\nHow to fix: recode the column, e.g. "
            f"df['{column}'] = df['{column}'].map({{'left': True, 'stayed': False}}).")
    return text.isin(_TRUE).to_numpy()


def check_churn_table(
    table: pd.DataFrame,
    *,
    customer_id: str = "customer_id",
    tenure: str = "tenure",
    churned: str = "churned",
    features: Sequence[str] | None = None,
    columns: Mapping[str, str] | None = None,
    name: str = "churn table",
) -> pd.DataFrame:
    """Check a contractual churn table and return it in the documented schema.

    The schema: one row per customer with ``customer_id`` (unique), ``tenure`` (time with
    the company so far, >= 0, any unit), ``churned`` (True/False, 1/0 or Yes/No) and feature
    columns (numbers or text levels). Missing feature values are kept and counted in an
    :class:`ImputationWarning`: the model pipelines impute them inside cross-validation.

    Parameters
    ----------
    table : DataFrame
        One row per customer.
    customer_id, tenure, churned : str
        Names of those columns in ``table``.
    features : sequence of str, optional
        Feature columns; default every other column.
    columns : mapping, optional
        ``{"customer_id": "your_id", "tenure": "months", "churned": "left"}``: the same as
        the three keyword arguments, in one parameter a notebook can take.
    name : str
        Name used in messages.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``tenure`` (float64), ``churned`` (bool), then the
        features. ``attrs["features"]`` lists the feature columns.

    Raises
    ------
    DataError
        Missing columns, duplicate or missing ids, negative or missing tenure, unreadable
        churn flags, no churner or no stayer.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"id": [1, 2, 3], "months": [3, 10, 1], "left": ["Yes", "No", "No"],
    ...                   "plan": ["a", "b", "a"]})
    >>> out = check_churn_table(t, columns={"customer_id": "id", "tenure": "months",
    ...                                     "churned": "left"})
    >>> out["churned"].tolist(), out.attrs["features"]
    ([True, False, False], ['plan'])
    """
    if columns:
        bad = set(columns) - {"customer_id", "tenure", "churned"}
        if bad:
            raise ParameterError(f"parameter 'columns': unknown key(s) {sorted(bad)}; use "
                                 "'customer_id', 'tenure' and 'churned' as keys and your "
                                 "column names as values.")
        customer_id = columns.get("customer_id", customer_id)
        tenure = columns.get("tenure", tenure)
        churned = columns.get("churned", churned)
    check_columns(table, [customer_id, tenure, churned] + list(features or []), name,
                  hint="A churn table needs one row per customer with an id, the tenure and "
                       "a churned flag (pass columns={'tenure': 'your_name', ...}).")
    checked = check_customers(table, customer_id=customer_id, table=name)
    ten = check_values(checked[tenure], name=f"{name}[{tenure!r}] (tenure)")
    flag = _as_flag(checked[churned], name, churned)
    if flag.all() or not flag.any():
        raise DataError(f"{name}[{churned!r}]: every customer has the same churn flag "
                        f"({bool(flag[0])}); a churn model needs churners and stayers.\n"
                        "How to fix: check the flag's coding or the filter that made the table.")
    feats = list(features) if features is not None else [
        c for c in checked.columns if c not in ("customer_id", tenure, churned)]
    out = pd.DataFrame({"tenure": ten.to_numpy(), "churned": flag},
                       index=pd.Index(checked["customer_id"].to_numpy(), name="customer_id"))
    for c in feats:
        out[c] = checked[c].to_numpy()
    n_missing = out[feats].isna().sum()
    if n_missing.any():
        shown = ", ".join(f"{c} ({n:,})" for c, n in n_missing[n_missing > 0].items())
        warnings.warn(f"{name}: missing values kept in {shown}; the model pipelines impute "
                      "them with the training fold's median (numbers) or a 'missing' level.",
                      ImputationWarning, stacklevel=2)
    out.attrs["features"] = feats
    return out


def membership_table(
    subscriptions: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    as_of=None,
    *,
    customer_features: Sequence[str] = ("region", "city_tier", "age", "gender", "income_band",
                                        "acquisition_channel"),
) -> pd.DataFrame:
    """The company's memberships as a contractual churn table, as known on ``as_of``.

    Parameters
    ----------
    subscriptions : DataFrame
        Columns ``customer_id``, ``plan``, ``contract``, ``monthly_price``, ``start_date``,
        ``end_date`` (NaT while active); one membership per customer.
    customers : DataFrame, optional
        Adds ``customer_features`` (the latent ``segment`` is never added).
    as_of : date-like, optional
        Memberships started after it are left out; those ending after it count as active,
        with tenure censored at ``as_of``. Default: the last start or end date in the table
        (pass the end of the observation window when you know it).
    customer_features : sequence of str

    Returns
    -------
    DataFrame
        In the schema of :func:`check_churn_table`: indexed by ``customer_id``, ``tenure``
        (months, 30.4375 days), ``churned``, ``plan``, ``contract``, ``monthly_price`` and
        the customer features.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"customer_id": [1, 2], "plan": ["basic", "premium"],
    ...     "contract": ["month-to-month", "one-year"], "monthly_price": [9.99, 34.99],
    ...     "start_date": pd.to_datetime(["2024-01-01", "2024-03-01"]),
    ...     "end_date": pd.to_datetime(["2024-07-01", None])})
    >>> membership_table(s, as_of="2024-12-31")[["tenure", "churned"]].round(2)
                 tenure  churned
    customer_id
    1              5.98     True
    2             10.02    False
    """
    need = ["customer_id", "plan", "contract", "monthly_price", "start_date", "end_date"]
    subs = check_customers(subscriptions, required=need[1:], table="subscriptions")
    start = pd.to_datetime(subs["start_date"])
    end = pd.to_datetime(subs["end_date"])
    last = max(start.max(), end.max()) if end.notna().any() else start.max()
    as_of = last if as_of is None else as_timestamp("as_of", as_of)
    keep = (start <= as_of).to_numpy()
    churned = (end.notna() & (end <= as_of)).to_numpy()[keep]
    stop = np.where(churned, end.to_numpy()[keep], np.datetime64(as_of, "ns"))
    days = (stop - start.to_numpy()[keep]) / np.timedelta64(1, "D")
    out = pd.DataFrame({"tenure": days / 30.4375, "churned": churned,
                        "plan": subs["plan"].to_numpy()[keep],
                        "contract": subs["contract"].to_numpy()[keep],
                        "monthly_price": subs["monthly_price"].to_numpy(dtype=float)[keep]},
                       index=pd.Index(subs["customer_id"].to_numpy()[keep], name="customer_id"))
    if customers is not None:
        cust = check_customers(customers, required=list(customer_features)).set_index(
            "customer_id")
        out = out.join(cust[list(customer_features)])
    out.attrs["features"] = [c for c in out.columns if c not in ("tenure", "churned")]
    out.attrs["as_of"] = as_of
    return out.sort_index()


def inactivity_churn_rates(
    transactions: pd.DataFrame,
    as_of=None,
    thresholds: Sequence[int] = (30, 60, 90, 120, 180, 270, 365),
    *,
    customer_id: str = "customer_id",
    date: str = "date",
) -> pd.DataFrame:
    """Share of customers called churned under each inactivity threshold (non-contractual).

    A customer who bought before ``as_of`` is *churned at threshold d* when the last purchase
    is more than ``d`` days before ``as_of``.

    Parameters
    ----------
    transactions : DataFrame
        Columns ``customer_id``, ``date``.
    as_of : date-like, optional
        Default: the last date in the log. Later rows are excluded (with a warning).
    thresholds : sequence of int
        Inactivity thresholds in days.
    customer_id, date : str
        Column names.

    Returns
    -------
    DataFrame
        Indexed by ``inactivity_days``: ``n_customers``, ``n_churned``, ``churn_rate``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 2, 3], "date": ["2024-01-01", "2024-05-01",
    ...                    "2024-06-25"]})
    >>> inactivity_churn_rates(tx, as_of="2024-06-30", thresholds=[30, 90])["n_churned"].tolist()
    [2, 1]
    """
    for t in thresholds:
        check_param("thresholds", t, kind=int, low=1, hint="Thresholds are whole days >= 1.")
    agg = aggregate_transactions(transactions, "D", as_of, customer_id=customer_id, date=date,
                                 amount=None)
    since = agg["periods_since_last"].to_numpy()
    rows = [{"inactivity_days": int(t), "n_customers": len(since),
             "n_churned": int((since > t).sum())} for t in thresholds]
    out = pd.DataFrame(rows).set_index("inactivity_days")
    out["churn_rate"] = out["n_churned"] / out["n_customers"]
    return out


def churn_kinds(
    members: pd.DataFrame,
    complaints: pd.DataFrame | None = None,
    *,
    end_dates: pd.Series | None = None,
    window_days: int = 90,
) -> pd.Series:
    """Classify churned members into the textbook's kinds of churn where the data can tell.

    * ``internal``: a complaint in the ``window_days`` before the membership ended;
    * ``competitive``: no such complaint and a monthly price above the median of the same
      plan (price-sensitive customers lured by a cheaper offer);
    * ``natural``: neither signal.

    *Malicious* churn needs payment or fraud records and is not assigned (see
    :data:`CHURN_KINDS`). These are rules of thumb that sort lost customers for a win-back
    decision, not observed reasons.

    Parameters
    ----------
    members : DataFrame
        From :func:`membership_table` (``churned``, ``plan``, ``monthly_price``).
    complaints : DataFrame, optional
        Columns ``customer_id``, ``date``. Without it no churn is called internal.
    end_dates : Series, optional
        End date per customer id (``subscriptions.set_index('customer_id')['end_date']``);
        needed with ``complaints``.
    window_days : int, default 90

    Returns
    -------
    Series
        Indexed by the churned customers' ids, values ``internal``, ``competitive`` or
        ``natural``.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"churned": [True, True, False], "plan": ["a", "a", "a"],
    ...                   "monthly_price": [10.0, 8.0, 9.0]}, index=[1, 2, 3])
    >>> churn_kinds(m).tolist()
    ['competitive', 'natural']
    """
    check_param("window_days", window_days, kind=int, low=1)
    check_columns(members, ["churned", "plan", "monthly_price"], "members")
    lost = members.loc[members["churned"].to_numpy(dtype=bool)]
    median = members.groupby("plan")["monthly_price"].transform("median").loc[lost.index]
    kind = np.where(lost["monthly_price"].to_numpy() > median.to_numpy(), "competitive",
                    "natural").astype(object)
    if complaints is not None:
        if end_dates is None:
            raise ParameterError("parameter 'end_dates' is needed with complaints: pass "
                                 "subscriptions.set_index('customer_id')['end_date'].")
        comp = check_transactions(complaints, amount=None, table="complaints")
        ends = pd.to_datetime(end_dates.reindex(lost.index)).to_numpy()
        joined = comp.merge(pd.DataFrame({"customer_id": lost.index, "end": ends}),
                            on="customer_id")
        gap = (joined["end"] - joined["date"]).dt.days
        hit = joined.loc[(gap >= 0) & (gap <= window_days), "customer_id"].unique()
        kind[lost.index.isin(hit)] = "internal"
    return pd.Series(kind, index=lost.index, name="kind")
