"""One chunk of customers: demographics, segments, latents, purchases, survey, complaints,
memberships and campaign contacts."""

from __future__ import annotations

from typing import Any

import numpy as np

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


def _simulate_chunk(rng: np.random.Generator, w: _World, first_id: int, m: int) -> dict:
    """Simulate customers ``first_id .. first_id + m - 1`` with their own stream ``rng``."""
    out: dict[str, Any] = {}
    ids = np.arange(first_id, first_id + m, dtype=np.int64)

    # --- demographics
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

    # --- latent satisfaction system
    z = rng.standard_normal((m, len(LATENTS)))
    eta = np.empty((m, len(LATENTS)))
    for j in range(len(LATENTS)):
        eta[:, j] = np.sqrt(w.psi[j]) * z[:, j]
        for p, b in w.parents[j]:
            eta[:, j] += b * eta[:, p]
    sat, cmp_ = eta[:, LATENTS.index("satisfaction")], eta[:, LATENTS.index("complaint")]

    # --- BG/NBD and Gamma-Gamma parameters
    sp = {k: v[seg] for k, v in w.seg_par.items()}
    lam0 = rng.gamma(sp["r"], 1.0 / sp["alpha"])
    p0 = np.clip(rng.beta(sp["a"], sp["b"]), 1e-12, 1 - 1e-12)
    nu0 = rng.gamma(sp["q"], 1.0 / sp["gamma"])
    lam = lam0 * np.exp(_SAT_LAM * sat)
    pdrop = _expit(np.log(p0 / (1 - p0)) + _SAT_DROPOUT * sat)
    nu = nu0 * np.exp(-_SAT_SPEND * sat)
    signup = np.minimum(np.floor(rng.beta(1.0, 1.5, size=m) * w.n_days), w.last_day)
    signup = signup.astype(np.int64)

    # --- purchases in vectorised rounds over active customers
    tx_c, tx_t = [np.arange(m)], [signup.astype(float)]
    dropout = np.full(m, -1, dtype=np.int64)
    active, t_act = np.arange(m), signup.astype(float)
    while active.size:
        t_new = t_act + rng.exponential(7.0 / lam[active])
        inside = t_new < w.n_days
        active, t_new = active[inside], t_new[inside]
        tx_c.append(active)
        tx_t.append(t_new)
        die = rng.random(active.size) < pdrop[active]
        dropout[active[die]] = np.floor(t_new[die]).astype(np.int64)
        active, t_act = active[~die], t_new[~die]
    tx_c, tx_t = np.concatenate(tx_c), np.concatenate(tx_t)
    order = np.argsort(tx_c, kind="stable")  # by customer, then time (rounds are in time order)
    tx_c, tx_day = tx_c[order], np.floor(tx_t[order]).astype(np.int64)
    n_tx = tx_c.size
    cents = np.rint(rng.gamma(sp["p"][tx_c], 1.0 / nu[tx_c]) * 100).astype(np.int64)
    cents = np.maximum(cents, 100)
    ch_logit = np.zeros((m, 3))
    ch_logit[:, 1] = -0.3 + 1.2 * (acq == 3) + 0.02 * agec + 0.3 * (tier == 3)
    ch_logit[:, 2] = -0.6 - 0.04 * agec + 0.3 * (tier == 1)
    cdf = np.cumsum(_softmax(ch_logit), axis=1)[tx_c]
    tx_ch = np.minimum((rng.random(n_tx)[:, None] > cdf).sum(axis=1), 2)

    # --- baskets: popularity-weighted products, de-duplicated, rules planted
    n_prod = w.popularity.size
    k = rng.choice(_MAX_ITEMS, size=n_tx, p=_BASKET_P) + 1
    items = rng.choice(n_prod, size=(n_tx, _MAX_ITEMS), p=w.popularity)
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
                 "channel": tx_ch.astype(np.int8), "n_lines": n_items.astype(np.int8)}

    # --- survey
    resp = np.flatnonzero(w.respondent[first_id - 1:first_id - 1 + m])
    sv: dict[str, Any] = {"customer_id": ids[resp]}
    span = w.n_days - signup[resp]
    sv["day"] = signup[resp] + np.floor(rng.random(resp.size) * span).astype(np.int64)
    noise = rng.standard_normal((resp.size, len(_ITEM_COLUMNS) + 1))
    col = 0
    for j, lat in enumerate(LATENTS):
        centre, spread = _ITEM_SCALE[lat]
        for i, load in enumerate(_LOADINGS[lat]):
            x = load * eta[resp, j] + np.sqrt(1 - load**2) * noise[:, col]
            sv[f"{lat}_{i + 1}"] = np.clip(np.rint(centre + spread * x), 1, 10).astype(np.int64)
            col += 1
    load = _RECOMMEND["loading"]
    x = load * eta[resp, LATENTS.index("loyalty")] + np.sqrt(1 - load**2) * noise[:, col]
    sv["recommend"] = np.clip(np.rint(_RECOMMEND["centre"] + _RECOMMEND["spread"] * x),
                              0, 10).astype(np.int64)
    out["survey"] = sv

    # --- complaints: Poisson while active
    act_end = np.where(dropout >= 0,
                       np.minimum(dropout + _COMPLAINT_AFTER_DROPOUT_DAYS, w.last_day), w.last_day)
    span = act_end - signup + 1
    c_rate = _COMPLAINT_BASE_PER_YEAR * np.exp(_COMPLAINT_SAT * sat + _COMPLAINT_CMP * cmp_)
    n_c = rng.poisson(c_rate * span / 365.25)
    cc = np.repeat(np.arange(m), n_c)
    c_day = signup[cc] + np.floor(rng.random(cc.size) * span[cc]).astype(np.int64)
    c_cat = rng.choice(len(COMPLAINT_CATEGORIES), size=cc.size, p=_COMPLAINT_P)
    c_ch = rng.choice(len(COMPLAINT_CHANNELS), size=cc.size, p=_COMPLAINT_CH_P)
    mean_days = np.asarray(_RESOLUTION_MEAN_DAYS)[c_cat]
    res = np.round(rng.gamma(_RESOLUTION_SHAPE, mean_days / _RESOLUTION_SHAPE), 1)
    never = rng.random(cc.size) < _NEVER_RESOLVED
    resolved = ~never & (c_day + res <= w.last_day)
    out["complaints"] = {"customer_id": ids[cc], "day": c_day, "category": c_cat, "channel": c_ch,
                         "resolution_days": np.where(resolved, res,
                                                     (w.last_day - c_day).astype(float)),
                         "resolved": resolved}

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
    t_months = _HAZARD_SCALE_MONTHS * (rng.exponential(size=sub.size) * np.exp(-xb)) ** (
        1 / _HAZARD_SHAPE)
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
    out["truth"] = {"eta": eta, "lam0": lam0, "lam": lam, "p0": p0, "p": pdrop, "nu0": nu0,
                    "nu": nu, "mean_spend": sp["p"] / nu, "complaint_rate": c_rate,
                    "dropout_day": dropout}
    return out


