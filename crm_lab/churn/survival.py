"""Survival analysis of churn: Kaplan-Meier curves, the log-rank test and the Cox model.

Tenure is a survival time: a churner's tenure ends with the event, an active customer's is
*censored* (we only know it lasts at least that long). Dropping the active customers or
calling them "not churned" biases the churn rate; survival methods use both correctly.
Results reproduce R's ``survival`` package (``survfit``, ``survdiff``, ``coxph``): see
``tests/fixtures/make_churn_fixtures.R``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from crm_lab.churn.models import design_levels, design_matrix
from crm_lab.validate import DataError, check_columns, check_param, check_values

__all__ = ["KaplanMeier", "logrank_test", "LogRankResult", "CoxModel", "compare_hazard_truth"]


def _durations(durations, events, groups=None):
    t = check_values(durations, name="durations").to_numpy()
    e = np.asarray(events)
    if e.shape[0] != t.shape[0] or pd.isna(e).any() or not np.isin(e, [0, 1, True, False]).all():
        raise DataError("events: one True/False (or 1/0) churn flag per duration is needed, "
                        "without missing values.\nHow to fix: pass table['churned'].")
    g = None
    if groups is not None:
        g = np.asarray(groups).astype(str)
        if g.shape[0] != t.shape[0]:
            raise DataError("groups: one group label per duration is needed.")
    return t, e.astype(bool), g


class KaplanMeier:
    """Kaplan-Meier estimate of the share still a customer after each tenure, by group.

    Parameters
    ----------
    alpha : float, default 0.05
        Pointwise confidence bands at level 1 - alpha, on the log scale with Greenwood's
        variance (R's ``survfit(..., conf.type = "log")``, its default).

    Attributes
    ----------
    survival_ : DataFrame
        One row per group and event or censoring time: ``group``, ``time``, ``n_risk``,
        ``n_events``, ``n_censored``, ``survival``, ``lower``, ``upper``.
    groups_ : list of str

    Examples
    --------
    >>> km = KaplanMeier().fit([1, 2, 2, 3, 4], [True, True, False, True, False])
    >>> km.survival_["survival"].round(3).tolist()
    [0.8, 0.6, 0.3, 0.3]
    """

    def __init__(self, alpha: float = 0.05):
        self.alpha = alpha

    def fit(self, durations, events, groups=None) -> KaplanMeier:
        """Estimate from tenure, churn flag (True = churned, False = censored), groups."""
        check_param("alpha", self.alpha, kind=float, low=1e-6, high=0.5)
        t, e, g = _durations(durations, events, groups)
        g = np.full(len(t), "all") if g is None else g
        z = stats.norm.ppf(1 - self.alpha / 2)
        parts = []
        self.groups_ = sorted(pd.unique(g))
        for name in self.groups_:
            m = g == name
            frame = pd.DataFrame({"time": t[m], "event": e[m]})
            tab = frame.groupby("time")["event"].agg(n_events="sum", n="size")
            times = tab.index.to_numpy()
            d = tab["n_events"].to_numpy(dtype=float)
            n_at = (m.sum() - np.r_[0, np.cumsum(tab["n"].to_numpy())[:-1]]).astype(float)
            s = np.cumprod(1 - d / n_at)
            with np.errstate(divide="ignore", invalid="ignore"):
                var_log = np.cumsum(np.where(n_at > d, d / (n_at * (n_at - d)), np.inf))
            se = np.sqrt(var_log)
            parts.append(pd.DataFrame({
                "group": name, "time": times, "n_risk": n_at.astype(np.int64),
                "n_events": d.astype(np.int64),
                "n_censored": (tab["n"].to_numpy() - d).astype(np.int64), "survival": s,
                "lower": np.where(s > 0, s * np.exp(-z * se), 0.0),
                "upper": np.minimum(np.where(s > 0, s * np.exp(z * se), 1.0), 1.0)}))
        self.survival_ = pd.concat(parts, ignore_index=True)
        return self

    def survival_at(self, times) -> pd.DataFrame:
        """Survival, bands and number at risk at the given times (R's ``summary(fit, times)``).

        Examples
        --------
        >>> km = KaplanMeier().fit([1, 2, 2, 3, 4], [True, True, False, True, False])
        >>> km.survival_at([2.5])[["n_risk", "survival"]].round(2).values.tolist()
        [[2.0, 0.6]]
        """
        rows = []
        for name in self.groups_:
            tab = self.survival_[self.survival_["group"] == name]
            n0 = int(tab["n_risk"].iloc[0])
            for x in np.atleast_1d(times):
                before = tab[tab["time"] <= x]
                later = tab.loc[tab["time"] >= x, "n_risk"]
                n_risk = int(later.iloc[0]) if len(later) else 0
                if len(before) == 0:
                    rows.append({"group": name, "time": x, "n_risk": n0, "survival": 1.0,
                                 "lower": 1.0, "upper": 1.0})
                else:
                    last = before.iloc[-1]
                    rows.append({"group": name, "time": x, "n_risk": n_risk,
                                 "survival": last["survival"], "lower": last["lower"],
                                 "upper": last["upper"]})
        return pd.DataFrame(rows)

    def median(self) -> pd.Series:
        """Median tenure per group (NaN where survival never falls to 0.5)."""
        out = {}
        for name in self.groups_:
            tab = self.survival_[self.survival_["group"] == name]
            below = tab.loc[tab["survival"] <= 0.5, "time"]
            out[name] = float(below.iloc[0]) if len(below) else np.nan
        return pd.Series(out, name="median_tenure")


class LogRankResult:
    """Log-rank test result: ``chisq``, ``df``, ``p_value`` and the observed/expected table."""

    def __init__(self, chisq: float, df: int, p_value: float, table: pd.DataFrame):
        self.chisq, self.df, self.p_value, self.table = chisq, df, p_value, table

    def summary(self) -> pd.Series:
        """The statistic, its degrees of freedom and p-value."""
        return pd.Series({"chisq": self.chisq, "df": self.df, "p_value": self.p_value})

    def __repr__(self) -> str:
        return f"LogRankResult(chisq={self.chisq:.1f}, df={self.df}, p_value={self.p_value:.3g})"


def logrank_test(durations, events, groups) -> LogRankResult:
    """Do the survival curves of the groups differ? (R's ``survdiff``.)

    Examples
    --------
    >>> r = logrank_test([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 0], list("aaabbb"))
    >>> r.df, round(r.chisq, 3)
    (1, 5.052)
    """
    t, e, g = _durations(durations, events, groups)
    levels = sorted(pd.unique(g))
    if len(levels) < 2:
        raise DataError("groups: the log-rank test needs at least two groups.")
    times = np.unique(t[e])
    obs = np.zeros(len(levels))
    exp = np.zeros(len(levels))
    var = np.zeros((len(levels), len(levels)))
    at_risk = np.array([[np.sum((g == lv) & (t >= u)) for lv in levels] for u in times], float)
    deaths = np.array([[np.sum((g == lv) & (t == u) & e) for lv in levels] for u in times], float)
    for n_k, d_k in zip(at_risk, deaths, strict=True):
        n, d = n_k.sum(), d_k.sum()
        obs += d_k
        exp += d * n_k / n
        if n > 1:
            f = d * (n - d) / (n * n * (n - 1))
            var += f * (np.diag(n_k) * n - np.outer(n_k, n_k))
    diff = (obs - exp)[1:]
    chisq = float(diff @ np.linalg.solve(var[1:, 1:], diff))
    df = len(levels) - 1
    table = pd.DataFrame({"n": [int(np.sum(g == lv)) for lv in levels], "observed": obs,
                          "expected": exp}, index=pd.Index(levels, name="group"))
    return LogRankResult(chisq, df, float(stats.chi2.sf(chisq, df)), table)


class CoxModel:
    """Cox proportional-hazards model of churn (statsmodels ``PHReg``).

    Text features are dummy-coded against their first level in sorted order, named
    ``column[level]`` (R names the same term ``columnlevel``); numbers enter in their own
    units.

    Parameters
    ----------
    ties : {"efron", "breslow"}
        How tied churn times are handled (R's default is Efron).
    alpha : float, default 0.05

    Attributes
    ----------
    params_, bse_ : Series
        Log hazard ratios and their standard errors.
    results_ : statsmodels PHRegResults
    n_events_ : int

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> t = pd.DataFrame({"x": rng.normal(size=2000)})
    >>> t["tenure"] = rng.exponential(np.exp(-0.7 * t["x"]))
    >>> t["churned"] = True
    >>> round(float(CoxModel().fit(t, features=["x"]).params_["x"]), 1)
    0.7
    """

    def __init__(self, ties: str = "efron", alpha: float = 0.05):
        self.ties = ties
        self.alpha = alpha

    def fit(self, table: pd.DataFrame, *, duration: str = "tenure", event: str = "churned",
            features=None) -> CoxModel:
        """Fit on a churn table (tenure, churn flag and ``features``; default all others)."""
        from statsmodels.duration.hazard_regression import PHReg

        check_param("ties", self.ties, allowed=("efron", "breslow"))
        check_param("alpha", self.alpha, kind=float, low=1e-6, high=0.5)
        feats = list(features) if features is not None else [
            c for c in table.columns if c not in (duration, event)]
        check_columns(table, [duration, event, *feats], "churn table")
        t, e, _ = _durations(table[duration], table[event])
        X = table[feats]
        self.features_ = feats
        self.levels_, self.medians_ = design_levels(X)
        design = design_matrix(X, self.levels_, self.medians_)
        self.results_ = PHReg(t, design, status=e.astype(int), ties=self.ties).fit()
        self.params_ = pd.Series(self.results_.params, index=design.columns, name="coef")
        self.bse_ = pd.Series(self.results_.bse, index=design.columns, name="se")
        self.n_events_ = int(e.sum())
        self.loglik_ = float(self.results_.llf)
        return self

    def summary(self) -> pd.DataFrame:
        """One row per term: ``coef``, ``se``, ``hazard_ratio``, its interval, ``p_value``."""
        z = stats.norm.ppf(1 - self.alpha / 2)
        out = pd.DataFrame({"coef": self.params_, "se": self.bse_,
                            "hazard_ratio": np.exp(self.params_),
                            "ci_low": np.exp(self.params_ - z * self.bse_),
                            "ci_high": np.exp(self.params_ + z * self.bse_),
                            "p_value": 2 * stats.norm.sf(np.abs(self.params_ / self.bse_))})
        out.index.name = "term"
        return out

    def predict_partial_hazard(self, table: pd.DataFrame) -> pd.Series:
        """exp(x'beta) per row: the churn hazard relative to the reference customer."""
        check_columns(table, self.features_, "churn table")
        design = design_matrix(table[self.features_], self.levels_, self.medians_)
        return pd.Series(np.exp(design.to_numpy() @ self.params_.to_numpy()), index=table.index,
                         name="partial_hazard")


def compare_hazard_truth(model: CoxModel, hazard_truth: dict) -> pd.DataFrame:
    """Estimated against true log hazard ratios (``truth.hazard``), with z-scores.

    Returns
    -------
    DataFrame indexed by term: ``estimate``, ``se``, ``true``, ``difference``, ``z``.
    """
    true = pd.Series(hazard_truth["coefficients"], name="true")
    common = [k for k in true.index if k in model.params_.index]
    if not common:
        raise DataError("model: none of its terms are in the truth; fit it on the terms of "
                        f"truth.hazard['coefficients'] ({list(true.index)}).")
    out = pd.DataFrame({"estimate": model.params_[common], "se": model.bse_[common],
                        "true": true[common]})
    out["difference"] = out["estimate"] - out["true"]
    out["z"] = out["difference"] / out["se"]
    out.index.name = "term"
    return out
