"""Default changes (trigger "default": only when `--from` is known and the pair crosses the release).

Each rule reports once per vLLM launch (a `vllm serve` command line, a vLLM `--config` file, an `LLM(...)` /
`EngineArgs(...)` call) that does not pin the value itself; where the relevant setting is present, the
finding sits on it. None of these has a fix unless keeping the old behaviour is a single known setting.
"""

from __future__ import annotations

from lmimigrate.core.changes import KeyChange, rule_classes
from lmimigrate.core.ftypes import Applicability, Example, Severity

from .common import MODEL, VllmRule, as_bool, dict_value, ev
from .env import LLM_CALLS
from lmimigrate.core.patterns import lazy_pattern

LAUNCH_KINDS = ("cli", "vllm-config", "python-call")


def launches(ctx):
    """Scopes that start a vLLM engine."""
    for scope in ctx.scopes(*LAUNCH_KINDS):
        if scope.kind == "python-call" and scope.facts.get("qualname") not in LLM_CALLS:
            continue
        yield scope


def pinned(scope, key: str) -> bool:
    """Whether the launch sets `key` itself: the flag, its `--no-` form, or a dotted `compilation_config.x`; or
    may set it unseen, through unpacked `*args`/`**kwargs` (scope fact "unpacked")."""
    if scope.get("vllm", key) is not None or scope.get("vllm", "no_" + key) is not None or scope.facts.get("unpacked"):
        return True
    if "." in key:
        head, _, sub = key.partition(".")
        whole = scope.get("vllm", head)
        if whole is not None:
            d, _ = dict_value(whole)
            return d is not None and sub in d
    return False


def _engine_args_default(code: str, name: str, key: str, releases: tuple[str, str], defaults: tuple[str, str],
                         section: str, **docs) -> KeyChange:
    """A row whose evidence is the reference's per-release `EngineArgs` defaults (vllm_engine_args.json): the
    default of `key` was `defaults[0]` in `releases[0]` and is `defaults[1]` from `releases[1]`."""
    (old_release, new_release), (old, new) = releases, defaults
    return KeyChange(
        code, name, "defaults table", (key,), new_release, "default-changed", namespace="vllm", fix=None,
        sample_from=f"vllm=={old_release}",
        evidence=(ev(f"vllm {old_release} / {new_release}", "vllm/engine/arg_utils.py", "vllm_engine_args.json "
                     f"defaults: `{key}` v{old_release} `{old}`, v{new_release} `{new}`",
                     f"{section}; vllm_engine_args.json defaults"),),
        **docs,
    )


