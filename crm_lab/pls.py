"""Partial least squares path modeling (PLS-PM, 偏最小二乘路径模型) and measurement quality.

PLS-PM estimates a path model between latent constructs (satisfaction, loyalty, ...)
each measured by a block of survey items. It is the estimator behind the ACSI, ECSI
and CCSI satisfaction indices. This module implements Lohmöller's (1989) algorithm
exactly as the R package ``plspm`` does (Sanchez 2013; Tenenhaus et al. 2005):

1. outer (measurement) weights with **Mode A** (reflective blocks);
2. inner weights with the **centroid**, **factorial** or **path** scheme;
3. iterate until ``sum((|w_old| - |w_new|)**2) < tol``; construct scores are the
   weighted composites, standardised to mean 0 and variance 1 (divisor *n*);
4. path coefficients by OLS on the scores, loadings = correlations item-score.

``scaled=True`` standardises the items first; ``scaled=False`` only centres them, which
is R ``plspm(..., scaled = FALSE)`` and gives outer weights on the answer scale (what a
satisfaction *index* needs).

Why our own implementation rather than the PyPI ``plspm`` package (0.5.7)? It fails on
pandas 3 (``plspm/inner_model.py`` indexes ``path.loc[dv,]``), it is GPL-3 licensed (this
project is MIT, so we could neither vendor nor patch it), and the whole algorithm is a
few dozen lines of NumPy that students can read. Correctness is pinned by known-answer
tests against R ``plspm`` on the ECSI bank survey (all three schemes) and seminr on the
ECSI mobile-phone survey (``tests/test_pls.py``).

Measurement quality (Cronbach's alpha, Dillon-Goldstein rho, AVE, Fornell-Larcker, HTMT)
lives here too because AVE and Fornell-Larcker need a fitted model.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from crm_lab.validate import (
    DataError,
    ParameterError,
    check_columns,
    check_param,
    check_survey,
)

__all__ = [
    "PLSPathModel",
    "PLSResult",
    "PLSConvergenceWarning",
    "pls_pm",
    "cronbach_alpha",
    "composite_reliability",
    "average_variance_extracted",
    "unidimensionality",
    "htmt",
    "fornell_larcker",
]

SCHEMES = ("centroid", "factorial", "path")


class PLSConvergenceWarning(RuntimeWarning):
    """The PLS iterations stopped at ``max_iter`` before the weights converged."""


# ----------------------------------------------------------------------------- specification


def check_model(blocks, paths) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """Validate ``blocks`` and ``paths`` and return them as a dict and a list of pairs.

    Raises :class:`~crm_lab.validate.ParameterError` naming the construct or path that is
    wrong: an empty block, an item in two blocks, an unknown construct in ``paths``, a
    self-loop, a duplicated path, a construct in no path, or a cycle.

    Examples
    --------
    >>> check_model({"a": ["x1"], "b": ["y1"]}, [("a", "b")])[1]
    [('a', 'b')]
    """
    if not isinstance(blocks, Mapping) or len(blocks) < 2:
        raise ParameterError("parameter 'blocks' must be a dict construct -> list of item "
                             "columns with at least two constructs, e.g. {'quality': ['q1', "
                             "'q2'], 'satisfaction': ['s1', 's2']}.")
    out: dict[str, list[str]] = {}
    owner: dict[str, str] = {}
    for name, items in blocks.items():
        if isinstance(items, str):
            items = [items]
        items = list(items) if items is not None else []
        if not items:
            raise ParameterError(f"parameter 'blocks': construct {name!r} has no indicators. "
                                 "Give it at least one item column (check the prefix used "
                                 "with blocks_for).")
        for it in items:
            if it in owner:
                raise ParameterError(f"parameter 'blocks': item {it!r} is in both {owner[it]!r} "
                                     f"and {name!r}; each item measures one construct.")
            owner[it] = name
        out[str(name)] = items
    if isinstance(paths, (str, bytes)) or not isinstance(paths, Sequence) or not paths:
        raise ParameterError("parameter 'paths' must be a non-empty list of (source, target) "
                             "pairs, e.g. [('quality', 'satisfaction')].")
    pairs: list[tuple[str, str]] = []
    for p in paths:
        if isinstance(p, (str, bytes)) or not isinstance(p, Sequence) or len(p) != 2:
            raise ParameterError(f"parameter 'paths': {p!r} is not a (source, target) pair.")
        s, t = p
        for c in (s, t):
            if c not in out:
                raise ParameterError(f"parameter 'paths': construct {c!r} in path {s!r} -> "
                                     f"{t!r} has no block; known constructs are {list(out)}.")
        if s == t:
            raise ParameterError(f"parameter 'paths': {s!r} -> {t!r} is a self-loop.")
        if (s, t) in pairs:
            raise ParameterError(f"parameter 'paths': {s!r} -> {t!r} is listed twice.")
        pairs.append((s, t))
    used = {c for p in pairs for c in p}
    lonely = [c for c in out if c not in used]
    if lonely:
        raise ParameterError(f"parameter 'paths': construct(s) {lonely} appear in no path; "
                             "PLS needs every construct connected. Add a path or drop the block.")
    cycle = _find_cycle(list(out), pairs)
    if cycle:
        raise ParameterError("parameter 'paths': the model has a cycle "
                             f"{' -> '.join(cycle)}; PLS-PM and the index models are recursive "
                             "(no feedback loops). Remove one of these paths.")
    return out, pairs


def check_items(data: pd.DataFrame, items: Sequence[str], *,
                scale: tuple[float, float] | None = (1, 10), constant: bool = True,
                table: str = "survey") -> pd.DataFrame:
    """:func:`~crm_lab.validate.check_survey` for a model's items, reporting all at once.

    Missing answers are reported for **every** affected item column with its count (not
    only the first), and with ``constant=True`` items with the same answer for every
    respondent raise a :class:`~crm_lab.validate.DataError` naming them (a constant item
    has no correlation with anything: alpha, HTMT and the eigenvalues are undefined).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> d = pd.DataFrame({"a": [1, np.nan, 3], "b": [np.nan, np.nan, 2], "c": [1, 2, 3]})
    >>> try:
    ...     check_items(d, ["a", "b", "c"])
    ... except ValueError as err:
    ...     print(str(err).splitlines()[0])
    survey: 2 item column(s) have missing (NaN) answers: 'a' 1 NaN, 'b' 2 NaN.
    """
    items = list(items)
    check_columns(data, items, table)
    na = {c: int(data[c].isna().sum()) for c in items}
    na = {c: k for c, k in na.items() if k}
    if na:
        listed = ", ".join(f"{c!r} {k:,} NaN" for c, k in na.items())
        raise DataError(f"{table}: {len(na)} item column(s) have missing (NaN) answers: "
                        f"{listed}.\nHow to fix: fill or drop those respondents explicitly "
                        "before the call (nothing is dropped silently), e.g. "
                        f"{table}.dropna(subset=items).")
    x = check_survey(data, items, scale=scale, table=table)
    if constant:
        const = [c for c in items if np.ptp(x[c].to_numpy()) == 0]
        if const:
            raise DataError(f"{table}{const}: item(s) have the same answer for every respondent "
                            "(zero variance), so their correlations are undefined. How to fix: "
                            "drop these items from their blocks.")
    return x


def _find_cycle(nodes: list[str], pairs: list[tuple[str, str]]) -> list[str]:
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for s, t in pairs:
        succ[s].append(t)
    state = dict.fromkeys(nodes, 0)  # 0 new, 1 on stack, 2 done
    stack: list[str] = []

    def visit(n: str) -> list[str]:
        state[n] = 1
        stack.append(n)
        for m in succ[n]:
            if state[m] == 1:
                return stack[stack.index(m):] + [m]
            if state[m] == 0:
                found = visit(m)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return []

    for n in nodes:
        if state[n] == 0:
            found = visit(n)
            if found:
                return found
    return []


def _check_options(scheme, max_iter, tol, n_bootstrap, seed, ci) -> None:
    check_param("scheme", scheme, SCHEMES, hint="The inner weighting schemes of Lohmöller (1989).")
    check_param("max_iter", max_iter, kind=int, low=1)
    check_param("tol", tol, kind=(float, int), low=0)
    if tol <= 0:
        raise ParameterError(f"parameter 'tol' must be > 0, got {tol!r}.")
    check_param("n_bootstrap", n_bootstrap, kind=int, low=0)
    if seed is not None:
        check_param("seed", seed, kind=(int, np.integer))
    check_param("ci", ci, kind=float, low=0.5, high=0.999)


# ----------------------------------------------------------------------------- core numerics


def _prepare(raw: np.ndarray, scaled: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre (and scale, divisor n) the items; return X, means, scales."""
    mean = raw.mean(axis=0)
    x = raw - mean
    sd = x.std(axis=0)
    scale = sd if scaled else np.ones_like(sd)
    return x / scale, mean, scale


