"""Covariance-based structural equation models (结构方程模型) for the satisfaction indices.

The satisfaction-index models of :mod:`crm_lab.satisfaction` can be estimated by PLS
(:mod:`crm_lab.pls`) or, as here, as covariance-based SEM: reflective latent factors,
maximum likelihood, fitted with semopy and checked against R lavaan (``tests/fixtures``,
``tests/test_satisfaction.py``). This module adds to semopy what a reader needs to trust a
fit:

* a **verified optimum**: BFGS, then Fisher-scoring steps until the gradient of the ML
  discrepancy vanishes, a second optimiser when it does not, and a
  :class:`SEMConvergenceWarning` when no optimum could be verified (semopy's default SLSQP
  reports success on collinear data well short of the optimum);
* **fit indices as lavaan defines them** (:func:`fit_indices`);
* **standard errors of the standardised estimates by the delta method**, as lavaan's
  ``standardizedSolution()``;
* flags for **improper solutions** (Heywood cases, standardised values beyond ±1).

Everything is re-exported by :mod:`crm_lab.satisfaction`.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> q = rng.normal(size=500); s = 0.6 * q + 0.8 * rng.normal(size=500)
>>> df = pd.DataFrame({f"q{i}": 0.8 * q + 0.6 * rng.normal(size=500) for i in (1, 2, 3)}
...                   | {f"s{i}": 0.8 * s + 0.6 * rng.normal(size=500) for i in (1, 2, 3)})
>>> res = fit_sem(df, {"Q": ["q1", "q2", "q3"], "S": ["s1", "s2", "s3"]}, [("Q", "S")],
...               scale=None)
>>> res.convergence["verified"], res.optimizer
(True, 'BFGS + Fisher scoring')
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_lab.pls import check_items, check_model
from crm_lab.validate import ParameterError, check_param

__all__ = [
    "ImproperSolutionWarning",
    "SEMConvergenceWarning",
    "SEMResult",
    "fit_sem",
    "fit_indices",
    "chi2_difference",
]

SOLVERS = ("BFGS", "SLSQP", "L-BFGS-B")


class ImproperSolutionWarning(UserWarning):
    """A covariance-based SEM solution is improper: a Heywood case (negative variance),
    a standardised coefficient beyond ±1, or no verified optimum. Do not interpret it as is."""


class SEMConvergenceWarning(ImproperSolutionWarning):
    """The SEM optimiser stopped at a point that is not a verified optimum of the ML
    discrepancy (its gradient does not vanish); estimates and fit indices may be off."""


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


@dataclass
class SEMResult:
    """A covariance-based SEM fit (maximum likelihood, semopy).

    Attributes
    ----------
    path_coefficients : Series
        Standardised structural coefficients (lavaan ``std.all``), MultiIndex
        ``(source, target)``.
    paths : DataFrame
        Per path: ``estimate`` (unstandardised), ``std_estimate``, ``std_error``,
        ``std_error_std``, ``z_value``, ``p_value``. ``std_error``, ``z_value`` and
        ``p_value`` are the Wald statistics of the unstandardised estimate (expected
        information, as lavaan); ``std_error_std`` is the delta-method standard error of
        the standardised estimate (as lavaan ``standardizedSolution()``).
    loadings : Series
        Standardised loadings by item.
    measurement : DataFrame
        Per item: construct, ``estimate``, ``std_estimate``, ``std_error``,
        ``std_error_std`` (the first loading of each construct is fixed at 1, so its
        ``std_error`` is 0).
    r_squared : Series
        1 - standardised residual variance of each endogenous construct.
    fit : Series
        n, chi2, df, p_value, cfi, tli, rmsea, srmr (definitions in :func:`fit_indices`).
    improper : list of str
        Reasons the solution is improper (empty when it is fine).
    optimizer : str
        How the optimum was reached, e.g. ``"BFGS + Fisher scoring"``.
    convergence : dict
        The check of the optimum: ``objective`` (ML discrepancy F), ``max_abs_gradient``
        (largest |∂F/∂θ| over the free parameters, bounds respected), ``gtol`` (the
        tolerance it must meet), ``verified`` and ``attempts`` (objective after each
        optimiser).
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
    measurement: pd.DataFrame
    r_squared: pd.Series
    fit: pd.Series
    improper: list[str]
    optimizer: str
    convergence: dict
    description: str
    estimates: pd.DataFrame
    model: object = field(repr=False)

    def summary(self) -> str:
        """Plain-text report: fit indices, optimiser check, structural paths, R², loadings."""
        f, c = self.fit, self.convergence
        out = [
            "Covariance-based SEM (maximum likelihood, semopy)",
            f"n = {int(f['n'])}   chi2 = {f['chi2']:.2f}   df = {int(f['df'])}   "
            f"p = {f['p_value']:.3g}",
            f"CFI = {f['cfi']:.3f}   TLI = {f['tli']:.3f}   RMSEA = {f['rmsea']:.3f}   "
            f"SRMR = {f['srmr']:.3f}",
            f"optimiser: {self.optimizer}   max |gradient| = {c['max_abs_gradient']:.1e}   "
            f"verified optimum: {c['verified']}",
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
                f"CFI={f['cfi']:.3f}, RMSEA={f['rmsea']:.3f}, SRMR={f['srmr']:.3f}"
                f"{', IMPROPER' if self.improper else ''})")


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


