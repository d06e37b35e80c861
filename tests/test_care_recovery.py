"""Recovery of the simulated company's service-recovery truth (``truth.service_recovery``).

The simulator (:mod:`crm_lab.simulate.response`) gives every complaint a handling (fast:
resolved within 3 days, slow, unresolved) and, from the day the customer knows the outcome,
adds a per-complaint effect to stated loyalty (sd of the latent loyalty) at a later survey and
to the log hazard of membership churn (first complaint during the membership). Without the
paradox a fast complaint still costs a little (-0.10 sd, +0.10 log HR); with
``recovery_paradox=True`` it leaves the customer more loyal (+0.35 sd, -0.30 log HR).

Tolerances (20,000 customers: about 1,250 complaints known before a survey answer and 2,900
memberships with a complaint): each adjusted estimate within 3 standard errors of the truth,
and within 0.15 sd (stated loyalty, fast and slow), 0.35 sd (unresolved, about 50
complaints), 0.25 (churn log HR, fast and slow) and 0.45 (unresolved). The raw estimates are
confounded (complainers are less satisfied) and lie below the truth on loyalty.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_lab.care import (
    HANDLING,
    churn_after_complaints,
    complaint_handling,
    loyalty_after_complaints,
    recovery_check,
    true_recovery,
)
from crm_lab.simulate import simulate_company
from crm_lab.validate import DataError, ParameterError

#: (seed, recovery_paradox): one company without and one with the paradox.
CASES = ((1, False), (2, True))
TOL = {"stated loyalty (sd)": {"fast": 0.15, "slow": 0.15, "unresolved": 0.35},
       "churn (log HR)": {"fast": 0.25, "slow": 0.25, "unresolved": 0.45}}


@pytest.fixture(scope="module")
def checks() -> dict:
    out = {}
    for seed, paradox in CASES:
        c = simulate_company(seed=seed, n_customers=20_000, recovery_paradox=paradox)
        lo = loyalty_after_complaints(c.survey, c.complaints)
        ch = churn_after_complaints(c.subscriptions, c.complaints)
        out[(seed, paradox)] = (lo, ch, recovery_check(lo, ch, c.truth.service_recovery))
    return out


@pytest.mark.parametrize("case", CASES)
def test_recovery_effects_recover_truth(checks, case):
    lo, ch, chk = checks[case]
    for (outcome, h), row in chk.iterrows():
        se = (row["effect"] - row["ci_low"]) / 1.959964
        err = abs(row["effect"] - row["truth"])
        assert err <= 3 * se, (case, outcome, h, row.to_dict())
        assert err <= TOL[outcome][h], (case, outcome, h, row.to_dict())


@pytest.mark.parametrize("case", CASES)
def test_paradox_question_answered(checks, case):
    _, _, chk = checks[case]
    assert chk.attrs["paradox_truth"] is case[1]
    if case[1]:
        assert chk.attrs["paradox"] == "holds"
    else:
        assert chk.attrs["paradox"] != "holds"


@pytest.mark.parametrize("case", CASES)
def test_raw_comparison_is_confounded(checks, case):
    lo, ch, _ = checks[case]
    # less satisfied customers complain: raw loyalty effects are too negative, raw churn
    # effects too positive
    assert (lo["raw"] < lo["effect"]).all()
    assert (ch["raw"] > ch["effect"]).all()


def test_handling_order_is_recovered(checks):
    for lo, ch, _ in checks.values():
        assert lo.loc["fast", "effect"] > lo.loc["slow", "effect"] > lo.loc["unresolved", "effect"]
        assert ch.loc["fast", "effect"] < ch.loc["slow", "effect"] < ch.loc["unresolved", "effect"]


def test_complaint_handling_hand_case():
    co = pd.DataFrame({"customer_id": [1, 1, 2, 3], "resolution_days": [3.0, 3.1, 0.2, 12.0],
                       "resolved": [True, True, True, False],
                       "date": pd.to_datetime(["2024-03-01"] * 4)})
    h = complaint_handling(co)
    assert h["handling"].tolist() == ["fast", "slow", "fast", "unresolved"]
    assert h["known_date"].dt.strftime("%m-%d").tolist() == ["03-04", "03-05", "03-02", "03-31"]
    assert "handling" not in co  # input not mutated


def test_loyalty_hand_case_exact_effects():
    # a noiseless survey: loyalty items = 5 + 2 * (latent - 0.5 * n_fast_before); complaints
    # after the survey day do not count
    rng = np.random.default_rng(0)
    n = 400
    lat = rng.normal(size=n)
    n_fast = rng.integers(0, 3, size=n)
    sv = pd.DataFrame({"customer_id": np.arange(1, n + 1),
                       "survey_date": pd.Timestamp("2024-06-01")})
    for i in (1, 2, 3):
        sv[f"loyalty_{i}"] = 5 + 2 * (lat - 0.5 * n_fast)
    sv["satisfaction_1"] = lat  # the control is the latent itself
    rows = [(int(cid), "2024-01-01") for cid in np.repeat(sv["customer_id"], n_fast)]
    rows += [(1, "2024-12-01")]  # after the survey: only in the total count
    co = pd.DataFrame(rows, columns=["customer_id", "date"]).assign(
        date=lambda f: pd.to_datetime(f["date"]), resolution_days=1.0, resolved=True)
    r = loyalty_after_complaints(sv, co, controls=("satisfaction",))
    # identical items: the one-factor loading is their sd, 2 * sd(latent part)
    scale = sv["loyalty_1"].std()
    assert r.loc["fast", "effect"] == pytest.approx(-1.0 / scale, abs=1e-9)
    assert r.loc["fast", "n"] == int(n_fast.sum())
    assert r.loc["slow", "n"] == 0 and np.isnan(r.loc["slow", "effect"])


def test_true_recovery_table():
    t = true_recovery({"effects": {"dropout": {"fast": 1, "slow": 2, "unresolved": 3},
                                   "stated_loyalty": {"fast": 0, "slow": 0, "unresolved": 0},
                                   "churn_log_hr": {"fast": 0, "slow": 0, "unresolved": 0}}})
    assert t.index.tolist() == list(HANDLING)
    assert t["dropout"].tolist() == [1, 2, 3]


def test_recovery_bad_inputs():
    c = simulate_company(seed=0, n_customers=1500)
    with pytest.raises(DataError, match="resolved"):
        complaint_handling(c.complaints.drop(columns="resolved"))
    with pytest.raises(DataError, match="resolution_days"):
        complaint_handling(c.complaints.assign(resolution_days=np.nan))
    with pytest.raises(ParameterError, match="fast_days"):
        complaint_handling(c.complaints, fast_days=-1)
    with pytest.raises(ParameterError, match="items"):
        loyalty_after_complaints(c.survey, c.complaints, items="nosuch")
    with pytest.raises(ParameterError, match="controls"):
        loyalty_after_complaints(c.survey, c.complaints, controls=("nosuch",))
    with pytest.raises(DataError, match="survey_date"):
        loyalty_after_complaints(c.survey.drop(columns="survey_date"), c.complaints)
    with pytest.raises(DataError, match="tenure_months"):
        churn_after_complaints(c.subscriptions.drop(columns="tenure_months"), c.complaints)
    with pytest.raises(DataError, match="churned"):
        churn_after_complaints(c.subscriptions.assign(churned="yes"), c.complaints)
    with pytest.raises(DataError, match="service_recovery"):
        true_recovery({})