ROWS = (
    KeyChange(
        "VLLM002", "v1-engine-default", "§3.1 E1", (), "0.8.0", "default-changed", namespace="vllm",
        message="vllm 0.8.0 runs the V1 engine by default (V0 before): batching, chunked prefill and prefix caching "
        "defaults change; re-check throughput and memory",
        summary="vllm 0.8.0 switched the default engine from V0 to V1",
        why="From 0.8.0 `VLLM_USE_V1` defaults to 1: the V1 engine runs unless a V0-only feature forces a fallback "
        "(until V0's removal in 0.11.0). Scheduling and memory behave differently (see VLLM017, VLLM020, VLLM022).",
        evidence=(ev("vllm 0.8.0", "vllm/envs.py", "`os.getenv(\"VLLM_USE_V1\", \"1\")` (0.7.3: `\"0\"`)", "§3.1 E1"),),
        fix=None,
    ),
    KeyChange(
        "VLLM017", "batching-defaults-v1", "§3.2 S1", ("max_num_batched_tokens", "max_num_seqs"), "0.8.0", "default-changed",
        namespace="vllm",
        message="vllm 0.8.0 (V1) sizes batches by usage context and GPU: `max_num_batched_tokens` 2048 (server) / 8192 "
        "(`LLM`), doubled on H100/H200 (by device name up to 0.8.4; by GPU memory from 0.8.5); `max_num_seqs` 1024 "
        "on every GPU in 0.8.0-0.8.3, from 0.8.4 256, or 1024 on H100/H200 (0.8.4) or >=70 GiB GPUs (0.8.5); set "
        "them to keep predictable memory use",
        summary="vllm 0.8.0 (V1) changed the unset `max_num_batched_tokens` / `max_num_seqs` defaults",
        why="V0 used 512 tokens with chunked prefill (else `max(max_model_len, 2048)`) and 256 sequences. V1 in "
        "0.8.0-0.8.3 used `max_num_seqs` 1024 on every GPU and picked the token budget by device name (H100/H200: "
        "8192 server / 16384 `LLM`, else 2048 / 8192); 0.8.4 kept 1024 sequences only on H100/H200 (else 256); "
        "the GPU-memory tiers start at 0.8.5.",
        evidence=(ev("vllm 0.8.2", "vllm/engine/arg_utils.py", "`_set_default_args_v1`: `if \"h100\" in device_name or "
            "\"h200\" in device_name:` … `default_max_num_seqs = 1024` / `if self.max_num_seqs is None: "
            "self.max_num_seqs = default_max_num_seqs`", "§3.2 S1"),
         ev("vllm 0.8.3, 0.8.4", "vllm/engine/arg_utils.py", "0.8.3 `_set_default_args_v1`: `default_max_num_seqs = "
            "1024` for every device; 0.8.4: `default_max_num_seqs = 1024` in the `\"h100\" in device_name or \"h200\" "
            "in device_name` branch, `default_max_num_seqs = 256` in the other", "§3.2 S1"),
         ev("vllm 0.8.5", "vllm/engine/arg_utils.py", "`_set_default_args_v1`: \"UsageContext.LLM_CLASS: 16384, "
            "UsageContext.OPENAI_API_SERVER: 8192\" and \"default_max_num_seqs = 1024\"", "§3.2 S1")),
        fix=None, extra={"all_keys": True},
        samples={"cli": "--max-num-batched-tokens 8192 --max-num-seqs 256"},
    ),
    KeyChange(
        "VLLM018", "batching-defaults-a100", "§3.2 S2", ("max_num_batched_tokens", "max_num_seqs"), "0.9.0", "default-changed",
        namespace="vllm",
        message="vllm 0.9.0 no longer gives A100s the large-GPU batching defaults; set `max_num_batched_tokens` / "
        "`max_num_seqs` to keep the old ones",
        summary="vllm 0.9.0 excluded A100 from the >=70 GiB batching-default tier",
        why="From 0.9.0 an A100 (80 GiB) gets the regular defaults (\"Setting large `max_num_batched_tokens` for A100 "
        "reduces throughput\").",
        evidence=(ev("vllm 0.9.0", "vllm/engine/arg_utils.py", "`\"a100\" not in device_name`", "§3.2 S2"),),
        fix=None, sample_from="vllm==0.8.5", extra={"all_keys": True, "cuda_only": True},
        samples={"cli": "--max-num-batched-tokens 8192 --max-num-seqs 256"},
    ),
    KeyChange(
        "VLLM019", "batching-defaults-160gib", "§3.2 S3", ("max_num_batched_tokens", "max_num_seqs"), "0.28.0", "default-changed",
        namespace="vllm",
        message="vllm 0.28.0 gives >=160 GiB GPUs (B200/B300) `max_num_batched_tokens` 16384 for the server too; set it "
        "to keep the old value",
        summary="vllm 0.28.0 added a >=160 GiB batching-default tier",
        why="GPUs with at least 160 GiB get the largest defaults for both `LLM` and the server.",
        evidence=(ev("vllm 0.28.0", "vllm/engine/arg_utils.py", "\"device_memory >= 160 * GiB_bytes\" … \"for GPUs like "
            "B200/B300 … use the largest defaults\"", "§3.2 S3"),),
        fix=None, sample_from="vllm==0.27.0", extra={"all_keys": True, "cuda_only": True},
        samples={"cli": "--max-num-batched-tokens 8192 --max-num-seqs 256"},
    ),
    KeyChange(
        "VLLM026", "prefix-caching-hash-default-sha256", "defaults table", ("prefix_caching_hash_algo",), "0.10.2", "default-changed",
        namespace="vllm",
        message="vllm 0.10.2 hashes prefix-cache blocks with `sha256` by default (`builtin` before): hashing costs more and "
        "block hashes differ (an external KV-cache store keyed on the old hashes misses); set "
        "`--prefix-caching-hash-algo` explicitly",
        summary="vllm 0.10.2 changed the default `prefix_caching_hash_algo` from builtin to sha256",
        why="The reference's per-release `EngineArgs` defaults give `builtin` (0.8.3-0.10.1) and `sha256` from 0.10.2.",
        evidence=(ev("vllm 0.10.1 / 0.10.2", "vllm/config/cache.py", "0.10.1: `PrefixCachingHashAlgo = Literal[\"builtin\", "
            "\"sha256\", \"sha256_cbor_64bit\"]`, `prefix_caching_hash_algo: PrefixCachingHashAlgo = \"builtin\"`; "
            "vllm_engine_args.json defaults: v0.10.1 `builtin`, v0.10.2 `sha256`", "§2; vllm_engine_args.json defaults"),),
        fix=None, sample_from="vllm==0.10.1", samples={"cli": "--prefix-caching-hash-algo sha256"},
    ),
    _engine_args_default(
        "VLLM027", "block-manager-v2-default", "use_v2_block_manager", ("0.6.2", "0.6.3"), ("False", "True"), "§3.2 S11",
        message="vllm 0.6.3 uses block manager v2 by default (v1 before): KV-cache block allocation changes; set "
        "`--use-v2-block-manager` explicitly to silence this (v1 is removed in 0.6.4)",
        summary="vllm 0.6.3 made block manager v2 the default",
        why="`use_v2_block_manager` defaulted to False up to 0.6.2 and to True in 0.6.3; 0.6.4 removed v1 and made the "
        "flag a no-op (VLLM010).",
        samples={"cli": "--use-v2-block-manager"},
    ),
    _engine_args_default(
        "VLLM028", "cascade-attention-default-off", "disable_cascade_attn", ("0.17.0", "0.18.0"), ("False", "True"), "§2",
        message="vllm 0.18.0 disables cascade attention by default (`disable_cascade_attn` False before): long shared "
        "prefixes lose the cascade kernel; pass `--no-disable-cascade-attn` to keep it on",
        summary="vllm 0.18.0 changed the default `disable_cascade_attn` from False to True",
        why="The reference's per-release `EngineArgs` defaults give `False` (0.8.2-0.17.x) and `True` from 0.18.0; "
        "0.32.0 deprecates the flag (default `None`).",
        samples={"cli": "--no-disable-cascade-attn"},
    ),
    KeyChange(
        "VLLM022", "prefix-caching-default-on", "§3.2 S6", ("enable_prefix_caching",), "0.8.0", "default-changed",
        namespace="vllm",
        message="vllm 0.8.0 (V1) enables prefix caching by default for generative models; pass "
        "`--no-enable-prefix-caching` to keep it off",
        summary="vllm 0.8.0 (V1) turned prefix caching on by default",
        why="V0 left prefix caching off unless enabled; V1 turns it on for generative models.",
        evidence=(ev("vllm 0.8.5", "vllm/engine/arg_utils.py", "\"V1 enables prefix caching by default.\"", "§3.2 S6"),),
        fix=None, samples={"cli": "--enable-prefix-caching"},
    ),
    KeyChange(
        "VLLM023", "async-scheduling-default-on", "§3.2 S8", ("async_scheduling",), "0.14.0", "default-changed",
        namespace="vllm",
        message="vllm 0.14.0 enables async scheduling automatically unless an option is incompatible; pass "
        "`--no-async-scheduling` to keep it off",
        summary="vllm 0.14.0 turned async scheduling on by default",
        why="`async_scheduling` defaults to `None`, which enables it unless an incompatible option is set "
        "(pipeline parallelism until 0.14.0, non-EAGLE/MTP speculative decoding, other executors).",
        evidence=(ev("vllm 0.14.0", "vllm/config/vllm.py", "\"Enable async scheduling unless there is an incompatible option.\"",
            "§3.2 S8"),),
        fix=None, sample_from="vllm==0.13.0", samples={"cli": "--async-scheduling"},
    ),
    KeyChange(
        "VLLM024", "gpu-memory-utilization-default", "§3.2 S9", ("gpu_memory_utilization",), "0.20.0", "default-changed",
        namespace="vllm",
        message="vllm 0.20.0 raised the default `gpu_memory_utilization` from 0.9 to 0.92; set "
        "`--gpu-memory-utilization 0.9` if other processes share the GPU",
        summary="vllm 0.20.0 raised the default `--gpu-memory-utilization` from 0.9 to 0.92",
        why="vLLM now reserves 2% more of the GPU; a co-located process (a second model, a sidecar) can run out of memory.",
        evidence=(ev("vllm 0.20.0", "vllm/config/cache.py", "\"If unspecified, will use the default value of 0.92\"", "§3.2 S9"),),
        severity=Severity.WARNING, new_key="gpu_memory_utilization", new_value=0.9, fix=Applicability.UNSAFE,
        sample_from="vllm==0.19.0", samples={"cli": "--gpu-memory-utilization 0.85"},
    ),
    KeyChange(
        "VLLM025", "generation-config-default-auto", "§3.2 S10", ("generation_config",), "0.8.0", "default-changed",
        namespace="vllm",
        message="vllm 0.8.0 applies the model's generation_config.json sampling defaults (`--generation-config auto`); "
        "pass `--generation-config vllm` to keep vLLM's own defaults",
        summary="vllm 0.8.0 applies the model's generation config sampling defaults",
        why="Requests that do not set temperature / top_p / top_k now get the model author's defaults instead of "
        "vLLM's, so outputs change.",
        evidence=(ev("vllm 0.8.0", "vllm/engine/arg_utils.py", "\"Defaults to 'auto', the generation config will be loaded from "
            "model path. If set to 'vllm', no generation config is loaded\"", "§3.2 S10"),),
        severity=Severity.WARNING, new_key="generation_config", new_value="vllm", fix=Applicability.UNSAFE,
        samples={"cli": "--generation-config auto"},
    ),
    KeyChange(
        "VLLM040", "cudagraph-mode-default-full-and-piecewise", "§3.3 C12", ("compilation_config.cudagraph_mode", "enforce_eager"), "0.11.0", "default-changed",
        namespace="vllm",
        message="vllm 0.11.0 captures full and piecewise CUDA graphs by default (PIECEWISE before); more memory goes to "
        "graphs; set `-cc.cudagraph_mode=PIECEWISE` to keep the old mode",
        summary="vllm 0.11.0 changed the default `cudagraph_mode` to FULL_AND_PIECEWISE",
        why="Full CUDA graphs reduce decode latency but take memory and capture time (pooling and encoder-decoder "
        "models stay PIECEWISE).",
        evidence=(ev("vllm 0.11.0", "vllm/config/__init__.py", "\"default to full and piecewise for most models\" (0.10.2: "
            "`cudagraph_mode = CUDAGraphMode.PIECEWISE`)", "§3.3 C12"),),
        fix=None, sample_from="vllm==0.10.2", samples={"cli": "--enforce-eager"},
    ),
    KeyChange(
        "VLLM041", "optimization-level-default-o2", "§3.3 C13", ("O", "optimization_level", "enforce_eager"), "0.12.0", "default-changed",
        namespace="vllm",
        message="vllm 0.12.0 introduced optimization levels; the default O2 selects the compile mode, FULL_AND_PIECEWISE "
        "CUDA graphs and fusion passes together",
        summary="vllm 0.12.0 added `--optimization-level` (default O2)",
        why="O0 disables compilation and CUDA graphs, O1 uses piecewise graphs, O2 (default) and O3 add full graphs "
        "and fusions; explicit compilation-config keys still override. `--enforce-eager` forced O0 in "
        "0.12.0-0.16.0.",
        evidence=(ev("vllm 0.12.0", "vllm/config/vllm.py", "`optimization_level: OptimizationLevel = OptimizationLevel.O2`; "
            "\"Enforce eager set, overriding optimization level to -O0\"", "§3.3 C13"),),
        fix=None, sample_from="vllm==0.11.0", samples={"cli": "-O2"},
    ),
)