def _corr(y: np.ndarray) -> np.ndarray:
    return np.corrcoef(y, rowvar=False)


def _inner_weights(y: np.ndarray, adj: np.ndarray, scheme: str) -> np.ndarray:
    """Inner weights E (J x J); Z = Y @ E. ``adj[s, t] = 1`` for a path s -> t."""
    both = adj + adj.T
    r = _corr(y)
    if scheme == "centroid":
        return np.sign(r * both)
    if scheme == "factorial":
        return r * both
    # path scheme (R plspm get_path_scheme): for a construct k, its predecessors get the
    # coefficients of the regression of Y_k on them, its successors get correlations.
    e = np.zeros_like(r)  # e[j, k] is the weight of Y_j in Z_k
    for k in range(adj.shape[0]):
        pred = np.flatnonzero(adj[:, k])
        succ = np.flatnonzero(adj[k, :])
        if pred.size:
            e[pred, k] = np.linalg.lstsq(y[:, pred], y[:, k], rcond=None)[0]
        if succ.size:
            e[succ, k] = r[k, succ]
    return e


def _outer_weights(x: np.ndarray, odm: np.ndarray, adj: np.ndarray, scheme: str, tol: float,
                   max_iter: int) -> tuple[np.ndarray, int, bool]:
    """Lohmöller iterations with Mode A, as in R plspm ``get_weights``.

    Returns W (items x constructs) normalised so that ``x @ W`` has variance 1 (divisor n),
    the number of iterations and whether the convergence criterion was met.
    """
    n = x.shape[0]
    sdv = np.sqrt((n - 1) / n)
    w = odm / (x @ odm).std(axis=0)
    w_old = w.sum(axis=1)
    converged = False
    it = 0
    while it < max_iter:
        it += 1
        y = x @ w
        y = (y - y.mean(axis=0)) / y.std(axis=0, ddof=1) * sdv
        z = y @ _inner_weights(y, adj, scheme)
        w = odm * (x.T @ z) / n
        w_new = w.sum(axis=1)
        if np.sum((np.abs(w_old) - np.abs(w_new)) ** 2) < tol:
            converged = True
            break
        w_old = w_new
    sd = (x @ w).std(axis=0)
    if np.any(sd == 0):
        raise DataError("PLS: a construct score has zero variance (its inner estimate is zero). "
                        "How to fix: check that every construct is linked to others whose items "
                        "correlate with its own.")
    return w / sd, it, converged


