"""Tests of crm_lab.care: care-programme effects, complaints, service recovery.

Recovery tests run on the simulated company, whose truth says: a contact raises response by
the mean of ``truth.uplift["uplift"]`` and does *not* change later purchases (true effect on
retention and spend: 0); resolution times are Gamma per category with 5 % never resolved.
The company's service-recovery truth (handling moves later loyalty and churn) is recovered in
``tests/test_care_recovery.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.survfunc import SurvfuncRight

from crm_lab.care import (
    adjusted_effect,
    compare_estimates,
    complainer_outcomes,
    complaint_pareto,
    complaint_rates,
    contact_outcomes,
    difference_in_means,
    handling_groups,
    kaplan_meier,
    lapsed,
    naive_effect,
    randomised_effect,
    recovery_effects,
    resolution_summary,
    service_recovery,
    simulate_service_recovery,
    true_resolution,
    true_uplift,
)
from crm_lab.simulate import simulate_company
from crm_lab.spc import u_chart
from crm_lab.validate import DataError, ParameterError

SEEDS = (1, 2)


@pytest.fixture(scope="module")
def companies() -> dict:
    return {s: simulate_company(n_customers=5000, seed=s) for s in SEEDS}


@pytest.fixture(scope="module")
def outcomes(companies) -> dict:
    return {s: contact_outcomes(c.contacts, c.transactions) for s, c in companies.items()}


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args, **kwargs)


# ----------------------------------------------------------------------------- Kaplan-Meier


def test_kaplan_meier_hand_case_with_ties_and_censoring():
    # times 2, 3, 3 (tie), 3 censored, 5, 6 censored, 7:
    # t=2: 7 at risk, 1 event -> S = 6/7
    # t=3: 6 at risk, 2 events (1 censored at 3 counts as at risk) -> S = 6/7 * 4/6 = 4/7
    # t=5: 3 at risk, 1 event -> S = 4/7 * 2/3 = 8/21
    # t=7: 1 at risk, 1 event -> S = 0
    t = [2, 3, 3, 3, 5, 6, 7]
    e = [1, 1, 1, 0, 1, 0, 1]
    km = kaplan_meier(t, np.array(e, dtype=bool))
    assert km.index.tolist() == [2, 3, 5, 7]
    assert km["at_risk"].tolist() == [7, 6, 3, 1]
    assert km["events"].tolist() == [1, 2, 1, 1]
    assert km["censored"].tolist() == [0, 1, 1, 0]   # censored in [t, next event time)
    np.testing.assert_allclose(km["survival"], [6 / 7, 4 / 7, 8 / 21, 0.0])
    # Greenwood: S^2 * sum d / (n (n - d))
    gw = np.cumsum([1 / (7 * 6), 2 / (6 * 4), 1 / (3 * 2)])
    np.testing.assert_allclose(km["se"].iloc[:3], km["survival"].iloc[:3] * np.sqrt(gw))


def test_kaplan_meier_agrees_with_statsmodels(companies):
    """Resolution-time curve = statsmodels' SurvfuncRight on the same complaints."""
    for c in companies.values():
        co = c.complaints
        km = kaplan_meier(co["resolution_days"], co["resolved"])
        sf = SurvfuncRight(co["resolution_days"].to_numpy(), co["resolved"].to_numpy(int))
        np.testing.assert_allclose(km.index, sf.surv_times)
        np.testing.assert_allclose(km["survival"], sf.surv_prob, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(km["se"], sf.surv_prob_se, rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(km["at_risk"], sf.n_risk)
        np.testing.assert_array_equal(km["events"], sf.n_events)
        # the median time to resolution, as statsmodels' quantile
        med = resolution_summary(co, by=None).loc["all", "km_median_days"]
        assert med == pytest.approx(sf.quantile(0.5))
        # the log(-log) interval from the Greenwood variance (statsmodels gives no pointwise
        # band, so check the formula on its standard errors)
        s = sf.surv_prob[:-1]
        v = (sf.surv_prob_se[:-1] / s) ** 2 / np.log(s) ** 2
        lo = s ** np.exp(1.959963984540054 * np.sqrt(v))
        np.testing.assert_allclose(km["ci_low"].to_numpy()[:-1][s > 0], lo[s > 0], rtol=1e-8)


def test_service_level_recovers_truth_naive_is_biased(companies):
    for c in companies.values():
        est = resolution_summary(c.complaints, target_days=7)
        truth = true_resolution(c.truth.satisfaction_effects, target_days=7)
        both = est.drop(index="all").join(truth)
        # tolerance: about 3 binomial standard errors at n ~ 300-700 per category
        assert (both["service_level"] - both["true_service_level"]).abs().max() < 0.07
        assert (both["km_median_days"] - both["true_median_days"]).abs().max() < 1.0
        # the naive share (resolved complaints only) overstates compliance in every category
        assert (both["naive_service_level"] > both["service_level"]).all()
        assert est.loc["all", "still_open"] == int((~c.complaints["resolved"]).sum())


def test_resolution_summary_hand_case():
    c = pd.DataFrame({"resolution_days": [1, 2, 2, 3, 4, 10],
                      "resolved": [True, True, False, True, False, False]})
    r = resolution_summary(c, by=None, target_days=2).loc["all"]
    assert r["naive_mean_days"] == 2.0 and r["still_open"] == 3
    assert r["service_level"] == pytest.approx(1 - 5 / 6 * 4 / 5)
    assert r["naive_service_level"] == pytest.approx(2 / 3)


# ----------------------------------------------------------------------------- complaint counts


def test_pareto_sums(companies):
    co = companies[1].complaints
    p = complaint_pareto(co, "channel")
    assert p["complaints"].sum() == len(co)
    assert p["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert p["complaints"].is_monotonic_decreasing


def test_complaint_rates_use_u_chart(companies):
    c = companies[1]
    r = complaint_rates(c.complaints, c.customers, freq="M")
    assert r["complaints"].sum() == len(c.complaints)
    assert r["customers"].is_monotonic_increasing and r["customers"].iloc[-1] == 5000
    direct = u_chart(r["complaints"].astype(float), r["customers"].astype(float), per=1000)
    pd.testing.assert_frame_equal(r[direct.columns], direct)
    # the simulated rate is stable: few periods out of control
    assert r["out_of_control"].mean() < 0.15


def test_complaint_rate_per_1000_close_to_truth(companies):
    c = companies[1]
    r = complaint_rates(c.complaints, c.customers, freq="Y")
    # truth: each customer complains at complaint_rate_per_year while active; customers who
    # lapsed stop complaining, so the observed rate per signed-up customer is below the mean
    # true rate of all customers.
    true_per_1000_month = c.truth.customers["complaint_rate_per_year"].mean() / 12 * 1000
    last_year_per_month = r["rate"].iloc[-1] / 12
    assert 0.3 * true_per_1000_month < last_year_per_month < true_per_1000_month


# ----------------------------------------------------------------------------- care effects


def test_randomised_uplift_recovers_truth(companies, outcomes):
    """Treated minus control response = mean true uplift, within 3 SE, for two seeds."""
    for s in SEEDS:
        est = randomised_effect(outcomes[s], "responded", by="campaign")
        truth = true_uplift(companies[s].contacts, companies[s].truth.uplift)
        for camp in truth.index:
            row = est.loc[(camp, "responded")]
            assert abs(row["effect"] - truth[camp]) < 3 * row["se"], (s, camp)
        assert abs(est.loc[("all", "responded"), "effect"] - truth["all"]) < 0.02


def test_randomised_effect_on_purchases_is_zero(outcomes):
    """The simulator's purchases ignore contacts: the randomised effect is ~0."""
    for s in SEEDS:
        est = randomised_effect(outcomes[s], ["retained", "post_spend"])
        assert (est["effect"].abs() < 3.5 * est["se"]).all()


def test_self_selected_naive_is_biased_ipw_corrects(outcomes):
    """Responders vs non-responders: naive difference is large, IPW and regression recover
    the randomised effect (truth 0) within 0.05 on the retention probability, two seeds."""
    for s in SEEDS:
        f = outcomes[s]
        tab = _quiet(compare_estimates, f, "retained", truth=0.0)
        assert tab.loc["naive", "effect"] > 0.15
        for m in ("ipw", "regression"):
            assert abs(tab.loc[m, "effect"]) < 0.05, (s, m)
            assert abs(tab.loc[m, "effect"] - tab.loc["randomised", "effect"]) < 0.06
        assert tab.loc["ipw", "covers_truth"]


def test_contact_outcomes_columns_and_no_mutation(companies):
    c = companies[1]
    before = c.contacts.copy()
    f = contact_outcomes(c.contacts, c.transactions, window_days=30)
    pd.testing.assert_frame_equal(c.contacts, before)
    assert len(f) == len(c.contacts) and f.index.name == "contact_id"
    assert set(f["retained"].unique()) <= {0.0, 1.0}
    assert (f["post_spend"] >= 0).all() and f[["recency_days", "pre_spend"]].notna().all().all()


def test_difference_in_means_known_answer():
    # Welch: means 2 and 6, variances 1 and 1, n = 3 each -> se = sqrt(2/3)
    r = difference_in_means([1.0, 2.0, 3.0, 5.0, 6.0, 7.0], [0, 0, 0, 1, 1, 1])
    assert r["effect"] == 4.0 and r["se"] == pytest.approx(np.sqrt(2 / 3))
    # equal weights reproduce the (HC1-scaled) unweighted difference
    w = difference_in_means([1.0, 2.0, 3.0, 5.0, 6.0, 7.0], [0, 0, 0, 1, 1, 1], weights=[2.0] * 6)
    assert w["effect"] == 4.0


def test_ipw_clipping_is_reported():
    rng = np.random.default_rng(0)
    x = rng.normal(size=500) * 4
    f = pd.DataFrame({"x": x, "e": rng.random(500) < 1 / (1 + np.exp(-x)),
                      "y": rng.normal(size=500)})
    with pytest.warns(RuntimeWarning, match="clipped"):
        out = adjusted_effect(f, "y", "e", covariates=["x"], clip=0.05)
    assert out["n_clipped"] > 0


# ----------------------------------------------------------------------------- complaints & churn


def test_complainers_lapse_less_and_truth_agrees(companies):
    c = companies[1]
    obs = lapsed(c.transactions, days=180)
    true_gone = (~c.truth.customers["alive_at_end"]).astype(float).rename("dropped_out")
    a = complainer_outcomes(c.complaints, obs)
    b = complainer_outcomes(c.complaints, true_gone)
    # complaints arrive only while a customer is active, so complainers are survivors: in the
    # truth they drop out LESS often, although in the simulator a complaint only ever raises
    # the dropout (truth.service_recovery); the observed lapse measure shows the same
    # (non-causal) association
    assert b.loc["dropped_out", "ci_high"] < 0
    assert np.sign(a.loc["lapsed", "effect"]) == np.sign(b.loc["dropped_out", "effect"])


# ----------------------------------------------------------------------------- service recovery


@pytest.mark.parametrize("seed", [0, 1])
def test_service_recovery_paradox_recovered(seed):
    f, truth = simulate_service_recovery(6000, handling_effect=0.8, paradox=0.3, seed=seed)
    raw = service_recovery(f["loyalty"], f["handling"])
    # raw comparison is confounded (complainers are less satisfied): biased below the truth
    assert raw.loc["well handled", "diff_vs_reference"] < truth["paradox"]
    well = f["handling"] == "well handled"
    sub = f[f["handling"] != "poorly handled"].assign(well=well)
    adj = adjusted_effect(sub, "loyalty", "well", covariates=["satisfaction"])
    assert abs(adj["effect"] - truth["paradox"]) < 0.15
    assert adj["ci_low"] <= truth["paradox"] <= adj["ci_high"] or \
        abs(adj["effect"] - truth["paradox"]) < 3 * adj["se"]
    comp = f[f["complained"]].assign(well=well)
    h = adjusted_effect(comp, "loyalty", "well", covariates=["satisfaction"],
                        method="regression")
    assert abs(h["effect"] - truth["handling_effect"]) < 0.15
    # churn: well-handled complainers churn less than poorly handled ones
    ch = service_recovery(f["churned"].astype(float), f["handling"], reference="poorly handled")
    assert ch.loc["well handled", "ci_high"] < 0


def test_no_paradox_when_truth_has_none():
    f, _ = simulate_service_recovery(6000, handling_effect=0.8, paradox=-0.5, seed=3)
    sub = f[f["handling"] != "poorly handled"].assign(well=f["handling"] == "well handled")
    adj = adjusted_effect(sub, "loyalty", "well", covariates=["satisfaction"])
    assert adj["ci_high"] < 0


def test_handling_groups_on_company(companies):
    c = companies[1]
    g = handling_groups(c.complaints, c.customers["customer_id"], target_days=7)
    assert len(g) == len(c.customers)
    assert (g != "never complained").sum() == c.complaints["customer_id"].nunique()


# ----------------------------------------------------------------------------- bad input


def test_bad_inputs(companies):
    c = companies[1]
    with pytest.raises(DataError, match="treated"):
        contact_outcomes(c.contacts.drop(columns="treated"), c.transactions)
    with pytest.raises(ParameterError, match="window_days"):
        contact_outcomes(c.contacts, c.transactions, window_days=0)
    bad = c.contacts.astype({"treated": object})
    bad.loc[0, "treated"] = "yes"
    with pytest.raises(DataError, match="treated"):
        contact_outcomes(bad, c.transactions)
    with pytest.raises(DataError, match="durations"):
        kaplan_meier([1.0, -2.0], [True, False])
    with pytest.raises(DataError, match="durations"):
        kaplan_meier([], [])
    with pytest.raises(DataError, match="resolved"):
        resolution_summary(c.complaints.drop(columns="resolved"))
    with pytest.raises(ParameterError, match="target_days"):
        resolution_summary(c.complaints, target_days=-1)
    with pytest.raises(ParameterError, match="freq"):
        complaint_rates(c.complaints, c.customers, freq="W")
    with pytest.raises(DataError, match="signup_date"):
        complaint_rates(c.complaints, c.customers.drop(columns="signup_date"))
    with pytest.raises(ParameterError, match="method"):
        adjusted_effect(pd.DataFrame({"y": [1.0], "t": [True], "x": [1.0]}), "y", "t",
                        covariates=["x"], method="magic")
    with pytest.raises(DataError, match="group"):
        difference_in_means([1.0, 2.0, 3.0], [True, True, True])
    with pytest.raises(DataError, match="'y'"):
        naive_effect(pd.DataFrame({"y": [1.0, np.nan, 2, 3], "e": [1, 0, 1, 0]}), "y", "e")
    with pytest.raises(ParameterError, match="reference"):
        service_recovery(pd.Series([1.0, 2.0]), pd.Series(["a", "b"]))
    with pytest.raises(DataError, match="uplift"):
        true_uplift(c.contacts, c.truth.uplift.iloc[:10])
    with pytest.raises(ParameterError, match="n_customers"):
        simulate_service_recovery(10)


def test_active_exposure_removes_drift(companies):
    """Per signed-up customer the rate drifts down (lapsed customers stay in the base);
    per active customer the simulated process is in control."""
    c = companies[1]
    base = complaint_rates(c.complaints, c.customers, freq="M")
    act = complaint_rates(c.complaints, c.customers, freq="M", transactions=c.transactions)
    assert (act["customers"] <= base["customers"]).all()
    assert act["complaints"].equals(base["complaints"])
    assert act["signal"].sum() <= base["signal"].sum()
    assert act["out_of_control"].mean() < 0.1


def test_plots_return_axes(companies, outcomes):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from crm_lab import plots

    c = companies[1]
    co = c.complaints
    axes = [
        plots.effect_plot(_quiet(compare_estimates, outcomes[1], "retained"), truth=0.0),
        plots.complaint_pareto_plot(complaint_pareto(co)),
        plots.complaint_rate_plot(complaint_rates(co, c.customers)),
        plots.resolution_plot({k: kaplan_meier(g["resolution_days"], g["resolved"])
                               for k, g in co.groupby("category")}, target_days=7),
        plots.resolution_plot(kaplan_meier(co["resolution_days"], co["resolved"])),
    ]
    assert all(isinstance(a, matplotlib.axes.Axes) for a in axes)
    plt.close("all")


@pytest.mark.parametrize("seed", [0, 1])
def test_recovery_effects_on_a_company_shaped_complaints_table(seed):
    """The path the company will take once the simulator has service recovery: a complaints
    table (one row per complaint, resolution_days, resolved) -> handling_groups ->
    recovery_effects, recovering the known paradox and handling effect."""
    world, truth = simulate_service_recovery(6000, handling_effect=0.8, paradox=0.3, seed=seed)
    rng = np.random.default_rng(seed)
    comp = world[world["complained"]]
    days = np.where(comp["well_handled"], rng.uniform(0.5, 7.0, len(comp)),
                    rng.uniform(7.5, 30.0, len(comp)))
    still_open = ~comp["well_handled"].to_numpy() & (rng.random(len(comp)) < 0.3)
    complaints = pd.DataFrame({"customer_id": comp.index, "resolution_days": days.round(1),
                               "resolved": ~still_open})
    groups = handling_groups(complaints, world.index, target_days=7)
    assert groups.equals(world["handling"].rename("handling"))
    r = recovery_effects(world["loyalty"], groups, world[["satisfaction"]])
    assert r.loc["paradox", "raw"] < truth["paradox"] - 0.2           # confounded raw view
    for row, key in (("paradox", "paradox"), ("handling", "handling_effect")):
        assert abs(r.loc[row, "effect"] - truth[key]) < 3 * r.loc[row, "se"] + 0.02
    reg = recovery_effects(world["loyalty"], groups, world[["satisfaction"]],
                           method="regression")
    assert abs(reg.loc["handling", "effect"] - truth["handling_effect"]) < 0.15


def test_recovery_effects_bad_input():
    world, _ = simulate_service_recovery(500, seed=0)
    with pytest.raises(DataError, match="index"):
        recovery_effects(world["loyalty"].iloc[1:], world["handling"], world[["satisfaction"]])
    with pytest.raises(DataError, match="handling"):
        recovery_effects(world["loyalty"], world["handling"].replace("well handled", "great"),
                         world[["satisfaction"]])
