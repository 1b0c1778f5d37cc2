"""Structure-aware YAML deletes and inserts (issue 15 §5, §8): emptying a collection leaves `{}` / `[]`, an
insertion after a `|+` block keeps its value, and every fixed vLLM `--config` fixture still loads as a mapping."""

from __future__ import annotations

from pathlib import Path

import pytest
from lmimigrate.core.pep440 import Version

from lmimigrate import surfaces
from lmimigrate.core.engine import Engine
from lmimigrate.core.ftypes import Applicability
from lmimigrate.core.registry import by_code
from lmimigrate.core.versions import VersionPair

PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "projects"


def _safe_load(text: str):
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load(text)


def load_config_file(text: str) -> dict:
    """What `vllm serve --config` does with the file: PyYAML-style safe load, and it must be a mapping."""
    config = _safe_load(text)
    if not isinstance(config, dict):
        raise TypeError(f"--config file must hold a mapping, got {type(config).__name__}")
    return config


def _fix(name: str, text: str, *codes: str, level=Applicability.SAFE) -> str:
    eng = Engine([by_code(c)() for c in codes], {"vllm": VersionPair("vllm", Version("0.8.2"), Version("0.33.0"), "given")})
    _, fixed, applied, _ = eng.check_text(name, text, "yaml", level)
    assert applied
    again = eng.check_text(name, fixed, "yaml", level)
    assert again[2] == 0 and again[1] == fixed
    return fixed


def test_removing_every_key_of_a_vllm_config_leaves_an_empty_mapping():
    fixed = _fix("vllm.yaml", "# served by vllm\nswap_space: 4\nuse_v2_block_manager: true\n", "VLLM013", "VLLM010")
    assert fixed == "# served by vllm\n{}\n"
    assert load_config_file(fixed) == {}


def test_deleting_the_last_env_item_leaves_an_empty_list():
    text = ("spec:\n  containers:\n    - name: s\n      image: vllm/vllm-openai:v0.8.2\n      env:\n"
            "        - name: VLLM_USE_V1\n          value: \"1\"\n      ports: []\n")
    fixed = _fix("k8s.yaml", text, "VLLM001")
    assert "      env: []\n" in fixed
    assert _safe_load(fixed)["spec"]["containers"][0]["env"] == []


def test_deleting_every_args_item_leaves_an_empty_list():
    text = ("spec:\n  containers:\n    - name: s\n      image: vllm/vllm-openai:v0.8.2\n      args:\n"
            "        - --swap-space\n        - \"8\"\n        - --use-v2-block-manager\n")
    fixed = _fix("k8s.yaml", text, "VLLM013", "VLLM010")
    assert _safe_load(fixed)["spec"]["containers"][0]["args"] == []


def test_deleting_an_env_map_entry_leaves_an_empty_mapping():
    fixed = _fix("values.yaml", "server:\n  env:\n    VLLM_USE_V1: \"1\"\n  replicas: 1\n", "VLLM001")
    assert _safe_load(fixed) == {"server": {"env": {}, "replicas": 1}}


def test_inserting_after_a_keep_chomping_block_keeps_its_value():
    text = "max_num_seqs: 8\nchat_template: |+\n  {{ messages }}\n\n\n"
    fixed = _fix("vllm.yaml", text, "VLLM024", level=Applicability.UNSAFE)
    assert _safe_load(fixed)["chat_template"] == _safe_load(text)["chat_template"]
    assert _safe_load(fixed)["gpu_memory_utilization"] == 0.9


def _config_files():
    for case in sorted(PROJECTS.iterdir()):
        for path in sorted((case / "before").rglob("*.y*ml")) if (case / "before").is_dir() else ():
            text = path.read_text()
            try:
                parsed = surfaces.parse_file(path.name, text, "yaml")
            except Exception:
                continue
            if any(s.kind == "vllm-config" for s in parsed.scopes()):
                yield pytest.param(case / "after" / path.relative_to(case / "before"), id=f"{case.name}/{path.name}")


@pytest.mark.parametrize("after", list(_config_files()))
def test_every_fixed_config_fixture_loads_as_a_mapping(after):
    load_config_file(after.read_text())
