"""Version anchors: what `detect` finds in a file's bytes, and the LMI spellings the reference lists."""

from __future__ import annotations

import json

import pytest
from lmimigrate.core.pep440 import Version

from lmimigrate.core.versions import VersionError, parse_version
from lmimigrate.core.detection import oldest_per_stack
from lmimigrate.stacks.detect import custom_tag_version, detect

ECR = "763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:"


def _found(data: str, path: str = "f") -> list[tuple[str, str | None, int]]:
    return [(d.stack, str(d.version) if d.version else None, d.line) for d in detect(path, data.encode())]


@pytest.mark.parametrize(
    "text, stack, version",
    [
        # LMI: every flavour of the reference (§1.1-§1.3), the older DJL 0.23-0.25 releases and Neuron.
        (f"FROM {ECR}0.23.0-deepspeed0.9.5-cu118\n", "lmi", "5"),
        (f"image: {ECR}0.24.0-fastertransformer5.3.0-cu118\n", "lmi", "6"),
        (f"image: {ECR}0.25.0-tensorrtllm0.5.0-cu122\n", "lmi", "7"),
        (f"image: {ECR}0.27.0-neuronx-sdk2.18.1\n", "lmi", "9"),
        (f"image: {ECR}0.29.0-lmi11.0.0-cu124\n", "lmi", "11"),
        (f"image: {ECR}0.34.0-lmi16.0.0-cu128-v1.2\n", "lmi", "16"),
        (f"image: {ECR}0.35.0-cpu-full\n", "lmi", "17"),
        ("image: deepjavalibrary/djl-serving:0.29.0-pytorch-inf2\n", "lmi", "11"),
        ("image: deepjavalibrary/djl-serving:0.28.0-tensorrt-llm\n", "lmi", "10"),
        ('uri = get_huggingface_llm_image_uri("lmi", version="0.24.0")\n', "lmi", "6"),
        ('uri = image_uris.retrieve(framework="djl-neuronx", region=r, version="0.28.0")\n', "lmi", "10"),
        # vLLM: custom tags, Helm split keys, pins of every kind, build arguments.
        ("image: rocm/vllm:rocm6.2_mi300_ubuntu20.04_py3.9_vllm_0.6.6\n", "vllm", "0.6.6"),
        ("image: aibrix/vllm-openai:aibrix-kvcache-v0.8.5-20250301\n", "vllm", "0.8.5"),
        ("image:\n  repository: vllm/vllm-openai\n  pullPolicy: IfNotPresent\n  tag: \"v0.8.2\"\n", "vllm", "0.8.2"),
        ("vllm:\n  image:\n    tag: v0.7.3\n    repository: ghcr.io/acme/vllm-serve\n", "vllm", "0.7.3"),
        ("ARG VLLM_VERSION=0.6.3\nRUN pip install vllm==${VLLM_VERSION}\n", "vllm", "0.6.3"),
        ("RUN pip install --no-cache-dir 'vllm==0.6.2' ray\n", "vllm", "0.6.2"),
        ('[tool.poetry.dependencies]\nvllm = "^0.6.2"\n', "vllm", "0.6.2"),
        ('dependencies = ["vllm[tensorizer]~=0.7.2"]\n', "vllm", "0.7.2"),
        ("install_requires=['vllm==0.5.5']\n", "vllm", "0.5.5"),
    ],
)
def test_anchor(text, stack, version):
    found = [(s, v) for s, v, _ in _found(text) if v is not None]
    assert (stack, version) in found, found


def test_poetry_pin_only_at_the_start_of_a_line():
    text = 'a = 1\n\tvllm = "~0.6.6"\r\nnote = "pin with vllm = \'0.6.7\'"\nmyvllm = "0.6.8"\n'
    assert [(s, v, line) for s, v, line in _found(text, "pyproject.toml")] == [("vllm", "0.6.6", 2)]


def test_raw_notebook_with_escaped_quotes_is_detected_on_its_file_line():
    src = ["from sagemaker import image_uris\n", "uri = image_uris.retrieve(\n", '    framework="djl-deepspeed",\n',
           "    region=region,\n", '    version="0.23.0",\n', ")\n"]
    nb = json.dumps({"cells": [{"cell_type": "code", "source": src, "metadata": {}, "outputs": [],
                                "execution_count": None}]}, indent=1)
    assert '\\"djl-deepspeed\\"' in nb
    assert _found(nb, "nb.ipynb") == [("lmi", "5", 7)]


@pytest.mark.parametrize(
    "text, why",
    [
        ("image: deepjavalibrary/djl-serving:lmi-nightly\n", "nightly"),
        (f"image: {ECR}0.29.0-weird-cu124\n", "not an LMI image flavour"),
        (f"image: {ECR}0.22.0-deepspeed0.8.0\n", "not a known LMI or DJL Serving version"),
    ],
)
def test_refused_spelling_says_why(text, why):
    [d] = detect("f", text.encode())
    assert d.version is None and why in d.refused
    assert oldest_per_stack([d]) == {}


@pytest.mark.parametrize(
    "image",
    ["opea/vllm-rocm:1.2", "vault.habana.ai/gaudi-docker/1.21.2/ubuntu22.04/habanalabs/vllm-installer:latest",
     "myorg/myvllm-hpu:v0.6.4", "ghcr.io/x/vllm-router:latest", "python:3.11"],
)
def test_images_without_a_vllm_version_are_not_vllm_anchors(image):
    assert [v for s, v, _ in _found(f"image: {image}\n") if s == "vllm"] == []


@pytest.mark.parametrize("tag, version", [("v0.8.2", "0.8.2"), ("0.6.3.post1", "0.6.3.post1"), ("latest", None),
                                          ("cu124-py3.10", None), ("build_vllm_0.6.6_rocm", "0.6.6")])
def test_custom_tag_version(tag, version):
    assert custom_tag_version(tag) == version


@pytest.mark.parametrize(
    "spelling, major",
    [("v5", 5), ("0.23.0", 5), ("0.24.0", 6), ("0.25.0", 7), ("0.27.0-neuronx-sdk2.18.1", 9),
     ("0.25.0-tensorrtllm0.5.0-cu122", 7), ("0.24.0-fastertransformer5.3.0-cu118", 6), ("0.29.0-lmi", 11),
     ("0.36.0-lmi20.0.0-cu128-v1.0", 20)],
)
def test_lmi_spellings_from_the_reference_are_accepted(spelling, major):
    assert parse_version("lmi", spelling) == Version(str(major))


@pytest.mark.parametrize("spelling, why", [("0.36.0", "shared by LMI v18 to v27"), ("v4", "not a known LMI release"),
                                            ("0.22.0", "0.23.0 to 0.36.0")])
def test_refused_lmi_spellings_say_why(spelling, why):
    with pytest.raises(VersionError, match=why):
        parse_version("lmi", spelling)
