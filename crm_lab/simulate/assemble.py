"""Concatenate the chunks into the public tables and build the truth."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_lab.simulate import acquisition, behaviour, response, service
from crm_lab.simulate._common import (
    _CAMPAIGNS,
    _COMPLAINT_AFTER_DROPOUT_DAYS,
    _COMPLAINT_BASE_PER_YEAR,
    _COMPLAINT_CMP,
    _COMPLAINT_SAT,
    _CONTACT_SHARE,
    _CONTRACT_MULT,
    _CONTRACT_P,
    _HAZARD_COEF,
    _HAZARD_SCALE_MONTHS,
    _HAZARD_SHAPE,
    _ITEM_COLUMNS,
    _NEVER_RESOLVED,
    _PAIR_RATE,
    _PLAN_P,
    _PLAN_PRICE,
    _PRICE_GROWTH_PER_YEAR,
    _PROMO_DISCOUNT,
    _PROMO_SHARE,
    _RECENCY_CENTRE,
    _RECENCY_SCALE,
    _RESOLUTION_MEAN_DAYS,
    _RESOLUTION_SHAPE,
    _RESP_RECENCY,
    _RESP_SAT,
    _RESP_SEGMENT,
    _RESP_TREAT,
    _RESPONSE_WINDOW_DAYS,
    _SAT_DROPOUT,
    _SAT_LAM,
    _SAT_SPEND,
    _SEGMENT_PARAMS,
    _SEGMENT_TILT,
    _SUB_PROPENSITY,
    _TREATED_SHARE,
    ACQ_CHANNELS,
    CATEGORIES,
    COMPLAINT_CATEGORIES,
    COMPLAINT_CHANNELS,
    CONTRACTS,
    EDUCATIONS,
    GENDERS,
    INCOME_BANDS,
    LATENTS,
    PLANS,
    REGIONS,
    SEGMENTS,
    TX_CHANNELS,
    _dates,
    _labels,
)
from crm_lab.simulate.company import Company, Truth
from crm_lab.simulate.customers import _demographics
from crm_lab.simulate.world import _World


def _cat(chunks: list[dict], part: str, key: str) -> np.ndarray:
    """Concatenate one array over the chunks, releasing the chunks' copies."""
    return np.concatenate([c[part].pop(key) for c in chunks])


