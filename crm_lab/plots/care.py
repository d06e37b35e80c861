"""Plots for chapter 8, customer care and complaints: effect estimates with intervals, the
complaint Pareto chart, the complaint-rate u-chart and resolution-time survival curves.

Each function takes a table computed by :mod:`crm_lab.care` and returns the Axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

__all__ = ["effect_plot", "complaint_pareto_plot", "complaint_rate_plot", "resolution_plot"]


def effect_plot(table: pd.DataFrame, truth: float | None = None, ax=None,
                xlabel: str = "effect", title: str | None = None):
    """Point estimates with intervals, one row each (a forest plot), and the truth as a line.

    Parameters
    ----------
    table : DataFrame
        ``effect``, ``ci_low``, ``ci_high`` per row (e.g. from
        :func:`crm_lab.care.compare_estimates`).
    truth : float, optional
    ax : matplotlib Axes, optional
    xlabel, title : str

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = ax or plt.subplots(figsize=(7, 0.6 * len(table) + 1.2))[1]
    y = np.arange(len(table))[::-1]
    eff = table["effect"].to_numpy(float)
    err = np.vstack([eff - table["ci_low"].to_numpy(float),
                     table["ci_high"].to_numpy(float) - eff])
    ax.errorbar(eff, y, xerr=err, fmt="o", color="C0", capsize=4)
    ax.set_yticks(y, [str(i) for i in table.index])
    ax.axvline(0, color="grey", lw=0.8)
    if truth is not None:
        ax.axvline(truth, color="C3", ls="--", lw=1.2, label="truth")
        ax.legend(loc="best")
    ax.set(xlabel=xlabel, title=title or "Estimated effect with 95 % interval")
    return ax


def complaint_pareto_plot(pareto: pd.DataFrame, ax=None, title: str | None = None):
    """Bars of complaints per category (largest first) and the cumulative share line.

    Parameters
    ----------
    pareto : DataFrame
        From :func:`crm_lab.care.complaint_pareto`.

    Returns
    -------
    matplotlib.axes.Axes
        The bar axes (the cumulative line is on its twin).
    """
    ax = ax or plt.subplots()[1]
    x = np.arange(len(pareto))
    ax.bar(x, pareto["complaints"].to_numpy(), color="C0")
    ax.set_xticks(x, [str(i) for i in pareto.index], rotation=20, ha="right")
    ax.set(ylabel="complaints", title=title or f"Complaints by {pareto.index.name}")
    twin = ax.twinx()
    twin.plot(x, 100 * pareto["cumulative_share"].to_numpy(), color="C3", marker="o")
    twin.axhline(80, color="black", lw=0.8, ls=":")
    twin.set(ylabel="cumulative share (%)", ylim=(0, 105))
    twin.grid(False)
    return ax


def complaint_rate_plot(rates: pd.DataFrame, ax=None, per: str = "1,000 customers",
                        title: str | None = None):
    """The u-chart of complaints per period: rate, centre line, limits, signals in red.

    Parameters
    ----------
    rates : DataFrame
        From :func:`crm_lab.care.complaint_rates` (``rate``, ``center``, ``lcl``, ``ucl``,
        ``signal``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = ax or plt.subplots(figsize=(8, 4))[1]
    idx = rates.index
    x = idx.to_timestamp() if isinstance(idx, pd.PeriodIndex) else idx
    ax.plot(x, rates["rate"], marker="o", ms=4, color="C0", label="rate")
    ax.plot(x, rates["center"], color="black", lw=1, label="centre line")
    ax.step(x, rates["ucl"], where="mid", color="C3", lw=1, ls="--", label="3-sigma limits")
    ax.step(x, rates["lcl"], where="mid", color="C3", lw=1, ls="--")
    sig = rates["signal"].to_numpy(bool)
    if sig.any():
        ax.scatter(np.asarray(x)[sig], rates["rate"].to_numpy()[sig], color="C3", zorder=3,
                   s=40, label="signal")
    ax.set(ylabel=f"complaints per {per}", title=title or "Complaint rate (u-chart)")
    ax.tick_params(axis="x", labelrotation=30)
    ax.legend(loc="best", fontsize="small")
    return ax


def resolution_plot(curves: dict[str, pd.DataFrame] | pd.DataFrame, target_days=None, ax=None,
                    title: str | None = None, max_days: float | None = 30):
    """Kaplan-Meier curves of the share of complaints still open against days since filing.

    Parameters
    ----------
    curves : DataFrame or dict of name -> DataFrame
        From :func:`crm_lab.care.kaplan_meier` (``survival``, ``ci_low``, ``ci_high``).
    target_days : float, optional
        The service-level target, drawn as a vertical line.
    max_days : float, optional
        Right end of the x axis.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if isinstance(curves, pd.DataFrame):
        curves = {"all complaints": curves}
    ax = ax or plt.subplots()[1]
    for i, (name, km) in enumerate(curves.items()):
        t = np.r_[0.0, km.index.to_numpy(float)]
        s = np.r_[1.0, km["survival"].to_numpy(float)]
        ax.step(t, 100 * s, where="post", color=f"C{i}", label=str(name))
        if len(curves) == 1:
            lo = np.r_[1.0, km["ci_low"].to_numpy(float)]
            hi = np.r_[1.0, km["ci_high"].to_numpy(float)]
            ax.fill_between(t, 100 * lo, 100 * hi, step="post", color=f"C{i}", alpha=0.2)
    if target_days is not None:
        ax.axvline(target_days, color="black", ls=":", lw=1, label=f"target {target_days} days")
    ax.set(xlabel="days since the complaint", ylabel="still open (%)", ylim=(0, 101),
           title=title or "Time to resolution (Kaplan-Meier)")
    if max_days is not None:
        ax.set_xlim(0, max_days)
    ax.legend(loc="upper right", fontsize="small")
    return ax
