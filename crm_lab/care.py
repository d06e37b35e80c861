"""Customer care, interaction and complaints (客户关怀、客户互动与客户投诉).

Three parts, in the order of chapter 8:

1. **Did the care or contact programme work?** :func:`contact_outcomes` turns a campaign's
   contact list and the transaction log into one row per contact: what the customer did in
   the year before the contact (recency, purchases, spend) and in the ``window_days`` after
   it (``retained`` = bought again, ``post_spend``). :func:`randomised_effect` compares the
   randomly treated with the randomly held-out control group (a difference in means with a
   normal interval): with randomisation this *is* the causal effect. :func:`naive_effect`
   makes the same comparison on a *self-selected* split (for example responders against
   non-responders), and :func:`adjusted_effect` corrects it by inverse probability weighting
   (IPW, a logistic propensity score on the pre-contact behaviour) or by regression
   adjustment. :func:`compare_estimates` puts the three beside the randomised answer.
2. **Complaints**: what (:func:`complaint_pareto` by category or channel), how many
   (:func:`complaint_rates`: complaints per 1,000 customers per period with u-chart limits
   from :func:`crm_lab.spc.u_chart`), how fast (:func:`kaplan_meier` and
   :func:`resolution_summary`: time to resolution as a survival outcome, still-open
   complaints censored, beside the naive mean of the resolved ones; service-level compliance
   as the share resolved within a target number of days) and what they go with
   (:func:`complainer_outcomes`, with :func:`lapsed`: complaints arrive only while a customer
   is active, so complainers look *more* loyal than the silent, without any causal effect).
3. **Service recovery**: :func:`handling_groups` labels each customer *never complained*,
   *well handled* (every complaint resolved within the target) or *poorly handled*;
   :func:`service_recovery` compares a later outcome (loyalty, churn) across the groups with
   intervals and :func:`recovery_effects` adjusts the comparisons for who complains: the
   *service-recovery paradox* question (does a well-handled complainer end up more loyal than
   a customer who never complained?) and the worth of good handling.
   :func:`simulate_service_recovery`
   makes a small world with a known handling effect and a known paradox, to check the
   method.

What the simulated company records: contacts are randomised 50/50 (``treated``) and the
response (``responded``) depends on treatment, satisfaction, recency and segment; the
purchase process does **not** depend on being contacted, so the true effect of a contact on
later retention and spend is exactly zero, while its true effect on response is the mean of
``truth.uplift["uplift"]``. Complaints and churn are both driven by satisfaction, but
complaint handling does not (yet) change later behaviour: the company has no service-recovery
mechanics, so part 3 is shown on :func:`simulate_service_recovery`.

References
----------
Austin, P. C. & Stuart, E. A. (2015). Moving towards best practice when using inverse
probability of treatment weighting (IPTW) using the propensity score. *Statistics in Medicine*
34(28), 3661-3679.

Kaplan, E. L. & Meier, P. (1958). Nonparametric estimation from incomplete observations.
*Journal of the American Statistical Association* 53(282), 457-481.

Smith, A. K. & Bolton, R. N. (1998). An experimental investigation of customer reactions to
service failure and recovery encounters: paradox or peril? *Journal of Service Research*
1(1), 65-81.

de Matos, C. A., Henrique, J. L. & Rossi, C. A. V. (2007). Service recovery paradox: a
meta-analysis. *Journal of Service Research* 10(1), 60-77.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from crm_lab.spc import u_chart
from crm_lab.summary import aggregate_transactions
from crm_lab.validate import (
    DataError,
    ParameterError,
    check_columns,
    check_param,
    check_transactions,
)

__all__ = [
    "COVARIATES", "contact_outcomes", "difference_in_means", "randomised_effect",
    "naive_effect", "adjusted_effect", "compare_estimates", "true_uplift",
    "contact_frequency",
    "complaint_pareto", "complaint_rates", "kaplan_meier", "resolution_summary",
    "true_resolution", "lapsed", "complainer_outcomes", "HANDLING_GROUPS", "handling_groups",
    "service_recovery", "recovery_effects", "simulate_service_recovery",
]

#: Pre-contact behaviour :func:`adjusted_effect` adjusts for by default (from
#: :func:`contact_outcomes`).
COVARIATES = ("log_recency_days", "log_pre_transactions", "log_pre_spend")

_CONTACT_COLS = ("contact_id", "customer_id", "campaign", "date", "treated")


def _bool_col(frame: pd.DataFrame, col: str, table: str) -> pd.Series:
    s = frame[col]
    if s.isna().any():
        raise DataError(f"{table}: column {col!r} has {int(s.isna().sum())} missing value(s). "
                        f"How to fix: fill it with True/False for every row.")
    values = set(pd.unique(s))
    if not values <= {True, False}:
        raise DataError(f"{table}: column {col!r} must be True/False (or 1/0), found "
                        f"{sorted(map(str, values))[:5]}. How to fix: recode it as booleans.")
    return s.astype(bool)


def _numeric_col(frame: pd.DataFrame, col: str, table: str) -> pd.Series:
    s = pd.to_numeric(frame[col], errors="coerce")
    bad = s.isna() | ~np.isfinite(s.astype(float))
    if bad.any():
        raise DataError(f"{table}: column {col!r} has {int(bad.sum())} missing or non-numeric "
                        f"value(s). How to fix: fill or drop those rows before the call.")
    return s.astype(float)


def _level(level: float) -> float:
    check_param("level", level, kind=float, low=0.5, high=0.999)
    return float(stats.norm.ppf(0.5 + level / 2))


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


# ----------------------------------------------------------------------------- 3. recovery

HANDLING_GROUPS = ("never complained", "well handled", "poorly handled")


def handling_groups(complaints: pd.DataFrame, customer_ids, *, target_days: float = 7.0,
                    duration: str = "resolution_days", resolved: str = "resolved") -> pd.Series:
    """Label each customer by how their complaints were handled.

    *well handled*: every complaint resolved within ``target_days``; *poorly handled*: at
    least one resolved late or still open; *never complained*: no complaint.

    Examples
    --------
    >>> co = pd.DataFrame({"customer_id": [1, 2, 2], "resolution_days": [2.0, 1.0, 30.0],
    ...                    "resolved": [True, True, False]})
    >>> handling_groups(co, [1, 2, 3]).tolist()
    ['well handled', 'poorly handled', 'never complained']
    """
    check_param("target_days", target_days, kind=(int, float), low=0)
    check_columns(complaints, ["customer_id", duration, resolved], "complaints")
    ids = pd.Index(customer_ids, name="customer_id")
    ok = _bool_col(complaints, resolved, "complaints") & (
        _numeric_col(complaints, duration, "complaints") <= target_days)
    all_ok = ok.groupby(complaints["customer_id"].to_numpy()).all()
    out = pd.Series("never complained", index=ids, name="handling")
    known = all_ok.index.intersection(ids)
    out.loc[known] = np.where(all_ok.loc[known], "well handled", "poorly handled")
    return out


def service_recovery(outcome: pd.Series, group: pd.Series, *, reference: str = "never complained",
                     level: float = 0.95) -> pd.DataFrame:
    """Mean outcome per handling group and its difference from ``reference``, with intervals.

    The service-recovery paradox holds when *well handled* minus *never complained* is
    positive. The comparison is descriptive: who complains (and whose complaint is easy to
    handle) is not random, so adjust (:func:`adjusted_effect`) before reading it causally.

    Returns
    -------
    DataFrame
        Index group: ``n``, ``mean``, ``diff_vs_reference``, ``ci_low``, ``ci_high``.

    Examples
    --------
    >>> y = pd.Series([5.0, 6.0, 7.0, 8.0, 2.0, 3.0])
    >>> g = pd.Series(["never complained"] * 2 + ["well handled"] * 2 + ["poorly handled"] * 2)
    >>> service_recovery(y, g)["diff_vs_reference"].tolist()
    [0.0, 2.0, -3.0]
    """
    if not isinstance(outcome, pd.Series) or not isinstance(group, pd.Series):
        raise DataError("outcome and group: expected two Series with the same index.")
    if not outcome.index.equals(group.index):
        raise DataError("outcome and group must have the same index (customer ids).")
    y = outcome.astype(float)
    if reference not in set(group):
        raise ParameterError(f"parameter 'reference': {reference!r} is not a group; groups are "
                             f"{sorted(set(group))}.")
    order = [g for g in HANDLING_GROUPS if g in set(group)] + sorted(
        set(group) - set(HANDLING_GROUPS))
    rows = {}
    for g in order:
        sel = group == g
        row = {"n": int(sel.sum()), "mean": float(y[sel].mean())}
        if g == reference:
            row.update(diff_vs_reference=0.0, ci_low=np.nan, ci_high=np.nan)
        else:
            keep = sel | (group == reference)
            d = difference_in_means(y[keep], sel[keep], level=level)
            row.update(diff_vs_reference=d["effect"], ci_low=d["ci_low"], ci_high=d["ci_high"])
        rows[g] = row
    out = pd.DataFrame(rows).T
    out["n"] = out["n"].astype(int)
    out.index.name = "handling"
    return out.astype({c: float for c in out.columns if c != "n"})


def recovery_effects(outcome: pd.Series, handling: pd.Series, covariates: pd.DataFrame, *,
                     method: str = "ipw", level: float = 0.95) -> pd.DataFrame:
    """The service-recovery questions, raw and adjusted for who complains, with intervals.

    Two comparisons of a later customer outcome (loyalty, spend, churn):

    * ``paradox``: well-handled complainers minus customers who never complained (the
      service-recovery paradox holds if this is positive);
    * ``handling``: well-handled minus poorly handled complainers (what good handling is worth).

    Each is given raw (:func:`difference_in_means`) and adjusted for ``covariates`` measured
    before the complaint (:func:`adjusted_effect`), because less satisfied customers complain
    more and their complaints are harder to handle well.

    Parameters
    ----------
    outcome : Series
        Per customer (index ``customer_id``).
    handling : Series
        Per customer, as :func:`handling_groups` (same index).
    covariates : DataFrame
        Per customer (same index), numeric pre-complaint confounders.
    method : {"ipw", "regression"}
    level : float

    Returns
    -------
    DataFrame
        Index ``paradox``, ``handling``: ``raw``, ``effect`` (adjusted), ``se``, ``ci_low``,
        ``ci_high``, ``n_1``, ``n_0``.

    Examples
    --------
    >>> f, truth = simulate_service_recovery(3000, seed=2)
    >>> r = recovery_effects(f["loyalty"], f["handling"], f[["satisfaction"]])
    >>> bool(r.loc["paradox", "raw"] < truth["paradox"] < r.loc["paradox", "ci_high"])
    True
    """
    for name, obj in (("outcome", outcome), ("handling", handling)):
        if not isinstance(obj, pd.Series):
            raise DataError(f"{name}: expected a Series indexed by customer_id.")
    if not isinstance(covariates, pd.DataFrame) or covariates.shape[1] == 0:
        raise DataError("covariates: expected a DataFrame with at least one column.")
    if not (outcome.index.equals(handling.index) and outcome.index.equals(covariates.index)):
        raise DataError("outcome, handling and covariates must share one index (customer ids). "
                        "How to fix: reindex them to the same customers.")
    unknown = set(handling) - set(HANDLING_GROUPS)
    if unknown:
        raise DataError(f"handling: unknown group(s) {sorted(unknown)}; expected "
                        f"{list(HANDLING_GROUPS)} (see handling_groups).")
    frame = covariates.copy()
    frame["_y"] = outcome.astype(float)
    frame["_well"] = handling == "well handled"
    rows = {}
    for name, other in (("paradox", "never complained"), ("handling", "poorly handled")):
        sub = frame[(handling == "well handled") | (handling == other)]
        raw = difference_in_means(sub["_y"], sub["_well"], level=level)
        adj = adjusted_effect(sub, "_y", "_well", covariates=list(covariates.columns),
                              method=method, by_dummies=(), level=level)
        rows[name] = {"raw": raw["effect"], "effect": adj["effect"], "se": adj["se"],
                      "ci_low": adj["ci_low"], "ci_high": adj["ci_high"],
                      "n_1": int(raw["n_1"]), "n_0": int(raw["n_0"])}
    out = pd.DataFrame(rows).T.astype({"n_1": int, "n_0": int})
    out.index.name = "comparison"
    return out


def simulate_service_recovery(n_customers: int = 4000, *, complaint_rate: float = 0.3,
                              handling_effect: float = 0.8, paradox: float = 0.3,
                              seed: int = 0) -> tuple[pd.DataFrame, dict]:
    """A small world with known service-recovery mechanics, to check the methods.

    Each customer has a satisfaction ``z ~ N(0, 1)``. Less satisfied customers complain more
    (``logit P(complain) = logit(complaint_rate) - 0.8 z``), and a complaint is well handled
    with ``logit P = 0.5 + 0.5 z`` (the easier cases go with happier customers: a
    confounder). Later loyalty (a 0-10 style score) is

    * ``6 + z + e`` for a customer who never complained,
    * ``6 + z + paradox + e`` for a well-handled complainer,
    * ``6 + z + paradox - handling_effect + e`` for a poorly handled one,

    with ``e ~ N(0, 1)``, so at equal satisfaction ``handling_effect`` is well minus poorly
    handled and ``paradox`` is well handled minus never complained (positive: the paradox
    holds). Churn is logistic, ``logit P = 1.5 - 0.5 * loyalty``.

    Returns
    -------
    (DataFrame, dict)
        Indexed by ``customer_id``: ``satisfaction``, ``complained``, ``well_handled``,
        ``handling`` (as :func:`handling_groups`), ``loyalty``, ``churned``; and the truth
        ``{"handling_effect": ..., "paradox": ...}`` (both on the loyalty scale, at equal
        satisfaction).

    Examples
    --------
    >>> f, truth = simulate_service_recovery(500, seed=1)
    >>> sorted(f["handling"].unique()), truth["paradox"]
    (['never complained', 'poorly handled', 'well handled'], 0.3)
    """
    check_param("n_customers", n_customers, kind=int, low=100)
    check_param("complaint_rate", complaint_rate, kind=float, low=0.01, high=0.99)
    check_param("handling_effect", handling_effect, kind=(int, float))
    check_param("paradox", paradox, kind=(int, float))
    check_param("seed", seed, kind=int, low=0)
    rng = np.random.default_rng(seed)
    n = n_customers
    z = rng.normal(size=n)
    lo = np.log(complaint_rate / (1 - complaint_rate))
    complained = rng.random(n) < 1 / (1 + np.exp(-(lo - 0.8 * z)))
    well = complained & (rng.random(n) < 1 / (1 + np.exp(-(0.5 + 0.5 * z))))
    poor = complained & ~well
    loyalty = (6 + z + paradox * well + (paradox - handling_effect) * poor
               + rng.normal(scale=1.0, size=n))
    churned = rng.random(n) < 1 / (1 + np.exp(-(1.5 - 0.5 * loyalty)))
    handling = np.where(well, "well handled", np.where(poor, "poorly handled",
                                                       "never complained"))
    frame = pd.DataFrame({"satisfaction": z, "complained": complained, "well_handled": well,
                          "handling": handling, "loyalty": loyalty, "churned": churned},
                         index=pd.RangeIndex(1, n + 1, name="customer_id"))
    return frame, {"handling_effect": float(handling_effect), "paradox": float(paradox)}