# ----------------------------------------------------------------------------- fit indices


def fit_indices(s: np.ndarray, sigma: np.ndarray, n: int, df: int, *,
                chi2: float | None = None) -> dict[str, float]:
    """Fit indices of an ML covariance structure, as R lavaan defines them (its defaults).

    With ``S`` the sample covariance matrix (divisor *N*, lavaan ``likelihood = "normal"``),
    ``Σ`` the model-implied one and *p* items:

    * ``F = tr(S Σ⁻¹) - log|S Σ⁻¹| - p`` and ``chi2 = N F`` (lavaan ``chisq``);
    * baseline (independence) model ``Σ₀ = diag(S)``: ``chi2_b = N (Σ log s_ii - log|S|)``,
      ``df_b = p(p-1)/2``;
    * ``CFI = 1 - max(chi2 - df, 0) / max(chi2 - df, chi2_b - df_b, 0)`` (1 when that is 0);
    * ``TLI = (chi2_b/df_b - chi2/df) / (chi2_b/df_b - 1)``;
    * ``RMSEA = sqrt(max(chi2 - df, 0) / (df N))``: lavaan's ``rmsea`` with the normal
      likelihood, which uses *N* both in chi-square and here (with ``likelihood =
      "wishart"`` both use *N - 1*; mixing them, as semopy's RMSEA does, is neither);
    * ``SRMR = sqrt(mean over i <= j of ((s_ij - σ_ij) / sqrt(s_ii s_jj))²)``: lavaan's
      ``srmr`` (Bentler's, without a mean structure).

    Parameters
    ----------
    s, sigma : array (p, p)
        Sample (divisor N) and model-implied covariance matrices.
    n : int
        Number of respondents.
    df : int
        Degrees of freedom of the model.
    chi2 : float, optional
        The model's chi-square when it is not ``N F_ML`` (a GLS fit passes ``N F_GLS``;
        the baseline stays the ML one).

    Returns
    -------
    dict
        ``n``, ``chi2``, ``df``, ``p_value``, ``cfi``, ``tli``, ``rmsea``, ``srmr``,
        ``chi2_baseline``, ``df_baseline``.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> f = fit_indices(s, s, n=100, df=0)
    >>> f["chi2"], f["srmr"], f["cfi"]
    (0.0, 0.0, 1.0)
    """
    from scipy import stats

    s, sigma = np.asarray(s, float), np.asarray(sigma, float)
    p = s.shape[0]
    fml = (np.trace(s @ np.linalg.inv(sigma)) - np.linalg.slogdet(s)[1]
           + np.linalg.slogdet(sigma)[1] - p)
    chi2 = max(float(n * fml if chi2 is None else chi2), 0.0)
    chi2_b = float(n * (np.sum(np.log(np.diag(s))) - np.linalg.slogdet(s)[1]))
    df_b = p * (p - 1) / 2
    d_m, d_b = chi2 - df, chi2_b - df_b
    denom = max(d_m, d_b, 0.0)
    cfi = 1.0 - max(d_m, 0.0) / denom if denom > 0 else 1.0
    if df > 0:
        pval = float(stats.chi2.sf(chi2, df))
        tli = (chi2_b / df_b - chi2 / df) / (chi2_b / df_b - 1)
        rmsea = float(np.sqrt(max(d_m, 0.0) / (df * n)))
    else:
        pval, tli, rmsea = float("nan"), float("nan"), 0.0
    sd = np.sqrt(np.diag(s))
    resid = (s - sigma) / np.outer(sd, sd)
    srmr = float(np.sqrt(np.mean(resid[np.tril_indices(p)] ** 2)))
    return {"n": n, "chi2": chi2, "df": df, "p_value": pval, "cfi": float(cfi),
            "tli": float(tli), "rmsea": rmsea, "srmr": srmr, "chi2_baseline": chi2_b,
            "df_baseline": df_b}