def _assemble(w: _World, chunks: list[dict], params: dict, rng: np.random.Generator) -> Company:
    """Concatenate chunks, assign public ids in date order and build frames and truth.

    ``rng`` drives the company-wide steps: referrals, service calls and acquisition.
    """
    n = w.n
    tr = {k: _cat(chunks, "truth", k) for k in list(chunks[0]["truth"])}
    # customers, with the referrer of every customer acquired through a referral
    cu = {k: _cat(chunks, "customers", k) for k in list(chunks[0]["customers"])}
    seg = cu["segment"]
    j_sat, j_loy = LATENTS.index("satisfaction"), LATENTS.index("loyalty")
    referrer, ref_day, ref_truth = acquisition.simulate_referrals(
        rng, cu["acquisition_channel"], cu["signup_day"], tr["dropout_day"],
        tr["eta"][:, j_sat], tr["eta"][:, j_loy])
    referred_by = pd.array(np.where(referrer >= 0, referrer + 1, 0), dtype="Int64")
    referred_by[referrer < 0] = pd.NA
    customers = pd.DataFrame({
        "customer_id": cu["customer_id"], "signup_date": _dates(w.start, cu["signup_day"]),
        "region": _labels(cu["region"], REGIONS), "city_tier": cu["city_tier"], "age": cu["age"],
        "gender": _labels(cu["gender"], GENDERS), "education": _labels(cu["education"], EDUCATIONS),
        "income_band": _labels(cu["income_band"], INCOME_BANDS),
        "acquisition_channel": _labels(cu["acquisition_channel"], ACQ_CHANNELS),
        "segment": _labels(seg, SEGMENTS), "referred_by": referred_by,
        "referral_date": _dates(w.start, ref_day)})

    # transactions: ids in (date, customer) order; line items follow their transaction
    cust = _cat(chunks, "tx", "customer_id")
    day = _cat(chunks, "tx", "day").astype(np.int64)
    order = np.argsort(day * (n + 1) + cust, kind="stable")
    n_tx = order.size
    transactions = pd.DataFrame({
        "transaction_id": np.arange(1, n_tx + 1, dtype=np.int64), "customer_id": cust[order],
        "date": _dates(w.start, day[order]), "amount": _cat(chunks, "tx", "cents")[order] / 100,
        "channel": _labels(_cat(chunks, "tx", "channel")[order], TX_CHANNELS),
        "discount": _cat(chunks, "tx", "discount_cents")[order] / 100})
    del cust, day
    n_lines = _cat(chunks, "tx", "n_lines").astype(np.int64)
    block_start = np.cumsum(n_lines) - n_lines
    lens = n_lines[order]
    new_start = np.cumsum(lens) - lens
    idx = np.repeat(block_start[order] - new_start, lens) + np.arange(lens.sum())
    prod = _cat(chunks, "line", "product")[idx].astype(np.int64)
    line_items = pd.DataFrame({
        "transaction_id": np.repeat(np.arange(1, n_tx + 1, dtype=np.int64), lens),
        "line_no": _cat(chunks, "line", "line_no")[idx].astype(np.int64),
        "product_id": w.product_ids[prod],
        "category": _labels(w.product_cat[prod], CATEGORIES),
        "price": _cat(chunks, "line", "cents")[idx] / 100})
    del idx, prod, lens, n_lines, block_start, new_start
    del order

    # survey
    sv = {k: _cat(chunks, "survey", k) for k in list(chunks[0]["survey"])}
    survey = pd.DataFrame({"customer_id": sv["customer_id"],
                           "survey_date": _dates(w.start, sv["day"]),
                           **{c: sv[c] for c in (*_ITEM_COLUMNS, "recommend")}})

    # complaints
    co = {k: _cat(chunks, "complaints", k) for k in list(chunks[0]["complaints"])}
    o = np.argsort(co["day"] * (n + 1) + co["customer_id"], kind="stable")
    complaints = pd.DataFrame({
        "complaint_id": np.arange(1, o.size + 1, dtype=np.int64),
        "customer_id": co["customer_id"][o], "date": _dates(w.start, co["day"][o]),
        "category": _labels(co["category"][o], COMPLAINT_CATEGORIES),
        "channel": _labels(co["channel"][o], COMPLAINT_CHANNELS),
        "resolution_days": co["resolution_days"][o].astype(float), "resolved": co["resolved"][o]})

    # subscriptions
    su = {k: _cat(chunks, "subs", k) for k in list(chunks[0]["subs"])}
    o = np.argsort(su["start_day"] * (n + 1) + su["customer_id"], kind="stable")
    subscriptions = pd.DataFrame({
        "subscription_id": np.arange(1, o.size + 1, dtype=np.int64),
        "customer_id": su["customer_id"][o], "plan": _labels(su["plan"][o], PLANS),
        "contract": _labels(su["contract"][o], CONTRACTS), "monthly_price": su["price"][o],
        "start_date": _dates(w.start, su["start_day"][o]),
        "end_date": _dates(w.start, su["end_day"][o]), "churned": su["churned"][o],
        "tenure_months": su["tenure_months"][o]})

    # contacts
    ct = {k: _cat(chunks, "contacts", k) for k in list(chunks[0]["contacts"])}
    o = np.argsort(ct["campaign"] * (n + 1) + ct["customer_id"], kind="stable")
    camp = ct["campaign"][o]
    contact_id = np.arange(1, o.size + 1, dtype=np.int64)
    contacts = pd.DataFrame({
        "contact_id": contact_id, "customer_id": ct["customer_id"][o],
        "campaign": _labels(camp, [c[0] for c in _CAMPAIGNS]),
        "date": _dates(w.start, np.asarray(w.campaign_day, dtype=np.int64)[camp]),
        "channel": _labels(camp, [c[2] for c in _CAMPAIGNS]),
        "treated": ct["treated"][o], "responded": ct["responded"][o]})
    uplift = pd.DataFrame({"customer_id": ct["customer_id"][o], "p_control": ct["p_control"][o],
                           "p_treated": ct["p_treated"][o]},
                          index=pd.Index(contact_id, name="contact_id"))
    uplift["uplift"] = uplift["p_treated"] - uplift["p_control"]

    # truth
    tc = pd.DataFrame({"segment": _labels(seg, SEGMENTS),
                       **{f"eta_{lat}": tr["eta"][:, j] for j, lat in enumerate(LATENTS)},
                       "lam_base_per_week": tr["lam0"], "lam_per_week": tr["lam"],
                       "p_dropout_base": tr["p0"], "p_dropout": tr["p"], "nu_base": tr["nu0"],
                       "nu": tr["nu"], "mean_spend": tr["mean_spend"],
                       "complaint_rate_per_year": tr["complaint_rate"],
                       "dropout_date": _dates(w.start, tr["dropout_day"]),
                       "alive_at_end": tr["dropout_day"] < 0,
                       "favourite_categories": pd.array(
                           [f"{CATEGORIES[a]}|{CATEGORIES[b]}" for a, b in tr["fav"]],
                           dtype="str"),
                       "recovery_dropout_effect": tr["recovery"]},
                      index=pd.Index(cu["customer_id"], name="customer_id"))
    # promotion calendar
    cal = w.calendar
    promotions = cal[["promotion_id", "name", "start_date", "end_date", "discount_rate"]].copy()
    promotions["name"] = promotions["name"].astype("str")
    for c in ("start_date", "end_date"):
        promotions[c] = promotions[c].astype("datetime64[ns]")

    # service calls: the queue of crm_lab.callcentre on a staffing schedule
    schedule = service.call_schedule(n, w.end)
    calls, call_truth = service.simulate_service_calls(
        rng, schedule, cu["signup_day"], tr["lam"], w.start)

    # prospects and acquisition campaigns
    codes = {"customer_id": cu["customer_id"], "signup_day": cu["signup_day"],
             "region": cu["region"], "tier": cu["city_tier"], "age": cu["age"],
             "gender": cu["gender"], "edu": cu["education"], "income": cu["income_band"],
             "acq": cu["acquisition_channel"]}
    acq_out, acq_truth = acquisition.simulate_acquisition(rng, _demographics, codes, w.last_day)
    acq_truth["first_date"] = str((w.start + np.timedelta64(acq_truth.pop("first_day"), "D"))
                                  .astype("datetime64[D]"))
    prospects, acq_contacts, _ = acquisition.prospect_frames(
        acq_out, w.start, _labels, _dates,
        {"region": REGIONS, "gender": GENDERS, "education": EDUCATIONS, "income": INCOME_BANDS})

    truth = Truth(customers=tc, segments=_segment_truth(w, seg), structural=w.structural,
                  satisfaction_effects=_satisfaction_truth(), hazard=_hazard_truth(),
                  rules=_rules_truth(w), products=_products(w), response=_response_truth(w),
                  uplift=uplift, behaviour=behaviour.behaviour_truth(cal),
                  loyalty_response=response.loyalty_truth(w.competition, w.rho, w.b3),
                  service_recovery=response.recovery_truth(w.recovery_paradox),
                  calls=call_truth, call_intervals=schedule[["rate_calls", "agents", "aht_s"]],
                  acquisition=acq_truth, referrals=ref_truth)
    frames = {"customers": customers, "transactions": transactions, "line_items": line_items,
              "survey": survey, "complaints": complaints, "subscriptions": subscriptions,
              "contacts": contacts, "promotions": promotions, "calls": calls,
              "prospects": prospects, "acquisition_contacts": acq_contacts}
    return Company(**frames, truth=truth, params=params)


