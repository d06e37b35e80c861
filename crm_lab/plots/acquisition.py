"""Plots for chapter 7, customer selection and acquisition: value by channel, CAC against
CLV, the budget split, early-value deciles, the profit of a mailing by depth, power curves
and the peeking problem.

Each function takes results computed by :mod:`crm_lab.acquisition` and returns the Axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

__all__ = ["channel_value_plot", "cac_clv_plot", "allocation_plot", "early_value_plot",
           "mailing_depth_plot", "power_curve_plot", "peeking_plot"]


def _ax(ax, **kw):
    if ax is None:
        _, ax = plt.subplots(**kw)
    return ax


def channel_value_plot(table: pd.DataFrame, axes=None):
    """Value in the year after the first purchase and retention by acquisition channel.

    Parameters
    ----------
    table : DataFrame
        From :func:`crm_lab.acquisition.value_by_channel`.
    axes : pair of Axes, optional

    Returns
    -------
    numpy array of two Axes
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    x = np.arange(len(table))
    names = [str(i) for i in table.index]
    v = table["value_after"].to_numpy(float)
    axes[0].bar(x, v, yerr=[v - table["value_low"], table["value_high"] - v], capsize=4)
    axes[0].set(xticks=x, xticklabels=names, ylabel="spend in the next year",
                title="Value after the first purchase")
    r = 100 * table["retention"].to_numpy(float)
    axes[1].errorbar(x, r, yerr=[r - 100 * table["retention_low"],
                                 100 * table["retention_high"] - r], fmt="o", capsize=4)
    axes[1].set(xticks=x, xticklabels=names, ylabel="bought again within a year (%)",
                title="Retention by acquisition channel")
    return axes


def cac_clv_plot(economics: pd.DataFrame, ax=None):
    """CAC beside CLV per channel, with CLV : CAC printed above each pair.

    Parameters
    ----------
    economics : DataFrame
        From :func:`crm_lab.acquisition.channel_economics` with ``clv``.
    """
    ax = _ax(ax)
    x = np.arange(len(economics))
    ax.bar(x - 0.2, economics["cac"], 0.4, label="CAC (cost per acquired customer)")
    ax.bar(x + 0.2, economics["clv"], 0.4, label="CLV (margin over the horizon)")
    for i, (c, v) in enumerate(zip(economics["cac"], economics["clv"], strict=True)):
        ax.text(i, max(c, v) * 1.02, f"{v / c:.1f}x", ha="center", va="bottom")
    ax.set(xticks=x, xticklabels=[str(i) for i in economics.index], ylabel="money per customer",
           title="What a customer costs and what it is worth")
    ax.legend(fontsize="small", loc="upper left")
    return ax


def allocation_plot(sensitivity: pd.DataFrame, ax=None):
    """Budget shares per channel for each elasticity (stacked bars).

    Parameters
    ----------
    sensitivity : DataFrame
        From :func:`crm_lab.acquisition.allocation_sensitivity` (one budget, or the first is
        shown: with the power response the shares do not depend on the budget).
    """
    ax = _ax(ax)
    s = sensitivity[sensitivity["budget"] == sensitivity["budget"].iloc[0]]
    wide = s.pivot(index="elasticity", columns="channel", values="share")
    bottom = np.zeros(len(wide))
    labels = [f"{e:.2f}" for e in wide.index]
    for ch in wide.columns:
        ax.bar(labels, 100 * wide[ch], bottom=bottom, label=str(ch))
        bottom += 100 * wide[ch].to_numpy()
    ax.set(xlabel="elasticity of customers with respect to spend", ylabel="share of budget (%)",
           title="Optimal budget split")
    ax.legend(fontsize="small", bbox_to_anchor=(1.01, 1), loc="upper left")
    return ax


def early_value_plot(deciles: pd.DataFrame, ax=None):
    """Mean predicted and realised value per decile of predicted early value."""
    ax = _ax(ax)
    x = deciles.index.astype(str)
    ax.bar(x, deciles["realised"], color="C0", alpha=0.7, label="realised")
    ax.plot(x, deciles["predicted"], "o-", color="C1", label="predicted at first purchase")
    ax.set(xlabel="decile of predicted value (1 = highest)", ylabel="spend in the next year",
           title="Early-life value prediction on new customers")
    ax.legend(fontsize="small")
    return ax


def mailing_depth_plot(plans: dict, ax=None):
    """Profit against the share of the list mailed, one line per scoring, best depth marked.

    Parameters
    ----------
    plans : dict
        ``name: MailingPlan`` from :func:`crm_lab.acquisition.mailing_depth`.
    """
    ax = _ax(ax)
    for name, plan in plans.items():
        t = plan.table
        line = ax.plot(100 * t["share_mailed"], t["profit"], label=name)[0]
        ax.plot(100 * plan.best_share, plan.best_profit, "o", color=line.get_color())
    ax.axhline(0, color="grey", lw=0.8)
    ax.set(xlabel="share of the prospect list mailed (%, best scores first)",
           ylabel="profit of the mailing", title="How deep to mail")
    ax.legend(fontsize="small")
    return ax


def power_curve_plot(curve: pd.DataFrame, planned: float | None = None, ax=None):
    """Power against contacts per arm: the formula as a line, simulations as points.

    Parameters
    ----------
    curve : DataFrame
        From :func:`crm_lab.acquisition.power_curve`.
    planned : float, optional
        The planned contacts per arm (a vertical line).
    """
    ax = _ax(ax)
    n = curve.index.to_numpy(float)
    ax.plot(n, 100 * curve["power_formula"], "-", label="formula (normal approximation)")
    ax.errorbar(n, 100 * curve["power_simulated"], yerr=196 * curve["mc_se"], fmt="o",
                capsize=3, label="simulated tests")
    ax.axhline(80, ls=":", color="grey")
    if planned is not None:
        ax.axvline(planned, ls="--", color="grey", label="planned size")
    ax.set(xlabel="contacts per arm", ylabel="power (%)", title="How big a test")
    ax.legend(fontsize="small")
    return ax


def peeking_plot(table: pd.DataFrame, ax=None):
    """False-positive rate against the number of looks, with the nominal level."""
    ax = _ax(ax)
    x = table.index.astype(str)
    ax.bar(x, 100 * table["false_positive_rate"], yerr=196 * table["mc_se"], capsize=3)
    ax.axhline(100 * table["nominal_alpha"].iloc[0], ls="--", color="C3",
               label="nominal level")
    ax.set(xlabel="looks at the data (stop at the first 'significant' one)",
           ylabel="false positives (%)", title="Peeking at an A/A test")
    ax.legend(fontsize="small")
    return ax