@dataclass
class _Fit:
    w: np.ndarray  # items x constructs
    scores: np.ndarray
    paths: np.ndarray  # constructs x constructs, [s, t]
    r2: np.ndarray
    loadings: np.ndarray  # per item
    iterations: int
    converged: bool


def _fit_arrays(x: np.ndarray, odm: np.ndarray, adj: np.ndarray, scheme: str, tol: float,
                max_iter: int) -> _Fit:
    w, it, ok = _outer_weights(x, odm, adj, scheme, tol, max_iter)
    scores = x @ w
    xs = (x - x.mean(0)) / x.std(0)
    ys = (scores - scores.mean(0)) / scores.std(0)
    cross = xs.T @ ys / x.shape[0]  # item x construct correlations
    # sign ambiguity (R plspm get_scores): most items should correlate positively
    sign = np.sign(np.sum(np.sign(cross * odm), axis=0))
    sign[sign == 0] = -1
    if np.any(sign < 0):
        w = w * sign
        scores = scores * sign
        cross = cross * sign
    loadings = np.sum(cross * odm, axis=1)
    j = adj.shape[0]
    paths = np.zeros((j, j))
    r2 = np.zeros(j)
    for t in range(j):
        pred = np.flatnonzero(adj[:, t])
        if pred.size:
            beta = np.linalg.lstsq(scores[:, pred], scores[:, t], rcond=None)[0]
            paths[pred, t] = beta
            resid = scores[:, t] - scores[:, pred] @ beta
            r2[t] = 1 - resid @ resid / (scores[:, t] @ scores[:, t])
    return _Fit(w, scores, paths, r2, loadings, it, ok)


def _total_effects(paths: np.ndarray) -> np.ndarray:
    j = paths.shape[0]
    return np.linalg.inv(np.eye(j) - paths) - np.eye(j)


def _reachable(adj: np.ndarray) -> np.ndarray:
    reach = adj.astype(bool)
    for _ in range(adj.shape[0]):
        reach = reach | ((reach.astype(int) @ adj.astype(int)) > 0)
    return reach


# ----------------------------------------------------------------------------- results