#: Words naming a non-CUDA vLLM build or device (an image, `--device`, a Habana/TPU runtime variable).
_NOT_CUDA = lazy_pattern(r"(?<![a-z0-9])(?:rocm|tpu|hpu|gaudi|habana\w*|neuron\w*|xpu|vllm-cpu|openvino)(?![a-z0-9])")


def not_cuda(scope) -> bool:
    """The launch names a non-CUDA platform: its container's image, a `--device`, or the file's text."""
    device = scope.get("vllm", "device")
    shown = " ".join(str(x) for x in (scope.facts.get("image") or "", device.text_value if device else ""))
    text = shown if scope.facts.get("image") else shown + " " + scope.unit.text
    return _NOT_CUDA.search(text.lower()) is not None


class DefaultChangeRule(VllmRule):
    """Base of the rules made from `ROWS` (action "default-changed"): each launch that does not pin one of the
    row's keys (all of them with `extra["all_keys"]`) is reported with `row.message`; `new_key=new_value`, when
    the row has one, restores the old default (an unsafe fix). `extra["also"]`: a second release whose crossing
    also triggers the rule; `extra["cuda_only"]`: a CUDA GPU-tier default, quiet on launches naming another
    platform. The prefilter tokens are the launch's, not the keys': the rule fires where the keys are absent."""

    stack = "vllm"
    trigger = "default"
    severity = Severity.INFO
    row: KeyChange

    @classmethod
    def tokens_of(cls, row: KeyChange) -> tuple[bytes, ...]:
        return (b"vllm", b"VLLM", b"LLM")

    @classmethod
    def row_attrs(cls, row: KeyChange) -> dict:
        invalid, valid = _examples(row)
        return dict(
            looks_at=row.looks_at or ("vllm:*",),
            what=("Reports each vLLM launch (command line, vLLM `--config` file, `LLM(...)`) "
                  + (f"that does not set {', '.join(f'`{k}`' for k in row.keys)} " if row.keys else "")
                  + f"when the upgrade crosses vllm {row.changed_in} (known `--from` only)."),
            fix_safety=row.fix_safety or (
                "Unsafe: the fix sets the old value explicitly, which keeps the old behaviour but opts out of the "
                "new default." if row.new_key else "No fix: whether the new default suits you is your decision; set "
                "the value explicitly to silence this."),
            invalid=invalid, valid=valid,
            also_in=(row.extra["also"],) if row.extra.get("also") else (),
        )

    def check(self, ctx):
        row = self.row
        for scope in launches(ctx):
            if row.extra.get("cuda_only") and not_cuda(scope):
                continue
            if row.keys:
                hits = [pinned(scope, k) for k in row.keys]
                if (all(hits) if row.extra.get("all_keys") else any(hits)):
                    continue
            anchor = next((scope.get("vllm", k) for k in row.keys if scope.get("vllm", k) is not None), None) or scope
            edits = None
            if row.new_key is not None:
                edits = ctx.edits(scope.insert, "vllm", row.new_key, row.new_value)
            yield ctx.report(anchor, row.message, edits=edits, applicability=Applicability.UNSAFE,
                             fix_message=f"set `{row.new_key}` to {row.new_value}" if row.new_key else "")


