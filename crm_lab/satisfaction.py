"""Customer satisfaction index models (顾客满意度指数): ACSI, ECSI, CCSI.

A satisfaction index is a structural model between a few constructs (expectations,
perceived quality, perceived value, satisfaction, complaints, loyalty, image), each
measured by a handful of 1-10 survey items. This module holds

* the **model specifications as data** (:class:`ModelSpec`: :data:`ACSI`, :data:`ECSI`,
  :data:`ECSI_NO_COMPLAINTS`, :data:`CCSI`, :data:`CCSI_VARIANT`) and :func:`blocks_for`,
  which finds each construct's item columns by prefix;
* covariance-based SEM (:func:`fit_sem`, from :mod:`crm_lab.sem`), the alternative to PLS;
* the 0-100 **index** as the ACSI reports it (:func:`satisfaction_index`; per group with
  standard errors, :func:`index_by_group`, and a joint test, :func:`group_difference_test`)
  and the **importance-performance map** (:func:`importance_performance`);
* comparisons: PLS beside SEM (:func:`path_table`), several index models on one survey
  (:func:`compare_models`, nested ones by :func:`chi2_difference`), and, on the simulated
  company, estimates against the truth (:func:`population_paths`, :func:`recover_paths`,
  :func:`score_recovery`); loyalty by satisfaction decile (:func:`outcomes_by_decile`).

PLS path modeling itself lives in :mod:`crm_lab.pls`, covariance-based SEM in
:mod:`crm_lab.sem` (both re-exported here).

Examples
--------
>>> sorted(blocks_for(ACSI, ["expect_1", "expect_2", "quality_1", "value_1",
...                          "satisfaction_1", "complaint_1", "loyalty_1"]).items())[:2]
[('complaints', ['complaint_1']), ('expectations', ['expect_1', 'expect_2'])]
"""

from __future__ import annotations

import numbers
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
    check_items,
    check_model,
    composite_reliability,
    cronbach_alpha,
    fornell_larcker,
    htmt,
    pls_pm,
    unidimensionality,
)
from crm_lab.sem import (
    ImproperSolutionWarning,
    SEMConvergenceWarning,
    SEMResult,
    chi2_difference,
    fit_indices,
    fit_sem,
)
from crm_lab.validate import DataError, ParameterError, check_columns, check_param

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
    "fit_indices",
    "SEMResult",
    "ImproperSolutionWarning",
    "SEMConvergenceWarning",
    "satisfaction_index",
    "check_scale",
    "importance_performance",
    "MODELS",
    "model_spec",
    "path_table",
    "chi2_difference",
    "ModelComparison",
    "compare_models",
    "TRUTH_LATENTS",
    "population_paths",
    "recover_paths",
    "score_recovery",
    "index_by_group",
    "outcomes_by_decile",
    "group_difference_test",
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
               prefixes: Mapping[str, str] | None = None,
               sep: str | None = "_") -> dict[str, list[str]]:
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
        Separator between prefix and number (``""`` or ``None`` for ``imag1``). A column named
        exactly like the prefix (``CUSCO``) is a single-item block when no numbered one exists.

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
    sep = "" if sep is None else sep
    if not isinstance(sep, str):
        raise ParameterError(f"parameter 'sep' must be text such as '_' or '' (none), got {sep!r}.")
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
        if not found and prefix in cols:  # a single-item block named by its prefix ("CUSCO")
            found = [(0, prefix)]
        if not found:
            shown = ", ".join(cols[:12]) + (" ..." if len(cols) > 12 else "")
            raise ParameterError(
                f"blocks_for: construct {c!r} has no indicators: no column matches "
                f"'{prefix}{sep}<number>' among [{shown}]. How to fix: "
                + _blocks_hint(c, prefix, sep, cols))
        out[c] = [col for _, col in found]
    return out


def _blocks_hint(construct: str, prefix: str, sep: str, cols: list[str]) -> str:
    """What would make ``blocks_for`` find items: another ``sep`` (only if it works) or a
    prefix."""
    for other in ("_", "", ".", "-"):
        if other != sep and any(re.match(rf"^{re.escape(prefix)}{re.escape(other)}\d+$", c)
                                for c in cols):
            return f"pass sep={other!r} (the columns are named like '{prefix}{other}1')."
    return (f"pass prefixes={{'{construct}': '<your prefix>'}} with the prefix of its item "
            f"columns (and sep, the text between prefix and number, now {sep!r}).")


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


