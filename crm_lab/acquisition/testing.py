"""Testing an acquisition offer: sample size, power, analysis, peeking."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from crm_lab.acquisition._common import (
    _bool_column,
    _z,
)
from crm_lab.validate import (
    DataError,
    ParameterError,
    check_columns,
    check_param,
    check_sequence,
)

__all__ = [
    "sample_size", "power", "power_curve", "simulate_power", "simulate_offer_test", "TestResult",
    "analyse_test", "peeking_simulation",
]

# ----------------------------------------------------------------------------- 4. testing


def _check_rates(p_control: float, p_treatment: float) -> None:
    for name, v in (("p_control", p_control), ("p_treatment", p_treatment)):
        check_param(name, v, kind=float, low=1e-9, high=1 - 1e-9,
                    hint="A response rate strictly between 0 and 1, e.g. 0.05.")


def sample_size(p_control: float, p_treatment: float, *, alpha: float = 0.05,
                power: float = 0.8, ratio: float = 1.0,
                alternative: str = "two-sided") -> pd.Series:
    """Contacts needed to detect a difference in response rates.

    Cohen's effect size ``h = 2 asin(sqrt(p_t)) - 2 asin(sqrt(p_c))``
    (``statsmodels.stats.proportion.proportion_effectsize``) and the normal-approximation
    power of statsmodels' ``NormalIndPower``.

    Parameters
    ----------
    p_control, p_treatment : float
        Response rates without and with the offer.
    alpha, power : float
        Significance level and the power wanted.
    ratio : float
        Treatment group size / control group size.
    alternative : {"two-sided", "larger", "smaller"}

    Returns
    -------
    Series with ``effect_size_h``, ``n_control`` and ``n_treatment`` (rounded up) and
    ``n_total``.

    Examples
    --------
    >>> sample_size(0.05, 0.07)[["n_control", "n_total"]].tolist()
    [2199.0, 4398.0]
    """
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    _check_rates(p_control, p_treatment)
    if p_control == p_treatment:
        raise ParameterError("parameters 'p_control' and 'p_treatment' are equal: no difference "
                             "to detect needs infinitely many contacts.")
    check_param("alpha", alpha, kind=float, low=1e-6, high=0.5)
    check_param("power", power, kind=float, low=0.05, high=0.9999)
    check_param("ratio", ratio, kind=float, low=0.01, high=100)
    check_param("alternative", alternative, ["two-sided", "larger", "smaller"])
    h = float(proportion_effectsize(p_treatment, p_control))
    es = abs(h) if alternative == "two-sided" else h
    n = NormalIndPower().solve_power(effect_size=es, alpha=alpha, power=power, ratio=ratio,
                                     alternative=alternative)
    n = float(np.asarray(n).item())
    nc, nt = np.ceil(n - 1e-9), np.ceil(n * ratio - 1e-9)
    return pd.Series({"effect_size_h": h, "n_control": nc, "n_treatment": nt,
                      "n_total": nc + nt})


def power(p_control: float, p_treatment: float, n_per_group, *, alpha: float = 0.05):
    """Power of the two-sided test for a design with ``n_per_group`` contacts per arm.

    Examples
    --------
    >>> round(float(power(0.5, 0.4, 388)), 2)
    0.8
    """
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    _check_rates(p_control, p_treatment)
    h = abs(float(proportion_effectsize(p_treatment, p_control)))
    return NormalIndPower().power(effect_size=h, nobs1=np.asarray(n_per_group, float),
                                  alpha=alpha, ratio=1.0)


def power_curve(p_control: float, p_treatment: float, n_values: Sequence[int], *,
                alpha: float = 0.05, n_sims: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Power by contacts per arm: the formula and a simulation of the same design.

    Returns
    -------
    DataFrame indexed by ``n_per_group``: ``power_formula``, ``power_simulated``, ``mc_se``.

    Examples
    --------
    >>> power_curve(0.05, 0.07, [500, 2000], n_sims=200).shape
    (2, 3)
    """
    n_values = check_sequence("n_values", n_values, kind=int, low=2)
    rows = {}
    for i, n in enumerate(n_values):
        s = simulate_power(p_control, p_treatment, int(n), alpha=alpha, n_sims=n_sims,
                           seed=seed + i)
        rows[int(n)] = {"power_formula": s["power_formula"], "power_simulated": s["power"],
                        "mc_se": s["mc_se"]}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "n_per_group"
    return out


def _z_two_prop(x_c, n_c, x_t, n_t):
    pool = (x_c + x_t) / (n_c + n_t)
    se = np.sqrt(pool * (1 - pool) * (1 / n_c + 1 / n_t))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (x_t / n_t - x_c / n_c) / se
    return np.where(se > 0, z, 0.0)


