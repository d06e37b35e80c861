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
inclusive, day resolution). There are eleven tables, one row per ...

``customers``
    ... customer: ``customer_id`` (1..n), ``signup_date``, demographics
    (``region``, ``city_tier``, ``age``, ``gender``, ``education``,
    ``income_band``), ``acquisition_channel`` and ``segment``. The segment is
    *latent*: real companies do not observe it. We keep it in the table so
    that you can check a segmentation, but a fair analysis does not use it as
    an input. Sign-ups are spread over the window, more of them early.
    ``referred_by`` (nullable Int64) is the customer who referred a customer
    acquired through ``referral``, ``referral_date`` when.
``transactions``
    ... purchase: ``transaction_id``, ``customer_id``, ``date``, ``amount``
    (2 decimals, > 0, what was paid), ``channel`` (online / store / app) and
    ``discount`` (money off on top of ``amount``; 0 at full price). Ids increase
    with the date. Every customer's first purchase is on the sign-up date.
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
``promotions``
    ... promotion of the calendar: ``promotion_id``, ``name``, ``start_date``,
    ``end_date`` (inclusive), ``discount_rate``.
``calls``
    ... inbound service call of the last four weeks: ``call_id``,
    ``customer_id`` (nullable: unidentified callers), ``arrival`` (to the
    second), ``wait_s``, ``handle_s`` (NaN if abandoned), ``abandoned``,
    ``reason``; the call-log schema of :mod:`crm_lab.callcentre`.
``prospects``
    ... prospect contacted by an acquisition campaign: ``prospect_id``, the
    customers' demographics and ``customer_id`` (nullable: the customer the
    prospect became).
``acquisition_contacts``
    ... acquisition contact: ``contact_id``, ``prospect_id``, ``campaign``,
    ``channel`` (search / social / partner), ``date``, ``cost``,
    ``responded``.

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
9. **Behavioural signatures** (:mod:`crm_lab.simulate.behaviour`,
   ``truth.behaviour``). Purchases are a Poisson process in each segment's
   operational time: the rate ``lam_i`` is multiplied by a daily factor (a
   November-December peak, a summer dip, an uplift on promotion days) scaled
   to mean 1. A purchase on a promotion day is on promotion with a segment's
   probability, outside with an everyday-coupon probability; ``discount =
   amount * rate / (1 - rate)``. Each customer has two favourite categories
   and takes a segment-specific share of items from them; channels get
   segment tilts. Clustering ``behaviour_features(..., signals="all")``
   recovers the segments (ARI about 0.56-0.59 at k = 4).
10. **Nonlinear loyalty response** (:mod:`crm_lab.simulate.response`,
    ``truth.loyalty_response``). ``eta_loyalty`` gets ``b3 * He3(s) / sqrt(6)``,
    ``He3(s) = s^3 - 3 s``, uncorrelated with every linear function of the
    latents, so ``truth.structural`` stays exact; on average loyalty is
    ``rho * ((1 - kappa) s + kappa s^3 / 3)`` with ``kappa = 1.25 *
    competition - 0.25``: flat in the middle under high competition, steady
    with flatter ends under low. The dropout log-odds use the same shape.
11. **Service recovery** (``truth.service_recovery``). Complaints are drawn
    over the whole window before the purchases (and kept while the customer is
    active); each is handled fast (resolved within 3 days), slow or never, and
    from when its outcome is known it adds an effect to the dropout log-odds
    at later purchases, to stated loyalty at a later survey, and to the
    membership churn hazard (first complaint during the membership). With
    ``recovery_paradox=True`` fast handling leaves customers more loyal than
    no complaint.
12. **Service calls** (:mod:`crm_lab.simulate.service`, ``truth.calls``,
    ``truth.call_intervals``). Half-hourly Poisson arrival rates (weekday and
    intraday profiles, proportional to ``n_customers``), staffing by Erlang C
    for 80 % of calls within 20 s (one agent short on Monday mornings), run
    through :func:`crm_lab.callcentre.simulate_calls` with lognormal handle
    times and exponential patience; known callers are customers signed up by
    the day, drawn in proportion to their purchase rate.
