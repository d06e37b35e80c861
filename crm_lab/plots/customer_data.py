"""Plots for chapter 1, customer data: value concentration and data quality."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

__all__ = ["pareto_plot", "missing_plot"]


def pareto_plot(curves: dict[str, pd.DataFrame] | pd.DataFrame, ax=None, mark: float = 0.2):
    """Plot one or more Pareto curves from :func:`crm_lab.segmentation.pareto_curve`.

    Parameters
    ----------
    curves : DataFrame or dict of name -> DataFrame
        Curves with ``customer_share`` and ``value_share``.
    ax : matplotlib Axes, optional
    mark : float
        Customer share to mark with a dotted line (0.2 for the 80/20 rule).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _share_curves(curves, ax)
    ax.axvline(mark * 100, color="black", lw=0.8, ls=":")
    ax.axhline(80, color="black", lw=0.8, ls=":")
    ax.set(xlabel="customers, ranked by value (cumulative %)", ylabel="value (cumulative %)",
           xlim=(0, 100), ylim=(0, 101), title="Pareto curve of customer value")
    ax.legend(loc="lower right")
    return ax


def _share_curves(curves: dict[str, pd.DataFrame] | pd.DataFrame, ax=None, labels=None):
    """Draw cumulative share curves (``customer_share``, ``value_share``) in percent, with the
    diagonal of equal value: the common part of :func:`pareto_plot` and
    :func:`~crm_lab.plots.lorenz_plot`. ``labels`` maps a curve's name to its legend label."""
    if isinstance(curves, pd.DataFrame):
        curves = {"customers": curves}
    ax = ax or plt.subplots()[1]
    for name, c in curves.items():
        label = labels[name] if labels else name
        ax.plot(c["customer_share"] * 100, c["value_share"] * 100, label=label)
    ax.plot([0, 100], [0, 100], color="grey", lw=0.8, ls="--", label="equal value")
    return ax


def missing_plot(report: pd.DataFrame, ax=None):
    """Bar chart of the share of missing values per table column, from a data quality report.

    Parameters
    ----------
    report : DataFrame
        Output of :func:`crm_lab.customers.data_quality_report`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = ax or plt.subplots()[1]
    r = report[report["pct_missing"] > 0]
    labels = r["table"] + "." + r["column"]
    ax.barh(labels, r["pct_missing"])
    ax.set(xlabel="missing (%)", title="Missing values by column")
    return ax
