"""Customer lifetime value: from a transaction log to what each customer is worth.

Three layers, simplest first:

1. **Simple CLV** (:func:`simple_clv`): constant margin and retention,
   ``CLV = m r / (1 + d - r)`` (Gupta & Lehmann 2003); the cohort view behind
   retention (:func:`cohort_retention`); what a customer has been worth so far
   (:func:`historical_value`).
2. **The customer summary** (:func:`customer_summary`): per customer
   ``frequency``, ``recency``, ``T`` and ``monetary_value``, with exactly the
   definitions of lifetimes' ``summary_data_from_transaction_data``, optionally
   split into a calibration and a holdout period.
3. **Probability models** fitted by maximum likelihood on that summary:
   :class:`BetaGeo` (BG/NBD; Fader, Hardie & Lee 2005a), :class:`ParetoNBD`
   (Schmittlein, Morrison & Colombo 1987) for the number of purchases and
   :class:`GammaGamma` (Colombo & Jiang 1999; Fader, Hardie & Lee 2005b) for
   the spend per purchase, combined by :func:`customer_lifetime_value`.
   Diagnostics are returned as tables (:func:`calibration_vs_holdout`,
   :func:`frequency_recency_matrix`, :func:`probability_alive_matrix`); the
   plots live in :mod:`crm_lab.plots`.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005a). "Counting your customers"
the easy way: An alternative to the Pareto/NBD model. *Marketing Science*
24(2), 275-284.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005b). RFM and CLV: Using
iso-value curves for customer base analysis. *Journal of Marketing Research*
42(4), 415-430.

Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary
value. Note, brucehardie.com/notes/025.

Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your
customers: Who are they and what will they do next? *Management Science*
33(1), 1-24.

Colombo, R. & Jiang, W. (1999). A stochastic RFM model. *Journal of
Interactive Marketing* 13(3), 2-12.

Gupta, S. & Lehmann, D. R. (2003). Customers as assets. *Journal of
Interactive Marketing* 17(1), 9-24.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from crm_lab.summary import (
    ExclusionWarning,
    _aggregate,
    _check_freq,
    as_timestamp,
    exclude_after,
    period_numbers,
    up_to,
)
from crm_lab.validate import (
    DataError,
    ParameterError,
    check_columns,
    check_param,
    check_transactions,
)

__all__ = [
    "customer_summary",
    "simple_clv",
    "cohort_retention",
    "historical_value",
    "BetaGeo",
    "ParetoNBD",
    "GammaGamma",
    "customer_lifetime_value",
    "calibration_vs_holdout",
    "frequency_recency_matrix",
    "probability_alive_matrix",
    "recover_process",
]

#: Length of a month in each time unit (a calendar month is 365.25 / 12 days).
PERIODS_PER_MONTH = {"D": 365.25 / 12, "W": 365.25 / 12 / 7, "M": 1.0, "h": 365.25 * 24 / 12}


# ============================================================================ customer summary


def customer_summary(
    transactions: pd.DataFrame,
    freq: str = "W",
    calibration_end=None,
    observation_end=None,
    *,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
    monetary: str | None = "mean",
    freq_multiplier: float = 1,
) -> pd.DataFrame:
    """Frequency, recency, age and spend per customer: the input of every CLV model.

    The definitions are those of lifetimes' ``summary_data_from_transaction_data``
    (and of Fader, Hardie & Lee 2005a). Time is cut into ``freq`` periods;
    purchases in the same period count once and their amounts are summed.

    ``frequency``
        Number of *repeat* purchase periods: distinct periods with a purchase
        minus one (the first purchase is not counted).
    ``recency``
        Last minus first purchase period (0 when ``frequency`` is 0).
    ``T``
        Period of the end of observation minus first purchase period (the
        customer's age).
    ``monetary_value``
        With ``monetary="mean"``: mean spend per repeat period (first period
        left out; 0 when ``frequency`` is 0). ``"mean_all"`` includes the first
        period; ``None`` leaves the column out (and ``amount`` is not needed).

    ``recency`` and ``T`` are in units of ``freq`` divided by ``freq_multiplier``:
    ``freq="D", freq_multiplier=7`` gives weeks measured to the day, which is how
    Fader & Hardie's CDNOW summary (and its published estimates) are built.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase (columns named by ``customer_id``, ``date``,
        ``amount``).
    freq : str, default "W"
        Period: ``"D"``, ``"W"`` (Monday to Sunday), ``"M"``, ``"Q"``, ``"Y"``, ``"h"``.
    calibration_end : date-like, optional
        If given, the summary columns describe purchases up to this date
        (inclusive) and holdout columns describe those after it:
        ``frequency_holdout`` (distinct purchase periods in the holdout),
        ``monetary_value_holdout`` (mean spend per holdout purchase period) and
        ``duration_holdout`` (length of the holdout, same unit as ``T``).
        Customers whose first purchase falls after it are excluded, with an
        :class:`~crm_lab.summary.ExclusionWarning` giving their number.
    observation_end : date-like, optional
        Last date of the study (inclusive; a bare date includes that whole day).
        Defaults to the last date in the log. Later rows are excluded with an
        :class:`~crm_lab.summary.ExclusionWarning` giving their number.
    customer_id, date, amount : str
        Column names in ``transactions``.
    monetary : {"mean", "mean_all", None}
        How ``monetary_value`` is computed (see above).
    freq_multiplier : float, default 1
        Divide ``recency``, ``T`` and ``duration_holdout`` by this number.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``; ``frequency`` (int), ``recency``, ``T``
        [, ``monetary_value``] [, holdout columns]. ``attrs`` records ``freq``,
        ``freq_multiplier``, ``calibration_end`` and ``observation_end``.

    Notes
    -----
    Differences from lifetimes, all deliberate:

    * Calibration columns keep their plain names (no ``_cal`` suffix) so the
      same frame feeds :meth:`BetaGeo.fit`.
    * ``observation_end`` and ``calibration_end`` cut by date. lifetimes cuts by
      period, so with ``freq="W"`` and a mid-week end date it keeps the rest of
      that week (and counts those purchases in both calibration and holdout).
      End a calibration on the last day of a period to avoid the question.
    * ``monetary_value_holdout`` is the mean spend per holdout *period* (the
      quantity the Gamma-Gamma model predicts); lifetimes averages single
      transactions there.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({
    ...     "customer_id": [1, 1, 1, 1, 2],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15", "2024-02-20",
    ...                             "2024-01-10"]),
    ...     "amount": [10.0, 5.0, 20.0, 30.0, 8.0]})
    >>> s = customer_summary(tx, freq="D", calibration_end="2024-01-31",
    ...                      observation_end="2024-02-29")
    >>> s[["frequency", "recency", "T", "monetary_value"]]  # doctest: +NORMALIZE_WHITESPACE
                 frequency  recency     T  monetary_value
    customer_id
    1                    1     14.0  30.0            20.0
    2                    0      0.0  21.0             0.0
    >>> s[["frequency_holdout", "monetary_value_holdout", "duration_holdout"]]
    ... # doctest: +NORMALIZE_WHITESPACE
                 frequency_holdout  monetary_value_holdout  duration_holdout
    customer_id
    1                            1                    30.0              29.0
    2                            0                     0.0              29.0
    """
    check_param("monetary", monetary, allowed=["mean", "mean_all", None])
    amount_col = amount if monetary is not None else None
    frame = check_transactions(transactions, customer_id=customer_id, date=date, amount=amount_col)
    _check_freq(freq)
    check_param("freq_multiplier", freq_multiplier, kind=(int, float))
    if not freq_multiplier > 0:
        raise ParameterError(f"parameter 'freq_multiplier' must be > 0, got {freq_multiplier!r}.")

    first = pd.Timestamp(frame["date"].min())
    last = pd.Timestamp(frame["date"].max())
    obs_end = last if observation_end is None else as_timestamp("observation_end", observation_end)
    cal_end = None
    if calibration_end is not None:
        cal_end = as_timestamp("calibration_end", calibration_end)
        if not up_to(np.array([first.to_datetime64()]), cal_end)[0]:
            raise ParameterError(
                f"parameter 'calibration_end' ({cal_end.date()}) is before the first purchase "
                f"({first.date()}); choose a date inside the log.")
        if cal_end >= obs_end:
            raise ParameterError(
                f"parameter 'calibration_end' ({cal_end.date()}) must be before observation_end "
                f"({obs_end.date()}); otherwise there is no holdout period.")
    frame = exclude_after(frame, obs_end, "observation_end")

    if cal_end is None:
        out = _repeat_columns(_aggregate(frame, freq, obs_end), monetary, freq_multiplier)
    else:
        in_cal = up_to(frame["date"].to_numpy(), cal_end)
        cal = _aggregate(frame.loc[in_cal], freq, cal_end)
        hold = frame.loc[~in_cal]
        known = hold["customer_id"].isin(cal.index).to_numpy()
        if not known.all():
            n_new = hold.loc[~known, "customer_id"].nunique()
            warnings.warn(
                f"{n_new:,} customer(s) whose first purchase is after calibration_end="
                f"{cal_end.date()} are excluded (no calibration history); their "
                f"{int((~known).sum()):,} holdout transaction(s) are ignored.",
                ExclusionWarning, stacklevel=2)
            hold = hold.loc[known]
        out = _repeat_columns(cal, monetary, freq_multiplier)
        if len(hold):
            h = _aggregate(hold, freq, obs_end).reindex(out.index)
            out["frequency_holdout"] = h["n_periods"].fillna(0).astype("int64")
            if monetary is not None:
                out["monetary_value_holdout"] = (h["total_spend"] / h["n_periods"]).fillna(0.0)
        else:
            out["frequency_holdout"] = 0
            if monetary is not None:
                out["monetary_value_holdout"] = 0.0
        ends = period_numbers(np.array([obs_end.to_datetime64(), cal_end.to_datetime64()]), freq)
        out["duration_holdout"] = float(ends[0] - ends[1]) / freq_multiplier
    out.attrs = {"freq": freq, "freq_multiplier": freq_multiplier,
                 "calibration_end": cal_end, "observation_end": obs_end}
    return out


def _repeat_columns(agg: pd.DataFrame, monetary: str | None, unit: float) -> pd.DataFrame:
    freq_ = agg["n_periods"].to_numpy() - 1
    out = pd.DataFrame({
        "frequency": freq_.astype("int64"),
        "recency": agg["periods_first_to_last"].to_numpy() / unit,
        "T": agg["periods_since_first"].to_numpy() / unit,
    }, index=agg.index)
    if monetary == "mean":
        repeat = agg["total_spend"].to_numpy() - agg["first_period_spend"].to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            out["monetary_value"] = np.where(freq_ > 0, repeat / np.maximum(freq_, 1), 0.0)
    elif monetary == "mean_all":
        out["monetary_value"] = agg["total_spend"].to_numpy() / agg["n_periods"].to_numpy()
    return out


# ============================================================================ simple CLV


def simple_clv(margin, retention, discount_rate):
    """Lifetime value with constant margin and retention: ``m r / (1 + d - r)``.

    The value, today, of a customer just acquired who brings margin ``m`` at
    the end of every period while retained, stays each period with probability
    ``r`` and whose cash flows are discounted at ``d`` per period (Gupta &
    Lehmann 2003). Add ``m`` if the first period's margin is also to be counted.

    Parameters
    ----------
    margin : float or array-like
        Margin per period (any currency; may be negative).
    retention : float or array-like
        Retention rate per period, in [0, 1).
    discount_rate : float or array-like
        Discount rate per period, >= 0.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Broadcast over the inputs; a Series if ``margin`` is one.

    Examples
    --------
    >>> round(simple_clv(100, 0.8, 0.1), 2)
    266.67
    >>> simple_clv(100, [0.5, 0.8, 0.9], 0.1).round(1)
    array([ 83.3, 266.7, 450. ])
    """
    m = np.asarray(margin, dtype=float)
    r = np.asarray(retention, dtype=float)
    d = np.asarray(discount_rate, dtype=float)
    for name, v in (("margin", m), ("retention", r), ("discount_rate", d)):
        if not np.isfinite(v).all():
            raise ParameterError(f"parameter {name!r} must be finite (no NaN or inf).")
    if ((r < 0) | (r >= 1)).any():
        raise ParameterError(f"parameter 'retention' must lie in [0, 1), got {retention!r}. "
                             "A retention of 1 means customers never leave: the value is infinite.")
    if (d < 0).any():
        raise ParameterError(f"parameter 'discount_rate' must be >= 0, got {discount_rate!r}.")
    value = m * r / (1.0 + d - r)
    if isinstance(margin, pd.Series):
        return pd.Series(np.broadcast_to(value, margin.shape), index=margin.index, name="clv")
    return float(value) if value.ndim == 0 else value


def cohort_retention(
    transactions: pd.DataFrame,
    freq: str = "M",
    *,
    customer_id: str = "customer_id",
    date: str = "date",
    counts: bool = False,
) -> pd.DataFrame:
    """Share of each acquisition cohort active in each period since acquisition.

    A customer's cohort is the ``freq`` period of the first purchase; the
    customer is *active* in a period with at least one purchase. Column ``k``
    is the share of the cohort active ``k`` periods after acquisition (column 0
    is 1 by definition). Cells not yet observed (the cohort is too young) are
    NaN, not 0.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase.
    freq : str, default "M"
        Period of the cohorts and of the columns.
    customer_id, date : str
        Column names.
    counts : bool, default False
        Return the number of active customers instead of the share.

    Returns
    -------
    DataFrame
        Index ``cohort`` (pandas Periods), columns ``0, 1, ...`` (periods since
        acquisition, name ``periods_since_first``); ``attrs["cohort_size"]``
        holds the cohort sizes.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3],
    ...                    "date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-01-20",
    ...                                            "2024-02-03", "2024-03-01"])})
    >>> cohort_retention(tx, "M")  # doctest: +NORMALIZE_WHITESPACE
    periods_since_first    0    1    2
    cohort
    2024-01              1.0  0.5  0.0
    2024-02              1.0  1.0  NaN
    """
    frame = check_transactions(transactions, customer_id=customer_id, date=date, amount=None)
    _check_freq(freq)
    check_param("counts", counts, kind=bool)
    per = period_numbers(frame["date"].to_numpy(), freq)
    codes, _ = pd.factorize(frame["customer_id"].to_numpy())
    first = np.full(codes.max() + 1, np.iinfo(np.int64).max)
    np.minimum.at(first, codes, per)
    age = per - first[codes]
    active = pd.DataFrame({"cohort": first[codes], "age": age, "c": codes}).drop_duplicates()
    table = active.groupby(["cohort", "age"]).size().unstack(fill_value=0)
    last = per.max()
    table = table.reindex(columns=range(int(last - table.index.min()) + 1), fill_value=0)
    size = table[0]
    observed = (table.index.to_numpy()[:, None] + table.columns.to_numpy()[None, :]) <= last
    values = table.to_numpy(dtype=float) if counts else table.to_numpy() / size.to_numpy()[:, None]
    out = pd.DataFrame(np.where(observed, values, np.nan),
                       index=pd.PeriodIndex.from_ordinals(table.index, freq=freq, name="cohort"),
                       columns=pd.RangeIndex(table.shape[1], name="periods_since_first"))
    out.attrs["cohort_size"] = pd.Series(size.to_numpy(), index=out.index, name="cohort_size")
    return out


def historical_value(
    transactions: pd.DataFrame,
    margin_rate: float = 1.0,
    discount_rate: float = 0.0,
    rate_period: str = "Y",
    as_of=None,
    *,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
) -> pd.DataFrame:
    """What each customer has been worth so far: past margins compounded to ``as_of``.

    ``value = sum_j margin_rate * amount_j * (1 + discount_rate) ** years_j``
    where ``years_j`` is the time from purchase ``j`` to ``as_of`` in
    ``rate_period`` units (days / 365.25 for ``"Y"``). With the defaults it is
    simply the total spend.

    Parameters
    ----------
    transactions : DataFrame
        One row per purchase.
    margin_rate : float, default 1.0
        Margin as a share of the amount (e.g. 0.3 for a 30 % gross margin).
    discount_rate : float, default 0.0
        Rate per ``rate_period`` used to compound past cash flows, >= 0.
    rate_period : {"D", "W", "M", "Q", "Y"}
        Period of ``discount_rate``.
    as_of : date-like, optional
        Valuation date (defaults to the last date of the log; later rows are
        excluded with a warning).
    customer_id, date, amount : str
        Column names.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``: ``first_purchase``, ``last_purchase``,
        ``n_transactions``, ``total_spend``, ``total_margin``,
        ``historical_value``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2],
    ...                    "date": pd.to_datetime(["2022-12-31", "2023-12-31", "2023-06-30"]),
    ...                    "amount": [100.0, 100.0, 50.0]})
    >>> historical_value(tx, margin_rate=0.5, discount_rate=0.1)["historical_value"].round(2)
    customer_id
    1    105.00
    2     26.23
    Name: historical_value, dtype: float64
    """
    frame = check_transactions(transactions, customer_id=customer_id, date=date, amount=amount)
    check_param("margin_rate", margin_rate, kind=(int, float))
    check_param("discount_rate", discount_rate, kind=(int, float), low=0)
    days = {"D": 1.0, "W": 7.0, "M": 365.25 / 12, "Q": 365.25 / 4, "Y": 365.25}
    check_param("rate_period", rate_period, allowed=list(days))
    last = pd.Timestamp(frame["date"].max())
    as_of = last if as_of is None else as_timestamp("as_of", as_of)
    frame = exclude_after(frame, as_of, "as_of")
    agg = _aggregate(frame, "D", as_of)
    age = (as_of.to_datetime64() - frame["date"].to_numpy()) / np.timedelta64(1, "D")
    growth = (1.0 + discount_rate) ** (np.maximum(age, 0) / days[rate_period])
    codes = agg.index.get_indexer(frame["customer_id"])
    margin = margin_rate * frame["amount"].to_numpy()
    out = agg[["first_purchase", "last_purchase", "n_transactions", "total_spend"]].copy()
    out["total_margin"] = np.bincount(codes, weights=margin, minlength=len(agg))
    out["historical_value"] = np.bincount(codes, weights=margin * growth, minlength=len(agg))
    return out


# ============================================================================ model machinery


def _as_array(name: str, value) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if not np.isfinite(arr).all():
        raise DataError(f"summary[{name!r}]: {int((~np.isfinite(arr)).sum()):,} values are NaN "
                        "or infinite.\nHow to fix: rebuild the summary with "
                        "crm_lab.clv.customer_summary, or drop those customers explicitly.")
    return arr


def _read_summary(summary, columns: dict, model: str) -> dict:
    """Columns of a customer summary (DataFrame or keyword arrays) as float arrays, checked."""
    if summary is not None:
        check_columns(summary, list(columns), "summary",
                      hint="Build the summary with crm_lab.clv.customer_summary(transactions).")
        data = {c: _as_array(c, summary[c]) for c in columns}
    else:
        missing = [c for c, v in columns.items() if v is None]
        if missing:
            raise ParameterError(f"{model}.fit needs a summary DataFrame or the arrays "
                                 f"{list(columns)}; missing {missing}.")
        data = {c: _as_array(c, v) for c, v in columns.items()}
        lengths = {c: v.shape for c, v in data.items()}
        if len(set(lengths.values())) != 1 or next(iter(lengths.values())) in ((), (0,)):
            raise ParameterError(f"{model}.fit: the arrays must be non-empty and of equal length; "
                                 f"got shapes {lengths}.")
    x = data["frequency"]
    if (x < 0).any() or (x != np.round(x)).any():
        raise DataError("summary['frequency']: values must be whole numbers >= 0 (repeat purchase "
                        "periods).\nHow to fix: build the summary with customer_summary.")
    if "recency" in data:
        t_x, T = data["recency"], data["T"]
        if (t_x < 0).any():
            raise DataError("summary['recency']: negative values.\nHow to fix: recency is the time "
                            "from first to last purchase; rebuild the summary.")
        if (t_x > T + 1e-9).any():
            raise DataError(f"summary['recency']: {int((t_x > T + 1e-9).sum()):,} customers have "
                            "recency > T.\nHow to fix: T must be measured to the end of "
                            "observation; rebuild the summary with customer_summary.")
        if (t_x[x == 0] != 0).any():
            raise DataError("summary['recency']: customers with frequency 0 must have recency 0.\n"
                            "How to fix: rebuild the summary with customer_summary.")
    return data


def _wrap(result, *inputs):
    """Return a Series when an input is one (same index), a float for scalars."""
    result = np.asarray(result, dtype=float)
    if result.ndim == 0:
        return float(result)
    for v in inputs:
        if isinstance(v, pd.Series) and v.shape == result.shape:
            return pd.Series(result, index=v.index)
    return result


def _hessian_from_function(f, x: np.ndarray, step: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of a scalar function."""
    k = len(x)
    eye = np.eye(k) * step
    H = np.empty((k, k))
    f0 = f(x)
    for i in range(k):
        H[i, i] = (f(x + eye[i]) - 2 * f0 + f(x - eye[i])) / step**2
        for j in range(i + 1, k):
            H[i, j] = H[j, i] = (f(x + eye[i] + eye[j]) - f(x + eye[i] - eye[j])
                                 - f(x - eye[i] + eye[j]) + f(x - eye[i] - eye[j])) / (4 * step**2)
    return H