# ----------------------------------------------------------------------------- optimisation


def _objective(model, obj: str):
    fun, grad = model.get_objective(obj)
    return fun, grad


def _projected_gradient(model, grad, x: np.ndarray) -> np.ndarray:
    """Gradient with the components removed that push a parameter against its bound."""
    g = np.asarray(grad(x), dtype=float).copy()
    for k, (lo, hi) in enumerate(model.get_bounds()):
        if lo is not None and x[k] <= lo + 1e-10 and g[k] > 0:
            g[k] = 0.0
        if hi is not None and x[k] >= hi - 1e-10 and g[k] < 0:
            g[k] = 0.0
    return g


def _fisher_scoring(model, x: np.ndarray, max_iter: int = 100) -> tuple[np.ndarray, int]:
    """Polish an ML solution by Fisher scoring (Gauss-Newton on F_ML) with step halving.

    The expected Hessian of ``F = tr(SΣ⁻¹) + log|Σ| - ...`` is ``tr(Σ⁻¹ Σ_i Σ⁻¹ Σ_j)``
    (= semopy's Fisher information * 2 / N), so each step solves one small linear system.
    """
    fun, grad = model.obj_mlw, model.grad_mlw
    f0 = fun(x)
    it = 0
    while it < max_iter:
        it += 1
        g = grad(x)
        if not np.all(np.isfinite(g)) or np.max(np.abs(g)) < 1e-10:
            break
        model.update_matrices(x)
        h = model.calc_fim() * 2.0 / model.n_samples
        step = -np.linalg.lstsq(h, g, rcond=None)[0]
        t = 1.0
        while t > 1e-8:
            f1 = fun(x + t * step)
            if np.isfinite(f1) and f1 <= f0 + 1e-14:
                break
            t /= 2
        else:
            break
        x, f0 = x + t * step, f1
    model.update_matrices(x)
    return x, it


def _optimise(model, data: pd.DataFrame, obj: str, solver: str, polish: bool,
              gtol: float) -> tuple[str, dict]:
    """Fit, polish and verify; try the other optimiser once if the check fails."""
    fun, grad = _objective(model, obj)
    attempts: dict[str, float] = {}
    steps: list[str] = []
    best = None
    order = [solver] + [s for s in ("BFGS", "SLSQP") if s != solver]
    for k, method in enumerate(order):
        with warnings.catch_warnings():  # BFGS ignores semopy's variance bounds (as lavaan)
            warnings.simplefilter("ignore")
            model.fit(data, obj=obj, solver=method, clean_slate=(k == 0))
        x = np.asarray(model.param_vals, dtype=float)
        name = method
        if polish and obj == "MLW":
            x, _ = _fisher_scoring(model, x)
            name += " + Fisher scoring"
        model.param_vals = x
        fx = float(fun(x))
        gmax = float(np.max(np.abs(_projected_gradient(model, grad, x))))
        attempts[name] = fx
        steps.append(name)
        if best is None or fx < best[0] - 1e-12 or (fx <= best[0] + 1e-12 and gmax < best[1]):
            best = (fx, gmax, x, name)
        if gmax < gtol:
            break
    fx, gmax, x, name = best
    model.param_vals = x
    model.update_matrices(x)
    label = name if len(steps) == 1 else " -> ".join(steps) + f" (kept {name})"
    return label, {"objective": fx, "max_abs_gradient": gmax, "gtol": gtol,
                   "verified": bool(gmax < gtol), "attempts": attempts}


# ----------------------------------------------------------------------------- standardisation


