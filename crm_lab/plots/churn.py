"""Plots for chapter 5, churn: the diagnostic beside every fitted churn model.

Each function takes results computed by :mod:`crm_lab.churn` and returns the matplotlib Axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

__all__ = ["inactivity_plot", "roc_pr_plot", "calibration_plot", "gains_plot", "lift_plot",
           "profit_curve_plot", "qini_plot", "km_plot", "hazard_ratio_plot", "odds_ratio_plot",
           "importance_plot", "winback_plot"]


def _ax(ax):
    if ax is None:
        _, ax = plt.subplots()
    return ax


def inactivity_plot(rates: pd.DataFrame, ax=None, chosen: int | None = None):
    """Churn rate against the inactivity threshold (from ``churn.inactivity_churn_rates``)."""
    ax = _ax(ax)
    ax.plot(rates.index, 100 * rates["churn_rate"], "o-")
    if chosen is not None:
        ax.axvline(chosen, ls="--", color="grey", label=f"threshold used: {chosen} days")
        ax.legend()
    ax.set_xlabel("days without a purchase before a customer counts as churned")
    ax.set_ylabel("churn rate (%)")
    ax.set_title("The churn rate depends on the definition")
    return ax


def roc_pr_plot(results: dict, y_true, ax=None):
    """ROC and precision-recall curves of out-of-fold scores, one line per model.

    Parameters
    ----------
    results : dict of name -> CVResult (``oof`` scores)
    y_true : array-like of bool
    ax : array of two Axes, optional
    """
    from sklearn.metrics import precision_recall_curve, roc_curve

    if ax is None:
        _, ax = plt.subplots(1, 2, figsize=(10, 4))
    y = np.asarray(y_true, dtype=bool)
    for name, r in results.items():
        s = r.oof.to_numpy()
        summary = r.summary()
        fpr, tpr, _ = roc_curve(y, s)
        ax[0].plot(fpr, tpr, label=f"{name} (AUC {summary['roc_auc']:.3f})")
        prec, rec, _ = precision_recall_curve(y, s)
        ax[1].plot(rec, prec, label=f"{name} (PR AUC {summary['pr_auc']:.3f})")
    ax[0].plot([0, 1], [0, 1], ls=":", color="grey")
    ax[1].axhline(y.mean(), ls=":", color="grey", label="no skill")
    ax[0].set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    ax[1].set(xlabel="recall (share of churners found)", ylabel="precision",
              title="Precision-recall")
    for a in ax:
        a.legend(fontsize="small")
    return ax


def calibration_plot(tables: dict, ax=None):
    """Observed churn rate against mean predicted probability (``churn.calibration_table``)."""
    ax = _ax(ax)
    for name, t in tables.items():
        ax.errorbar(t["mean_predicted"], t["observed"],
                    yerr=[t["observed"] - t["ci_low"], t["ci_high"] - t["observed"]],
                    fmt="o-", capsize=2, label=name)
    hi = max(float(t[["mean_predicted", "observed"]].to_numpy().max()) for t in tables.values())
    ax.plot([0, hi], [0, hi], ls=":", color="grey", label="perfect calibration")
    ax.set(xlabel="mean predicted P(churn)", ylabel="observed churn rate",
           title="Calibration (95 % intervals)")
    ax.legend(fontsize="small")
    return ax


def gains_plot(curves: dict, ax=None):
    """Cumulative gains curves (``churn.gains_curve``), one per model, with the random line."""
    ax = _ax(ax)
    for name, c in curves.items():
        ax.plot(100 * c["share_contacted"], 100 * c["share_churners"], label=name)
    ax.plot([0, 100], [0, 100], ls=":", color="grey", label="random")
    ax.set(xlabel="customers contacted (%, highest scores first)",
           ylabel="churners reached (%)", title="Cumulative gains")
    ax.legend(fontsize="small")
    return ax


def lift_plot(table: pd.DataFrame, ax=None, title: str = "Lift by decile"):
    """Bars of lift per bin (``churn.lift_table``) with the line at 1 (random)."""
    ax = _ax(ax)
    ax.bar(table.index.astype(str), table["lift"])
    ax.axhline(1, ls=":", color="grey")
    ax.set(xlabel="bin (1 = highest predicted risk)", ylabel="lift", title=title)
    return ax


def profit_curve_plot(curves: dict, ax=None, column: str = "expected_profit"):
    """Cumulative profit against customers contacted (``churn.profit_curve``), peak marked."""
    ax = _ax(ax)
    for name, c in curves.items():
        line = ax.plot(100 * c["share_contacted"], c[column], label=name)[0]
        best = int(c[column].to_numpy().argmax())
        ax.plot(100 * c["share_contacted"].iloc[best], c[column].iloc[best], "o",
                color=line.get_color())
    ax.axhline(0, color="grey", lw=0.8)
    ax.set(xlabel="customers contacted (%)", ylabel=column.replace("_", " "),
           title="Profit of the retention offer")
    ax.legend(fontsize="small")
    return ax


def qini_plot(curves: dict, ax=None, column: str = "extra", ylabel: str | None = None):
    """Uplift (Qini) curves, one per ranking (``churn.true_uplift_curve`` or ``qini_curve``)."""
    ax = _ax(ax)
    for name, c in curves.items():
        ax.plot(100 * c["share_targeted"], c[column], label=name)
    first = next(iter(curves.values()))
    ax.plot([0, 100], [0, first[column].iloc[-1]], ls=":", color="grey", label="random")
    ax.set(xlabel="customers treated (%, highest scores first)",
           ylabel=ylabel or "extra responders (true uplift)", title="Uplift curves")
    ax.legend(fontsize="small")
    return ax


def km_plot(km, ax=None, title: str = "Kaplan-Meier: share still a customer",
            xlabel: str = "tenure"):
    """Kaplan-Meier step curves with confidence bands (a fitted ``churn.KaplanMeier``)."""
    ax = _ax(ax)
    for name in km.groups_:
        t = km.survival_[km.survival_["group"] == name]
        x = np.r_[0, t["time"].to_numpy()]
        line = ax.step(x, np.r_[1, t["survival"].to_numpy()], where="post", label=name)[0]
        ax.fill_between(x, np.r_[1, t["lower"].to_numpy()], np.r_[1, t["upper"].to_numpy()],
                        step="post", alpha=0.2, color=line.get_color())
    ax.set(xlabel=xlabel, ylabel="survival (not yet churned)", title=title, ylim=(0, 1.02))
    ax.legend(fontsize="small")
    return ax


def _forest(table: pd.DataFrame, col: str, ax, title: str, xlabel: str, truth=None):
    ax = _ax(ax)
    y = np.arange(len(table))[::-1]
    ax.errorbar(table[col], y, xerr=[table[col] - table["ci_low"], table["ci_high"] - table[col]],
                fmt="o", capsize=2, label="estimate (95 % CI)")
    if truth is not None:
        ax.plot(np.exp(np.asarray(truth, dtype=float)), y, "x", color="C3", ms=8, label="truth")
    ax.axvline(1, ls=":", color="grey")
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(y, table.index)
    ax.set(xlabel=xlabel, title=title)
    ax.legend(fontsize="small")
    return ax


def hazard_ratio_plot(summary: pd.DataFrame, ax=None, truth=None,
                      title: str = "Cox model: hazard ratios"):
    """Hazard ratios with intervals (``CoxModel.summary()``); ``truth``: true log-HRs."""
    return _forest(summary, "hazard_ratio", ax, title, "hazard ratio of churn (log scale)",
                   truth)


def odds_ratio_plot(summary: pd.DataFrame, ax=None, title: str = "Logistic regression"):
    """Odds ratios with intervals (``OddsRatioLogit.summary()``)."""
    return _forest(summary, "odds_ratio", ax, title, "odds ratio of churn (log scale)")


def importance_plot(importance: pd.Series, ax=None, top: int = 12,
                    title: str = "Gradient boosting: feature importance"):
    """Horizontal bars of the ``top`` features (``ChurnClassifier.feature_importance()``)."""
    ax = _ax(ax)
    s = importance.head(top)[::-1]
    ax.barh(s.index, s.to_numpy())
    ax.set(xlabel="importance", title=title)
    return ax


def winback_plot(summary: pd.DataFrame, ax=None):
    """Expected value of win-back offers by value tier and kind (``churn.winback_summary``)."""
    ax = _ax(ax)
    wide = summary["expected_value"].unstack("kind").fillna(0)
    wide.plot.bar(ax=ax, rot=0)
    ax.set(xlabel="former value tier", ylabel="expected value of offers worth making",
           title="Win-back: where the value is")
    return ax