def _hessian_from_gradient(g, x: np.ndarray, step: float = 1e-5) -> np.ndarray:
    """Central differences of an analytic gradient, symmetrised."""
    k = len(x)
    eye = np.eye(k) * step
    H = np.column_stack([(g(x + eye[i]) - g(x - eye[i])) / (2 * step) for i in range(k)])
    return (H + H.T) / 2


#: A fit is reported as degenerate when a standard error exceeds this many times its
#: estimate (a 95 % interval then spans more than ten orders of magnitude) ...
DEGENERATE_SE_RATIO = 3.0
#: ... or when an estimate runs off towards 0 or infinity (|log| above this).
DEGENERATE_LOG_PARAM = 15.0


def _warn_if_degenerate(name: str, params: pd.Series, se: pd.Series, n: int) -> None:
    """Warn when the data do not pin the parameters down (e.g. Gamma-Gamma on 100 customers
    can give p = 1.2e6 with a standard error of 1.0e7)."""
    ratio = se / params
    wild = (ratio > DEGENERATE_SE_RATIO) | (np.abs(np.log(params)) > DEGENERATE_LOG_PARAM)
    if not wild.any():
        return
    shown = "; ".join(f"{k} = {params[k]:.3g} (standard error {se[k]:.3g}, {ratio[k]:.3g} times "
                      "the estimate)" for k in params.index[wild])
    warnings.warn(f"{name}: degenerate fit on {n:,} customers: {shown}. The data do not pin "
                  "these parameters down, so predictions from this fit are unreliable. Fit on "
                  "more customers (or a longer calibration period), or add a small penalizer "
                  "(e.g. penalizer=0.001).", RuntimeWarning, stacklevel=3)


