"""Word of mouth (口碑管理): does the recommendation score predict referrals and growth?

Reichheld (2003) proposed that one survey question, "How likely is it that you
would recommend us to a friend or colleague?" (0-10), is "the one number you need
to grow": the Net Promoter Score, NPS = % promoters (9-10) - % detractors (0-6),
was said to correlate with a firm's revenue growth better than satisfaction.
Keiningham, Cooil, Andreassen & Aksoy (2007) re-examined the claim with
longitudinal data from Norwegian firms across industries and found no evidence that
NPS predicts growth better than satisfaction (ACSI), nor that it predicts growth
at all in most industries; they warned against managing by one number. The
question is empirical, and it has two levels:

* **customer level** (:func:`recommend_effects`): do customers with higher
  recommend scores later refer more customers (Poisson regression), keep buying
  (logit) and grow their spend (OLS with robust errors)?
* **group level** (:func:`nps_growth`): across groups (regions, channels,
  business units) does a higher NPS go with higher revenue growth?

The NPS itself and its interval come from :func:`crm_lab.loyalty.net_promoter_score`
and :func:`crm_lab.loyalty.nps_by` (chapter 4). Both analyses report intervals; with
few groups the group-level interval is wide, which is part of the debate's lesson.

References
----------
Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business
Review* 81(12), 46-54.

Keiningham, T. L., Cooil, B., Andreassen, T. W. & Aksoy, L. (2007). A
longitudinal examination of net promoter and firm revenue growth. *Journal of
Marketing* 71(3), 39-51.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from crm_lab.lifecycle.referral import check_referrals
from crm_lab.loyalty import net_promoter_score
from crm_lab.summary import ExclusionWarning, as_timestamp
from crm_lab.validate import (
    DataError,
    ParameterError,
    _check_ids,
    _to_datetime,
    check_columns,
    check_customers,
    check_param,
    check_survey,
    check_transactions,
)

__all__ = ["WomEffects", "recommend_effects", "GroupGrowth", "nps_growth"]


def _scores(values, name: str = "recommend") -> pd.Series:
    frame = values.to_frame(name) if isinstance(values, pd.Series) else pd.DataFrame(
        {name: np.asarray(values)})
    return check_survey(frame, [name], scale=(0, 10))[name]


@dataclass
class WomEffects:
    """Customer-level effects of the recommend score: ``effects`` and per-customer ``data``."""

    effects: pd.DataFrame
    data: pd.DataFrame
    n_excluded: int

    def summary(self) -> pd.DataFrame:
        """The effects table."""
        return self.effects


def _fit(y: np.ndarray, x: np.ndarray, kind: str, alpha: float) -> dict:
    import statsmodels.api as sm

    X = sm.add_constant(x.astype(float), has_constant="add")
    if kind == "poisson":
        res = sm.GLM(y, X, family=sm.families.Poisson()).fit()
    elif kind == "logit":
        res = sm.GLM(y, X, family=sm.families.Binomial()).fit()
    else:
        res = sm.OLS(y, X).fit(cov_type="HC1")
    lo, hi = np.asarray(res.conf_int(alpha))[1]
    return {"coef": float(res.params[1]), "se": float(res.bse[1]), "lower": float(lo),
            "upper": float(hi), "p_value": float(res.pvalues[1])}


def recommend_effects(
    survey: pd.DataFrame,
    transactions: pd.DataFrame,
    referrals: pd.DataFrame | None = None,
    *,
    window_months: int = 6,
    predictor: str = "score",
    score: str = "recommend",
    survey_date: str = "survey_date",
    as_of=None,
    alpha: float = 0.05,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
    referral_columns: dict | None = None,
) -> WomEffects:
    """Does a respondent's recommend score predict her later referrals, retention and growth?

    For each respondent, with ``w = window_months`` around her survey date *s*:
    spend in ``[s - w, s)`` and ``[s, s + w)``, whether she bought in
    ``[s, s + w)`` and (with ``referrals``) how many customers she referred in
    ``[s, s + w)``. Models, each on the predictor (the 0-10 ``score`` per point, or
    a ``promoter`` 0/1 indicator for 9-10):

    * ``referrals``: Poisson regression of the referral count (coefficient = log
      rate ratio per point);
    * ``retained``: logit of buying again in the window (log odds ratio);
    * ``revenue_growth``: OLS of ``log(1 + after) - log(1 + before)`` with HC1
      robust errors.

    Respondents whose windows are not fully inside the log (first purchase less
    than ``w`` before *s*, or *s + w* after ``as_of``) are excluded with an
    :class:`~crm_lab.summary.ExclusionWarning` giving the count.

    Parameters
    ----------
    survey : DataFrame
        One row per respondent: ``customer_id``, ``survey_date``, ``score``.
    transactions : DataFrame
        Purchases.
    referrals : DataFrame, optional
        The referrals table (:mod:`crm_lab.lifecycle.referral`).
    window_months : int, default 6
    predictor : {"score", "promoter"}
    score, survey_date : str
        Survey column names.
    as_of : date-like, optional
        End of the log (default: last transaction or referral date).
    alpha : float, default 0.05
    customer_id, date, amount : str
        Column names (``customer_id`` is shared by the survey and transactions).
    referral_columns : dict, optional
        Column names of ``referrals``.

    Returns
    -------
    WomEffects
        ``effects`` indexed by outcome (``model``, ``coef``, ``se``, ``lower``,
        ``upper``, ``p_value``, ``ratio`` = exp(coef) for Poisson/logit, ``n``);
        ``data`` per respondent.

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> c = simulate_company(n_customers=1500, seed=4)
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     fx = recommend_effects(c.survey, c.transactions)
    >>> fx.effects.index.tolist()
    ['retained', 'revenue_growth']
    """
    check_param("window_months", window_months, kind=int, low=1)
    check_param("predictor", predictor, allowed=["score", "promoter"])
    check_param("alpha", alpha, kind=float, low=1e-6, high=0.5)
    check_columns(survey, [customer_id, survey_date, score], "survey")
    _check_ids(survey, customer_id, "survey", unique=True)
    sc = _scores(survey[score].reset_index(drop=True), score)
    sv = pd.DataFrame({"customer_id": survey[customer_id].to_numpy(),
                       "survey_date": _to_datetime(survey, survey_date, "survey").to_numpy(),
                       "score": sc.to_numpy()})
    tx = check_transactions(transactions, customer_id=customer_id, date=date, amount=amount)
    ref = None
    if referrals is not None:
        ref = check_referrals(referrals, **(referral_columns or {}))
    last = tx["date"].max() if ref is None else max(tx["date"].max(), ref["date"].max())
    end = pd.Timestamp(last) if as_of is None else as_timestamp("as_of", as_of)
    w = pd.DateOffset(months=window_months)
    sv["start"] = sv["survey_date"] - w
    sv["stop"] = sv["survey_date"] + w
    first = tx.groupby("customer_id")["date"].min()
    sv["first_purchase"] = sv["customer_id"].map(first)
    ok = (sv["first_purchase"] <= sv["start"]) & (sv["stop"] <= end + pd.Timedelta(days=1))
    n_out = int((~ok).sum())
    if n_out:
        warnings.warn(f"{n_out:,} of {len(sv):,} respondents are excluded: their "
                      f"{window_months}-month windows before and after the survey are not both "
                      "inside the log (new customers, late surveys or no purchases).",
                      ExclusionWarning, stacklevel=2)
    sv = sv.loc[ok].reset_index(drop=True)
    if len(sv) < 10:
        raise ParameterError(f"only {len(sv)} respondents have complete windows; use a shorter "
                             "window_months or a longer log.")
    t = tx.merge(sv[["customer_id", "start", "survey_date", "stop"]], on="customer_id")
    before = t.loc[(t["date"] >= t["start"]) & (t["date"] < t["survey_date"])]
    after = t.loc[(t["date"] >= t["survey_date"]) & (t["date"] < t["stop"])]
    sv["spend_before"] = sv["customer_id"].map(before.groupby("customer_id")["amount"].sum()
                                               ).fillna(0.0)
    sv["spend_after"] = sv["customer_id"].map(after.groupby("customer_id")["amount"].sum()
                                              ).fillna(0.0)
    sv["retained"] = sv["customer_id"].isin(after["customer_id"]).astype("int64")
    sv["revenue_growth"] = np.log1p(sv["spend_after"]) - np.log1p(sv["spend_before"])
    sv["promoter"] = (sv["score"] >= 9).astype("int64")
    x = sv["score"].to_numpy() if predictor == "score" else sv["promoter"].to_numpy()
    rows = {}
    if ref is not None:
        r = ref.merge(sv[["customer_id", "survey_date", "stop"]], left_on="referrer_id",
                      right_on="customer_id", suffixes=("_ref", ""))
        r = r.loc[(r["date"] >= r["survey_date"]) & (r["date"] < r["stop"])]
        sv["referrals"] = sv["customer_id"].map(r.groupby("customer_id").size()).fillna(0
                                                                                     ).astype(int)
        rows["referrals"] = {"model": "poisson", **_fit(sv["referrals"].to_numpy(), x, "poisson",
                                                        alpha)}
    rows["retained"] = {"model": "logit", **_fit(sv["retained"].to_numpy(), x, "logit", alpha)}
    rows["revenue_growth"] = {"model": "ols_hc1", **_fit(sv["revenue_growth"].to_numpy(), x,
                                                         "ols", alpha)}
    eff = pd.DataFrame(rows).T
    eff = eff.astype({c: float for c in ("coef", "se", "lower", "upper", "p_value")})
    eff["ratio"] = np.where(eff["model"] == "ols_hc1", np.nan, np.exp(eff["coef"]))
    eff["n"] = len(sv)
    eff.index.name = "outcome"
    eff.attrs = {"predictor": predictor, "window_months": window_months}
    return WomEffects(eff, sv.set_index("customer_id"), n_out)


@dataclass
class GroupGrowth:
    """NPS and revenue growth per group, and their correlation across groups."""

    table: pd.DataFrame
    pearson: float
    pearson_ci: tuple[float, float]
    spearman: float
    n_groups: int


def nps_growth(
    survey: pd.DataFrame,
    transactions: pd.DataFrame,
    customers: pd.DataFrame,
    group="region",
    *,
    split=None,
    survey_before_split: bool = False,
    min_respondents: int = 30,
    score: str = "recommend",
    survey_date: str = "survey_date",
    alpha: float = 0.05,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
) -> GroupGrowth:
    """Across groups, does NPS go with revenue growth? (Reichheld 2003; Keiningham et al. 2007).

    Revenue growth of a group is ``revenue[split, split + L) / revenue[split - L,
    split) - 1`` with ``L`` the shorter of the two spans of the log around
    ``split`` (default: its midpoint), over all customers of the group. NPS is
    computed from the group's respondents (only those surveyed before ``split``
    with ``survey_before_split=True``, the predictive reading; excluded answers are
    counted in a warning). Groups with fewer than ``min_respondents`` are left out
    with a warning. The Pearson interval is Fisher's z, wide for few groups.

    Parameters
    ----------
    survey, transactions, customers : DataFrame
        ``customers`` carries the ``group`` column(s) for every customer id.
    group : str or list of str, default "region"
    split : date-like, optional
    survey_before_split : bool, default False
    min_respondents : int, default 30
    score, survey_date : str
    alpha : float, default 0.05
    customer_id, date, amount : str

    Returns
    -------
    GroupGrowth
        ``table`` indexed by group: ``n_respondents``, ``nps``, ``revenue_before``,
        ``revenue_after``, ``growth``; correlations across groups.

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> c = simulate_company(n_customers=2000, seed=5)
    >>> g = nps_growth(c.survey, c.transactions, c.customers, ["region", "segment"],
    ...                min_respondents=5)
    >>> g.n_groups == len(g.table)
    True
    """
    groups = [group] if isinstance(group, str) else list(group)
    check_param("min_respondents", min_respondents, kind=int, low=2)
    check_param("alpha", alpha, kind=float, low=1e-6, high=0.5)
    cust = check_customers(customers, customer_id=customer_id, required=groups)
    check_columns(survey, [customer_id, survey_date, score], "survey")
    _scores(survey[score].reset_index(drop=True), score)
    tx = check_transactions(transactions, customer_id=customer_id, date=date, amount=amount)
    start, end = tx["date"].min(), tx["date"].max()
    cut = start + (end - start) / 2 if split is None else as_timestamp("split", split)
    if not start < cut < end:
        raise ParameterError(f"parameter 'split' ({cut.date()}) must lie inside the log "
                             f"({start.date()} to {end.date()}).")
    span = min(cut - start, end - cut)
    key = cust.set_index("customer_id")[groups]
    for col in groups:
        if key[col].isna().any():
            raise DataError(f"customers[{col!r}]: {int(key[col].isna().sum()):,} customers have "
                            "no group.\nHow to fix: fill them (e.g. 'unknown') or drop them "
                            "explicitly before the call.")
    stray = ~survey[customer_id].isin(key.index)
    if stray.any():
        raise DataError(f"survey[{customer_id!r}]: {int(stray.sum()):,} respondents are not in "
                        "customers; pass the full customer table.")
    unknown = ~tx["customer_id"].isin(key.index)
    if unknown.any():
        raise ParameterError(f"transactions: {int(unknown.sum()):,} rows belong to customers "
                             "missing from customers; pass the full customer table.")
    t = tx.join(key, on="customer_id")
    rev_b = t.loc[(t["date"] >= cut - span) & (t["date"] < cut)].groupby(groups)["amount"].sum()
    rev_a = t.loc[(t["date"] >= cut) & (t["date"] < cut + span)].groupby(groups)["amount"].sum()
    sv = pd.DataFrame({"customer_id": survey[customer_id].to_numpy(),
                       "survey_date": _to_datetime(survey, survey_date, "survey").to_numpy(),
                       "score": survey[score].to_numpy(dtype=float)})
    if survey_before_split:
        late = sv["survey_date"] >= cut
        if late.any():
            warnings.warn(f"{int(late.sum()):,} survey answers dated on or after split="
                          f"{cut.date()} are excluded (survey_before_split=True).",
                          ExclusionWarning, stacklevel=2)
        sv = sv.loc[~late]
    sv = sv.join(key, on="customer_id")
    n_resp = sv.groupby(groups).size()
    score_nps = sv.groupby(groups)["score"].apply(
        lambda s: net_promoter_score(s.to_numpy(), method="normal").nps)
    table = pd.DataFrame({"n_respondents": n_resp, "nps": score_nps,
                          "revenue_before": rev_b, "revenue_after": rev_a})
    table["n_respondents"] = table["n_respondents"].fillna(0).astype("int64")
    small = (table["n_respondents"] < min_respondents) | table["revenue_before"].isna() | (
        table["revenue_before"] <= 0)
    if small.any():
        warnings.warn(f"{int(small.sum()):,} group(s) with fewer than {min_respondents} "
                      "respondents or no revenue before the split are left out.",
                      ExclusionWarning, stacklevel=2)
    table = table.loc[~small].copy()
    table["revenue_after"] = table["revenue_after"].fillna(0.0)
    table["growth"] = table["revenue_after"] / table["revenue_before"] - 1
    k = len(table)
    if k < 4:
        raise ParameterError(f"only {k} group(s) are left; a correlation across groups needs at "
                             "least 4 (lower min_respondents or use a finer group).")
    r = float(np.corrcoef(table["nps"], table["growth"])[0, 1])
    z = stats.norm.ppf(1 - alpha / 2)
    ci = (float(np.tanh(np.arctanh(r) - z / np.sqrt(k - 3))),
          float(np.tanh(np.arctanh(r) + z / np.sqrt(k - 3))))
    rho = float(stats.spearmanr(table["nps"], table["growth"]).statistic)
    table.attrs = {"split": cut, "span_days": span.days}
    return GroupGrowth(table, r, ci, rho, k)
