"""Python and notebooks as carriers of configuration: names flow across notebook cells, config text inside
string literals, containers of settings, and calls that unpack arguments."""

from __future__ import annotations

import json

from lmimigrate import surfaces


def _nb(*sources: str) -> str:
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": s.splitlines(True)}
             for s in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)


def _call_scopes(parsed):
    return [(u.cell, s.facts.get("qualname")) for u in parsed.units for s in u.scopes if s.kind == "python-call"]


# ---- a notebook is one program ------------------------------------------------------------------------------


def test_imports_of_an_earlier_cell_resolve_in_later_cells():
    nb = _nb("import sagemaker\nfrom sagemaker import image_uris\nfrom sagemaker.djl_inference import DeepSpeedModel\n",
             "region = 'us-east-1'\n",
             "uri = image_uris.retrieve(framework='djl-deepspeed', region=region, version='0.23.0')\n"
             "model = DeepSpeedModel('s3://b/m/', 'role')\n")
    found = _call_scopes(surfaces.parse_file("nb.ipynb", nb, "notebook"))
    assert (2, "sagemaker.image_uris.retrieve") in found
    assert (2, "sagemaker.djl_inference.DeepSpeedModel") in found


def test_a_name_rebound_in_a_later_cell_stops_resolving():
    nb = _nb("from vllm import LLM\n", "class LLM:\n    pass\n", "llm = LLM(model='m', swap_space=4)\n")
    assert _call_scopes(surfaces.parse_file("nb.ipynb", nb, "notebook")) == []


def test_names_flow_in_cell_order_only():
    nb = _nb("llm = LLM(model='m')\n", "from vllm import LLM\n", "llm = LLM(model='n')\n")
    assert _call_scopes(surfaces.parse_file("nb.ipynb", nb, "notebook")) == [(2, "vllm.LLM")]


def test_a_plain_python_file_does_not_inherit_anything():
    parsed = surfaces.parse_file("x.py", "llm = LLM(model='m')\n", "python")
    assert _call_scopes(parsed) == []
