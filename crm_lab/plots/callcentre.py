"""Plots for chapter 10, the call centre: the weekly arrival profile, service level against
agents, the forecast week, the staffing plan against the roster, and observed against
predicted service.

Each function takes a table computed by :mod:`crm_lab.callcentre` and returns the Axes.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

__all__ = ["service_level_plot", "forecast_plot", "roster_plot", "observed_predicted_plot",
           "arrival_profile_plot", "service_by_plot"]


def service_level_plot(table: pd.DataFrame, target: float | None = 0.8, ax=None,
                       title: str | None = None):
    """Service level (and abandonment, if tabulated) against the number of agents.

    Parameters
    ----------
    table : DataFrame
        From :func:`crm_lab.callcentre.service_level_table`.
    target : float, optional
        Draw the service-level target as a horizontal line.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    n = table.index.to_numpy()
    ax.plot(n, table["sl_erlang_c"], "o-", label="service level, Erlang C")
    if "sl_erlang_a" in table:
        ax.plot(n, table["sl_erlang_a"], "s--", label="service level, Erlang A")
        ax.plot(n, table["abandon_erlang_a"], "^:", label="abandoned, Erlang A")
    ax.plot(n, table["occupancy"], color="grey", lw=1, label="occupancy")
    if target is not None:
        ax.axhline(target, color="black", lw=0.8, ls="--")
    thr = table.attrs.get("threshold")
    ax.set_xlabel("agents")
    ax.set_ylabel("share of calls" + (f" (answered within {thr:g} s)" if thr is not None else ""))
    ax.set_ylim(0, 1.02)
    ax.set_title(title or "What each extra agent buys")
    ax.legend(fontsize="small")
    return ax


def forecast_plot(forecast: pd.DataFrame, actual: pd.Series | None = None, ax=None,
                  title: str = "Forecast calls per interval"):
    """The forecast week with its prediction band, and the actual counts if given.

    Parameters
    ----------
    forecast : DataFrame
        From :func:`crm_lab.callcentre.forecast_arrivals`.
    actual : Series, optional
        Counts per interval (e.g. :func:`crm_lab.callcentre.arrival_counts`), same index.
    ax : matplotlib Axes, optional
    title : str

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.5))
    x = forecast.index
    level = forecast.attrs.get("level")
    band = f"{level:.0%} prediction interval" if level is not None else "prediction interval"
    ax.fill_between(x, forecast["lower"], forecast["upper"], alpha=0.3, step="post", label=band)
    ax.step(x, forecast["forecast"], where="post", label="forecast")
    if actual is not None:
        a = actual.reindex(x)
        ax.plot(x, a.to_numpy(dtype=float), ".", ms=3, color="black", label="actual")
    ax.set_ylabel("calls per interval")
    _day_ticks(ax)
    ax.set_title(title)
    ax.legend(fontsize="small")
    return ax


def _day_ticks(ax) -> None:
    """Over a few days or more, one tick per day labelled "Mon 01"; else matplotlib's concise
    date ticks (no overlapping date-times either way)."""
    lo, hi = ax.get_xlim()
    if 2 <= hi - lo <= 31:  # in days
        ax.xaxis.set_major_locator(mdates.DayLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %d"))
    else:
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def roster_plot(roster, ax=None, title: str = "Staffing requirement and roster"):
    """Agents required against agents rostered, interval by interval.

    Parameters
    ----------
    roster : Roster
        From :func:`crm_lab.callcentre.schedule_shifts`.
    ax : matplotlib Axes, optional
    title : str

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.5))
    cov = roster.coverage
    ax.fill_between(cov.index, 0, cov["rostered"], step="post", alpha=0.35, label="rostered")
    ax.step(cov.index, cov["required"], where="post", color="black", lw=1.2, label="required")
    ax.set_ylabel("agents")
    _day_ticks(ax)
    ax.set_title(title)
    ax.legend(fontsize="small")
    return ax