@dataclass
class PLSResult:
    """Everything a fitted PLS path model reports (statsmodels style: nothing printed).

    Attributes
    ----------
    path_coefficients : Series
        Standardised path coefficients indexed by a MultiIndex ``(source, target)`` in
        the order the paths were given.
    r_squared : Series
        R² of each endogenous construct.
    loadings : Series
        Correlation of each item with its construct's score.
    weights : Series
        Outer weights: ``scores = (items - mean) / scale @ weights`` where ``scale`` is the
        item standard deviation if ``scaled`` else 1 (R plspm ``outer_model$weight``).
    scores : DataFrame
        Construct scores, mean 0, variance 1 (divisor n), index of the input data.
    outer_model : DataFrame
        Per item: construct, weight, loading, communality (loading²), redundancy.
    inner_model : DataFrame
        Per path: estimate, std_error, t_value, p_value of the OLS regression of the
        target score on its predecessors (with intercept, as R ``lm``).
    effects : DataFrame
        Direct, indirect and total effects for every pair linked by a directed path.
    bootstrap : DataFrame or None
        With ``n_bootstrap > 0``: original, mean, std, ci_low, ci_high (percentiles) for
        paths, loadings, weights, R² and total effects; index ``(kind, parameter)``.
    """

    blocks: dict[str, list[str]]
    paths: list[tuple[str, str]]
    scheme: str
    scaled: bool
    n_obs: int
    iterations: int
    converged: bool
    path_coefficients: pd.Series
    r_squared: pd.Series
    loadings: pd.Series
    weights: pd.Series
    scores: pd.DataFrame
    outer_model: pd.DataFrame
    inner_model: pd.DataFrame
    effects: pd.DataFrame
    item_means: pd.Series
    item_scales: pd.Series
    scale: tuple[float, float] | None = None
    bootstrap: pd.DataFrame | None = None
    n_bootstrap_failed: int = 0
    ci: float = 0.95
    notes: list[str] = field(default_factory=list)

    @property
    def constructs(self) -> list[str]:
        """Construct names in block order."""
        return list(self.blocks)

    @property
    def total_effects(self) -> pd.Series:
        """Total effects (direct + indirect), MultiIndex ``(source, target)``."""
        return self.effects["total"]

    @property
    def gof(self) -> float:
        """Goodness of fit (Tenenhaus et al. 2005): sqrt(mean communality x mean R²).

        The communality mean is over items of blocks with more than one item, as in R plspm.
        """
        sizes = {c: len(v) for c, v in self.blocks.items()}
        comm = self.outer_model.loc[
            [sizes[c] > 1 for c in self.outer_model["construct"]], "communality"]
        return float(np.sqrt(comm.mean() * self.r_squared.mean()))

    def reliability(self) -> pd.DataFrame:
        """Per block: items, Cronbach's alpha, Dillon-Goldstein rho and AVE (from loadings).

        ``cronbach_alpha`` is the raw (covariance) alpha of the items as fitted,
        ``rho_dg`` = (Σλ)² / ((Σλ)² + Σ(1-λ²)) and ``ave`` = mean λ², with λ the PLS loadings.
        """
        rows = {}
        x = self._items
        for c, items in self.blocks.items():
            lam = self.loadings[items].to_numpy()
            rows[c] = {
                "n_items": len(items),
                "cronbach_alpha": _alpha(x[items].to_numpy(), standardized=False),
                "rho_dg": composite_reliability(lam),
                "ave": average_variance_extracted(lam),
            }
        return pd.DataFrame.from_dict(rows, orient="index")

    def conf_int(self, kind: str = "path") -> pd.DataFrame:
        """Bootstrap percentile interval for ``kind`` in path, loading, weight, r_squared,
        total_effect. Paths and total effects are indexed ``(source, target)``."""
        if self.bootstrap is None:
            raise ParameterError("conf_int needs bootstrap results: refit with n_bootstrap=500 "
                                 "(or more).")
        kinds = self.bootstrap.index.get_level_values("kind").unique().tolist()
        check_param("kind", kind, kinds)
        tab = self.bootstrap.xs(kind, level="kind")[["ci_low", "ci_high"]]
        if kind in ("path", "total_effect"):
            tab.index = pd.MultiIndex.from_tuples(
                [tuple(s.split(" -> ")) for s in tab.index], names=["source", "target"])
        return tab

    def summary(self) -> str:
        """A plain-text report: fit information, inner model, R², outer model, reliability."""
        out = [
            "PLS path model (Mode A, Lohmöller algorithm)",
            f"observations: {self.n_obs}   scheme: {self.scheme}   scaled: {self.scaled}   "
            f"iterations: {self.iterations}   converged: {self.converged}",
            f"GoF: {self.gof:.3f}",
            "",
            "Inner model (standardised path coefficients)",
            self.inner_model.round(3).to_string(),
            "",
            "R-squared",
            self.r_squared.round(3).to_string(),
            "",
            "Outer model",
            self.outer_model.round(3).to_string(),
            "",
            "Reliability",
            self.reliability().round(3).to_string(),
        ]
        if self.bootstrap is not None:
            b = self.bootstrap.xs("path", level="kind")
            out += ["", f"Bootstrap ({self.ci:.0%} percentile intervals, "
                    f"{self.n_bootstrap_failed} failed resamples)", b.round(3).to_string()]
        out += [*(f"note: {n}" for n in self.notes)]
        return "\n".join(out)

    def __repr__(self) -> str:
        return (f"PLSResult({len(self.blocks)} constructs, {len(self.paths)} paths, "
                f"n={self.n_obs}, scheme={self.scheme!r}, scaled={self.scaled})")

    # the item data as fitted, kept for reliability(); not part of the public API
    _items: pd.DataFrame | None = field(default=None, init=False, repr=False, compare=False)