13. **Acquisition** (:mod:`crm_lab.simulate.acquisition`,
    ``truth.acquisition``). Over the last six months, prospects are contacted
    by search, social and partner campaigns at a cost per contact; response is
    logistic in channel and demographics. The customers acquired through those
    channels in the period are the responders; non-responders are drawn so
    that the contacted population responds exactly by the model. The truth
    holds the coefficients, expected response rates and cost per acquired
    customer by channel.
14. **Referrals** (``truth.referrals``). The referrer of a customer acquired
    through ``referral`` is drawn among earlier customers still active, with
    weight ``exp(0.4 * eta_satisfaction + 0.5 * eta_loyalty)`` (capped at 3 sd).

``company.truth.summary("mechanisms")`` lists every mechanism in one table.

Reproducibility: the same arguments and the same numpy/pandas versions give
identical tables. Customers are simulated in chunks of 50,000, each with its
own random streams spawned from ``numpy.random.SeedSequence(seed)``, so
millions of customers fit in memory; company-wide steps (referrals, calls,
acquisition) have a stream of their own.

The package: ``_common`` (constants, schemas), ``world`` (structural model,
catalogue, rules), ``behaviour``, ``response``, ``customers`` (one chunk),
``service``, ``acquisition``, ``assemble`` and ``company`` (the
:class:`Company` and :class:`Truth` containers).

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your
customers" the easy way: an alternative to the Pareto/NBD model. *Marketing
Science*, 24(2), 275-284.

Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J. & Bryant, B. E. (1996).
The American Customer Satisfaction Index. *Journal of Marketing*, 60(4), 7-18.

Jones, T. O. & Sasser, W. E. (1995). Why satisfied customers defect.
*Harvard Business Review*, 73(6), 88-99.

de Matos, C. A., Henrique, J. L. & Rossi, C. A. V. (2007). Service recovery
paradox: a meta-analysis. *Journal of Service Research*, 10(1), 60-77.
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
    competition: float = 0.8,
    recovery_paradox: bool = False,
    _chunk_size: int = CHUNK_SIZE,
) -> Company:
    """Simulate the CRM Lab company: eleven tables and the truth behind them.

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
    competition : float in [0, 1], default 0.8
        Competitive intensity of the market. It sets how stated and behavioural loyalty
        respond to satisfaction (``truth.loyalty_response``): near 1 the middle of the
        satisfaction-loyalty curve is flat and its ends steep (Jones & Sasser's
        high-competition curve), at 0.2 the response is linear, at 0 it is steadiest in
        the middle with flatter ends (low competition).
    recovery_paradox : bool, default False
        If True, a complaint resolved quickly leaves the customer more loyal (lower
        dropout, higher stated loyalty, lower churn hazard) than the same customer without
        a complaint: the service-recovery paradox (``truth.service_recovery``).
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
    check_param("competition", competition, kind=(int, float, np.floating), low=0, high=1)
    check_param("recovery_paradox", recovery_paradox, kind=(bool, np.bool_))
    check_param("_chunk_size", _chunk_size, kind=(int, np.integer), low=1)
    n, chunk = int(n_customers), int(_chunk_size)
    params = {"n_customers": n, "seed": int(seed), "start": str(t0.date()), "end": str(t1.date()),
              "survey_share": float(survey_share),
              "subscription_share": float(subscription_share),
              "competition": float(competition), "recovery_paradox": bool(recovery_paradox),
              "_chunk_size": chunk}

    root = np.random.SeedSequence(int(seed))
    ss_global, ss_chunks, ss_company = root.spawn(3)
    w = _World(n, t0, t1, float(survey_share), float(subscription_share),
               np.random.default_rng(ss_global), competition=float(competition),
               recovery_paradox=bool(recovery_paradox))
    n_chunks = -(-n // chunk)
    chunks = [_simulate_chunk(np.random.default_rng(ss), w, 1 + i * chunk,
                              min(chunk, n - i * chunk), np.random.default_rng(ss.spawn(1)[0]))
              for i, ss in enumerate(ss_chunks.spawn(n_chunks))]
    return _assemble(w, chunks, params, np.random.default_rng(ss_company))


