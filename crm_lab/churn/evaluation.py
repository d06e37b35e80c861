"""How good is a churn score? ROC AUC and PR AUC, lift and gains tables, calibration.

A retention budget reaches the top of the list, so what matters is how many churners the
top decile holds (top-decile lift) and whether a predicted 30 % means 30 % (calibration).
Customers with equal scores cannot be ordered; :func:`lift_table` and :func:`gains_curve`
spread a tie's churners evenly over the positions the tie occupies (the expected result of
breaking the tie at random), so a constant score has lift 1 in every bin.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from crm_lab.validate import DataError, check_param, check_values

__all__ = ["lift_table", "top_decile_lift", "gains_curve", "calibration_table",
           "classification_summary"]


def _check_scores(y_true, y_score, name: str = "y_score") -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true)
    s = check_values(y_score, name=name, allow_negative=True).to_numpy()
    if y.shape[0] != s.shape[0]:
        raise DataError(f"{name}: {s.shape[0]:,} scores for {y.shape[0]:,} labels.\n"
                        "How to fix: pass one score per customer, in the same order.")
    if pd.isna(y).any() or not np.isin(y, [0, 1, True, False]).all():
        raise DataError("y_true: labels must be True/False or 1/0 without missing values.\n"
                        "How to fix: recode the label (e.g. y == 'Yes').")
    return y.astype(float), s


def _cumulative(y: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positives expected among the top x customers, at the ends of each tie group."""
    order = np.argsort(-s, kind="stable")
    ss, yy = s[order], y[order]
    ends = np.flatnonzero(np.r_[ss[1:] != ss[:-1], True]) + 1  # end position of each tie
    cum = np.cumsum(yy)[ends - 1]
    return np.r_[0, ends], np.r_[0.0, cum], ss


def lift_table(y_true, y_score, n_bins: int = 10) -> pd.DataFrame:
    """Churners per bin of customers ranked by score (deciles by default), with lift and gains.

    Parameters
    ----------
    y_true : array-like of bool or 0/1
        True = churned.
    y_score : array-like of float
        Higher = more likely to churn.
    n_bins : int, default 10
        Bins of (nearly) equal size, the first ``n % n_bins`` one customer larger.

    Returns
    -------
    DataFrame
        Indexed by ``bin`` (1 = highest scores): ``n_customers``, ``n_churners`` (expected
        under random tie-breaking, so fractional where a tie straddles two bins),
        ``churn_rate``, ``lift`` (rate / overall rate), ``cum_customers``, ``cum_share``,
        ``cum_churners``, ``gains`` (share of all churners reached), ``cum_lift``,
        ``score_min``, ``score_max``.

    Examples
    --------
    >>> t = lift_table([1, 0, 1, 0, 0, 0], [0.9, 0.8, 0.7, 0.3, 0.2, 0.1], n_bins=3)
    >>> t[["n_churners", "lift", "gains"]].round(2)  # doctest: +NORMALIZE_WHITESPACE
         n_churners  lift  gains
    bin
    1           1.0   1.5    0.5
    2           1.0   1.5    1.0
    3           0.0   0.0    1.0
    """
    y, s = _check_scores(y_true, y_score)
    n = len(y)
    check_param("n_bins", n_bins, kind=int, low=1, high=n,
                hint="Use at most one bin per customer (10 gives deciles).")
    if y.sum() == 0:
        raise DataError("y_true: no churners, so lift is undefined.\nHow to fix: check the label.")
    xs, cum, ss = _cumulative(y, s)
    sizes = np.full(n_bins, n // n_bins) + (np.arange(n_bins) < n % n_bins)
    bounds = np.r_[0, np.cumsum(sizes)]
    at = np.interp(bounds, xs, cum)
    churners = np.diff(at)
    rate = y.mean()
    out = pd.DataFrame({"n_customers": sizes, "n_churners": churners,
                        "churn_rate": churners / sizes, "lift": churners / sizes / rate,
                        "cum_customers": bounds[1:], "cum_share": bounds[1:] / n,
                        "cum_churners": at[1:], "gains": at[1:] / y.sum(),
                        "cum_lift": at[1:] / bounds[1:] / rate,
                        "score_min": ss[bounds[1:] - 1], "score_max": ss[bounds[:-1]]},
                       index=pd.RangeIndex(1, n_bins + 1, name="bin"))
    return out


def top_decile_lift(y_true, y_score) -> float:
    """Churn rate among the 10 % highest scores divided by the overall rate.

    Examples
    --------
    >>> top_decile_lift([1] + [0] * 9, [0.9] + [0.1] * 9)
    10.0
    """
    return float(lift_table(y_true, y_score, 10)["lift"].iloc[0])


def gains_curve(y_true, y_score, n_points: int = 101) -> pd.DataFrame:
    """Cumulative gains: share of churners reached against share of customers contacted.

    Examples
    --------
    >>> gains_curve([1, 0], [0.9, 0.1], n_points=3)["share_churners"].tolist()
    [0.0, 1.0, 1.0]
    """
    y, s = _check_scores(y_true, y_score)
    check_param("n_points", n_points, kind=int, low=2)
    xs, cum, _ = _cumulative(y, s)
    share = np.linspace(0, 1, n_points)
    return pd.DataFrame({"share_contacted": share,
                         "share_churners": np.interp(share * len(y), xs, cum) / y.sum()})


def calibration_table(y_true, y_prob, n_bins: int = 10) -> pd.DataFrame:
    """Observed churn rate against mean predicted probability, in equal-size bins.

    Returns
    -------
    DataFrame indexed by ``bin``: ``n_customers``, ``mean_predicted``, ``observed``,
    ``ci_low``, ``ci_high`` (95 % Wilson interval of the observed rate).

    Examples
    --------
    >>> t = calibration_table([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], n_bins=2)
    >>> t["observed"].tolist()
    [0.0, 1.0]
    """
    y, p = _check_scores(y_true, y_prob, "y_prob")
    if (p < 0).any() or (p > 1).any():
        raise DataError("y_prob: probabilities must lie in [0, 1].\nHow to fix: pass "
                        "predict_churn(...) output, not a raw score.")
    check_param("n_bins", n_bins, kind=int, low=1, high=len(y))
    order = np.argsort(p, kind="stable")
    rows = []
    z = 1.959964
    for k, idx in enumerate(np.array_split(order, n_bins)):
        m, obs = len(idx), y[idx].mean()
        centre = (obs + z * z / (2 * m)) / (1 + z * z / m)
        half = z * np.sqrt(obs * (1 - obs) / m + z * z / (4 * m * m)) / (1 + z * z / m)
        rows.append({"bin": k + 1, "n_customers": m, "mean_predicted": p[idx].mean(),
                     "observed": obs, "ci_low": centre - half, "ci_high": centre + half})
    return pd.DataFrame(rows).set_index("bin")


def classification_summary(y_true, y_score) -> pd.Series:
    """ROC AUC, PR AUC, top-decile lift, base rate (and Brier score for probabilities).

    Examples
    --------
    >>> classification_summary([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.6])["roc_auc"].item()
    1.0
    """
    y, s = _check_scores(y_true, y_score)
    out = {"roc_auc": roc_auc_score(y, s), "pr_auc": average_precision_score(y, s),
           "top_decile_lift": top_decile_lift(y, s) if len(y) >= 10 else np.nan,
           "base_rate": y.mean()}
    if s.min() >= 0 and s.max() <= 1:
        out["brier"] = brier_score_loss(y, s)
    return pd.Series(out, dtype=float)
