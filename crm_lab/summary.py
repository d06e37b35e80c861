"""Transactions -> one row per customer: the shared summary step.

RFM tables (:mod:`crm_lab.segmentation`), CLV models (:mod:`crm_lab.clv`) and
churn features all start from the same question: *when did each customer buy,
how often, and how much?* :func:`aggregate_transactions` answers it once, fast
(``numpy.bincount``, ``ufunc.at`` and one bitmap or hash of (customer, period)
pairs; no sort and no per-customer Python), and the chapters derive their own columns
from its output.

Time is measured in calendar *periods* (``freq``): a purchase on any day of a
week belongs to that week when ``freq="W"``. All ``periods_*`` columns are
differences of period numbers, exactly as lifetimes'
``summary_data_from_transaction_data`` does with ``Timestamp.to_period``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from crm_lab.validate import ParameterError, check_param, check_transactions

__all__ = ["ExclusionWarning", "aggregate_transactions", "period_numbers"]

_DAY_NS = 86_400 * 10**9


class ExclusionWarning(UserWarning):
    """Rows or customers were left out of a computation; the message says how many and why."""


def period_numbers(dates, freq: str = "D") -> np.ndarray:
    """Number each date by its calendar period, so that differences count periods.

    Parameters
    ----------
    dates : array-like of datetime64
        Dates (times of day are ignored by daily and longer periods).
    freq : str
        A pandas period alias with multiple 1: ``"D"``, ``"W"`` (weeks ending
        Sunday), ``"W-SAT"``, ``"M"``, ``"Q"``, ``"Y"``, ``"h"`` ...

    Returns
    -------
    numpy.ndarray of int64
        Period numbers (pandas period ordinals).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.to_datetime(["2024-01-01", "2024-01-07", "2024-01-08"])  # Mon, Sun, Mon
    >>> period_numbers(d, "W").tolist()[2] - period_numbers(d, "W").tolist()[0]
    1
    """
    _check_freq(freq)
    values = np.asarray(dates, dtype="datetime64[ns]").view("int64")
    if freq == "D":
        return values // _DAY_NS
    if freq in ("W", "W-SUN"):
        # pandas' W-SUN ordinal: weeks run Monday..Sunday; 1970-01-01 was a Thursday.
        return (values // _DAY_NS + 3) // 7 + 1
    return pd.DatetimeIndex(values.view("datetime64[ns]")).to_period(freq).asi8


def _check_freq(freq: str) -> None:
    check_param("freq", freq, kind=str)
    try:
        period_freq = pd.Timestamp(0).to_period(freq).freq
    except (ValueError, TypeError, AttributeError) as err:
        raise ParameterError(
            f"parameter 'freq' must be a pandas period alias such as 'D', 'W', 'M', 'Q' or 'Y', "
            f"got {freq!r} ({err})."
        ) from None
    if period_freq.n != 1:
        raise ParameterError(
            f"parameter 'freq' must be a single period ('W', not '2W'), got {freq!r}. "
            "Use freq_multiplier (in crm_lab.clv.customer_summary) to change the time unit."
        )


# ----------------------------------------------------------------------------- shared helpers
# Used by crm_lab.clv (and later segmentation / churn) so that dates and cut-offs are read the
# same way everywhere.


def as_timestamp(name: str, value) -> pd.Timestamp:
    """Read a date parameter, raising :class:`ParameterError` naming it if it is not a date."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        ts = pd.NaT
    if ts is pd.NaT:
        raise ParameterError(f"parameter {name!r} must be a date such as '1997-09-30', "
                             f"got {value!r}.")
    return ts.tz_localize(None) if ts.tzinfo is not None else ts


def up_to(dates: np.ndarray, cutoff: pd.Timestamp) -> np.ndarray:
    """Mask of ``dates`` on or before ``cutoff``; a midnight cutoff includes its whole day."""
    if cutoff == cutoff.normalize():
        return dates < (cutoff + pd.Timedelta(days=1)).to_datetime64()
    return dates <= cutoff.to_datetime64()


