"""The business case of a CRM project: NPV, IRR and payback, under uncertainty.

A CRM investment pays back through three levers the book's chapters measure: customers stay
longer (retention, chapters 4 and 7), more customers are won (acquisition) and serving them
costs less (service, chapter 10). :func:`business_case` turns assumptions about those levers
into yearly cash flows and their net present value (NPV, 净现值), internal rate of return
(IRR, 内部收益率) and simple and discounted payback (投资回收期). Assumptions are uncertain, so
:func:`monte_carlo` draws them from distributions (Latin hypercube sampling, seeded) and gives
the distribution of the NPV and the probability of a loss, and :func:`tornado` ranks the
assumptions by how much the NPV swings between their low and high values.

The cash-flow model, year ``t = 1 .. horizon_years``: active customers evolve as
``N_t = r_t N_{t-1} + A_t`` without the project (``r_t = retention``, ``A_t = new_customers``)
and with it (``r_t = retention + retention_gain * ramp_t``, ``A_t = new_customers (1 +
acquisition_gain * ramp_t)``), where ``ramp_t = min(t / ramp_years, 1)`` phases the benefits
in. The project's net cash flow is ``margin (N_t^CRM - N_t) + service_saving ramp_t -
running_cost``, and ``-investment`` at ``t = 0``.

:func:`npv` and :func:`irr` follow numpy-financial's conventions (the first cash flow is at
time 0), and the tests check them against numpy-financial and a hand-computed case.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_lab.validate import DataError, ParameterError, check_param

__all__ = ["npv", "irr", "payback_period", "BASE_CASE", "BusinessCase", "business_case",
           "case_inputs",
           "MonteCarloResult", "monte_carlo", "tornado", "ranges_from", "DISTRIBUTIONS",
           "CRM_PROJECT_FACTORS", "project_checklist", "INDUSTRY_APPLICATIONS"]

#: A CRM project for a company like the simulated retailer (yearly figures, currency units).
BASE_CASE = {
    "customers": 2500.0, "margin": 150.0, "retention": 0.60, "retention_gain": 0.04,
    "new_customers": 1500.0, "acquisition_gain": 0.05, "service_saving": 20000.0,
    "investment": 120000.0, "running_cost": 30000.0, "ramp_years": 2.0,
}
_SHARES = ("retention", "retention_gain")
_LABELS = {"customers": "active customers at start", "margin": "margin per customer-year",
           "retention": "yearly retention", "retention_gain": "retention gain",
           "new_customers": "new customers per year", "acquisition_gain": "acquisition gain",
           "service_saving": "service saving per year", "investment": "investment",
           "running_cost": "running cost per year", "ramp_years": "years to full benefit"}


# ============================================================================ NPV, IRR, payback


def _flows(cashflows, name: str = "cashflows") -> np.ndarray:
    cf = np.asarray(cashflows, dtype=float)
    if cf.ndim != 1 or cf.size < 2:
        raise DataError(f"{name}: expected a sequence of at least two cash flows (time 0, 1, "
                        f"...), got shape {cf.shape}.")
    if not np.isfinite(cf).all():
        raise DataError(f"{name}: missing or infinite cash flows. How to fix: give a number for "
                        "every period (0 where nothing flows).")
    return cf


def npv(rate: float, cashflows) -> float:
    """Net present value ``sum_t cf_t / (1 + rate)^t``, the first cash flow at ``t = 0``.

    Same convention as ``numpy_financial.npv``.

    Examples
    --------
    >>> round(npv(0.10, [-1000, 500, 500, 500]), 2)
    243.43
    """
    check_param("rate", rate, kind=(int, float, np.floating), low=-0.999999)
    cf = _flows(cashflows)
    return float(np.sum(cf / (1.0 + rate) ** np.arange(cf.size)))


def irr(cashflows, *, low: float = -0.99, high: float = 10.0) -> float:
    """Internal rate of return: the ``rate`` in ``(low, high)`` where :func:`npv` is zero.

    Found by Brent's method. Cash flows whose NPV does not change sign on the interval (all
    positive, all negative, or never paying back) have no IRR there: ``nan`` with a
    warning. With several sign changes there may be several IRRs; the one found is reported
    and a warning says so.

    Examples
    --------
    >>> round(irr([-1000, 500, 500, 500]), 4)
    0.2338
    """
    from scipy.optimize import brentq

    cf = _flows(cashflows)
    check_param("low", low, kind=(int, float), low=-0.999999)
    check_param("high", high, kind=(int, float), low=low)
    f = lambda r: float(np.sum(cf / (1.0 + r) ** np.arange(cf.size)))  # noqa: E731
    signs = np.sign(cf[cf != 0])
    if (np.diff(signs) != 0).sum() > 1:
        warnings.warn("cashflows change sign more than once: the IRR may not be unique; the "
                      "NPV at the discount rate is the safer criterion.", RuntimeWarning,
                      stacklevel=2)
    grid = np.concatenate([np.linspace(low, 0.0, 50, endpoint=False), np.geomspace(1e-4, high, 80)])
    values = np.array([f(r) for r in grid])
    change = np.flatnonzero(np.sign(values[:-1]) * np.sign(values[1:]) <= 0)
    if change.size == 0:
        warnings.warn("the NPV does not cross zero between rates "
                      f"{low} and {high}: no IRR (the project never pays back, or always does).",
                      RuntimeWarning, stacklevel=2)
        return float("nan")
    i = change[0]
    return float(brentq(f, grid[i], grid[i + 1], xtol=1e-14, rtol=1e-13, maxiter=500))


def payback_period(cashflows, rate: float | None = None) -> float:
    """Years until the cumulative (discounted, if ``rate`` is given) cash flow turns >= 0.

    Within the year it turns, cash is taken to arrive evenly (linear interpolation). ``inf``
    if it never does within the cash flows given.

    Examples
    --------
    >>> payback_period([-1000, 300, 400, 500])
    2.6
    >>> round(payback_period([-1000, 500, 500, 500], rate=0.10), 3)
    2.352
    """
    cf = _flows(cashflows)
    if rate is not None:
        check_param("rate", rate, kind=(int, float, np.floating), low=-0.999999)
        cf = cf / (1.0 + rate) ** np.arange(cf.size)
    cum = np.cumsum(cf)
    if cum[0] >= 0:
        return 0.0
    hit = np.flatnonzero(cum >= 0)
    if hit.size == 0:
        return float("inf")
    t = int(hit[0])
    return float(t - 1 + (-cum[t - 1]) / cf[t])


# ============================================================================ the cash flows


def _inputs(values: Mapping, n: int | None = None) -> dict[str, np.ndarray]:
    unknown = [k for k in values if k not in BASE_CASE]
    if unknown:
        raise ParameterError(f"unknown business-case input(s) {unknown}; the inputs are "
                             f"{list(BASE_CASE)}.")
    out = {}
    for k, default in BASE_CASE.items():
        v = np.asarray(values.get(k, default), dtype=float)
        if not np.isfinite(v).all():
            raise ParameterError(f"parameter '{k}': must be a finite number, got {v!r}.")
        low = 1e-9 if k == "ramp_years" else (None if k in ("acquisition_gain",
                                                            "retention_gain") else 0.0)
        if low is not None and (v < low).any():
            raise ParameterError(f"parameter '{k}' ({_LABELS[k]}): must be >= {low:g}, got a "
                                 f"minimum of {float(v.min()):g}.")
        out[k] = v if n is None else np.broadcast_to(v, (n,)).astype(float)
    return out


def _cash(x: Mapping[str, np.ndarray], horizon: int) -> dict[str, np.ndarray]:
    """Yearly customers and cash flows; arrays broadcast over simulations (last axis = year)."""
    shape = np.broadcast(*x.values()).shape
    n_base = np.broadcast_to(x["customers"], shape).astype(float)
    n_ret, n_crm = n_base.copy(), n_base.copy()
    rows = {k: [] for k in ("base", "crm", "retention_value", "acquisition_value",
                            "service_value", "running_cost")}
    for t in range(1, horizon + 1):
        ramp = np.minimum(t / x["ramp_years"], 1.0)
        r_crm = np.clip(x["retention"] + x["retention_gain"] * ramp, 0.0, 1.0)
        a_crm = x["new_customers"] * (1.0 + x["acquisition_gain"] * ramp)
        n_base = x["retention"] * n_base + x["new_customers"]
        n_ret = r_crm * n_ret + x["new_customers"]  # retention gain only
        n_crm = r_crm * n_crm + a_crm
        rows["base"].append(n_base)
        rows["crm"].append(n_crm)
        rows["retention_value"].append(x["margin"] * (n_ret - n_base))
        rows["acquisition_value"].append(x["margin"] * (n_crm - n_ret))
        rows["service_value"].append(np.broadcast_to(x["service_saving"] * ramp, shape))
        rows["running_cost"].append(np.broadcast_to(x["running_cost"], shape))
    out = {k: np.stack(v, axis=-1) for k, v in rows.items()}
    net = (out["retention_value"] + out["acquisition_value"] + out["service_value"]
           - out["running_cost"])
    inv = np.broadcast_to(x["investment"], shape)[..., None]
    out["net"] = np.concatenate([-inv, net], axis=-1)
    return out


def case_inputs(wh, *, margin_rate: float = 0.3, retention_gain: float = 0.04,
                acquisition_gain: float = 0.05, investment_per_customer: float = 30.0,
                running_cost_per_customer: float = 5.0, service_saving_per_customer: float = 5.0,
                ramp_years: float = 2.0) -> dict:
    """Business-case inputs from the company's last year in the warehouse.

    Over the last 365 days of the log: ``customers`` (buyers), ``new_customers`` (first
    purchase in the window) and revenue per buyer (``margin`` = ``margin_rate`` x that);
    ``retention`` is the share of the 365 days before's buyers who bought again. A log shorter
    than two years uses two windows of half its length and annualizes (``r ** (365 / L)``;
    counts are scaled to a year). Investment, running cost and service saving scale with the
    buyers. The project's levers (``retention_gain``, ``acquisition_gain``, ``ramp_years``)
    are assumptions.

    Examples
    --------
    >>> from crm_lab.simulate import simulate_company
    >>> from crm_lab.warehouse import build_warehouse
    >>> wh = build_warehouse(simulate_company(400, seed=1).transactions, clv=False)
    >>> x = case_inputs(wh)
    >>> sorted(x) == sorted(BASE_CASE)
    True
    """
    for name, v, hi in (("margin_rate", margin_rate, 1.0), ("investment_per_customer",
                        investment_per_customer, None), ("running_cost_per_customer",
                        running_cost_per_customer, None), ("service_saving_per_customer",
                        service_saving_per_customer, None)):
        check_param(name, v, kind=(int, float), low=0.0, high=hi)
    span = wh.sql("SELECT MIN(d.date) AS lo, MAX(d.date) AS hi FROM fact_sales f "
                  "JOIN dim_date d ON f.date_key = d.date_key")
    lo, hi = pd.Timestamp(span["lo"].iloc[0]), pd.Timestamp(span["hi"].iloc[0])
    days = (hi - lo).days + 1
    length = min(365, days // 2)
    if length < 28:
        raise DataError(f"transactions: the log spans {days} days; a yearly business case needs "
                        "at least two months. How to fix: use a longer history.")
    cut1 = (hi - pd.Timedelta(days=length)).date()
    cut0 = (hi - pd.Timedelta(days=2 * length)).date()
    q = f"""
