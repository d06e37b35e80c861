"""Service recovery: handling groups, the paradox question, and the company's truth (part 3
of :mod:`crm_lab.care`)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from crm_lab.care._common import _bool_col, _level, _numeric_col
from crm_lab.care.programmes import adjusted_effect, difference_in_means
from crm_lab.validate import (
    DataError,
    ParameterError,
    check_columns,
    check_param,
)

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


# ---------------------------------------------------------------- 3b. the company's truth

#: How a complaint was handled, as the simulated company records it
#: (:mod:`crm_lab.simulate.response`): resolved within ``fast_days``, resolved later, or never.
HANDLING = ("fast", "slow", "unresolved")

_SURVEY_CONTROLS = ("image", "satisfaction", "complaint")


def _dates(frame: pd.DataFrame, col: str, table: str) -> pd.Series:
    s = pd.to_datetime(frame[col], errors="coerce")
    if s.isna().any():
        raise DataError(f"{table}: column {col!r} has {int(s.isna().sum())} missing or "
                        f"unreadable date(s). How to fix: fill or drop those rows.")
    return s


def complaint_handling(complaints: pd.DataFrame, *, fast_days: float = 3.0,
                       unresolved_known_days: int = 30, date: str = "date",
                       duration: str = "resolution_days",
                       resolved: str = "resolved") -> pd.DataFrame:
    """How each complaint was handled and when the customer learnt it.

    ``fast``: resolved within ``fast_days``; ``slow``: resolved later; ``unresolved``: not
    resolved (never, or still open at the end of the data). The customer knows the outcome
    on the resolution day (``date + ceil(resolution_days)``) or, if unresolved, after
    ``unresolved_known_days``: from then on the complaint can move what the customer does.

    Returns
    -------
    DataFrame
        The complaints (same index) with ``handling`` and ``known_date`` added.

    Examples
    --------
    >>> co = pd.DataFrame({"customer_id": [1, 2, 3], "resolution_days": [2.0, 9.5, 40.0],
    ...                    "resolved": [True, True, False],
    ...                    "date": pd.to_datetime(["2024-01-01"] * 3)})
    >>> h = complaint_handling(co)
    >>> h["handling"].tolist(), h["known_date"].dt.day.tolist()
    (['fast', 'slow', 'unresolved'], [3, 11, 31])
    """
    check_param("fast_days", fast_days, kind=(int, float), low=0)
    check_param("unresolved_known_days", unresolved_known_days, kind=int, low=0)
    check_columns(complaints, ["customer_id", date, duration, resolved], "complaints")
    ok = _bool_col(complaints, resolved, "complaints")
    days = _numeric_col(complaints, duration, "complaints")
    when = _dates(complaints, date, "complaints")
    out = complaints.copy()
    out["handling"] = np.where(~ok, "unresolved", np.where(days <= fast_days, "fast", "slow"))
    wait = np.where(ok, np.ceil(days), unresolved_known_days)
    out["known_date"] = when + pd.to_timedelta(wait, unit="D")
    return out


def _effect_table(params: pd.Series, bse: pd.Series, raw: pd.Series, n: pd.Series,
                  level: float, name: str) -> pd.DataFrame:
    z = _level(level)
    idx = list(HANDLING)
    params, bse, raw = params.reindex(idx), bse.reindex(idx), raw.reindex(idx)
    out = pd.DataFrame({"raw": raw, "effect": params, "se": bse,
                        "ci_low": params - z * bse, "ci_high": params + z * bse, "n": n},
                       index=pd.Index(list(HANDLING), name="handling"))
    out.attrs["outcome"] = name
    return out.astype({"n": int})


def loyalty_after_complaints(survey: pd.DataFrame, complaints: pd.DataFrame, *,
                             items: str = "loyalty", controls: Sequence[str] = _SURVEY_CONTROLS,
                             survey_date: str = "survey_date", fast_days: float = 3.0,
                             level: float = 0.95) -> pd.DataFrame:
    """Effect of one complaint, by handling, on stated loyalty (in sd of the latent loyalty).

    The outcome is the mean of the ``items`` answers (columns ``<items>_1``, ``<items>_2``,
    ...) divided by their mean loading from a one-factor model (each loading from the three
    item covariances, ``l_1 = sqrt(c_12 c_13 / c_23)``), so a unit is one standard deviation
    of the latent loyalty. Each respondent counts the complaints whose outcome they knew by
    the survey day (:func:`complaint_handling`) and the OLS coefficients of those counts are
    the effects. Complainers are less satisfied, so a raw comparison is confounded; the
    adjustment uses two things the data hold: the means of the ``controls`` item blocks and
    the customer's complaints over the whole window (before *and* after the survey). Whether
    a complaint falls before or after the survey day is a matter of timing, so at a given
    total count and satisfaction, the counts before the survey are as good as random, and a
    customer who complains only after the survey is the control of one who complained before.

    ``effect["fast"]`` answers the service-recovery paradox question: a fast-handled
    complaint against none (the paradox holds if it is positive).

    Parameters
    ----------
    survey : DataFrame
        One row per respondent: ``customer_id``, ``survey_date``, the ``items`` columns (at
        least three) and the ``controls`` item blocks.
    complaints : DataFrame
        As :func:`complaint_handling` takes it.
    items : str
        Prefix of the loyalty items.
    controls : sequence of str
        Prefixes of item blocks to adjust for (their means); ``()`` for none.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        Index ``fast``, ``slow``, ``unresolved``: ``raw`` (coefficients without controls),
        ``effect``, ``se``, ``ci_low``, ``ci_high``, ``n`` (complaints known before the
        survey). A handling no respondent had gets ``NaN``.

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> c = simulate_company(seed=1, n_customers=3000)
    >>> r = loyalty_after_complaints(c.survey, c.complaints)
    >>> r.index.tolist(), bool((r["ci_low"] < r["effect"]).all())
    (['fast', 'slow', 'unresolved'], True)
    """
    import statsmodels.api as sm

    check_columns(survey, ["customer_id", survey_date], "survey")
    cols = [c for c in survey.columns if str(c).startswith(f"{items}_")]
    if len(cols) < 3:
        raise ParameterError(f"parameter 'items': need at least three columns named "
                             f"'{items}_1', '{items}_2', ...; found {cols}.")
    blocks = {}
    for p in controls:
        blocks[p] = [c for c in survey.columns if str(c).startswith(f"{p}_")]
        if not blocks[p]:
            raise ParameterError(f"parameter 'controls': no survey columns start with '{p}_'.")
    if survey["customer_id"].duplicated().any():
        raise DataError("survey: customer_id must be unique (one answer per respondent).")
    h = complaint_handling(complaints, fast_days=fast_days)
    sv = survey.set_index("customer_id")
    day = _dates(sv, survey_date, "survey")
    ans = pd.DataFrame({c: _numeric_col(sv, c, "survey") for c in cols})
    cov = ans.cov().to_numpy()
    lam = [np.sqrt(cov[i, j] * cov[i, k] / cov[j, k]) for i, j, k in
           ((i, *[x for x in range(3) if x != i]) for i in range(3))]
    y = ans.mean(axis=1) / float(np.mean(lam))
    before = h["known_date"].to_numpy() <= day.reindex(h["customer_id"]).to_numpy()
    x = pd.DataFrame(index=sv.index)
    for k in HANDLING:
        sel = before & (h["handling"] == k).to_numpy()
        x[k] = h.loc[sel, "customer_id"].value_counts().reindex(sv.index, fill_value=0)
    n = x.sum()
    k = [h_ for h_ in HANDLING if n[h_] > 0]  # a handling nobody had gets no estimate (NaN)
    x = x[k]
    raw = sm.OLS(y, sm.add_constant(x.astype(float))).fit().params[k]
    x["complaints_total"] = h["customer_id"].value_counts().reindex(sv.index, fill_value=0)
    for p, c in blocks.items():
        x[p] = sv[c].apply(pd.to_numeric, errors="coerce").mean(axis=1)
    if x.isna().any().any():
        raise DataError("survey: the control items have missing values. How to fix: drop the "
                        "incomplete answers before the call.")
    fit = sm.OLS(y, sm.add_constant(x.astype(float))).fit()
    return _effect_table(fit.params[k], fit.bse[k], raw, n, level, "stated loyalty (sd)")


def churn_after_complaints(subscriptions: pd.DataFrame, complaints: pd.DataFrame, *,
                           fast_days: float = 3.0, level: float = 0.95) -> pd.DataFrame:
    """Effect of the first complaint during a membership, by handling, on the churn hazard.

    A Cox model (statsmodels ``PHReg``) in tenure months with the complaint as a
    time-varying covariate: each membership is split at the day the customer learnt the
    outcome of their first complaint during it (:func:`complaint_handling`); from then on
    ``fast``, ``slow`` or ``unresolved`` is 1. The effects are log hazard ratios against the
    same membership without the complaint. Adjusted for plan, contract and monthly price and,
    as a proxy of the dissatisfaction that drives both complaints and churn, the customer's
    log(1 + complaints over the whole window); ``raw`` has no controls.

    Parameters
    ----------
    subscriptions : DataFrame
        ``customer_id``, ``start_date``, ``tenure_months``, ``churned``, ``plan``,
        ``contract``, ``monthly_price``.
    complaints : DataFrame
        As :func:`complaint_handling` takes it.

    Returns
    -------
    DataFrame
        Index ``fast``, ``slow``, ``unresolved``: ``raw``, ``effect`` (log hazard ratio),
        ``se``, ``ci_low``, ``ci_high``, ``n`` (memberships whose first complaint was handled
        so, known before the membership ended).

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> c = simulate_company(seed=1, n_customers=3000)
    >>> r = churn_after_complaints(c.subscriptions, c.complaints)
    >>> r.index.tolist(), bool((r["se"] > 0).all())
    (['fast', 'slow', 'unresolved'], True)
    """
    from statsmodels.duration.hazard_regression import PHReg

    need = ["customer_id", "start_date", "tenure_months", "churned", "plan", "contract",
            "monthly_price"]
    check_columns(subscriptions, need, "subscriptions")
    h = complaint_handling(complaints, fast_days=fast_days)
    s = subscriptions.reset_index(drop=True)
    start = _dates(s, "start_date", "subscriptions")
    t_end = _numeric_col(s, "tenure_months", "subscriptions").to_numpy()
    if (t_end < 0).any():
        raise DataError("subscriptions: column 'tenure_months' has negative values.")
    event = _bool_col(s, "churned", "subscriptions").to_numpy()
    price = _numeric_col(s, "monthly_price", "subscriptions")
    m = pd.DataFrame({"row": np.arange(len(s)), "customer_id": s["customer_id"],
                      "start": start}).merge(h[["customer_id", "known_date", "handling"]],
                                             on="customer_id")
    m = m[m["known_date"] >= m["start"]].sort_values(["row", "known_date"])
    m = m.drop_duplicates("row").set_index("row")
    switch = ((m["known_date"] - m["start"]).dt.days / 30.4375).reindex(range(len(s)))
    kind = m["handling"].reindex(range(len(s)))
    sw = switch.to_numpy()
    has = np.isfinite(sw) & (sw < t_end)
    base = pd.get_dummies(s[["plan", "contract"]].astype(str), drop_first=True).astype(float)
    base["monthly_price"] = price.to_numpy()
    base["log1p_complaints"] = np.log1p(
        s["customer_id"].map(h["customer_id"].value_counts()).fillna(0).to_numpy())
    first = base.copy()
    later = base[has].copy()
    for k in HANDLING:
        first[k] = 0.0
        later[k] = (kind[has] == k).astype(float).to_numpy()
    x = pd.concat([first, later], ignore_index=True)
    entry = np.r_[np.zeros(len(s)), sw[has]]
    time = np.r_[np.where(has, sw, t_end), t_end[has]]
    status = np.r_[np.where(has, False, event), event[has]].astype(int)
    keep = time > entry
    n = kind[has].value_counts().reindex(list(HANDLING), fill_value=0)
    k = [h_ for h_ in HANDLING if n[h_] > 0]  # a handling nobody had gets no estimate (NaN)
    x = x.drop(columns=[h_ for h_ in HANDLING if h_ not in k])
    fits = {}
    for name, cols in (("raw", k), ("adjusted", list(x.columns))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            r = PHReg(time[keep], x.loc[keep, cols].to_numpy(), status=status[keep],
                      entry=entry[keep]).fit()
        fits[name] = (pd.Series(r.params, index=cols), pd.Series(r.bse, index=cols))
    return _effect_table(fits["adjusted"][0][k], fits["adjusted"][1][k], fits["raw"][0][k], n,
                         level, "membership churn (log hazard ratio)")


def true_recovery(service_recovery: dict) -> pd.DataFrame:
    """The simulator's recovery effects (``truth.service_recovery``) as a table.

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> t = true_recovery(simulate_company(seed=0, n_customers=500).truth.service_recovery)
    >>> t.loc["fast"].tolist()
    [0.15, -0.1, 0.1]
    """
    if not isinstance(service_recovery, dict) or "effects" not in service_recovery:
        raise DataError("service_recovery: expected the dict truth.service_recovery of a "
                        "simulated company (with 'effects').")
    out = pd.DataFrame(service_recovery["effects"]).reindex(list(HANDLING))
    out.index.name = "handling"
    return out


def recovery_check(loyalty: pd.DataFrame, churn: pd.DataFrame,
                   service_recovery: dict) -> pd.DataFrame:
    """Estimates of :func:`loyalty_after_complaints` and :func:`churn_after_complaints` beside
    the truth, with whether each interval covers it and the paradox question answered.

    Returns
    -------
    DataFrame
        Index (outcome, handling): ``raw``, ``effect``, ``ci_low``, ``ci_high``, ``truth``,
        ``covered``. ``attrs["paradox"]`` is the verdict from the stated-loyalty estimate
        (``"holds"`` if the fast effect's interval is above zero, ``"rejected"`` if below,
        else ``"not shown"``) and ``attrs["paradox_truth"]`` the simulator's.

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> c = simulate_company(seed=1, n_customers=3000)
    >>> chk = recovery_check(loyalty_after_complaints(c.survey, c.complaints),
    ...                      churn_after_complaints(c.subscriptions, c.complaints),
    ...                      c.truth.service_recovery)
    >>> chk.shape, chk.attrs["paradox_truth"]
    ((6, 6), False)
    """
    tr = true_recovery(service_recovery)
    parts = {}
    for name, est, col in (("stated loyalty (sd)", loyalty, "stated_loyalty"),
                           ("churn (log HR)", churn, "churn_log_hr")):
        check_columns(est, ["raw", "effect", "ci_low", "ci_high"], name)
        p = est[["raw", "effect", "ci_low", "ci_high"]].copy()
        p["truth"] = tr[col].reindex(p.index)
        p["covered"] = (p["ci_low"] <= p["truth"]) & (p["truth"] <= p["ci_high"])
        parts[name] = p
    out = pd.concat(parts, names=["outcome", "handling"])
    fast = loyalty.loc["fast"]
    out.attrs["paradox"] = ("holds" if fast["ci_low"] > 0 else
                            "rejected" if fast["ci_high"] < 0 else "not shown")
    out.attrs["paradox_truth"] = bool(service_recovery.get("paradox", False))
    return out