class _Model:
    """Maximum likelihood in log-parameters, standard errors from the Hessian.

    Subclasses give ``_loglik(params, data)`` (one value per row) and, when they
    can, ``_loglik_grad`` returning the log-likelihoods and their derivatives
    with respect to the parameters; the fit then uses BFGS with that exact
    gradient, otherwise finite differences.
    """

    _param_names: tuple[str, ...] = ()
    _columns: tuple[str, ...] = ()
    _gtol = 1e-9  # on the mean negative log-likelihood, log-parameter scale

    def __init__(self, penalizer: float = 0.0, initial_params: Mapping[str, float] | None = None):
        self.penalizer = penalizer
        self.initial_params = initial_params

    # -- to be provided by subclasses
    def _loglik(self, params: np.ndarray, data: dict) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    _loglik_grad = None

    def _start(self, data: dict) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _select(self, data: dict) -> dict:
        return data

    # -- fitting
    def fit(self, summary: pd.DataFrame | None = None, **arrays):
        """Estimate the parameters by maximum likelihood.

        Parameters
        ----------
        summary : DataFrame, optional
            A customer summary (from :func:`customer_summary`) with the columns
            the model needs. Alternatively pass them as keyword arrays
            (``frequency=..., recency=..., T=...``).

        Returns
        -------
        self
        """
        name = type(self).__name__
        check_param("penalizer", self.penalizer, kind=(int, float), low=0)
        unknown = set(arrays) - set(self._columns)
        if unknown:
            raise ParameterError(f"{name}.fit got unexpected argument(s) {sorted(unknown)}; "
                                 f"it takes a summary or {list(self._columns)}.")
        data = _read_summary(summary, {c: arrays.get(c) for c in self._columns}, name)
        data = self._select(data)
        # identical customers share one likelihood term: fit on the distinct rows
        stacked = np.column_stack([data[c] for c in self._columns])
        rows, weights = np.unique(stacked, axis=0, return_counts=True)
        udata = {c: rows[:, i] for i, c in enumerate(self._columns)}
        n = int(weights.sum())
        pen = float(self.penalizer)
        analytic = self._loglik_grad is not None

        def loglik(logp):
            with np.errstate(all="ignore"):
                return float(np.dot(weights, self._loglik(np.exp(logp), udata)))

        def fun(logp):  # mean penalised negative log-likelihood (and gradient)
            theta = np.exp(np.clip(logp, -30, 30))
            with np.errstate(all="ignore"):
                if analytic:
                    ll, G = self._loglik_grad(theta, udata)
                    grad = (-(weights @ G) / n + 2 * pen * theta) * theta
                else:
                    ll = self._loglik(theta, udata)
            value = -float(np.dot(weights, ll)) / n + pen * float(np.sum(theta**2))
            if not np.isfinite(value):
                value = 1e10
                grad = np.zeros_like(logp)
            return (value, grad) if analytic else value

        def gradient(logp):
            if analytic:
                return fun(logp)[1]
            return optimize.approx_fprime(logp, fun, 1e-7)

        if self.initial_params is not None:
            start = np.array([float(self.initial_params[p]) for p in self._param_names])
            if (start <= 0).any():
                raise ParameterError(f"initial_params must be > 0, got {self.initial_params!r}.")
        else:
            start = self._start(udata)
        x0 = np.log(start)
        jac = True if analytic else "3-point"
        opts = {"gtol": self._gtol, "maxiter": 5000}
        res = optimize.minimize(fun, x0, jac=jac, method="BFGS", options=opts)
        x = res.x
        if not (np.max(np.abs(gradient(x))) < 1e-5 and np.isfinite(loglik(x))):
            # a rough start: walk with Nelder-Mead first, then BFGS again
            nm = optimize.minimize(lambda z: fun(z)[0] if analytic else fun(z), x0,
                                   method="Nelder-Mead",
                                   options={"xatol": 1e-8, "fatol": 1e-12, "maxiter": 20000})
            res = optimize.minimize(fun, nm.x, jac=jac, method="BFGS", options=opts)
            x = res.x
        max_grad = float(np.max(np.abs(gradient(x))))
        if analytic:
            H = _hessian_from_gradient(lambda z: n * gradient(z), x)
        else:
            H = _hessian_from_function(lambda z: n * fun(z), x)
            try:  # finite-difference BFGS stops a little early: one Newton step sharpens it
                step = np.linalg.solve(H, n * gradient(x))
                if np.all(np.isfinite(step)) and fun(x - step) < fun(x):
                    x = x - step
                    max_grad = float(np.max(np.abs(gradient(x))))
            except np.linalg.LinAlgError:
                pass
        params = np.exp(x)
        self.params_ = pd.Series(params, index=list(self._param_names), name="estimate")
        self.log_likelihood_ = loglik(x)
        self.n_customers_ = n
        self.converged_ = bool(max_grad < 1e-5 and np.isfinite(self.log_likelihood_))
        self.data_ = pd.DataFrame(data)
        try:
            cov_log = np.linalg.inv(H)
            ok = bool(np.all(np.diag(cov_log) > 0))
        except np.linalg.LinAlgError:
            ok = False
        if not ok:
            warnings.warn(f"{name}: the Hessian is not positive definite at the estimate; standard "
                          "errors are not available (the fit may sit on a boundary).",
                          RuntimeWarning, stacklevel=2)
            cov_log = np.full((len(x), len(x)), np.nan)
        self.covariance_log_ = pd.DataFrame(cov_log, index=self.params_.index,
                                            columns=self.params_.index)
        self.std_errors_ = pd.Series(params * np.sqrt(np.diag(cov_log)), index=self.params_.index,
                                     name="std_err")
        if ok:
            _warn_if_degenerate(name, self.params_, self.std_errors_, n)
        if not self.converged_:
            warnings.warn(f"{name}: the optimiser did not converge (largest gradient "
                          f"{max_grad:.2g}); try other initial_params.",
                          RuntimeWarning, stacklevel=2)
        return self

    def _p(self) -> pd.Series:
        if not hasattr(self, "params_"):
            raise ValueError(f"this {type(self).__name__} is not fitted yet; call .fit(summary) "
                             "first.")
        return self.params_

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Confidence intervals, Wald on the log scale (always positive).

        Parameters
        ----------
        alpha : float, default 0.05
            1 - confidence level.

        Returns
        -------
        DataFrame
            Columns ``ci_lower`` and ``ci_upper``, one row per parameter.
        """
        p = self._p()
        check_param("alpha", alpha, kind=float, low=1e-10, high=0.5)
        z = stats.norm.ppf(1 - alpha / 2)
        se_log = np.sqrt(np.diag(self.covariance_log_.to_numpy()))
        return pd.DataFrame({"ci_lower": p * np.exp(-z * se_log),
                             "ci_upper": p * np.exp(z * se_log)}, index=p.index)

    def summary(self, alpha: float = 0.05) -> pd.DataFrame:
        """Estimates, standard errors (delta method) and confidence intervals.

        Returns
        -------
        DataFrame
            Columns ``estimate``, ``std_err``, ``ci_lower``, ``ci_upper``;
            ``attrs`` holds ``log_likelihood`` and ``n_customers``.
        """
        p = self._p()
        out = pd.concat([p, self.std_errors_, self.conf_int(alpha)], axis=1)
        out.index.name = "parameter"
        out.attrs = {"log_likelihood": self.log_likelihood_, "n_customers": self.n_customers_}
        return out

    def __repr__(self) -> str:
        name = type(self).__name__
        if hasattr(self, "params_"):
            inner = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
            return f"{name}({inner}; fitted on {self.n_customers_:,} customers)"
        return f"{name}(penalizer={self.penalizer!r})"


class _TransactionModel(_Model):
    """Shared by the purchase-count models (BG/NBD, Pareto/NBD)."""

    _columns = ("frequency", "recency", "T")

    def predict(self, summary: pd.DataFrame, t: float = 1.0) -> pd.Series:
        """Expected purchases in the next ``t`` periods for each customer of ``summary``.

        Parameters
        ----------
        summary : DataFrame
            Customer summary with ``frequency``, ``recency``, ``T``.
        t : float, default 1
            Length of the future period, in the unit of ``T``.

        Returns
        -------
        pandas.Series
            Named ``expected_purchases``, indexed like ``summary``.
        """
        self._p()
        check_columns(summary, list(self._columns), "summary")
        pred = self.conditional_expected_number_of_purchases_up_to_time(
            t, summary["frequency"].to_numpy(float), summary["recency"].to_numpy(float),
            summary["T"].to_numpy(float))
        return pd.Series(np.asarray(pred), index=summary.index, name="expected_purchases")


# ============================================================================ BG/NBD


class BetaGeo(_TransactionModel):
    """The BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005a).

    While alive, a customer buys as a Poisson process with rate
    ``lambda ~ Gamma(r, alpha)``; after each repeat purchase she leaves for
    good with probability ``p ~ Beta(a, b)``.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty ``penalizer * sum(params**2)`` added to the mean negative
        log-likelihood (as in lifetimes); 0 gives the maximum likelihood estimate.
    initial_params : mapping, optional
        Starting values ``{"r": ..., "alpha": ..., "a": ..., "b": ...}``.

    Attributes
    ----------
    params_ : pandas.Series
        ``r``, ``alpha``, ``a``, ``b``.
    std_errors_ : pandas.Series
        Standard errors from the inverse Hessian (delta method from the log scale).
    covariance_log_ : DataFrame
        Covariance of the log-parameters.
    log_likelihood_ : float
        Maximised log-likelihood.
    n_customers_ : int
        Number of customers fitted.
    converged_ : bool
        Whether the optimiser reported success.
    data_ : DataFrame
        The ``frequency``, ``recency``, ``T`` used for fitting.

    Examples
    --------
    Simulate 2,000 customers for 40 weeks (``m`` purchases if never leaving,
    leaving after the ``k``-th repeat purchase), then fit:

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> n, T = 2000, 40.0
    >>> lam = rng.gamma(0.25, 1 / 4.0, n)           # r = 0.25, alpha = 4
    >>> m = rng.poisson(lam * T)
    >>> k = rng.geometric(rng.beta(0.8, 2.5, n))    # a = 0.8, b = 2.5
    >>> x = np.minimum(m, k)
    >>> t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), m - x + 1), 0.0)
    >>> model = BetaGeo().fit(frequency=x, recency=t_x, T=np.full(n, T))
    >>> model.params_.index.tolist()
    ['r', 'alpha', 'a', 'b']
    >>> expected = model.conditional_expected_number_of_purchases_up_to_time(10, 2, 30.0, 40.0)
    >>> bool(0 < expected < 10)
    True
    """

    _param_names = ("r", "alpha", "a", "b")

    def _start(self, data):
        x, T = data["frequency"], data["T"]
        rate = max(float(np.mean(x / np.maximum(T, 1e-9))), 1e-6)
        return np.array([1.0, 1.0 / rate, 1.0, 3.0])

    @staticmethod
    def _loglik(params, data):
        r, alpha, a, b = params
        x, t_x, T = data["frequency"], data["recency"], data["T"]
        common = (special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
                  - special.betaln(a, b))
        alive = special.betaln(a, b + x) - (r + x) * np.log(alpha + T)
        dead = np.where(x > 0, special.betaln(a + 1, np.maximum(b + x - 1, 1e-300))
                        - (r + x) * np.log(alpha + t_x), -np.inf)
        return common + np.logaddexp(alive, dead)

    @staticmethod
    def _loglik_grad(params, data):
        r, alpha, a, b = params
        x, t_x, T = data["frequency"], data["recency"], data["T"]
        psi = special.digamma
        bx1 = np.maximum(b + x - 1, 1e-300)
        common = (special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
                  - special.betaln(a, b))
        alive = special.betaln(a, b + x) - (r + x) * np.log(alpha + T)
        dead = np.where(x > 0, special.betaln(a + 1, bx1) - (r + x) * np.log(alpha + t_x), -np.inf)
        total = np.logaddexp(alive, dead)
        w_alive = np.exp(alive - total)  # share of the likelihood from "still alive"
        w_dead = 1.0 - w_alive
        pab, pabx = psi(a + b), psi(a + b + x)
        d_r = (psi(r + x) - psi(r) + np.log(alpha) - w_alive * np.log(alpha + T)
               - w_dead * np.log(alpha + t_x))
        d_alpha = r / alpha - (r + x) * (w_alive / (alpha + T) + w_dead / (alpha + t_x))
        d_a = pab - psi(a) + w_alive * (psi(a) - pabx) + w_dead * (psi(a + 1) - pabx)
        d_b = pab - psi(b) + w_alive * (psi(b + x) - pabx) + w_dead * (psi(bx1) - pabx)
        return common + total, np.column_stack([d_r, d_alpha, d_a, d_b])

    def conditional_probability_alive(self, frequency, recency, T):
        """P(alive at T | x, t_x, T) (Fader, Hardie & Lee 2008 note, "Computing P(alive)").

        Parameters
        ----------
        frequency, recency, T : float or array-like
            The customer's summary (same time unit as the fit).

        Returns
        -------
        float, ndarray or Series
        """
        r, alpha, a, b = self._p()
        x, t_x, T_ = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        with np.errstate(divide="ignore"):
            log_ratio = (np.log(a) - np.log(np.maximum(b + x - 1, 1e-300))
                         + (r + x) * (np.log(alpha + T_) - np.log(alpha + t_x)))
        p = np.where(x > 0, 1.0 / (1.0 + np.exp(log_ratio)), 1.0)
        return _wrap(p, frequency, recency, T)

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):
        """Expected purchases in ``(T, T + t]`` for a customer with history (x, t_x, T).

        FHL 2005a, eq. (10).

        Parameters
        ----------
        t : float or array-like
            Length of the future period (same unit as ``T``).
        frequency, recency, T : float or array-like
            The customer's summary.

        Returns
        -------
        float, ndarray or Series
        """
        r, alpha, a, b = self._p()
        t_, x, t_x, T_ = (np.asarray(v, dtype=float) for v in (t, frequency, recency, T))
        z = t_ / (alpha + T_ + t_)
        head = (a + b + x - 1) / (a - 1)
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        body = 1.0 - ((alpha + T_) / (alpha + T_ + t_)) ** (r + x) * hyp
        with np.errstate(divide="ignore"):
            tail = np.where(x > 0, a / np.maximum(b + x - 1, 1e-300)
                            * ((alpha + T_) / (alpha + t_x)) ** (r + x), 0.0)
        return _wrap(head * body / (1.0 + tail), frequency, recency, T, t)

    def expected_number_of_purchases_up_to_time(self, t):
        """Unconditional E[X(t)] for a customer just acquired (FHL 2005a eq. 9).

        Parameters
        ----------
        t : float or array-like

        Returns
        -------
        float, ndarray or Series
        """
        r, alpha, a, b = self._p()
        t_ = np.asarray(t, dtype=float)
        hyp = special.hyp2f1(r, b, a + b - 1, t_ / (alpha + t_))
        value = (a + b - 1) / (a - 1) * (1.0 - (alpha / (alpha + t_)) ** r * hyp)
        return _wrap(value, t)

    def probability_of_purchases_up_to_time(self, t, n):
        """P(X(t) = n) for a customer just acquired (FHL 2005a eq. 8).

        Parameters
        ----------
        t : float
            Length of the period.
        n : int or array-like of int
            Number of repeat purchases.

        Returns
        -------
        float or ndarray
        """
        r, alpha, a, b = self._p()
        n_ = np.asarray(n, dtype=float)
        t_ = float(t)
        lp = r * np.log(alpha / (alpha + t_))
        lq = np.log(t_ / (alpha + t_)) if t_ > 0 else -np.inf
        first = np.exp(special.betaln(a, b + n_) - special.betaln(a, b) + special.gammaln(r + n_)
                       - special.gammaln(r) - special.gammaln(n_ + 1) + lp + n_ * lq)
        out = np.empty_like(n_)
        for i, k in np.ndenumerate(n_):
            if k == 0:
                out[i] = first[i]
                continue
            j = np.arange(int(k))
            partial = np.sum(np.exp(special.gammaln(r + j) - special.gammaln(r)
                                    - special.gammaln(j + 1) + j * lq))
            second = np.exp(special.betaln(a + 1, b + k - 1) - special.betaln(a, b))
            out[i] = first[i] + second * (1.0 - np.exp(lp) * partial)
        return _wrap(out, n)


# ============================================================================ Pareto/NBD


class ParetoNBD(_TransactionModel):  # likelihood gradient by finite differences
    """The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987).

    While alive a customer buys as a Poisson process with rate
    ``lambda ~ Gamma(r, alpha)``; her lifetime is exponential with rate
    ``mu ~ Gamma(s, beta)``. Likelihood and predictions follow Fader & Hardie's
    note "A note on deriving the Pareto/NBD model and related expressions"
    (2005, brucehardie.com/notes/009).

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters (see :class:`BetaGeo`).
    initial_params : mapping, optional
        Starting values for ``r``, ``alpha``, ``s``, ``beta``.

    Attributes
    ----------
    params_ : pandas.Series
        ``r``, ``alpha``, ``s``, ``beta``; the other attributes as in :class:`BetaGeo`.

    Examples
    --------
    Simulate 2,000 customers observed for 40 weeks, then fit:

    >>> import numpy as np
    >>> rng = np.random.default_rng(2)
    >>> n, T = 2000, 40.0
    >>> lam = rng.gamma(0.5, 1 / 5.0, n)                       # r = 0.5, alpha = 5
    >>> lifetime = rng.exponential(1 / rng.gamma(0.5, 1 / 10.0, n))  # s = 0.5, beta = 10
    >>> end = np.minimum(lifetime, T)
    >>> x = rng.poisson(lam * end)
    >>> t_x = np.where(x > 0, end * rng.beta(np.maximum(x, 1), 1), 0.0)  # last of x uniforms
    >>> model = ParetoNBD().fit(frequency=x, recency=t_x, T=np.full(n, T))
    >>> model.params_.index.tolist()
    ['r', 'alpha', 's', 'beta']
    >>> bool(model.conditional_probability_alive(0, 0.0, T) < 1)
    True
    """

    _param_names = ("r", "alpha", "s", "beta")

    def _start(self, data):
        x, T = data["frequency"], data["T"]
        rate = max(float(np.mean(x / np.maximum(T, 1e-9))), 1e-6)
        return np.array([1.0, 1.0 / rate, 1.0, float(np.mean(T))])

    @staticmethod
    def _log_a0(r, alpha, s, beta, x, t_x, T):
        """log A0 of Fader & Hardie's note (the integral over death before T)."""
        big = np.maximum(alpha, beta)
        second = np.where(alpha >= beta, s + 1, r + x)
        c = r + s + x
        diff = abs(alpha - beta)
        with np.errstate(all="ignore"):
            at_tx = (np.log(special.hyp2f1(c, second, c + 1, diff / (big + t_x)))
                     - c * np.log(big + t_x))
            at_T = np.log(special.hyp2f1(c, second, c + 1, diff / (big + T))) - c * np.log(big + T)
            return at_tx + np.log(-np.expm1(at_T - at_tx))

    @classmethod
    def _loglik(cls, params, data):
        r, alpha, s, beta = params
        x, t_x, T = data["frequency"], data["recency"], data["T"]
        head = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        died = np.log(s / (r + s + x)) + cls._log_a0(r, alpha, s, beta, x, t_x, T)
        return head + np.logaddexp(alive, died)

    def conditional_probability_alive(self, frequency, recency, T):
        """P(alive at T | x, t_x, T) (Fader & Hardie note, eq. 18)."""
        r, alpha, s, beta = self._p()
        x, t_x, T_ = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        with np.errstate(all="ignore"):
            log_ratio = (np.log(s / (r + s + x)) + (r + x) * np.log(alpha + T_)
                         + s * np.log(beta + T_) + self._log_a0(r, alpha, s, beta, x, t_x, T_))
        return _wrap(1.0 / (1.0 + np.exp(log_ratio)), frequency, recency, T)

    @staticmethod
    def _growth(s, ratio):
        """(1 - ratio**(s-1)) / (s-1), with its limit -log(ratio) at s = 1."""
        if abs(s - 1) < 1e-10:
            return -np.log(ratio)
        return -np.expm1((s - 1) * np.log(ratio)) / (s - 1)

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):
        """Expected purchases in ``(T, T + t]`` given (x, t_x, T) (note eq. 22)."""
        r, alpha, s, beta = self._p()
        t_, x, t_x, T_ = (np.asarray(v, dtype=float) for v in (t, frequency, recency, T))
        alive = np.asarray(self.conditional_probability_alive(x, t_x, T_))
        growth = self._growth(s, (beta + T_) / (beta + T_ + t_))
        value = (r + x) * (beta + T_) / (alpha + T_) * growth
        return _wrap(value * alive, frequency, recency, T, t)

    def expected_number_of_purchases_up_to_time(self, t):
        """Unconditional E[X(t)] for a customer just acquired (note eq. 17)."""
        r, alpha, s, beta = self._p()
        t_ = np.asarray(t, dtype=float)
        return _wrap(r * beta / alpha * self._growth(s, beta / (beta + t_)), t)


