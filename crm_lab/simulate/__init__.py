"""Simulate one coherent CRM world and keep the truth it was generated from.

Every chapter of the book works on the same simulated company, made by
:func:`simulate_company`. Because we generate the data ourselves we know the
right answer each method should find, and every chapter ends with a
"Did we recover the truth?" cell that compares an estimate with
``company.truth``.

The world
---------
A retailer (online shop, stores and an app, with an optional paid membership)
observes its customers for about three years (``start`` to ``end``, both
inclusive, day resolution). There are seven tables, one row per ...

``customers``
    ... customer: ``customer_id`` (1..n), ``signup_date``, demographics
    (``region``, ``city_tier``, ``age``, ``gender``, ``education``,
    ``income_band``), ``acquisition_channel`` and ``segment``. The segment is
    *latent*: real companies do not observe it. We keep it in the table so
    that you can check a segmentation, but a fair analysis does not use it as
    an input. Sign-ups are spread over the window, more of them early.
``transactions``
    ... purchase: ``transaction_id``, ``customer_id``, ``date``, ``amount``
    (2 decimals, > 0) and ``channel`` (online / store / app). Ids increase with
    the date. Every customer's first purchase is on the sign-up date.
``line_items``
    ... product in a purchase: ``transaction_id``, ``line_no``,
    ``product_id``, ``category``, ``price``. A basket holds 1 to 5 different
    products; the line prices add up to the transaction amount to the cent.
``survey``
    ... respondent of a satisfaction survey (a random sample of customers):
    three 1-10 items per construct (``image_1..3``, ``expect_1..3``,
    ``quality_1..3``, ``value_1..3``, ``satisfaction_1..3``,
    ``complaint_1..2``, ``loyalty_1..3``) and ``recommend`` (0-10, for the
    Net Promoter Score). Complaint items run in the complaining direction:
    a *high* score means *more* problems and complaints.
``complaints``
    ... complaint: ``complaint_id``, ``customer_id``, ``date``, ``category``,
    ``channel``, ``resolution_days`` and ``resolved``. Like a survival time,
    ``resolution_days`` is the time to resolution when ``resolved`` is true
    and otherwise the number of days the complaint has been open at ``end``.
``subscriptions``
    ... membership (contractual relationship): ``subscription_id``,
    ``customer_id``, ``plan``, ``contract``, ``monthly_price``,
    ``start_date``, ``end_date`` (NaT while active), ``churned`` and the
    observed ``tenure_months`` (right-censored at ``end``).
``contacts``
    ... customer in a marketing campaign: ``contact_id``, ``customer_id``,
    ``campaign``, ``date``, ``channel``, ``treated`` (a randomised 50/50
    split: the control group gets no message) and ``responded`` (within 30
    days).

How it is generated (the truth)
-------------------------------
1. **Segments.** Four latent segments of different size and value
   (``champions``, ``regulars``, ``occasional``, ``bargain_hunters``) are drawn
   from a multinomial logit whose intercepts and "demographic tilts" are in
   ``truth.segments``. Demographics shift the odds moderately, so a
   demographic segmentation explains some, but not most, of customer value.
2. **Satisfaction model.** Seven standardized latent variables per customer
   (``eta_image``, ``eta_expect``, ``eta_quality``, ``eta_value``,
   ``eta_satisfaction``, ``eta_complaint``, ``eta_loyalty``) follow a recursive
   structural model (image -> expectations -> quality -> value ->
   satisfaction -> complaints -> loyalty, the superset of the ACSI and ECSI
   models). Each endogenous latent is ``sum(beta * parents) + disturbance``
   with the disturbance variance ``1 - R^2`` so every latent has variance 1 and
   the ``beta`` are standardized path coefficients (``truth.structural``).
   Items are ``loading * latent + noise`` (loadings 0.75-0.9), mapped to the
   answer scale by ``round(centre + spread * x)`` and clipped. The rounding
   and clipping attenuate correlations a little, so estimated paths and
   loadings come out slightly below the truth. ``truth.structural`` also has
   the population paths an estimator of a *smaller* model (for example the
   ACSI's nine paths, which omit image) converges to.
3. **Purchases (BG/NBD).** Customer ``i`` of segment ``s`` buys at rate
   ``lam_i = lam0_i * exp(0.25 * eta_satisfaction)`` per week with
   ``lam0_i ~ Gamma(shape=r_s, rate=alpha_s)``. After every *repeat* purchase
   the customer drops out for good with probability ``p_i``, where
   ``logit p_i = logit p0_i - 0.4 * eta_satisfaction`` and
   ``p0_i ~ Beta(a_s, b_s)`` (as in Fader, Hardie & Lee 2005, nobody drops
   out at the trial purchase). ``dropout_date`` is the date of the last
   purchase of a customer who dropped out.
4. **Spend (Gamma-Gamma).** ``amount ~ Gamma(shape=p_s, rate=nu_i)`` with
   ``nu_i = nu0_i * exp(-0.12 * eta_satisfaction)`` and
   ``nu0_i ~ Gamma(shape=q_s, rate=gamma_s)``, so the expected spend per
   purchase is ``p_s / nu_i``. Amounts are rounded to the cent (at least 1.00).
   ``truth.satisfaction_effects`` records all these coefficients.
5. **Baskets.** 200 products in 8 categories with popularity weights
   (``truth.products``). Four association rules are planted with a known
   confidence (``truth.rules``); the two-item antecedent is itself planted as
   a frequent pair. The amount is split over the lines in proportion to list
   prices, in cents.
6. **Complaints** arrive as a Poisson process while the customer is active
   (until ``end``, or 30 days after the last purchase of a customer who
   dropped out) at ``base * exp(b_sat * eta_satisfaction + b_cmp *
   eta_complaint)`` per year.
7. **Membership churn** follows a Weibull proportional-hazards model in
   tenure (months), ``h(t | x) = (k / s) (t / s)^(k - 1) exp(x'beta)`` with
   shape ``k < 1`` (the hazard falls with tenure) and ``x`` = standardized
   satisfaction, plan and contract dummies and the monthly price. The
   coefficients are log hazard ratios, what a Cox model estimates;
   ``truth.hazard`` also gives the equivalent accelerated-failure-time
   parameters (``log T = log s + x'(-beta / k) + W / k``, as in lifelines'
   ``WeibullAFTFitter``).
8. **Campaign response** is logistic in satisfaction, recency and segment,
   and being contacted adds a segment-specific effect on the log-odds: large
   for bargain hunters, negative for champions ("sleeping dogs"). The true
   uplift of every contact is in ``truth.uplift``.

Reproducibility: the same arguments and the same numpy/pandas versions give
identical tables. Customers are simulated in chunks of 50,000, each with its
own random stream spawned from ``numpy.random.SeedSequence(seed)``, so
millions of customers fit in memory.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your
customers" the easy way: an alternative to the Pareto/NBD model. *Marketing
Science*, 24(2), 275-284.

Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J. & Bryant, B. E. (1996).
The American Customer Satisfaction Index. *Journal of Marketing*, 60(4), 7-18.
"""