def _aggregate(frame: pd.DataFrame, freq: str, as_of: pd.Timestamp, *,
               count_periods: bool = True) -> pd.DataFrame:
    """Group a *checked* frame (columns customer_id, date[, amount]) by customer.

    No validation, no exclusion: callers pass rows dated up to ``as_of``. With
    ``count_periods=False`` the ``n_periods`` column (distinct purchase periods, the one
    costly step with daily periods) is left out, for callers that count transactions only.
    """
    ids = frame["customer_id"].to_numpy()
    try:
        codes, uniques = pd.factorize(ids, sort=True)
    except TypeError:  # mixed id types cannot be sorted
        codes, uniques = pd.factorize(ids, sort=False)
    n_cust = len(uniques)
    dates = frame["date"].to_numpy(dtype="datetime64[ns]")
    per = period_numbers(dates, freq)
    has_amount = "amount" in frame.columns

    # per-customer extremes: ufunc.at scatters in one pass (no sort needed)
    big = np.iinfo(np.int64).max
    ns = dates.view("int64")
    first_date = np.full(n_cust, big)
    np.minimum.at(first_date, codes, ns)
    last_date = np.full(n_cust, -big)
    np.maximum.at(last_date, codes, ns)
    first_period = np.full(n_cust, big)
    np.minimum.at(first_period, codes, per)
    last_period = np.full(n_cust, -big)
    np.maximum.at(last_period, codes, per)

    # distinct (customer, period) pairs = periods with a purchase. A customer x period
    # bitmap when it is small compared with the log (weekly/monthly data), else a hash table.
    offset = per - first_period[codes]
    span = np.int64(offset.max() + 1)
    key = codes.astype(np.int64) * span + offset
    if not count_periods:
        n_periods = None
    elif n_cust * span <= max(16 * len(key), 1 << 20):
        seen = np.zeros(n_cust * span, dtype=bool)
        seen[key] = True
        n_periods = np.count_nonzero(seen.reshape(n_cust, span), axis=1)
    else:
        n_periods = np.bincount(pd.unique(key) // span, minlength=n_cust)

    as_of_period = period_numbers(np.array([as_of.to_datetime64()]), freq)[0]
    out = {
        "first_purchase": first_date.view("datetime64[ns]"),
        "last_purchase": last_date.view("datetime64[ns]"),
        "n_transactions": np.bincount(codes, minlength=n_cust),
        "periods_since_first": as_of_period - first_period,
        "periods_first_to_last": last_period - first_period,
        "periods_since_last": as_of_period - last_period,
    }
    if n_periods is not None:
        out = {**dict(list(out.items())[:3]), "n_periods": n_periods, **dict(list(out.items())[3:])}
    if has_amount:
        amount = frame["amount"].to_numpy(dtype="float64")
        total = np.bincount(codes, weights=amount, minlength=n_cust)
        out["total_spend"] = total
        out["mean_spend"] = total / out["n_transactions"]
        out["first_period_spend"] = np.bincount(codes, weights=np.where(offset == 0, amount, 0.0),
                                                minlength=n_cust)
    index = pd.Index(uniques, name="customer_id")
    result = pd.DataFrame(out, index=index)
    result.attrs.update({"freq": freq, "as_of": as_of})
    return result


def exclude_after(frame: pd.DataFrame, end: pd.Timestamp, what: str, *, stacklevel: int = 3
                  ) -> pd.DataFrame:
    """Drop rows of a checked frame dated after ``end``, warning with the counts."""
    dates = frame["date"].to_numpy(dtype="datetime64[ns]")
    keep = up_to(dates, end)
    n_out = int((~keep).sum())
    if n_out:
        ids = frame["customer_id"].to_numpy()
        gone = pd.unique(ids[~keep])
        lost = int((~pd.Index(gone).isin(ids[keep])).sum())
        tail = f"; {lost:,} customer(s) have no purchase left and are dropped" if lost else ""
        warnings.warn(
            f"{n_out:,} transaction(s) dated after {what}={end.date()} were excluded{tail}.",
            ExclusionWarning, stacklevel=stacklevel)
        frame = frame.loc[keep].reset_index(drop=True)
    if len(frame) == 0:
        raise ParameterError(f"parameter {what!r} ({end.date()}) lies before every purchase in "
                             "the log; choose a later date.")
    return frame


def aggregate_transactions(
    transactions: pd.DataFrame,
    freq: str = "D",
    as_of=None,
    *,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
) -> pd.DataFrame:
    """Summarise a transaction log per customer (the step RFM, CLV and churn share).

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase.
    freq : str, default "D"
        Period used to count distinct purchase periods and to measure time:
        ``"D"`` days, ``"W"`` weeks (Monday to Sunday), ``"M"`` months, ...
    as_of : date-like, optional
        The "today" of the analysis (inclusive; a bare date includes the whole
        day). Defaults to the last date in the log. Rows after it are excluded
        and the count is reported in an :class:`ExclusionWarning`.
    customer_id, date, amount : str
        Column names. ``amount=None`` for logs without spend.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted), with columns

        ``first_purchase``, ``last_purchase``
            Timestamps of the first and last purchase.
        ``n_transactions``
            Number of rows (transactions).
        ``n_periods``
            Number of distinct ``freq`` periods with at least one purchase.
        ``periods_since_first``
            ``as_of`` period minus first-purchase period (the *age* T).
        ``periods_first_to_last``
            Last minus first purchase period (lifetimes' *recency*).
        ``periods_since_last``
            ``as_of`` period minus last purchase period (RFM *recency*).
        ``total_spend``, ``mean_spend``
            Sum and mean (per transaction) of ``amount``.
        ``first_period_spend``
            Spend in the first purchase period (removed when models look at
            *repeat* purchases only).

        ``attrs`` holds ``freq`` and ``as_of``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-05",
    ...                                            "2024-01-03"]),
    ...                    "amount": [10.0, 5.0, 20.0, 8.0]})
    >>> s = aggregate_transactions(tx, freq="D", as_of="2024-01-10")
    >>> cols = ["n_transactions", "n_periods", "periods_since_first", "periods_since_last"]
    >>> s[cols]  # doctest: +NORMALIZE_WHITESPACE
                 n_transactions  n_periods  periods_since_first  periods_since_last
    customer_id
    a                         3          2                    9                   5
    b                         1          1                    7                   7
    >>> s.loc["a", "first_period_spend"]
    np.float64(15.0)
    """
    frame = check_transactions(transactions, customer_id=customer_id, date=date, amount=amount)
    _check_freq(freq)
    last = pd.Timestamp(frame["date"].max())
    as_of = last if as_of is None else as_timestamp("as_of", as_of)
    frame = exclude_after(frame, as_of, "as_of")
    return _aggregate(frame, freq, as_of)
