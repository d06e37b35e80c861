"""Plots for :mod:`crm_lab.loyalty`.

Each function takes computed results and returns the matplotlib Axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

__all__ = [
    "satisfaction_loyalty_plot",
    "loyalty_matrix_plot",
    "nps_plot",
    "retention_value_plot",
    "budget_split_plot",
]

_ZONE_COLOURS = ("#f4cccc", "#eeeeee", "#d9ead3")
_NPS_COLOURS = {"detractors": "#cc4125", "passives": "#b7b7b7", "promoters": "#6aa84f"}
_CLASS_COLOURS = {"true loyalty": "#38761d", "latent loyalty": "#6fa8dc",
                  "spurious loyalty": "#e69138", "no loyalty": "#999999"}


def satisfaction_loyalty_plot(curves: pd.DataFrame | dict[str, pd.DataFrame], ax=None, *,
                              zones: bool | tuple[float, float] = False,
                              ylabel: str | None = None):
    """Satisfaction-loyalty curve(s) with confidence bands and, optionally, the zones.

    Parameters
    ----------
    curves : DataFrame or dict of name -> DataFrame
        Output of :func:`~crm_lab.loyalty.satisfaction_loyalty_curve` (column
        ``loyalty``, band from ``ci_low``/``ci_high``), of
        :func:`~crm_lab.loyalty.loyalty_zones` or of
        :func:`~crm_lab.loyalty.competitive_curve` (column ``retention``).
    ax : matplotlib Axes, optional
    zones : bool or (t1, t2)
        Shade the zones of defection, indifference and affection: ``True``
        takes the thresholds from a curve's ``attrs["thresholds"]`` (set by
        :func:`~crm_lab.loyalty.loyalty_zones`), or give them.
    ylabel : str, optional
        Label of the y axis (default from the curve type).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if isinstance(curves, pd.DataFrame):
        curves = {"": curves}
    ax = ax or plt.subplots()[1]
    ycol = "loyalty"
    for name, c in curves.items():
        ycol = "loyalty" if "loyalty" in c.columns else "retention"
        marker = "o" if "n" in c.columns else None
        line = ax.plot(c["satisfaction"], c[ycol], marker=marker, label=name or None)[0]
        if {"ci_low", "ci_high"} <= set(c.columns):
            ax.fill_between(c["satisfaction"], c["ci_low"], c["ci_high"], alpha=0.2,
                            color=line.get_color(), lw=0)
    if zones is not False:
        if zones is True:
            found = [c.attrs["thresholds"] for c in curves.values() if "thresholds" in c.attrs]
            if not found:
                raise ValueError("zones=True needs a curve from crm_lab.loyalty.loyalty_zones; "
                                 "or pass zones=(t1, t2).")
            zones = found[0]
        lo, hi = ax.get_xlim()
        edges = [min(lo, zones[0]), zones[0], zones[1], max(hi, zones[1])]
        labels = ("defection", "indifference", "affection")
        for k in range(3):
            ax.axvspan(edges[k], edges[k + 1], color=_ZONE_COLOURS[k], zorder=0)
            ax.text((edges[k] + edges[k + 1]) / 2, 0.02, labels[k], ha="center", va="bottom",
                    transform=ax.get_xaxis_transform(), fontsize=9, color="dimgray")
        ax.set_xlim(lo, hi)
    default = {"loyalty": "loyalty (mean)", "retention": "retention rate"}[ycol]
    first = next(iter(curves.values()))
    if first.attrs.get("outcome") == "rate":
        default = "loyalty (rate)"
    ax.set(xlabel="satisfaction", ylabel=ylabel or default, title="Satisfaction and loyalty")
    if any(curves):
        ax.legend(loc="upper left")
    return ax