# ============================================================================ Gamma-Gamma


class GammaGamma(_Model):
    """The Gamma-Gamma model of spend per transaction (Colombo & Jiang 1999; FHL 2005b).

    A customer's purchases are ``z ~ Gamma(p, nu)`` with ``nu ~ Gamma(q, v)``
    across customers, so her mean spend ``p / nu`` is shrunk toward the
    population mean ``p v / (q - 1)`` according to how many purchases we saw.
    Only customers with ``frequency > 0`` carry information; the others are
    ignored when fitting (``n_customers_`` says how many were used). Spend is
    assumed independent of purchase frequency: check the correlation first.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters (see :class:`BetaGeo`).
    initial_params : mapping, optional
        Starting values for ``p``, ``q``, ``v``.

    Attributes
    ----------
    params_ : pandas.Series
        ``p``, ``q``, ``v`` (``v`` is Fader & Hardie's gamma); others as in
        :class:`BetaGeo`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> nu = rng.gamma(4.0, 1 / 15.0, 800); x = rng.integers(1, 6, 800)
    >>> zbar = rng.gamma(6.0 * x, 1 / (nu * x))
    >>> gg = GammaGamma().fit(frequency=x, monetary_value=zbar)
    >>> p, q, v = gg.params_
    >>> bool(np.isclose(gg.conditional_expected_average_profit(0, 0), p * v / (q - 1)))
    True
    """

    _param_names = ("p", "q", "v")
    _columns = ("frequency", "monetary_value")

    def _select(self, data):
        keep = data["frequency"] > 0
        m = data["monetary_value"][keep]
        if (m <= 0).any():
            raise DataError(
                f"summary['monetary_value']: {int((m <= 0).sum()):,} repeat customers have a mean "
                "spend <= 0; the Gamma-Gamma model needs positive spend.\nHow to fix: drop them "
                "explicitly (summary[summary.monetary_value > 0]) and report how many.")
        if keep.sum() < 2:
            raise DataError("summary['frequency']: fewer than 2 customers with frequency > 0; "
                            "the Gamma-Gamma model needs repeat buyers.")
        return {"frequency": data["frequency"][keep], "monetary_value": m}

    def _start(self, data):
        m = data["monetary_value"]
        return np.array([1.0, 2.0, float(np.mean(m))])

    @staticmethod
    def _loglik(params, data):
        p, q, v = params
        x, m = data["frequency"], data["monetary_value"]
        px = p * x
        return (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q)
                + q * np.log(v) + (px - 1) * np.log(m) + px * np.log(x)
                - (px + q) * np.log(v + x * m))

    @staticmethod
    def _loglik_grad(params, data):
        p, q, v = params
        x, m = data["frequency"], data["monetary_value"]
        px = p * x
        psi = special.digamma
        log_vxm = np.log(v + x * m)
        ll = (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(v)
              + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * log_vxm)
        d_p = x * (psi(px + q) - psi(px) + np.log(m) + np.log(x) - log_vxm)
        d_q = psi(px + q) - psi(q) + np.log(v) - log_vxm
        d_v = q / v - (px + q) / (v + x * m)
        return ll, np.column_stack([d_p, d_q, d_v])

    def conditional_expected_average_profit(self, frequency=None, monetary_value=None):
        """E(spend per purchase | x, mean spend), FHL 2005b eq. (5) / note 025 eq. (6).

        A weighted average of the population mean ``p v / (q - 1)`` and the
        customer's observed mean, the weight on the latter growing with ``x``.
        Customers with ``frequency = 0`` get the population mean.

        Parameters
        ----------
        frequency, monetary_value : float or array-like, optional
            Defaults to the data used for fitting (the repeat customers only).

        Returns
        -------
        float, ndarray or Series
        """
        p, q, v = self._p()
        if frequency is None:
            frequency, monetary_value = self.data_["frequency"], self.data_["monetary_value"]
        x, m = (np.asarray(a, dtype=float) for a in (frequency, monetary_value))
        value = p * (v + x * m) / (p * x + q - 1)
        return _wrap(value, frequency, monetary_value)

    def customer_lifetime_value(self, transaction_model, summary, time_months=12,
                                discount_rate=0.01, freq="W"):
        """Discounted CLV with this model's spend (see :func:`customer_lifetime_value`)."""
        return customer_lifetime_value(transaction_model, summary, time_months, discount_rate,
                                       freq, spend_model=self)