def _labels_for(by, index: pd.Index) -> pd.Series:
    """One group label per respondent, in row order, indexed like the scores."""
    g = pd.Series(by.to_numpy() if isinstance(by, pd.Series) else np.asarray(by))
    if len(g) != len(index):
        raise ParameterError(f"parameter 'by' has {len(g)} labels for {len(index)} respondents; "
                             "pass one label per row of data.")
    if g.isna().any():
        raise ParameterError("parameter 'by' has missing labels; fill or drop them first.")
    g.index = index
    return g


def check_scale(scale) -> tuple[float, float]:
    """Check an answer scale ``(low, high)`` (a list from a notebook parameter is fine).

    Examples
    --------
    >>> check_scale([0, 10])
    (0, 10)
    """
    if isinstance(scale, (str, bytes)) or not isinstance(scale, Sequence) or len(scale) != 2 \
            or not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in scale) \
            or not scale[1] > scale[0]:
        raise ParameterError("parameter 'scale' must be (low, high) with high > low, e.g. "
                             f"(1, 10) or (0, 10), got {scale!r}.")
    return (scale[0], scale[1])


def _index_scale(result: PLSResult, scale) -> tuple[float, float]:
    """The answer scale of an index: the one stored on ``result`` unless ``scale`` is given;
    a ``scale`` that contradicts the stored one is refused."""
    fitted = result.scale
    if scale is None:
        if fitted is None:
            raise ParameterError("parameter 'scale': the model was fitted with scale=None, so "
                                 "its answer scale is unknown. How to fix: pass "
                                 "scale=(low, high), e.g. scale=(1, 10), or refit with "
                                 "pls_pm(..., scale=(low, high)).")
        return (fitted[0], fitted[1])
    scale = check_scale(scale)
    if fitted is not None and tuple(scale) != tuple(fitted):
        raise ParameterError(f"parameter 'scale' = {tuple(scale)} contradicts the scale "
                             f"{tuple(fitted)} the model was fitted with (pls_pm(..., "
                             "scale=...)); the index runs from the lowest to the highest "
                             "possible answer. How to fix: drop 'scale' to use the fitted "
                             "scale, or refit the model with the scale you mean.")
    return (scale[0], scale[1])