def simulate_power(p_control: float, p_treatment: float, n_per_group: int, *,
                   alpha: float = 0.05, n_sims: int = 4000, seed: int = 0) -> pd.Series:
    """The share of simulated tests of the design that reject (two-proportion z-test).

    Returns
    -------
    Series with ``power`` (simulated), ``mc_se`` (its Monte Carlo standard error),
    ``power_formula`` (:func:`power`) and ``n_sims``.

    Examples
    --------
    >>> s = simulate_power(0.5, 0.4, 388, n_sims=2000, seed=0)
    >>> bool(abs(s["power"] - s["power_formula"]) < 3 * s["mc_se"] + 0.01)
    True
    """
    _check_rates(p_control, p_treatment)
    check_param("n_per_group", n_per_group, kind=int, low=2)
    check_param("n_sims", n_sims, kind=int, low=10)
    check_param("seed", seed, kind=int, low=0)
    rng = np.random.default_rng(seed)
    xc = rng.binomial(n_per_group, p_control, n_sims)
    xt = rng.binomial(n_per_group, p_treatment, n_sims)
    rej = np.abs(_z_two_prop(xc, n_per_group, xt, n_per_group)) > _z(alpha)
    pw = float(rej.mean())
    return pd.Series({"power": pw, "mc_se": np.sqrt(pw * (1 - pw) / n_sims),
                      "power_formula": float(power(p_control, p_treatment, n_per_group,
                                                   alpha=alpha)),
                      "n_sims": float(n_sims)})


def simulate_offer_test(p_base, *, n_per_group: int, offer_log_odds: float = 0.3,
                        seed: int = 0) -> pd.DataFrame:
    """A randomised test of an acquisition offer on a list of prospects.

    ``2 * n_per_group`` prospects are drawn from the list (with replacement), half at random
    get the offer; a prospect responds with probability ``p_base`` without the offer and
    ``expit(logit(p_base) + offer_log_odds)`` with it.

    Parameters
    ----------
    p_base : array-like
        Response probabilities of the prospects without the offer (e.g.
        :func:`true_response_probability` or a fitted model's ``predict_proba``).
    n_per_group : int
    offer_log_odds : float
        The offer's effect on the log-odds of responding.
    seed : int

    Returns
    -------
    DataFrame with ``group`` (``control`` / ``offer``), ``responded`` and ``p_true``;
    ``attrs["true_effect"]`` is the mean of ``p_offer - p_control`` over the sample.

    Examples
    --------
    >>> t = simulate_offer_test([0.05] * 100, n_per_group=500, offer_log_odds=0.3, seed=0)
    >>> t["group"].value_counts().tolist()
    [500, 500]
    """
    p = np.asarray(p_base, float)
    if p.ndim != 1 or len(p) == 0 or np.isnan(p).any() or (p <= 0).any() or (p >= 1).any():
        raise DataError("p_base: probabilities strictly between 0 and 1 are needed, one per "
                        "prospect.\nHow to fix: pass model.predict_proba(campaign).")
    check_param("n_per_group", n_per_group, kind=int, low=2)
    check_param("offer_log_odds", offer_log_odds, kind=float)
    check_param("seed", seed, kind=int, low=0)
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(p), 2 * n_per_group)
    offer = rng.permutation(np.r_[np.zeros(n_per_group, bool), np.ones(n_per_group, bool)])
    p0 = p[pick]
    p1 = 1 / (1 + (1 - p0) / p0 * np.exp(-offer_log_odds))
    pt = np.where(offer, p1, p0)
    out = pd.DataFrame({"group": np.where(offer, "offer", "control"),
                        "responded": rng.random(pt.size) < pt, "p_true": pt})
    out.attrs["true_effect"] = float((p1 - p0).mean())
    return out


@dataclass
class TestResult:
    """A randomised two-arm test of response rates (see :func:`analyse_test`)."""

    table: pd.DataFrame
    difference: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float
    alpha: float

    __test__ = False  # not a pytest class

    def summary(self) -> pd.Series:
        """Rates, difference with its interval, relative lift, z and p-value."""
        rc, rt = self.table["response_rate"].to_numpy()
        return pd.Series({"rate_control": rc, "rate_treatment": rt,
                          "difference": self.difference, "ci_low": self.ci_low,
                          "ci_high": self.ci_high, "relative_lift": self.difference / rc
                          if rc > 0 else np.nan, "z": self.z, "p_value": self.p_value})


