import pytest

from lmimigrate import surfaces
from lmimigrate.ftypes import ParseError
from tests.surface_harness import cases, run_case


@pytest.mark.parametrize("case", cases("yaml"), ids=lambda p: p.name)
def test_yaml_case(case):
    run_case(case)
