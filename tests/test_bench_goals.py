"""The scaling goal of `python -m bench` (bench/run.py): the arithmetic of the line through A, A3 and A5, and the
goal rows built from measured medians (fake measurements: nothing is run or timed here)."""

from __future__ import annotations

import os
import subprocess

import pytest

from bench import corpus, run


def _measure(name: str, wall: list[float], cpu: list[float] | None = None) -> run.Measure:
    m = run.Measure(name, ["true"], ".")
    m.times = list(wall)
    m.cpu = list(cpu if cpu is not None else wall)
    m.tree_kb = [1024] * len(wall)
    m.maxrss_kb = [1024] * len(wall)
    return m


def _rows(t1: float, t3: float, t5: float, cpu: tuple[float, float, float] | None = None) -> dict[str, tuple]:
    c1, c3, c5 = cpu or (t1, t3, t5)
    ms = [_measure(run.A_COLD, [t1, t1 + 0.5, t1 - 0.1], [c1] * 3),
          _measure(run.A3_COLD, [t3, t3 - 0.2, t3 + 9], [c3] * 3),
          _measure(run.A5_COLD, [t5], [c5])]
    return {label: (got, target, ok) for label, got, target, ok in run.goals(ms)}


def _goal(rows: dict[str, tuple]) -> tuple:
    (hit,) = [v for k, v in rows.items() if k.startswith("scaling: marginal cost")]
    return hit


def test_a_line_with_an_intercept_is_linear_though_a5_over_a_is_far_from_5x():
    line = run.Line(3.0, 7.0, 11.0)  # 1 s fixed + 2 s per copy of A
    assert (line.slope1, line.slope2, line.ratio) == (2.0, 2.0, 1.0)
    assert line.slope == pytest.approx(2.0) and line.intercept == pytest.approx(1.0)
    assert line.linear()
    assert 11.0 / 3.0 < 3.75  # what the old A5 / A check would have called sublinear


def test_superlinear_and_sublinear_growth_fail():
    quadratic = run.Line(1.0, 9.0, 25.0)  # n ** 2
    assert quadratic.ratio == 2.0 and not quadratic.linear()
    flattening = run.Line(1.0, 3.0, 3.5)
    assert flattening.ratio == 0.25 and not flattening.linear()


def test_the_band_is_one_plus_or_minus_a_quarter():
    assert run.Line(0.0, 2.0, 4.5).linear()  # 1.25
    assert run.Line(0.0, 2.0, 3.5).linear()  # 0.75
    assert not run.Line(0.0, 2.0, 4.6).linear()  # 1.3
    assert not run.Line(0.0, 2.0, 3.4).linear()  # 0.7


def test_no_marginal_cost_from_a_to_a3_is_not_linear_and_does_not_divide_by_zero():
    for t3 in (2.0, 1.5):
        line = run.Line(2.0, t3, 5.0)
        assert line.ratio is None and not line.linear()
        assert line.describe().startswith("n/a")


def test_intercept_is_the_least_squares_line_through_three_points():
    line = run.Line(2.0, 5.0, 10.0)
    # least squares over x = 1, 3, 5
    xs, ys = (1, 3, 5), (2.0, 5.0, 10.0)
    mx, my = sum(xs) / 3, sum(ys) / 3
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    assert line.slope == pytest.approx(slope)
    assert line.intercept == pytest.approx(my - slope * mx)


def test_goal_rows_use_the_wall_medians_and_keep_the_rest_informational():
    rows = _rows(3.0, 7.0, 11.0, cpu=(4.0, 8.0, 20.0))  # wall linear; CPU superlinear
    got, target, ok = _goal(rows)
    assert ok is True
    assert got.startswith("1.00 ") and "1 +-25%" in target and "linear" in target
    (cpu,) = [v for k, v in rows.items() if k.startswith("scaling, CPU time")]
    assert cpu[0].startswith("3.00 ") and cpu[2] is None and "within: no" in cpu[1]
    (a5a,) = [v for k, v in rows.items() if "A5 cold / A cold" in k]
    assert a5a[0].startswith("3.67x") and "3.67x" in a5a[0].split("fitted line")[1] and a5a[2] is None
    (fixed,) = [v for k, v in rows.items() if k.startswith("scaling: fixed cost") and "(wall" in k]
    assert fixed[0].startswith("1.00 s, 33% of A") and fixed[2] is None