def loyalty_matrix_plot(result, ax=None, *, jitter: float = 0.1, seed: int = 0):
    """Attitude against behaviour per customer, coloured by Dick & Basu class, with the cuts.

    Parameters
    ----------
    result : LoyaltyMatrix
        Output of :func:`~crm_lab.loyalty.loyalty_matrix`.
    ax : matplotlib Axes, optional
    jitter : float, default 0.1
        Vertical jitter (in attitude units) so that tied survey scores show;
        deterministic with ``seed``.
    seed : int
        Seed of the jitter.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = ax or plt.subplots()[1]
    c = result.customers
    rng = np.random.default_rng(seed)
    y = c["attitude"].to_numpy() + rng.uniform(-jitter, jitter, len(c))
    for cls, colour in _CLASS_COLOURS.items():
        m = (c["loyalty_class"] == cls).to_numpy()
        share = result.summary.loc[cls, "share"]
        ax.scatter(c["behaviour"].to_numpy()[m], y[m], s=12, alpha=0.6, color=colour,
                   label=f"{cls} ({share:.0%})")
    ax.axvline(result.behaviour_cut, color="black", lw=0.8, ls="--")
    ax.axhline(result.attitude_cut, color="black", lw=0.8, ls="--")
    ax.set(xlabel="repeat patronage (behaviour)", ylabel="relative attitude",
           title="Attitudinal x behavioural loyalty (Dick & Basu 1994)")
    ax.legend(loc="lower right", fontsize=8)
    return ax


def nps_plot(results, ax=None):
    """Stacked bars of detractors, passives and promoters with the NPS and its interval.

    Parameters
    ----------
    results : NPSResult or DataFrame
        A single :func:`~crm_lab.loyalty.net_promoter_score` result or the
        table of :func:`~crm_lab.loyalty.nps_by`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    table = results if isinstance(results, pd.DataFrame) else results.to_series().to_frame("all").T
    ax = ax or plt.subplots()[1]
    labels = [" / ".join(map(str, k)) if isinstance(k, tuple) else str(k) for k in table.index]
    pos = np.arange(len(table))
    left = np.zeros(len(table))
    for part in ("detractors", "passives", "promoters"):
        share = 100 * table[f"share_{part}"].to_numpy(dtype=float)
        ax.barh(pos, share, left=left, color=_NPS_COLOURS[part], label=part)
        left += share
    for i, (_, row) in enumerate(table.iterrows()):
        ax.text(101, i, f"NPS {row['nps']:+.0f} [{row['ci_low']:+.0f}, {row['ci_high']:+.0f}]",
                va="center", fontsize=9)
    ax.set_yticks(pos, labels)
    ax.set(xlim=(0, 135), xlabel="share of respondents (%)", title="Net Promoter Score")
    ax.legend(loc="upper center", bbox_to_anchor=(0.37, -0.12), ncol=3, fontsize=8,
              frameon=False)
    return ax


def retention_value_plot(table: pd.DataFrame, ax=None, *, x: str = "retention", y: str = "clv",
                         hue: str | None = None):
    """CLV (or customer equity) against retention, from :func:`~crm_lab.loyalty.retention_equity`.

    Parameters
    ----------
    table : DataFrame
        Scenarios, e.g. ``retention_equity(100, np.linspace(0.5, 0.95, 10), 0.1)``.
    ax : matplotlib Axes, optional
    x, y : str
        Columns to plot.
    hue : str, optional
        Column whose values give one line each (e.g. ``"margin_growth"``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = ax or plt.subplots()[1]
    groups = table.groupby(hue, sort=True) if hue else [(None, table)]
    for key, g in groups:
        g = g.sort_values(x)
        ax.plot(g[x], g[y], marker="o", ms=3, label=None if hue is None else f"{hue} = {key}")
    ax.set(xlabel=x.replace("_", " "), ylabel=y.replace("_", " "),
           title="What retention is worth")
    if hue:
        ax.legend()
    return ax


def budget_split_plot(scenarios: pd.DataFrame, ax=None, *, y: str = "value"):
    """Value created against the share of budget spent on retention, one line per cost ratio.

    Parameters
    ----------
    scenarios : DataFrame
        Output of :func:`~crm_lab.loyalty.acquisition_vs_retention`.
    ax : matplotlib Axes, optional
    y : str
        ``"value"`` or ``"net_value"``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = ax or plt.subplots()[1]
    for (a, c), g in scenarios.groupby(["acq_cost", "ret_cost"], sort=False):
        line = ax.plot(100 * g["retention_share"], g[y], marker="o", ms=3,
                       label=f"acquire / retain = {a / c:.3g}x")[0]
        best = g[g["best"]]
        ax.scatter(100 * best["retention_share"], best[y], s=60, facecolors="none",
                   edgecolors=line.get_color())
    ax.set(xlabel="budget spent on retention (%)", ylabel=y.replace("_", " "),
           title="Acquisition vs retention budget")
    ax.legend(fontsize=8)
    return ax
