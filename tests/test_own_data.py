"""A reader's own data end to end: CDNOW re-exported with other column names and European
(day/month/year) dates runs through chapters 01, 02 and 04 from the command line with a
column mapping and gives the same key numbers as the bundled CDNOW log. And each case that
used to pass silently or fail under an internal name is now reported under the reader's name.

One generated file is shared by the module; each chapter runs once (chapter 02 with a short
``k_range``: the numbers compared do not depend on it).
"""

import warnings

import nbformat
import pandas as pd
import pytest

from crm_lab import clv, datasets
from crm_lab.cli import ROOT, main
from crm_lab.customers import inject_quality_problems
from crm_lab.validate import DataError

NOTEBOOKS = ROOT / "notebooks"
MAPPING = ["--columns", "cust,order_date,revenue", "--dayfirst"]


@pytest.fixture(scope="module")
def eu_csv(tmp_path_factory):
    """CDNOW's master log as another system would export it: own names, dd/mm/yyyy dates."""
    tx = datasets.load_cdnow().rename(
        columns={"customer_id": "cust", "date": "order_date", "amount": "revenue"})
    path = tmp_path_factory.mktemp("own_data") / "cdnow_eu.csv"
    tx.to_csv(path, date_format="%d/%m/%Y", index=False)
    return path


def _run(chapter, tmp_path, *args):
    out = tmp_path / f"{chapter}.ipynb"
    code = main(["run", str(NOTEBOOKS / f"{chapter}.ipynb"), "--out", str(out), *args])
    return code, (nbformat.read(out, as_version=4) if out.exists() else None)


def _texts(nb) -> list[str]:
    """Every code cell's printed and displayed text, one string per cell."""
    return ["".join(o.get("text", "") or o.get("data", {}).get("text/plain", "")
                    for o in c.get("outputs", [])) for c in nb.cells if c.cell_type == "code"]


def _with(texts, words):
    return next(t for t in texts if words in t)


def test_dd_mm_file_is_refused_with_the_fix(eu_csv):
    with pytest.raises(DataError) as err:
        datasets.load_transactions(eu_csv, customer_id="cust", date="order_date",
                                   amount="revenue")
    msg = str(err.value)
    assert "could be day/month/year" in msg and "looks day-first" in msg
    assert "dayfirst=True" in msg and "date_format='%d/%m/%Y'" in msg


def test_chapter_01_with_own_names_and_dates(eu_csv, tmp_path):
    code, nb = _run("01_customer_data", tmp_path, "-p", "data", str(eu_csv), *MAPPING)
    assert code == 0
    texts = _texts(nb)
    own = _with(texts, "cdnow_eu.csv: the top 20% of")
    ref = _with(texts, "CDNOW: the top 20% of")
    assert own.split(": ", 1)[1] == ref.split(": ", 1)[1]
    assert "23,570 customers bring 67.8% of revenue" in own  # the data card's figure
    assert "255 rows repeat an earlier row exactly (kept" in _with(texts, "BookData(")


def test_chapter_02_with_own_names_and_dates(eu_csv, tmp_path):
    code, nb = _run("02_segmentation", tmp_path, "-p", "data", str(eu_csv), "-p", "k_range",
                    "[2, 3]", "-p", "k", "3", *MAPPING)
    assert code == 0
    texts = _texts(nb)
    shares = _with(texts, "Gini").splitlines()
    assert shares[0].split(":")[1] == shares[1].split(":")[1]  # own file vs bundled CDNOW
    assert "top 20% bring 67.8% of revenue; Gini 0.635" in shares[0]
    abc = [t for t in texts if "abc_class" in t]
    assert len(abc) == 2 and abc[0] == abc[1]


def test_chapter_04_with_own_names_and_dates(eu_csv, tmp_path):
    code, nb = _run("04_loyalty_clv", tmp_path, "-p", "data", str(eu_csv), *MAPPING)
    assert code == 0
    texts = _texts(nb)
    # calibration_weeks=None: half of CDNOW's 78 weeks, the split Fader, Hardie & Lee use
    fit_cell = _with(texts, "calibration 1997")  # prints the period, shows both fits
    assert "calibration 1997-01-01 to 1997-09-30; 23,570 customers" in fit_cell
    fitted = {}
    for line in fit_cell.splitlines():
        parts = line.split()
        if parts and parts[0] in ("r", "alpha", "a", "b", "p", "q", "v"):
            fitted[parts[0]] = float(parts[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summary = clv.customer_summary(datasets.load_cdnow(), freq="D", freq_multiplier=7,
                                       calibration_end="1997-09-30")
    spenders = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    expected = pd.concat([clv.BetaGeo().fit(summary).params_,
                          clv.GammaGamma().fit(spenders).params_])
    assert fitted.keys() == set(expected.index)
    for name, value in expected.items():
        # the chapter shows four significant figures (plots.book_float)
        assert fitted[name] == pytest.approx(value, rel=5e-4, abs=1e-3), name


# ----------------------------------------------------------------------------- knobs, public names


def test_unknown_parameter_fails_before_execution_naming_seed(tmp_path, capsys):
    code, nb = _run("01_customer_data", tmp_path, "-p", "sed", "3")
    assert code == 2 and nb is None
    assert "did you mean 'seed'?" in capsys.readouterr().err


@pytest.mark.parametrize("chapter, args, words", [
    ("01_customer_data", ["-p", "problem_rate", "0.5"], "parameter 'problem_rate' must be <= 0.2"),
    ("02_segmentation", ["-p", "abc_cuts", "[0.95, 0.8]"],
     "parameter 'abc_cuts' must be strictly increasing"),
    ("04_loyalty_clv", ["-p", "calibration_weeks", "200"], "parameter 'calibration_weeks'"),
])
def test_chapter_knobs_fail_at_the_load_cell_under_their_public_names(chapter, args, words,
                                                                      tmp_path, capsys):
    code, nb = _run(chapter, tmp_path, *args)
    err = capsys.readouterr().err
    assert code == 1 and words in err
    assert "The failing cell:" in err and "Traceback" not in err


def test_problem_rate_zero_plants_no_problems():
    company = datasets.load_company()
    tables, planted = inject_quality_problems(company, seed=0, rate=0)
    assert planted.empty and list(planted.columns)[:4] == ["table", "column", "issue", "n_rows"]
    pd.testing.assert_frame_equal(tables["transactions"], company.transactions)


# ----------------------------------------------------------------------------- degenerate fits


def test_degenerate_gamma_gamma_fit_warns():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summary = clv.customer_summary(datasets.load_cdnow_sample(), freq="D",
                                       freq_multiplier=7, calibration_end="1997-09-30",
                                       observation_end="1998-06-30")
    repeat = summary[summary["frequency"] > 0]
    # 100 of the sample's repeat buyers: p runs off to about 4e6 with a standard error 5x it
    with pytest.warns(RuntimeWarning, match=r"GammaGamma: degenerate fit on 100 customers: "
                                            r"p = [0-9.]+e\+06"):
        clv.GammaGamma().fit(repeat.sample(100, random_state=1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clv.GammaGamma().fit(repeat)           # the published fit is well determined
        clv.BetaGeo().fit(summary)
        clv.GammaGamma(penalizer=0.001).fit(repeat.sample(100, random_state=1))
