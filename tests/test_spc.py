"""Control charts: known answers from Montgomery, runs, bad input."""

import numpy as np
import pandas as pd
import pytest

from crm_lab.spc import p_chart, u_chart
from crm_lab.validate import DataError, ParameterError


def test_p_chart_montgomery_example_7_1():
    # Montgomery (2013), Introduction to Statistical Quality Control, 7th ed., Example 7.1:
    # 30 samples of n = 50 cans, 347 nonconforming: p-bar 0.2313, UCL 0.4102, LCL 0.0524.
    counts = np.full(30, 11)
    counts[:17] += 1  # 17 x 12 + 13 x 11 = 347
    chart = p_chart(counts, np.full(30, 50))
    assert counts.sum() == 347
    assert chart["center"].iloc[0] == pytest.approx(0.2313, abs=5e-5)
    assert chart["ucl"].iloc[0] == pytest.approx(0.4102, abs=5e-5)
    assert chart["lcl"].iloc[0] == pytest.approx(0.0524, abs=5e-5)


def test_u_chart_montgomery_example_7_6():
    # Montgomery (2013), Example 7.6: 20 samples of 5 computers, 193 nonconformities:
    # u-bar 1.93, UCL 3.79, LCL 0.07.
    counts = np.full(20, 9.65 * 1.0)
    chart = u_chart(counts, np.full(20, 5))
    assert chart["center"].iloc[0] == pytest.approx(1.93)
    assert chart["ucl"].iloc[0] == pytest.approx(3.79, abs=5e-3)
    assert chart["lcl"].iloc[0] == pytest.approx(0.07, abs=5e-3)


def test_limits_follow_exposure_and_clip():
    chart = u_chart([1, 2, 30], [10, 1000, 1000], per=1000)
    assert chart["ucl"].iloc[0] > chart["ucl"].iloc[1]  # small exposure, wide limits
    assert (chart["lcl"] >= 0).all()
    p = p_chart([0, 1, 9], [10, 10, 10])
    assert (p["lcl"] >= 0).all() and (p["ucl"] <= 1).all()


def test_baseline_sets_the_centre_and_runs_are_flagged():
    idx = pd.period_range("2024-01", periods=12, freq="M")
    events = pd.Series([10] * 4 + [14] * 8, index=idx)
    chart = p_chart(events, pd.Series(1000, index=idx), baseline=idx[:4])
    assert chart["center"].iloc[0] == pytest.approx(0.010)
    assert chart["run"].tolist() == [False] * 4 + [True] * 8
    assert chart.index.equals(idx)


@pytest.mark.parametrize("events, trials, words", [
    ([], [], "empty"),
    ([1, np.nan], [10, 10], "events"),
    ([1, -1], [10, 10], "negative"),
    ([1, 2], [10, 0], "zero exposure"),
    ([11, 2], [10, 10], "more events"),
    ([1, 2], [10, 10, 10], "same periods"),
])
def test_bad_input(events, trials, words):
    with pytest.raises(DataError, match=words):
        p_chart(events, trials)


def test_bad_parameters():
    with pytest.raises(ParameterError, match="run_length"):
        u_chart([1, 2], [10, 10], run_length=1)
    with pytest.raises(DataError, match="baseline"):
        u_chart([1, 2], [10, 10], baseline=[False, False])