def _examples(row: KeyChange) -> tuple[tuple[Example, ...], tuple[Example, ...]]:
    to = f"vllm=={row.changed_in}"
    frm = row.sample_from or "vllm==0.7.3"
    cli = f"vllm serve {MODEL} --max-model-len 4096\n"
    yml = f"model: {MODEL}\nmax_model_len: 4096\n"
    if row.new_key:
        k, v = row.new_key, row.new_value
        cli_fixed = cli.replace("\n", f" --{k.replace('_', '-')} {v}\n")
        yml_fixed = yml + f"{k}: {v}\n"
    else:
        cli_fixed = yml_fixed = None
    invalid = (
        Example("run.sh", cli, fixed=cli_fixed, unsafe=True, from_=frm, to=to),
        Example("vllm-config.yaml", yml, fixed=yml_fixed, unsafe=True, from_=frm, to=to),
    )
    valid = [Example("run.sh", cli, to=to),  # unknown --from: default changes stay quiet
             Example("run.sh", cli, from_=to, to="vllm==0.33.0")]
    if row.samples.get("cli"):
        valid.append(Example("run.sh", f"vllm serve {MODEL} {row.samples['cli']}\n", from_=frm, to=to))
    return tuple(invalid), tuple(valid)


rule_classes(ROWS, DefaultChangeRule, globals())


