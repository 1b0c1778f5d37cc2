import pytest

from tests.surface_harness import cases, run_case


@pytest.mark.parametrize("case", cases("notebook"), ids=lambda p: p.name)
def test_notebook_case(case):
    run_case(case)