def observed_predicted_plot(table: pd.DataFrame, column: str = "service_level",
                            predicted: tuple[str, ...] = ("sl_erlang_c", "sl_erlang_a"),
                            ax=None, title: str | None = None):
    """Observed against predicted per interval (one point per interval, the diagonal drawn).

    Parameters
    ----------
    table : DataFrame
        From :func:`crm_lab.callcentre.observed_vs_predicted`.
    column : str, default "service_level"
        Observed column (``"abandon_rate"`` with ``predicted=("abandon_erlang_a",)``).
    predicted : tuple of str
        Predicted columns to plot against it (those present are drawn).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4.8, 4.5))
    busy = table["offered"] > 0
    lo, hi = np.inf, -np.inf
    for col, marker in zip(predicted, "os^", strict=False):
        if col not in table:
            continue
        x, y = table.loc[busy, col], table.loc[busy, column]
        ax.scatter(x, y, s=14, marker=marker, alpha=0.7, label=col.replace("_", " "))
        lo, hi = min(lo, x.min(), y.min()), max(hi, x.max(), y.max())
    if np.isfinite(lo):
        ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8)
    ax.set_xlabel("predicted")
    ax.set_ylabel(f"observed {column.replace('_', ' ')}")
    ax.set_title(title or "Observed against predicted, per interval")
    ax.legend(fontsize="small")
    return ax


def arrival_profile_plot(profile: pd.DataFrame, truth: pd.DataFrame | None = None, ax=None,
                         title: str = "Calls per half hour in a typical week"):
    """One line per weekday across the day (mean calls per interval), the truth dotted.

    Parameters
    ----------
    profile : DataFrame
        From :func:`crm_lab.callcentre.arrival_profile` (time of day x weekday).
    truth : DataFrame, optional
        The same shape (e.g. the profile of the simulator's true rates), drawn dotted.
    ax : matplotlib Axes, optional
    title : str

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.5))
    open_ = profile.fillna(0).sum(axis=1) > 0
    if truth is not None:
        open_ |= truth.fillna(0).sum(axis=1) > 0
    rows = profile.index[open_]
    x = np.arange(len(rows))
    for k, day in enumerate(profile.columns):
        line, = ax.plot(x, profile.loc[rows, day], lw=1.2, label=str(day), color=f"C{k}")
        if truth is not None and day in truth:
            ax.plot(x, truth.loc[rows, day], ls=":", lw=1, color=line.get_color())
    step = max(1, len(rows) // 12)
    ax.set_xticks(x[::step], rows[::step], rotation=0, fontsize="small")
    ax.set_xlabel("interval start")
    ax.set_ylabel("calls per interval")
    ax.set_title(title + (" (dotted: truth)" if truth is not None else ""))
    ax.legend(fontsize="small", ncol=7, loc="upper right")
    return ax


def service_by_plot(summary: pd.DataFrame, target: float | None = 0.8, ax=None,
                    title: str | None = None):
    """Observed service level and abandonment per group next to Erlang C's and A's.

    Parameters
    ----------
    summary : DataFrame
        From :func:`crm_lab.callcentre.observed_summary` with ``by=`` (one row per group).
    target : float, optional
        The service-level target, drawn as a line.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    x = np.arange(len(summary))
    styles = {"service_level": ("o-", "observed SL"), "sl_erlang_c": ("s--", "Erlang C SL"),
              "sl_erlang_a": ("^--", "Erlang A SL"),
              "abandon_rate": ("o-", "observed abandoned"),
              "abandon_erlang_a": ("^:", "Erlang A abandoned")}
    for col, (style, label) in styles.items():
        if col in summary:
            ax.plot(x, summary[col], style, label=label, ms=4)
    if target is not None:
        ax.axhline(target, color="black", lw=0.8, ls="--")
    ax.set_xticks(x, [str(k) for k in summary.index])
    ax.set_xlabel(summary.index.name or "group")
    ax.set_ylabel("share of calls")
    ax.set_ylim(0, 1.02)
    ax.set_title(title or "Observed and predicted service")
    ax.legend(fontsize="small", ncol=2)
    return ax
