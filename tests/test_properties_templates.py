"""Templates of serving.properties: read as properties, placeholders opaque (issue 11 §5)."""

from __future__ import annotations

import pytest

from lmimigrate import surfaces


@pytest.mark.parametrize("name", ["serving.template", "code/serving.properties.j2", "x.properties.jinja2",
                                  "serving.properties.tmpl", "serving.properties.tpl", "a.properties.template"])
def test_template_names_are_properties(name):
    assert surfaces.classify(name) == "properties"


def _settings(text):
    parsed = surfaces.parse_file("serving.template", text, "properties")
    return [(s.key, s.value, s.literal) for sc in parsed.scopes() for s in sc.settings]


def test_placeholders_make_values_opaque_and_keep_keys():
    text = ("engine=MPI\noption.model_id={{ model }}\noption.s3url=${BUCKET}/m\noption.tp={tp}\n"
            "option.rope_scaling={\"type\": \"dynamic\"}\n")
    assert _settings(text) == [("engine", "MPI", True), ("option.model_id", None, False), ("option.s3url", None, False),
                               ("option.tp", None, False), ("option.rope_scaling", '{"type": "dynamic"}', True)]


def test_template_statements_are_not_settings():
    text = "{% if q %}\noption.quantize={{ q }}\n{% endif %}\n{# comment #}\n{{ extra_lines }}\noption.dtype=fp16\n"
    assert _settings(text) == [("option.quantize", None, False), ("option.dtype", "fp16", True)]