# ---- C14 -----------------------------------------------------------------------------------------------


class EnforceEagerSemantics(VllmRule):
    code = "VLLM042"
    name = "enforce-eager-semantics"
    stack = "vllm"
    changed_in = "0.17.0"
    trigger = "default"
    severity = Severity.INFO
    summary = "From vllm 0.17.0 `--enforce-eager` only disables torch.compile and CUDA graphs; it no longer forces -O0"
    looks_at = ("vllm:enforce_eager",)
    tokens = (b"enforce_eager", b"enforce-eager")
    what = "Reports `enforce_eager` when the upgrade crosses 0.17.0 from 0.12.0-0.16.0."
    why = (
        "In 0.12.0-0.16.0 `--enforce-eager` overrode the optimization level to O0; from 0.17.0 it sets "
        "`-cc.mode=none -cc.cudagraph_mode=none` and leaves the optimization level (default O2) as is, so other "
        "O2 settings now apply."
    )
    fix_safety = "No fix; add `-O0` to keep the 0.12.0-0.16.0 behaviour exactly."
    evidence = (
        ev("vllm 0.17.0", "vllm/config/vllm.py", "\"Enforce eager set, disabling torch.compile and CUDAGraphs. This is "
           "equivalent to setting -cc.mode=none -cc.cudagraph_mode=none\"", "§3.3 C14, §4 (i)"),
    )
    invalid = (Example("run.sh", f"vllm serve {MODEL} --enforce-eager\n", from_="vllm==0.14.0", to="vllm==0.17.0"),
               Example("vllm-config.yaml", f"model: {MODEL}\nenforce_eager: true\nmax_model_len: 4096\n",
                       from_="vllm==0.12.0", to="vllm==0.33.0"))
    valid = (Example("run.sh", f"vllm serve {MODEL} --enforce-eager -O0\n", from_="vllm==0.14.0", to="vllm==0.17.0"),
             Example("run.sh", f"vllm serve {MODEL} --enforce-eager\n", from_="vllm==0.10.2", to="vllm==0.17.0"))

    def check(self, ctx):
        from lmimigrate.core.pep440 import Version

        pair = ctx.pair()
        if pair is None or pair.from_ is None or pair.from_ < Version("0.12.0"):
            return  # before 0.12.0 there was no optimization level to force
        for scope in launches(ctx):
            s = scope.get("vllm", "enforce_eager")
            if s is None or (s.literal and as_bool(s.value) is False) or pinned(scope, "O") or pinned(scope, "optimization_level"):
                continue
            yield ctx.report(s, "from vllm 0.17.0 `enforce_eager` no longer forces -O0; it only disables torch.compile "
                             "and CUDA graphs; add `-O0` to keep the old behaviour")


