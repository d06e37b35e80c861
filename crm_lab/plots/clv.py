"""Plots for chapter 4, lifetime value: the diagnostics to show next to every fitted model.

Each function takes a table computed by :mod:`crm_lab.clv` and returns the matplotlib Axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

__all__ = ["calibration_holdout_plot", "matrix_plot", "cohort_retention_plot"]


def calibration_holdout_plot(table: pd.DataFrame, ax=None, title: str | None = None):
    """Actual against predicted holdout purchases by calibration frequency.

    Parameters
    ----------
    table : DataFrame
        From :func:`crm_lab.clv.calibration_vs_holdout` (columns ``actual``, ``predicted``).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    x = range(len(table))
    ax.plot(x, table["actual"], "o-", label="actual")
    ax.plot(x, table["predicted"], "s--", label="predicted")
    ax.set_xticks(list(x), [str(i) for i in table.index])
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("mean purchases in the holdout period")
    ax.set_title(title or "Calibration vs holdout")
    ax.legend()
    return ax


def matrix_plot(matrix: pd.DataFrame, ax=None, title: str = "", fmt: str = ".1f",
                cbar_label: str = ""):
    """Heat map of a frequency x recency table, e.g. expected purchases or P(alive).

    Parameters
    ----------
    matrix : DataFrame
        From :func:`crm_lab.clv.frequency_recency_matrix` or
        :func:`crm_lab.clv.probability_alive_matrix` (index frequency, columns recency).
    ax : matplotlib Axes, optional
    title, fmt, cbar_label : str
        Title, number format of the colour bar, and its label.

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    im = ax.imshow(matrix.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
    cb = ax.figure.colorbar(im, ax=ax, format=f"%{fmt}")
    cb.set_label(cbar_label)
    ax.grid(False)
    ax.set_xlabel("recency (age at last purchase)")
    ax.set_ylabel("frequency (repeat purchases)")
    ax.set_title(title)
    return ax


def cohort_retention_plot(retention: pd.DataFrame, ax=None, max_cohorts: int = 8,
                          title: str = "Share of each cohort still buying"):
    """Retention curves, one line per acquisition cohort.

    Parameters
    ----------
    retention : DataFrame
        From :func:`crm_lab.clv.cohort_retention` (index cohort, columns periods since
        acquisition, shares).
    ax : matplotlib Axes, optional
    max_cohorts : int, default 8
        Plot this many cohorts, evenly spaced from the first to the last.
    title : str

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    step = max(1, -(-len(retention) // max_cohorts))
    for cohort, row in retention.iloc[::step].iterrows():
        ax.plot(row.index.astype(int)[1:], row.to_numpy(dtype=float)[1:], label=str(cohort))
    ax.set_xlabel("periods since first purchase")
    ax.set_ylabel("share active")
    ax.set_title(title)
    ax.legend(title="cohort", fontsize="small", ncol=2)
    return ax