# ============================================================================ CLV and diagnostics


def customer_lifetime_value(
    transaction_model: BetaGeo,
    summary: pd.DataFrame,
    time_months: int = 12,
    discount_rate: float = 0.01,
    freq: str = "W",
    *,
    spend_model: GammaGamma | None = None,
    margin: float = 1.0,
) -> pd.Series:
    """Discounted value of each customer's next ``time_months`` months (lifetimes-style).

    ``CLV = sum_{k=1..K} margin * E[spend] * (E[X(k months)] - E[X(k-1 months)]) / (1+d)^k``
    where ``E[X(.)]`` comes from the fitted transaction model (conditional on
    each customer's history) and ``E[spend]`` from ``spend_model``
    (:meth:`GammaGamma.conditional_expected_average_profit`) or, without one,
    the summary's ``monetary_value``.

    Parameters
    ----------
    transaction_model : BetaGeo or ParetoNBD
        A fitted model.
    summary : DataFrame
        Customer summary with ``frequency``, ``recency``, ``T``, ``monetary_value``.
    time_months : int, default 12
        Horizon in months.
    discount_rate : float, default 0.01
        Discount rate per month (0.01 a month is about 12.7 % a year).
    freq : {"D", "W", "M", "h"}, default "W"
        Time unit of the summary's ``T`` (a ``freq="D", freq_multiplier=7``
        summary is in weeks: pass ``"W"``). A month is 365.25 / 12 days
        (lifetimes uses 30 days and 4.345 weeks).
    spend_model : GammaGamma, optional
        Fitted spend model.
    margin : float, default 1.0
        Profit margin applied to the spend.

    Returns
    -------
    pandas.Series
        Named ``clv``, indexed like ``summary``.
    """
    transaction_model._p()
    check_columns(summary, ["frequency", "recency", "T", "monetary_value"], "summary")
    check_param("time_months", time_months, kind=int, low=1)
    check_param("discount_rate", discount_rate, kind=(int, float), low=0)
    check_param("freq", freq, allowed=list(PERIODS_PER_MONTH))
    check_param("margin", margin, kind=(int, float))
    x, t_x, T = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    if spend_model is not None:
        spend = np.asarray(spend_model.conditional_expected_average_profit(
            x, summary["monetary_value"].to_numpy(dtype=float)))
    else:
        spend = summary["monetary_value"].to_numpy(dtype=float)
    step = PERIODS_PER_MONTH[freq]
    cum = np.zeros_like(x)
    value = np.zeros_like(x)
    f = transaction_model.conditional_expected_number_of_purchases_up_to_time
    for k in range(1, time_months + 1):
        now = np.asarray(f(k * step, x, t_x, T))
        value += margin * spend * (now - cum) / (1.0 + discount_rate) ** k
        cum = now
    return pd.Series(value, index=summary.index, name="clv")