class PLSPathModel:
    """PLS path model estimator (scikit-learn style).

    Parameters
    ----------
    blocks : dict
        Construct name -> list of item columns (reflective, Mode A).
    paths : list of (source, target)
        Structural paths; the model must be recursive (no cycles).
    scheme : {"centroid", "factorial", "path"}
        Inner weighting scheme.
    scaled : bool
        Standardise items (True) or only centre them (False, R ``scaled = FALSE``).
    max_iter : int
        Maximum iterations of the weight loop.
    tol : float
        Convergence tolerance on ``sum((|w_old| - |w_new|)**2)``.
    n_bootstrap : int
        Bootstrap resamples (0 = none).
    seed : int or None
        Seed of the bootstrap resampling (deterministic for an int).
    ci : float
        Level of the percentile intervals.
    scale : (low, high) or None
        Answer scale the items must lie in (``None`` skips the range check).

    Attributes
    ----------
    result_ : PLSResult
    path_coefficients_, r_squared_, loadings_, weights_, scores_
        Shortcuts to the fields of ``result_``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> q = rng.normal(size=400); s = 0.6 * q + 0.8 * rng.normal(size=400)
    >>> df = pd.DataFrame({f"q{i}": q + rng.normal(size=400) for i in (1, 2, 3)}
    ...                   | {f"s{i}": s + rng.normal(size=400) for i in (1, 2, 3)})
    >>> m = PLSPathModel({"quality": ["q1", "q2", "q3"], "sat": ["s1", "s2", "s3"]},
    ...                  [("quality", "sat")], scale=None).fit(df)
    >>> round(float(m.path_coefficients_.iloc[0]), 2)
    0.47
    """

    def __init__(self, blocks: Mapping[str, Sequence[str]], paths: Sequence[tuple[str, str]], *,
                 scheme: str = "centroid", scaled: bool = True, max_iter: int = 300,
                 tol: float = 1e-6, n_bootstrap: int = 0, seed: int | None = 0,
                 ci: float = 0.95, scale: tuple[float, float] | None = (1, 10)) -> None:
        self.blocks = blocks
        self.paths = paths
        self.scheme = scheme
        self.scaled = scaled
        self.max_iter = max_iter
        self.tol = tol
        self.n_bootstrap = n_bootstrap
        self.seed = seed
        self.ci = ci
        self.scale = scale

    def fit(self, data: pd.DataFrame) -> PLSPathModel:
        """Estimate the model on ``data`` (one row per respondent) and return ``self``."""
        self.result_ = pls_pm(data, self.blocks, self.paths, scheme=self.scheme,
                              scaled=self.scaled, max_iter=self.max_iter, tol=self.tol,
                              n_bootstrap=self.n_bootstrap, seed=self.seed, ci=self.ci,
                              scale=self.scale)
        r = self.result_
        self.path_coefficients_ = r.path_coefficients
        self.r_squared_ = r.r_squared
        self.loadings_ = r.loadings
        self.weights_ = r.weights
        self.scores_ = r.scores
        return self

    def transform(self, data: pd.DataFrame) -> pd.DataFrame:
        """Construct scores for new respondents with the fitted weights, means and scales."""
        r = getattr(self, "result_", None)
        if r is None:
            raise ParameterError("this PLSPathModel is not fitted yet; call fit(data) first.")
        items = [i for v in r.blocks.values() for i in v]
        x = check_survey(data, items, scale=r.scale)
        z = (x[items] - r.item_means[items]) / r.item_scales[items]
        w = _weight_matrix(r)
        return pd.DataFrame(z.to_numpy() @ w.to_numpy(), index=data.index, columns=w.columns)


def _weight_matrix(r: PLSResult) -> pd.DataFrame:
    items = [i for v in r.blocks.values() for i in v]
    w = pd.DataFrame(0.0, index=items, columns=list(r.blocks))
    for c, its in r.blocks.items():
        w.loc[its, c] = r.weights[its].to_numpy()
    return w


