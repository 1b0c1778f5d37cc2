import pytest

from lmimigrate import surfaces
from lmimigrate.core.ftypes import ParseError
from tests.surface_harness import cases, run_case


@pytest.mark.parametrize("case", cases("terraform"), ids=lambda p: p.name)
def test_terraform_case(case):
    run_case(case)


def _parse(text):
    return surfaces.parse_file("main.tf", text, "terraform")


def test_tf_files_are_terraform():
    assert surfaces.classify("infra/main.tf") == "terraform"
    assert surfaces.classify("infra/MAIN.TF") == "terraform"


@pytest.mark.parametrize(
    "text",
    ['resource "x" "y" {\n  a = "open\n}\n', 'locals {\n  a = {\n', 'a = { b c }\n', '/* never closed', 'x = <<EOT\nno end\n'],
)
def test_broken_hcl_is_a_parse_error(text):
    with pytest.raises(ParseError):
        _parse(text)


def test_template_and_reference_values_are_opaque_but_keys_are_reported():
    parsed = _parse('locals {\n  env = {\n    OPTION_MODEL_ID = "${var.bucket}/m"\n    OPTION_DTYPE = var.dtype\n  }\n}\n')
    got = [(s.key, s.value, s.literal) for sc in parsed.scopes() for s in sc.settings if s.ns == "env"]
    assert got == [("OPTION_MODEL_ID", None, False), ("OPTION_DTYPE", None, False)]


def test_escaped_template_sequence_is_literal():
    parsed = _parse('locals {\n  env = { OPTION_X = "$${HOME}" }\n}\n')
    (s,) = [s for sc in parsed.scopes() for s in sc.settings if s.ns == "env"]
    assert (s.value, s.literal) == ("${HOME}", True)


def test_maps_without_lmi_or_vllm_keys_are_not_env_scopes():
    parsed = _parse('locals {\n  tags = { TEAM = "ml" }\n  settings = { OPTION_X = { nested = 1 } }\n}\n')
    assert list(parsed.scopes()) == []


def test_deep_nesting_is_a_parse_error_not_a_crash():
    with pytest.raises(ParseError):
        _parse("a = " + "[" * 5000 + "]" * 5000 + "\n")