def _std_solution(model, x: np.ndarray, paths, loads, endo) -> np.ndarray:
    """lavaan ``std.all`` values at ``x``: paths, then loadings, then R² (a flat vector)."""
    model.update_matrices(x)
    sigma, (_, c) = model.calc_sigma()
    psi = model.mx_psi
    var_eta = np.diag(c @ psi @ c.T)
    sd_eta = np.sqrt(np.abs(var_eta))
    sd_x = np.sqrt(np.diag(sigma))
    lat = {v: k for k, v in enumerate(model.names_beta[0])}
    obs = {v: k for k, v in enumerate(model.names_lambda[0])}
    beta, lam = model.mx_beta, model.mx_lambda
    out = [beta[lat[t], lat[s]] * sd_eta[lat[s]] / sd_eta[lat[t]] for s, t in paths]
    out += [lam[obs[i], lat[c_]] * sd_eta[lat[c_]] / sd_x[obs[i]] for i, c_ in loads]
    out += [1.0 - psi[lat[t], lat[t]] / var_eta[lat[t]] for t in endo]
    return np.asarray(out, dtype=float)


def _delta_se(model, x: np.ndarray, vcov: np.ndarray, fn) -> np.ndarray:
    """Delta-method standard errors of ``fn(x)``: sqrt(diag(J V Jᵀ)), J by central differences."""
    base = fn(x)
    jac = np.empty((base.size, x.size))
    for k in range(x.size):
        h = 1e-6 * max(1.0, abs(x[k]))
        up, down = x.copy(), x.copy()
        up[k] += h
        down[k] -= h
        jac[:, k] = (fn(up) - fn(down)) / (2 * h)
    fn(x)  # restore the matrices at the estimate
    return np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", jac, vcov, jac), 0.0))


# ----------------------------------------------------------------------------- fit_sem


