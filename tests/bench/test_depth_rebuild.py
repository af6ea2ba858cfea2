"""The rebuild figure (bench/depth_rebuild.py) is the median round's, each round's ratio taken
within the round: a round with a fast load and another with a slow rebuild do not combine."""

from __future__ import annotations

import pytest

from bench.depth_rebuild import rebuild_figure


def test_the_figure_is_the_round_of_the_median_ratio() -> None:
    rounds = [(30.0, 36.0), (26.0, 41.6), (29.0, 37.7)]  # ratios 1.2, 1.6, 1.3

    figure = rebuild_figure(100_000, rounds)

    assert figure.ratio == pytest.approx(1.3)
    assert figure.summary == "37.7 s vs 29.0 s (the median of 3 rounds)"
    assert figure.detail["ratios"] == [1.2, 1.6, 1.3]
    assert figure.detail["rounds"][1] == {"load_s": 26.0, "rebuild_s": 41.6}
    # Not the ratio of each side's median (44.0 / 30.0 here), which pairs sides of two rounds:
    paired = rebuild_figure(10, [(20.0, 30.0), (30.0, 60.0), (40.0, 44.0)])  # 1.5, 2.0, 1.1
    assert paired.ratio == pytest.approx(1.5)


def test_one_round_is_its_own_figure() -> None:
    figure = rebuild_figure(2_000, [(2.0, 3.0)])

    assert figure.ratio == pytest.approx(1.5)
    assert figure.title == "gql derive rebuild of 2,000 readings vs gql load of them"