def test_a_superlinear_run_fails_the_goal():
    assert _goal(_rows(3.0, 7.0, 15.0))[2] is False


def test_without_a3_there_is_no_linearity_goal():
    ms = [_measure(run.A_COLD, [3.0]), _measure(run.A5_COLD, [11.0])]
    rows = run.goals(ms)
    assert not any(label.startswith("scaling: marginal") for label, *_ in rows)
    assert [ok for label, _, _, ok in rows if label.startswith("scaling: A5")] == [None]


def test_copies_of_a_are_side_by_side_in_one_repository(tmp_path, monkeypatch):
    src = tmp_path / "a"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "m.py").write_text("x = 1\n")
    (src / "serving.properties").write_text("engine=Python\n")
    for own in ("pyproject.toml", ".gitignore", ".bench-corpus-version"):
        (src / own).write_text("")
    (src / ".git").mkdir()
    (src / ".lmimigrate_cache").mkdir()
    monkeypatch.setattr(corpus, "CACHE", str(tmp_path))
    monkeypatch.setattr(corpus, "corpus_a", lambda: str(src))
    root = corpus.corpus_a3()
    assert root == str(tmp_path / "corpus-a3")
    assert sorted(os.listdir(root)) == [".bench-corpus-version", ".git", ".gitignore", "copy0", "copy1", "copy2", "pyproject.toml"]
    for i in range(3):
        assert sorted(os.listdir(os.path.join(root, f"copy{i}"))) == ["pkg", "serving.properties"]
    tracked = subprocess.run(["git", "ls-files"], cwd=root, check=True, capture_output=True, text=True).stdout.split()
    assert sorted(tracked) == sorted([".gitignore", "pyproject.toml"] + [f"copy{i}/{f}" for i in range(3)
                                                                         for f in ("pkg/m.py", "serving.properties")])
    assert corpus.corpus_a3() == root  # stamped: not built again


def test_the_json_figures_of_the_line():
    ms = [_measure(run.A_COLD, [3.0], [4.0]), _measure(run.A3_COLD, [7.0], [8.0]), _measure(run.A5_COLD, [11.0], [20.0])]
    lines = run.scaling_lines(ms)
    assert lines is not None
    assert lines["wall"].as_dict() == {"a_s": 3.0, "a3_s": 7.0, "a5_s": 11.0, "slope1_s": 2.0, "slope2_s": 2.0,
                                       "slope_ratio": 1.0, "slope_s": 2.0, "intercept_s": 1.0}
    assert lines["cpu"].as_dict()["slope_ratio"] == 3.0
    assert run.scaling_lines(ms[::2]) is None


def test_round_ratios_pair_the_runs_of_one_round():
    # round 0: linear; round 1: superlinear; round 2: A3 no slower than A (left out); the medians: linear
    ms = [_measure(run.A_COLD, [3.0, 3.0, 3.0], [1.0, 1.0, 1.0]), _measure(run.A3_COLD, [7.0, 7.0, 2.0], [3.0, 3.0, 3.0]),
          _measure(run.A5_COLD, [11.0, 15.0, 11.0], [5.0, 5.0, 5.0])]
    assert run.round_ratios(ms) == [1.0, 2.0]
    assert run.round_ratios(ms, cpu=True) == [1.0, 1.0, 1.0]
    got, _, ok = _goal({label: (g, t, o) for label, g, t, o in run.goals(ms)})
    assert ok is True and got.endswith("rounds 1.00, 2.00")


def test_spread_gives_the_middle_half_from_four_rounds():
    assert run._spread([0.9, 1.0, 1.1, 1.2, 2.0]) == "rounds: median 1.10, middle half 0.95-1.60 of 5"
    assert run._spread([]) == "no round with A3 slower than A"
