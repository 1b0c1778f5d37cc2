"""Switches (options that take no value) come from the vLLM inventory, extracted from each release's source by
scripts/vllm_switches.py, and the command-line reader uses them: the data is consistent with the flags it lists,
the extraction follows each release's get_kwargs, and a plain properties check does not compute them."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from lmimigrate.stacks.vllm import inventory
from lmimigrate.stacks.vllm.flags import SHORT_ALIASES, switch_names
from lmimigrate.core.ftypes import Unit
from lmimigrate.surfaces import parse_file
from lmimigrate.surfaces.shell import script

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import vllm_switches  # noqa: E402  (a sibling module of gen_vllm_inventory.py)


# ---- the data ---------------------------------------------------------------------------------------------


def test_switches_are_listed_flags_or_their_negations():
    for v in inventory.releases():
        inv = inventory.for_version(v)
        assert inv is not None and inv.switch_flags, v
        for flag in inv.switch_flags:
            base = "--" + flag[5:] if flag.startswith("--no-") and flag not in inv.cli_flags else flag
            if base in inv.cli_flags:
                continue
            # --disable-x for --enable-x, where the parser pairs them (EnableDisableAction)
            assert inv.enable_disable_inverse, (v, flag)
            a, b = ("--disable-", "--enable-") if flag.startswith("--disable-") else ("--enable-", "--disable-")
            assert b + flag[len(a):] in inv.boolean_optional_flags, (v, flag)


def test_boolean_optional_flags_are_switches_with_their_no_form():
    for v in inventory.releases():
        inv = inventory.for_version(v)
        for flag in inv.boolean_optional_flags:
            assert flag in inv.switch_flags, (v, flag)
            if flag.startswith("--"):
                assert "--no-" + flag[2:] in inv.switch_flags, (v, flag)


def test_aliases_of_switches_are_switches():
    for v in inventory.releases():
        inv = inventory.for_version(v)
        for alias, canonical in inv.flag_aliases.items():
            if alias in inv.cli_flags and canonical in inv.switch_flags and alias not in inv.parser_rewritten_flags:
                assert alias in inv.switch_flags, (v, alias)


def test_reader_names_come_from_the_data():
    names = switch_names()
    for flag in inventory.in_any_release("switch_flags"):
        if flag.startswith("--"):
            assert flag[2:].replace("-", "_") in names
    # the short aliases map to canonical names; none of them is a key of its own
    assert not set(SHORT_ALIASES) & names


# ---- the reader -------------------------------------------------------------------------------------------


def _cli_scope(line: str):
    unit = Unit("#!/bin/sh\n" + line + "\n", "shell")
    script.parse(unit)
    scopes = [s for s in unit.scopes if s.kind == "cli"]
    assert len(scopes) == 1
    return scopes[0]


def test_switches_the_hand_written_list_missed_leave_the_model_alone():
    # --enable-bf16x3-router-gemm (KernelConfig, bool: BooleanOptionalAction through get_kwargs, v0.26+) and
    # --engine-use-ray (store_true, v0.5.5) take no value: the next word is the model, not theirs.
    for flag in ("--enable-bf16x3-router-gemm", "--dcp-q-replicate", "--engine-use-ray",
                 "--disable-logprobs-during-spec-decoding"):
        scope = _cli_scope(f"vllm serve {flag} meta-llama/Llama-3.1-8B --max-model-len 4096")
        assert scope.facts["model"] is not None and scope.facts["model"].value == "meta-llama/Llama-3.1-8B", flag
        setting = next(s for s in scope.settings if s.raw_key == flag)
        assert setting.value is None and setting.style["form"] == "bare", flag


def test_a_switch_still_takes_a_boolean_literal():
    scope = _cli_scope("vllm serve m --enable-chunked-prefill False --max-num-seqs 8")
    chunked = next(s for s in scope.settings if s.key == "enable_chunked_prefill")
    assert chunked.value == "False" and chunked.style["form"] == "space"


def test_a_properties_check_does_not_compute_the_switches(tmp_path):
    switch_names.cache_clear()
    text = "engine=Python\noption.rolling_batch=vllm\noption.enforce_eager=true\n"
    parse_file(str(tmp_path / "serving.properties"), text, "properties")
    assert switch_names.cache_info().currsize == 0
    _cli_scope("vllm serve --enforce-eager m")
    assert switch_names.cache_info().currsize == 1


# ---- the extraction ---------------------------------------------------------------------------------------


class _Sources:
    def __init__(self, files: dict[str, str]) -> None:
        self.files = files

    def exists(self, path: str) -> bool:
        return path in self.files

    def parse(self, path: str) -> ast.Module | None:
        return ast.parse(self.files[path]) if path in self.files else None


_CONFIG = '''
from dataclasses import dataclass
from typing import Literal, Optional, Union
from pydantic import SkipValidation

Mode = Union[bool, Literal["auto"]]

@dataclass
class Nested:
    x: int = 0

@dataclass
class ModelConfig:
    enforce_eager: bool = False
    tri_state: Optional[bool] = None
    hf_token: Optional[Union[bool, str]] = None
    skip: SkipValidation[bool] = None
    mode: Mode = "auto"
    nested: Optional[Nested] = None
    max_len: int = 0
'''

_GET_KWARGS_NEW = '''
def _compute_kwargs(cls):
    for field in fields(cls):
        if dataclass_cls is not None:
            kwargs[name]["type"] = parse_dataclass
        elif type_hints == {bool, str, type(None)}:
            kwargs[name]["nargs"] = "?"
        elif contains_type(type_hints, bool):
            kwargs[name]["action"] = argparse.BooleanOptionalAction
        elif contains_type(type_hints, int):
            kwargs[name]["type"] = int
'''

_ADD_CLI_ARGS = '''
from vllm.config import ModelConfig

class StoreBoolean(argparse.Action):
    pass

class EngineArgs:
    @staticmethod
    def add_cli_args(parser):
        model_kwargs = get_kwargs(ModelConfig)
        parser.add_argument("--enforce-eager", "-ee", **model_kwargs["enforce_eager"])
        parser.add_argument("--tri-state", **{**model_kwargs["tri_state"], "default": None})
        parser.add_argument("--hf-token", **model_kwargs["hf_token"])
        parser.add_argument("--skip", **model_kwargs["skip"])
        parser.add_argument("--mode", **model_kwargs["mode"])
        parser.add_argument("--nested", **model_kwargs["nested"])
        parser.add_argument("--max-len", **model_kwargs["max_len"])
        parser.add_argument("--old-switch", action="store_true")
        parser.add_argument("--old-bool", action=StoreBoolean, nargs="?", const="True")
        parser.add_argument("--valued", type=str)
        return parser
'''


def _switches(get_kwargs: str) -> set[str]:
    src = _Sources({"vllm/engine/arg_utils.py": get_kwargs + _ADD_CLI_ARGS, "vllm/config.py": _CONFIG})
    tree = src.parse("vllm/engine/arg_utils.py")
    collector = vllm_switches.SwitchCollector(src, vllm_switches.kwargs_policy(tree))
    collector.add_module("vllm/engine/arg_utils.py", tree)
    return collector.switches


def test_extraction_follows_get_kwargs_of_the_release():
    got = _switches(_GET_KWARGS_NEW)
    # bool, Optional[bool], SkipValidation[bool] and a bool-or-Literal alias: BooleanOptionalAction (+ --no-)
    for flag in ("--enforce-eager", "-ee", "--tri-state", "--skip", "--mode"):
        assert flag in got
    assert {"--no-enforce-eager", "--no-tri-state", "--no-skip", "--no-mode"} <= got
    # explicit actions: store_true, and StoreBoolean with an optional boolean literal
    assert {"--old-switch", "--old-bool"} <= got
    # bool | str | None is an optional-valued string; a dataclass takes JSON; ints and strings take values
    assert not {"--hf-token", "--nested", "--max-len", "--valued"} & got


def test_extraction_of_a_release_whose_get_kwargs_sets_no_action_for_bool():
    old = '''
def add_cli_args(parser):
    def get_kwargs(cls):
        for field in fields(cls):
            if field.type is bool:
                continue
'''
    got = _switches(old)
    assert "--enforce-eager" not in got and "--tri-state" not in got  # they take a value there
    assert {"--old-switch", "--old-bool"} <= got
