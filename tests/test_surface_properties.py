import pytest

from tests.surface_harness import cases, run_case


@pytest.mark.parametrize("case", cases("properties"), ids=lambda p: p.name)
def test_properties_case(case):
    run_case(case)
