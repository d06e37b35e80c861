"""One chunk of customers: demographics, segments, latents, purchases, survey, complaints,
memberships and campaign contacts."""

from __future__ import annotations

from typing import Any

import numpy as np

from crm_lab.simulate import behaviour, response
from crm_lab.simulate._common import (
    _ACQ_P,
    _BASKET_P,
    _CAMPAIGNS,
    _COMPLAINT_AFTER_DROPOUT_DAYS,
    _COMPLAINT_BASE_PER_YEAR,
    _COMPLAINT_CH_P,
    _COMPLAINT_CMP,
    _COMPLAINT_P,
    _COMPLAINT_SAT,
    _CONTACT_SHARE,
    _CONTRACT_MULT,
    _CONTRACT_P,
    _HAZARD_COEF,
    _HAZARD_SCALE_MONTHS,
    _HAZARD_SHAPE,
    _ITEM_COLUMNS,
    _ITEM_SCALE,
    _LOADINGS,
    _MAX_ITEMS,
    _NEVER_RESOLVED,
    _PAIR_RATE,
    _PLAN_P,
    _PLAN_PRICE,
    _PRICE_GROWTH_PER_YEAR,
    _PROMO_DISCOUNT,
    _PROMO_SHARE,
    _RECENCY_CENTRE,
    _RECENCY_SCALE,
    _RECOMMEND,
    _REGION_P,
    _RESOLUTION_MEAN_DAYS,
    _RESOLUTION_SHAPE,
    _RESP_RECENCY,
    _RESP_SAT,
    _RESP_SEGMENT,
    _RESP_TREAT,
    _SAT_DROPOUT,
    _SAT_LAM,
    _SAT_SPEND,
    _SEGMENT_TILT,
    _SUB_DELAY_MEAN_DAYS,
    _SUB_PROPENSITY,
    _TIER_P,
    _TREATED_SHARE,
    ACQ_CHANNELS,
    CATEGORIES,
    COMPLAINT_CATEGORIES,
    COMPLAINT_CHANNELS,
    DAYS_PER_MONTH,
    INCOME_BANDS,
    LATENTS,
    REGIONS,
    SEGMENTS,
    _draw_rows,
    _expit,
    _softmax,
)
from crm_lab.simulate.world import _ensure_absent, _ensure_present, _World

# ----------------------------------------------------------------------------- one chunk


def _demographics(rng: np.random.Generator, m: int) -> dict[str, np.ndarray]:
    """Region, city tier, age, gender, education, income band and acquisition channel codes."""
    region = rng.choice(len(REGIONS), size=m, p=_REGION_P)
    tier = rng.choice(3, size=m, p=_TIER_P) + 1
    age = 18 + np.rint(62 * rng.beta(2.2, 3.5, size=m)).astype(np.int64)
    gender = (rng.random(m) < 0.48).astype(np.int64)
    agec = age - 42.0
    u = rng.random(m)
    p_pg = np.array([0.25, 0.14, 0.07])[tier - 1]
    p_ba = np.array([0.50, 0.45, 0.35])[tier - 1]
    edu = np.where(u < p_pg, 2, np.where(u < p_pg + p_ba, 1, 0))
    score = (0.9 * (edu == 1) + 1.7 * (edu == 2) + 0.6 * (tier == 1) - 0.5 * (tier == 3)
             + 0.03 * agec - 0.0008 * agec**2 + rng.logistic(size=m))
    income = np.digitize(score, [0.0, 2.3])
    acq_logit = np.tile(np.log(_ACQ_P), (m, 1))
    acq_logit[:, 1] -= 0.04 * agec
    acq_logit[:, 3] += 0.02 * agec + 0.4 * (tier == 3)
    acq = _draw_rows(rng, _softmax(acq_logit))
    return {"region": region, "tier": tier, "age": age, "gender": gender, "edu": edu,
            "income": income, "acq": acq}


def _from_operational(tau: np.ndarray, seg: np.ndarray, cum: np.ndarray) -> np.ndarray:
    """Map operational times back to calendar days through each segment's ``Lambda_s``."""
    out = np.empty(tau.size)
    grid = np.arange(cum.shape[1], dtype=float)
    for j in range(cum.shape[0]):
        sel = seg == j
        out[sel] = np.interp(tau[sel], cum[j], grid)
    return out