def pls_pm(data: pd.DataFrame, blocks: Mapping[str, Sequence[str]],
           paths: Sequence[tuple[str, str]], scheme: str = "centroid", scaled: bool = True,
           max_iter: int = 300, tol: float = 1e-6, n_bootstrap: int = 0, seed: int | None = 0,
           *, ci: float = 0.95, scale: tuple[float, float] | None = (1, 10)) -> PLSResult:
    """Fit a PLS path model (Mode A) and return a :class:`PLSResult`.

    Parameters
    ----------
    data : DataFrame
        One row per respondent; item columns numeric, no NaN, inside ``scale``.
    blocks : dict
        Construct -> list of item columns, e.g. from :func:`crm_lab.satisfaction.blocks_for`.
    paths : list of (source, target)
        Structural paths, e.g. ``list(crm_lab.satisfaction.ACSI.paths)``.
    scheme : {"centroid", "factorial", "path"}
        Inner weighting scheme (centroid is R plspm's default).
    scaled : bool
        Standardise items (True) or only centre them (False = R ``scaled = FALSE``).
    max_iter : int
        Maximum iterations; a :class:`PLSConvergenceWarning` is issued when reached.
    tol : float
        Convergence tolerance on ``sum((|w_old| - |w_new|)**2)`` (R plspm's criterion).
    n_bootstrap : int
        Number of bootstrap resamples for standard errors and percentile intervals.
    seed : int or None
        Seed for the resampling; the same seed gives the same bootstrap table.
    ci : float
        Level of the bootstrap percentile interval (0.95 gives 2.5 % and 97.5 %).
    scale : (low, high) or None
        Answer scale checked by :func:`~crm_lab.validate.check_survey`; ``(1, 10)`` is the
        ACSI/ECSI and book convention, the plspm bank survey needs ``(0, 10)``.

    Returns
    -------
    PLSResult

    Raises
    ------
    ValueError
        (``DataError``/``ParameterError``) for a missing, non-numeric, NaN, constant or
        out-of-scale item, an unknown construct, an empty block, a cycle or a bad option.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> e = rng.normal(size=(500, 2)); e[:, 1] = 0.5 * e[:, 0] + np.sqrt(0.75) * e[:, 1]
    >>> df = pd.DataFrame({f"{c}_{i}": e[:, j] + 0.6 * rng.normal(size=500)
    ...                    for j, c in enumerate(["quality", "satisfaction"]) for i in (1, 2, 3)})
    >>> res = pls_pm(df, {"quality": ["quality_1", "quality_2", "quality_3"],
    ...                   "satisfaction": ["satisfaction_1", "satisfaction_2", "satisfaction_3"]},
    ...              [("quality", "satisfaction")], scale=None)
    >>> res.path_coefficients.round(2).to_dict()
    {('quality', 'satisfaction'): 0.45}
    >>> res.r_squared.round(2).to_dict()
    {'satisfaction': 0.2}
    """
    blocks_d, pairs = check_model(blocks, paths)
    _check_options(scheme, max_iter, tol, n_bootstrap, seed, ci)
    check_param("scaled", scaled, kind=bool)
    items = [i for v in blocks_d.values() for i in v]
    frame = check_items(data, items, scale=scale)
    raw = frame[items].to_numpy()
    n = raw.shape[0]
    if n <= len(blocks_d) + 1:
        raise DataError(f"survey: {n} respondents are too few for {len(blocks_d)} constructs.")

    names = list(blocks_d)
    idx = {c: k for k, c in enumerate(names)}
    odm = np.zeros((len(items), len(names)))
    pos = 0
    for c, its in blocks_d.items():
        odm[pos:pos + len(its), idx[c]] = 1
        pos += len(its)
    adj = np.zeros((len(names), len(names)))
    for s, t in pairs:
        adj[idx[s], idx[t]] = 1

    x, means, scales = _prepare(raw, scaled)
    fit = _fit_arrays(x, odm, adj, scheme, tol, max_iter)
    notes = []
    if not fit.converged:
        msg = (f"PLS weights did not converge in max_iter={max_iter} iterations "
               f"(tol={tol}); results may be unreliable. Increase max_iter or check the model.")
        warnings.warn(msg, PLSConvergenceWarning, stacklevel=2)
        notes.append(msg)

    mi = pd.MultiIndex.from_tuples(pairs, names=["source", "target"])
    path_coefs = pd.Series([fit.paths[idx[s], idx[t]] for s, t in pairs], index=mi,
                           name="path_coefficient")
    endo = [c for c in names if adj[:, idx[c]].any()]
    r2 = pd.Series([fit.r2[idx[c]] for c in endo], index=pd.Index(endo, name="construct"),
                   name="r_squared")
    item_construct = [c for c, its in blocks_d.items() for _ in its]
    w_item = np.sum(fit.w * odm, axis=1)
    loadings = pd.Series(fit.loadings, index=pd.Index(items, name="item"), name="loading")
    weights = pd.Series(w_item, index=pd.Index(items, name="item"), name="weight")
    r2_item = np.array([fit.r2[idx[c]] for c in item_construct])
    outer = pd.DataFrame({"construct": item_construct, "weight": w_item,
                          "loading": fit.loadings, "communality": fit.loadings ** 2,
                          "redundancy": fit.loadings ** 2 * r2_item},
                         index=pd.Index(items, name="item"))
    scores = pd.DataFrame(fit.scores, index=frame.index, columns=names)
    inner = _inner_table(fit.scores, adj, pairs, idx)
    effects = _effects_table(fit.paths, adj, names)

    result = PLSResult(
        blocks=blocks_d, paths=pairs, scheme=scheme, scaled=scaled, n_obs=n,
        iterations=fit.iterations, converged=fit.converged, path_coefficients=path_coefs,
        r_squared=r2, loadings=loadings, weights=weights, scores=scores, outer_model=outer,
        inner_model=inner, effects=effects,
        item_means=pd.Series(means, index=items), item_scales=pd.Series(scales, index=items),
        scale=scale, ci=ci, notes=notes,
    )
    result._items = frame[items]
    if n_bootstrap:
        result.bootstrap, result.n_bootstrap_failed = _bootstrap(
            raw, scaled, odm, adj, scheme, tol, max_iter, n_bootstrap, seed, ci, result, idx)
    return result


def _inner_table(scores: np.ndarray, adj: np.ndarray, pairs, idx) -> pd.DataFrame:
    n = scores.shape[0]
    rows = {}
    for t in range(adj.shape[0]):
        pred = np.flatnonzero(adj[:, t])
        if not pred.size:
            continue
        xmat = np.column_stack([np.ones(n), scores[:, pred]])
        beta, *_ = np.linalg.lstsq(xmat, scores[:, t], rcond=None)
        resid = scores[:, t] - xmat @ beta
        dof = n - xmat.shape[1]
        sigma2 = resid @ resid / dof
        se = np.sqrt(np.diag(np.linalg.inv(xmat.T @ xmat)) * sigma2)
        for k, p in enumerate(pred, start=1):
            rows[(p, t)] = (beta[k], se[k], beta[k] / se[k],
                            2 * stats.t.sf(abs(beta[k] / se[k]), dof))
    data = [rows[(idx[s], idx[t])] for s, t in pairs]
    return pd.DataFrame(data, columns=["estimate", "std_error", "t_value", "p_value"],
                        index=pd.MultiIndex.from_tuples(pairs, names=["source", "target"]))


def _effects_table(paths: np.ndarray, adj: np.ndarray, names: list[str]) -> pd.DataFrame:
    total = _total_effects(paths)
    reach = _reachable(adj)
    rows, index = [], []
    for s in range(len(names)):
        for t in range(len(names)):
            if reach[s, t]:
                index.append((names[s], names[t]))
                rows.append((paths[s, t], total[s, t] - paths[s, t], total[s, t]))
    return pd.DataFrame(rows, columns=["direct", "indirect", "total"],
                        index=pd.MultiIndex.from_tuples(index, names=["source", "target"]))