def analyse_test(frame: pd.DataFrame, *, group: str = "group", responded: str = "responded",
                 control: str = "control", treatment: str = "offer",
                 alpha: float = 0.05) -> TestResult:
    """Analyse a randomised test: difference in response rates with its interval.

    The interval is the Wald interval of the difference of two independent proportions
    (unpooled standard error); the test is the pooled two-proportion z-test, two-sided.
    Analyse the test once, at the sample size planned with :func:`sample_size`.

    Parameters
    ----------
    frame : DataFrame
        One row per contact with the arm ``group`` and ``responded``.
    group, responded : str
        Column names.
    control, treatment : str
        The labels of the two arms in ``group``.
    alpha : float

    Returns
    -------
    TestResult

    Examples
    --------
    >>> df = pd.DataFrame({"group": ["control"] * 1000 + ["offer"] * 1000,
    ...                    "responded": [1] * 50 + [0] * 950 + [1] * 80 + [0] * 920})
    >>> r = analyse_test(df)
    >>> round(r.difference, 3), round(r.ci_low, 3), round(r.ci_high, 3), round(r.p_value, 3)
    (0.03, 0.008, 0.052, 0.007)
    """
    check_columns(frame, [group, responded], "frame")
    check_param("alpha", alpha, kind=float, low=1e-6, high=0.5)
    y = _bool_column(frame, responded, "frame")
    g = frame[group].astype(str).to_numpy()
    found = sorted(set(g))
    for lab, name in ((control, "control"), (treatment, "treatment")):
        if lab not in found:
            raise ParameterError(f"parameter {name!r}: {lab!r} is not a value of "
                                 f"frame[{group!r}] (it has {found[:6]}).")
    rows = {}
    for lab in (control, treatment):
        m = g == lab
        rows[lab] = {"contacts": int(m.sum()), "responders": int(y[m].sum()),
                     "response_rate": float(y[m].mean())}
    t = pd.DataFrame.from_dict(rows, orient="index")
    t.index.name = group
    (nc, xc, rc), (nt, xt, rt) = t.to_numpy(float)
    d = rt - rc
    se = np.sqrt(rc * (1 - rc) / nc + rt * (1 - rt) / nt)
    zc = _z(alpha)
    z = float(_z_two_prop(xc, nc, xt, nt))
    return TestResult(table=t, difference=float(d), ci_low=float(d - zc * se),
                      ci_high=float(d + zc * se), z=z,
                      p_value=float(2 * stats.norm.sf(abs(z))), alpha=alpha)


def peeking_simulation(p: float = 0.05, n_per_group: int = 2000,
                       looks: Sequence[int] = (1, 2, 5, 10, 20), *, alpha: float = 0.05,
                       n_sims: int = 2000, seed: int = 0) -> pd.DataFrame:
    """False-positive rate of an A/A test looked at repeatedly and stopped when "significant".

    Both arms respond at rate ``p`` (no true difference). The test is looked at after every
    ``n_per_group / k`` contacts per arm and declared a win at the first look with
    ``p < alpha``; with one look the rate is ``alpha``, with more it grows.

    Returns
    -------
    DataFrame indexed by ``looks``: ``false_positive_rate``, ``mc_se``, ``nominal_alpha``.

    Examples
    --------
    >>> t = peeking_simulation(0.1, 1000, looks=(1, 10), n_sims=2000, seed=0)
    >>> bool(t.loc[10, "false_positive_rate"] > 2 * t.loc[1, "false_positive_rate"])
    True
    """
    _check_rates(p, p)
    check_param("n_per_group", n_per_group, kind=int, low=2)
    looks = check_sequence("looks", looks, kind=int, low=1, high=n_per_group)
    check_param("n_sims", n_sims, kind=int, low=10)
    check_param("seed", seed, kind=int, low=0)
    check_param("alpha", alpha, kind=float, low=1e-6, high=0.5)
    rng = np.random.default_rng(seed)
    zc = _z(alpha)
    rows = {}
    for k in looks:
        sizes = np.diff(np.round(np.linspace(0, n_per_group, k + 1)).astype(int))
        xc = np.cumsum(rng.binomial(sizes, p, (n_sims, k)), axis=1)
        xt = np.cumsum(rng.binomial(sizes, p, (n_sims, k)), axis=1)
        n = np.cumsum(sizes)
        rej = (np.abs(_z_two_prop(xc, n, xt, n)) > zc).any(axis=1)
        fp = float(rej.mean())
        rows[int(k)] = {"false_positive_rate": fp, "mc_se": np.sqrt(fp * (1 - fp) / n_sims),
                        "nominal_alpha": alpha}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "looks"
    return out
