"""Customer satisfaction index models (顾客满意度指数): ACSI, ECSI, CCSI.

A satisfaction index is a structural model between a few constructs (expectations,
perceived quality, perceived value, satisfaction, complaints, loyalty, image), each
measured by a handful of 1-10 survey items. This module holds

* the **model specifications as data** (:class:`ModelSpec`: :data:`ACSI`, :data:`ECSI`,
  :data:`ECSI_NO_COMPLAINTS`, :data:`CCSI`, :data:`CCSI_VARIANT`) and :func:`blocks_for`,
  which finds each construct's item columns by prefix;
* covariance-based SEM with semopy (:func:`fit_sem`), the alternative to PLS;
* the 0-100 **index** as the ACSI reports it (:func:`satisfaction_index`) and the
  **importance-performance map** (:func:`importance_performance`).

PLS path modeling itself lives in :mod:`crm_lab.pls` (re-exported here).

Examples
--------
>>> sorted(blocks_for(ACSI, ["expect_1", "expect_2", "quality_1", "value_1",
...                          "satisfaction_1", "complaint_1", "loyalty_1"]).items())[:2]
[('complaints', ['complaint_1']), ('expectations', ['expect_1', 'expect_2'])]
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from crm_lab.pls import (
    PLSPathModel,
    PLSResult,
    average_variance_extracted,
    check_model,
    composite_reliability,
    cronbach_alpha,
    fornell_larcker,
    htmt,
    pls_pm,
    unidimensionality,
)
from crm_lab.validate import DataError, ParameterError, check_param, check_survey

__all__ = [
    "ModelSpec",
    "ACSI",
    "ECSI",
    "ECSI_NO_COMPLAINTS",
    "CCSI",
    "CCSI_VARIANT",
    "DEFAULT_PREFIXES",
    "blocks_for",
    "fit_sem",
    "SEMResult",
    "ImproperSolutionWarning",
    "satisfaction_index",
    "importance_performance",
    # re-exported from crm_lab.pls
    "pls_pm",
    "PLSPathModel",
    "PLSResult",
    "cronbach_alpha",
    "composite_reliability",
    "average_variance_extracted",
    "unidimensionality",
    "htmt",
    "fornell_larcker",
]


# ----------------------------------------------------------------------------- specifications


@dataclass(frozen=True)
class ModelSpec:
    """A satisfaction-index structure: constructs and directed paths, with its source.

    Parameters
    ----------
    name : str
        Short name, e.g. ``"ACSI"``.
    constructs : tuple of str
        Construct names in causal order.
    paths : tuple of (source, target)
        Structural paths.
    source : str
        Citation of the structure.
    notes : str
        Anything a reader should know (variants, choices we made).

    Examples
    --------
    >>> spec = ModelSpec("toy", ("quality", "satisfaction"), (("quality", "satisfaction"),),
    ...                  source="textbook")
    >>> spec.endogenous
    ('satisfaction',)
    """

    name: str
    constructs: tuple[str, ...]
    paths: tuple[tuple[str, str], ...]
    source: str
    notes: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "constructs", tuple(self.constructs))
        object.__setattr__(self, "paths", tuple(tuple(p) for p in self.paths))
        check_model({c: [f"_{c}"] for c in self.constructs}, list(self.paths))

    @property
    def exogenous(self) -> tuple[str, ...]:
        """Constructs no path points to."""
        targets = {t for _, t in self.paths}
        return tuple(c for c in self.constructs if c not in targets)

    @property
    def endogenous(self) -> tuple[str, ...]:
        """Constructs explained by at least one path."""
        targets = {t for _, t in self.paths}
        return tuple(c for c in self.constructs if c in targets)

    def drop(self, *constructs: str, name: str | None = None) -> ModelSpec:
        """The same model without ``constructs`` and every path touching them."""
        unknown = [c for c in constructs if c not in self.constructs]
        if unknown:
            raise ParameterError(f"drop: {unknown} are not constructs of {self.name} "
                                 f"{list(self.constructs)}.")
        keep = tuple(c for c in self.constructs if c not in constructs)
        paths = tuple(p for p in self.paths if p[0] in keep and p[1] in keep)
        return ModelSpec(name or f"{self.name} without {', '.join(constructs)}", keep, paths,
                         self.source, self.notes)

    def to_frame(self) -> pd.DataFrame:
        """The paths as a two-column table (for display)."""
        return pd.DataFrame(list(self.paths), columns=["source", "target"])


ACSI = ModelSpec(
    name="ACSI",
    constructs=("expectations", "quality", "value", "satisfaction", "complaints", "loyalty"),
    paths=(
        ("expectations", "quality"), ("expectations", "value"), ("expectations", "satisfaction"),
        ("quality", "value"), ("quality", "satisfaction"), ("value", "satisfaction"),
        ("satisfaction", "complaints"), ("satisfaction", "loyalty"), ("complaints", "loyalty"),
    ),
    source=("Fornell, Johnson, Anderson, Cha & Bryant (1996), The American Customer "
            "Satisfaction Index: nature, purpose, and findings. Journal of Marketing 60(4), "
            "7-18, Figure 1."),
    notes=("Customer expectations, perceived quality, perceived value -> satisfaction (ACSI) "
           "-> complaints, loyalty; complaints -> loyalty (a negative path means complaint "
           "handling fails to retain). "
           "顾客预期, 感知质量, 感知价值, 顾客满意, 顾客抱怨, 顾客忠诚."),
)

ECSI = ModelSpec(
    name="ECSI",
    constructs=("image", "expectations", "quality", "value", "satisfaction", "complaints",
                "loyalty"),
    paths=(
        ("image", "expectations"), ("image", "satisfaction"), ("image", "loyalty"),
        ("expectations", "quality"), ("expectations", "value"), ("expectations", "satisfaction"),
        ("quality", "value"), ("quality", "satisfaction"), ("value", "satisfaction"),
        ("satisfaction", "complaints"), ("satisfaction", "loyalty"), ("complaints", "loyalty"),
    ),
    source=("ECSI Technical Committee (1998), European Customer Satisfaction Index: foundation "
            "and structure for harmonized national pilot projects; estimated on the "
            "mobile-phone survey in Tenenhaus, Esposito Vinzi, Chatelin & Lauro (2005), PLS "
            "path modeling, Computational Statistics & Data Analysis 48, 159-205. Same 12 paths "
            "as the semPLS/seminr 'mobi' ECSI example (seminr demo/seminr-ecsi.R)."),
    notes=("Adds corporate image (企业形象) to the ACSI: image -> expectations, satisfaction, "
           "loyalty. Without a complaints block use ECSI_NO_COMPLAINTS."),
)

ECSI_NO_COMPLAINTS = replace(
    ECSI.drop("complaints", name="ECSI (no complaints)"),
    source=("R plspm 'satisfaction' example (gastonstat/plspm R/satis-plspm-ex.r; Sanchez "
            "2013, PLS Path Modeling with R): the ECSI without complaints, ten paths."),
    notes="The structure to use with the plspm bank survey (ecsi_bank_satisfaction.csv).",
)

CCSI = ModelSpec(
    name="CCSI",
    constructs=("image", "expectations", "quality", "value", "satisfaction", "loyalty"),
    paths=(
        ("image", "expectations"), ("image", "quality"), ("image", "satisfaction"),
        ("image", "loyalty"),
        ("expectations", "quality"), ("expectations", "value"), ("expectations", "satisfaction"),
        ("quality", "value"), ("quality", "satisfaction"), ("value", "satisfaction"),
        ("satisfaction", "loyalty"),
    ),
    source=("China Customer Satisfaction Index (中国顾客满意指数), Tsinghua University China "
            "Business Research Center with the China Quality Association, from 1995 (赵平 Zhao "
            "Ping); 国家质检总局质量管理司 & 清华大学中国企业研究中心 (2003) 中国顾客满意指数指南, "
            "中国标准出版社. Structure as stated in the quality-engineer certification syllabus "
            "(质量专业资格考试知识点: 中国顾客满意指数): six constructs "
            "品牌形象, 预期质量, 感知质量, 感知价值, 顾客满意度, 顾客忠诚 "
            "forming 11 causal relations; image, expected quality, "
            "perceived quality and perceived value cause satisfaction; loyalty is its result."),
    notes=("No complaints construct (unlike the ACSI). The source fixes 5 of the 11 paths "
           "(4 drivers -> satisfaction, satisfaction -> loyalty); the other six are our reading "
           "of the CCSI diagram: the ECSI chain image -> expected quality -> perceived quality "
           "-> value plus expected quality -> value, and brand image -> perceived quality and "
           "brand image -> loyalty. Sources differ on the last two; CCSI_VARIANT drops "
           "image -> loyalty (nested, so SEM chi-square difference tests apply). Construct names "
           "match ECSI so one survey fits all index models."),
)

CCSI_VARIANT = ModelSpec(
    name="CCSI (no image -> loyalty)",
    constructs=CCSI.constructs,
    paths=tuple(p for p in CCSI.paths if p != ("image", "loyalty")),
    source=CCSI.source,
    notes=("CCSI without the direct brand image -> loyalty path (10 paths): loyalty depends on "
           "image only through satisfaction. Compare with CCSI to test the direct path."),
)

#: Column prefixes of the book's simulated survey (``image_1..3``, ``expect_1..3``, ...).
DEFAULT_PREFIXES: dict[str, str] = {
    "image": "image",
    "expectations": "expect",
    "quality": "quality",
    "value": "value",
    "satisfaction": "satisfaction",
    "complaints": "complaint",
    "loyalty": "loyalty",
}


def blocks_for(spec: ModelSpec, columns: pd.DataFrame | Iterable[str],
               prefixes: Mapping[str, str] | None = None, sep: str = "_") -> dict[str, list[str]]:
    """Map each construct of ``spec`` to its item columns by prefix.

    An item of construct ``c`` is a column named ``prefix + sep + number`` where ``prefix``
    comes from ``prefixes`` (then :data:`DEFAULT_PREFIXES`, then the construct name). Items
    are ordered by their number.

    Parameters
    ----------
    spec : ModelSpec
    columns : DataFrame or iterable of str
        The survey (or its column names).
    prefixes : dict, optional
        Construct -> prefix, e.g. ``{"image": "imag", "expectations": "expe"}``.
    sep : str
        Separator between prefix and number (``""`` for ``imag1``).

    Returns
    -------
    dict
        Construct -> list of columns, in the order of ``spec.constructs``.

    Raises
    ------
    ParameterError
        When a construct has no matching column (the message names it and its prefix).

    Examples
    --------
    >>> blocks_for(ECSI_NO_COMPLAINTS, ["imag1", "imag2", "expe1", "qual1", "val1", "sat1",
    ...            "loy1"], prefixes={"image": "imag", "expectations": "expe", "quality": "qual",
    ...            "value": "val", "satisfaction": "sat", "loyalty": "loy"}, sep="")["image"]
    ['imag1', 'imag2']
    """
    if not isinstance(spec, ModelSpec):
        raise ParameterError("parameter 'spec' must be a ModelSpec such as ACSI or ECSI.")
    cols = [str(c) for c in (columns.columns if isinstance(columns, pd.DataFrame) else columns)]
    prefixes = dict(prefixes or {})
    unknown = [c for c in prefixes if c not in spec.constructs]
    if unknown:
        raise ParameterError(f"parameter 'prefixes': {unknown} are not constructs of "
                             f"{spec.name} {list(spec.constructs)}.")
    out: dict[str, list[str]] = {}
    for c in spec.constructs:
        prefix = prefixes.get(c, DEFAULT_PREFIXES.get(c, c))
        pat = re.compile(rf"^{re.escape(prefix)}{re.escape(sep)}(\d+)$")
        found = sorted((int(m.group(1)), col) for col in cols if (m := pat.match(col)))
        if not found:
            shown = ", ".join(cols[:12]) + (" ..." if len(cols) > 12 else "")
            raise ParameterError(
                f"blocks_for: construct {c!r} has no indicators: no column matches "
                f"'{prefix}{sep}<number>' among [{shown}]. How to fix: pass "
                f"prefixes={{'{c}': '<your prefix>'}} (and sep='' for names like 'imag1').")
        out[c] = [col for _, col in found]
    return out


# ----------------------------------------------------------------------------- SEM


class ImproperSolutionWarning(UserWarning):
    """A covariance-based SEM solution is improper: a Heywood case (negative variance),
    a standardised coefficient beyond ±1, or no convergence. Do not interpret it as is."""


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


@dataclass
class SEMResult:
    """A covariance-based SEM fit (maximum likelihood, semopy).

    Attributes
    ----------
    path_coefficients : Series
        Standardised structural coefficients, MultiIndex ``(source, target)``.
    paths : DataFrame
        Per path: estimate (unstandardised), std_estimate, std_error, std_error_std,
        z_value, p_value. ``std_error``, ``z_value`` and ``p_value`` are semopy's Wald
        statistics of the unstandardised estimate (the usual test of β = 0);
        ``std_error_std`` rescales that standard error by ``std_estimate / estimate``
        (an approximation that holds the variances fixed).
    loadings : Series
        Standardised loadings by item.
    r_squared : Series
        1 - standardised residual variance of each endogenous construct.
    fit : Series
        n, chi2, df, p_value, cfi, tli, rmsea, srmr.
    improper : list of str
        Reasons the solution is improper (empty when it is fine).
    description : str
        The semopy (lavaan-style) model description.
    estimates : DataFrame
        semopy's full ``inspect(std_est=True)`` table.
    model : semopy.Model
        The fitted semopy model.
    """

    path_coefficients: pd.Series
    paths: pd.DataFrame
    loadings: pd.Series
    r_squared: pd.Series
    fit: pd.Series
    improper: list[str]
    description: str
    estimates: pd.DataFrame
    model: object = field(repr=False)

    def summary(self) -> str:
        """Plain-text report: fit indices, structural paths, R², loadings."""
        f = self.fit
        out = [
            "Covariance-based SEM (maximum likelihood, semopy)",
            f"n = {int(f['n'])}   chi2 = {f['chi2']:.2f}   df = {int(f['df'])}   "
            f"p = {f['p_value']:.3g}",
            f"CFI = {f['cfi']:.3f}   TLI = {f['tli']:.3f}   RMSEA = {f['rmsea']:.3f}   "
            f"SRMR = {f['srmr']:.3f}",
            "",
            "Structural paths",
            self.paths.round(3).to_string(),
            "",
            "R-squared",
            self.r_squared.round(3).to_string(),
            "",
            "Standardised loadings",
            self.loadings.round(3).to_string(),
        ]
        if self.improper:
            out += ["", "IMPROPER SOLUTION:", *(f"  - {m}" for m in self.improper)]
        return "\n".join(out)

    def __repr__(self) -> str:
        f = self.fit
        return (f"SEMResult(n={int(f['n'])}, chi2={f['chi2']:.1f}, df={int(f['df'])}, "
                f"CFI={f['cfi']:.3f}, RMSEA={f['rmsea']:.3f}, SRMR={f['srmr']:.3f})")


def _sem_description(blocks: dict[str, list[str]], pairs: list[tuple[str, str]]) -> str:
    lines = []
    for c, items in blocks.items():
        lines.append(f"{c} =~ {' + '.join(items)}")
        if len(items) == 1:  # single indicator: measured without error (identification)
            lines.append(f"{items[0]} ~~ 0*{items[0]}")
    targets: dict[str, list[str]] = {}
    for s, t in pairs:
        targets.setdefault(t, []).append(s)
    lines += [f"{t} ~ {' + '.join(src)}" for t, src in targets.items()]
    return "\n".join(lines)


def _fit_indices(model, sigma: np.ndarray) -> dict[str, float]:
    from scipy import stats
    from semopy.stats import calc_chi2, calc_dof

    s = np.asarray(model.mx_cov)
    n = model.n_samples
    p = s.shape[0]
    dof = calc_dof(model)
    chi2 = float(calc_chi2(model, dof)[0])
    pval = float(stats.chi2.sf(chi2, dof)) if dof > 0 else float("nan")
    # independence (baseline) model in closed form: Sigma_0 = diag(S)
    chi2_b = n * (np.sum(np.log(np.diag(s))) - np.linalg.slogdet(s)[1])
    dof_b = p * (p - 1) / 2
    d_m, d_b = max(chi2 - dof, 0.0), max(chi2_b - dof_b, 0.0)
    cfi = 1.0 - d_m / max(d_b, d_m) if max(d_b, d_m) > 0 else 1.0
    tli = ((chi2_b / dof_b - chi2 / dof) / (chi2_b / dof_b - 1)) if dof > 0 else float("nan")
    rmsea = float(np.sqrt(d_m / (dof * (n - 1)))) if dof > 0 else 0.0
    # SRMR (Bentler): residuals scaled by the observed standard deviations, lower triangle
    sd = np.sqrt(np.diag(s))
    resid = (s - sigma) / np.outer(sd, sd)
    srmr = float(np.sqrt(np.mean(resid[np.tril_indices(p)] ** 2)))
    return {"n": n, "chi2": chi2, "df": dof, "p_value": pval, "cfi": cfi, "tli": tli,
            "rmsea": rmsea, "srmr": srmr}


def fit_sem(data: pd.DataFrame, blocks: Mapping[str, Sequence[str]],
            paths: Sequence[tuple[str, str]], *, scale: tuple[float, float] | None = (1, 10),
            obj: str = "MLW", solver: str = "SLSQP") -> SEMResult:
    """Fit the model as a covariance-based SEM (reflective factors, maximum likelihood).

    The semopy description is built from the same ``blocks`` and ``paths`` as
    :func:`~crm_lab.pls.pls_pm`: one ``construct =~ items`` line per block (single-item
    constructs are measured without error) and one ``target ~ sources`` line per
    endogenous construct; exogenous constructs covary freely.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    blocks : dict
        Construct -> item columns (names must be plain identifiers).
    paths : list of (source, target)
    scale : (low, high) or None
        Answer scale checked by :func:`~crm_lab.validate.check_survey`.
    obj, solver : str
        semopy objective (``"MLW"`` = Wishart maximum likelihood, or ``"GLS"``) and
        optimiser.

    Returns
    -------
    SEMResult

    Warns
    -----
    ImproperSolutionWarning
        Variance estimates at or below zero (Heywood cases; semopy bounds variances at 0),
        standardised coefficients beyond ±1, or a solver that did not converge.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> q = rng.normal(size=800); s = 0.6 * q + 0.8 * rng.normal(size=800)
    >>> df = pd.DataFrame({f"q{i}": 0.8 * q + 0.6 * rng.normal(size=800) for i in (1, 2, 3)}
    ...                   | {f"s{i}": 0.8 * s + 0.6 * rng.normal(size=800) for i in (1, 2, 3)})
    >>> res = fit_sem(df, {"quality": ["q1", "q2", "q3"], "sat": ["s1", "s2", "s3"]},
    ...               [("quality", "sat")], scale=None)
    >>> round(float(res.path_coefficients.iloc[0]), 1)
    0.6
    """
    import semopy

    blocks_d, pairs = check_model(blocks, paths)
    bad = [nm for nm in [*blocks_d, *(i for v in blocks_d.values() for i in v)]
           if not _NAME.match(str(nm))]
    if bad:
        raise ParameterError(f"fit_sem: names {bad} are not plain identifiers (letters, digits, "
                             "'_', '.'); rename them, e.g. df.rename(columns=...).")
    clash = set(blocks_d) & {i for v in blocks_d.values() for i in v}
    if clash:
        raise ParameterError(f"fit_sem: {sorted(clash)} are used both as construct and item "
                             "names; rename the constructs.")
    check_param("obj", obj, ["MLW", "GLS"], hint="The chi-square fit indices need a "
                "maximum-likelihood (MLW) or GLS discrepancy.")
    items = [i for v in blocks_d.values() for i in v]
    frame = check_survey(data, items, scale=scale)
    const = [c for c in items if np.ptp(frame[c].to_numpy()) == 0]
    if const:
        raise DataError(f"survey{const}: item(s) have zero variance. How to fix: drop them.")

    desc = _sem_description(blocks_d, pairs)
    model = semopy.Model(desc)
    res = model.fit(frame[items], obj=obj, solver=solver)
    est = model.inspect(std_est=True)
    est = est.rename(columns={"Estimate": "estimate", "Est. Std": "std_estimate",
                              "Std. Err": "std_error", "z-value": "z_value",
                              "p-value": "p_value"})
    for c in ("estimate", "std_estimate", "std_error", "z_value", "p_value"):
        est[c] = pd.to_numeric(est[c], errors="coerce")

    improper: list[str] = []
    if not getattr(res, "success", True):
        improper.append(f"the optimiser did not converge ({getattr(res, 'message', '')}).")

    reg = est[est["op"] == "~"]
    struct = reg[reg["lval"].isin(list(blocks_d)) & reg["rval"].isin(list(blocks_d))]
    rows = []
    for s, t in pairs:
        r = struct[(struct["lval"] == t) & (struct["rval"] == s)].iloc[0]
        ratio = abs(r["std_estimate"] / r["estimate"]) if r["estimate"] != 0 else np.nan
        rows.append((r["estimate"], r["std_estimate"], r["std_error"], r["std_error"] * ratio,
                     r["z_value"], r["p_value"]))
    mi = pd.MultiIndex.from_tuples(pairs, names=["source", "target"])
    path_tab = pd.DataFrame(rows, index=mi, columns=["estimate", "std_estimate", "std_error",
                                                     "std_error_std", "z_value", "p_value"])
    load = reg[reg["lval"].isin(items) & reg["rval"].isin(list(blocks_d))]
    loadings = pd.Series(load["std_estimate"].to_numpy(),
                         index=pd.Index(load["lval"].to_numpy(), name="item"),
                         name="loading").reindex(items)
    var = est[(est["op"] == "~~") & (est["lval"] == est["rval"])]
    endo = [c for c in blocks_d if any(t == c for _, t in pairs)]
    resid_std = var.set_index("lval")["std_estimate"]
    r2 = pd.Series([1 - resid_std.get(c, np.nan) for c in endo],
                   index=pd.Index(endo, name="construct"), name="r_squared")

    # semopy bounds variances below at 0, so a Heywood case (negative variance) shows up as
    # an estimate on that bound; single-item error variances fixed at 0 are not estimates.
    fixed = {v[0] for v in blocks_d.values() if len(v) == 1}
    floor = 1e-6 * float(frame[items].var(ddof=0).max())
    for _, r in var.iterrows():
        if r["lval"] not in fixed and (r["estimate"] <= floor or r["std_estimate"] < 1e-3):
            improper.append(f"the (residual) variance of {r['lval']} is estimated at "
                            f"{r['estimate']:.3g}, on semopy's lower bound of zero (the "
                            "unconstrained estimate would be negative or zero): a Heywood case.")
    for _, r in reg.iterrows():
        if abs(r["std_estimate"]) > 1:
            improper.append(f"standardised coefficient {r['rval']} -> {r['lval']} = "
                            f"{r['std_estimate']:.3f} lies beyond ±1.")
    if improper:
        warnings.warn("improper SEM solution: " + " ".join(improper) + " Check the model, "
                      "the items of the named constructs, and the sample size.",
                      ImproperSolutionWarning, stacklevel=2)

    fit = pd.Series(_fit_indices(model, model.calc_sigma()[0]), name="fit")
    return SEMResult(path_coefficients=path_tab["std_estimate"].rename("path_coefficient"),
                     paths=path_tab, loadings=loadings, r_squared=r2, fit=fit,
                     improper=improper, description=desc, estimates=est, model=model)


# ----------------------------------------------------------------------------- index and IPMA


def _check_result(result) -> PLSResult:
    if not isinstance(result, PLSResult):
        raise ParameterError("parameter 'result' must be a PLSResult from pls_pm (the index "
                             "uses its outer weights).")
    return result


def _index_weights(result: PLSResult) -> pd.Series:
    """Outer weights on the answer scale, rescaled to sum to 1 within each block."""
    w = result.weights / result.item_scales[result.weights.index]
    out = []
    for c, items in result.blocks.items():
        wc = w[items]
        total = wc.sum()
        if total <= 0 or (wc < 0).any():
            warnings.warn(f"construct {c!r} has negative outer weights {wc.round(3).to_dict()}; "
                          "its 0-100 index is not a weighted average. Check for reverse-coded "
                          "items.", UserWarning, stacklevel=3)
        out.append(wc / total)
    return pd.concat(out)


def satisfaction_index(result: PLSResult, data: pd.DataFrame,
                       scale: tuple[float, float] = (1, 10), *, by=None,
                       per_respondent: bool = False) -> pd.DataFrame:
    """0-100 construct indices as the ACSI reports them.

    Each construct's outer weights are put on the answer scale (divided by the item
    standard deviation when the model was fitted with ``scaled=True``) and rescaled to sum
    to 1; then ``index = (Σ w_i x_i - low) / (high - low) * 100`` for every respondent. The
    mean index equals the formula applied to the item means ``x̄_i``.

    Parameters
    ----------
    result : PLSResult
        Fitted model (its blocks give the items).
    data : DataFrame
        Survey with the model's items (the fitted data or a new wave).
    scale : (low, high)
        Answer scale; ``(1, 10)`` for ACSI-style surveys, ``(0, 10)`` for the plspm bank data.
    by : Series or array, optional
        Group label per respondent, in the row order of ``data``, for group means.
    per_respondent : bool
        Return one row per respondent instead of means.

    Returns
    -------
    DataFrame
        Means: row ``"all"`` (and one per group), a column per construct and ``n``.
        Per respondent: the input index and a column per construct.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> q = rng.normal(size=300); s = 0.6 * q + 0.8 * rng.normal(size=300)
    >>> raw = {f"q{i}": q + rng.normal(size=300) for i in (1, 2)}
    >>> raw |= {f"s{i}": s + rng.normal(size=300) for i in (1, 2)}
    >>> df = pd.DataFrame({k: np.clip(np.round(6 + 1.5 * v), 1, 10) for k, v in raw.items()})
    >>> res = pls_pm(df, {"Q": ["q1", "q2"], "S": ["s1", "s2"]}, [("Q", "S")], scaled=False)
    >>> idx = satisfaction_index(res, df)
    >>> bool(0 < idx.loc["all", "S"] < 100), int(idx.loc["all", "n"])
    (True, 300)
    """
    result = _check_result(result)
    if scale is None or len(scale) != 2 or not scale[1] > scale[0]:
        raise ParameterError("parameter 'scale' must be (low, high) with high > low, "
                             f"got {scale!r}.")
    check_param("per_respondent", per_respondent, kind=bool)
    items = [i for v in result.blocks.values() for i in v]
    x = check_survey(data, items, scale=scale)
    lo, hi = scale
    w = _index_weights(result)
    scores = pd.DataFrame({c: (x[its].to_numpy() @ w[its].to_numpy() - lo) / (hi - lo) * 100
                           for c, its in result.blocks.items()}, index=x.index)
    if per_respondent:
        return scores
    table = scores.mean().to_frame("all").T
    table["n"] = len(scores)
    if by is not None:
        g = pd.Series(by.to_numpy() if isinstance(by, pd.Series) else np.asarray(by))
        if len(g) != len(scores):
            raise ParameterError(f"parameter 'by' has {len(g)} labels for {len(scores)} "
                                 "respondents; pass one label per row of data.")
        if g.isna().any():
            raise ParameterError("parameter 'by' has missing labels; fill or drop them first.")
        g.index = scores.index
        grouped = scores.groupby(g, sort=True)
        gt = grouped.mean()
        gt["n"] = grouped.size()
        table = pd.concat([table, gt])
        table.index.name = getattr(by, "name", None) or "group"
    table["n"] = table["n"].astype(int)
    return table


_QUADRANTS = ["concentrate here", "keep up the good work", "low priority", "possible overkill"]


def importance_performance(result: PLSResult, data: pd.DataFrame, target: str = "satisfaction",
                           scale: tuple[float, float] = (1, 10)) -> pd.DataFrame:
    """Importance-performance map of the drivers of ``target`` (IPMA, 重要性-绩效分析).

    Importance is the total (direct + indirect) standardised effect of each driver on
    ``target`` from the PLS model; performance is the driver's mean 0-100 index
    (:func:`satisfaction_index`). Quadrants split at the mean importance and mean
    performance of the drivers (Martilla & James 1977): *concentrate here* (important,
    under-performing) comes first, then *keep up the good work*, *low priority*,
    *possible overkill*; within a quadrant the most important driver comes first.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> q = rng.normal(size=300); v = 0.5 * q + rng.normal(size=300)
    >>> s = 0.4 * q + 0.4 * v + 0.7 * rng.normal(size=300)
    >>> raw = {f"{n}{i}": z + rng.normal(size=300) for n, z in (("q", q), ("v", v), ("s", s))
    ...        for i in (1, 2)}
    >>> df = pd.DataFrame({k: np.clip(np.round(6 + 1.5 * z), 1, 10) for k, z in raw.items()})
    >>> res = pls_pm(df, {"quality": ["q1", "q2"], "value": ["v1", "v2"],
    ...                   "satisfaction": ["s1", "s2"]},
    ...              [("quality", "value"), ("quality", "satisfaction"), ("value", "satisfaction")])
    >>> list(importance_performance(res, df).columns)
    ['importance', 'performance', 'quadrant']
    """
    result = _check_result(result)
    if target not in result.blocks:
        raise ParameterError(f"parameter 'target': {target!r} is not a construct of the model "
                             f"{result.constructs}.")
    te = result.total_effects
    drivers = te[te.index.get_level_values("target") == target]
    if drivers.empty:
        raise ParameterError(f"parameter 'target': no construct has an effect on {target!r}; "
                             "choose an endogenous construct.")
    importance = pd.Series(drivers.to_numpy(), index=drivers.index.get_level_values("source"))
    perf = satisfaction_index(result, data, scale=scale).loc["all", list(importance.index)]
    out = pd.DataFrame({"importance": importance, "performance": perf.astype(float)})
    hi_imp = out["importance"] >= out["importance"].mean()
    hi_perf = out["performance"] >= out["performance"].mean()
    out["quadrant"] = np.select(
        [hi_imp & ~hi_perf, hi_imp & hi_perf, ~hi_imp & ~hi_perf], _QUADRANTS[:3], _QUADRANTS[3])
    order = out["quadrant"].map({q: k for k, q in enumerate(_QUADRANTS)})
    out = out.assign(_o=order).sort_values(["_o", "importance"], ascending=[True, False])
    out.index.name = "driver"
    return out.drop(columns="_o")