def calibration_vs_holdout(model: BetaGeo, summary: pd.DataFrame, max_frequency: int = 7
                           ) -> pd.DataFrame:
    """Mean actual vs predicted holdout purchases, by calibration frequency.

    The classic check of FHL 2005a (their Figure 4): group customers by their
    calibration ``frequency`` (``max_frequency`` and above pooled) and compare
    the mean ``frequency_holdout`` with the model's conditional expectation
    over ``duration_holdout``.

    Parameters
    ----------
    model : BetaGeo or ParetoNBD
        Fitted on the calibration columns.
    summary : DataFrame
        From ``customer_summary(..., calibration_end=...)``.
    max_frequency : int, default 7
        Last group (``"7+"``).

    Returns
    -------
    DataFrame
        Index ``frequency`` (labels ``"0"``, ``"1"``, ..., ``"7+"``), columns
        ``n_customers``, ``actual``, ``predicted``.
    """
    model._p()
    check_columns(summary, ["frequency", "recency", "T", "frequency_holdout", "duration_holdout"],
                  "summary", hint="Pass calibration_end= to customer_summary.")
    check_param("max_frequency", max_frequency, kind=int, low=1)
    pred = model.conditional_expected_number_of_purchases_up_to_time(
        summary["duration_holdout"].to_numpy(dtype=float), summary["frequency"].to_numpy(float),
        summary["recency"].to_numpy(float), summary["T"].to_numpy(float))
    group = np.minimum(summary["frequency"].to_numpy(), max_frequency).astype(int)
    df = pd.DataFrame({"group": group, "actual": summary["frequency_holdout"].to_numpy(float),
                       "predicted": np.asarray(pred)})
    out = df.groupby("group").agg(n_customers=("actual", "size"), actual=("actual", "mean"),
                                  predicted=("predicted", "mean"))
    labels = [str(g) if g < max_frequency else f"{max_frequency}+" for g in out.index]
    out.index = pd.Index(labels, name="frequency")
    return out


