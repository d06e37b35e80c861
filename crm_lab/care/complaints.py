"""Complaints: what, how many, how fast, and what they go with (part 2 of :mod:`crm_lab.care`)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from crm_lab.care._common import _bool_col, _level, _numeric_col
from crm_lab.care.programmes import difference_in_means
from crm_lab.spc import u_chart
from crm_lab.summary import aggregate_transactions
from crm_lab.validate import (
    DataError,
    check_columns,
    check_param,
    check_transactions,
)

# ----------------------------------------------------------------------------- 2. complaints


def complaint_pareto(complaints: pd.DataFrame, by: str = "category") -> pd.DataFrame:
    """Complaints per category (or channel), largest first, with the cumulative share.

    Examples
    --------
    >>> c = pd.DataFrame({"category": ["a", "b", "a", "c", "a", "b"]})
    >>> complaint_pareto(c)["cumulative_share"].round(3).tolist()
    [0.5, 0.833, 1.0]
    """
    check_columns(complaints, [by], "complaints")
    if complaints[by].isna().any():
        raise DataError(f"complaints: column {by!r} has {int(complaints[by].isna().sum())} "
                        f"missing value(s). How to fix: label them (e.g. 'unknown').")
    n = complaints[by].value_counts().sort_values(ascending=False, kind="stable")
    out = pd.DataFrame({"complaints": n.astype(int), "share": n / n.sum()})
    out["cumulative_share"] = out["share"].cumsum()
    out.index.name = by
    return out


def complaint_rates(complaints: pd.DataFrame, customers: pd.DataFrame, *, freq: str = "M",
                    transactions: pd.DataFrame | None = None, active_days: int = 365,
                    per: float = 1000.0, baseline=None, date: str = "date",
                    signup: str = "signup_date") -> pd.DataFrame:
    """Complaints per ``per`` customers per period, with u-chart limits.

    The exposure of a period is the number of customers signed up by its end or, with
    ``transactions``, the number of *active* customers: those with a purchase in the
    ``active_days`` days up to the period's end (a customer who has silently left no longer
    complains, and keeping them in the denominator drags the rate down over time).

    Parameters
    ----------
    complaints : DataFrame
        One row per complaint with ``date``.
    customers : DataFrame
        One row per customer with ``signup_date``.
    freq : {"M", "Q", "Y"}
    transactions : DataFrame, optional
        The transaction log, for the active-customer exposure.
    active_days : int
    per : float
    baseline : optional
        Passed to :func:`crm_lab.spc.u_chart`.

    Returns
    -------
    DataFrame
        Indexed by period: ``complaints``, ``customers`` and the u-chart columns (``rate``,
        ``center``, ``lcl``, ``ucl``, ``out_of_control``, ``run``, ``signal``).

    Examples
    --------
    >>> cu = pd.DataFrame({"signup_date": pd.to_datetime(["2024-01-01"] * 1000)})
    >>> co = pd.DataFrame({"date": pd.to_datetime(["2024-01-05", "2024-02-03", "2024-02-09"])})
    >>> complaint_rates(co, cu)["rate"].tolist()
    [1.0, 2.0]
    """
    check_param("freq", freq, allowed=("M", "Q", "Y"))
    check_columns(complaints, [date], "complaints")
    check_columns(customers, [signup], "customers")
    d = pd.to_datetime(complaints[date], errors="coerce")
    s = pd.to_datetime(customers[signup], errors="coerce")
    for name, col, v in (("complaints", date, d), ("customers", signup, s)):
        if v.isna().any():
            raise DataError(f"{name}: column {col!r} has {int(v.isna().sum())} missing or "
                            f"unparseable date(s). How to fix: give every row a date.")
    periods = pd.period_range(min(d.min(), s.min()), d.max(), freq=freq)
    periods = periods[periods >= d.min().to_period(freq)]
    counts = d.dt.to_period(freq).value_counts().reindex(periods, fill_value=0)
    ends = periods.to_timestamp(how="end")
    signed = np.searchsorted(np.sort(s.to_numpy()), ends.to_numpy(), side="right")
    exposure = pd.Series(signed.astype(float), index=periods)
    if transactions is not None:
        check_param("active_days", active_days, kind=int, low=1)
        tx = check_transactions(transactions, amount=None)
        tx = tx.drop_duplicates(["customer_id", "date"])
        active = []
        for end in ends:
            lo = end.normalize() - pd.Timedelta(days=active_days - 1)
            sel = (tx["date"] >= lo) & (tx["date"] <= end)
            active.append(tx.loc[sel, "customer_id"].nunique())
        exposure = pd.Series(np.asarray(active, dtype=float), index=periods)
    if (exposure == 0).any():
        keep = exposure > 0
        warnings.warn(f"complaint_rates: {int((~keep).sum())} period(s) without customers were "
                      f"left out.", RuntimeWarning, stacklevel=2)
        counts, exposure = counts[keep], exposure[keep]
    chart = u_chart(counts.astype(float), exposure, per=per, baseline=baseline)
    out = pd.DataFrame({"complaints": counts.astype(int), "customers": exposure.astype(int)})
    out = out.join(chart)
    out.index.name = "period"
    return out


def kaplan_meier(durations, observed, *, level: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier survival curve with Greenwood standard errors.

    Here "survival" is *still open*: ``S(t)`` is the share of complaints not yet resolved
    ``t`` days after they were made; complaints still open at the end are censored.

    Parameters
    ----------
    durations : array-like of float >= 0
        Time to the event, or to censoring.
    observed : array-like of bool
        True where the event (resolution) was observed.
    level : float
        Pointwise interval on the log(-log) scale.

    Returns
    -------
    DataFrame
        One row per distinct event time: ``at_risk``, ``events``, ``censored`` (censored from
        this time up to the next event time; censored before the first event are counted
        only in ``attrs``), ``survival``, ``se`` (Greenwood), ``ci_low``,
        ``ci_high``. ``attrs["n"]``, ``attrs["n_censored"]``.

    Examples
    --------
    >>> km = kaplan_meier([1, 2, 2, 3, 4], [True, True, False, True, False])
    >>> km["survival"].round(3).tolist()
    [0.8, 0.6, 0.3]
    """
    z = _level(level)
    t = np.asarray(durations, dtype=float)
    e = np.asarray(observed)
    if t.ndim != 1 or t.shape != e.shape:
        raise DataError("durations and observed must be 1-d and of the same length.")
    if t.size == 0:
        raise DataError("durations: empty. How to fix: pass at least one complaint.")
    if not np.isfinite(t).all() or (t < 0).any():
        raise DataError(f"durations: {int((~np.isfinite(t) | (t < 0)).sum())} missing, infinite "
                        f"or negative value(s). How to fix: durations are days >= 0.")
    if not set(pd.unique(e)) <= {True, False}:
        raise DataError("observed: must be True/False (1/0).")
    e = e.astype(bool)
    times = np.unique(t[e])
    at_risk = np.array([(t >= u).sum() for u in times])
    events = np.array([(e & (t == u)).sum() for u in times])
    nxt = np.append(times[1:], np.inf)
    censored = np.array([((~e) & (t >= u) & (t < v)).sum() for u, v in zip(times, nxt,
                                                                            strict=True)])
    surv = np.cumprod(1 - events / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        gw = np.cumsum(events / (at_risk * (at_risk - events)))
        se = surv * np.sqrt(gw)
        # log(-log S) interval (Kalbfleisch & Prentice), as statsmodels' transform="log-log"
        sl = np.sqrt(gw) / np.abs(np.log(surv))
        lo = surv ** np.exp(z * sl)
        hi = surv ** np.exp(-z * sl)
    lo = np.where(surv > 0, lo, 0.0)
    hi = np.where(surv > 0, hi, 0.0)
    out = pd.DataFrame({"at_risk": at_risk, "events": events, "censored": censored,
                        "survival": surv, "se": se, "ci_low": lo, "ci_high": hi},
                       index=pd.Index(times, name="time"))
    out.attrs.update(n=int(t.size), n_censored=int((~e).sum()))
    return out


def _km_at(km: pd.DataFrame, t: float) -> float:
    s = km["survival"][km.index <= t]
    return 1.0 if s.empty else float(s.iloc[-1])


def _km_median(km: pd.DataFrame) -> float:
    below = km.index[km["survival"].to_numpy() <= 0.5]
    return float(below[0]) if len(below) else float("nan")


def resolution_summary(complaints: pd.DataFrame, *, by: str | None = "category",
                       target_days: float = 7.0, duration: str = "resolution_days",
                       resolved: str = "resolved") -> pd.DataFrame:
    """How fast complaints are resolved: Kaplan-Meier beside the naive view.

    Parameters
    ----------
    complaints : DataFrame
        ``resolution_days`` (time to resolution, or days open so far) and ``resolved``.
    by : str or None
        Also one row per value of this column.
    target_days : float
        The service-level target (resolve within this many days).

    Returns
    -------
    DataFrame
        Index ``by`` values plus ``"all"``: ``complaints``, ``still_open``, ``km_median_days``
        (median time to resolution, censoring respected), ``naive_mean_days`` and
        ``naive_median_days`` (resolved complaints only: biased low, the slow ones are the
        open ones), ``service_level`` (Kaplan-Meier share resolved within ``target_days``,
        ``1 - S(target)``) and ``naive_service_level`` (share of the *resolved* within it).

    Examples
    --------
    >>> c = pd.DataFrame({"resolution_days": [1, 2, 2, 3, 4, 10],
    ...                   "resolved": [True, True, False, True, False, False]})
    >>> r = resolution_summary(c, by=None, target_days=2)
    >>> r.loc["all", ["km_median_days", "naive_mean_days", "service_level"]].round(3).tolist()
    [3.0, 2.0, 0.333]
    """
    check_param("target_days", target_days, kind=(int, float), low=0)
    check_columns(complaints, [duration, resolved] + ([by] if by else []), "complaints")
    dur = _numeric_col(complaints, duration, "complaints")
    res = _bool_col(complaints, resolved, "complaints")
    groups = [("all", complaints.index)]
    if by:
        groups = [(k, g.index) for k, g in complaints.groupby(by, sort=True)] + groups
    rows = {}
    for key, idx in groups:
        d, r = dur.loc[idx], res.loc[idx]
        km = kaplan_meier(d, r)
        done = d[r]
        rows[key] = {"complaints": len(d), "still_open": int((~r).sum()),
                     "km_median_days": _km_median(km),
                     "naive_mean_days": float(done.mean()) if len(done) else np.nan,
                     "naive_median_days": float(done.median()) if len(done) else np.nan,
                     "service_level": 1 - _km_at(km, target_days),
                     "naive_service_level": float((done <= target_days).mean())
                     if len(done) else np.nan}
    out = pd.DataFrame(rows).T
    out[["complaints", "still_open"]] = out[["complaints", "still_open"]].astype(int)
    out.index.name = by or "group"
    out.attrs["target_days"] = target_days
    return out


def true_resolution(effects: dict, *, target_days: float = 7.0) -> pd.DataFrame:
    """The simulator's true resolution-time distribution per complaint category.

    A complaint of category ``c`` is never resolved with probability ``never_resolved``,
    otherwise after ``Gamma(shape, mean_c / shape)`` days, so the true share resolved within
    ``t`` days is ``(1 - never_resolved) * F_c(t)`` and the true median solves
    ``F_c(t) = 0.5 / (1 - never_resolved)``.

    Parameters
    ----------
    effects : dict
        ``truth.satisfaction_effects`` of the simulated company (``resolution_mean_days``,
        ``resolution_shape``, ``never_resolved``).
    target_days : float

    Returns
    -------
    DataFrame
        Index category: ``true_mean_days`` (of the resolved), ``true_median_days``,
        ``true_service_level``.

    Examples
    --------
    >>> eff = {"resolution_mean_days": {"a": 2.0}, "resolution_shape": 1.0,
    ...        "never_resolved": 0.0}
    >>> true_resolution(eff, target_days=2.0).round(3).loc["a"].tolist()
    [2.0, 1.386, 0.632]
    """
    for key in ("resolution_mean_days", "resolution_shape", "never_resolved"):
        if key not in effects:
            raise DataError(f"effects: no {key!r}. How to fix: pass "
                            f"truth.satisfaction_effects of a simulated company.")
    check_param("target_days", target_days, kind=(int, float), low=0)
    k, never = float(effects["resolution_shape"]), float(effects["never_resolved"])
    rows = {}
    for cat, mean in effects["resolution_mean_days"].items():
        dist = stats.gamma(k, scale=float(mean) / k)
        rows[cat] = {"true_mean_days": float(mean),
                     "true_median_days": float(dist.ppf(0.5 / (1 - never)))
                     if never < 0.5 else np.inf,
                     "true_service_level": (1 - never) * float(dist.cdf(target_days))}
    out = pd.DataFrame(rows).T.sort_index()
    out.index.name = "category"
    return out


def lapsed(transactions: pd.DataFrame, *, days: int = 180, as_of=None) -> pd.Series:
    """Customers with no purchase in the last ``days`` days before ``as_of`` (0/1).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": [1, 2], "amount": [5.0, 5.0],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-12-01"])})
    >>> lapsed(tx, days=180).tolist()
    [1.0, 0.0]
    """
    check_param("days", days, kind=int, low=1)
    s = aggregate_transactions(transactions, as_of=as_of)
    return (s["periods_since_last"] >= days).astype(float).rename("lapsed")


def complainer_outcomes(complaints: pd.DataFrame, outcome: pd.Series, *,
                        level: float = 0.95) -> pd.DataFrame:
    """Mean of a customer outcome for complainers vs non-complainers (an association).

    Parameters
    ----------
    complaints : DataFrame
        With ``customer_id``.
    outcome : Series
        Indexed by ``customer_id`` over *all* customers (e.g. lapsed 0/1).

    Returns
    -------
    DataFrame
        One row (the outcome's name): :func:`difference_in_means` of complainers minus the
        others.

    Examples
    --------
    >>> co = pd.DataFrame({"customer_id": [1, 1, 2]})
    >>> y = pd.Series([1.0, 1.0, 0.0, 0.0], index=[1, 2, 3, 4], name="lapsed")
    >>> float(complainer_outcomes(co, y).loc["lapsed", "effect"])
    1.0
    """
    check_columns(complaints, ["customer_id"], "complaints")
    if not isinstance(outcome, pd.Series):
        raise DataError("outcome: expected a Series indexed by customer_id.")
    unknown = ~complaints["customer_id"].isin(outcome.index)
    if unknown.any():
        raise DataError(f"complaints: {int(unknown.sum())} complaint(s) from customers missing "
                        f"in outcome. How to fix: pass the outcome for every customer.")
    g = outcome.index.isin(complaints["customer_id"])
    name = outcome.name or "outcome"
    out = pd.DataFrame({name: difference_in_means(outcome.astype(float), g, level=level)}).T
    return out.astype({"n_1": int, "n_0": int})