def _bootstrap(raw, scaled, odm, adj, scheme, tol, max_iter, n_boot, seed, ci,
               res: PLSResult, idx) -> tuple[pd.DataFrame, int]:
    """Nonparametric bootstrap (resample respondents, refit), as R plspm ``get_boots``."""
    rng = np.random.default_rng(seed)
    n = raw.shape[0]
    pairs = res.paths
    endo = list(res.r_squared.index)
    eff_pairs = list(res.effects.index)
    p_s = np.array([idx[s] for s, _ in pairs])
    p_t = np.array([idx[t] for _, t in pairs])
    e_s = np.array([idx[s] for s, _ in eff_pairs])
    e_t = np.array([idx[t] for _, t in eff_pairs])
    endo_i = np.array([idx[c] for c in endo])
    draws = {"path": [], "loading": [], "weight": [], "r_squared": [], "total_effect": []}
    failed = 0
    for _ in range(n_boot):
        sample = raw[rng.integers(0, n, size=n)]
        if np.any(np.ptp(sample, axis=0) == 0):
            failed += 1
            continue
        x, _, _ = _prepare(sample, scaled)
        try:
            f = _fit_arrays(x, odm, adj, scheme, tol, max_iter)
        except (DataError, np.linalg.LinAlgError):
            failed += 1
            continue
        if not f.converged:
            failed += 1
            continue
        draws["path"].append(f.paths[p_s, p_t])
        draws["loading"].append(f.loadings)
        draws["weight"].append(np.sum(f.w * odm, axis=1))
        draws["r_squared"].append(f.r2[endo_i])
        draws["total_effect"].append(_total_effects(f.paths)[e_s, e_t])
    if not draws["path"]:
        raise DataError("bootstrap: no resample could be fitted; the data are too small or "
                        "degenerate for resampling.")
    labels = {
        "path": [f"{s} -> {t}" for s, t in pairs],
        "loading": list(res.loadings.index),
        "weight": list(res.weights.index),
        "r_squared": endo,
        "total_effect": [f"{s} -> {t}" for s, t in eff_pairs],
    }
    original = {
        "path": res.path_coefficients.to_numpy(),
        "loading": res.loadings.to_numpy(),
        "weight": res.weights.to_numpy(),
        "r_squared": res.r_squared.to_numpy(),
        "total_effect": res.effects["total"].to_numpy(),
    }
    lo, hi = 50 * (1 - ci), 50 * (1 + ci)
    frames = []
    for kind, vals in draws.items():
        a = np.asarray(vals)
        frames.append(pd.DataFrame({
            "original": original[kind], "mean": a.mean(0), "std": a.std(0, ddof=1),
            "ci_low": np.percentile(a, lo, axis=0), "ci_high": np.percentile(a, hi, axis=0),
        }, index=pd.MultiIndex.from_product([[kind], labels[kind]], names=["kind", "parameter"])))
    return pd.concat(frames), failed


# ----------------------------------------------------------------------------- measurement quality


def _alpha(x: np.ndarray, standardized: bool) -> float:
    k = x.shape[1]
    if k < 2:
        return float("nan")
    if standardized:
        r = np.corrcoef(x, rowvar=False)
        return float(k / (k - 1) * (1 - k / r.sum()))
    c = np.cov(x, rowvar=False)
    return float(k / (k - 1) * (1 - np.trace(c) / c.sum()))


def cronbach_alpha(data: pd.DataFrame, items: Sequence[str], *, standardized: bool = False,
                   scale: tuple[float, float] | None = (1, 10)) -> float:
    """Cronbach's alpha of a block of items.

    Raw alpha is ``k/(k-1) * (1 - Σ var(item) / var(Σ items))``; the standardised alpha
    uses correlations instead (``k/(k-1) * (1 - k / Σ R)``), as R plspm ``unidim`` reports.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 2, 4, 4], "c": [1, 3, 3, 5]})
    >>> round(cronbach_alpha(d, ["a", "b", "c"], scale=None), 4)
    0.9333
    """
    items = list(items)
    check_param("standardized", standardized, kind=bool)
    x = check_items(data, items, scale=scale)
    if len(items) < 2:
        raise ParameterError("parameter 'items': Cronbach's alpha needs at least two items.")
    return _alpha(x[items].to_numpy(), standardized)


def composite_reliability(loadings) -> float:
    """Dillon-Goldstein rho (composite reliability) from standardised loadings λ.

    ``rho = (Σλ)² / ((Σλ)² + Σ(1 - λ²))`` (Werts, Linn & Jöreskog 1974).

    Examples
    --------
    >>> round(composite_reliability([0.8, 0.8, 0.8]), 4)
    0.8421
    """
    lam = np.asarray(loadings, dtype=float)
    s = lam.sum() ** 2
    return float(s / (s + np.sum(1 - lam ** 2)))


def average_variance_extracted(loadings) -> float:
    """Average variance extracted: mean of squared standardised loadings (Fornell & Larcker 1981).

    Examples
    --------
    >>> average_variance_extracted([0.8, 0.6])
    0.5
    """
    lam = np.asarray(loadings, dtype=float)
    return float(np.mean(lam ** 2))