def satisfaction_index(result: PLSResult, data: pd.DataFrame,
                       scale: tuple[float, float] | None = None, *, by=None,
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
    scale : (low, high), optional
        Answer scale. By default the scale the model was fitted with
        (``pls_pm(..., scale=...)``, stored as ``result.scale``): ``(1, 10)`` for ACSI-style
        surveys, ``(0, 10)`` for the plspm bank data. A scale that contradicts the fitted one
        raises :class:`~crm_lab.validate.ParameterError` (the index of a 0-10 survey
        computed on 1-10 would be silently wrong); pass it only for a model fitted with
        ``scale=None``.
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
    scale = _index_scale(result, scale)
    check_param("per_respondent", per_respondent, kind=bool)
    items = [i for v in result.blocks.values() for i in v]
    x = check_items(data, items, scale=scale, constant=False)
    lo, hi = scale
    w = _index_weights(result)
    scores = pd.DataFrame({c: (x[its].to_numpy() @ w[its].to_numpy() - lo) / (hi - lo) * 100
                           for c, its in result.blocks.items()}, index=x.index)
    if per_respondent:
        return scores
    table = scores.mean().to_frame("all").T
    table["n"] = len(scores)
    if by is not None:
        g = _labels_for(by, scores.index)
        grouped = scores.groupby(g, sort=True)
        gt = grouped.mean()
        gt["n"] = grouped.size()
        table = pd.concat([table, gt])
        table.index.name = getattr(by, "name", None) or "group"
    table["n"] = table["n"].astype(int)
    return table


_QUADRANTS = ["concentrate here", "keep up the good work", "low priority", "possible overkill"]


def importance_performance(result: PLSResult, data: pd.DataFrame, target: str = "satisfaction",
                           scale: tuple[float, float] | None = None) -> pd.DataFrame:
    """Importance-performance map of the drivers of ``target`` (IPMA, 重要性-绩效分析).

    Importance is the total (direct + indirect) standardised effect of each driver on
    ``target`` from the PLS model; performance is the driver's mean 0-100 index
    (:func:`satisfaction_index`, on the scale stored on ``result`` unless ``scale`` is
    given). Quadrants split at the mean importance and mean
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


# ----------------------------------------------------------------------------- model lookup

#: The index models a chapter can choose by name (``model = "acsi"`` in a parameters cell).
MODELS: dict[str, ModelSpec] = {
    "acsi": ACSI,
    "ecsi": ECSI,
    "ccsi": CCSI,
    "ccsi_variant": CCSI_VARIANT,
    "ecsi_no_complaints": ECSI_NO_COMPLAINTS,
}


def model_spec(model: str | ModelSpec) -> ModelSpec:
    """The :class:`ModelSpec` called ``model`` (case-insensitive), e.g. ``"acsi"``.

    Parameters
    ----------
    model : str or ModelSpec
        A key of :data:`MODELS` (``"acsi"``, ``"ecsi"``, ``"ccsi"``, ``"ccsi_variant"``,
        ``"ecsi_no_complaints"``) or a spec, returned unchanged.

    Raises
    ------
    ParameterError
        Naming the parameter ``'model'`` and the accepted names.

    Examples
    --------
    >>> model_spec("CCSI").name
    'CCSI'
    """
    if isinstance(model, ModelSpec):
        return model
    check_param("model", model, kind=str, hint=f"Use one of {list(MODELS)}.")
    check_param("model", model.lower(), list(MODELS),
                hint="acsi = Fornell et al. 1996, ecsi = ACSI + image, ccsi = China CSI.")
    return MODELS[model.lower()]


# ----------------------------------------------------------------------------- comparisons


def _z(ci: float) -> float:
    from scipy import stats

    check_param("ci", ci, kind=float, low=0.5, high=0.999)
    return float(stats.norm.ppf(0.5 + ci / 2))


def path_table(pls: PLSResult | None = None, sem: SEMResult | None = None, *,
               ci: float = 0.95) -> pd.DataFrame:
    """Structural paths of a PLS and/or a SEM fit side by side, with intervals.

    Parameters
    ----------
    pls : PLSResult, optional
        Gives ``pls`` (standardised path) and, if it was fitted with ``n_bootstrap > 0``,
        the bootstrap percentile interval ``pls_ci_low``, ``pls_ci_high`` (at the level the
        model was fitted with).
    sem : SEMResult, optional
        Gives ``sem`` (standardised path), the Wald interval ``sem ± z * std_error_std``
        (``sem_ci_low``, ``sem_ci_high``; delta-method standard errors of the standardised
        paths), ``sem_p_value`` and ``sem_improper``: True on every row when
        :func:`fit_sem` flagged the solution as improper (a Heywood case, a standardised
        value beyond ±1, or no verified optimum; the reasons are in ``sem.improper``), so a
        reader never compares PLS with an SEM solution that must not be interpreted.
    ci : float
        Level of the SEM Wald interval.

    Returns
    -------
    DataFrame
        Indexed by ``(source, target)`` in the order of the model's paths; with both fits
        also ``sem_minus_pls`` (last).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> q = rng.normal(size=400); s = 0.6 * q + 0.8 * rng.normal(size=400)
    >>> df = pd.DataFrame({f"q{i}": q + 0.6 * rng.normal(size=400) for i in (1, 2, 3)}
    ...                   | {f"s{i}": s + 0.6 * rng.normal(size=400) for i in (1, 2, 3)})
    >>> blocks = {"quality": ["q1", "q2", "q3"], "sat": ["s1", "s2", "s3"]}
    >>> res = pls_pm(df, blocks, [("quality", "sat")], n_bootstrap=50, scale=None)
    >>> list(path_table(res).columns)
    ['pls', 'pls_ci_low', 'pls_ci_high']
    """
    if pls is None and sem is None:
        raise ParameterError("path_table needs a PLSResult (pls=) or a SEMResult (sem=).")
    parts = []
    if pls is not None:
        _check_result(pls)
        out = pls.path_coefficients.rename("pls").to_frame()
        if pls.bootstrap is not None:
            out = out.join(pls.conf_int("path").add_prefix("pls_"))
        parts.append(out)
    if sem is not None:
        if not isinstance(sem, SEMResult):
            raise ParameterError("parameter 'sem' must be a SEMResult from fit_sem.")
        z = _z(ci)
        p = sem.paths
        parts.append(pd.DataFrame({"sem": p["std_estimate"],
                                   "sem_ci_low": p["std_estimate"] - z * p["std_error_std"],
                                   "sem_ci_high": p["std_estimate"] + z * p["std_error_std"],
                                   "sem_p_value": p["p_value"],
                                   "sem_improper": bool(sem.improper)}))
    if len(parts) == 2:
        if set(parts[0].index) != set(parts[1].index):
            raise ParameterError("path_table: the PLS and SEM fits have different paths; fit "
                                 "the same model with both.")
        out = parts[0].join(parts[1])
        out["sem_minus_pls"] = out["sem"] - out["pls"]
        return out
    return parts[0]


@dataclass
class ModelComparison:
    """Several index models fitted to one survey by PLS and by SEM.

    Attributes
    ----------
    table : DataFrame
        One row per model: ``n_items``, ``n_paths``, SEM fit (``chi2``, ``df``, ``cfi``,
        ``tli``, ``rmsea``, ``srmr``), ``sem_verified`` (the SEM optimum passed the gradient
        check of :func:`fit_sem`), ``improper`` (the SEM solution is improper: see
        ``sem[name].improper``), R² of satisfaction and loyalty by SEM and by PLS, and the
        PLS ``gof``.
    pls, sem : dict
        Model name -> PLSResult / SEMResult.
    skipped : dict
        Model name -> why it was not fitted (a construct without items in the survey).
    """

    table: pd.DataFrame
    pls: dict[str, PLSResult]
    sem: dict[str, SEMResult]
    skipped: dict[str, str] = field(default_factory=dict)


def compare_models(data: pd.DataFrame, models: Sequence[str | ModelSpec] = (
        "acsi", "ecsi", "ccsi", "ccsi_variant"), *, scheme: str = "centroid",
        scale: tuple[float, float] | None = (1, 10),
        prefixes: Mapping[str, str] | None = None, sep: str = "_") -> ModelComparison:
    """Fit several index models to the same survey by PLS and by SEM and tabulate the fit.

    Models differ in their constructs (the ACSI has complaints but no image, the CCSI the
    reverse), so their chi-square values are not comparable; CFI, TLI, RMSEA and SRMR are
    (rules of thumb, Hu & Bentler 1999: CFI/TLI >= 0.95, RMSEA <= 0.06, SRMR <= 0.08), and so
    is how much of satisfaction and loyalty each explains. Nested models (CCSI and its
    variant) are compared with :func:`chi2_difference`.

    Parameters
    ----------
    data : DataFrame
        The survey.
    models : sequence of str or ModelSpec
        Names for :func:`model_spec` or specs.
    scheme : str
        PLS inner weighting scheme.
    scale : (low, high) or None
        As in :func:`fit_sem`.
    prefixes, sep
        As in :func:`blocks_for`; ``prefixes`` may name constructs that only some of the
        models have (e.g. ``image`` for the ECSI and CCSI but not the ACSI), each model uses
        the entries of its own constructs.

    Returns
    -------
    ModelComparison

    Warns
    -----
    UserWarning
        For a model skipped because the survey lacks the items of one of its constructs.

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> survey = simulate_company(n_customers=800, seed=1).survey
    >>> cmp = compare_models(survey, ["ccsi", "ccsi_variant"])
    >>> list(cmp.table.index)
    ['CCSI', 'CCSI (no image -> loyalty)']
    """
    specs = [model_spec(m) for m in models]
    if not specs:
        raise ParameterError("parameter 'models' is empty; pass e.g. ['acsi', 'ccsi'].")
    check_param("sep", sep, kind=str)
    prefixes = dict(prefixes or {})
    known = {c for spec in specs for c in spec.constructs}
    unknown = [c for c in prefixes if c not in known]
    if unknown:
        raise ParameterError(f"parameter 'prefixes': {unknown} are constructs of none of the "
                             f"models; known constructs are {sorted(known)}.")
    rows, pls, sem, skipped = {}, {}, {}, {}
    for spec in specs:
        own = {c: v for c, v in prefixes.items() if c in spec.constructs}
        try:
            blocks = blocks_for(spec, data, own, sep=sep)
        except ParameterError as err:
            skipped[spec.name] = str(err)
            warnings.warn(f"compare_models: {spec.name} skipped: {err}", UserWarning,
                          stacklevel=2)
            continue
        p = pls_pm(data, blocks, list(spec.paths), scheme=scheme, scale=scale)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always", ImproperSolutionWarning)
            s = fit_sem(data, blocks, list(spec.paths), scale=scale)
        pls[spec.name], sem[spec.name] = p, s
        f = s.fit
        rows[spec.name] = {
            "n_items": sum(len(v) for v in blocks.values()), "n_paths": len(spec.paths),
            "chi2": f["chi2"], "df": int(f["df"]), "cfi": f["cfi"], "tli": f["tli"],
            "rmsea": f["rmsea"], "srmr": f["srmr"],
            "sem_verified": bool(s.convergence["verified"]), "improper": bool(s.improper),
            "sem_r2_satisfaction": s.r_squared.get("satisfaction", np.nan),
            "sem_r2_loyalty": s.r_squared.get("loyalty", np.nan),
            "pls_r2_satisfaction": p.r_squared.get("satisfaction", np.nan),
            "pls_r2_loyalty": p.r_squared.get("loyalty", np.nan),
            "gof": p.gof,
        }
    if not rows:
        raise ParameterError("compare_models: no model could be fitted to this survey: "
                             + " ".join(skipped.values()))
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "model"
    return ModelComparison(table=table, pls=pls, sem=sem, skipped=skipped)


# ----------------------------------------------------------------------------- the truth

#: Construct name -> name of the latent in ``simulate_company(...).truth`` (``eta_<name>``).
TRUTH_LATENTS: dict[str, str] = dict(DEFAULT_PREFIXES)


def _truth_structural(truth) -> dict:
    s = getattr(truth, "structural", truth)
    if not isinstance(s, Mapping) or "latent_correlation" not in s:
        raise ParameterError("parameter 'truth' must be the truth of simulate_company (or "
                             "book.load(...).truth); it is None for real data.")
    return s


def _spec_latents(spec: ModelSpec, s: Mapping) -> dict[str, str]:
    out = {}
    for c in spec.constructs:
        lat = TRUTH_LATENTS.get(c, c)
        if lat not in s["latent_correlation"]:
            raise ParameterError(f"construct {c!r} of {spec.name} has no latent in the truth "
                                 f"{list(s['latent_correlation'])}.")
        out[c] = lat
    return out


def population_paths(truth, spec: ModelSpec | str) -> pd.Series:
    """The standardised paths a model converges to on the simulated company's latents.

    The survey is generated from one structural model (the twelve ECSI paths,
    ``truth.structural["paths"]``). A model with other paths, such as the ACSI (no image)
    or the CCSI (no complaints), estimates *different* numbers even with infinitely many
    respondents measured without error: each target regressed on the model's sources in
    the true latent correlation matrix. Those are the numbers to compare its estimates with.

    Parameters
    ----------
    truth : crm_lab.simulate.Truth or its ``structural`` dict
    spec : ModelSpec or model name

    Returns
    -------
    Series
        Indexed by ``(source, target)`` in the order of ``spec.paths``.

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> truth = simulate_company(n_customers=200, seed=0).truth
    >>> round(float(population_paths(truth, "acsi")[("expectations", "satisfaction")]), 3)
    0.15
    """
    spec = model_spec(spec)
    s = _truth_structural(truth)
    lat = _spec_latents(spec, s)
    r = pd.DataFrame(s["latent_correlation"])
    vals = {}
    for t in spec.endogenous:
        srcs = [a for a, b in spec.paths if b == t]
        rs = r.loc[[lat[a] for a in srcs], [lat[a] for a in srcs]].to_numpy()
        rt = r.loc[[lat[a] for a in srcs], lat[t]].to_numpy()
        for a, b in zip(srcs, np.linalg.solve(rs, rt), strict=True):
            vals[(a, t)] = float(b)
    idx = pd.MultiIndex.from_tuples(list(spec.paths), names=["source", "target"])
    return pd.Series([vals[p] for p in spec.paths], index=idx, name="population")


def _latent_frame(truth, data: pd.DataFrame, customer_id: str) -> pd.DataFrame:
    tc = getattr(truth, "customers", None)
    if tc is None:
        raise ParameterError("parameter 'truth' must be the truth of simulate_company, with "
                             "the latent scores in truth.customers.")
    check_columns(data, [customer_id], "survey")
    ids = data[customer_id]
    missing = ~ids.isin(tc.index)
    if missing.any():
        raise DataError(f"survey[{customer_id!r}]: {int(missing.sum())} respondents are not "
                        "customers of the simulated company; pass the survey it simulated.")
    return tc.loc[ids.to_numpy()].set_axis(data.index)


def recover_paths(estimates: Mapping[str, pd.Series], truth, spec: ModelSpec | str, *,
                  data: pd.DataFrame | None = None,
                  customer_id: str = "customer_id") -> pd.DataFrame:
    """Estimated paths against the truth of the simulated company.

    Parameters
    ----------
    estimates : dict
        Name (e.g. ``"pls"``, ``"sem"``) -> standardised path Series indexed by
        ``(source, target)``, such as ``PLSResult.path_coefficients``.
    truth : crm_lab.simulate.Truth
    spec : ModelSpec or model name
        The model the estimates belong to.
    data : DataFrame, optional
        The survey the estimates come from (with ``customer_id``): adds ``latent_sample``,
        the paths of the model estimated by OLS on the *true* latent scores of these
        respondents, i.e. what a perfectly measured survey of the same people would give.

    Returns
    -------
    DataFrame
        ``truth`` (the generating path; 0 for a path the simulator does not have),
        ``population`` (what this model converges to, see :func:`population_paths`),
        optionally ``latent_sample``, then each estimate and ``diff_<name>`` = estimate -
        population. ``estimate - latent_sample`` is measurement error and the 1-10
        discretisation; ``latent_sample - population`` is sampling error.

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> c = simulate_company(n_customers=800, seed=0)
    >>> res = pls_pm(c.survey, blocks_for(ACSI, c.survey), ACSI.paths)
    >>> tab = recover_paths({"pls": res.path_coefficients}, c.truth, ACSI, data=c.survey)
    >>> list(tab.columns)
    ['truth', 'population', 'latent_sample', 'pls', 'diff_pls']
    """
    spec = model_spec(spec)
    s = _truth_structural(truth)
    lat = _spec_latents(spec, s)
    if not isinstance(estimates, Mapping) or not estimates:
        raise ParameterError("parameter 'estimates' must be a dict name -> path Series, e.g. "
                             "{'pls': result.path_coefficients}.")
    idx = pd.MultiIndex.from_tuples(list(spec.paths), names=["source", "target"])
    gen = {tuple(k.split("->")): v for k, v in s["paths"].items()}
    out = pd.DataFrame({"truth": [float(gen.get((lat[a], lat[b]), 0.0)) for a, b in spec.paths],
                        "population": population_paths(s, spec).to_numpy()}, index=idx)
    if data is not None:
        eta = _latent_frame(truth, data, customer_id)
        z = {c: eta[f"eta_{lat[c]}"].to_numpy(dtype=float) for c in spec.constructs}
        z = {c: (v - v.mean()) / v.std() for c, v in z.items()}
        sample = {}
        for t in spec.endogenous:
            srcs = [a for a, b in spec.paths if b == t]
            b, *_ = np.linalg.lstsq(np.column_stack([z[a] for a in srcs]), z[t], rcond=None)
            sample.update({(a, t): float(v) for a, v in zip(srcs, b, strict=True)})
        out["latent_sample"] = [sample[p] for p in spec.paths]
    for name, est in estimates.items():
        est = pd.Series(est)
        missing = [p for p in spec.paths if p not in est.index]
        if missing:
            raise ParameterError(f"estimates[{name!r}] lacks the paths {missing} of "
                                 f"{spec.name}; pass the coefficients of that model.")
        out[name] = est.reindex(idx).to_numpy(dtype=float)
    for name in estimates:
        out[f"diff_{name}"] = out[name] - out["population"]
    return out


def score_recovery(result: PLSResult, data: pd.DataFrame, truth, *,
                   customer_id: str = "customer_id") -> pd.Series:
    """Correlation of each PLS construct score with the true latent of the same respondents.

    A composite of three items with loadings near 0.8 correlates about 0.93 with its latent;
    the square (about 0.87) is its reliability, and it is why PLS paths come out attenuated.

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> c = simulate_company(n_customers=800, seed=0)
    >>> res = pls_pm(c.survey, blocks_for(ACSI, c.survey), ACSI.paths)
    >>> bool(score_recovery(res, c.survey, c.truth).between(0.8, 1).all())
    True
    """
    result = _check_result(result)
    if len(data) != result.n_obs:
        raise ParameterError(f"parameter 'data' has {len(data)} rows but the model was fitted to "
                             f"{result.n_obs}; pass the survey the model was fitted to.")
    eta = _latent_frame(truth, data, customer_id)
    out = {c: float(np.corrcoef(result.scores[c].to_numpy(),
                                eta[f"eta_{TRUTH_LATENTS.get(c, c)}"].to_numpy())[0, 1])
           for c in result.constructs}
    return pd.Series(out, name="corr_score_latent").rename_axis("construct")


# ----------------------------------------------------------------------------- index by group


def _group_labels(data: pd.DataFrame, by):
    if isinstance(by, str):
        check_columns(data, [by], "survey", hint="Join the column first, e.g. survey.merge("
                      "customers[['customer_id', 'region']], on='customer_id', how='left').")
        return data[by]
    return by


def _scores_and_groups(result, data: pd.DataFrame, by, construct: str,
                       scale: tuple[float, float] | None) -> tuple[pd.Series, pd.Series]:
    """Checked per-respondent 0-100 scores of ``construct`` and the group label of each."""
    result = _check_result(result)
    if construct not in result.blocks:
        raise ParameterError(f"parameter 'construct': {construct!r} is not a construct of the "
                             f"model {result.constructs}.")
    by = _group_labels(data, by)
    per = satisfaction_index(result, data, scale=scale, per_respondent=True)[construct]
    g = _labels_for(by, per.index)
    g.name = getattr(by, "name", None)
    return per, g


def index_by_group(result: PLSResult, data: pd.DataFrame, by, *,
                   construct: str = "satisfaction", scale: tuple[float, float] | None = None,
                   ci: float = 0.95) -> pd.DataFrame:
    """Mean 0-100 index of one construct per group, with a standard error and interval.

    A difference between two groups smaller than about twice the larger standard error is
    within sampling noise; managers should not act on it.

    Parameters
    ----------
    result : PLSResult
    data : DataFrame
        The survey (rows in the order of ``by``).
    by : str, Series or array
        A column of ``data`` or one group label per respondent (in the row order of
        ``data``).
    construct : str
        Which construct's index.
    scale : (low, high), optional
        As in :func:`satisfaction_index`: the scale stored on ``result`` by default.
    ci : float
        Level of the normal interval ``mean ± z * se``.

    Returns
    -------
    DataFrame
        Row ``"all"`` then one per group: ``n``, ``index``, ``se``, ``ci_low``, ``ci_high``.

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> c = simulate_company(n_customers=800, seed=0)
    >>> res = pls_pm(c.survey, blocks_for(ACSI, c.survey), ACSI.paths)
    >>> survey = c.survey.merge(c.customers[["customer_id", "region"]], on="customer_id",
    ...                         how="left")
    >>> g = index_by_group(res, survey, "region")
    >>> list(g.columns), g.index[0], g.index.name
    (['n', 'index', 'se', 'ci_low', 'ci_high'], 'all', 'region')
    """
    per, g = _scores_and_groups(result, data, by, construct, scale)
    z = _z(ci)
    stats_ = [per.agg(["size", "mean", "std"]).rename("all").to_frame().T,
              per.groupby(g, sort=True).agg(["size", "mean", "std"])]
    out = pd.concat(stats_).rename(columns={"size": "n", "mean": "index"})
    out["se"] = out.pop("std") / np.sqrt(out["n"])
    out["ci_low"], out["ci_high"] = out["index"] - z * out["se"], out["index"] + z * out["se"]
    out["n"] = out["n"].astype(int)
    out.index.name = g.name or "group"
    return out


def outcomes_by_decile(score: pd.Series, outcomes, n_bins: int = 10) -> pd.DataFrame:
    """Mean outcomes (loyalty, recommendation) by bins of a score (e.g. satisfaction deciles).

    Bins come from ranks with ties averaged, so equal scores always share a bin (no
    ``qcut`` error on tied values); bins may then differ a little in size.

    Parameters
    ----------
    score : Series
        One score per respondent, e.g. the per-respondent satisfaction index.
    outcomes : DataFrame, Series or dict of name -> Series
        Outcomes per respondent, aligned with ``score`` by position.
    n_bins : int
        10 for deciles, 5 for quintiles.

    Returns
    -------
    DataFrame
        Indexed by bin ``1..n_bins`` (1 = least satisfied): ``n``, the mean score and the
        mean of each outcome.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series(range(10), name="satisfaction")
    >>> outcomes_by_decile(s, {"loyal": s * 2}, n_bins=2)
         n  satisfaction  loyal
    bin
    1    5           2.0    4.0
    2    5           7.0   14.0
    """
    check_param("n_bins", n_bins, kind=int, low=2)
    x = pd.Series(score).reset_index(drop=True)
    name = x.name if x.name is not None else "score"
    if isinstance(outcomes, pd.Series):
        outcomes = {outcomes.name or "outcome": outcomes}
    ys = {}
    for k, v in dict(outcomes).items():
        if len(v) != len(x):
            raise ParameterError(f"outcome {k!r} has {len(v)} values for {len(x)} scores; pass "
                                 "one value per respondent, in the order of the scores.")
        ys[k] = pd.Series(v).to_numpy()
    ys = pd.DataFrame(ys)
    frame = pd.concat([x.rename(name), ys], axis=1)
    bad = [c for c in frame if frame[c].isna().any()]
    if bad:
        raise DataError(f"outcomes_by_decile: {bad} have missing values; drop those respondents "
                        "first.")
    if len(frame) < n_bins:
        raise ParameterError(f"parameter 'n_bins' = {n_bins} exceeds the {len(frame)} "
                             "respondents.")
    rank = frame[name].rank(method="average")
    frame["bin"] = np.clip(np.ceil(rank * n_bins / len(frame)).astype(int), 1, n_bins)
    grouped = frame.groupby("bin")
    out = grouped.mean()
    out.insert(0, "n", grouped.size())
    return out



def group_difference_test(result: PLSResult, data: pd.DataFrame, by, *,
                          construct: str = "satisfaction",
                          scale: tuple[float, float] | None = None) -> pd.Series:
    """One-way ANOVA: do the groups' mean indices of ``construct`` differ at all?

    With many groups some pairwise intervals fail to overlap by chance alone; this joint
    F test asks the one question first.

    Returns
    -------
    Series
        ``f``, ``df_between``, ``df_within``, ``p_value`` and ``eta_squared`` (share of the
        index variance between groups).

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> c = simulate_company(n_customers=800, seed=0)
    >>> res = pls_pm(c.survey, blocks_for(ACSI, c.survey), ACSI.paths)
    >>> t = group_difference_test(res, c.survey, c.survey["customer_id"] % 3)
    >>> int(t["df_between"]), bool(0 <= t["p_value"] <= 1)
    (2, True)
    """
    from scipy import stats

    per, g = _scores_and_groups(result, data, by, construct, scale)
    groups = [v.to_numpy() for _, v in per.groupby(g, sort=True)]
    if len(groups) < 2:
        raise ParameterError("parameter 'by' has a single group; nothing to compare.")
    f, p = stats.f_oneway(*groups)
    n, k = len(per), len(groups)
    between = sum(len(g) * (g.mean() - per.mean()) ** 2 for g in groups)
    total = float(((per - per.mean()) ** 2).sum())
    return pd.Series({"f": float(f), "df_between": k - 1, "df_within": n - k,
                      "p_value": float(p), "eta_squared": between / total},
                     name="group_difference_test")
