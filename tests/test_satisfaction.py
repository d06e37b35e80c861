"""Tests for crm_lab.satisfaction: index model specs, blocks_for, SEM, index, IPMA.

Recovery tests simulate a survey from a standardised latent ACSI model with known paths
(printed below) and check that PLS and covariance-based SEM find them.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _helpers import reference_csv

from crm_lab import satisfaction
from crm_lab.satisfaction import (
    ACSI,
    CCSI,
    CCSI_VARIANT,
    DEFAULT_PREFIXES,
    ECSI,
    ECSI_NO_COMPLAINTS,
    MODELS,
    ImproperSolutionWarning,
    ModelSpec,
    SEMConvergenceWarning,
    blocks_for,
    chi2_difference,
    compare_models,
    fit_indices,
    fit_sem,
    group_difference_test,
    importance_performance,
    index_by_group,
    model_spec,
    outcomes_by_decile,
    path_table,
    pls_pm,
    population_paths,
    recover_paths,
    satisfaction_index,
    score_recovery,
)
from crm_lab.validate import ParameterError

# ----------------------------------------------------------------------------- simulated truth
# Standardised structural model for the ACSI paths (every construct has variance 1).
TRUE_BETA = {
    ("expectations", "quality"): 0.5, ("expectations", "value"): 0.2,
    ("expectations", "satisfaction"): 0.1, ("quality", "value"): 0.5,
    ("quality", "satisfaction"): 0.4, ("value", "satisfaction"): 0.4,
    ("satisfaction", "complaints"): -0.5, ("satisfaction", "loyalty"): 0.5,
    ("complaints", "loyalty"): -0.2,
}


def simulate_acsi(n: int = 1000, seed: int = 0, loading: float = 0.8, n_items: int = 3,
                  likert: bool = False) -> pd.DataFrame:
    """Survey from the latent ACSI model: items = loading * construct + noise (var 1).

    Columns follow the book's convention (``expect_1``, ``complaint_1``, ...). With
    ``likert=True`` items are rounded to the 1-10 answer scale.
    """
    cons = list(ACSI.constructs)  # causal order
    k = len(cons)
    b = np.zeros((k, k))
    for (s, t), beta in TRUE_BETA.items():
        b[cons.index(t), cons.index(s)] = beta
    cov = np.eye(k)  # implied correlations of the latent constructs, row by row
    for j in range(1, k):
        cov[j, :j] = cov[:j, j] = cov[:j, :j] @ b[j, :j]
    rng = np.random.default_rng(seed)
    eta = rng.multivariate_normal(np.zeros(k), cov, size=n)
    cols = {}
    for j, c in enumerate(cons):
        for h in range(1, n_items + 1):
            x = loading * eta[:, j] + np.sqrt(1 - loading**2) * rng.normal(size=n)
            cols[f"{DEFAULT_PREFIXES[c]}_{h}"] = (np.clip(np.round(6.5 + 1.5 * x), 1, 10)
                                                  if likert else x)
    return pd.DataFrame(cols)


@pytest.fixture(scope="module")
def acsi_data() -> pd.DataFrame:
    return simulate_acsi()


@pytest.fixture(scope="module")
def likert_data() -> pd.DataFrame:
    return simulate_acsi(n=600, seed=5, likert=True)


# ----------------------------------------------------------------------------- specifications


def test_acsi_spec_is_fornell_1996():
    assert ACSI.constructs == ("expectations", "quality", "value", "satisfaction",
                               "complaints", "loyalty")
    assert set(ACSI.paths) == set(TRUE_BETA) and len(ACSI.paths) == 9
    assert "Journal of Marketing 60(4)" in ACSI.source
    assert ACSI.exogenous == ("expectations",)


def test_ecsi_specs():
    assert len(ECSI.paths) == 12 and "image" in ECSI.constructs
    plspm_example = {("image", "expectations"), ("image", "satisfaction"), ("image", "loyalty"),
                     ("expectations", "quality"), ("expectations", "value"),
                     ("expectations", "satisfaction"), ("quality", "value"),
                     ("quality", "satisfaction"), ("value", "satisfaction"),
                     ("satisfaction", "loyalty")}
    assert set(ECSI_NO_COMPLAINTS.paths) == plspm_example
    assert "complaints" not in ECSI_NO_COMPLAINTS.constructs
    assert "plspm" in ECSI_NO_COMPLAINTS.source


def test_ccsi_specs():
    assert CCSI.constructs == ("image", "expectations", "quality", "value", "satisfaction",
                               "loyalty")
    assert len(CCSI.paths) == 11 and "complaints" not in CCSI.constructs
    drivers = {s for s, t in CCSI.paths if t == "satisfaction"}
    assert drivers == {"image", "expectations", "quality", "value"}
    assert ("satisfaction", "loyalty") in CCSI.paths
    assert set(CCSI_VARIANT.paths) == set(CCSI.paths) - {("image", "loyalty")}
    assert "清华" in CCSI.source


def test_modelspec_is_frozen_and_validated():
    with pytest.raises(dataclasses.FrozenInstanceError):
        ACSI.name = "x"
    with pytest.raises(ValueError, match="cycle"):
        ModelSpec("bad", ("a", "b"), (("a", "b"), ("b", "a")), source="-")
    with pytest.raises(ValueError, match="'c'"):
        ModelSpec("bad", ("a", "b"), (("a", "c"),), source="-")
    with pytest.raises(ValueError, match="zzz"):
        ACSI.drop("zzz")
    assert list(ACSI.to_frame().columns) == ["source", "target"]


def test_blocks_for_book_convention(likert_data):
    df = likert_data.assign(image_1=5, image_2=6)
    b = blocks_for(ECSI, df)
    assert b["expectations"] == ["expect_1", "expect_2", "expect_3"]
    assert b["complaints"] == ["complaint_1", "complaint_2", "complaint_3"]
    assert b["image"] == ["image_1", "image_2"]
    assert list(b) == list(ECSI.constructs)


def test_blocks_for_orders_by_number_and_custom_prefixes():
    cols = ["sat10", "sat2", "sat1", "satisfied", "qual1", "x"]
    spec = ModelSpec("t", ("quality", "satisfaction"), (("quality", "satisfaction"),), "-")
    b = blocks_for(spec, cols, prefixes={"quality": "qual", "satisfaction": "sat"}, sep="")
    assert b == {"quality": ["qual1"], "satisfaction": ["sat1", "sat2", "sat10"]}


def test_blocks_for_errors(likert_data):
    with pytest.raises(ValueError, match="'image' has no indicators.*image_<number>"):
        blocks_for(ECSI, likert_data)
    with pytest.raises(ValueError, match="prefixes.*loyal"):
        blocks_for(ACSI, likert_data, prefixes={"loyal": "l"})
    with pytest.raises(ValueError, match="ModelSpec"):
        blocks_for("ACSI", likert_data)


# ----------------------------------------------------------------------------- recovery
# PLS tolerance 0.15: with three items loading 0.8, a Mode A composite has reliability
# about 0.84-0.88, so PLS attenuates or redistributes paths by up to ~0.08 even at
# n = infinity (Dijkstra & Henseler 2015), plus ~2 sampling SE (0.035 each at n = 1000).
# SEM is consistent: every path within 3 of its own standard errors (about 0.11); over
# 20 seeds the largest deviation we saw was 2.6 SE (and 0.16 for PLS).


def test_pls_recovers_true_paths(acsi_data):
    res = pls_pm(acsi_data, blocks_for(ACSI, acsi_data), list(ACSI.paths), scale=None)
    truth = pd.Series(TRUE_BETA)[res.path_coefficients.index]
    dev = (res.path_coefficients - truth).abs()
    print("PLS |estimate - truth|:", dev.round(3).to_dict())
    assert dev.max() < 0.15
    assert (np.sign(res.path_coefficients) == np.sign(truth)).all()


def test_sem_recovers_true_paths(acsi_data):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ImproperSolutionWarning)
        res = fit_sem(acsi_data, blocks_for(ACSI, acsi_data), list(ACSI.paths), scale=None)
    truth = pd.Series(TRUE_BETA)[res.path_coefficients.index]
    dev = (res.path_coefficients - truth).abs()
    print("SEM |estimate - truth| / SE:", (dev / res.paths["std_error_std"]).round(2).to_dict())
    assert (dev < 3 * res.paths["std_error_std"]).all()
    assert dev.max() < 0.12
    assert (res.loadings - 0.8).abs().max() < 0.05
    f = res.fit
    assert f["cfi"] > 0.99 and f["rmsea"] < 0.03 and f["srmr"] < 0.03 and f["p_value"] > 0.01
    assert f["df"] == 18 * 19 / 2 - (12 + 18 + 9 + 6)  # loadings, errors, paths, variances
    assert not res.improper and "CFI" in res.summary()
    assert res.r_squared.between(0, 1).all()


def test_sem_timing_acsi_10000_respondents(record_property):
    df = simulate_acsi(n=10_000, seed=11)
    t0 = time.perf_counter()
    res = fit_sem(df, blocks_for(ACSI, df), list(ACSI.paths), scale=None)
    seconds = time.perf_counter() - t0
    record_property("sem_acsi_10000_seconds", round(seconds, 2))
    print(f"SEM (semopy) ACSI fit, 10,000 respondents: {seconds:.2f} s")
    assert not res.improper


def test_sem_heywood_case_warns():
    rng = np.random.default_rng(0)
    r = np.array([[1, .8, .8, .3, .3], [.8, 1, .45, .3, .3], [.8, .45, 1, .3, .3],
                  [.3, .3, .3, 1, .5], [.3, .3, .3, .5, 1]])  # a1 loading^2 = .8*.8/.45 > 1
    df = pd.DataFrame(rng.multivariate_normal(np.zeros(5), r, size=500),
                      columns=["a1", "a2", "a3", "b1", "b2"])
    with pytest.warns(ImproperSolutionWarning, match="a1.*Heywood"):
        res = fit_sem(df, {"A": ["a1", "a2", "a3"], "B": ["b1", "b2"]}, [("A", "B")],
                      scale=None)
    assert res.improper and "IMPROPER" in res.summary()


def test_sem_on_bank_data_is_improper():
    # On the plspm bank survey expectations and quality are almost collinear (PLS path 0.85),
    # and ML-SEM returns standardised paths beyond 1: the warning must say so.
    d = reference_csv("ecsi_bank_satisfaction.csv")
    pre = {"image": "imag", "expectations": "expe", "quality": "qual", "value": "val",
           "satisfaction": "sat", "loyalty": "loy"}
    blocks = blocks_for(ECSI_NO_COMPLAINTS, d, prefixes=pre, sep="")
    with pytest.warns(ImproperSolutionWarning, match="beyond"):
        fit_sem(d, blocks, list(ECSI_NO_COMPLAINTS.paths), scale=(0, 10))


def test_sem_single_item_construct(likert_data):
    blocks = blocks_for(ACSI, likert_data)
    blocks["complaints"] = ["complaint_1"]
    res = fit_sem(likert_data, blocks, list(ACSI.paths))
    assert "complaint_1 ~~ 0*complaint_1" in res.description
    assert res.loadings["complaint_1"] == pytest.approx(1.0)


# ----------------------------------------------------------------------------- index and IPMA


def test_index_formula_bounds_and_groups(likert_data):
    blocks = blocks_for(ACSI, likert_data)
    res = pls_pm(likert_data, blocks, list(ACSI.paths), scaled=False)
    per = satisfaction_index(res, likert_data, per_respondent=True)
    w = res.weights[blocks["satisfaction"]]
    by_hand = (likert_data[blocks["satisfaction"]] @ (w / w.sum()) - 1) / 9 * 100
    assert np.allclose(per["satisfaction"], by_hand)
    means = satisfaction_index(res, likert_data)
    assert np.allclose(means.loc["all", per.columns], per.mean())
    assert int(means.loc["all", "n"]) == len(likert_data)
    top = satisfaction_index(res, likert_data.assign(**dict.fromkeys(likert_data, 10)))
    bottom = satisfaction_index(res, likert_data.assign(**dict.fromkeys(likert_data, 1)))
    assert np.allclose(top.drop(columns="n"), 100) and np.allclose(bottom.drop(columns="n"), 0)
    group = pd.Series(np.where(likert_data.index % 3 == 0, "north", "south"), name="region")
    g = satisfaction_index(res, likert_data, by=group)
    assert list(g.index) == ["all", "north", "south"] and g.index.name == "region"
    weighted = (g.loc[["north", "south"], "loyalty"] * g.loc[["north", "south"], "n"]).sum()
    assert weighted / len(likert_data) == pytest.approx(g.loc["all", "loyalty"])


def test_index_scaled_and_unscaled_weights_agree(likert_data):
    blocks = blocks_for(ACSI, likert_data)
    a = satisfaction_index(pls_pm(likert_data, blocks, list(ACSI.paths), scaled=False),
                           likert_data)
    b = satisfaction_index(pls_pm(likert_data, blocks, list(ACSI.paths), scaled=True),
                           likert_data)
    assert (a - b).drop(columns="n").abs().max().max() < 1.0  # index points


def test_importance_performance(likert_data):
    res = pls_pm(likert_data, blocks_for(ACSI, likert_data), list(ACSI.paths))
    ipm = importance_performance(res, likert_data, target="satisfaction")
    assert set(ipm.index) == {"expectations", "quality", "value"}
    assert list(ipm.columns) == ["importance", "performance", "quadrant"]
    for d in ipm.index:
        assert ipm.loc[d, "importance"] == pytest.approx(res.total_effects[(d, "satisfaction")])
    perf = satisfaction_index(res, likert_data).loc["all"]
    assert np.allclose(ipm["performance"], perf[ipm.index].astype(float))
    order = ["concentrate here", "keep up the good work", "low priority", "possible overkill"]
    ranks = ipm["quadrant"].map(order.index).to_numpy()
    assert (np.diff(ranks) >= 0).all()
    loy = importance_performance(res, likert_data, target="loyalty")
    assert set(loy.index) == {"expectations", "quality", "value", "satisfaction", "complaints"}


# ----------------------------------------------------------------------------- bad input


def test_bad_input_index_and_ipma(likert_data):
    res = pls_pm(likert_data, blocks_for(ACSI, likert_data), list(ACSI.paths))
    with pytest.raises(ValueError, match="PLSResult"):
        satisfaction_index("model", likert_data)
    with pytest.raises(ValueError, match="loyalty_2"):
        satisfaction_index(res, likert_data.drop(columns="loyalty_2"))
    with pytest.raises(ValueError, match="value_1.*outside the scale"):
        satisfaction_index(res, likert_data.assign(value_1=0))
    with pytest.raises(ValueError, match="scale"):
        satisfaction_index(res, likert_data, scale=(10, 1))
    with pytest.raises(ValueError, match="by"):
        satisfaction_index(res, likert_data, by=["a", "b"])
    with pytest.raises(ValueError, match="target.*'loyal'"):
        importance_performance(res, likert_data, target="loyal")
    with pytest.raises(ValueError, match="no construct has an effect on 'expectations'"):
        importance_performance(res, likert_data, target="expectations")


def test_bad_input_sem(likert_data):
    blocks = blocks_for(ACSI, likert_data)
    paths = list(ACSI.paths)
    with pytest.raises(ValueError, match="quality_3.*NaN"):
        fit_sem(likert_data.assign(quality_3=np.nan), blocks, paths)
    with pytest.raises(ValueError, match="expect_1.*numeric"):
        fit_sem(likert_data.assign(expect_1="high"), blocks, paths)
    with pytest.raises(ValueError, match="cycle"):
        fit_sem(likert_data, blocks, [*paths, ("loyalty", "expectations")])
    with pytest.raises(ValueError, match="'trust'"):
        fit_sem(likert_data, blocks, [*paths, ("trust", "loyalty")])
    with pytest.raises(ValueError, match="identifiers"):
        fit_sem(likert_data.rename(columns={"value_1": "value 1"}),
                blocks | {"value": ["value 1", "value_2"]}, paths)


# ----------------------------------------------------------------------------- chapter 3 helpers
# These use the bundled simulated company (seed 0, 5,000 customers, 1,250 respondents), whose
# survey is generated from the twelve ECSI paths in truth.structural["paths"].


@pytest.fixture(scope="module")
def company():
    from crm_lab.datasets import load_company

    return load_company()


@pytest.fixture(scope="module")
def acsi_fits(company):
    survey = company.survey
    blocks = blocks_for(ACSI, survey)
    pls = pls_pm(survey, blocks, list(ACSI.paths), n_bootstrap=100, seed=0)
    sem = fit_sem(survey, blocks, list(ACSI.paths))
    return pls, sem


def test_model_spec_lookup():
    assert model_spec("acsi") is ACSI and model_spec("CCSI") is CCSI
    assert model_spec("ecsi") is ECSI and model_spec(CCSI_VARIANT) is CCSI_VARIANT
    assert set(MODELS) >= {"acsi", "ccsi", "ecsi"}
    with pytest.raises(ValueError, match="parameter 'model'.*'acsi'"):
        model_spec("xyz")
    with pytest.raises(ValueError, match="parameter 'model'"):
        model_spec(3)


def test_population_paths_match_the_simulator(company):
    s = company.truth.structural
    acsi = population_paths(company.truth, ACSI)
    stored = {tuple(TRUTH_LATENTS_INV[n] for n in k.split("->")): v
              for k, v in s["population_paths"]["acsi"].items()}
    assert acsi.to_dict() == pytest.approx(stored, abs=1e-9)
    # the generating model is the ECSI: its population paths are the truth itself
    ecsi = population_paths(s, "ecsi")
    gen = {tuple(TRUTH_LATENTS_INV[n] for n in k.split("->")): v for k, v in s["paths"].items()}
    assert ecsi.to_dict() == pytest.approx(gen, abs=1e-9)
    # omitting image biases expectations -> satisfaction in the ACSI (0.05 -> 0.15)
    assert acsi[("expectations", "satisfaction")] == pytest.approx(0.15, abs=1e-9)
    # CCSI: image -> quality is not a true path and quality depends on expectations only
    assert population_paths(company.truth, CCSI)[("image", "quality")] == pytest.approx(0, abs=1e-9)
    with pytest.raises(ValueError, match="truth"):
        population_paths(None, ACSI)


TRUTH_LATENTS_INV = {v: k for k, v in DEFAULT_PREFIXES.items()}


def test_recover_paths_and_scores(company, acsi_fits):
    pls, sem = acsi_fits
    tab = recover_paths({"pls": pls.path_coefficients, "sem": sem.path_coefficients},
                        company.truth, "acsi", data=company.survey)
    assert list(tab.columns) == ["truth", "population", "latent_sample", "pls", "sem",
                                 "diff_pls", "diff_sem"]
    assert list(tab.index) == list(ACSI.paths)
    assert np.allclose(tab["diff_pls"], tab["pls"] - tab["population"])
    assert tab.loc[("expectations", "satisfaction"), "truth"] == 0.05
    # Recovery: ML-SEM is consistent, so it tracks what a perfectly measured survey of the
    # same respondents gives (largest gap 0.02 here; 0.05 allows ~2.5 SE of the difference).
    # PLS composites are attenuated by measurement error (reliability ~0.87), so its strong
    # paths come out low, up to ~0.10 (Dijkstra & Henseler 2015).
    assert (tab["sem"] - tab["latent_sample"]).abs().max() < 0.05
    assert (tab["pls"] - tab["latent_sample"]).abs().max() < 0.15
    strong = tab["latent_sample"].abs() > 0.4
    assert (tab.loc[strong, "pls"].abs() < tab.loc[strong, "latent_sample"].abs()).all()
    # sampling error of 1,250 respondents: the latent regression within 0.1 of the population
    assert (tab["latent_sample"] - tab["population"]).abs().max() < 0.1
    # CCSI has a path the simulator does not: its truth is 0
    ccsi = recover_paths({"x": pd.Series(0.0, index=pd.MultiIndex.from_tuples(CCSI.paths))},
                         company.truth, CCSI)
    assert ccsi.loc[("image", "quality"), "truth"] == 0.0 and "latent_sample" not in ccsi
    r = score_recovery(pls, company.survey, company.truth)
    assert list(r.index) == list(ACSI.constructs) and r.between(0.8, 1).all()


def test_recover_paths_bad_input(company, acsi_fits):
    pls, _ = acsi_fits
    est = {"pls": pls.path_coefficients}
    with pytest.raises(ValueError, match="truth.*None for real data"):
        recover_paths(est, None, ACSI)
    with pytest.raises(ValueError, match="estimates\\['pls'\\].*image"):
        recover_paths(est, company.truth, ECSI)
    with pytest.raises(ValueError, match="estimates"):
        recover_paths({}, company.truth, ACSI)
    with pytest.raises(ValueError, match="customer_id"):
        recover_paths(est, company.truth, ACSI, data=company.survey.drop(columns="customer_id"))
    with pytest.raises(ValueError, match="not customers"):
        recover_paths(est, company.truth, ACSI,
                      data=company.survey.assign(customer_id=company.survey["customer_id"] + 10**6))
    with pytest.raises(ValueError, match="fitted to"):
        score_recovery(pls, company.survey.iloc[:100], company.truth)


def test_path_table(acsi_fits):
    pls, sem = acsi_fits
    both = path_table(pls, sem)
    assert list(both.columns) == ["pls", "pls_ci_low", "pls_ci_high", "sem", "sem_ci_low",
                                  "sem_ci_high", "sem_p_value", "sem_improper", "sem_minus_pls"]
    assert not both["sem_improper"].any()
    assert (both["pls_ci_low"] <= both["pls"]).all() and (both["pls"] <= both["pls_ci_high"]).all()
    half = (both["sem_ci_high"] - both["sem_ci_low"]) / 2
    assert np.allclose(half, 1.959964 * sem.paths["std_error_std"], rtol=1e-5)
    assert np.allclose(both["sem_minus_pls"], both["sem"] - both["pls"])
    assert list(path_table(sem=sem).columns)[0] == "sem"
    no_boot = pls_pm(pls._items, pls.blocks, pls.paths)
    assert list(path_table(no_boot).columns) == ["pls"]
    with pytest.raises(ValueError, match="PLSResult"):
        path_table()
    with pytest.raises(ValueError, match="sem"):
        path_table(pls, "sem")
    other = pls_pm(pls._items, pls.blocks, list(ACSI.paths)[:-1])
    with pytest.raises(ValueError, match="different paths"):
        path_table(other, sem)


def test_compare_models_and_chi2_difference(company):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cmp = compare_models(company.survey)
    t = cmp.table
    assert list(t.index) == ["ACSI", "ECSI", "CCSI", "CCSI (no image -> loyalty)"]
    assert t.loc["ACSI", "n_items"] == 17 and t.loc["CCSI", "n_paths"] == 11
    assert t.loc["ECSI", "df"] == 20 * 21 // 2 - (20 - 7 + 20 + 12 + 1 + 6)
    # the ECSI is the generating model: it fits (RMSEA well under 0.05, CFI above 0.99)
    assert t.loc["ECSI", "rmsea"] < 0.03 and t.loc["ECSI", "cfi"] > 0.99
    assert t[["pls_r2_satisfaction", "sem_r2_loyalty"]].stack().between(0, 1).all()
    assert not t["improper"].any()
    # dropping the true image -> loyalty path (beta 0.2) is rejected
    test = chi2_difference(cmp.sem[CCSI_VARIANT.name], cmp.sem[CCSI.name])
    assert test["delta_df"] == 1 and test["p_value"] < 0.001
    assert test["delta_chi2"] == pytest.approx(
        t.loc[CCSI_VARIANT.name, "chi2"] - t.loc["CCSI", "chi2"])
    with pytest.raises(ValueError, match="not nested"):
        chi2_difference(cmp.sem["ACSI"], cmp.sem["CCSI"])
    with pytest.raises(ValueError, match="swap"):
        chi2_difference(cmp.sem["CCSI"], cmp.sem[CCSI_VARIANT.name])
    with pytest.raises(ValueError, match="SEMResult"):
        chi2_difference(cmp.pls["CCSI"], cmp.sem["CCSI"])


def test_compare_models_skips_models_without_items(company):
    survey = company.survey.drop(columns=["image_1", "image_2", "image_3"])
    with pytest.warns(UserWarning, match="CCSI skipped.*'image'"):
        cmp = compare_models(survey, ["acsi", "ccsi"])
    assert list(cmp.table.index) == ["ACSI"] and "CCSI" in cmp.skipped
    with pytest.raises(ValueError, match="no model could be fitted"), \
            pytest.warns(UserWarning):
        compare_models(survey, ["ccsi"])
    with pytest.raises(ValueError, match="parameter 'model'"):
        compare_models(survey, ["acsi", "xcsi"])


def test_index_by_group_and_difference_test(company, acsi_fits):
    pls, _ = acsi_fits
    survey = company.survey.merge(company.customers[["customer_id", "region"]],
                                  on="customer_id", how="left")
    region = survey["region"]
    g = index_by_group(pls, survey, "region")
    assert g.equals(index_by_group(pls, survey, region))
    assert g.index[0] == "all" and g.index.name == "region"
    assert g.loc["all", "index"] == pytest.approx(
        satisfaction_index(pls, survey).loc["all", "satisfaction"])
    assert g["n"].iloc[1:].sum() == len(survey)
    per = satisfaction_index(pls, survey, per_respondent=True)["satisfaction"]
    east = per[(region == "East").to_numpy()]
    assert g.loc["East", "se"] == pytest.approx(east.std() / np.sqrt(len(east)))
    assert (g["ci_low"] < g["index"]).all() and (g["index"] < g["ci_high"]).all()
    # the simulator draws satisfaction independently of region
    t = group_difference_test(pls, survey, "region")
    assert t["df_between"] == 4 and t["df_within"] == len(survey) - 5
    assert t["p_value"] > 0.01 and 0 <= t["eta_squared"] < 0.02
    # a planted difference of +2 answer points in one half is found
    half = (survey["customer_id"] % 2 == 0).to_numpy()
    items = blocks_for(ACSI, survey)["satisfaction"]
    shifted = survey.copy()
    shifted.loc[half, items] = np.clip(shifted.loc[half, items] + 2, 1, 10)
    assert group_difference_test(pls, shifted, half)["p_value"] < 1e-6
    with pytest.raises(ValueError, match="construct.*'image'"):
        index_by_group(pls, survey, region, construct="image")
    with pytest.raises(ValueError, match="by"):
        index_by_group(pls, survey, region.iloc[:10])
    with pytest.raises(ValueError, match="missing labels"):
        index_by_group(pls, survey, region.where(region != "East"))
    with pytest.raises(ValueError, match="'segment'.*merge"):
        index_by_group(pls, survey, "segment")
    with pytest.raises(ValueError, match="single group"):
        group_difference_test(pls, survey, np.zeros(len(survey)))


def test_outcomes_by_decile():
    s = pd.Series([1, 1, 1, 1, 2, 3, 4, 5, 6, 7], name="satisfaction")
    out = outcomes_by_decile(s, {"loyal": s * 10}, n_bins=5)
    assert out.index.name == "bin" and list(out.columns) == ["n", "satisfaction", "loyal"]
    assert out["n"].sum() == 10
    # the four tied 1s share a bin, and no bin mixes them with higher scores
    assert out["satisfaction"].iloc[0] == 1 and out["n"].iloc[0] == 4
    assert out["satisfaction"].is_monotonic_increasing
    single = outcomes_by_decile(s, pd.Series(s * 2, name="y"), n_bins=2)
    assert "y" in single
    with pytest.raises(ValueError, match="'loyal'.*9 values"):
        outcomes_by_decile(s, {"loyal": s.iloc[:9]})
    with pytest.raises(ValueError, match="missing"):
        outcomes_by_decile(s, {"loyal": s.where(s > 1)})
    with pytest.raises(ValueError, match="n_bins"):
        outcomes_by_decile(s, {"loyal": s}, n_bins=11)
    with pytest.raises(ValueError, match="n_bins"):
        outcomes_by_decile(s, {"loyal": s}, n_bins=1.5)


# ----------------------------------------------------------------------------- lavaan known answers
# R lavaan 0.6.14 (sem() defaults: ML, likelihood "normal", expected information), fitted by
# tests/fixtures/make_lavaan_fixtures.R to the same models; the tests read its CSV output and
# never run R. Tolerance 1e-4 on standardised estimates, R², chi-square and fit indices, and on
# the standard errors relative to their size.
FIXTURES = Path(__file__).parent / "fixtures"
BANK_PREFIXES = {"image": "imag", "expectations": "expe", "quality": "qual", "value": "val",
                 "satisfaction": "sat", "loyalty": "loy"}
LAVAAN_FIT = {"chi2": "chisq", "df": "df", "cfi": "cfi", "tli": "tli", "rmsea": "rmsea",
              "srmr": "srmr"}


def _lavaan(name: str) -> tuple[pd.DataFrame, pd.Series]:
    est = pd.read_csv(FIXTURES / f"lavaan_{name}_estimates.csv")
    fit = pd.read_csv(FIXTURES / f"lavaan_{name}_fit.csv").set_index("measure")["value"]
    return est, fit


def _bank_sem_inputs():
    d = reference_csv("ecsi_bank_satisfaction.csv")
    return d, blocks_for(ECSI_NO_COMPLAINTS, d, prefixes=BANK_PREFIXES, sep="")


def _assert_matches_lavaan(res, name: str, record_property) -> None:
    est, fit = _lavaan(name)
    reg = est[est["op"] == "~"].set_index(["rhs", "lhs"]).loc[res.paths.index]
    load = est[est["op"] == "=~"].set_index("rhs").loc[res.measurement.index]
    r2 = fit[fit.index.str.startswith("r2:")].rename(lambda s: s[3:])[res.r_squared.index]
    dev = {
        "std_paths": float((res.paths["std_estimate"] - reg["est_std"]).abs().max()),
        "std_loadings": float((res.loadings - load["est_std"]).abs().max()),
        "r_squared": float((res.r_squared - r2).abs().max()),
        "fit": float(max(abs(res.fit[k] - fit[v]) for k, v in LAVAAN_FIT.items())),
        "rel_se": float(((res.paths["std_error"] - reg["se"]) / reg["se"]).abs().max()),
        "rel_se_std": float(max(
            ((res.paths["std_error_std"] - reg["se_std"]) / reg["se_std"]).abs().max(),
            ((res.measurement["std_error_std"] - load["se_std"]) / load["se_std"]).abs().max())),
    }
    record_property(f"max_abs_deviation_vs_lavaan_{name}", dev)
    print(f"max |ours - lavaan| ({name}):", {k: f"{v:.1e}" for k, v in dev.items()})
    assert max(dev.values()) < 1e-4
    assert res.fit["n"] == fit["ntotal"] and res.fit["df"] == fit["df"]
    assert res.convergence["verified"] and res.optimizer == "BFGS + Fisher scoring"


def test_sem_company_acsi_matches_lavaan(company, acsi_fits, record_property):
    _, sem = acsi_fits
    _assert_matches_lavaan(sem, "company_acsi", record_property)
    assert not sem.improper


def test_sem_bank_ecsi_matches_lavaan(record_property):
    # The near-collinear bank survey: semopy's SLSQP alone stops at chi2 = 1165.72 with
    # quality -> satisfaction at 1.277 (lavaan: 1165.69, 0.792); the default reaches lavaan.
    d, blocks = _bank_sem_inputs()
    with pytest.warns(ImproperSolutionWarning, match="beyond"):
        res = fit_sem(d, blocks, list(ECSI_NO_COMPLAINTS.paths), scale=(0, 10))
    _assert_matches_lavaan(res, "bank_ecsi", record_property)
    assert res.fit["chi2"] == pytest.approx(1165.691338, abs=1e-4)
    assert res.fit["rmsea"] == pytest.approx(0.104161, abs=1e-6)  # lavaan, not 0.104370
    assert res.convergence["max_abs_gradient"] < 1e-8
    # the solution is improper (standardised paths into value beyond ±1) and says so
    assert any("beyond" in m for m in res.improper)
    tab = path_table(sem=res)
    assert tab["sem_improper"].all()


def test_sem_unverified_optimum_warns_and_second_optimiser_recovers(record_property):
    d, blocks = _bank_sem_inputs()
    paths = list(ECSI_NO_COMPLAINTS.paths)
    est, fit = _lavaan("bank_ecsi")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImproperSolutionWarning)
        # SLSQP alone fails the gradient check; BFGS from its end point is run and kept
        res = fit_sem(d, blocks, paths, scale=(0, 10), solver="SLSQP", polish=False)
    assert res.optimizer == "SLSQP -> BFGS (kept BFGS)"
    assert list(res.convergence["attempts"]) == ["SLSQP", "BFGS"]
    slsqp, bfgs = res.convergence["attempts"].values()
    assert (slsqp - bfgs) * res.fit["n"] == pytest.approx(0.03, abs=0.005)  # chi-square units
    assert res.convergence["verified"]
    assert res.fit["chi2"] == pytest.approx(fit["chisq"], abs=1e-4)
    # nothing reaches a gradient of 1e-12 without polishing: the named warning, on the record
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="improper SEM solution")
        with pytest.warns(SEMConvergenceWarning, match="no verified optimum"):
            bad = fit_sem(d, blocks, paths, scale=(0, 10), solver="SLSQP", polish=False,
                          gtol=1e-12)
    assert not bad.convergence["verified"] and bad.improper
    assert "verified optimum: False" in bad.summary()
    assert issubclass(SEMConvergenceWarning, ImproperSolutionWarning)


def test_fit_indices_follow_lavaan_definitions():
    # chi2 = N F_ML; RMSEA = sqrt(max(chi2 - df, 0) / (df N)) (lavaan, likelihood "normal")
    _, fit = _lavaan("bank_ecsi")
    n, chi2, df = fit["ntotal"], fit["chisq"], fit["df"]
    assert fit["rmsea"] == pytest.approx(np.sqrt((chi2 - df) / (df * n)), abs=1e-12)
    assert fit["chisq"] == pytest.approx(n * 2 * fit["fmin"], rel=1e-10)  # lavaan fmin = F/2
    s = np.array([[2.0, 0.8, 0.6], [0.8, 1.5, 0.4], [0.6, 0.4, 1.0]])
    indep = fit_indices(s, np.diag(np.diag(s)), n=100, df=3)
    assert indep["cfi"] == pytest.approx(0.0) and indep["chi2"] == pytest.approx(
        indep["chi2_baseline"])
    assert fit_indices(s, s, n=100, df=0)["srmr"] == 0.0


def test_bad_input_sem_options(likert_data):
    blocks = blocks_for(ACSI, likert_data)
    with pytest.raises(ValueError, match="solver"):
        fit_sem(likert_data, blocks, list(ACSI.paths), solver="newton")
    with pytest.raises(ValueError, match="quality_3.*NaN.*value_1.*NaN"):
        fit_sem(likert_data.assign(quality_3=np.nan, value_1=np.nan), blocks, list(ACSI.paths))
    with pytest.raises(ValueError, match=r"\['loyalty_2'\].*same answer"):
        fit_sem(likert_data.assign(loyalty_2=5), blocks, list(ACSI.paths))


# ----------------------------------------------------------------------------- the index scale


def test_index_uses_the_scale_stored_on_the_fit():
    # The plspm bank survey is answered 0-10; its 215 respondents without any 0 pass a 1-10
    # check too, and an index on 1-10 would read 67.70 instead of 70.93, without a warning.
    d, blocks = _bank_sem_inputs()
    items = [i for its in blocks.values() for i in its]
    zero_free = d[(d[items] > 0).all(axis=1)]
    assert len(zero_free) == 215
    res = pls_pm(zero_free, blocks, list(ECSI_NO_COMPLAINTS.paths), scale=(0, 10))
    idx = satisfaction_index(res, zero_free)
    assert idx.loc["all", "satisfaction"] == pytest.approx(70.93, abs=0.005)
    assert satisfaction_index(res, zero_free, scale=(0, 10)).equals(idx)
    with pytest.raises(ValueError, match=r"'scale' = \(1, 10\) contradicts.*\(0, 10\)"):
        satisfaction_index(res, zero_free, scale=(1, 10))
    ipm = importance_performance(res, zero_free)
    assert ipm.loc["quality", "performance"] == pytest.approx(idx.loc["all", "quality"])
    with pytest.raises(ValueError, match="contradicts"):
        importance_performance(res, zero_free, scale=(1, 10))
    by = zero_free["gender"]
    g = index_by_group(res, zero_free, by)
    assert g.loc["all", "index"] == pytest.approx(70.93, abs=0.005)
    with pytest.raises(ValueError, match="contradicts"):
        index_by_group(res, zero_free, by, scale=(1, 10))
    with pytest.raises(ValueError, match="contradicts"):
        group_difference_test(res, zero_free, by, scale=(1, 10))
    assert group_difference_test(res, zero_free, by)["df_between"] == 1


def test_index_without_a_stored_scale_needs_one(likert_data):
    blocks = blocks_for(ACSI, likert_data)
    res = pls_pm(likert_data, blocks, list(ACSI.paths), scale=None)
    with pytest.raises(ValueError, match="scale=None.*pass scale=\\(low, high\\)"):
        satisfaction_index(res, likert_data)
    fitted = pls_pm(likert_data, blocks, list(ACSI.paths))
    assert satisfaction_index(res, likert_data, scale=(1, 10)).equals(
        satisfaction_index(fitted, likert_data))


# ----------------------------------------------------------------------------- prefixes and sep


def test_compare_models_takes_sep_and_prefixes_of_some_models():
    d, _ = _bank_sem_inputs()
    with pytest.warns(UserWarning, match="ACSI skipped.*'complaints'") as rec:
        cmp = compare_models(d, ["ecsi_no_complaints", "acsi"], prefixes=BANK_PREFIXES,
                             sep="", scale=(0, 10))
    assert list(cmp.table.index) == ["ECSI (no complaints)"]
    skipped = cmp.skipped["ACSI"]
    assert "sep=''" not in skipped and "prefixes={'complaints'" in skipped
    assert not any("sep=''" in str(w.message) for w in rec)
    row = cmp.table.loc["ECSI (no complaints)"]
    assert bool(row["improper"]) and bool(row["sem_verified"])
    assert row["chi2"] == pytest.approx(_lavaan("bank_ecsi")[1]["chisq"], abs=1e-4)
    with pytest.raises(ValueError, match="'loyality'.*none of the models"):
        compare_models(d, ["ecsi_no_complaints"], prefixes={"loyality": "loy"}, sep="")


def test_blocks_for_suggests_sep_only_when_it_works():
    d, _ = _bank_sem_inputs()
    with pytest.raises(ValueError, match="pass sep=''") as err:
        blocks_for(ECSI_NO_COMPLAINTS, d, prefixes=BANK_PREFIXES)
    assert "'imag1'" in str(err.value) or "imag1" in str(err.value)
    with pytest.raises(ValueError, match="prefixes=\\{'complaints'") as err:
        blocks_for(ECSI, d, prefixes=BANK_PREFIXES, sep="")
    assert "sep=''" not in str(err.value).split("How to fix")[1]
    with pytest.raises(ValueError, match="pass sep='_'"):
        blocks_for(ACSI, ["expect_1", "quality_1", "value_1", "satisfaction_1",
                          "complaint_1", "loyalty_1"], sep="")


def test_blocks_for_single_item_block_and_no_separator():
    # The ECSI mobile-phone survey (semPLS's mobi) names its items IMAG1..5, ..., and its one
    # complaints item CUSCO: the mapping reads it as is, without renaming.
    cols = ["IMAG1", "IMAG2", "CUEX1", "PERQ1", "PERV1", "CUSA1", "CUSCO", "CUSL1", "CUSL2"]
    prefixes = {"image": "IMAG", "expectations": "CUEX", "quality": "PERQ", "value": "PERV",
                "satisfaction": "CUSA", "complaints": "CUSCO", "loyalty": "CUSL"}
    for sep in ("", None):
        blocks = satisfaction.blocks_for(satisfaction.ECSI, cols, prefixes=prefixes, sep=sep)
        assert blocks["complaints"] == ["CUSCO"] and blocks["loyalty"] == ["CUSL1", "CUSL2"]
    with pytest.raises(ParameterError, match="'sep'"):
        satisfaction.blocks_for(satisfaction.ECSI, cols, prefixes=prefixes, sep=1)


def test_check_scale():
    assert satisfaction.check_scale([0, 10]) == (0, 10)
    for bad in ([10, 1], "1-10", [1], [1, "10"]):
        with pytest.raises(ParameterError, match="parameter 'scale'"):
            satisfaction.check_scale(bad)
