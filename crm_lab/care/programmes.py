"""Evaluating care and contact programmes: randomised, naive and adjusted effects (part 1 of
:mod:`crm_lab.care`)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from crm_lab.care._common import _bool_col, _level, _numeric_col
from crm_lab.summary import aggregate_transactions
from crm_lab.validate import (
    DataError,
    ParameterError,
    check_columns,
    check_param,
    check_transactions,
)

#: Pre-contact behaviour :func:`adjusted_effect` adjusts for by default (from
#: :func:`contact_outcomes`).
COVARIATES = ("log_recency_days", "log_pre_transactions", "log_pre_spend")

_CONTACT_COLS = ("contact_id", "customer_id", "campaign", "date", "treated")


# ----------------------------------------------------------------------------- 1. care effects


def contact_outcomes(contacts: pd.DataFrame, transactions: pd.DataFrame, *,
                     window_days: int = 90, lookback_days: int = 365) -> pd.DataFrame:
    """One row per contact: behaviour before the contact and the outcome after it.

    Parameters
    ----------
    contacts : DataFrame
        ``contact_id``, ``customer_id``, ``campaign``, ``date``, ``treated`` (bool) and
        optionally ``responded`` (bool), as the company's ``contacts`` table.
    transactions : DataFrame
        The transaction log (``customer_id``, ``date``, ``amount``).
    window_days : int
        Outcome window: purchases on the contact day and the ``window_days - 1`` days after.
    lookback_days : int
        Pre-contact window for the covariates (purchases in the ``lookback_days`` days before).

    Returns
    -------
    DataFrame
        Indexed by ``contact_id``: the contact columns, ``recency_days`` (days since the last
        purchase before the contact; ``lookback_days`` when none in the window),
        ``pre_transactions``, ``pre_spend``, their logs (:data:`COVARIATES`),
        ``post_transactions``, ``post_spend`` and ``retained`` (bought in the window, 0/1).

    Examples
    --------
    >>> import pandas as pd
    >>> ct = pd.DataFrame({"contact_id": [1, 2], "customer_id": [1, 2], "campaign": "c",
    ...                    "date": pd.to_datetime(["2024-02-01"] * 2), "treated": [True, False]})
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "amount": [10.0, 5.0, 8.0],
    ...                    "date": pd.to_datetime(["2024-01-20", "2024-02-10", "2023-12-01"])})
    >>> out = contact_outcomes(ct, tx, window_days=30)
    >>> out[["recency_days", "pre_spend", "retained", "post_spend"]]
    ... # doctest: +NORMALIZE_WHITESPACE
                recency_days  pre_spend  retained  post_spend
    contact_id
    1                   12.0       10.0       1.0         5.0
    2                   62.0        8.0       0.0         0.0
    """
    check_columns(contacts, list(_CONTACT_COLS), "contacts")
    check_param("window_days", window_days, kind=int, low=1)
    check_param("lookback_days", lookback_days, kind=int, low=1)
    ct = contacts.copy()
    ct["date"] = pd.to_datetime(ct["date"], errors="coerce")
    if ct["date"].isna().any():
        raise DataError(f"contacts: column 'date' has {int(ct['date'].isna().sum())} missing or "
                        f"unparseable value(s). How to fix: give every contact its date.")
    ct["treated"] = _bool_col(ct, "treated", "contacts")
    if "responded" in ct:
        ct["responded"] = _bool_col(ct, "responded", "contacts")
    if ct["contact_id"].duplicated().any():
        raise DataError("contacts: column 'contact_id' has duplicates. How to fix: one row per "
                        "contact.")
    log = check_transactions(transactions)[["customer_id", "date", "amount"]]
    parts = []
    for day, g in ct.groupby("date", sort=True):
        pre = log[(log["date"] < day) & (log["date"] >= day - pd.Timedelta(days=lookback_days))]
        post = log[(log["date"] >= day) & (log["date"] < day + pd.Timedelta(days=window_days))]
        f = g.set_index("customer_id")
        if len(pre):
            s = aggregate_transactions(pre, as_of=day - pd.Timedelta(days=1))
            f = f.join(s[["n_transactions", "periods_since_last", "total_spend"]])
        else:
            f = f.assign(n_transactions=np.nan, periods_since_last=np.nan, total_spend=np.nan)
        p = post.groupby("customer_id")["amount"].agg(["size", "sum"])
        f = f.join(p.rename(columns={"size": "post_transactions", "sum": "post_spend"}))
        parts.append(f.reset_index())
    out = pd.concat(parts, ignore_index=True)
    out = out.rename(columns={"n_transactions": "pre_transactions", "total_spend": "pre_spend"})
    recency = out.pop("periods_since_last").astype(float) + 1.0
    out["recency_days"] = recency.fillna(float(lookback_days))
    for c in ("pre_transactions", "pre_spend", "post_transactions", "post_spend"):
        out[c] = out[c].fillna(0).astype(float)
    out["retained"] = (out["post_transactions"] > 0).astype(float)
    out["log_recency_days"] = np.log1p(out["recency_days"])
    out["log_pre_transactions"] = np.log1p(out["pre_transactions"])
    out["log_pre_spend"] = np.log1p(out["pre_spend"])
    out = out.set_index("contact_id").sort_index()
    first = [c for c in contacts.columns if c in out.columns]
    return out[first + [c for c in out.columns if c not in first]]


def difference_in_means(outcome, group, *, level: float = 0.95,
                        weights=None) -> pd.Series:
    """Mean outcome of ``group == True`` minus ``group == False``, with a normal interval.

    Without ``weights``: Welch's standard error ``sqrt(s1²/n1 + s0²/n0)``. With ``weights``
    (inverse probability weights): the weighted (Hájek) means and a heteroskedasticity-robust
    (HC1) standard error of the weighted regression of the outcome on the group, which treats
    the weights as known (slightly conservative for IPW; Austin & Stuart 2015).

    Parameters
    ----------
    outcome : array-like of float
    group : array-like of bool
    level : float
        Confidence level of the interval.
    weights : array-like of float, optional

    Returns
    -------
    Series
        ``effect``, ``se``, ``ci_low``, ``ci_high``, ``mean_1``, ``mean_0``, ``n_1``, ``n_0``.

    Examples
    --------
    >>> r = difference_in_means([1.0, 2.0, 3.0, 5.0, 6.0, 7.0], [0, 0, 0, 1, 1, 1])
    >>> float(r["effect"]), round(float(r["se"]), 3)
    (4.0, 0.816)
    """
    z = _level(level)
    y = np.asarray(outcome, dtype=float)
    g = np.asarray(group).astype(bool)
    if y.shape != g.shape or y.ndim != 1:
        raise DataError("outcome and group must be 1-d and of the same length.")
    if not np.isfinite(y).all():
        raise DataError(f"outcome: {int((~np.isfinite(y)).sum())} missing or infinite value(s). "
                        "How to fix: drop or fill them first.")
    n1, n0 = int(g.sum()), int((~g).sum())
    if min(n1, n0) < 2:
        raise DataError(f"group: need at least 2 units in each group, got {n1} and {n0}. How "
                        f"to fix: check the group column (is everyone treated?).")
    if weights is None:
        m1, m0 = y[g].mean(), y[~g].mean()
        se = np.sqrt(y[g].var(ddof=1) / n1 + y[~g].var(ddof=1) / n0)
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != y.shape or not np.isfinite(w).all() or (w <= 0).any():
            raise DataError("weights: need one positive finite weight per unit.")
        m1 = np.average(y[g], weights=w[g])
        m0 = np.average(y[~g], weights=w[~g])
        # HC1 sandwich of the WLS slope on a binary regressor
        res = np.where(g, y - m1, y - m0)
        n = y.size
        v1 = np.sum((w[g] * res[g]) ** 2) / w[g].sum() ** 2
        v0 = np.sum((w[~g] * res[~g]) ** 2) / w[~g].sum() ** 2
        se = np.sqrt((v1 + v0) * n / (n - 2))
    eff = m1 - m0
    return pd.Series({"effect": eff, "se": se, "ci_low": eff - z * se, "ci_high": eff + z * se,
                      "mean_1": m1, "mean_0": m0, "n_1": n1, "n_0": n0})


def _outcome_list(frame: pd.DataFrame, outcomes, table: str) -> list[str]:
    outcomes = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    if not outcomes:
        raise ParameterError("parameter 'outcomes' is empty. Name at least one column.")
    check_columns(frame, outcomes, table)
    return outcomes


def randomised_effect(frame: pd.DataFrame, outcomes: str | Sequence[str] = (
        "responded", "retained", "post_spend"), *, treatment: str = "treated",
        by: str | None = None, level: float = 0.95) -> pd.DataFrame:
    """The causal effect of a randomised contact: treated minus control, with intervals.

    Parameters
    ----------
    frame : DataFrame
        One row per contact (e.g. from :func:`contact_outcomes`).
    outcomes : str or list of str
        Outcome columns (booleans count as 0/1).
    treatment : str
        The randomised group column (bool).
    by : str, optional
        Also one row per value of this column (e.g. ``"campaign"``); ``"all"`` pools them.
    level : float

    Returns
    -------
    DataFrame
        Index (``by``, ``outcome``) or ``outcome``; columns of :func:`difference_in_means`.

    Examples
    --------
    >>> f = pd.DataFrame({"treated": [True, True, True, False, False, False],
    ...                   "responded": [1, 1, 0, 0, 1, 0]})
    >>> round(float(randomised_effect(f, "responded").loc["responded", "effect"]), 3)
    0.333
    """
    outcomes = _outcome_list(frame, outcomes, "frame")
    check_columns(frame, [treatment] + ([by] if by else []), "frame")
    t = _bool_col(frame, treatment, "frame")
    groups = [("all", frame.index)]
    if by:
        groups += [(k, g.index) for k, g in frame.groupby(by, sort=True)]
    rows = {}
    for key, idx in groups:
        for o in outcomes:
            y = _numeric_col(frame.loc[idx], o, "frame")
            rows[(key, o) if by else o] = difference_in_means(y, t.loc[idx], level=level)
    out = pd.DataFrame(rows).T
    out.index.names = [by, "outcome"] if by else ["outcome"]
    for c in ("n_1", "n_0"):
        out[c] = out[c].astype(int)
    return out


def naive_effect(frame: pd.DataFrame, outcome: str, exposure: str, *,
                 level: float = 0.95) -> pd.Series:
    """Exposed minus unexposed mean outcome, ignoring why units were exposed (biased).

    Examples
    --------
    >>> f = pd.DataFrame({"responded": [1, 1, 0, 0], "retained": [1.0, 1.0, 0.0, 1.0]})
    >>> float(naive_effect(f, "retained", "responded")["effect"])
    0.5
    """
    check_columns(frame, [outcome, exposure], "frame")
    return difference_in_means(_numeric_col(frame, outcome, "frame"),
                               _bool_col(frame, exposure, "frame"), level=level)


def adjusted_effect(frame: pd.DataFrame, outcome: str, exposure: str, *,
                    covariates: Sequence[str] = COVARIATES, method: str = "ipw",
                    by_dummies: Sequence[str] = ("campaign",), clip: float = 0.01,
                    level: float = 0.95) -> pd.Series:
    """Effect of ``exposure`` on ``outcome`` adjusted for observed confounders.

    ``method="ipw"``: a logistic propensity score ``P(exposure | covariates)`` and weights
    ``1/e`` for the exposed and ``1/(1-e)`` for the others (the average effect in the whole
    population), with the Hájek means and a robust interval (:func:`difference_in_means`).
    Propensities are clipped to ``[clip, 1 - clip]``; how many were clipped is reported in a
    warning. ``method="regression"``: OLS of the outcome on the exposure and the covariates,
    HC1 interval. Either removes only the confounding the covariates carry.

    Parameters
    ----------
    frame : DataFrame
    outcome, exposure : str
        Outcome column (numeric) and exposure column (bool).
    covariates : sequence of str
        Numeric columns measured before the exposure.
    method : {"ipw", "regression"}
    by_dummies : sequence of str
        Categorical columns added as dummies (ignored when absent).
    clip : float
    level : float

    Returns
    -------
    Series
        ``effect``, ``se``, ``ci_low``, ``ci_high`` (and for IPW ``mean_1``, ``mean_0``,
        ``n_1``, ``n_0``, ``n_clipped``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=4000)
    >>> e = rng.random(4000) < 1 / (1 + np.exp(-x))
    >>> f = pd.DataFrame({"x": x, "e": e, "y": 2 * x + rng.normal(size=4000)})
    >>> round(float(naive_effect(f, "y", "e")["effect"]), 1)
    1.6
    >>> abs(float(adjusted_effect(f, "y", "e", covariates=["x"])["effect"])) < 0.15
    True
    """
    import statsmodels.api as sm

    check_param("method", method, allowed=("ipw", "regression"))
    check_param("clip", clip, kind=float, low=0.0, high=0.2)
    covariates = list(covariates)
    if not covariates:
        raise ParameterError("parameter 'covariates' is empty. Name the pre-exposure columns "
                             "to adjust for (or use naive_effect).")
    check_columns(frame, [outcome, exposure] + covariates, "frame")
    y = _numeric_col(frame, outcome, "frame")
    t = _bool_col(frame, exposure, "frame")
    x = pd.DataFrame({c: _numeric_col(frame, c, "frame") for c in covariates})
    dummies = [c for c in by_dummies if c in frame.columns and c not in covariates]
    if dummies:
        x = x.join(pd.get_dummies(frame[dummies].astype(str), drop_first=True, dtype=float))
    x = sm.add_constant(x, has_constant="add")
    z = _level(level)
    if method == "regression":
        fit = sm.OLS(y.to_numpy(), np.column_stack([t.to_numpy(float), x.to_numpy()])).fit(
            cov_type="HC1")
        eff, se = float(fit.params[0]), float(fit.bse[0])
        return pd.Series({"effect": eff, "se": se, "ci_low": eff - z * se,
                          "ci_high": eff + z * se})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logit = sm.Logit(t.to_numpy(float), x.to_numpy()).fit(disp=0, maxiter=200)
    if not logit.mle_retvals.get("converged", True):
        warnings.warn("adjusted_effect: the propensity model did not converge; the weights may "
                      "be unreliable.", RuntimeWarning, stacklevel=2)
    e = np.asarray(logit.predict(x.to_numpy()))
    n_clip = int(((e < clip) | (e > 1 - clip)).sum())
    if n_clip:
        warnings.warn(f"adjusted_effect: {n_clip} of {len(e)} propensity scores were outside "
                      f"[{clip}, {1 - clip}] and were clipped to it.", RuntimeWarning,
                      stacklevel=2)
    e = np.clip(e, clip, 1 - clip)
    w = np.where(t.to_numpy(), 1 / e, 1 / (1 - e))
    out = difference_in_means(y, t, level=level, weights=w)
    out["n_clipped"] = n_clip
    return out


def compare_estimates(frame: pd.DataFrame, outcome: str, exposure: str = "responded", *,
                      treatment: str = "treated", covariates: Sequence[str] = COVARIATES,
                      truth: float | None = None, level: float = 0.95) -> pd.DataFrame:
    """Naive, IPW and regression-adjusted estimates beside the randomised one (and the truth).

    The randomised row compares ``treatment`` groups; the others compare ``exposure`` groups
    (e.g. responders with non-responders), a self-selected split.

    Returns
    -------
    DataFrame
        Index ``estimate`` (randomised, naive, ipw, regression); ``effect``, ``se``,
        ``ci_low``, ``ci_high`` and, with ``truth``, ``truth`` and ``covers_truth``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=3000)
    >>> f = pd.DataFrame({"treated": rng.random(3000) < 0.5, "x": x,
    ...                   "responded": rng.random(3000) < 1 / (1 + np.exp(-x)),
    ...                   "y": x + rng.normal(size=3000)})
    >>> compare_estimates(f, "y", covariates=["x"], truth=0.0).index.tolist()
    ['randomised', 'naive', 'ipw', 'regression']
    """
    cols = ["effect", "se", "ci_low", "ci_high"]
    rows = {
        "randomised": randomised_effect(frame, outcome, treatment=treatment,
                                        level=level).loc[outcome, cols],
        "naive": naive_effect(frame, outcome, exposure, level=level)[cols],
        "ipw": adjusted_effect(frame, outcome, exposure, covariates=covariates, method="ipw",
                               level=level)[cols],
        "regression": adjusted_effect(frame, outcome, exposure, covariates=covariates,
                                      method="regression", level=level)[cols],
    }
    out = pd.DataFrame(rows).T.astype(float)
    out.index.name = "estimate"
    if truth is not None:
        out["truth"] = float(truth)
        out["covers_truth"] = (out["ci_low"] <= truth) & (truth <= out["ci_high"])
    return out


def true_uplift(contacts: pd.DataFrame, uplift: pd.DataFrame, *,
                by: str | None = "campaign") -> pd.Series:
    """The simulator's true effect of a contact on response: the mean true uplift.

    Parameters
    ----------
    contacts : DataFrame
        With ``contact_id`` (column or index) and ``by``.
    uplift : DataFrame
        ``truth.uplift`` (indexed by ``contact_id``, column ``uplift``).
    by : str or None

    Returns
    -------
    Series
        ``"all"`` and, with ``by``, one value per group.

    Examples
    --------
    >>> ct = pd.DataFrame({"contact_id": [1, 2], "campaign": ["a", "b"]})
    >>> up = pd.DataFrame({"uplift": [0.1, 0.3]}, index=pd.Index([1, 2], name="contact_id"))
    >>> true_uplift(ct, up).round(2).to_dict()
    {'all': 0.2, 'a': 0.1, 'b': 0.3}
    """
    check_columns(uplift, ["uplift"], "uplift")
    ct = contacts if "contact_id" not in contacts.columns else contacts.set_index("contact_id")
    missing = ~ct.index.isin(uplift.index)
    if missing.any():
        raise DataError(f"uplift: no truth for {int(missing.sum())} contact(s). How to fix: pass "
                        f"the truth of the same simulated company.")
    u = uplift.loc[ct.index, "uplift"].astype(float)
    out = {"all": float(u.mean())}
    if by:
        check_columns(ct, [by], "contacts")
        out.update(u.groupby(ct[by].to_numpy()).mean().to_dict())
    return pd.Series(out, name="true_uplift")


def contact_frequency(contacts: pd.DataFrame, customer_ids, *,
                      treatment: str = "treated", response: str = "responded") -> pd.DataFrame:
    """How often customers were contacted, and how the treated responded at each frequency.

    Parameters
    ----------
    contacts : DataFrame
        ``customer_id``, ``treatment`` and ``response`` (bool).
    customer_ids : array-like
        All customers (those never contacted count in row 0).

    Returns
    -------
    DataFrame
        Index ``messages`` (messages actually sent, i.e. treated contacts, per customer):
        ``customers``, ``share`` and ``response_rate`` (share of those messages answered).
        Descriptive only: who gets more messages is not random across customers (tenure).

    Examples
    --------
    >>> ct = pd.DataFrame({"customer_id": [1, 1, 2], "treated": [True, True, True],
    ...                    "responded": [True, False, True]})
    >>> contact_frequency(ct, [1, 2, 3])["customers"].tolist()
    [1, 1, 1]
    """
    check_columns(contacts, ["customer_id", treatment, response], "contacts")
    t = _bool_col(contacts, treatment, "contacts")
    r = _bool_col(contacts, response, "contacts")
    ids = pd.Index(customer_ids, name="customer_id")
    sent = contacts.loc[t, "customer_id"]
    per = sent.value_counts().reindex(ids, fill_value=0)
    answered = r[t].groupby(sent.to_numpy()).sum().reindex(ids, fill_value=0)
    g = pd.DataFrame({"messages": per.to_numpy(), "answered": answered.to_numpy()})
    out = g.groupby("messages").agg(customers=("answered", "size"), answered=("answered", "sum"))
    out["share"] = out["customers"] / out["customers"].sum()
    sent_n = out.index.to_numpy() * out["customers"]
    out["response_rate"] = np.where(sent_n > 0, out["answered"] / sent_n.where(sent_n > 0, 1),
                                    np.nan)
    return out[["customers", "share", "response_rate"]]