def fit_sem(data: pd.DataFrame, blocks: Mapping[str, Sequence[str]],
            paths: Sequence[tuple[str, str]], *, scale: tuple[float, float] | None = (1, 10),
            obj: str = "MLW", solver: str = "BFGS", polish: bool = True,
            gtol: float = 1e-5) -> SEMResult:
    """Fit the model as a covariance-based SEM (reflective factors, maximum likelihood).

    The semopy description is built from the same ``blocks`` and ``paths`` as
    :func:`~crm_lab.pls.pls_pm`: one ``construct =~ items`` line per block (single-item
    constructs are measured without error) and one ``target ~ sources`` line per
    endogenous construct; exogenous constructs covary freely. The parametrisation and the
    estimator are lavaan's defaults (first loading fixed at 1, ML with covariances of
    divisor *N*, expected information), so estimates, standard errors and fit indices can be
    compared with ``lavaan::sem`` one to one (``tests/fixtures/make_lavaan_fixtures.R``).

    **How the optimum is reached and checked.** ``solver`` runs first (``"BFGS"``: unbounded
    like lavaan, so a negative variance shows as such), then ``polish`` takes Fisher-scoring
    steps until the gradient of the ML discrepancy ``F`` vanishes. The solution is a
    *verified optimum* when the largest absolute gradient component over the free
    parameters (ignoring components that push a parameter against a bound) is below
    ``gtol``. If it is not, the other optimiser (SLSQP or BFGS) is run from that point once
    and the better solution kept; if that fails too, a :class:`SEMConvergenceWarning` is
    issued. The optimiser used and the check are recorded in ``optimizer`` and
    ``convergence`` of the result. (semopy's default, SLSQP alone, stops 0.03 chi-square
    short of the optimum on the plspm bank survey with standardised paths off by up to 0.5.)

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    blocks : dict
        Construct -> item columns (names must be plain identifiers).
    paths : list of (source, target)
    scale : (low, high) or None
        Answer scale checked by :func:`~crm_lab.pls.check_items`.
    obj : {"MLW", "GLS"}
        semopy objective: ``"MLW"`` = maximum likelihood, or generalised least squares. With
        GLS the chi-square is lavaan's GLS statistic, ``(N - 1)/2 tr[(ΣS⁻¹ - I)²]``, but CFI
        and TLI use the ML baseline (lavaan fits the baseline by GLS too), and there is no
        Fisher-scoring polish; the lavaan known-answer tests cover ML only.
    solver : {"BFGS", "SLSQP", "L-BFGS-B"}
        First optimiser.
    polish : bool
        Fisher-scoring steps after the optimiser (ML only).
    gtol : float
        Tolerance of the gradient check.

    Returns
    -------
    SEMResult

    Warns
    -----
    SEMConvergenceWarning
        No optimiser reached a point where the gradient vanishes (``convergence``).
    ImproperSolutionWarning
        Variance estimates below zero (Heywood cases), standardised coefficients beyond ±1.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> q = rng.normal(size=800); s = 0.6 * q + 0.8 * rng.normal(size=800)
    >>> df = pd.DataFrame({f"q{i}": 0.8 * q + 0.6 * rng.normal(size=800) for i in (1, 2, 3)}
    ...                   | {f"s{i}": 0.8 * s + 0.6 * rng.normal(size=800) for i in (1, 2, 3)})
    >>> res = fit_sem(df, {"quality": ["q1", "q2", "q3"], "sat": ["s1", "s2", "s3"]},
    ...               [("quality", "sat")], scale=None)
    >>> round(float(res.path_coefficients.iloc[0]), 1), res.convergence["verified"]
    (0.6, True)
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
    check_param("solver", solver, SOLVERS)
    check_param("polish", polish, kind=bool)
    check_param("gtol", gtol, kind=(float, int), low=0)
    items = [i for v in blocks_d.values() for i in v]
    frame = check_items(data, items, scale=scale)

    desc = _sem_description(blocks_d, pairs)
    model = semopy.Model(desc)
    optimizer, conv = _optimise(model, frame[items], obj, solver, polish, gtol)
    x = np.asarray(model.param_vals, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = model.inspect(std_est=True, information="expected")
        _, vcov = model.calc_fim(inverse=True)
    est = est.rename(columns={"Estimate": "estimate", "Est. Std": "std_estimate",
                              "Std. Err": "std_error", "z-value": "z_value",
                              "p-value": "p_value"})
    for c in ("estimate", "std_estimate", "std_error", "z_value", "p_value"):
        est[c] = pd.to_numeric(est[c], errors="coerce")

    endo = [c for c in blocks_d if any(t == c for _, t in pairs)]
    loads = [(i, c) for c, its in blocks_d.items() for i in its]
    fn = lambda v: _std_solution(model, v, pairs, loads, endo)  # noqa: E731
    std_vals = fn(x)
    std_se = _delta_se(model, x, vcov, fn)
    n_p, n_l = len(pairs), len(loads)

    reg = est[est["op"] == "~"].set_index(["lval", "rval"])
    rows = []
    for k, (s, t) in enumerate(pairs):
        r = reg.loc[(t, s)]
        rows.append((r["estimate"], std_vals[k], r["std_error"], std_se[k], r["z_value"],
                     r["p_value"]))
    mi = pd.MultiIndex.from_tuples(pairs, names=["source", "target"])
    path_tab = pd.DataFrame(rows, index=mi, columns=["estimate", "std_estimate", "std_error",
                                                     "std_error_std", "z_value", "p_value"])
    meas = pd.DataFrame({
        "construct": [c for _, c in loads],
        "estimate": [float(reg.loc[(i, c), "estimate"]) for i, c in loads],
        "std_estimate": std_vals[n_p:n_p + n_l],
        "std_error": [float(np.nan_to_num(reg.loc[(i, c), "std_error"])) for i, c in loads],
        "std_error_std": std_se[n_p:n_p + n_l]}, index=pd.Index(items, name="item"))
    r2 = pd.Series(std_vals[n_p + n_l:], index=pd.Index(endo, name="construct"),
                   name="r_squared")

    improper: list[str] = []
    if not conv["verified"]:
        msg = (f"no verified optimum: after {optimizer} the largest gradient component of the fit "
               f"discrepancy is {conv['max_abs_gradient']:.2g} (> gtol = {gtol:g}); "
               "estimates and fit indices may be off.")
        improper.append(msg)
        warnings.warn(f"fit_sem: {msg} Check the model for near-collinear constructs, or "
                      "try another solver.", SEMConvergenceWarning, stacklevel=2)
    var = est[(est["op"] == "~~") & (est["lval"] == est["rval"])]
    fixed = {v[0] for v in blocks_d.values() if len(v) == 1}
    floor = 1e-6 * float(frame[items].var(ddof=0).max())
    for _, r in var.iterrows():
        if r["lval"] in fixed or r["estimate"] > floor:
            continue
        where = ("< 0" if r["estimate"] < 0 else
                 "at zero, on the optimiser's lower bound (the unconstrained estimate would be "
                 "negative)")
        improper.append(f"the (residual) variance of {r['lval']} is estimated at "
                        f"{r['estimate']:.3g}, {where}: a Heywood case.")
    labels = ([f"path {s} -> {t}" for s, t in pairs]
              + [f"loading {c} -> {i}" for i, c in loads])
    for lab, v in zip(labels, std_vals[:n_p + n_l], strict=True):
        if abs(v) > 1:
            improper.append(f"standardised {lab} = {v:.3f} lies beyond ±1.")
    issues = [m for m in improper if not m.startswith("no verified")]
    if issues:
        warnings.warn("improper SEM solution: " + " ".join(issues) + " Check the model, "
                      "the items of the named constructs, and the sample size.",
                      ImproperSolutionWarning, stacklevel=2)

    sigma = model.calc_sigma()[0]
    dof = int(len(model.mx_cov) * (len(model.mx_cov) + 1) // 2 - x.size)
    # semopy's GLS discrepancy is tr[(ΣS⁻¹ - I)²]; lavaan's GLS chi-square is (N - 1)/2 times it
    chi2 = None if obj == "MLW" else float((model.n_samples - 1) * conv["objective"] / 2)
    fit = pd.Series(fit_indices(model.mx_cov, sigma, int(model.n_samples), dof, chi2=chi2),
                    name="fit")
    fit = fit.drop(["chi2_baseline", "df_baseline"])
    return SEMResult(path_coefficients=path_tab["std_estimate"].rename("path_coefficient"),
                     paths=path_tab, loadings=meas["std_estimate"].rename("loading"),
                     measurement=meas, r_squared=r2, fit=fit, improper=improper,
                     optimizer=optimizer, convergence=conv, description=desc, estimates=est,
                     model=model)


def chi2_difference(restricted: SEMResult, general: SEMResult) -> pd.Series:
    """Chi-square difference (likelihood-ratio) test of two nested SEM fits.

    ``restricted`` must be ``general`` with some paths fixed at zero (more degrees of
    freedom), fitted by maximum likelihood to the same items and respondents. A small
    ``p_value`` says the restriction (e.g. no image -> loyalty path) does not hold.

    Returns
    -------
    Series
        ``chi2_restricted``, ``chi2_general``, ``delta_chi2``, ``delta_df``, ``p_value``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(2)
    >>> a = rng.normal(size=600); b = 0.5 * a + rng.normal(size=600)
    >>> c = 0.4 * a + 0.4 * b + rng.normal(size=600)
    >>> df = pd.DataFrame({f"{n}{i}": z + 0.7 * rng.normal(size=600)
    ...                    for n, z in (("a", a), ("b", b), ("c", c)) for i in (1, 2, 3)})
    >>> blocks = {k: [f"{k}{i}" for i in (1, 2, 3)] for k in "abc"}
    >>> full = fit_sem(df, blocks, [("a", "b"), ("b", "c"), ("a", "c")], scale=None)
    >>> chain = fit_sem(df, blocks, [("a", "b"), ("b", "c")], scale=None)
    >>> t = chi2_difference(chain, full)
    >>> int(t["delta_df"]), bool(t["p_value"] < 0.001)
    (1, True)
    """
    from scipy import stats

    for name, r in (("restricted", restricted), ("general", general)):
        if not isinstance(r, SEMResult):
            raise ParameterError(f"parameter {name!r} must be a SEMResult from fit_sem.")
    if set(restricted.loadings.index) != set(general.loadings.index) or \
            restricted.fit["n"] != general.fit["n"]:
        raise ParameterError("chi2_difference: the two models are not fitted to the same items "
                             "and respondents, so they are not nested; compare CFI, RMSEA and "
                             "SRMR instead.")
    ddf = restricted.fit["df"] - general.fit["df"]
    if ddf <= 0:
        raise ParameterError("chi2_difference: 'restricted' must have more degrees of freedom "
                             f"than 'general' (got {restricted.fit['df']} and "
                             f"{general.fit['df']}); swap the arguments.")
    dchi = restricted.fit["chi2"] - general.fit["chi2"]
    return pd.Series({"chi2_restricted": restricted.fit["chi2"],
                      "chi2_general": general.fit["chi2"], "delta_chi2": dchi,
                      "delta_df": ddf, "p_value": float(stats.chi2.sf(max(dchi, 0.0), ddf))},
                     name="chi2_difference")