from __future__ import annotations

import numpy as np
import pandas as pd

from crm_lab.simulate._common import CHUNK_SIZE, DAYS_PER_MONTH, LATENTS, SEGMENTS
from crm_lab.simulate.assemble import _assemble
from crm_lab.simulate.company import Company, Truth
from crm_lab.simulate.customers import _simulate_chunk
from crm_lab.simulate.world import _World
from crm_lab.validate import ParameterError, check_param

__all__ = ["Company", "Truth", "simulate_company", "SEGMENTS", "LATENTS", "CHUNK_SIZE",
           "DAYS_PER_MONTH"]

# ----------------------------------------------------------------------------- public entry point


def _check_date(name: str, value) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"parameter {name!r} must be a date such as '2023-01-01', "
                             f"got {value!r}.") from exc
    if ts is pd.NaT:
        raise ParameterError(f"parameter {name!r} must be a date such as '2023-01-01', got NaT.")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def simulate_company(
    n_customers: int = 5000,
    seed: int = 0,
    start: str | pd.Timestamp = "2023-01-01",
    end: str | pd.Timestamp = "2025-12-31",
    *,
    survey_share: float = 0.25,
    subscription_share: float = 0.6,
    _chunk_size: int = CHUNK_SIZE,
) -> Company:
    """Simulate the CRM Lab company: seven tables and the truth behind them.

    See the module docstring of :mod:`crm_lab.simulate` for the tables and the
    generating model. All truth is in ``company.truth``.

    Parameters
    ----------
    n_customers : int, default 5000
        Number of customers (ids 1..n). 5,000 take well under a second; one
        million take about 45 s and 5 GB of memory.
    seed : int, default 0
        Non-negative seed for :class:`numpy.random.SeedSequence`.
    start, end : str or Timestamp, default "2023-01-01", "2025-12-31"
        First and last day of the observation window (inclusive, at least
        30 days apart).
    survey_share : float in (0, 1], default 0.25
        Share of customers in the survey sample (at least 200 respondents
        when there are that many customers).
    subscription_share : float in [0, 1], default 0.6
        Average probability that a customer takes a membership (it varies by
        segment; memberships that would start after ``end`` are dropped).
    _chunk_size : int, default 50000
        Customers simulated per random stream. Output depends on it, so leave
        it alone unless testing.

    Returns
    -------
    Company
        The tables, ``truth`` and ``params`` (the arguments).

    Raises
    ------
    ParameterError
        A parameter is out of range; the message names it.

    Notes
    -----
    Discretising latent scores to a 1-10 answer scale attenuates the
    correlations between items, so structural paths estimated from the survey
    come out slightly below ``truth.structural["paths"]``. Satisfaction
    matters everywhere: it raises the purchase rate and spend, lowers dropout,
    complaints and membership churn, and raises campaign response.

    Examples
    --------
    >>> company = simulate_company(n_customers=300, seed=1)
    >>> company.TABLES[:3]
    ('customers', 'transactions', 'line_items')
    >>> int(company.customers["customer_id"].max())
    300
    >>> bool((company.transactions["amount"] > 0).all())
    True
    >>> round(company.truth.structural["paths"]["satisfaction->loyalty"], 2)
    0.5
    """
    check_param("n_customers", n_customers, kind=(int, np.integer), low=1,
                hint="Use e.g. 5000 (the book's default).")
    check_param("seed", seed, kind=(int, np.integer), low=0)
    t0, t1 = _check_date("start", start), _check_date("end", end)
    if (t1 - t0).days < 30:
        raise ParameterError(f"parameter 'end' must be at least 30 days after start "
                             f"({t0.date()}), got {t1.date()}.")
    check_param("survey_share", survey_share, kind=(int, float, np.floating), low=0, high=1)
    if survey_share <= 0:
        raise ParameterError(f"parameter 'survey_share' must be in (0, 1], got {survey_share!r}.")
    check_param("subscription_share", subscription_share, kind=(int, float, np.floating),
                low=0, high=1)
    check_param("_chunk_size", _chunk_size, kind=(int, np.integer), low=1)
    n, chunk = int(n_customers), int(_chunk_size)
    params = {"n_customers": n, "seed": int(seed), "start": str(t0.date()), "end": str(t1.date()),
              "survey_share": float(survey_share),
              "subscription_share": float(subscription_share), "_chunk_size": chunk}

    root = np.random.SeedSequence(int(seed))
    ss_global, ss_chunks = root.spawn(2)
    w = _World(n, t0, t1, float(survey_share), float(subscription_share),
               np.random.default_rng(ss_global))
    n_chunks = -(-n // chunk)
    chunks = [_simulate_chunk(np.random.default_rng(ss), w, 1 + i * chunk,
                              min(chunk, n - i * chunk))
              for i, ss in enumerate(ss_chunks.spawn(n_chunks))]
    return _assemble(w, chunks, params)