# ----------------------------------------------------------------------------- truth dictionaries


def _segment_truth(w: _World, seg: np.ndarray) -> dict:
    counts = np.bincount(seg, minlength=len(SEGMENTS))
    out = {}
    for j, s in enumerate(SEGMENTS):
        sp = _SEGMENT_PARAMS[s]
        out[s] = {
            "share": float(counts[j] / seg.size), "base_share": sp["base_share"],
            "intercept": float(w.seg_intercept[j]), "tilt": dict(_SEGMENT_TILT[s]),
            "r": sp["r"], "alpha": sp["alpha"], "mean_lam_per_week": sp["r"] / sp["alpha"],
            "a": sp["a"], "b": sp["b"], "mean_p_dropout": sp["a"] / (sp["a"] + sp["b"]),
            "p": sp["p"], "q": sp["q"], "gamma": sp["gamma"],
            "mean_spend": sp["p"] * sp["gamma"] / (sp["q"] - 1),
            "subscription_propensity": _SUB_PROPENSITY[s], "plan_p": list(_PLAN_P[s]),
            "contract_p": list(_CONTRACT_P[s]),
        }
    return out


def _satisfaction_truth() -> dict:
    return {
        "variable": "eta_satisfaction (standardized latent, mean 0, sd 1)",
        "purchase_rate": {"coef": _SAT_LAM, "form": "lam = lam0 * exp(coef * eta_satisfaction), "
                          "lam0 ~ Gamma(r, alpha) per week"},
        "dropout": {"coef": _SAT_DROPOUT, "form": "logit p = logit p0 + coef * eta_satisfaction, "
                    "p0 ~ Beta(a, b); no dropout at the trial purchase"},
        "spend": {"coef": _SAT_SPEND, "form": "nu = nu0 * exp(-coef * eta_satisfaction), "
                  "nu0 ~ Gamma(q, gamma); mean spend p / nu rises by exp(coef) per sd"},
        "complaints": {"base_per_year": _COMPLAINT_BASE_PER_YEAR, "coef": _COMPLAINT_SAT,
                       "coef_eta_complaint": _COMPLAINT_CMP,
                       "after_dropout_days": _COMPLAINT_AFTER_DROPOUT_DAYS,
                       "form": "rate per year = base * exp(coef * eta_satisfaction + "
                               "coef_eta_complaint * eta_complaint)"},
        "churn": {"coef": _HAZARD_COEF["satisfaction"], "form": "log hazard ratio per sd"},
        "response": {"coef": _RESP_SAT, "form": "log-odds of response per sd"},
        "complaint_categories": list(COMPLAINT_CATEGORIES),
        "resolution_mean_days": dict(zip(COMPLAINT_CATEGORIES, _RESOLUTION_MEAN_DAYS,
                                         strict=True)),
        "resolution_shape": _RESOLUTION_SHAPE, "never_resolved": _NEVER_RESOLVED,
    }


