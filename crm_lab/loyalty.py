"""Customer loyalty (客户忠诚): how to measure it, and what retention is worth.

Five parts, in the order of the chapter:

1. **Net Promoter Score** (:func:`net_promoter_score`, :func:`nps_by`): share of
   promoters (9-10) minus share of detractors (0-6) on the 0-10 "would you
   recommend us?" question (Reichheld 2003), with a confidence interval.
2. **Behavioural loyalty** from the transaction log (:func:`behavioural_loyalty`,
   :func:`repeat_rate`): repeat buying, purchase frequency, inter-purchase times
   and their regularity; the spend split over categories (:func:`share_of_category`)
   and, where a survey asks for total category spend, :func:`share_of_wallet`.
3. **Attitudinal x behavioural loyalty** (Dick & Basu 1994):
   :func:`attitudinal_loyalty` (mean of the loyalty items) crossed with a
   behavioural measure in :func:`loyalty_matrix` gives *true*, *latent*,
   *spurious* and *no* loyalty.
4. **Satisfaction and loyalty** (Jones & Sasser 1995):
   :func:`satisfaction_loyalty_curve` estimates the curve from data,
   :func:`loyalty_zones` labels the zones of defection, indifference and
   affection, and :func:`competitive_curve` is a *stylised* model of how market
   competition changes the curve's shape.
5. **Retention economics**: customer lifetime value and customer equity under a
   retention rate (:func:`retention_equity`), the effect of a retention gain
   (:func:`retention_gain_effect`, the mechanics behind Reichheld & Sasser's
   "5 % more retention, 25-85 % more profit") and a budget split between
   acquisition and retention (:func:`acquisition_vs_retention`).

Which part is data and which is illustration: parts 1-3 and
:func:`satisfaction_loyalty_curve` compute from the tables you pass (in the book,
the simulated company's survey joined with its transactions).
:func:`competitive_curve` and the retention calculators of part 5 compute from
*assumptions* you type in; they show mechanisms, they estimate nothing.

References
----------
Blattberg, R. C. & Deighton, J. (1996). Manage marketing by the customer equity
test. *Harvard Business Review* 74(4), 136-144.

Dick, A. S. & Basu, K. (1994). Customer loyalty: toward an integrated conceptual
framework. *Journal of the Academy of Marketing Science* 22(2), 99-113.

Gupta, S. & Lehmann, D. R. (2003). Customers as assets. *Journal of Interactive
Marketing* 17(1), 9-24.

Heskett, J. L., Jones, T. O., Loveman, G. W., Sasser, W. E., Jr. & Schlesinger,
L. A. (1994). Putting the service-profit chain to work. *Harvard Business Review*
72(2), 164-174.

Jones, T. O. & Sasser, W. E., Jr. (1995). Why satisfied customers defect.
*Harvard Business Review* 73(6), 88-99.

Keiningham, T. L., Cooil, B., Andreassen, T. W. & Aksoy, L. (2007). A
longitudinal examination of net promoter and firm revenue growth. *Journal of
Marketing* 71(3), 39-51.

Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business
Review* 81(12), 46-54.

Reichheld, F. F. & Sasser, W. E., Jr. (1990). Zero defections: quality comes to
services. *Harvard Business Review* 68(5), 105-111.

Reinartz, W. J. & Kumar, V. (2000). On the profitability of long-life customers
in a noncontractual setting. *Journal of Marketing* 64(4), 17-35.

Rocks, B. (2016). Interval estimation for the "net promoter score". *The
American Statistician* 70(4), 365-372.

Tango, T. (1998). Equivalence test and confidence interval for the difference
in proportions for the paired-sample design. *Statistics in Medicine* 17(8),
891-908.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from crm_lab.clv import simple_clv
from crm_lab.summary import (
    ExclusionWarning,
    _aggregate,
    as_timestamp,
    exclude_after,
    period_numbers,
)
from crm_lab.validate import (
    DataError,
    ParameterError,
    _check_ids,
    _fail,
    _show,
    _to_numeric,
    check_columns,
    check_customers,
    check_param,
    check_survey,
    check_transactions,
)

__all__ = [
    "NPSResult",
    "net_promoter_score",
    "nps_by",
    "behavioural_loyalty",
    "repeat_rate",
    "share_of_category",
    "share_of_wallet",
    "survey_score",
    "attitudinal_loyalty",
    "LOYALTY_CLASSES",
    "LoyaltyMatrix",
    "loyalty_matrix",
    "satisfaction_loyalty_curve",
    "ZONES",
    "loyalty_zones",
    "COMPETITION_PRESETS",
    "competitive_curve",
    "retention_equity",
    "retention_gain_effect",
    "acquisition_vs_retention",
]

_DAYS_PER_YEAR = 365.25


def _z(ci: float) -> float:
    check_param("ci", ci, kind=float, low=0.5, high=0.999,
                hint="Use e.g. 0.95 for a 95 % interval.")
    return float(stats.norm.ppf(0.5 + ci / 2))


def _number(name: str, value, *, low: float | None = None, high: float | None = None,
            high_open: bool = False, hint: str = "") -> np.ndarray:
    """A numeric scalar or array parameter as float64, finite and inside the bounds."""
    tail = f" {hint}" if hint else ""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"parameter {name!r} must be a number or an array of numbers, "
                             f"got {value!r}.{tail}") from None
    if isinstance(value, bool) or arr.size == 0 or arr.ndim > 1:
        raise ParameterError(f"parameter {name!r} must be a number or a 1-d array of numbers, "
                             f"got {value!r}.{tail}")
    if not np.isfinite(arr).all():
        raise ParameterError(f"parameter {name!r} must be finite (no NaN or inf), "
                             f"got {value!r}.{tail}")
    if low is not None and (arr < low).any():
        raise ParameterError(f"parameter {name!r} must be >= {low}, got {value!r}.{tail}")
    if high is not None and ((arr >= high) if high_open else (arr > high)).any():
        op = "<" if high_open else "<="
        raise ParameterError(f"parameter {name!r} must be {op} {high}, got {value!r}.{tail}")
    return arr


# ============================================================================ Net Promoter Score


@dataclass(frozen=True)
class NPSResult:
    """A Net Promoter Score with its confidence interval.

    Attributes
    ----------
    n : int
        Number of answers.
    n_promoters, n_passives, n_detractors : int
        Answers 9-10, 7-8 and 0-6.
    share_promoters, share_passives, share_detractors : float
        The same as shares of ``n`` (0-1).
    nps : float
        ``100 * (share_promoters - share_detractors)``, in points (-100 to 100).
    se : float
        Standard error of ``nps`` in points (the Wald formula, see
        :func:`net_promoter_score`).
    ci_low, ci_high : float
        Confidence limits in points.
    ci : float
        Confidence level.
    method : str
        How the interval was computed.
    """

    n: int
    n_promoters: int
    n_passives: int
    n_detractors: int
    share_promoters: float
    share_passives: float
    share_detractors: float
    nps: float
    se: float
    ci_low: float
    ci_high: float
    ci: float
    method: str

    def to_series(self) -> pd.Series:
        """All fields as a Series (one row of :func:`nps_by`)."""
        return pd.Series({k: getattr(self, k) for k in self.__dataclass_fields__}, name="nps")

    def __repr__(self) -> str:
        return (f"NPSResult(n={self.n}, nps={self.nps:.1f}, {self.ci:.0%} CI "
                f"[{self.ci_low:.1f}, {self.ci_high:.1f}], promoters={self.share_promoters:.1%}, "
                f"detractors={self.share_detractors:.1%}, method={self.method!r})")


def _score_statistic(delta: float, b: int, c: int, n: int) -> float:
    """Score statistic for H0: p_P - p_D = delta (Tango 1998, eq. 3-4)."""
    # restricted MLE of the detractor share under the hypothesis (root of a quadratic)
    a_ = 2.0 * n
    b_ = -b - c + (2.0 * n - b + c) * delta
    c_ = -c * delta * (1.0 - delta)
    q = (-b_ + np.sqrt(max(b_ * b_ - 4.0 * a_ * c_, 0.0))) / (2.0 * a_)
    var = 2.0 * q + delta * (1.0 - delta)  # n * Var(p_P - p_D) under H0
    num = b - c - n * delta
    if var <= 1e-14:  # a boundary hypothesis (everyone a promoter or a detractor)
        return float(np.sign(num)) * 1e12
    return float(np.clip(num / np.sqrt(n * var), -1e12, 1e12))


def _score_interval(b: int, c: int, n: int, z: float) -> tuple[float, float]:
    d_hat = (b - c) / n
    eps = 1e-10
    if d_hat <= -1 + eps or _score_statistic(-1 + eps, b, c, n) <= z:
        lo = -1.0
    else:
        lo = optimize.brentq(lambda d: _score_statistic(d, b, c, n) - z, -1 + eps, d_hat,
                             xtol=1e-12)
    if d_hat >= 1 - eps or _score_statistic(1 - eps, b, c, n) >= -z:
        hi = 1.0
    else:
        hi = optimize.brentq(lambda d: _score_statistic(d, b, c, n) + z, d_hat, 1 - eps,
                             xtol=1e-12)
    return lo, hi


def _nps_answers(scores, name: str) -> np.ndarray:
    if isinstance(scores, pd.DataFrame):
        raise DataError(f"{name}: expected one column of 0-10 answers, got a DataFrame.\n"
                        "How to fix: pass one column, e.g. survey['recommend'].")
    s = scores if isinstance(scores, pd.Series) else pd.Series(np.asarray(scores))
    col = str(s.name) if s.name is not None else "score"
    frame = pd.DataFrame({col: s.to_numpy()})
    check_columns(frame, [col], name)
    values = check_survey(frame, [col], scale=(0, 10), table=name)[col].to_numpy()
    frac = values != np.round(values)
    if frac.any():
        _fail(name, col, f"{int(frac.sum()):,} answers are not whole numbers; the NPS is defined "
              "on the 0-10 integer scale.", "round or recode the answers to 0, 1, ..., 10.",
              _show(frame, frac))
    return values


def net_promoter_score(scores, *, ci: float = 0.95, method: str = "wilson", n_boot: int = 2000,
                       seed: int = 0) -> NPSResult:
    """Net Promoter Score (NPS) of 0-10 "how likely are you to recommend us?" answers.

    Answers 9-10 are *promoters*, 7-8 *passives*, 0-6 *detractors*
    (Reichheld 2003). With shares ``p_P`` and ``p_D`` of ``n`` answers,
    ``NPS = 100 (p_P - p_D)`` points, between -100 and 100.

    The counts are multinomial, so ``p_P`` and ``p_D`` are negatively
    correlated (``Cov = -p_P p_D / n``) and

    ``Var(p_P - p_D) = [p_P (1 - p_P) + p_D (1 - p_D) + 2 p_P p_D] / n
    = [p_P + p_D - (p_P - p_D)^2] / n``,

    the standard multinomial result used by Rocks (2016). ``se`` is its square
    root (x 100). The interval is

    ``"wilson"`` (default)
        The *score* interval: like Wilson's interval for one proportion it
        inverts the score test, with the variance evaluated under each
        hypothesised NPS at the restricted maximum-likelihood shares. For a
        difference of two multinomial shares the restricted MLE has a closed
        form (Tango 1998, for the identical matched-pairs problem). Rocks (2016)
        found this "iterative score" interval among the best on real NPS data.
        Stays inside [-100, 100] and behaves well for small ``n`` and extreme
        shares.
    ``"normal"``
        Wald: ``nps +/- z se`` (clipped to [-100, 100]). Too narrow for small
        samples or when nearly everyone is a promoter.
    ``"bootstrap"``
        Percentile interval of ``n_boot`` multinomial resamples (equivalent to
        resampling respondents). Zero width when all answers fall in one class.

    Parameters
    ----------
    scores : array-like or Series
        Answers, whole numbers 0-10, no missing values.
    ci : float, default 0.95
        Confidence level.
    method : {"wilson", "normal", "bootstrap"}
        Interval method (see above).
    n_boot : int, default 2000
        Bootstrap resamples (``method="bootstrap"`` only).
    seed : int, default 0
        Seed of the bootstrap.

    Returns
    -------
    NPSResult
        ``n``, counts and shares of the three classes, ``nps``, ``se``,
        ``ci_low``, ``ci_high`` (points). ``.to_series()`` gives a Series.

    Raises
    ------
    DataError
        Empty, non-numeric, missing, out-of-range or non-integer answers.
    ParameterError
        Bad ``ci``, ``method``, ``n_boot`` or ``seed``.

    Notes
    -----
    The NPS throws information away (a 0 and a 6 count the same) and its
    claimed link to growth is disputed (Keiningham et al. 2007). Report it with
    its interval: with 200 answers the 95 % interval is typically +/- 10 points
    wide, so month-to-month moves of a few points are mostly noise.

    Examples
    --------
    >>> r = net_promoter_score([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    >>> r.n_promoters, r.n_passives, r.n_detractors
    (2, 2, 7)
    >>> round(r.nps, 2), round(r.se, 2)
    (-45.45, 23.58)
    >>> round(net_promoter_score([9, 10, 7, 3], method="normal").ci_high, 1)
    100.0
    """
    check_param("method", method, allowed=["wilson", "normal", "bootstrap"])
    z = _z(ci)
    check_param("n_boot", n_boot, kind=int, low=100)
    check_param("seed", seed, kind=int, low=0)
    values = _nps_answers(scores, "scores")
    n = values.size
    b = int((values >= 9).sum())
    c = int((values <= 6).sum())
    p_p, p_d = b / n, c / n
    d_hat = p_p - p_d
    se = float(np.sqrt(max(p_p + p_d - d_hat**2, 0.0) / n))
    if method == "normal":
        lo, hi = max(d_hat - z * se, -1.0), min(d_hat + z * se, 1.0)
    elif method == "wilson":
        lo, hi = _score_interval(b, c, n, z)
    else:
        rng = np.random.default_rng(seed)
        counts = rng.multinomial(n, [p_p, 1 - p_p - p_d, p_d], size=n_boot)
        boot = (counts[:, 0] - counts[:, 2]) / n
        lo, hi = np.quantile(boot, [0.5 - ci / 2, 0.5 + ci / 2])
    return NPSResult(n=int(n), n_promoters=b, n_passives=int(n - b - c), n_detractors=c,
                     share_promoters=p_p, share_passives=(n - b - c) / n, share_detractors=p_d,
                     nps=100 * d_hat, se=100 * se, ci_low=100 * float(lo), ci_high=100 * float(hi),
                     ci=ci, method=method)


def nps_by(survey: pd.DataFrame, by: str | Sequence[str] | pd.Series, *, score: str = "recommend",
           ci: float = 0.95, method: str = "wilson", n_boot: int = 2000,
           seed: int = 0) -> pd.DataFrame:
    """Net Promoter Score per group, with confidence intervals.

    Parameters
    ----------
    survey : DataFrame
        One row per respondent, with the 0-10 ``score`` column.
    by : str, list of str or Series
        Grouping column(s) of ``survey``, or a Series aligned with ``survey``'s
        index (e.g. a segment looked up from the customer table).
    score : str, default "recommend"
        Column of 0-10 answers.
    ci, method, n_boot, seed
        As in :func:`net_promoter_score`.

    Returns
    -------
    DataFrame
        One row per group (sorted), columns as the fields of
        :class:`NPSResult`.

    Examples
    --------
    >>> import pandas as pd
    >>> sv = pd.DataFrame({"recommend": [10, 9, 3, 8, 2, 2], "region": list("aaabbb")})
    >>> nps_by(sv, "region")[["n", "nps"]].round(1)  # doctest: +NORMALIZE_WHITESPACE
            n    nps
    region
    a       3   33.3
    b       3  -66.7
    """
    check_columns(survey, [score], "survey")
    if isinstance(by, pd.Series):
        if not by.index.equals(survey.index):
            raise DataError("by: the Series must have the same index as survey.\n"
                            "How to fix: build it from survey, e.g. "
                            "survey['customer_id'].map(customers.set_index('customer_id')"
                            "['segment']).")
        keys = by.rename(by.name if by.name is not None else "group")
        frame = pd.DataFrame({keys.name: keys.to_numpy()}, index=survey.index)
        names = [keys.name]
    else:
        names = [by] if isinstance(by, str) else list(by)
        check_columns(survey, [score, *names], "survey",
                      hint="by= names the grouping column(s).")
        frame = survey[names]
    na = frame.isna().any(axis=1).to_numpy()
    if na.any():
        _fail("survey", ", ".join(map(str, names)), f"{int(na.sum()):,} rows have a missing group.",
              "fill them (e.g. .fillna('unknown')) or drop them explicitly before the call.",
              _show(frame, na))
    values = _nps_answers(survey[score], "survey")  # checks the whole column once
    key = frame.reset_index(drop=True)
    rows = {}
    for group, idx in key.groupby(names, sort=True).indices.items():
        res = net_promoter_score(values[idx], ci=ci, method=method, n_boot=n_boot, seed=seed)
        rows[group if len(names) > 1 else (group[0] if isinstance(group, tuple) else group)] = (
            res.to_series())
    out = pd.DataFrame(rows).T
    out.index = (pd.MultiIndex.from_tuples(out.index, names=names) if len(names) > 1
                 else pd.Index(out.index, name=names[0]))
    ints = ["n", "n_promoters", "n_passives", "n_detractors"]
    floats = [c for c in out.columns if c not in ints + ["method"]]
    return out.astype(dict.fromkeys(ints, "int64") | dict.fromkeys(floats, "float64"))


# ============================================================================ behavioural loyalty


def behavioural_loyalty(
    transactions: pd.DataFrame,
    as_of=None,
    *,
    customer_id: str = "customer_id",
    date: str = "date",
) -> pd.DataFrame:
    """Behavioural loyalty per customer: repeat buying, frequency and regularity.

    A *purchase* here is a day with at least one transaction (two receipts on
    the same day are one shopping trip). The per-customer counts come from
    :func:`crm_lab.summary.aggregate_transactions` (``freq="D"``); the
    inter-purchase times are the gaps in days between consecutive purchase
    days.

    Parameters
    ----------
    transactions : DataFrame
        One row per transaction (``customer_id``, ``date``; amounts are not used).
    as_of : date-like, optional
        The analysis date (inclusive). Defaults to the last date in the log;
        later rows are excluded with an :class:`~crm_lab.summary.ExclusionWarning`.
    customer_id, date : str
        Column names.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted):

        ``first_purchase``, ``last_purchase``
            Dates.
        ``n_transactions``, ``n_purchases``
            Transactions and distinct purchase days.
        ``repeat_buyer``
            ``n_purchases >= 2``.
        ``tenure_days``
            Days from the first purchase to ``as_of``.
        ``days_since_last``
            Days from the last purchase to ``as_of`` (recency).
        ``repeat_purchases_per_year``
            ``(n_purchases - 1) / (tenure_days / 365.25)``: repeat purchases per
            year since the first purchase (the first purchase is the start of
            the relationship, not evidence of loyalty). NaN when
            ``tenure_days == 0`` (a customer acquired on ``as_of``).
        ``days_to_second_purchase``
            Gap between the first and second purchase days (NaN without one).
        ``mean_interpurchase_days``, ``median_interpurchase_days``
            Mean and median gap (NaN with fewer than 2 purchases). The mean
            equals ``(last - first) / (n_purchases - 1)``.
        ``cv_interpurchase``
            Regularity: standard deviation (``ddof=1``) of the gaps divided by
            their mean. 0 = perfectly regular (clockwork buyer), about 1 =
            as irregular as a Poisson process, above 1 = bursty. NaN with
            fewer than 2 gaps.

        ``attrs`` holds ``as_of`` and ``repeat_rate`` (the share of customers
        with a repeat purchase).

    Notes
    -----
    These are *observed* behaviours, biased by customer age: a customer
    acquired last week has had no time to repeat. Compare customers of similar
    tenure, use ``repeat_rate(..., within_days=...)``, or use the models of
    :mod:`crm_lab.clv`, which account for age.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 1, 2],
    ...                    "date": ["2024-01-01", "2024-01-11", "2024-01-11", "2024-01-31",
    ...                             "2024-01-20"]})
    >>> b = behavioural_loyalty(tx, as_of="2024-12-31")
    >>> b[["n_purchases", "mean_interpurchase_days", "cv_interpurchase"]].round(3)
    ... # doctest: +NORMALIZE_WHITESPACE
                 n_purchases  mean_interpurchase_days  cv_interpurchase
    customer_id
    1                      3                     15.0             0.471
    2                      1                      NaN               NaN
    >>> b.attrs["repeat_rate"]
    0.5
    """
    frame = check_transactions(transactions, customer_id=customer_id, date=date, amount=None)
    last = pd.Timestamp(frame["date"].max())
    as_of = last if as_of is None else as_timestamp("as_of", as_of)
    frame = exclude_after(frame, as_of, "as_of")
    agg = _aggregate(frame, "D", as_of)
    n_cust = len(agg)

    # distinct (customer, day) pairs sorted by customer, then day -> gaps in date order
    codes = agg.index.get_indexer(frame["customer_id"].to_numpy()).astype(np.int64)
    day = period_numbers(frame["date"].to_numpy(), "D")
    day = day - day.min()
    span = np.int64(day.max() + 1)
    key = np.unique(codes * span + day)
    cust, d = key // span, key % span
    same = cust[1:] == cust[:-1]
    gap = (d[1:] - d[:-1])[same].astype(float)
    gcust = cust[1:][same]
    n_gaps = np.bincount(gcust, minlength=n_cust)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(gcust, weights=gap, minlength=n_cust) / n_gaps
        ss = np.bincount(gcust, weights=(gap - mean[gcust]) ** 2, minlength=n_cust)
        sd = np.where(n_gaps >= 2, np.sqrt(ss / (n_gaps - 1)), np.nan)
    start = np.cumsum(n_gaps) - n_gaps
    has = n_gaps > 0
    order = np.lexsort((gap, gcust))  # gaps sorted within customer
    sorted_gap = gap[order]
    median = np.full(n_cust, np.nan)
    median[has] = (sorted_gap[start[has] + (n_gaps[has] - 1) // 2]
                   + sorted_gap[start[has] + n_gaps[has] // 2]) / 2
    second = np.full(n_cust, np.nan)
    second[has] = gap[start[has]]

    n_purchases = agg["n_periods"].to_numpy()
    tenure = agg["periods_since_first"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        per_year = np.where(tenure > 0, (n_purchases - 1) / (tenure / _DAYS_PER_YEAR), np.nan)
    out = pd.DataFrame({
        "first_purchase": agg["first_purchase"], "last_purchase": agg["last_purchase"],
        "n_transactions": agg["n_transactions"], "n_purchases": n_purchases,
        "repeat_buyer": n_purchases >= 2, "tenure_days": tenure,
        "days_since_last": agg["periods_since_last"].to_numpy(),
        "repeat_purchases_per_year": per_year, "days_to_second_purchase": second,
        "mean_interpurchase_days": mean, "median_interpurchase_days": median,
        "cv_interpurchase": sd / mean,
    }, index=agg.index)
    out.attrs.update({"as_of": as_of, "repeat_rate": float((n_purchases >= 2).mean())})
    return out


def repeat_rate(behaviour: pd.DataFrame, *, within_days: int | None = None) -> float:
    """Share of customers who bought again, optionally within a time window.

    Parameters
    ----------
    behaviour : DataFrame
        Output of :func:`behavioural_loyalty`.
    within_days : int, optional
        Count a customer as a repeat buyer only if the second purchase came at
        most this many days after the first. Customers with
        ``tenure_days < within_days`` are left out (they have not had the full
        window yet), which makes cohorts of different age comparable.

    Returns
    -------
    float
        The repeat rate (0-1).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 2, 3],
    ...                    "date": ["2024-01-01", "2024-01-20", "2024-01-01", "2024-06-01",
    ...                             "2024-12-30"]})
    >>> b = behavioural_loyalty(tx, as_of="2024-12-31")
    >>> round(repeat_rate(b), 3), repeat_rate(b, within_days=90)
    (0.667, 0.5)
    """
    need = ["n_purchases", "tenure_days", "days_to_second_purchase"]
    check_columns(behaviour, need, "behaviour",
                  hint="Pass the output of crm_lab.loyalty.behavioural_loyalty.")
    if within_days is None:
        return float((behaviour["n_purchases"] >= 2).mean())
    check_param("within_days", within_days, kind=int, low=1)
    eligible = behaviour["tenure_days"].to_numpy() >= within_days
    if not eligible.any():
        raise ParameterError(f"parameter 'within_days' ({within_days}) is longer than every "
                             "customer's tenure; choose a shorter window or a later as_of.")
    second = behaviour["days_to_second_purchase"].to_numpy()[eligible]
    return float(np.mean(second <= within_days))


def share_of_category(
    line_items: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    category: str = "category",
    price: str = "price",
    transaction_id: str = "transaction_id",
    customer_id: str = "customer_id",
    date: str = "date",
    as_of=None,
    normalize: bool = True,
) -> pd.DataFrame:
    """Each customer's spend split over product categories (share of category spend).

    Line items are joined to their transaction to find the customer; a
    customer's spend in a category is the sum of the line prices.

    This is *not* share of wallet. Share of wallet is our spend divided by the
    customer's total spend in the category **at all suppliers** (us and
    competitors); CRM data only see our side. Where a survey asks customers for
    their total category spend, use :func:`share_of_wallet`. What CRM data can
    show is how concentrated a customer's spend with us is, and in which
    categories we have room to cross-sell.

    Parameters
    ----------
    line_items : DataFrame
        One row per product in a basket: ``transaction_id``, ``category``,
        ``price`` (non-negative).
    transactions : DataFrame
        The transaction log: ``transaction_id`` (unique), ``customer_id``,
        ``date``.
    category, price, transaction_id, customer_id, date : str
        Column names.
    as_of : date-like, optional
        Leave out transactions after this date (with an
        :class:`~crm_lab.summary.ExclusionWarning`). Default: use all.
    normalize : bool, default True
        Return shares (rows sum to 1). ``False`` returns spend amounts.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (customers in ``transactions``, sorted), one
        column per category (sorted, ``columns.name="category"``). Rows of
        customers without any line-item spend are NaN when ``normalize``.

    Raises
    ------
    DataError
        Missing columns, missing ids or categories, negative or missing
        prices, duplicate transaction ids, line items whose transaction is not
        in ``transactions``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"transaction_id": [1, 2, 3], "customer_id": ["a", "a", "b"],
    ...                    "date": ["2024-01-01", "2024-02-01", "2024-01-05"]})
    >>> li = pd.DataFrame({"transaction_id": [1, 1, 2, 3],
    ...                    "category": ["books", "toys", "books", "toys"],
    ...                    "price": [10.0, 30.0, 60.0, 5.0]})
    >>> share_of_category(li, tx)  # doctest: +NORMALIZE_WHITESPACE
    category     books  toys
    customer_id
    a              0.7   0.3
    b              0.0   1.0
    """
    check_param("normalize", normalize, kind=bool)
    tx = check_transactions(transactions, customer_id=customer_id, date=date, amount=None,
                            transaction_id=transaction_id)
    check_columns(line_items, [transaction_id, category, price], "line_items")
    _check_ids(line_items, transaction_id, "line_items", unique=False)
    prices = _to_numeric(line_items, price, "line_items", what="prices").to_numpy()
    neg = prices < 0
    if neg.any():
        _fail("line_items", price, f"{int(neg.sum()):,} rows have negative prices (returns?).",
              "net out returns against their purchases or drop them before the call.",
              _show(line_items, neg))
    cats = line_items[category]
    na = cats.isna().to_numpy()
    if na.any():
        _fail("line_items", category, f"{int(na.sum()):,} rows have a missing category.",
              "fill them (e.g. .fillna('unknown')) or drop them explicitly.",
              _show(line_items, na))
    pos = pd.Index(tx["transaction_id"]).get_indexer(line_items[transaction_id])
    orphan = pos < 0
    if orphan.any():
        _fail("line_items", transaction_id, f"{int(orphan.sum()):,} line items belong to no "
              "transaction in the transactions table.",
              "pass the matching transaction log, or drop line items of transactions that are "
              "not in it.", _show(line_items, orphan))
    if as_of is not None:
        kept = exclude_after(tx, as_timestamp("as_of", as_of), "as_of")
        keep_tx = np.zeros(len(tx), dtype=bool)
        keep_tx[pd.Index(tx["transaction_id"]).get_indexer(kept["transaction_id"])] = True
        tx_ids = tx["customer_id"].to_numpy()[keep_tx]
    else:
        keep_tx = np.ones(len(tx), dtype=bool)
        tx_ids = tx["customer_id"].to_numpy()
    line_keep = keep_tx[pos]
    cust_codes, cust_uniques = pd.factorize(tx_ids, sort=True)
    tx_cust = np.full(len(tx), -1, dtype=np.int64)
    tx_cust[keep_tx] = cust_codes
    cat_codes, cat_uniques = pd.factorize(cats.to_numpy()[line_keep], sort=True)
    n_c, n_k = len(cust_uniques), len(cat_uniques)
    spend = np.bincount(tx_cust[pos[line_keep]] * n_k + cat_codes, weights=prices[line_keep],
                        minlength=n_c * n_k).reshape(n_c, n_k)
    if normalize:
        total = spend.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            spend = np.where(total > 0, spend / total, np.nan)
    return pd.DataFrame(spend, index=pd.Index(cust_uniques, name="customer_id"),
                        columns=pd.Index(cat_uniques, name="category"))


def share_of_wallet(own_spend: pd.Series, category_spend: pd.Series) -> pd.Series:
    """Share of wallet: our spend divided by the customer's total category spend.

    ``category_spend`` (the *wallet*) must include spend at competitors, which
    transaction data do not show: it usually comes from a survey question
    ("How much do you spend on groceries in a typical month, at all
    stores?") or from a panel. Both Series must cover the same period.

    Parameters
    ----------
    own_spend : Series
        Spend with us per customer (index = customer id).
    category_spend : Series
        Total category spend per customer at all suppliers, same index.

    Returns
    -------
    Series
        ``share_of_wallet`` in [0, 1], indexed like ``own_spend``.

    Examples
    --------
    >>> import pandas as pd
    >>> share_of_wallet(pd.Series([30.0, 50.0]), pd.Series([100.0, 50.0])).tolist()
    [0.3, 1.0]
    """
    for name, s in (("own_spend", own_spend), ("category_spend", category_spend)):
        if not isinstance(s, pd.Series):
            raise DataError(f"{name}: expected a pandas Series indexed by customer id, got "
                            f"{type(s).__name__}.\nHow to fix: pass one column, e.g. "
                            "df.set_index('customer_id')['spend'].")
    if not own_spend.index.equals(category_spend.index):
        raise DataError("category_spend: its index differs from own_spend's.\n"
                        "How to fix: align them first, e.g. category_spend.reindex("
                        "own_spend.index), and decide explicitly what to do with gaps.")
    own = _to_numeric(own_spend.rename("own_spend").to_frame(), "own_spend", "own_spend")
    wallet = _to_numeric(category_spend.rename("category_spend").to_frame(), "category_spend",
                         "category_spend")
    for name, s in (("own_spend", own), ("category_spend", wallet)):
        if (s < 0).any():
            _fail(name, None, f"{int((s < 0).sum()):,} negative values.",
                  "spend cannot be negative; net out returns first.")
    bad = (wallet < own).to_numpy() | (wallet.to_numpy() == 0)
    if bad.any():
        _fail("category_spend", None, f"{int(bad.sum()):,} customers have a wallet of 0 or "
              "smaller than their spend with us.",
              "the wallet is total category spend at all suppliers, so it is at least our own "
              "spend; check that both cover the same period and currency.",
              pd.DataFrame({"own_spend": own, "category_spend": wallet}).loc[bad].head()
              .to_string())
    return pd.Series(own.to_numpy() / wallet.to_numpy(), index=own_spend.index,
                     name="share_of_wallet")


# ============================================================================ attitude x behaviour


def survey_score(survey: pd.DataFrame, items: Sequence[str], *, name: str = "score",
                 customer_id: str = "customer_id",
                 scale: tuple[float, float] = (1, 10)) -> pd.Series:
    """Mean of survey items per respondent (a simple summated scale).

    Parameters
    ----------
    survey : DataFrame
        One row per respondent, ids unique.
    items : sequence of str
        Item columns, all on the same ``scale``.
    name : str
        Name of the returned Series.
    customer_id : str
        Id column.
    scale : (low, high)
        Answer range; answers outside it are an error.

    Returns
    -------
    Series
        Indexed by ``customer_id``, on the items' scale.

    Examples
    --------
    >>> import pandas as pd
    >>> sv = pd.DataFrame({"customer_id": [7, 8], "s1": [6, 9], "s2": [8, 10]})
    >>> survey_score(sv, ["s1", "s2"], name="satisfaction").tolist()
    [7.0, 9.5]
    """
    items = list(items)
    if not items:
        raise ParameterError("parameter 'items' must name at least one item column.")
    check_param("name", name, kind=str)
    check_customers(survey, customer_id=customer_id, required=items, table="survey")
    values = check_survey(survey, items, scale=scale)
    return pd.Series(values.to_numpy().mean(axis=1),
                     index=pd.Index(survey[customer_id].to_numpy(), name="customer_id"),
                     name=name)


def attitudinal_loyalty(survey: pd.DataFrame,
                        items: Sequence[str] = ("loyalty_1", "loyalty_2", "loyalty_3"), *,
                        customer_id: str = "customer_id",
                        scale: tuple[float, float] = (1, 10)) -> pd.Series:
    """Attitudinal loyalty: the mean of the survey's loyalty items per respondent.

    The simulated survey's items (repurchase intention, price tolerance,
    recommendation intention, on a 1-10 scale) follow the ACSI/ECSI loyalty
    construct. Dick & Basu (1994) ask for *relative* attitude (towards us
    compared with alternatives); with one-brand surveys the loyalty items are the
    usual stand-in.

    Parameters
    ----------
    survey : DataFrame
        One row per respondent.
    items : sequence of str
        Loyalty item columns.
    customer_id : str
        Id column (unique).
    scale : (low, high)
        Answer range.

    Returns
    -------
    Series
        ``attitudinal_loyalty`` indexed by ``customer_id``.

    Examples
    --------
    >>> import pandas as pd
    >>> sv = pd.DataFrame({"customer_id": [1, 2], "loyalty_1": [8, 3], "loyalty_2": [9, 4],
    ...                    "loyalty_3": [7, 2]})
    >>> attitudinal_loyalty(sv).tolist()
    [8.0, 3.0]
    """
    return survey_score(survey, items, name="attitudinal_loyalty", customer_id=customer_id,
                        scale=scale)


#: Dick & Basu's (1994) four loyalty conditions, in the order of their 2 x 2 table.
LOYALTY_CLASSES = ("true loyalty", "latent loyalty", "spurious loyalty", "no loyalty")


@dataclass
class LoyaltyMatrix:
    """Result of :func:`loyalty_matrix`.

    Attributes
    ----------
    customers : DataFrame
        Per customer: ``attitude``, ``behaviour``, ``high_attitude``,
        ``high_behaviour`` and ``loyalty_class`` (ordered categorical of
        :data:`LOYALTY_CLASSES`).
    counts : DataFrame
        The 2 x 2 table of counts: rows ``relative attitude`` (high, low),
        columns ``repeat patronage`` (high, low), as drawn by Dick & Basu.
    summary : DataFrame
        Per class: ``n``, ``share``, ``mean_attitude``, ``mean_behaviour``.
    attitude_cut, behaviour_cut : float
        The cuts used ("high" means strictly above the cut).
    """

    customers: pd.DataFrame
    counts: pd.DataFrame
    summary: pd.DataFrame
    attitude_cut: float
    behaviour_cut: float

    def __repr__(self) -> str:
        shares = ", ".join(f"{k}={v:.0%}" for k, v in self.summary["share"].items())
        return (f"LoyaltyMatrix(n={len(self.customers)}, attitude_cut={self.attitude_cut:.3g}, "
                f"behaviour_cut={self.behaviour_cut:.3g}, {shares})")


def _as_series(name: str, s) -> pd.Series:
    if not isinstance(s, pd.Series):
        raise DataError(f"{name}: expected a pandas Series indexed by customer_id, got "
                        f"{type(s).__name__}.\nHow to fix: e.g. attitudinal_loyalty(survey) or "
                        "behavioural_loyalty(tx)['repeat_purchases_per_year'].")
    if s.index.has_duplicates:
        raise DataError(f"{name}: the index (customer ids) has duplicates.\n"
                        "How to fix: one value per customer; aggregate or deduplicate first.")
    return s


def _align(a: pd.Series, b: pd.Series, names: tuple[str, str]) -> tuple[pd.Series, pd.Series]:
    """Inner-join two per-customer Series, warning about customers in only one of them."""
    common = a.index[a.index.isin(b.index)]
    n_a, n_b = len(a) - len(common), len(b) - len(common)
    if len(common) == 0:
        raise DataError(f"{names[0]} and {names[1]} share no customer id.\n"
                        "How to fix: check that both are indexed by the same customer ids "
                        "(e.g. survey respondents and their transactions).")
    if n_a or n_b:
        warnings.warn(f"{n_a:,} customer(s) only in {names[0]} and {n_b:,} only in {names[1]} "
                      f"were left out; {len(common):,} remain.", ExclusionWarning, stacklevel=3)
    return a.loc[common], b.loc[common]


def _checked(name: str, s: pd.Series) -> np.ndarray:
    col = str(s.name) if s.name is not None else name
    frame = pd.DataFrame({col: s.to_numpy()}, index=s.index)
    return _to_numeric(frame, col, name, what="values").to_numpy()


def _cut(name: str, cut, values: np.ndarray) -> float:
    if cut is None:
        return float(np.median(values))
    check_param(name, cut, kind=(int, float))
    if not np.isfinite(cut):
        raise ParameterError(f"parameter {name!r} must be finite, got {cut!r}.")
    return float(cut)


def loyalty_matrix(attitude: pd.Series, behaviour: pd.Series, *, attitude_cut: float | None = None,
                   behaviour_cut: float | None = None) -> LoyaltyMatrix:
    """Dick & Basu's (1994) attitude x patronage matrix: four kinds of loyalty.

    ===================  ====================  ====================
    relative attitude    high repeat patronage low repeat patronage
    ===================  ====================  ====================
    high                 true loyalty          latent loyalty
    low                  spurious loyalty      no loyalty
    ===================  ====================  ====================

    *Latent* loyals like us but buy little (convenience, price, habit or
    availability hold them back: remove the obstacle). *Spurious* loyals buy
    out of inertia or lack of alternatives and leave when a competitor makes it
    easy (strengthen the attitude).

    Parameters
    ----------
    attitude : Series
        Attitudinal loyalty per customer, e.g. :func:`attitudinal_loyalty`.
    behaviour : Series
        Behavioural loyalty per customer, e.g.
        ``behavioural_loyalty(tx)["repeat_purchases_per_year"].dropna()`` (the rate is
        NaN for a customer acquired on the analysis date, and a NaN is refused here;
        customers dropped that way are counted in the warning about customers found
        only in ``attitude``).
    attitude_cut, behaviour_cut : float, optional
        A customer is *high* when strictly above the cut. Default: the median
        of the customers in both Series (a median split; customers at the
        median count as low, as with ``pandas.qcut``). Medians make the
        classes *relative to this customer base*; pass absolute cuts (e.g. 7 on
        a 1-10 scale, 4 purchases a year) to compare bases or years.

    Returns
    -------
    LoyaltyMatrix
        ``customers`` (per-customer classes), ``counts`` (2 x 2 table),
        ``summary`` (per class) and the cuts.

    Warns
    -----
    ExclusionWarning
        When some customers appear in only one of the two Series (they are
        left out; typically non-respondents).

    Examples
    --------
    >>> import pandas as pd
    >>> att = pd.Series([9.0, 8.0, 2.0, 3.0], index=[1, 2, 3, 4])
    >>> beh = pd.Series([6.0, 0.5, 5.0, 1.0], index=[1, 2, 3, 4])
    >>> m = loyalty_matrix(att, beh)
    >>> m.customers["loyalty_class"].tolist()
    ['true loyalty', 'latent loyalty', 'spurious loyalty', 'no loyalty']
    >>> m.counts  # doctest: +NORMALIZE_WHITESPACE
    repeat patronage   high  low
    relative attitude
    high                  1    1
    low                   1    1
    """
    attitude = _as_series("attitude", attitude)
    behaviour = _as_series("behaviour", behaviour)
    att_s, beh_s = _align(attitude, behaviour, ("attitude", "behaviour"))
    att, beh = _checked("attitude", att_s), _checked("behaviour", beh_s)
    a_cut = _cut("attitude_cut", attitude_cut, att)
    b_cut = _cut("behaviour_cut", behaviour_cut, beh)
    hi_a, hi_b = att > a_cut, beh > b_cut
    label = np.select([hi_a & hi_b, hi_a & ~hi_b, ~hi_a & hi_b], LOYALTY_CLASSES[:3],
                      LOYALTY_CLASSES[3])
    idx = pd.Index(att_s.index, name="customer_id")
    customers = pd.DataFrame({
        "attitude": att, "behaviour": beh, "high_attitude": hi_a, "high_behaviour": hi_b,
        "loyalty_class": pd.Categorical(label, categories=LOYALTY_CLASSES, ordered=True)},
        index=idx)
    levels = ["high", "low"]
    counts = pd.DataFrame(
        [[int((hi_a & hi_b).sum()), int((hi_a & ~hi_b).sum())],
         [int((~hi_a & hi_b).sum()), int((~hi_a & ~hi_b).sum())]],
        index=pd.Index(levels, name="relative attitude"),
        columns=pd.Index(levels, name="repeat patronage"))
    g = customers.groupby("loyalty_class", observed=False)
    summary = pd.DataFrame({"n": g.size(), "mean_attitude": g["attitude"].mean(),
                            "mean_behaviour": g["behaviour"].mean()})
    summary.insert(1, "share", summary["n"] / len(customers))
    summary.index = pd.CategoricalIndex(summary.index, categories=LOYALTY_CLASSES, ordered=True,
                                        name="loyalty_class")
    return LoyaltyMatrix(customers=customers, counts=counts, summary=summary,
                         attitude_cut=a_cut, behaviour_cut=b_cut)


# ============================================================================ satisfaction-loyalty


def _pair(satisfaction, loyalty) -> tuple[np.ndarray, np.ndarray]:
    both = isinstance(satisfaction, pd.Series) and isinstance(loyalty, pd.Series)
    if both:
        satisfaction = _as_series("satisfaction", satisfaction)
        loyalty = _as_series("loyalty", loyalty)
        satisfaction, loyalty = _align(satisfaction, loyalty, ("satisfaction", "loyalty"))
    else:
        for name, v in (("satisfaction", satisfaction), ("loyalty", loyalty)):
            if isinstance(v, pd.DataFrame):
                raise DataError(f"{name}: expected one column of values, got a DataFrame.\n"
                                "How to fix: pass one column or a score from survey_score().")
        satisfaction = pd.Series(np.asarray(satisfaction), name="satisfaction")
        loyalty = pd.Series(np.asarray(loyalty), name="loyalty")
        if len(satisfaction) != len(loyalty):
            raise DataError(f"satisfaction has {len(satisfaction):,} values but loyalty has "
                            f"{len(loyalty):,}.\nHow to fix: pass two Series indexed by "
                            "customer_id (they are then aligned) or arrays of equal length.")
        if len(satisfaction) == 0:
            raise DataError("satisfaction: no values (empty).\nHow to fix: pass at least one "
                            "respondent.")
    if pd.api.types.is_bool_dtype(loyalty):
        loyalty = loyalty.astype(float)
    return _checked("satisfaction", satisfaction), _checked("loyalty", loyalty)


def satisfaction_loyalty_curve(satisfaction, loyalty, *, method: str = "binned",
                               bins: int | Sequence[float] = 10, ci: float = 0.95,
                               frac: float = 0.5, n_boot: int = 200,
                               seed: int = 0) -> pd.DataFrame:
    """Mean loyalty (or retention rate) at each level of satisfaction, with intervals.

    This is the *data* side of Jones & Sasser (1995): it estimates the curve
    from customers' satisfaction and their loyalty, e.g. the simulated survey's
    satisfaction score against its loyalty score, or against behaviour from the
    transaction log (``repeat_buyer``, active in the last 180 days ...). When
    ``loyalty`` holds only 0 and 1 (or booleans) the curve is a *rate* and its
    interval is Wilson's; otherwise it is a mean with a t interval.

    Parameters
    ----------
    satisfaction, loyalty : Series or array-like
        One value per customer. Two Series are aligned on their index
        (customers in only one are left out with an
        :class:`~crm_lab.summary.ExclusionWarning`); arrays are paired by
        position.
    method : {"binned", "lowess"}
        ``"binned"``: mean per satisfaction bin (a transparent table; empty
        bins are left out). ``"lowess"``: a local linear smooth (statsmodels
        ``lowess``, no robustness iterations, so it estimates the mean) at
        ``bins`` evenly spaced points, with a percentile bootstrap band over
        ``n_boot`` resamples of customers.
    bins : int or sequence of float, default 10
        Number of equal-width bins over the observed range (or, for lowess,
        evaluation points), or the bin edges (increasing, covering all values;
        bins are ``[e_k, e_k+1)``, the last one closed).
    ci : float, default 0.95
        Confidence level.
    frac : float, default 0.5
        Share of the data in each local fit (lowess only).
    n_boot, seed : int
        Bootstrap resamples and seed (lowess only).

    Returns
    -------
    DataFrame
        ``satisfaction`` (the mean satisfaction in the bin, or the grid point),
        ``loyalty`` (mean or rate), ``ci_low``, ``ci_high``; binned curves also
        have ``bin_low``, ``bin_high``, ``n`` and ``se``. ``attrs`` hold
        ``method``, ``outcome`` (``"mean"`` or ``"rate"``), ``ci`` and ``n``.

    See Also
    --------
    loyalty_zones : label the zones of the curve.
    competitive_curve : stylised curves for high- and low-competition markets.

    Examples
    --------
    >>> sat = [2, 3, 5, 6, 8, 9, 9, 10]
    >>> stay = [0, 0, 0, 1, 1, 1, 1, 1]
    >>> c = satisfaction_loyalty_curve(sat, stay, bins=[1, 5, 8, 10.5])
    >>> c[["satisfaction", "n", "loyalty"]]  # doctest: +NORMALIZE_WHITESPACE
         satisfaction  n  loyalty
    bin
    0             2.5  2      0.0
    1             5.5  2      0.5
    2             9.0  4      1.0
    >>> c.attrs["outcome"]
    'rate'
    """
    check_param("method", method, allowed=["binned", "lowess"])
    z = _z(ci)
    x, y = _pair(satisfaction, loyalty)
    outcome = "rate" if np.isin(y, [0.0, 1.0]).all() else "mean"
    attrs = {"method": method, "outcome": outcome, "ci": ci, "n": int(x.size)}
    if method == "lowess":
        check_param("bins", bins, kind=int, low=2, hint="For lowess, bins is the number of "
                    "evaluation points.")
        check_param("frac", frac, kind=float, low=0.05, high=1.0)
        check_param("n_boot", n_boot, kind=int, low=20)
        check_param("seed", seed, kind=int, low=0)
        from statsmodels.nonparametric.smoothers_lowess import lowess

        grid = np.linspace(x.min(), x.max(), bins)
        fit = lowess(y, x, frac=frac, it=0, xvals=grid)
        rng = np.random.default_rng(seed)
        boot = np.empty((n_boot, grid.size))
        for i in range(n_boot):
            idx = rng.integers(0, x.size, x.size)
            boot[i] = lowess(y[idx], x[idx], frac=frac, it=0, xvals=grid)
        lo, hi = np.nanquantile(boot, [0.5 - ci / 2, 0.5 + ci / 2], axis=0)
        out = pd.DataFrame({"satisfaction": grid, "loyalty": fit, "ci_low": lo, "ci_high": hi},
                           index=pd.RangeIndex(grid.size, name="point"))
        out.attrs.update(attrs)
        return out

    if isinstance(bins, (int, np.integer)) and not isinstance(bins, bool):
        check_param("bins", bins, kind=int, low=1)
        lo_x, hi_x = float(x.min()), float(x.max())
        edges = (np.linspace(lo_x, hi_x, bins + 1) if hi_x > lo_x
                 else np.array([lo_x - 0.5, lo_x + 0.5]))
    else:
        edges = _number("bins", bins)
        if edges.size < 2 or (np.diff(edges) <= 0).any():
            raise ParameterError(f"parameter 'bins' must be an int or at least two increasing "
                                 f"edges, got {bins!r}.")
        outside = (x < edges[0]) | (x > edges[-1])
        if outside.any():
            raise ParameterError(f"parameter 'bins': {int(outside.sum()):,} satisfaction values "
                                 f"lie outside the edges [{edges[0]}, {edges[-1]}]; widen them.")
    k = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, edges.size - 2)
    nb = edges.size - 1
    n = np.bincount(k, minlength=nb)
    keep = n > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = np.bincount(k, weights=x, minlength=nb) / n
        my = np.bincount(k, weights=y, minlength=nb) / n
        ss = np.bincount(k, weights=(y - my[k]) ** 2, minlength=nb)
        if outcome == "rate":
            se = np.sqrt(my * (1 - my) / n)
            centre = (my + z**2 / (2 * n)) / (1 + z**2 / n)
            half = z * np.sqrt(my * (1 - my) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
            lo, hi = centre - half, centre + half
        else:
            se = np.where(n > 1, np.sqrt(ss / np.maximum(n - 1, 1) / n), np.nan)
            t = stats.t.ppf(0.5 + ci / 2, np.maximum(n - 1, 1))
            lo, hi = my - t * se, my + t * se
    out = pd.DataFrame({"satisfaction": mx, "bin_low": edges[:-1], "bin_high": edges[1:],
                        "n": n, "loyalty": my, "se": se, "ci_low": lo, "ci_high": hi})[keep]
    out.index = pd.RangeIndex(int(keep.sum()), name="bin")
    out.attrs.update(attrs)
    return out


#: Jones & Sasser's zones, from low to high satisfaction.
ZONES = ("zone of defection", "zone of indifference", "zone of affection")


def loyalty_zones(curve: pd.DataFrame | pd.Series, *,
                  thresholds: tuple[float, float] | None = None,
                  scale: tuple[float, float] = (1, 10),
                  column: str = "satisfaction") -> pd.DataFrame | pd.Series:
    """Label satisfaction levels with Jones & Sasser's zones of loyalty.

    In the satisfaction-loyalty figure of Heskett et al. (1994) and Jones &
    Sasser (1995), drawn on a 1-5 satisfaction scale, the *zone of defection*
    lies below 2 (the very dissatisfied leave, some become "terrorists"), the
    *zone of indifference* from 2 to 4 (merely satisfied customers switch
    easily) and the *zone of affection* from 4 to 5 (the completely satisfied
    stay and recommend: "apostles"). The default thresholds carry those points
    to any scale by position: 25 % and 75 % of the way from ``scale[0]`` to
    ``scale[1]`` (3.25 and 7.75 on 1-10). They are a convention for reading a
    curve, not estimated from it; pass your own ``thresholds`` where the curve
    shows its kinks elsewhere.

    Zones: ``s < t1`` defection, ``t1 <= s < t2`` indifference, ``s >= t2``
    affection.

    Parameters
    ----------
    curve : DataFrame or Series
        A frame with a ``column`` of satisfaction levels (e.g. from
        :func:`satisfaction_loyalty_curve` or :func:`competitive_curve`), or a
        Series of satisfaction scores.
    thresholds : (t1, t2), optional
        Zone boundaries on the satisfaction scale, ``t1 < t2``.
    scale : (low, high), default (1, 10)
        The satisfaction scale (used only for the default thresholds).
    column : str
        Satisfaction column of a frame.

    Returns
    -------
    DataFrame or Series
        A copy of the frame with an ordered categorical ``zone`` column (or a
        Series named ``zone``); ``attrs["thresholds"]`` holds ``(t1, t2)``.

    Examples
    --------
    >>> import pandas as pd
    >>> loyalty_zones(pd.Series([2.0, 5.0, 9.0])).tolist()
    ['zone of defection', 'zone of indifference', 'zone of affection']
    """
    if len(scale) != 2 or not scale[0] < scale[1]:
        raise ParameterError(f"parameter 'scale' must be (low, high) with low < high, "
                             f"got {scale!r}.")
    if thresholds is None:
        lo, hi = scale
        thresholds = (lo + 0.25 * (hi - lo), lo + 0.75 * (hi - lo))
    t = _number("thresholds", thresholds)
    if t.size != 2 or not t[0] < t[1]:
        raise ParameterError(f"parameter 'thresholds' must be two increasing numbers (t1, t2), "
                             f"got {thresholds!r}.")
    if isinstance(curve, pd.Series):
        s = _checked("satisfaction", curve)
    else:
        check_columns(curve, [column], "curve")
        s = _to_numeric(curve, column, "curve", what="satisfaction levels").to_numpy()
    code = np.searchsorted(t, s, side="right")
    zone = pd.Categorical.from_codes(code, categories=list(ZONES), ordered=True)
    if isinstance(curve, pd.Series):
        out = pd.Series(zone, index=curve.index, name="zone")
    else:
        out = curve.copy()
        out["zone"] = zone
    out.attrs["thresholds"] = (float(t[0]), float(t[1]))
    return out


#: Parameters of the stylised curves of :func:`competitive_curve` (position ``u`` in 0-1 on the
#: satisfaction scale; retention = floor + (ceiling - floor) * expit(slope * (u - midpoint))).
COMPETITION_PRESETS: dict[str, dict[str, float]] = {
    # autos, personal computers: many substitutes, low switching costs
    "high": {"floor": 0.05, "ceiling": 0.90, "midpoint": 0.80, "slope": 12.0},
    # local telephone, airlines: regulation, few substitutes, switching costs, loyalty programmes
    "low": {"floor": 0.60, "ceiling": 0.95, "midpoint": 0.40, "slope": 6.0},
}


def competitive_curve(satisfaction=None, competition: str = "high", *,
                      scale: tuple[float, float] = (1, 10), floor: float | None = None,
                      ceiling: float | None = None, midpoint: float | None = None,
                      slope: float | None = None) -> pd.DataFrame:
    """A *stylised* satisfaction-retention curve for a high- or low-competition market.

    This is an illustration, not an estimate. Jones & Sasser (1995) contrast
    highly competitive markets (automobiles, personal computers: many
    substitutes, low switching costs), where only *completely* satisfied
    customers are loyal and merely satisfied ones defect, with less
    competitive ones (local telephone, airlines: regulation, few alternatives,
    high switching costs, frequent-flyer programmes), where even dissatisfied
    customers stay (spurious loyalty, until the market opens up).

    The model: with ``u = (s - low) / (high - low)`` the position on the
    satisfaction scale,

    ``retention(s) = floor + (ceiling - floor) / (1 + exp(-slope (u - midpoint)))``

    ``floor`` is the retention of the most dissatisfied (what switching costs
    keep), ``ceiling`` that of the completely satisfied, ``midpoint`` where
    half of the rise has happened and ``slope`` how sharp it is. The presets
    (:data:`COMPETITION_PRESETS`) were chosen by eye to reproduce the
    qualitative shapes of Jones & Sasser's figure; they are not estimated from
    any data.

    Parameters
    ----------
    satisfaction : array-like, optional
        Satisfaction levels; default 91 points spanning ``scale``.
    competition : {"high", "low"}
        Which preset to start from.
    scale : (low, high), default (1, 10)
        The satisfaction scale.
    floor, ceiling, midpoint, slope : float, optional
        Override the preset (``0 <= floor < ceiling <= 1``, ``midpoint`` in
        [0, 1], ``slope > 0``).

    Returns
    -------
    DataFrame
        ``satisfaction``, ``retention`` (0-1) and ``competition``;
        ``attrs["params"]`` holds the four parameters.

    Examples
    --------
    >>> hi = competitive_curve([1, 5.5, 10], "high")
    >>> lo = competitive_curve([1, 5.5, 10], "low")
    >>> hi["retention"].round(2).tolist(), lo["retention"].round(2).tolist()
    ([0.05, 0.07, 0.83], [0.63, 0.83, 0.94])
    """
    check_param("competition", competition, allowed=list(COMPETITION_PRESETS))
    if len(scale) != 2 or not scale[0] < scale[1]:
        raise ParameterError(f"parameter 'scale' must be (low, high) with low < high, "
                             f"got {scale!r}.")
    lo, hi = float(scale[0]), float(scale[1])
    s = np.linspace(lo, hi, 91) if satisfaction is None else _number("satisfaction", satisfaction)
    if ((s < lo) | (s > hi)).any():
        raise ParameterError(f"parameter 'satisfaction' must lie on the scale {scale}, "
                             f"got values from {s.min()} to {s.max()}.")
    params = dict(COMPETITION_PRESETS[competition])
    for name, value in (("floor", floor), ("ceiling", ceiling), ("midpoint", midpoint),
                        ("slope", slope)):
        if value is not None:
            check_param(name, value, kind=(int, float))
            params[name] = float(value)
    if not 0 <= params["floor"] < params["ceiling"] <= 1:
        raise ParameterError(f"parameters 'floor' and 'ceiling' must satisfy "
                             f"0 <= floor < ceiling <= 1, got {params['floor']} and "
                             f"{params['ceiling']}.")
    check_param("midpoint", params["midpoint"], low=0, high=1)
    if params["slope"] <= 0:
        raise ParameterError(f"parameter 'slope' must be > 0, got {params['slope']}.")
    u = (s - lo) / (hi - lo)
    ret = params["floor"] + (params["ceiling"] - params["floor"]) * special.expit(
        params["slope"] * (u - params["midpoint"]))
    out = pd.DataFrame({"satisfaction": s, "retention": ret, "competition": competition})
    out.attrs["params"] = params
    return out


# ============================================================================ retention economics


def _clv(m: np.ndarray, r: np.ndarray, d: np.ndarray, g: np.ndarray,
         horizon: int | None) -> np.ndarray:
    """Expected discounted margin of a new customer, margins at the end of periods 1, 2, ..."""
    if horizon is None:
        if (g == 0).all():
            return np.asarray(simple_clv(m, r, d), dtype=float)
        grow = r * (1 + g)
        if (grow >= 1 + d).any():
            raise ParameterError("parameters 'retention', 'margin_growth' and 'discount_rate': "
                                 "retention * (1 + margin_growth) must be < 1 + discount_rate, "
                                 "or the value is infinite. Lower margin_growth or give a "
                                 "horizon.")
        return m * r / (1 + d - grow)
    t = np.arange(1, horizon + 1, dtype=float)[:, None]
    return (m * (1 + g) ** (t - 1) * r**t / (1 + d) ** t).sum(axis=0)


def _combinations(*arrays: np.ndarray) -> list[np.ndarray]:
    """Every combination of the values (the first array varies slowest), flattened."""
    grids = np.meshgrid(*(np.atleast_1d(a) for a in arrays), indexing="ij")
    return [g.ravel() for g in grids]


def _economics_inputs(margin, retention, discount_rate, margin_growth, horizon):
    m = _number("margin", margin, low=0,
                hint="Margin per customer and period; a loss-making customer has no CLV to grow.")
    r = _number("retention", retention, low=0, high=1, high_open=True,
                hint="Retention per period in [0, 1); 1 would mean customers never leave.")
    d = _number("discount_rate", discount_rate, low=0,
                hint="Discount rate per period, e.g. 0.1 for 10 %.")
    g = _number("margin_growth", margin_growth, low=-0.99)
    if horizon is not None:
        check_param("horizon", horizon, kind=int, low=1, hint="Number of periods, or None for "
                    "an infinite horizon.")
    return m, r, d, g


def retention_equity(margin, retention, discount_rate, *, acquisition_cost=0.0, n_customers=1,
                     horizon: int | None = None, margin_growth=0.0) -> pd.DataFrame:
    """Customer lifetime value and customer equity under a constant retention rate.

    A newly acquired customer brings margin ``m`` at the end of each period
    while still a customer, stays each period with probability ``r``, and
    cash flows are discounted at ``d`` per period:

    ``CLV = sum_{t=1..T} m (1 + g)^(t-1) r^t / (1 + d)^t``

    With ``T`` infinite and ``g = 0`` this is ``m r / (1 + d - r)`` (Gupta &
    Lehmann 2003; computed by :func:`crm_lab.clv.simple_clv`); with margin
    growth ``g`` per period of tenure it is ``m r / (1 + d - r (1 + g))``.
    Add ``m`` to count a margin at acquisition too. Customer equity of a cohort
    of ``n`` new customers is ``n (CLV - acquisition_cost)`` (Blattberg &
    Deighton 1996).

    All inputs are assumptions, not estimates. Arrays give one row per
    combination of their values (the earlier argument varies slowest), a
    ready-made scenario table.

    Parameters
    ----------
    margin : float or array-like
        Margin per customer and period, >= 0.
    retention : float or array-like
        Retention rate per period, in [0, 1).
    discount_rate : float or array-like
        Discount rate per period, >= 0.
    acquisition_cost : float or array-like, default 0
        Cost of acquiring one customer, >= 0.
    n_customers : float or array-like, default 1
        Customers in the cohort, >= 0.
    horizon : int, optional
        Number of periods; ``None`` for an infinite horizon.
    margin_growth : float or array-like, default 0
        Growth of the margin per period of tenure (Reichheld & Sasser's
        "customers become more profitable over time"), > -0.99.

    Returns
    -------
    DataFrame
        One row per scenario (index ``scenario``): the assumptions, then
        ``expected_lifetime`` (``1 / (1 - r)`` periods, counting the
        acquisition period), ``clv``, ``net_clv`` (``clv -
        acquisition_cost``) and ``customer_equity``.

    Raises
    ------
    ParameterError
        Negative margin, retention outside [0, 1), negative discount rate,
        ``r (1 + g) >= 1 + d`` with an infinite horizon, ...

    Examples
    --------
    >>> retention_equity(100, 0.8, 0.1)["clv"].round(2).tolist()
    [266.67]
    >>> e = retention_equity(100, [0.8, 0.9], 0.1, acquisition_cost=50, n_customers=1000)
    >>> e[["retention", "clv", "customer_equity"]].round(1)  # doctest: +NORMALIZE_WHITESPACE
              retention    clv  customer_equity
    scenario
    0               0.8  266.7         216666.7
    1               0.9  450.0         400000.0
    """
    m, r, d, g = _economics_inputs(margin, retention, discount_rate, margin_growth, horizon)
    a = _number("acquisition_cost", acquisition_cost, low=0)
    n = _number("n_customers", n_customers, low=0)
    m, r, d, g, a, n = _combinations(m, r, d, g, a, n)
    clv = _clv(m, r, d, g, horizon)
    out = pd.DataFrame({
        "margin": m, "retention": r, "discount_rate": d, "margin_growth": g,
        "horizon": np.inf if horizon is None else float(horizon),
        "expected_lifetime": 1 / (1 - r), "clv": clv, "acquisition_cost": a,
        "net_clv": clv - a, "n_customers": n, "customer_equity": n * (clv - a)},
        index=pd.RangeIndex(m.size, name="scenario"))
    return out


def retention_gain_effect(margin, retention, discount_rate, gain=0.05, *, relative: bool = False,
                          horizon: int | None = None, margin_growth=0.0) -> pd.DataFrame:
    """How much a retention gain raises CLV and customer equity ("5 % -> 25-85 %").

    Reichheld & Sasser (1990) reported that cutting defections by five
    percentage points raised profits by 25 % to 85 % in the service businesses
    they studied. Those figures come from consulting case studies (Bain &
    Company clients: bank branches, credit cards, insurance brokerage,
    industrial distribution, auto service ...), not from a general law. The
    size of the effect depends on

    * the retention level: CLV ``m r / (1 + d - r)`` is convex in ``r``, so the
      same 5 points are worth more at 90 % than at 60 %;
    * the discount rate;
    * margin growth with tenure (``margin_growth``): Reichheld & Sasser attribute
      it to more purchases, lower service costs, referrals and price premiums.
      Reinartz & Kumar (2000) found that long-life customers are not always the
      profitable ones in non-contractual settings.

    This function reproduces the mechanics so the chapter can show which
    assumptions give 25 % and which give 85 %. With the number of acquisitions
    fixed, customer equity changes by the same percentage as CLV.

    Parameters
    ----------
    margin, retention, discount_rate : float or array-like
        As in :func:`retention_equity`.
    gain : float or array-like, default 0.05
        Retention gain: percentage points (``r + gain``) or, with
        ``relative=True``, a relative increase (``r (1 + gain)``).
    relative : bool, default False
        How ``gain`` is read.
    horizon : int, optional
        Number of periods (``None``: infinite).
    margin_growth : float or array-like, default 0
        Margin growth per period of tenure.

    Returns
    -------
    DataFrame
        One row per scenario (every combination of array inputs, as in
        :func:`retention_equity`): the assumptions, ``retention_new``,
        ``expected_lifetime`` and ``expected_lifetime_new``, ``clv``,
        ``clv_new`` and ``pct_change`` (percent change of CLV).

    Examples
    --------
    >>> r = retention_gain_effect(100, 0.8, 0.1)
    >>> r[["retention", "retention_new", "clv", "clv_new", "pct_change"]].round(2)
    ... # doctest: +NORMALIZE_WHITESPACE
              retention  retention_new     clv  clv_new  pct_change
    scenario
    0               0.8           0.85  266.67    340.0        27.5
    """
    check_param("relative", relative, kind=bool)
    m, r, d, g = _economics_inputs(margin, retention, discount_rate, margin_growth, horizon)
    gn = _number("gain", gain, low=0)
    m, r, d, g, gn = _combinations(m, r, d, g, gn)
    r_new = r * (1 + gn) if relative else r + gn
    if (r_new >= 1).any():
        raise ParameterError(f"parameter 'gain' takes retention to 1 or above "
                             f"(max {r_new.max():.3g}); retention must stay below 1.")
    clv, clv_new = _clv(m, r, d, g, horizon), _clv(m, r_new, d, g, horizon)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(clv > 0, 100 * (clv_new / clv - 1), np.nan)
    return pd.DataFrame({
        "margin": m, "retention": r, "discount_rate": d, "margin_growth": g, "gain": gn,
        "retention_new": r_new, "expected_lifetime": 1 / (1 - r),
        "expected_lifetime_new": 1 / (1 - r_new), "clv": clv, "clv_new": clv_new,
        "pct_change": pct}, index=pd.RangeIndex(m.size, name="scenario"))


def acquisition_vs_retention(acq_cost, ret_cost, *, budget: float, clv: float,
                             clv_saved: float | None = None, at_risk: float | None = None,
                             retention_share=None) -> pd.DataFrame:
    """Split a budget between acquiring and retaining customers: a transparent calculator.

    The rule of thumb "acquiring a customer costs 5-10 times as much as
    keeping one" (cost ratio ``acq_cost / ret_cost``) is a consultants'
    generalisation, not a law; measure both costs in your own business. This
    calculator shows what a given ratio implies. For each share ``s`` of the
    budget ``B`` spent on retention:

    * ``customers_saved = min(s B / ret_cost, at_risk)``, where ``ret_cost`` is
      the cost per customer *actually saved* (a campaign costing 2 per contact
      that saves 1 contacted customer in 10 costs 20 per saved customer) and
      ``at_risk`` the number of customers who would leave and could be saved;
    * ``customers_acquired = (1 - s) B / acq_cost``;
    * ``value = customers_acquired * clv + customers_saved * clv_saved``.

    With constant costs per customer the best split is a corner: retention
    first, as long as ``clv_saved / ret_cost > clv / acq_cost``, until
    everyone savable is saved, the rest to acquisition. In practice the cost of
    saving one more customer rises as the easy ones are saved, which is why
    ``at_risk`` caps retention; the calculator makes that assumption explicit.

    Parameters
    ----------
    acq_cost : float or array-like
        Cost of acquiring one customer (> 0).
    ret_cost : float or array-like
        Cost per customer saved (> 0). Arrays give one block of rows per
        (``acq_cost``, ``ret_cost``) pair, e.g. ``ret_cost=acq / np.array([5, 10])``.
    budget : float
        Total budget (> 0).
    clv : float
        Value of one acquired customer (e.g. ``retention_equity(...).loc[0, "clv"]``), >= 0.
    clv_saved : float, optional
        Value of one saved customer; defaults to ``clv``.
    at_risk : float, optional
        Customers who can be saved (cap on ``customers_saved``); default no cap.
    retention_share : array-like, optional
        Shares of the budget spent on retention; default 0, 0.1, ..., 1.

    Returns
    -------
    DataFrame
        One row per scenario with the assumptions as columns (``acq_cost``,
        ``ret_cost``, ``cost_ratio``, ``budget``, ``clv``, ``clv_saved``,
        ``at_risk``, ``retention_share``), then ``retention_spend``,
        ``acquisition_spend``, ``customers_saved``, ``customers_acquired``,
        ``unused_retention_spend`` (spend beyond saving all ``at_risk``),
        ``value``, ``net_value`` (``value - budget``) and ``best`` (the
        highest-value share for each cost pair).

    Examples
    --------
    >>> s = acquisition_vs_retention(100, 20, budget=10_000, clv=300, at_risk=200,
    ...                              retention_share=[0, 0.4, 1])
    >>> s[["retention_share", "customers_saved", "customers_acquired", "value", "best"]]
    ... # doctest: +NORMALIZE_WHITESPACE
       retention_share  customers_saved  customers_acquired    value   best
    0              0.0              0.0               100.0  30000.0  False
    1              0.4            200.0                60.0  78000.0   True
    2              1.0            200.0                 0.0  60000.0  False
    """
    a = _number("acq_cost", acq_cost, low=0)
    c = _number("ret_cost", ret_cost, low=0)
    for name, v in (("acq_cost", a), ("ret_cost", c)):
        if (v == 0).any():
            raise ParameterError(f"parameter {name!r} must be > 0 (a cost per customer).")
    check_param("budget", budget, kind=(int, float), low=0)
    if budget <= 0 or not np.isfinite(budget):
        raise ParameterError(f"parameter 'budget' must be a positive number, got {budget!r}.")
    check_param("clv", clv, kind=(int, float), low=0)
    clv_saved = clv if clv_saved is None else check_param("clv_saved", clv_saved,
                                                          kind=(int, float), low=0)
    if at_risk is not None:
        check_param("at_risk", at_risk, kind=(int, float), low=0)
    shares = (np.linspace(0, 1, 11) if retention_share is None
              else _number("retention_share", retention_share, low=0, high=1))
    grid = pd.MultiIndex.from_product([np.atleast_1d(a), np.atleast_1d(c), np.atleast_1d(shares)],
                                      names=["acq_cost", "ret_cost", "retention_share"])
    out = grid.to_frame(index=False)
    out.insert(2, "cost_ratio", out["acq_cost"] / out["ret_cost"])
    out.insert(3, "budget", float(budget))
    out.insert(4, "clv", float(clv))
    out.insert(5, "clv_saved", float(clv_saved))
    out.insert(6, "at_risk", np.inf if at_risk is None else float(at_risk))
    out["retention_spend"] = out["retention_share"] * budget
    out["acquisition_spend"] = budget - out["retention_spend"]
    wanted = out["retention_spend"] / out["ret_cost"]
    out["customers_saved"] = np.minimum(wanted, out["at_risk"])
    out["customers_acquired"] = out["acquisition_spend"] / out["acq_cost"]
    out["unused_retention_spend"] = (wanted - out["customers_saved"]) * out["ret_cost"]
    out["value"] = out["customers_acquired"] * clv + out["customers_saved"] * clv_saved
    out["net_value"] = out["value"] - budget
    best = out.groupby(["acq_cost", "ret_cost"], sort=False)["value"].transform("max")
    out["best"] = out["value"] >= best - 1e-9 * np.maximum(best.abs(), 1)
    # one best row per pair: the smallest retention share among ties
    first = out[out["best"]].groupby(["acq_cost", "ret_cost"], sort=False).head(1).index
    out["best"] = out.index.isin(first)
    return out