def _grid(model, T, max_frequency, max_recency):
    model._p()
    data = model.data_
    T = float(data["T"].max()) if T is None else float(T)
    max_frequency = int(data["frequency"].max()) if max_frequency is None else int(max_frequency)
    max_recency = int(np.floor(T)) if max_recency is None else int(max_recency)
    x = np.arange(max_frequency + 1, dtype=float)[:, None]
    t_x = np.arange(max_recency + 1, dtype=float)[None, :]
    mask = (t_x > T) | ((x == 0) & (t_x > 0))
    return x, t_x, T, mask


def frequency_recency_matrix(model: BetaGeo, T: float | None = None, t: float = 1.0,
                             max_frequency: int | None = None, max_recency: int | None = None
                             ) -> pd.DataFrame:
    """Expected purchases in the next ``t`` periods over a frequency x recency grid.

    Parameters
    ----------
    model : BetaGeo or ParetoNBD
        A fitted model.
    T : float, optional
        Customer age used for every cell (default: the largest ``T`` fitted).
    t : float, default 1
        Length of the future period.
    max_frequency, max_recency : int, optional
        Grid limits (default: largest frequency fitted, and ``T``).

    Returns
    -------
    DataFrame
        Rows ``frequency`` 0..max, columns ``recency`` 0..max; impossible cells
        (recency > T, or frequency 0 with recency > 0) are NaN.
    """
    x, t_x, T, mask = _grid(model, T, max_frequency, max_recency)
    values = np.asarray(model.conditional_expected_number_of_purchases_up_to_time(
        t, np.broadcast_to(x, mask.shape), np.broadcast_to(t_x, mask.shape), T))
    return pd.DataFrame(np.where(mask, np.nan, values),
                        index=pd.Index(x.ravel().astype(int), name="frequency"),
                        columns=pd.Index(t_x.ravel().astype(int), name="recency"))