# ---- G6 ------------------------------------------------------------------------------------------------


class GuidedBackendDefault(DefaultChangeRule):
    code = "VLLM102"
    name = "guided-decoding-backend-default"
    row = KeyChange(
        "VLLM102", "guided-decoding-backend-default", "§3.7 G6", ("guided_decoding_backend", "structured_outputs_config"),
        "0.6.5", "default-changed", namespace="vllm", fix=None, extra={"also": "0.8.4"},
        message="the default guided-decoding backend changed (outlines -> xgrammar in vllm 0.6.5, -> auto in 0.8.4): "
        "JSON/regex-constrained output may differ; set the backend explicitly to keep it",
        summary="The default guided-decoding backend changed: outlines -> xgrammar (0.6.5) -> auto (0.8.4)",
        why="", evidence=(),
    )
    changed_in = "0.6.5"
    also_in = (row.extra["also"],)
    trigger = "default"
    severity = Severity.INFO
    summary = row.summary
    looks_at = ("vllm:guided_decoding_backend", "vllm:structured_outputs_config")
    tokens = (b"vllm", b"VLLM", b"LLM")
    what = "Reports launches without an explicit guided-decoding / structured-outputs backend when the upgrade crosses 0.6.5 or 0.8.4."
    why = (
        "`DecodingConfig.guided_decoding_backend` defaulted to `outlines` up to 0.6.4, `xgrammar` from 0.6.5 and "
        "`auto` under V1 from 0.8.4; backends differ in supported schema features and whitespace handling."
    )
    fix_safety = "No fix: set `--guided-decoding-backend` (or `--structured-outputs-config.backend`) to keep a backend."
    evidence = (
        ev("vllm 0.6.5 / 0.8.4", "vllm/config.py", "DecodingConfig `'outlines'` (0.5.5), `'xgrammar'` (0.6.5), "
           "`\"'auto' if envs.VLLM_USE_V1 else 'xgrammar'\"` (0.8.4)", "§3.7 G6"),
    )
    invalid = (Example("run.sh", f"vllm serve {MODEL}\n", from_="vllm==0.8.2", to="vllm==0.8.4"),
               Example("vllm-config.yaml", f"model: {MODEL}\nmax_model_len: 4096\n", from_="vllm==0.6.2", to="vllm==0.6.6"))
    valid = (Example("run.sh", f"vllm serve {MODEL} --guided-decoding-backend xgrammar\n", from_="vllm==0.8.2", to="vllm==0.8.4"),
             Example("run.sh", f"vllm serve {MODEL}\n", from_="vllm==0.8.4", to="vllm==0.33.0"))