def unidimensionality(data: pd.DataFrame, blocks: Mapping[str, Sequence[str]], *,
                      scale: tuple[float, float] | None = (1, 10)) -> pd.DataFrame:
    """Block unidimensionality as R plspm ``unidim``: standardised alpha, DG rho, eigenvalues.

    For each block the items are standardised; ``alpha`` is the standardised Cronbach's
    alpha, ``rho_dg`` is Dillon-Goldstein's rho computed from the correlations of the items
    with the block's first principal component, ``eig_1st``/``eig_2nd`` are the two largest
    eigenvalues of the item correlation matrix (a block is unidimensional when only the
    first exceeds 1). Single-item blocks get 1, 1, 1, 0 as in plspm.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 2, 4, 4], "c": [4, 3, 2, 2]})
    >>> unidimensionality(d, {"A": ["a", "b"], "C": ["c"]}, scale=None).round(3)
       n_items  alpha  rho_dg  eig_1st  eig_2nd
    A        2  0.944   0.973    1.894    0.106
    C        1  1.000   1.000    1.000    0.000
    """
    if not isinstance(blocks, Mapping) or not blocks:
        raise ParameterError("parameter 'blocks' must be a non-empty dict construct -> items.")
    items = [i for v in blocks.values() for i in v]
    x = check_items(data, items, scale=scale)
    rows = {}
    for c, its in blocks.items():
        its = list(its)
        if len(its) == 1:
            rows[c] = (1, 1.0, 1.0, 1.0, 0.0)
            continue
        r = np.corrcoef(x[its].to_numpy(), rowvar=False)
        val, vec = np.linalg.eigh(r)
        val, vec = val[::-1], vec[:, ::-1]
        lam = vec[:, 0] * np.sqrt(val[0])  # correlations of items with PC1
        k = len(its)
        rho = lam.sum() ** 2 / (lam.sum() ** 2 + k - np.sum(lam ** 2))
        alpha = max(0.0, k / (k - 1) * (1 - k / r.sum()))
        rows[c] = (k, alpha, rho, val[0], val[1])
    out = pd.DataFrame.from_dict(rows, orient="index",
                                 columns=["n_items", "alpha", "rho_dg", "eig_1st", "eig_2nd"])
    return out.astype({"n_items": int})


def htmt(data: pd.DataFrame, blocks: Mapping[str, Sequence[str]], *,
         scale: tuple[float, float] | None = (1, 10)) -> pd.DataFrame:
    """Heterotrait-monotrait ratio of correlations (Henseler, Ringle & Sarstedt 2015, eq. 6).

    ``HTMT_ij`` = mean correlation between items of i and items of j, divided by the
    geometric mean of the average within-block correlations of i and of j. Values above
    0.85 (0.90 for conceptually close constructs) signal a lack of discriminant validity.
    Correlations are used as they are, so reverse-coded items must be recoded first.
    Single-item blocks use 1 as their within-block average.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a1": [1, 2, 3, 4, 5], "a2": [1, 3, 2, 5, 4],
    ...                   "b1": [2, 1, 4, 3, 5], "b2": [1, 2, 5, 3, 4]})
    >>> htmt(d, {"A": ["a1", "a2"], "B": ["b1", "b2"]}, scale=None).round(3)
           A      B
    A    NaN  0.656
    B  0.656    NaN
    """
    if not isinstance(blocks, Mapping) or len(blocks) < 2:
        raise ParameterError("parameter 'blocks' must be a dict with at least two constructs.")
    items = [i for v in blocks.values() for i in v]
    x = check_items(data, items, scale=scale)
    r = pd.DataFrame(np.corrcoef(x[items].to_numpy(), rowvar=False), index=items, columns=items)
    names = list(blocks)
    mono = {}
    for c in names:
        its = list(blocks[c])
        if len(its) == 1:
            mono[c] = 1.0
        else:
            sub = r.loc[its, its].to_numpy()
            mono[c] = sub[np.triu_indices(len(its), 1)].mean()
    out = pd.DataFrame(np.nan, index=names, columns=names)
    for a in names:
        for b in names:
            if a != b:
                het = r.loc[list(blocks[a]), list(blocks[b])].to_numpy().mean()
                out.loc[a, b] = het / np.sqrt(mono[a] * mono[b])
    return out


def fornell_larcker(result: PLSResult) -> pd.DataFrame:
    """Fornell-Larcker table: sqrt(AVE) on the diagonal, construct correlations elsewhere.

    Discriminant validity holds when each diagonal value exceeds the correlations in its
    row and column (Fornell & Larcker 1981).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> q = rng.normal(size=300); s = 0.5 * q + rng.normal(size=300)
    >>> df = pd.DataFrame({f"q{i}": q + rng.normal(size=300) for i in (1, 2)}
    ...                   | {f"s{i}": s + rng.normal(size=300) for i in (1, 2)})
    >>> res = pls_pm(df, {"Q": ["q1", "q2"], "S": ["s1", "s2"]}, [("Q", "S")], scale=None)
    >>> fl = fornell_larcker(res)
    >>> bool(fl.loc["Q", "Q"] > fl.loc["Q", "S"])
    True
    """
    if not isinstance(result, PLSResult):
        raise ParameterError("fornell_larcker expects a PLSResult from pls_pm.")
    corr = result.scores.corr()
    for c, its in result.blocks.items():
        corr.loc[c, c] = np.sqrt(average_variance_extracted(result.loadings[its]))
    return corr