def _hazard_truth() -> dict:
    k, s = _HAZARD_SHAPE, _HAZARD_SCALE_MONTHS
    return {
        "model": "weibull_proportional_hazards", "time_unit": "months",
        "shape": k, "scale_months": s, "coefficients": dict(_HAZARD_COEF),
        "reference": {"plan": "basic", "contract": "month-to-month"},
        "covariates": {"satisfaction": "truth.customers.eta_satisfaction",
                       "monthly_price": "per currency unit"},
        "parametrisation": "h(t|x) = (shape/scale) * (t/scale)**(shape-1) * exp(x'beta); "
                           "S(t|x) = exp(-(t/scale)**shape * exp(x'beta)); coefficients are "
                           "log hazard ratios (what a Cox model estimates)",
        "aft": {"intercept": float(np.log(s)), "rho": k,
                "coefficients": {c: -b / k for c, b in _HAZARD_COEF.items()},
                "form": "lifelines WeibullAFTFitter: lambda(x) = exp(intercept + x'coef)"},
        "plan_price": dict(zip(PLANS, _PLAN_PRICE, strict=True)),
        "contract_multiplier": dict(zip(CONTRACTS, _CONTRACT_MULT, strict=True)),
        "price_growth_per_year": _PRICE_GROWTH_PER_YEAR,
        "promo": {"share": _PROMO_SHARE, "discount": _PROMO_DISCOUNT},
    }


def _rules_truth(w: _World) -> list:
    out = []
    for ante, cons, conf in w.rules:
        out.append({"antecedent": [int(w.product_ids[a]) for a in ante],
                    "consequent": int(w.product_ids[cons]), "confidence": conf,
                    "antecedent_categories": [CATEGORIES[w.product_cat[a]] for a in ante],
                    "consequent_category": CATEGORIES[w.product_cat[cons]],
                    "planted_pair_rate": _PAIR_RATE if len(ante) == 2 else 0.0})
    return out


def _products(w: _World) -> pd.DataFrame:
    return pd.DataFrame({"product_id": w.product_ids.astype(np.int64),
                         "category": _labels(w.product_cat, CATEGORIES),
                         "list_price": w.list_price, "popularity": w.popularity})


def _response_truth(w: _World) -> dict:
    return {
        "campaigns": [{"campaign": name, "date": str((w.start + np.timedelta64(d, "D"))
                                                     .astype("datetime64[D]")),
                       "channel": ch, "intercept": b0}
                      for (name, _, ch, b0), d in zip(_CAMPAIGNS, w.campaign_day, strict=True)],
        "contact_share": _CONTACT_SHARE, "treated_share": _TREATED_SHARE,
        "window_days": _RESPONSE_WINDOW_DAYS,
        "satisfaction": _RESP_SAT, "recency": _RESP_RECENCY,
        "recency_transform": f"z = (log1p(recency_days) - {_RECENCY_CENTRE}) / {_RECENCY_SCALE}; "
                             "recency_days = campaign date - last purchase before it",
        "segment": dict(_RESP_SEGMENT), "treatment": dict(_RESP_TREAT),
        "form": "logit P(respond) = intercept[campaign] + satisfaction * eta_satisfaction + "
                "recency * z + segment[s] + treated * treatment[s]",
    }

