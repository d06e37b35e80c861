"""Plots for chapter 6, data warehouse and data mining: cube slices, rules, transitions.

Each function takes a table computed by :mod:`crm_lab.warehouse` or :mod:`crm_lab.mining`
and returns the matplotlib Axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, NullFormatter, PercentFormatter

__all__ = ["pivot_plot", "rules_plot", "transition_plot", "hit_rate_plot"]


def pivot_plot(pivot: pd.DataFrame, ax=None, title: str = "", ylabel: str = "revenue"):
    """Grouped bars of a pivot table (rows on the x axis, one bar per column).

    Parameters
    ----------
    pivot : DataFrame
        From :meth:`crm_lab.warehouse.Warehouse.pivot`.
    ax : matplotlib Axes, optional
    title, ylabel : str

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    pivot.plot.bar(ax=ax, rot=0)
    ax.set_xlabel(pivot.index.name or "")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.legend(title=pivot.columns.name, loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax


def rules_plot(rules: pd.DataFrame, planted=None, ax=None, title: str = "Association rules"):
    """Support against confidence of each rule, coloured by lift; planted rules circled.

    Parameters
    ----------
    rules : DataFrame
        From :func:`crm_lab.mining.association_rules`.
    planted : list of dict, optional
        ``company.truth.rules``: those rules are circled in red.
    ax : matplotlib Axes, optional
    title : str

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    sc = ax.scatter(rules["support"], rules["confidence"], c=rules["lift"], cmap="viridis",
                    s=30, alpha=0.8)
    plt.colorbar(sc, ax=ax, label="lift")
    if planted:
        keys = {(frozenset(t["antecedent"]), frozenset([t["consequent"]])) for t in planted}
        mask = np.array([(a, c) in keys for a, c in zip(rules["antecedents"],
                                                         rules["consequents"], strict=True)],
                        dtype=bool)
        if mask.any():
            ax.scatter(rules.loc[mask, "support"], rules.loc[mask, "confidence"], s=160,
                       facecolors="none", edgecolors="red", linewidths=1.5, label="planted")
            ax.legend(loc="lower right")
    ax.set_xscale("log")
    lo, hi = float(rules["support"].min()), float(rules["support"].max())
    ticks = [t for t in (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
             if lo / 1.5 <= t <= hi * 1.5]
    ax.xaxis.set_minor_formatter(NullFormatter())
    if ticks:
        ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    ax.set_xlabel("support (share of baskets, log scale)")
    ax.set_ylabel("confidence")
    ax.set_title(title)
    return ax


def transition_plot(transition: pd.DataFrame, ax=None,
                    title: str = "P(next category | current category)"):
    """Heat map of a next-category transition matrix with the probabilities written in.

    Parameters
    ----------
    transition : DataFrame
        :attr:`crm_lab.mining.NextCategoryModel.transition_`.

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 5))
    m = transition.to_numpy(dtype=float)
    im = ax.imshow(m, cmap="Blues", vmin=0, vmax=max(m.max(), 1e-9))
    ax.set_xticks(range(m.shape[1]), transition.columns, rotation=45, ha="right")
    ax.set_yticks(range(m.shape[0]), transition.index)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            ax.text(j, i, f"{m[i, j]:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if m[i, j] > 0.6 * m.max() else "black")
    ax.set_xlabel("next purchase")
    ax.set_ylabel("current purchase")
    ax.set_title(title)
    ax.grid(False)
    plt.colorbar(im, ax=ax)
    return ax


def hit_rate_plot(summary: pd.DataFrame, ax=None, title: str = "Cross-sell hit rate"):
    """Bars of the hit rate per method, from :meth:`crm_lab.mining.CrossSell.summary`.

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    ax.bar(summary.index.astype(str), 100 * summary["hit_rate"], color=["C0", "C7"])
    ax.set_ylabel("customers who bought a suggestion (%)")
    ax.set_title(title)
    return ax
