"""Prospects, acquisition campaigns and referrals.

Acquisition campaigns run over the last :data:`ACQ_MONTHS` months of the window in three paid
channels. Every customer who signed up through one of them in that period is a prospect who
responded; the prospects who did not respond are drawn so that the response of *all*
contacted prospects follows the logistic model of :data:`RESPONSE_COEF` exactly:

    logit P(respond | x, channel) = intercept[channel] + x'beta

Responders' demographics ``x`` have the customers' distribution ``g_c(x)`` in channel ``c``;
non-responders are drawn from ``g_c(x) (1 - p(x)) / p(x)`` (rejection sampling) and there
are ``n_responders * E_g[(1 - p) / p]`` of them, which makes the contacted population's
density proportional to ``g_c / p`` and its response probability exactly ``p(x)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_lab.simulate._common import ACQ_CHANNELS, _expit

#: Months of acquisition campaigns, ending on the last day of the window.
ACQ_MONTHS = 6
#: Paid channels: intercept of the response model and cost per contact.
ACQ_CAMPAIGN_CHANNELS = {"search": {"intercept": -2.3, "cost_per_contact": 1.50},
                         "social": {"intercept": -3.0, "cost_per_contact": 0.40},
                         "partner": {"intercept": -2.6, "cost_per_contact": 0.90}}
#: Response coefficients (log-odds) on the prospect's demographics.
RESPONSE_COEF = {"age_per_10y": -0.15, "income_band[middle]": 0.30, "income_band[high]": 0.50,
                 "city_tier[1]": 0.25, "city_tier[3]": -0.20, "gender[male]": -0.10}
#: Days between the contact and the sign-up of a responder (uniform 0..max).
ACQ_LAG_DAYS = 14
#: Referral propensity: log relative weight per sd of satisfaction and of loyalty.
REFERRAL_COEF = {"eta_satisfaction": 0.4, "eta_loyalty": 0.5}
#: Latent scores are capped at +-3 sd in the propensity (the cubic loyalty response has long
#: tails that would otherwise let a handful of customers refer everybody).
REFERRAL_CAP = 3.0
REFERRAL_MAX_LAG_DAYS = 30


def response_design(dm: dict[str, np.ndarray]) -> np.ndarray:
    """Columns of :data:`RESPONSE_COEF` for demographic codes ``dm`` (see ``_demographics``)."""
    return np.column_stack([(dm["age"] - 42.0) / 10, dm["income"] == 1, dm["income"] == 2,
                            dm["tier"] == 1, dm["tier"] == 3, dm["gender"] == 1]).astype(float)


def _linear(dm: dict[str, np.ndarray], channel: str) -> np.ndarray:
    beta = np.array(list(RESPONSE_COEF.values()))
    return ACQ_CAMPAIGN_CHANNELS[channel]["intercept"] + response_design(dm) @ beta


def _take(dm: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[rows] for k, v in dm.items()}


def simulate_acquisition(rng: np.random.Generator, demographics, cust: dict, last_day: int):
    """Prospects and their campaign contacts; ``cust`` has the customers' codes and days.

    ``demographics(rng, m)`` draws ``m`` people from the population's generator.
    Returns ``(prospects, contacts, truth)`` as dicts of arrays plus a truth dict.
    """
    first_day = max(0, last_day + 1 - int(round(ACQ_MONTHS * 365.25 / 12)))
    signup = cust["signup_day"]
    rc = RESPONSE_COEF  # lowest x'beta over the support (age 18-80): for rejection sampling
    x_min = (min(0.0, rc["income_band[middle]"], rc["income_band[high]"])
             + min(0.0, rc["city_tier[1]"], rc["city_tier[3]"]) + min(0.0, rc["gender[male]"])
             + min(rc["age_per_10y"] * -2.4, rc["age_per_10y"] * 3.8))
    parts, truth_ch = [], {}
    # one large draw of the population: its customers of channel c have the density g_c
    pool = demographics(rng, max(30_000, 60 * int((signup >= first_day).sum())))
    for name, spec in ACQ_CAMPAIGN_CHANNELS.items():
        c = ACQ_CHANNELS.index(name)
        resp = np.flatnonzero((cust["acq"] == c) & (signup >= first_day))
        dm_r = {k: cust[k][resp] for k in ("region", "tier", "age", "gender", "edu", "income")}
        pc = _take(pool, np.flatnonzero(pool["acq"] == c))
        odds_inv = np.exp(-_linear(pc, name))  # (1 - p) / p
        z = float(odds_inv.mean())  # E_g[(1 - p) / p]
        n0 = int(round(resp.size * z))
        # rejection sampling of non-responders from g_c (1-p)/p: accept with (1-p)/p / max
        w_max = float(np.exp(-(spec["intercept"] + x_min)))
        acc = np.flatnonzero(rng.random(odds_inv.size) < odds_inv / w_max)
        got = [_take(pc, acc[:n0])]
        need = n0 - acc[:n0].size
        while need > 0:  # pragma: no cover - the pool is sized to make this rare
            more = demographics(rng, 20 * need * 10)
            more = _take(more, np.flatnonzero(more["acq"] == c))
            ok = np.flatnonzero(rng.random(more["age"].size)
                                < np.exp(-_linear(more, name)) / w_max)[:need]
            got.append(_take(more, ok))
            need -= ok.size
        dm_n = {k: np.concatenate([g[k] for g in got]) if got else np.zeros(0, np.int64)
                for k in dm_r}
        lag = rng.integers(0, ACQ_LAG_DAYS + 1, resp.size)
        day_r = np.maximum(signup[resp] - lag, first_day)
        day_n = rng.integers(first_day, last_day + 1, n0)
        lin = np.concatenate([_linear(dm_r, name), _linear(dm_n, name)])
        parts.append({
            **{k: np.concatenate([dm_r[k], dm_n[k]]) for k in dm_r},
            "channel": np.full(resp.size + n0, c), "day": np.concatenate([day_r, day_n]),
            "responded": np.r_[np.ones(resp.size, bool), np.zeros(n0, bool)],
            "customer_id": np.r_[cust["customer_id"][resp], np.zeros(n0, np.int64)],
            "p_respond": _expit(lin), "cost": np.full(resp.size + n0, spec["cost_per_contact"])})
        rate = 1.0 / (1.0 + z)
        truth_ch[name] = {**spec, "expected_response_rate": rate,
                          "cost_per_acquired_customer": spec["cost_per_contact"] / rate,
                          "responders": int(resp.size), "contacts": int(resp.size + n0)}
    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    truth = {"months": ACQ_MONTHS, "first_day": first_day, "channels": truth_ch,
             "coefficients": dict(RESPONSE_COEF), "lag_days_max": ACQ_LAG_DAYS,
             "form": "logit P(respond) = intercept[channel] + age_per_10y * (age - 42) / 10 + "
                     "income, city-tier and gender dummies (reference: low income, tier 2, "
                     "female)",
             "note": "every customer acquired through search, social or partner in the "
                     "campaign months is a responding prospect; non-responders are drawn so "
                     "that the contacted population responds exactly by the model"}
    return out, truth


def referral_weight(sat: np.ndarray, loy: np.ndarray) -> np.ndarray:
    """Relative propensity to refer: ``exp(c_sat * clip(sat) + c_loy * clip(loy))``."""
    cap = REFERRAL_CAP
    return np.exp(REFERRAL_COEF["eta_satisfaction"] * np.clip(sat, -cap, cap)
                  + REFERRAL_COEF["eta_loyalty"] * np.clip(loy, -cap, cap))


def simulate_referrals(rng: np.random.Generator, acq: np.ndarray, signup: np.ndarray,
                       dropout: np.ndarray, sat: np.ndarray, loy: np.ndarray):
    """Referrer and referral day of every customer acquired through referral.

    The referrer is drawn among customers who signed up at least one day earlier and had not
    dropped out, with weight :func:`referral_weight`. Customers
    referred before anyone could refer them keep no referrer (-1).
    """
    n = signup.size
    weight = referral_weight(sat, loy)
    order = np.argsort(signup, kind="stable")
    cum = np.cumsum(weight[order])
    s_sorted = signup[order]
    ref = np.flatnonzero(acq == ACQ_CHANNELS.index("referral"))
    referrer = np.full(n, -1, dtype=np.int64)
    ref_day = np.full(n, -1, dtype=np.int64)
    n_before = np.searchsorted(s_sorted, signup[ref], side="left")  # signed up strictly earlier
    todo = ref[n_before > 0]
    nb = n_before[n_before > 0]
    for _ in range(200):
        if todo.size == 0:
            break
        u = rng.random(todo.size) * cum[nb - 1]
        cand = order[np.minimum(np.searchsorted(cum, u, side="right"), nb - 1)]
        alive = (dropout[cand] < 0) | (dropout[cand] >= signup[todo])
        referrer[todo[alive]] = cand[alive]
        todo, nb = todo[~alive], nb[~alive]
    done = referrer >= 0
    span = signup[done] - signup[referrer[done]]
    lag = np.minimum(rng.integers(0, REFERRAL_MAX_LAG_DAYS + 1, int(done.sum())), span)
    ref_day[done] = signup[done] - lag
    truth = {"coefficients": dict(REFERRAL_COEF), "max_lag_days": REFERRAL_MAX_LAG_DAYS,
             "cap": REFERRAL_CAP,
             "form": "P(referrer = j) proportional to exp(c_sat * clip(eta_satisfaction_j) + "
                     "c_loy * clip(eta_loyalty_j)), clipped at +-cap, among customers signed "
                     "up before the referred customer and not yet dropped out",
             "referred": int(ref.size), "without_referrer": int(ref.size - done.sum())}
    return referrer, ref_day, truth


def prospect_frames(out: dict, start, labels, dates, names: dict
                    ) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """``prospects`` and ``acquisition_contacts`` frames, ids in contact-date order."""
    o = np.argsort(out["day"] * 4 + out["channel"], kind="stable")
    n = o.size
    pid = np.arange(1, n + 1, dtype=np.int64)
    cid = pd.array(out["customer_id"][o], dtype="Int64")
    cid[~out["responded"][o]] = pd.NA
    prospects = pd.DataFrame({
        "prospect_id": pid, "region": labels(out["region"][o], names["region"]),
        "city_tier": out["tier"][o].astype(np.int64), "age": out["age"][o].astype(np.int64),
        "gender": labels(out["gender"][o], names["gender"]),
        "education": labels(out["edu"][o], names["education"]),
        "income_band": labels(out["income"][o], names["income"]), "customer_id": cid})
    day = out["day"][o]
    month = pd.DatetimeIndex(dates(start, day)).strftime("%Y-%m")
    channel = np.asarray(ACQ_CHANNELS, dtype=object)[out["channel"][o]]
    contacts = pd.DataFrame({
        "contact_id": pid, "prospect_id": pid,
        "campaign": pd.array([f"{c}_{m}" for c, m in zip(channel, month, strict=True)],
                             dtype="str"),
        "channel": pd.array(channel, dtype="str"), "date": dates(start, day),
        "cost": out["cost"][o], "responded": out["responded"][o]})
    return prospects, contacts, o