WITH b AS (
  SELECT f.customer_key, d.date, f.amount_cents FROM fact_sales f
  JOIN dim_date d ON f.date_key = d.date_key
),
first AS (SELECT customer_key, MIN(date) AS first_date FROM b GROUP BY customer_key),
w1 AS (SELECT DISTINCT customer_key FROM b WHERE date > DATE '{cut1}'),
w0 AS (SELECT DISTINCT customer_key FROM b WHERE date > DATE '{cut0}' AND date <= DATE '{cut1}')
SELECT (SELECT COUNT(*) FROM w1) AS buyers,
       (SELECT COUNT(*) FROM w0) AS buyers_before,
       (SELECT COUNT(*) FROM w0 JOIN w1 USING (customer_key)) AS retained,
       (SELECT COUNT(*) FROM first WHERE first_date > DATE '{cut1}') AS new_buyers,
       (SELECT SUM(amount_cents) FROM b WHERE date > DATE '{cut1}') / 100.0 AS revenue"""
    r = wh.sql(q).iloc[0]
    if r["buyers_before"] <= 0:
        raise DataError("transactions: nobody bought in the window before the last one, so "
                        "retention cannot be measured. How to fix: use a longer history.")
    scale = 365.0 / length
    n = float(r["buyers"])
    retention = float(r["retained"] / r["buyers_before"]) ** scale
    return {"customers": n, "margin": float(margin_rate * r["revenue"] / n * scale),
            "retention": retention, "retention_gain": float(retention_gain),
            "new_customers": float(r["new_buyers"]) * scale,
            "acquisition_gain": float(acquisition_gain),
            "service_saving": float(service_saving_per_customer * n),
            "investment": float(investment_per_customer * n),
            "running_cost": float(running_cost_per_customer * n),
            "ramp_years": float(ramp_years)}


@dataclass
class BusinessCase:
    """Cash flows of a CRM project and their NPV, IRR and payback.

    Attributes
    ----------
    cashflows : DataFrame
        One row per year (0 = the investment): customers without and with the project, the
        value of the retention, acquisition and service levers, running cost, net cash flow,
        its discounted value and the cumulative discounted cash flow.
    npv, irr, payback_years, discounted_payback_years : float
    inputs : dict
    discount_rate : float
    """

    cashflows: pd.DataFrame
    npv: float
    irr: float
    payback_years: float
    discounted_payback_years: float
    inputs: dict
    discount_rate: float

    def summary(self) -> pd.Series:
        """The headline numbers, rounded as a reader uses them (money in whole units)."""
        return pd.Series({
            "npv": round(self.npv), "irr_pct": round(100 * self.irr, 1),
            "payback_years": round(self.payback_years, 1),
            "discounted_payback_years": round(self.discounted_payback_years, 1),
            "investment": round(self.inputs["investment"]),
            "discount_rate_pct": round(100 * self.discount_rate, 1),
            "horizon_years": len(self.cashflows) - 1}, name="business case")


def _check_case(horizon_years: int, discount_rate: float) -> None:
    check_param("horizon_years", horizon_years, kind=int, low=1, high=50)
    check_param("discount_rate", discount_rate, kind=(int, float, np.floating), low=0.0, high=1.0)


def business_case(inputs: Mapping | None = None, *, horizon_years: int = 5,
                  discount_rate: float = 0.10) -> BusinessCase:
    """NPV, IRR and payback of a CRM project from its retention, acquisition and service levers.

    Parameters
    ----------
    inputs : mapping, optional
        Any of :data:`BASE_CASE`'s keys (missing ones take the base value): ``customers``
        (active at the start), ``margin`` (per customer-year), ``retention`` (yearly),
        ``retention_gain`` (points of retention the project adds), ``new_customers`` (per
        year), ``acquisition_gain`` (relative increase), ``service_saving`` (per year),
        ``investment`` (at time 0), ``running_cost`` (per year), ``ramp_years`` (years until
        the full benefit).
    horizon_years : int
    discount_rate : float
        Yearly, e.g. 0.10 (the company's cost of capital).

    Returns
    -------
    BusinessCase

    Examples
    --------
    >>> case = business_case({"investment": 100000}, horizon_years=5)
    >>> case.summary()[["npv", "irr_pct", "payback_years"]].tolist()
    [30678.0, 18.0, 3.6]
    """
    _check_case(horizon_years, discount_rate)
    x = _inputs(inputs or {})
    c = _cash(x, horizon_years)
    years = np.arange(horizon_years + 1)
    zero = lambda a: np.concatenate([[0.0], a])  # noqa: E731
    net = c["net"]
    disc = net / (1.0 + discount_rate) ** years
    frame = pd.DataFrame({
        "customers_without": np.concatenate([[float(x["customers"])], c["base"]]),
        "customers_with": np.concatenate([[float(x["customers"])], c["crm"]]),
        "retention_value": zero(c["retention_value"]),
        "acquisition_value": zero(c["acquisition_value"]),
        "service_value": zero(c["service_value"]), "running_cost": zero(c["running_cost"]),
        "net_cashflow": net, "discounted": disc, "cumulative_discounted": np.cumsum(disc),
    }, index=pd.Index(years, name="year"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rate = irr(net)
    return BusinessCase(cashflows=frame, npv=npv(discount_rate, net), irr=rate,
                        payback_years=payback_period(net),
                        discounted_payback_years=payback_period(net, discount_rate),
                        inputs={k: float(v) for k, v in x.items()}, discount_rate=discount_rate)


# ============================================================================ uncertainty

#: Distribution names and their parameters, for :func:`monte_carlo`.
DISTRIBUTIONS = {"normal": ("mean", "sd"), "uniform": ("low", "high"),
                 "triangular": ("low", "mode", "high"), "lognormal": ("median", "sigma"),
                 "beta": ("a", "b"), "fixed": ("value",)}


def _dist(name: str, spec):
    from scipy import stats

    if not isinstance(spec, Sequence) or isinstance(spec, str) or not spec or \
            spec[0] not in DISTRIBUTIONS:
        raise ParameterError(f"distribution of '{name}': expected a tuple such as ('normal', "
                             f"mean, sd); the kinds are {list(DISTRIBUTIONS)}, got {spec!r}.")
    kind, *p = spec
    if len(p) != len(DISTRIBUTIONS[kind]):
        raise ParameterError(f"distribution of '{name}': {kind!r} takes "
                             f"{DISTRIBUTIONS[kind]}, got {p!r}.")
    p = [float(v) for v in p]
    if kind == "normal":
        if p[1] <= 0:
            raise ParameterError(f"distribution of '{name}': sd must be > 0.")
        return stats.norm(p[0], p[1])
    if kind == "uniform":
        if p[1] <= p[0]:
            raise ParameterError(f"distribution of '{name}': high must exceed low.")
        return stats.uniform(p[0], p[1] - p[0])
    if kind == "triangular":
        lo, mode, hi = p
        if not lo <= mode <= hi or hi <= lo:
            raise ParameterError(f"distribution of '{name}': need low <= mode <= high, low < "
                                 "high.")
        return stats.triang((mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
    if kind == "lognormal":
        if p[0] <= 0 or p[1] <= 0:
            raise ParameterError(f"distribution of '{name}': median and sigma must be > 0.")
        return stats.lognorm(p[1], scale=p[0])
    if kind == "beta":
        if p[0] <= 0 or p[1] <= 0:
            raise ParameterError(f"distribution of '{name}': a and b must be > 0.")
        return stats.beta(p[0], p[1])
    return stats.uniform(p[0], 0.0)


def _check_dists(distributions: Mapping) -> dict:
    if not isinstance(distributions, Mapping) or not distributions:
        raise ParameterError("parameter 'distributions': give at least one uncertain input, "
                             "e.g. {'retention_gain': ('triangular', 0.01, 0.03, 0.05)}.")
    unknown = [k for k in distributions if k not in BASE_CASE]
    if unknown:
        raise ParameterError(f"parameter 'distributions': unknown input(s) {unknown}; the inputs "
                             f"are {list(BASE_CASE)}.")
    return {k: _dist(k, v) for k, v in distributions.items()}


@dataclass
class MonteCarloResult:
    """The NPV distribution of a CRM project under uncertain inputs.

    Attributes
    ----------
    samples : DataFrame
        One row per simulation: the drawn inputs, ``npv`` and ``payback_years``.
    discount_rate, horizon_years, seed : as given
    """

    samples: pd.DataFrame
    discount_rate: float
    horizon_years: int
    seed: int
    distributions: dict = field(default_factory=dict)

    @property
    def probability_of_loss(self) -> float:
        """Share of simulations with a negative NPV."""
        return float((self.samples["npv"] < 0).mean())

    def quantiles(self, q=(0.05, 0.5, 0.95)) -> pd.Series:
        """Quantiles of the NPV."""
        return self.samples["npv"].quantile(list(q))

    def summary(self, digits: int = 2) -> pd.Series:
        """Mean, 5 %, 50 % and 95 % quantiles of the NPV (``digits`` significant figures) and
        the probability of a loss (whole per cent), rounded so that another seed or a larger
        ``n_simulations`` leaves the stored digits alone.

        Examples
        --------
        >>> mc = monte_carlo({"retention_gain": ("triangular", 0.0, 0.03, 0.05)},
        ...                  n_simulations=2000, seed=1)
        >>> list(mc.summary().index)
        ['npv_mean', 'npv_p05', 'npv_median', 'npv_p95', 'loss_probability_pct', 'n_simulations']
        """
        check_param("digits", digits, kind=int, low=1, high=6)
        q = self.quantiles()
        npv_ = self.samples["npv"]
        out = {"npv_mean": npv_.mean(), "npv_p05": q.iloc[0], "npv_median": q.iloc[1],
               "npv_p95": q.iloc[2]}
        out = {k: _significant(v, digits) for k, v in out.items()}
        out["loss_probability_pct"] = float(round(100 * self.probability_of_loss))
        out["n_simulations"] = float(len(npv_))
        return pd.Series(out, name="monte carlo")


def _significant(x: float, digits: int) -> float:
    if x == 0 or not np.isfinite(x):
        return float(x)
    return float(round(x, digits - 1 - int(np.floor(np.log10(abs(x))))))


def monte_carlo(distributions: Mapping, base: Mapping | None = None, *,
                n_simulations: int = 10_000, horizon_years: int = 5,
                discount_rate: float = 0.10, seed: int = 0,
                sampling: str = "latin_hypercube") -> MonteCarloResult:
    """Draw the uncertain inputs, compute the NPV of every draw (vectorised).

    Parameters
    ----------
    distributions : mapping
        Input name -> ``(kind, *parameters)`` with kinds from :data:`DISTRIBUTIONS`:
        ``("normal", mean, sd)``, ``("uniform", low, high)``, ``("triangular", low, mode,
        high)``, ``("lognormal", median, sigma)``, ``("beta", a, b)``, ``("fixed", value)``.
        Inputs are drawn independently.
    base : mapping, optional
        Values of the other inputs (default :data:`BASE_CASE`).
    n_simulations : int
    horizon_years, discount_rate
        As in :func:`business_case`.
    seed : int
    sampling : {"latin_hypercube", "random"}
        Latin hypercube sampling (one draw in each of ``n_simulations`` equal-probability
        strata of every input, scipy.stats.qmc) makes summaries settle with fewer draws.

    Returns
    -------
    MonteCarloResult

    Examples
    --------
    >>> mc = monte_carlo({"retention_gain": ("triangular", 0.0, 0.04, 0.06),
    ...                   "margin": ("normal", 150, 25)}, n_simulations=5000, seed=1)
    >>> float(mc.summary()["loss_probability_pct"])
    59.0
    """
    from scipy.stats import qmc

    check_param("n_simulations", n_simulations, kind=int, low=100)
    check_param("seed", seed, kind=int, low=0)
    check_param("sampling", sampling, allowed=["latin_hypercube", "random"])
    _check_case(horizon_years, discount_rate)
    dists = _check_dists(distributions)
    base = dict(base or {})
    _inputs(base)
    names = list(dists)
    if sampling == "latin_hypercube":
        u = qmc.LatinHypercube(d=len(names), seed=np.random.default_rng(seed)).random(
            n_simulations)
    else:
        u = np.random.default_rng(seed).random((n_simulations, len(names)))
    u = np.clip(u, 1e-12, 1 - 1e-12)
    draws = {k: dists[k].ppf(u[:, j]) for j, k in enumerate(names)}
    for k in names:
        if k in _SHARES:
            draws[k] = np.clip(draws[k], -1.0 if k == "retention_gain" else 0.0, 1.0)
        elif k not in ("acquisition_gain", "retention_gain"):
            draws[k] = np.maximum(draws[k], 1e-9 if k == "ramp_years" else 0.0)
    x = _inputs({**base, **draws}, n_simulations)
    c = _cash(x, horizon_years)
    disc = (1.0 + discount_rate) ** np.arange(horizon_years + 1)
    values = (c["net"] / disc).sum(axis=1)
    cum = np.cumsum(c["net"], axis=1)
    ok = cum >= 0
    first = np.where(ok.any(axis=1), ok.argmax(axis=1), -1)
    rows = np.arange(n_simulations)
    t = np.maximum(first, 1)
    pay = np.where(first < 0, np.inf,
                   np.where(first == 0, 0.0, t - 1 + (-cum[rows, t - 1]) / c["net"][rows, t]))
    samples = pd.DataFrame({k: draws[k] for k in names})
    samples["npv"] = values
    samples["payback_years"] = pay
    samples.index.name = "simulation"
    return MonteCarloResult(samples=samples, discount_rate=discount_rate,
                            horizon_years=horizon_years, seed=seed,
                            distributions=dict(distributions))


def ranges_from(distributions: Mapping, q: tuple[float, float] = (0.1, 0.9)) -> dict:
    """Low and high values (quantiles ``q``) of each input's distribution, for :func:`tornado`.

    Examples
    --------
    >>> ranges_from({"margin": ("uniform", 50, 70)})
    {'margin': (52.0, 68.0)}
    """
    check_param("q", q[0], kind=float, low=0.0, high=0.5)
    check_param("q", q[1], kind=float, low=0.5, high=1.0)
    dists = _check_dists(distributions)
    return {k: (float(d.ppf(q[0])), float(d.ppf(q[1]))) for k, d in dists.items()}


def tornado(ranges: Mapping, base: Mapping | None = None, *, horizon_years: int = 5,
            discount_rate: float = 0.10) -> pd.DataFrame:
    """One-at-a-time sensitivity: the NPV with each input at its low and at its high value.

    Parameters
    ----------
    ranges : mapping
        Input name -> ``(low, high)`` (e.g. from :func:`ranges_from`).
    base : mapping, optional
        The other inputs (default :data:`BASE_CASE`).

    Returns
    -------
    DataFrame indexed by input, largest ``swing`` (``|npv_high - npv_low|``) first, with
    ``label``, ``low``, ``high``, ``npv_low``, ``npv_high``, ``swing``; ``attrs["base_npv"]``.

    Examples
    --------
    >>> t = tornado({"margin": (120, 180), "investment": (100e3, 140e3)})
    >>> t.index.tolist()
    ['margin', 'investment']
    """
    _check_case(horizon_years, discount_rate)
    if not isinstance(ranges, Mapping) or not ranges:
        raise ParameterError("parameter 'ranges': give {input: (low, high)} for at least one "
                             "input.")
    base = dict(base or {})
    _inputs(base)
    center = business_case(base, horizon_years=horizon_years, discount_rate=discount_rate).npv
    rows = []
    for k, rng in ranges.items():
        if k not in BASE_CASE:
            raise ParameterError(f"parameter 'ranges': unknown input {k!r}; the inputs are "
                                 f"{list(BASE_CASE)}.")
        if len(rng) != 2 or not rng[0] <= rng[1]:
            raise ParameterError(f"parameter 'ranges': {k!r} needs (low, high) with low <= high, "
                                 f"got {rng!r}.")
        v = [business_case({**base, k: float(x)}, horizon_years=horizon_years,
                           discount_rate=discount_rate).npv for x in rng]
        rows.append({"input": k, "label": _LABELS[k], "low": float(rng[0]),
                     "high": float(rng[1]), "npv_low": v[0], "npv_high": v[1],
                     "swing": abs(v[1] - v[0])})
    out = pd.DataFrame(rows).set_index("input").sort_values("swing", ascending=False,
                                                             kind="stable")
    out.attrs["base_npv"] = center
    return out


# ============================================================================ beyond the numbers

_F = ("factor", "factor_zh", "kind", "what_to_check", "evidence")
_FACTORS = {
    "top_management": ("Top-management support", "高层领导支持", "success",
                       "A senior sponsor owns the project, its budget and its targets.",
                       "sponsor named in the business case"),
    "business_goals": ("Clear business goals", "明确的业务目标", "success",
                       "Targets are set per scorecard KPI before the software is chosen.",
                       "balanced-scorecard targets"),
    "customer_strategy": ("Customer-centred strategy", "以客户为中心的战略", "success",
                          "The project serves a customer strategy (segments, value), not a "
                          "tool.", "segment-level KPIs (chapter 2)"),
    "data_quality": ("Data quality and integration", "数据质量与整合", "success",
                     "One customer view; complete, deduplicated, reconciled data.",
                     "data_completeness KPI; warehouse reconciles to the cent"),
    "process_redesign": ("Business-process redesign", "业务流程再造", "success",
                         "Sales, marketing and service processes are redesigned around the "
                         "customer before they are automated.", "internal-process KPIs"),
    "user_adoption": ("User adoption and training", "用户采纳与培训", "success",
                      "Front-line staff are trained and use the system daily.",
                      "learning-and-growth KPIs"),
    "phased_rollout": ("Phased implementation", "分阶段实施", "success",
                       "Quick wins first, then extend; each phase measured against targets.",
                       "ramp_years in the business case"),
    "measure_benefits": ("Measured benefits", "效益评估", "success",
                         "KPIs tracked with control limits so that noise is not taken for "
                         "success or failure.", "control charts per KPI"),
    "technology_first": ("Technology first", "技术导向", "failure",
                         "Buying software before defining goals and processes.",
                         "no targets, no process owner"),
    "poor_data": ("Poor data", "数据质量差", "failure",
                  "Duplicates, gaps and unreconciled sources undermine every analysis.",
                  "low data_completeness"),
    "no_change_management": ("No change management", "缺乏变革管理", "failure",
                             "Staff resist or bypass the system; incentives unchanged.",
                             "low adoption, flat process KPIs"),
    "scope_creep": ("Over-ambitious scope", "范围过大", "failure",
                    "Everything at once: long projects whose benefits come too late.",
                    "long discounted payback"),
}
#: CRM project success and failure factors (textbook chapter 13) as a checklist.
CRM_PROJECT_FACTORS = pd.DataFrame.from_dict(_FACTORS, orient="index", columns=list(_F))
CRM_PROJECT_FACTORS.index.name = "key"


def project_checklist(answers: Mapping[str, bool] | None = None) -> pd.DataFrame:
    """The success/failure checklist with a status per factor.

    Parameters
    ----------
    answers : mapping, optional
        Factor key -> True if it holds for the project (for a failure factor: True if the
        risk is present). Factors not answered read ``"not assessed"``.

    Returns
    -------
    DataFrame: :data:`CRM_PROJECT_FACTORS` plus ``status`` (``"in place"``, ``"missing"``,
    ``"risk present"``, ``"avoided"``, ``"not assessed"``).

    Examples
    --------
    >>> c = project_checklist({"data_quality": True, "poor_data": False})
    >>> c.loc[["data_quality", "poor_data", "user_adoption"], "status"].tolist()
    ['in place', 'avoided', 'not assessed']
    """
    answers = dict(answers or {})
    unknown = [k for k in answers if k not in CRM_PROJECT_FACTORS.index]
    if unknown:
        raise ParameterError(f"parameter 'answers': unknown factor(s) {unknown}; the factors are "
                             f"{list(CRM_PROJECT_FACTORS.index)}.")
    out = CRM_PROJECT_FACTORS.copy()
    status = []
    for k, kind in out["kind"].items():
        if k not in answers:
            status.append("not assessed")
            continue
        check_param(f"answers['{k}']", answers[k], kind=bool)
        if kind == "success":
            status.append("in place" if answers[k] else "missing")
        else:
            status.append("risk present" if answers[k] else "avoided")
    out["status"] = status
    return out


_I = ("industry_zh", "typical_data", "book_data", "methods", "chapters")
_INDUSTRY = {
    "finance": ("金融", "accounts, products held, transactions, credit events, service contacts",
                "simulated company (memberships as contracts); your own CSV",
                "RFM and CLV of account holders, churn (attrition) models, cross-selling "
                "with association rules, satisfaction index", "2, 4, 6, 7, 3"),
    "telecoms": ("电信", "subscriptions, contract type, tenure, monthly charges, calls to care",
                 "IBM Telco customer churn (datasets/telco); simulated memberships",
                 "contractual churn and survival, retention economics, call-centre staffing",
                 "7, 4, 10"),
    "retail": ("零售", "transactions, baskets, loyalty cards, surveys, complaints",
               "simulated company; CDNOW (datasets/cdnow)",
               "segmentation, CLV (BG/NBD, Gamma-Gamma), market-basket rules, OLAP, "
               "campaign uplift, KPIs and scorecard", "2, 4, 6, 8, 11"),
}
#: How the book's methods apply in three industries (the data each uses; the chapters).
INDUSTRY_APPLICATIONS = pd.DataFrame.from_dict(_INDUSTRY, orient="index", columns=list(_I))
INDUSTRY_APPLICATIONS.index.name = "industry"
