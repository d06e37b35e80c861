"""Plots for chapter 3, satisfaction index models.

* :func:`path_diagram`: the structural model as boxes and arrows, with path coefficients
  and R² when given (plain matplotlib, no graph library);
* :func:`coefficient_plot`: path coefficients with their intervals, one marker per method,
  against a reference (the truth) when given;
* :func:`ipma_plot`: the importance-performance map with its quadrants.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

__all__ = ["path_diagram", "coefficient_plot", "ipma_plot", "DIAGRAM_POSITIONS"]

#: Where the usual index constructs sit in :func:`path_diagram` (x, y): drivers on the left,
#: satisfaction in the middle, outcomes on the right, image on top (as in the ECSI figure).
DIAGRAM_POSITIONS: dict[str, tuple[float, float]] = {
    "image": (2.0, 3.4),
    "expectations": (0.0, 2.4),
    "quality": (0.0, 0.0),
    "value": (2.0, 1.2),
    "satisfaction": (4.0, 1.2),
    "complaints": (6.4, 0.2),
    "loyalty": (6.4, 2.2),
}
#: Where along an arrow (0 = source, 1 = target) its coefficient is written, where the middle
#: would collide with another label or box in the default layout.
_LABEL_AT: dict[tuple[str, str], float] = {
    ("expectations", "satisfaction"): 0.62,
    ("quality", "satisfaction"): 0.62,
    ("image", "quality"): 0.3,
}


def _layered(constructs: list[str], paths: list[tuple[str, str]]) -> dict[str, tuple[float, float]]:
    """Fallback layout: x = longest path from an exogenous construct, y spread per layer."""
    layer = dict.fromkeys(constructs, 0)
    for _ in constructs:
        for s, t in paths:
            layer[t] = max(layer[t], layer[s] + 1)
    pos = {}
    for k in sorted(set(layer.values())):
        members = [c for c in constructs if layer[c] == k]
        for j, c in enumerate(members):
            pos[c] = (1.6 * k, (len(members) - 1) / 2 - j)
    return pos


def path_diagram(model, coefficients: pd.Series | None = None,
                 r_squared: pd.Series | None = None, ax=None, positions=None,
                 title: str | None = None):
    """Draw a structural model: one box per construct, one arrow per path.

    Parameters
    ----------
    model : ModelSpec, PLSResult or SEMResult-like, or list of (source, target)
        The paths to draw (a fitted result also gives the coefficients and R²).
    coefficients : Series, optional
        Path coefficients indexed by ``(source, target)``, written on the arrows; negative
        paths are drawn dashed.
    r_squared : Series, optional
        R² per endogenous construct, written under its name.
    ax : matplotlib Axes, optional
    positions : dict, optional
        Construct -> (x, y); defaults to :data:`DIAGRAM_POSITIONS`, then a layered layout.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from crm_lab.satisfaction import ACSI
    >>> ax = path_diagram(ACSI)
    >>> len(ax.patches)  # one box per construct
    6
    """
    if hasattr(model, "path_coefficients"):
        coefficients = model.path_coefficients if coefficients is None else coefficients
        r_squared = model.r_squared if r_squared is None else r_squared
    if isinstance(model, list | tuple):
        paths = list(model)
    elif isinstance(getattr(model, "paths", None), pd.DataFrame):  # SEMResult
        paths = list(model.path_coefficients.index)
    else:  # ModelSpec, PLSResult
        paths = list(model.paths)
    paths = [tuple(p) for p in paths]
    constructs = list(dict.fromkeys([c for p in paths for c in p]))
    positions_default = positions is None and all(c in DIAGRAM_POSITIONS for c in constructs)
    if positions is None:
        if positions_default:
            positions = {c: DIAGRAM_POSITIONS[c] for c in constructs}
        else:
            positions = _layered(constructs, paths)
    ax = ax or plt.subplots(figsize=(8.5, 4.8))[1]
    w, h = 1.1, 0.55
    for c in constructs:
        x, y = positions[c]
        ax.add_patch(plt.Rectangle((x - w / 2, y - h / 2), w, h, facecolor="#e8f0f8",
                                   edgecolor="#2a5d8f", lw=1.2, zorder=2))
        label = c
        if r_squared is not None and c in r_squared.index:
            label += f"\nR² = {r_squared[c]:.2f}"
        ax.text(x, y, label, ha="center", va="center", fontsize=9, zorder=3)
    for s, t in paths:
        (x0, y0), (x1, y1) = positions[s], positions[t]
        coef = None if coefficients is None else float(coefficients.get((s, t), np.nan))
        style = "--" if coef is not None and coef < 0 else "-"
        # start and end on the box borders
        dx, dy = x1 - x0, y1 - y0
        scale = min((w / 2) / abs(dx) if dx else np.inf, (h / 2) / abs(dy) if dy else np.inf)
        start = (x0 + dx * scale, y0 + dy * scale)
        end = (x1 - dx * scale, y1 - dy * scale)
        ax.annotate("", xy=end, xytext=start, zorder=1,
                    arrowprops={"arrowstyle": "-|>", "color": "#444444", "lw": 1.1,
                                "linestyle": style, "shrinkA": 0, "shrinkB": 0})
        if coef is not None and np.isfinite(coef):
            f = _LABEL_AT.get((s, t), 0.5) if positions_default else 0.5
            mx, my = start[0] + f * (end[0] - start[0]), start[1] + f * (end[1] - start[1])
            ax.text(mx, my, f"{coef:.2f}", ha="center", va="center", fontsize=8.5, zorder=4,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white",
                          "edgecolor": "none"})
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    ax.set(xlim=(min(xs) - 0.75, max(xs) + 0.75), ylim=(min(ys) - 0.5, max(ys) + 0.5))
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def coefficient_plot(table: pd.DataFrame, estimates: Sequence[str] = ("pls",),
                     reference: str | None = None, ax=None, title: str | None = None,
                     labels: Mapping[str, str] | None = None):
    """Path coefficients as dots with intervals, one row per path, against a reference.

    Parameters
    ----------
    table : DataFrame
        Indexed by ``(source, target)``, e.g. :func:`crm_lab.satisfaction.path_table` or
        :func:`crm_lab.satisfaction.recover_paths`. For an estimate column ``name``, columns
        ``name_ci_low`` and ``name_ci_high`` (when present) are drawn as an interval, and a
        true ``name_improper`` column (``sem_improper`` of ``path_table``) marks that
        estimate "IMPROPER" in the legend.
    estimates : sequence of str
        Columns to draw as dots.
    reference : str, optional
        Column drawn as a black bar (e.g. ``"population"``: what the model should find).
    ax : matplotlib Axes, optional
    title : str, optional
    labels : dict, optional
        Legend label per column.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"pls": [0.3, -0.2], "pls_ci_low": [0.2, -0.3],
    ...                   "pls_ci_high": [0.4, -0.1], "truth": [0.35, -0.25]},
    ...                  index=pd.MultiIndex.from_tuples([("a", "b"), ("b", "c")]))
    >>> ax = coefficient_plot(t, ["pls"], reference="truth")
    >>> [tl.get_text() for tl in ax.get_yticklabels()]
    ['a → b', 'b → c']
    """
    missing = [c for c in [*estimates, *([reference] if reference else [])]
               if c not in table.columns]
    if missing:
        raise ValueError(f"coefficient_plot: columns {missing} are not in the table "
                         f"{list(table.columns)}.")
    labels = dict(labels or {})
    n = len(table)
    ax = ax or plt.subplots(figsize=(7, 0.42 * n + 1.2))[1]
    y = np.arange(n)
    offsets = np.linspace(-0.18, 0.18, len(estimates)) if len(estimates) > 1 else [0.0]
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (name, off) in enumerate(zip(estimates, offsets, strict=True)):
        v = table[name].to_numpy(dtype=float)
        flag = f"{name}_improper"
        if flag in table and table[flag].astype(bool).any():
            labels[name] = labels.get(name, name) + " (IMPROPER solution)"
        lo, hi = f"{name}_ci_low", f"{name}_ci_high"
        if lo in table and hi in table:
            err = np.vstack([v - table[lo].to_numpy(float), table[hi].to_numpy(float) - v])
            ax.errorbar(v, y + off, xerr=err, fmt="o", color=colours[k % len(colours)],
                        capsize=3, ms=5, label=labels.get(name, name) + " (95% interval)")
        else:
            ax.plot(v, y + off, "o", color=colours[k % len(colours)], ms=5,
                    label=labels.get(name, name))
    if reference:
        ax.scatter(table[reference].to_numpy(float), y, marker="|", s=300, color="black",
                   zorder=5, label=labels.get(reference, reference))
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(y, [f"{s} → {t}" for s, t in table.index])
    ax.invert_yaxis()
    ax.set(xlabel="standardized path coefficient", title=title or "Structural paths")
    ax.legend(loc="best", fontsize=8)
    return ax


def ipma_plot(ipma: pd.DataFrame, ax=None, title: str | None = None):
    """Importance-performance map from :func:`crm_lab.satisfaction.importance_performance`.

    Importance (total effect on the target) on the x axis, performance (0-100 index) on the
    y axis, dotted lines at the drivers' means. Bottom right is *concentrate here*:
    important drivers that perform below average.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"importance": [0.5, 0.2], "performance": [60.0, 70.0],
    ...                   "quadrant": ["concentrate here", "possible overkill"]},
    ...                  index=pd.Index(["quality", "value"], name="driver"))
    >>> ipma_plot(m).get_xlabel()
    'importance (total effect)'
    """
    ax = ax or plt.subplots()[1]
    x, y = ipma["importance"].astype(float), ipma["performance"].astype(float)
    ax.scatter(x, y, s=60, zorder=3)
    for name in ipma.index:
        ax.annotate(name, (x[name], y[name]), xytext=(6, 4), textcoords="offset points",
                    fontsize=9)
    ax.axvline(x.mean(), color="grey", lw=0.8, ls=":")
    ax.axhline(y.mean(), color="grey", lw=0.8, ls=":")
    xpad = max(0.05, 0.25 * (x.max() - x.min()))
    ypad = max(3.0, 0.25 * (y.max() - y.min()))
    ax.set(xlim=(x.min() - xpad, x.max() + xpad), ylim=(y.min() - ypad, y.max() + ypad))
    corners = {"concentrate here": (0.98, 0.03, "right", "bottom"),
               "keep up the good work": (0.98, 0.97, "right", "top"),
               "low priority": (0.02, 0.03, "left", "bottom"),
               "possible overkill": (0.02, 0.97, "left", "top")}
    for text, (cx, cy, ha, va) in corners.items():
        ax.text(cx, cy, text, transform=ax.transAxes, ha=ha, va=va, fontsize=8,
                color="#8a2a2a" if text == "concentrate here" else "grey")
    target = ipma.attrs.get("target", "satisfaction")
    ax.set(xlabel="importance (total effect)", ylabel="performance (index 0-100)",
           title=title or f"Importance-performance map of {target}")
    return ax
