"""lmimigrate.stacks.vllm.inventory: the per-release vLLM inventory shipped in lmimigrate/stacks/vllm/inventory.jsonl.

The reference JSON (/work/shared/reference/vllm_engine_args.json, verified ground truth) is the oracle for
cli_flags / engine_args_fields / env_vars of every release; the spot checks come from
vllm_breaking_changes.md (§3.7, §3.12, §3.14 and appendices B/C) and were verified against the extraction.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import textwrap

import pytest
from lmimigrate.core.pep440 import Version

from lmimigrate.stacks.vllm import inventory_codec as codec
from lmimigrate.stacks.vllm import inventory as inv_mod
from lmimigrate.stacks.vllm.inventory import (
    FlagRef,
    first_release_with,
    for_version,
    last_release_with,
    releases,
    removed_in,
    suggest,
    suggestions,
)

ROOT = pathlib.Path(__file__).resolve().parents[1]
REF_PATH = pathlib.Path(__file__).resolve().parents[2] / "shared/reference/vllm_engine_args.json"
needs_ref = pytest.mark.skipif(not REF_PATH.exists(), reason=f"reference inventory {REF_PATH} not present")


@pytest.fixture(scope="module")
def ref() -> dict[str, dict]:
    data = json.loads(REF_PATH.read_text(encoding="utf-8"))
    return {t.lstrip("v"): r for t, r in {**data["tags"], **data["intermediate_tags"]}.items()}


# ------------------------------------------------------------------------------------------ oracle


@needs_ref
def test_same_releases_as_reference(ref):
    assert releases() == sorted(Version(v) for v in ref)


@needs_ref
@pytest.mark.parametrize("kind", ["cli_flags", "engine_args_fields", "env_vars"])
def test_sets_equal_reference_for_every_release(ref, kind):
    bad = {}
    for ver, r in ref.items():
        inv = for_version(ver)
        assert inv is not None and inv.version == Version(ver)
        mine, theirs = getattr(inv, kind), set(r[kind])
        if mine != theirs:
            bad[ver] = (sorted(mine - theirs), sorted(theirs - mine))
    assert not bad, bad


@needs_ref
def test_async_fields_and_aliases_agree_with_reference(ref):
    for ver, r in ref.items():
        inv = for_version(ver)
        assert inv.async_engine_args_extra_fields == set(r["async_engine_args_extra_fields"]), ver
        for canonical, aliases in r["flag_aliases"].items():
            for a in aliases:
                assert inv.flag_aliases[a] == canonical, (ver, a)
                assert inv.canonical_flag(a) == canonical
        assert set(inv.parser_rewritten_flags) == set(r["parser_rewritten_flags"]), ver


@needs_ref
def test_counts_match_breaking_changes_section_2(ref):
    # a few rows of the §2 table (cli_flags, EngineArgs fields, envs.py vars)
    for ver, counts in {"0.5.5": (107, 80, 59), "0.11.0": (196, 139, 196), "0.16.0": (233, 165, 218),
                        "0.33.0": (345, 259, 318)}.items():
        inv = for_version(ver)
        assert (len(inv.cli_flags), len(inv.engine_args_fields), len(inv.env_vars)) == counts


# ------------------------------------------------------------------------------------------ spot checks


def test_speculative_model_flag_removed_in_0_8_3():
    assert for_version("0.8.2").accepts_flag("--speculative-model")
    assert not for_version("0.8.3").accepts_flag("--speculative-model")
    assert last_release_with("cli_flags", "--speculative-model") == Version("0.8.2")
    assert removed_in("cli_flags", "--speculative-model") == Version("0.8.3")


def test_vllm_use_v1_env_var():
    assert for_version("0.11.0").is_env_var("VLLM_USE_V1")
    assert not for_version("0.11.1").is_env_var("VLLM_USE_V1")
    assert first_release_with("env_vars", "VLLM_USE_V1") == Version("0.6.4")
    assert last_release_with("env_vars", "VLLM_USE_V1") == Version("0.11.0")


def test_seed_env_vars_never_existed():
    for name in ("VLLM_DISABLE_V1_ENGINE", "VLLM_USE_LEGACY_SCHEDULER", "VLLM_DISABLE_COMPILATION"):
        assert first_release_with("env_vars", name) is None


def test_disable_log_requests_last_in_0_16_0():
    assert last_release_with("cli_flags", "--disable-log-requests") == Version("0.16.0")
    assert for_version("0.16.0").accepts_flag("--disable-log-requests")
    assert not for_version("0.17.0").accepts_flag("--disable_log_requests")


def test_guided_decoding_flags_and_structured_outputs():
    # §3.7 G1: --guided-decoding-backend deprecated in v0.11.0 (literal-list loop), gone in v0.12.0
    assert last_release_with("cli_flags", "--guided-decoding-backend") == Version("0.11.2")
    assert "--guided-decoding-disable-any-whitespace" in for_version("0.11.0").cli_flags
    assert first_release_with("cli_flags", "--structured-outputs-config") == Version("0.11.0")


def test_sampling_params_fields():
    # §3.7 G2: guided_decoding -> structured_outputs (both in v0.11.x), guided_decoding gone in v0.12.0
    assert first_release_with("sampling_params_fields", "guided_decoding") == Version("0.6.3")
    assert last_release_with("sampling_params_fields", "guided_decoding") == Version("0.11.2")
    assert first_release_with("sampling_params_fields", "structured_outputs") == Version("0.11.0")
    assert "structured_outputs" in for_version("0.33.0").sampling_params_fields
    # §3.12 P2, P4, P5, P6
    assert last_release_with("sampling_params_fields", "use_beam_search") == Version("0.6.2")
    assert last_release_with("sampling_params_fields", "best_of") == Version("0.11.2")
    assert last_release_with("sampling_params_fields", "logits_processors") == Version("0.16.0")
    assert last_release_with("sampling_params_fields", "truncate_prompt_tokens") == Version("0.16.0")
    for v in releases():
        f = for_version(v).sampling_params_fields
        assert {"temperature", "top_p", "max_tokens", "n", "stop"} <= f, v
        assert not any(x.startswith("_") for x in f)


def test_llm_params():
    # §3.12 P7 (LLM.__init__), P1 / G5 / P6 (LLM.generate)
    assert last_release_with("llm_init_params", "disable_async_output_proc") == Version("0.10.2")
    assert last_release_with("llm_init_params", "max_seq_len_to_capture") == Version("0.10.2")
    assert last_release_with("llm_generate_params", "prompt_token_ids") == Version("0.10.1")
    assert last_release_with("llm_generate_params", "guided_options_request") == Version("0.10.0")
    assert first_release_with("llm_generate_params", "tokenization_kwargs") == Version("0.16.0")
    for v in releases():
        i = for_version(v)
        assert {"model", "tensor_parallel_size", "dtype"} <= i.llm_init_params, v
        assert {"prompts", "sampling_params"} <= i.llm_generate_params, v
        assert not {"self", "kwargs"} & i.llm_init_params


# ------------------------------------------------------------------------------------------ lookup


def test_nearest_release_lookup():
    assert for_version("0.16.0").version == Version("0.16.0")
    assert for_version("0.16.1").version == Version("0.16.0")
    assert for_version(Version("0.17.0rc1")).version == Version("0.16.0")
    assert for_version("v0.11.0").version == Version("0.11.0")
    assert for_version("0.6.3.post1").version == Version("0.6.3")
    assert for_version("0.99.0").version == releases()[-1]
    assert for_version("0.5.4") is None
    assert for_version("0.5.5").version == Version("0.5.5")
    assert releases() == sorted(releases())
    with pytest.raises(ValueError):
        for_version("not-a-version")


def test_inventory_is_frozen_and_cached():
    a, b = for_version("0.11.0"), for_version("0.11.0")
    assert a is b
    assert isinstance(a.cli_flags, frozenset) and isinstance(a.env_vars, frozenset)
    with pytest.raises(AttributeError):
        a.version = Version("1.0")  # type: ignore[misc]
    assert hash(a) == hash(a.version)


# ------------------------------------------------------------------------------------------ flags


def test_underscore_and_value_forms():
    inv = for_version("0.11.0")
    assert inv.accepts_flag("--max-num-seqs")
    assert inv.accepts_flag("--max_num_seqs")
    assert inv.accepts_flag("--max_num-seqs=256")
    assert inv.canonical_flag("--max_num_seqs") == "--max-num-seqs"
    assert for_version("0.5.5").accepts_flag("--gpu_memory_utilization")
    assert not inv.accepts_flag("--max-num-seq")
    assert not inv.accepts_flag("max-num-seqs")
    assert not inv.accepts_flag("--")


def test_short_aliases():
    inv = for_version("0.33.0")
    assert inv.flag_aliases["-tp"] == "--tensor-parallel-size"
    assert inv.canonical_flag("-tp") == "--tensor-parallel-size"
    assert inv.canonical_flag("-tp=2") == "--tensor-parallel-size"
    assert inv.canonical_flag("-O3") == "--optimization-level"
    assert inv.canonical_flag("-O") == "--optimization-level"
    assert inv.canonical_flag("--device-memory-utilization") == "--gpu-memory-utilization"
    assert not for_version("0.5.5").accepts_flag("-dp")
    assert not for_version("0.6.4").accepts_flag("-O3")
    # v0.6.5-v0.9.1: -O is an add_argument alias of --compilation-config
    assert for_version("0.7.3").canonical_flag("-O3") == "--compilation-config"
    assert for_version("0.9.2").canonical_flag("-O") in ("--compilation-config", "--optimization-level")


def test_dotted_forms():
    inv = for_version("0.33.0")
    assert inv.accepts_flag("--compilation-config.mode")
    assert inv.accepts_flag("--compilation_config.mode=3")
    assert inv.accepts_flag("-cc.mode")
    assert inv.accepts_flag("--speculative-config.num_speculative_tokens")
    assert inv.resolve_flag("-cc.cudagraph_mode").subkey == "cudagraph_mode"
    assert inv.canonical_flag("-cc.mode") == "--compilation-config"
    assert not inv.accepts_flag("--no-such-config.mode")
    assert not inv.accepts_flag("--compilation-config.")
    assert not for_version("0.5.5").accepts_flag("--compilation-config.level")  # neither flag nor dotted


def test_dotted_support_starts_where_parser_splits_on_dot():
    first = next(v for v in releases() if for_version(v).dotted_flags)
    assert all(for_version(v).dotted_flags for v in releases() if v >= first)
    assert not for_version("0.6.4").dotted_flags


def test_boolean_negations():
    inv = for_version("0.33.0")
    assert "--enable-prefix-caching" in inv.boolean_optional_flags
    assert inv.accepts_flag("--no-enable-prefix-caching")
    ref = inv.resolve_flag("--no-enable-prefix-caching")
    assert ref.canonical == "--enable-prefix-caching" and ref.negated
    assert inv.accepts_flag("--no-enforce-eager")
    assert not inv.accepts_flag("--no-max-num-seqs")  # not a boolean option
    assert not inv.accepts_flag("--no-model")
    # EnableDisableAction (newest releases): --disable-x pairs with --enable-x
    assert inv.enable_disable_inverse
    assert inv.resolve_flag("--disable-prefix-caching") == FlagRef("--enable-prefix-caching", True, None)
    # v0.5.5 has no BooleanOptionalAction at all
    old = for_version("0.5.5")
    assert not old.boolean_optional_flags
    assert not old.accepts_flag("--no-enable-prefix-caching")
    # v0.6.5 registers --enable-prefix-caching with BooleanOptionalAction explicitly
    assert for_version("0.6.5").accepts_flag("--no-enable-prefix-caching")
    assert not for_version("0.6.4").accepts_flag("--no-enable-prefix-caching")


def test_engine_arg_and_env_var_predicates():
    inv = for_version("0.11.0")
    assert inv.is_engine_arg("max_num_seqs")
    assert inv.is_engine_arg("--max-num-seqs")
    assert not inv.is_engine_arg("max_num_seq")
    assert inv.is_env_var("VLLM_USE_V1") and not inv.is_env_var("vllm_use_v1")
    assert for_version("0.33.0").is_engine_arg("enable_log_requests")  # AsyncEngineArgs extra field


def test_first_last_release_with_underscore_flag_and_bad_kind():
    assert first_release_with("cli_flags", "--max_num_seqs") == first_release_with("cli_flags", "--max-num-seqs")
    assert first_release_with("cli_flags", "--definitely-not-a-flag") is None
    assert last_release_with("cli_flags", "--max-num-seqs") == releases()[-1]
    assert removed_in("cli_flags", "--max-num-seqs") is None
    with pytest.raises(ValueError):
        first_release_with("bogus", "x")


# ------------------------------------------------------------------------------------------ suggest


def test_suggest():
    lmi = ["max_rolling_batch_size", "max_rolling_batch_prefill_tokens", "rolling_batch", "tensor_parallel_degree"]
    assert suggest("max_rolling_batch_prefill_tokes", lmi) == "max_rolling_batch_prefill_tokens"
    inv = for_version("0.11.0")
    assert suggest("--max-num-seq", inv.cli_flags) == "--max-num-seqs"
    assert suggest("--max_num_seq", inv.cli_flags) == "--max-num-seqs"
    assert suggest("gpu-memory-utilisation", inv.engine_args_fields) == "gpu_memory_utilization"
    assert suggest("VLLM_ATTENTON_BACKEND", inv.env_vars) == "VLLM_ATTENTION_BACKEND"
    assert suggest("completely_unrelated", lmi) is None
    assert suggest("max_rolling_batch_size", lmi) is None  # already valid
    assert suggest("", lmi) is None
    assert suggestions("max_rolling_batch_siz", lmi, n=2)[0] == "max_rolling_batch_size"


# ------------------------------------------------------------------------------------------ data file / laziness


def test_data_file_one_release_per_line_in_canonical_form():
    from lmimigrate.stacks.vllm import inventory_codec as codec

    path = ROOT / "lmimigrate/stacks/vllm/inventory.jsonl"
    text = path.read_text(encoding="utf-8")
    assert path.stat().st_size < 400_000
    header, data = codec.decode(text)
    assert {"generated_by", "method"} <= set(header) and header["set_kinds"] == list(codec.SET_KINDS)
    keys = list(data)
    assert keys == sorted(keys, key=Version) and not any(k.startswith("v") for k in keys)
    assert codec.versions(text) == keys == [str(v) for v in releases()]
    assert len(text.splitlines()) == len(keys) + 1  # a header, then one line per release
    # What the generator writes: re-encoding the decoded data gives the file back byte for byte.
    assert codec.encode({k: v for k, v in header.items() if k not in ("format", "set_kinds")}, data) == text


def test_vllm_version_range_comes_from_the_data():
    from lmimigrate.core.versions import NEWEST, OLDEST

    assert (OLDEST["vllm"], NEWEST["vllm"]) == (releases()[0], releases()[-1])


def test_codec_round_trip_and_merge():
    from lmimigrate.stacks.vllm import inventory_codec as codec

    a = {k: [] for k in codec.SET_KINDS} | {"cli_flags": ["--a", "--b"], "flag_aliases": {"-a": "--a"}}
    b = {k: [] for k in codec.SET_KINDS} | {"cli_flags": ["--b", "--c"], "flag_aliases": {"-a": "--a"},
                                            "wheel_version": "0.2.0"}
    c = {k: [] for k in codec.SET_KINDS} | {"cli_flags": ["--c"], "flag_aliases": {}}
    text = codec.encode({"generated_by": "test"}, {"0.2.0": b, "0.1.0": a, "0.10.0": c})
    lines = text.splitlines()
    assert [json.loads(line).get("version") for line in lines] == [None, "0.1.0", "0.2.0", "0.10.0"]
    assert json.loads(lines[2])["cli_flags"] == {"+": ["--c"], "-": ["--a"]}
    assert "flag_aliases" not in json.loads(lines[2])  # unchanged: not repeated
    assert json.loads(lines[3])["flag_aliases"] == {}  # changed to empty: written
    _, back = codec.decode(text)
    norm = {k: sorted(v) if k in codec.SET_KINDS else v for k, v in b.items()}
    assert back["0.2.0"] == {**{k: {} for k in codec.DICT_KINDS}, **norm}
    assert back["0.10.0"]["flag_aliases"] == {} and back["0.1.0"]["cli_flags"] == ["--a", "--b"]


def test_import_does_not_read_json():
    code = textwrap.dedent("""
        import sys
        opened = []
        sys.addaudithook(lambda ev, args: opened.append(str(args[0])) if ev == "open" and str(args[0]).endswith("inventory.jsonl") else None)
        import lmimigrate.stacks.vllm.inventory as inv
        assert len(opened) <= 1, opened  # at most the vllm stack's version range, read from the lines
        assert inv._chain.cache_info().currsize == 0
        before = len(opened)
        inv.releases(); inv.for_version("0.11.0"); inv.first_release_with("env_vars", "VLLM_USE_V1")
        assert len(opened) == before + 1, opened
        print("ok")
    """)
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr


def test_loader_caches_one_read(monkeypatch):
    calls = []
    real = inv_mod._read_text
    monkeypatch.setattr(inv_mod, "_read_text", lambda: calls.append(1) or real())
    caches = (inv_mod._chain, inv_mod._releases, inv_mod._inventory, inv_mod._load)
    for cache in caches:
        cache.cache_clear()
    try:
        for_version("0.11.0"), releases(), last_release_with("cli_flags", "--port")
        assert calls == [1]
    finally:
        for cache in caches:
            cache.cache_clear()


def test_one_release_is_decoded_without_the_later_ones_and_equals_the_full_decoding():
    text = inv_mod._read_text()
    whole = codec.Chain(text).all()
    versions = codec.Chain(text).versions
    for version in ("0.5.5", "0.11.0", versions[-1]):
        chain = codec.Chain(text)
        assert chain.release(version) == whole[version]
        assert list(chain._decoded) == versions[:versions.index(version) + 1]  # the walk up to it, no further


def test_a_later_release_goes_on_from_the_last_one_decoded():
    """A run asks for its source's release, then its target's: one pass over the deltas, not two."""
    text = inv_mod._read_text()
    whole = codec.Chain(text).all()
    chain = codec.Chain(text)
    walked = []

    class Rows(list):  # records the rows each walk reads
        def __getitem__(self, index):
            walked.append((index.start or 0, index.stop) if isinstance(index, slice) else index)
            return list.__getitem__(self, index)

    chain._rows = Rows(chain._rows)
    assert chain.release("0.11.0") == whole["0.11.0"]
    assert chain.release(chain.versions[-1]) == whole[chain.versions[-1]]
    assert chain.release("0.6.0") == whole["0.6.0"]  # decoded on the way: no walk
    i = chain.versions.index("0.11.0")
    assert walked == [(0, i + 1), (i + 1, len(chain.versions))]
    chain = codec.Chain(text)
    for kind in codec.SET_KINDS:
        assert chain.union(kind) == frozenset().union(*(rel[kind] for rel in whole.values()))
    assert not chain._decoded


def test_suggestions_rank_as_difflib_does():
    """The did-you-mean matcher counts characters once per candidate list; its answers are difflib's."""
    import difflib
    import random

    from lmimigrate.stacks.vllm.inventory import _norm, suggestions

    names = sorted(for_version("0.11.0").cli_flags)
    rng = random.Random(7)
    probes = ["--max_num_seq", "--tensor-paralel-size", "--enable-prefix-cachin", "--gpu-memory", "x", "--model"]
    for name in rng.sample(names, 40):  # typos: a dropped, a doubled and a swapped character
        i = rng.randrange(2, len(name))
        probes += [name[:i] + name[i + 1:], name[:i] + name[i] + name[i:], name[:i - 1] + name[i] + name[i - 1] + name[i + 1:]]
    for probe in probes:
        for n, cutoff in ((1, 0.75), (3, 0.6), (3, 0.8)):
            by_norm: dict[str, str] = {}
            for c in names:
                by_norm.setdefault(_norm(c), c)
            key = _norm(probe)
            expected = [] if not key or key in by_norm else [by_norm[m] for m in difflib.get_close_matches(key, list(by_norm), n=n, cutoff=cutoff)]
            assert suggestions(probe, names, n=n, cutoff=cutoff) == expected, probe
