"""A one-page dashboard as a standalone HTML file: inline CSS, figures as data URIs.

The file opens in any browser without a network: no scripts, no style sheets, fonts or
images from elsewhere. Figures (matplotlib, drawn by :mod:`crm_lab.plots.performance`) are
embedded as base64 SVG (or PNG) data URIs, tables as HTML.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from crm_lab.validate import ParameterError, check_param

__all__ = ["export_dashboard", "figure_data_uri"]

_CSS = """
body{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:22px;margin:0 0 4px} h2{font-size:16px;margin:18px 0 6px;border-bottom:1px solid #ccc}
p.sub{color:#666;margin:0 0 12px}
.grid{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px}
.card img{max-width:100%;height:auto}
table{border-collapse:collapse;font-size:12px;background:#fff}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:right}
th{background:#eee} td:first-child,th:first-child{text-align:left}
.met{color:#1a7f37;font-weight:bold} .near{color:#9a6700;font-weight:bold}
.missed{color:#cf222e;font-weight:bold}
ul.notes{color:#555;font-size:12px}
"""


def figure_data_uri(fig, fmt: str = "svg", dpi: int = 90) -> str:
    """A matplotlib Figure as a ``data:`` URI (base64), with no creation date in it.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> figure_data_uri(fig)[:26]
    'data:image/svg+xml;base64,'
    """
    check_param("fmt", fmt, allowed=["svg", "png"])
    buf = io.BytesIO()
    meta = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight", metadata=meta)
    mime = "image/svg+xml" if fmt == "svg" else "image/png"
    return f"data:{mime};base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _table(frame: pd.DataFrame, formatter) -> str:
    shown = frame.copy()
    for c in shown.columns:
        if pd.api.types.is_float_dtype(shown[c]):
            shown[c] = shown[c].map(lambda v: "" if pd.isna(v) else formatter(float(v)))
    text = shown.to_html(border=0, escape=True, na_rep="")
    for s in ("met", "near", "missed"):
        text = text.replace(f"<td>{s}</td>", f'<td class="{s}">{s}</td>')
    return text


def _fmt(x: float) -> str:
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 1:
        return f"{x:.4g}"
    if a >= 1e-3:
        return f"{x:.3g}"
    return "0" if a < 1e-9 else f"{x:.2e}"


def export_dashboard(path, *, figures: Mapping[str, object] | None = None,
                     tables: Mapping[str, pd.DataFrame] | None = None,
                     title: str = "CRM performance dashboard", subtitle: str = "",
                     notes: Sequence[str] = (), fmt: str = "svg") -> Path:
    """Write a standalone HTML dashboard: figures and tables, inline CSS, nothing external.

    Parameters
    ----------
    path : str or Path
        The ``.html`` file to write (its folder must exist).
    figures : mapping, optional
        Caption -> matplotlib Figure (e.g. from
        :func:`crm_lab.plots.performance.dashboard_figure`).
    tables : mapping, optional
        Caption -> DataFrame (floats are shown at the book's precision).
    title, subtitle : str
    notes : sequence of str
        Shown as a list under the tables (what was skipped and why).
    fmt : {"svg", "png"}
        How figures are embedded.

    Returns
    -------
    Path of the file written.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> out = export_dashboard(tempfile.mkdtemp() + "/d.html",
    ...                        tables={"KPIs": pd.DataFrame({"value": [0.5]})})
    >>> "http" in out.read_text(encoding="utf-8")
    False
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise ParameterError(f"parameter 'path': {str(path)!r} should end in .html.")
    if not path.parent.is_dir():
        raise ParameterError(f"parameter 'path': the folder {str(path.parent)!r} does not exist. "
                             "How to fix: create it first (Path(...).mkdir(parents=True)).")
    check_param("title", title, kind=str)
    figures = dict(figures or {})
    tables = dict(tables or {})
    if not figures and not tables:
        raise ParameterError("export_dashboard: give at least one figure or table.")
    parts = [f"<h1>{html.escape(title)}</h1>"]
    if subtitle:
        parts.append(f'<p class="sub">{html.escape(subtitle)}</p>')
    if figures:
        parts.append('<div class="grid">')
        for cap, fig in figures.items():
            parts.append(f'<div class="card"><h2>{html.escape(str(cap))}</h2>'
                         f'<img alt="{html.escape(str(cap))}" src="{figure_data_uri(fig, fmt)}">'
                         "</div>")
        parts.append("</div>")
    for cap, frame in tables.items():
        if not isinstance(frame, pd.DataFrame | pd.Series):
            raise ParameterError(f"parameter 'tables': {cap!r} is not a DataFrame.")
        frame = frame.to_frame() if isinstance(frame, pd.Series) else frame
        parts.append(f'<div class="card"><h2>{html.escape(str(cap))}</h2>'
                     f"{_table(frame, _fmt)}</div>")
    if notes:
        parts.append('<ul class="notes">' + "".join(f"<li>{html.escape(str(n))}</li>"
                                                     for n in notes) + "</ul>")
    doc = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>\n"
           + "\n".join(parts) + "\n</body></html>\n")
    path.write_text(doc, encoding="utf-8")
    return path