def _simulate_chunk(rng: np.random.Generator, w: _World, first_id: int, m: int,
                    r2: np.random.Generator) -> dict:
    """Simulate customers ``first_id .. first_id + m - 1`` with their own streams.

    ``rng`` drives the mechanisms of the first edition, ``r2`` those added later
    (complaints, promotions, category focus), so each has its own stream.
    """
    out: dict[str, Any] = {}
    ids = np.arange(first_id, first_id + m, dtype=np.int64)

    # --- demographics
    dm = _demographics(rng, m)
    region, tier, age, gender = dm["region"], dm["tier"], dm["age"], dm["gender"]
    edu, income, acq = dm["edu"], dm["income"], dm["acq"]
    agec = age - 42.0

    # --- latent segment
    feats = {"age_per_year": agec, "age<30": age < 30}
    feats.update({f"income_band={b}": income == i for i, b in enumerate(INCOME_BANDS)})
    feats.update({f"acquisition_channel={c}": acq == i for i, c in enumerate(ACQ_CHANNELS)})
    feats.update({f"city_tier={t}": tier == t for t in (1, 2, 3)})
    seg_logit = np.tile(w.seg_intercept, (m, 1))
    for j, s in enumerate(SEGMENTS):
        for f, coef in _SEGMENT_TILT[s].items():
            seg_logit[:, j] += coef * feats[f]
    seg = _draw_rows(rng, _softmax(seg_logit))

    # --- latent satisfaction system (loyalty gets the He3 response term, see response.py)
    z = rng.standard_normal((m, len(LATENTS)))
    eta = np.empty((m, len(LATENTS)))
    j_sat, j_loy = LATENTS.index("satisfaction"), LATENTS.index("loyalty")
    for j in range(len(LATENTS)):
        eta[:, j] = np.sqrt(w.psi[j]) * z[:, j]
        for p, b in w.parents[j]:
            eta[:, j] += b * eta[:, p]
        if j == j_loy:
            s_ = eta[:, j_sat]
            eta[:, j] += w.b3 * (s_**3 - 3 * s_) / np.sqrt(6)
    sat, cmp_ = eta[:, j_sat], eta[:, LATENTS.index("complaint")]

    # --- BG/NBD and Gamma-Gamma parameters
    sp = {k: v[seg] for k, v in w.seg_par.items()}
    lam0 = rng.gamma(sp["r"], 1.0 / sp["alpha"])
    p0 = np.clip(rng.beta(sp["a"], sp["b"]), 1e-12, 1 - 1e-12)
    nu0 = rng.gamma(sp["q"], 1.0 / sp["gamma"])
    lam = lam0 * np.exp(_SAT_LAM * sat)
    logit_p = np.log(p0 / (1 - p0)) + _SAT_DROPOUT * response.g(sat, w.kappa, cap=3.0)
    pdrop = _expit(logit_p)
    nu = nu0 * np.exp(-_SAT_SPEND * sat)
    signup = np.minimum(np.floor(rng.beta(1.0, 1.5, size=m) * w.n_days), w.last_day)
    signup = signup.astype(np.int64)

    # --- complaints: a Poisson process over the whole window, kept while the customer is
    # active (the restriction of a Poisson process to an interval is Poisson); drawn first
    # because their handling moves later dropout
    c_rate = _COMPLAINT_BASE_PER_YEAR * np.exp(_COMPLAINT_SAT * sat + _COMPLAINT_CMP * cmp_)
    full_span = w.last_day - signup + 1
    n_c = r2.poisson(c_rate * full_span / 365.25)
    cc = np.repeat(np.arange(m), n_c)
    c_day = signup[cc] + np.floor(r2.random(cc.size) * full_span[cc]).astype(np.int64)
    c_cat = r2.choice(len(COMPLAINT_CATEGORIES), size=cc.size, p=_COMPLAINT_P)
    c_ch = r2.choice(len(COMPLAINT_CHANNELS), size=cc.size, p=_COMPLAINT_CH_P)
    mean_days = np.asarray(_RESOLUTION_MEAN_DAYS)[c_cat]
    res = np.round(r2.gamma(_RESOLUTION_SHAPE, mean_days / _RESOLUTION_SHAPE), 1)
    never = r2.random(cc.size) < _NEVER_RESOLVED
    handling = np.where(never, 2, np.where(res <= response.FAST_DAYS, 0, 1))
    known = c_day + np.where(never, response.UNRESOLVED_KNOWN_DAYS, np.ceil(res)).astype(np.int64)
    # complaints sorted by (customer, day the outcome is known), cumulative dropout effect
    ck = cc * (w.n_days + 100) + known  # sorted by customer, then by day known
    co = np.argsort(ck, kind="stable")
    eff_d = w.recovery["dropout"][handling[co]]
    cum_d = np.cumsum(eff_d)
    first_of = np.searchsorted(cc[co], np.arange(m), side="left")
    base_d = np.r_[0.0, cum_d][first_of]  # cumulative effect before the customer's complaints

    cum_d0 = np.r_[0.0, cum_d]
    # the same keys in operational time (purchases are simulated there): outcome known at
    # the start of day `known` + 1, i.e. for purchases from day `known` on
    cumi = w.cum_intensity
    ktau = cumi[seg[cc[co]], np.minimum(known[co], w.n_days)]
    big = float(cumi[:, -1].max()) + 1.0
    ck_tau = cc[co] * big + ktau

    def recovery_at(cust, tau):
        """Summed effect of the customer's complaints whose outcome is known by ``tau``."""
        pos = np.searchsorted(ck_tau, cust * big + tau, side="right")
        return cum_d0[pos] - base_d[cust]

    # --- purchases: exponential gaps in each segment's operational time (seasonality and
    # promotions), dropout after every repeat purchase with the complaints known by then
    total = cumi[:, -1]
    tau0 = np.empty(m)
    for j in range(len(SEGMENTS)):
        sel = seg == j
        tau0[sel] = cumi[j][signup[sel]]
    tx_c, tx_tau = [np.arange(m)], [tau0]
    dropout = np.full(m, -1, dtype=np.int64)
    active, t_act = np.arange(m), tau0.copy()
    while active.size:
        t_new = t_act + rng.exponential(7.0 / lam[active])
        inside = t_new < total[seg[active]]
        active, t_new = active[inside], t_new[inside]
        tx_c.append(active)
        tx_tau.append(t_new)
        p_now = _expit(logit_p[active] + recovery_at(active, t_new))
        die = rng.random(active.size) < p_now
        dropout[active[die]] = np.floor(_from_operational(t_new[die], seg[active[die]], cumi)
                                        ).astype(np.int64)
        active, t_act = active[~die], t_new[~die]
    tx_c, tx_tau = np.concatenate(tx_c), np.concatenate(tx_tau)
    tx_t = _from_operational(tx_tau, seg[tx_c], cumi)
    tx_t[:m] = signup  # the trial purchase is on the sign-up day
    order = np.lexsort((tx_t, tx_c))  # by customer, then time
    tx_c, tx_day = tx_c[order], np.minimum(np.floor(tx_t[order]), w.last_day).astype(np.int64)
    n_tx = tx_c.size
    cents = np.rint(rng.gamma(sp["p"][tx_c], 1.0 / nu[tx_c]) * 100).astype(np.int64)
    cents = np.maximum(cents, 100)
    sig = {k: np.array([behaviour.SIGNATURES[s_][k] for s_ in SEGMENTS])
           for k in ("store", "app", "p_promo_in_window", "p_coupon", "focus")}
    ch_logit = np.zeros((m, 3))
    ch_logit[:, 1] = -0.3 + 1.2 * (acq == 3) + 0.02 * agec + 0.3 * (tier == 3) + sig["store"][seg]
    ch_logit[:, 2] = -0.6 - 0.04 * agec + 0.3 * (tier == 1) + sig["app"][seg]
    cdf = np.cumsum(_softmax(ch_logit), axis=1)[tx_c]
    tx_ch = np.minimum((rng.random(n_tx)[:, None] > cdf).sum(axis=1), 2)
    # promotions and coupons: the amount is what was paid; the discount is on top of it
    rate_day = w.promo_rate[tx_day]
    on_promo = np.where(rate_day > 0, r2.random(n_tx) < sig["p_promo_in_window"][seg[tx_c]],
                        False)
    coupon = (rate_day == 0) & (r2.random(n_tx) < sig["p_coupon"][seg[tx_c]])
    d_rate = np.where(on_promo, rate_day, np.where(coupon, behaviour.COUPON_RATE, 0.0))
    discount_cents = np.rint(cents * d_rate / (1 - d_rate)).astype(np.int64)

    # --- baskets: favourite categories or popularity, de-duplicated, rules planted
    n_prod = w.popularity.size
    k = rng.choice(_MAX_ITEMS, size=n_tx, p=_BASKET_P) + 1
    items = rng.choice(n_prod, size=(n_tx, _MAX_ITEMS), p=w.popularity)
    fav_w = np.array([behaviour.SIGNATURES[s_]["favourites"] for s_ in SEGMENTS], dtype=float)
    fav = np.empty((m, 2), dtype=np.int64)
    for j in range(len(SEGMENTS)):  # two distinct favourites (Gumbel top-2)
        sel = np.flatnonzero(seg == j)
        keys = np.log(fav_w[j])[None, :] - np.log(-np.log(r2.random((sel.size, len(CATEGORIES)))))
        fav[sel] = np.argsort(-keys, axis=1)[:, :2]
    focus_cell = r2.random(items.shape) < sig["focus"][seg[tx_c]][:, None]
    second = r2.random(items.shape) < 0.5
    cat_cell = np.where(second, fav[tx_c, 1][:, None], fav[tx_c, 0][:, None])[focus_cell]
    # one search over the categories' cumulative popularities, each shifted by its index
    pos = np.searchsorted(w.cat_cum_shifted, cat_cell + r2.random(cat_cell.size), side="right")
    items[focus_cell] = w.cat_products[np.minimum(pos, w.cat_products.size - 1)]
    items[np.arange(_MAX_ITEMS)[None, :] >= k[:, None]] = -1
    items.sort(axis=1)
    dup = np.zeros(items.shape, dtype=bool)
    dup[:, 1:] = (items[:, 1:] == items[:, :-1]) & (items[:, 1:] >= 0)
    items[dup] = -1
    pair_rows = np.flatnonzero(rng.random(n_tx) < _PAIR_RATE)
    for prod in w.pair:
        _ensure_present(rng, items, pair_rows, prod, w.protected, w.pair)
    for ante, cons, conf in w.rules:
        has = np.ones(n_tx, dtype=bool)
        for a in ante:
            has &= (items == a).any(axis=1)
        rows = np.flatnonzero(has)
        fire = rng.random(rows.size) < conf
        _ensure_present(rng, items, rows[fire], cons, w.protected, ante)
        _ensure_absent(items, rows[~fire], cons)
    keys = rng.random(items.shape)
    keys[items < 0] = 2.0
    items = np.take_along_axis(items, np.argsort(keys, axis=1), axis=1)
    filled = items >= 0
    # split the amount over the lines in proportion to list prices, in cents (>= 1 cent each)
    wgt = np.where(filled, w.list_price[np.maximum(items, 0)], 0.0)
    n_items = filled.sum(axis=1)
    spare = cents - n_items
    share = spare[:, None] * wgt / wgt.sum(axis=1, keepdims=True)
    base = np.floor(share).astype(np.int64)
    rem = spare - base.sum(axis=1)
    frac = np.where(filled, share - base, -1.0)
    rank = np.argsort(np.argsort(-frac, axis=1, kind="stable"), axis=1)
    line_cents = base + filled + (rank < rem[:, None])
    # compact dtypes: a million customers make ~30 million lines
    out["line"] = {"line_no": np.cumsum(filled, axis=1, dtype=np.int8)[filled],
                   "product": items[filled].astype(np.int16),
                   "cents": line_cents[filled].astype(np.int32)}
    out["tx"] = {"customer_id": ids[tx_c], "day": tx_day.astype(np.int32), "cents": cents,
                 "channel": tx_ch.astype(np.int8), "n_lines": n_items.astype(np.int8),
                 "discount_cents": discount_cents}

    # --- complaints kept while active (until end, or 30 days after the last purchase)
    act_end = np.where(dropout >= 0,
                       np.minimum(dropout + _COMPLAINT_AFTER_DROPOUT_DAYS, w.last_day), w.last_day)
    keep = c_day <= act_end[cc]
    cc, c_day, c_cat, c_ch = cc[keep], c_day[keep], c_cat[keep], c_ch[keep]
    res, never, handling, known = res[keep], never[keep], handling[keep], known[keep]
    resolved = ~never & (c_day + res <= w.last_day)
    out["complaints"] = {"customer_id": ids[cc], "day": c_day, "category": c_cat, "channel": c_ch,
                         "resolution_days": np.where(resolved, res,
                                                     (w.last_day - c_day).astype(float)),
                         "resolved": resolved}

    # --- survey: stated loyalty moved by the complaints known by the survey day
    resp = np.flatnonzero(w.respondent[first_id - 1:first_id - 1 + m])
    sv: dict[str, Any] = {"customer_id": ids[resp]}
    span = w.n_days - signup[resp]
    sv["day"] = signup[resp] + np.floor(rng.random(resp.size) * span).astype(np.int64)
    shift = np.zeros(m)
    s_day_of = np.full(m, -1, dtype=np.int64)
    s_day_of[resp] = sv["day"]
    before = known <= s_day_of[cc]
    np.add.at(shift, cc[before], w.recovery["stated_loyalty"][handling[before]])
    eta_obs = eta.copy()
    eta_obs[:, j_loy] += shift
    noise = rng.standard_normal((resp.size, len(_ITEM_COLUMNS) + 1))
    col = 0
    for j, lat in enumerate(LATENTS):
        centre, spread = _ITEM_SCALE[lat]
        for i, load in enumerate(_LOADINGS[lat]):
            x = load * eta_obs[resp, j] + np.sqrt(1 - load**2) * noise[:, col]
            sv[f"{lat}_{i + 1}"] = np.clip(np.rint(centre + spread * x), 1, 10).astype(np.int64)
            col += 1
    load = _RECOMMEND["loading"]
    x = load * eta_obs[resp, j_loy] + np.sqrt(1 - load**2) * noise[:, col]
    sv["recommend"] = np.clip(np.rint(_RECOMMEND["centre"] + _RECOMMEND["spread"] * x),
                              0, 10).astype(np.int64)
    out["survey"] = sv

    # --- subscriptions: Weibull proportional hazards in tenure months
    prop = np.array([_SUB_PROPENSITY[s] for s in SEGMENTS])[seg]
    has = rng.random(m) < np.minimum(w.subscription_share * prop, 0.98)
    s_day = signup + np.floor(rng.exponential(_SUB_DELAY_MEAN_DAYS, size=m)).astype(np.int64)
    sub = np.flatnonzero(has & (s_day < w.last_day))
    s_day = s_day[sub]
    plan = _draw_rows(rng, np.array([_PLAN_P[s] for s in SEGMENTS])[seg[sub]])
    contract = _draw_rows(rng, np.array([_CONTRACT_P[s] for s in SEGMENTS])[seg[sub]])
    promo = rng.random(sub.size) < _PROMO_SHARE
    years = np.floor(s_day / 365.25)
    price = np.round(np.asarray(_PLAN_PRICE)[plan] * np.asarray(_CONTRACT_MULT)[contract]
                     * (1 + _PRICE_GROWTH_PER_YEAR) ** years
                     * np.where(promo, 1 - _PROMO_DISCOUNT, 1.0), 2)
    hc = _HAZARD_COEF
    xb = (hc["satisfaction"] * sat[sub]
          + np.array([0.0, hc["plan[standard]"], hc["plan[premium]"]])[plan]
          + np.array([0.0, hc["contract[one-year]"], hc["contract[two-year]"]])[contract]
          + hc["monthly_price"] * price)
    # first complaint outcome known during the membership changes the hazard from then on
    e1 = rng.exponential(size=sub.size)
    first_c = np.full(m, np.inf)
    first_h = np.zeros(m, dtype=np.int64)
    s_start = np.full(m, np.inf)
    s_start[sub] = s_day
    during = known >= s_start[cc]
    oc = np.lexsort((known[during], cc[during]))
    cd, kd, hd = cc[during][oc], known[during][oc], handling[during][oc]
    firsts = np.r_[True, cd[1:] != cd[:-1]] if cd.size else np.zeros(0, bool)
    first_c[cd[firsts]] = kd[firsts]
    first_h[cd[firsts]] = hd[firsts]
    tau_m = (first_c[sub] - s_day) / DAYS_PER_MONTH  # months from start to the change
    delta = np.where(np.isfinite(tau_m), w.recovery["churn_log_hr"][first_h[sub]], 0.0)
    h_tau = np.where(np.isfinite(tau_m),
                     (np.where(np.isfinite(tau_m), tau_m, 0) / _HAZARD_SCALE_MONTHS)
                     ** _HAZARD_SHAPE * np.exp(xb), np.inf)
    after = e1 > h_tau
    base_t = np.where(after, (np.where(np.isfinite(tau_m), tau_m, 0) / _HAZARD_SCALE_MONTHS)
                      ** _HAZARD_SHAPE + (e1 - np.where(after, h_tau, 0)) * np.exp(-xb - delta),
                      e1 * np.exp(-xb))
    t_months = _HAZARD_SCALE_MONTHS * base_t ** (1 / _HAZARD_SHAPE)
    t_days = np.minimum(t_months * DAYS_PER_MONTH, 10.0 * w.n_days)
    e_day = s_day + np.maximum(1, np.ceil(t_days)).astype(np.int64)
    churned = e_day <= w.last_day
    out["subs"] = {"customer_id": ids[sub], "plan": plan, "contract": contract, "price": price,
                   "start_day": s_day, "end_day": np.where(churned, e_day, -1),
                   "churned": churned,
                   "tenure_months": (np.where(churned, e_day, w.last_day) - s_day)
                   / DAYS_PER_MONTH}

    # --- campaign contacts with a randomised control group
    key = tx_c * (w.n_days + 1) + tx_day
    parts = []
    for ci, ((_, _, _, intercept), day) in enumerate(zip(_CAMPAIGNS, w.campaign_day, strict=True)):
        sel = np.flatnonzero((signup < day) & (rng.random(m) < _CONTACT_SHARE))
        treated = rng.random(sel.size) < _TREATED_SHARE
        last = np.searchsorted(key, sel * (w.n_days + 1) + day - 1, side="right") - 1
        recency = day - tx_day[last]
        zrec = (np.log1p(recency) - _RECENCY_CENTRE) / _RECENCY_SCALE
        lin = (intercept + _RESP_SAT * sat[sel] + _RESP_RECENCY * zrec
               + np.array([_RESP_SEGMENT[s] for s in SEGMENTS])[seg[sel]])
        p_c = _expit(lin)
        p_t = _expit(lin + np.array([_RESP_TREAT[s] for s in SEGMENTS])[seg[sel]])
        responded = rng.random(sel.size) < np.where(treated, p_t, p_c)
        parts.append({"campaign": np.full(sel.size, ci), "customer_id": ids[sel],
                      "treated": treated, "responded": responded, "p_control": p_c,
                      "p_treated": p_t})
    out["contacts"] = {k2: np.concatenate([p[k2] for p in parts]) for k2 in parts[0]}

    # --- customers and their truth
    out["customers"] = {"customer_id": ids, "signup_day": signup, "region": region,
                        "city_tier": tier.astype(np.int64), "age": age, "gender": gender,
                        "education": edu, "income_band": income, "acquisition_channel": acq,
                        "segment": seg}
    rec = np.zeros(m)
    np.add.at(rec, cc[known <= w.last_day], w.recovery["dropout"][handling[known <= w.last_day]])
    out["truth"] = {"eta": eta, "lam0": lam0, "lam": lam, "p0": p0, "p": pdrop, "nu0": nu0,
                    "nu": nu, "mean_spend": sp["p"] / nu, "complaint_rate": c_rate,
                    "dropout_day": dropout, "fav": fav, "recovery": rec}
    return out