def probability_alive_matrix(model: BetaGeo, T: float | None = None,
                             max_frequency: int | None = None, max_recency: int | None = None
                             ) -> pd.DataFrame:
    """P(alive) over a frequency x recency grid (see :func:`frequency_recency_matrix`)."""
    x, t_x, T, mask = _grid(model, T, max_frequency, max_recency)
    values = np.asarray(model.conditional_probability_alive(
        np.broadcast_to(x, mask.shape), np.broadcast_to(t_x, mask.shape), T))
    return pd.DataFrame(np.where(mask, np.nan, values),
                        index=pd.Index(x.ravel().astype(int), name="frequency"),
                        columns=pd.Index(t_x.ravel().astype(int), name="recency"))


# ============================================================================ truth recovery


def recover_process(
    model: BetaGeo,
    summary: pd.DataFrame,
    truth_customers: pd.DataFrame,
    calibration_end,
    *,
    spend_model: GammaGamma | None = None,
    unit_days: float = 7.0,
) -> pd.DataFrame:
    """Compare a BG/NBD (and Gamma-Gamma) fit with the process that generated the data.

    For simulated data (:func:`crm_lab.simulate.simulate_company`), whose truth records
    every customer's purchase rate, dropout probability, dropout date and mean spend.
    Population quantities are compared over the customers in ``summary`` (those with a
    calibration history), so truth and estimate describe the same people:

    ``mean purchase rate``
        True mean of ``lam_per_week`` (converted to the summary's time unit) against the
        fitted gamma mean ``r / alpha``.
    ``mean dropout probability``
        True mean of ``p_dropout`` against the fitted beta mean ``a / (a + b)``.
    ``share alive at calibration end``
        True share not yet dropped out at ``calibration_end`` against the mean
        :meth:`BetaGeo.conditional_probability_alive`.
    ``P(alive) AUC``
        How well P(alive) ranks the truly alive above the dropped-out (1 = perfectly,
        0.5 = no better than chance); its "truth" is 1.
    ``mean spend per purchase``
        With ``spend_model``: true mean of ``mean_spend`` over the repeat buyers the
        spend model is fitted on, against the fitted mean ``p v / (q - 1)``.

    Parameters
    ----------
    model : BetaGeo
        Fitted on ``summary``'s calibration columns.
    summary : DataFrame
        From :func:`customer_summary` with ``calibration_end``; index ``customer_id``.
    truth_customers : DataFrame
        ``truth.customers`` of the simulated company (index ``customer_id``; columns
        ``lam_per_week``, ``p_dropout``, ``dropout_date``, ``mean_spend``).
    calibration_end : date-like
        The calibration end used for ``summary``.
    spend_model : GammaGamma, optional
        Fitted spend model.
    unit_days : float, default 7
        Length of the summary's time unit in days (7 for weeks).

    Returns
    -------
    DataFrame
        Index ``quantity``; columns ``truth``, ``estimate``, ``difference`` (estimate
        minus truth).

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> c = simulate_company(1000, seed=0)
    >>> import warnings
    >>> with warnings.catch_warnings():  # late sign-ups have no calibration history
    ...     warnings.simplefilter("ignore")
    ...     s = customer_summary(c.transactions, "D", "2024-12-31", freq_multiplier=7)
    >>> table = recover_process(BetaGeo().fit(s), s, c.truth.customers, "2024-12-31")
    >>> table.loc["mean purchase rate"].round(2).tolist()
    [0.23, 0.23, 0.0]
    """
    model._p()
    if not isinstance(model, BetaGeo):
        raise ParameterError("parameter 'model': recover_process compares a BetaGeo fit; got "
                             f"{type(model).__name__}. How to fix: fit clv.BetaGeo on the "
                             "summary.")
    check_columns(summary, ["frequency", "recency", "T"], "summary")
    check_columns(truth_customers, ["lam_per_week", "p_dropout", "dropout_date"],
                  "truth_customers", hint="Pass truth.customers of simulate_company.")
    check_param("unit_days", unit_days, kind=(int, float), low=1e-9)
    cal_end = as_timestamp("calibration_end", calibration_end)
    missing = summary.index.difference(truth_customers.index)
    if len(missing):
        raise DataError(f"summary: {len(missing):,} customer_id(s) are not in truth_customers, "
                        f"e.g. {list(missing[:5])}.\nHow to fix: build the summary from the "
                        "same simulated company whose truth you pass.")
    tc = truth_customers.loc[summary.index]
    par = model.params_
    x, t_x, T = (summary[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    p_alive = np.asarray(model.conditional_probability_alive(x, t_x, T), dtype=float)
    alive = (tc["dropout_date"].isna() | (tc["dropout_date"] > cal_end)).to_numpy()
    rows = {
        "mean purchase rate": (tc["lam_per_week"].mean() * unit_days / 7.0,
                               par["r"] / par["alpha"]),
        "mean dropout probability": (tc["p_dropout"].mean(), par["a"] / (par["a"] + par["b"])),
        "share alive at calibration end": (alive.mean(), p_alive.mean()),
    }
    if 0 < alive.sum() < alive.size:
        from sklearn.metrics import roc_auc_score

        rows["P(alive) AUC"] = (1.0, roc_auc_score(alive, p_alive))
    if spend_model is not None:
        spend_model._p()
        check_columns(truth_customers, ["mean_spend"], "truth_customers")
        repeat = summary["frequency"].to_numpy() > 0
        # a customer with no history gets the population mean p v / (q - 1) (finite if q > 1)
        fitted = (float(spend_model.conditional_expected_average_profit(0, 0))
                  if spend_model.params_["q"] > 1 else np.inf)
        rows["mean spend per purchase"] = (tc["mean_spend"].to_numpy()[repeat].mean(), fitted)
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["truth", "estimate"])
    out["difference"] = out["estimate"] - out["truth"]
    out.index.name = "quantity"
    return out

