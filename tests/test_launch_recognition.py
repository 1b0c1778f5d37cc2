"""Recognising a vLLM server argument list with no `vllm serve` before it (issue 11 §4): by the image, by the
command, or by its flags; other servers and unrelated CLIs stay unrecognised."""

import pytest

from lmimigrate.core.ftypes import Unit
from lmimigrate.surfaces.shell.launch import is_vllm_image, looks_like_vllm_args, vllm_args_scope
from lmimigrate.surfaces.shell.lexer import shell_words
from lmimigrate.surfaces.shell.words import ShellSyntax


def scope_of(text, image=""):
    unit = Unit(text=text, surface="shell")
    words = shell_words(text, 0, len(text))[0]
    return vllm_args_scope(unit, words, ShellSyntax(), image=image)


@pytest.mark.parametrize("image", [
    "vllm/vllm-openai:v0.8.5", "rocm/vllm:rocm6.3.1_vllm_0.8.5_20250521", "opea/vllm-rocm:latest",
    "docker.io/opea/vllm-gaudi:1.2", "public.ecr.aws/x/vllm-cpu@sha256:abc", "lmcache/vllm-openai",
])
def test_vllm_images(image):
    assert is_vllm_image(image)


@pytest.mark.parametrize("image", [
    "ghcr.io/huggingface/text-generation-inference:2.4", "lmsysorg/sglang:latest", "nvcr.io/nvidia/tritonserver:24.05",
    "myrepo/server:vllm-0.6", "", "${IMAGE}",
])
def test_other_images(image):
    assert not is_vllm_image(image)


@pytest.mark.parametrize("args", [
    "--max-model-len 8192 --gpu-memory-utilization 0.9 --enable-prefix-caching",
    "--model m --max-model-len=4096",  # every flag known, one vLLM-only flag
    "m --tensor-parallel-size 2 --max-num-seqs 64 --swap-space 4",
    "--max-model-len=8192 --enable-chunked-prefill --disable-log-requests --port 8000 --some-new-flag x",
])
def test_vllm_flag_lists_are_recognised(args):
    scope = scope_of(args)
    assert scope is not None and scope.facts["implicit_entrypoint"]
    assert "max_model_len" in {s.key for s in scope.settings} or "tensor_parallel_size" in {s.key for s in scope.settings}


@pytest.mark.parametrize("args", [
    # TGI launcher
    "--model-id bigscience/bloom --num-shard 2 --max-input-tokens 1024 --max-total-tokens 2048",
    "--model-id m --max-model-len 4096 --gpu-memory-utilization 0.9",  # a vLLM-looking flag among TGI's
    # SGLang
    "--model-path meta-llama/Llama-3-8B --tp 2 --mem-fraction-static 0.8",
    "--tp-size 2 --context-length 8192 --max-model-len 1",
    "--tensor-parallel-size 2 --enable-torch-compile",  # shared flag, nothing vLLM-only
    # Triton, KServe, unrelated CLIs with --model/--task
    "--model-repository /models --http-port 8000",
    "--model_name m --model_id x --max-model-len 4096 --enforce-eager",
    "--model gpt2 --task text-generation --batch-size 8",
    "--model vllm --model_args pretrained=x,tensor_parallel_size=2 --tasks gsm8k",
    "--max-model-len 4096 --foo 1 --bar 2 --baz 3",  # one vLLM flag among unknown ones
])
def test_other_servers_and_clis_stay_unrecognised(args):
    assert scope_of(args) is None


def test_a_command_under_a_vllm_image_is_not_its_arguments():
    assert scope_of("bash", image="rocm/vllm") is None
    assert scope_of("sleep infinity", image="rocm/vllm") is None


def test_a_command_is_not_an_argument_list():
    # A script taking vLLM-like flags is not the server: only bare lists are judged by their flags.
    assert scope_of("python bench.py --max-model-len 4096 --gpu-memory-utilization 0.9") is None


def test_an_explicit_launch_is_recognised_whatever_the_image():
    scope = scope_of("vllm serve m --max-model-len 4096", image="ubuntu")
    assert scope.facts["command"] == "vllm serve" and not scope.facts.get("implicit_entrypoint")


def test_image_makes_any_bare_list_vllm():
    scope = scope_of("--model m --port 8000", image="rocm/vllm:latest")
    assert [s.key for s in scope.settings] == ["model", "port"]
    assert scope_of("--model m --port 8000") is None


def test_insert_into_empty_list_goes_after_the_anchor():
    from lmimigrate.surfaces.shell.lexer import Word

    text = "docker run img o/m"
    unit = Unit(text=text, surface="shell")
    words = shell_words(text, 0, len(text))[0]
    scope = vllm_args_scope(unit, words[3:], ShellSyntax(), image="vllm/vllm-openai", after=words[2])
    assert scope.facts["model"] == Word("o/m", (15, 18))
    edit = scope.insert("vllm", "max_model_len", 4096)[0]
    assert text[: edit.start] + edit.content + text[edit.end :] == "docker run img o/m --max-model-len 4096"


def test_flag_judgement_does_not_need_the_inventory_without_a_vllm_only_flag(monkeypatch):
    from lmimigrate.surfaces.shell import launch

    def boom():
        raise AssertionError("inventory consulted")

    monkeypatch.setattr(launch, "config_flag_names", boom)
    words = shell_words("--model x --task generate --port 1", 0, 40)[0]
    assert not looks_like_vllm_args(words)
