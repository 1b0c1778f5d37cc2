"""Default changes (gaudi §1.1, §1.5, §2, §4): reported as information when the user relies on the default.

Every row is one upstream change and one code. A row fires on a Gaudi vLLM environment that leaves its
variables unset (and, for bucket defaults, runs linear bucketing on the target, the only strategy that uses
them), when the upgrade crosses the release from a known source (trigger "default"). None has a fix: the old
value may or may not be what you want, and setting it changes nothing about the upgrade's other effects.

The README defaults of every fork branch 1.19-1.23 are stale (they still describe 1.18); the rows follow the
code, as the reference requires (gaudi §1.1 "README vs code").
"""

from __future__ import annotations

from lmimigrate.core.changes import KeyChange, rule_classes
from lmimigrate.core.ftypes import Evidence, Example, Severity
from lmimigrate.core.rule import Rule

from .common import FORK, GAUDI_VLLM_VARS, PLUGIN, ForkRule, PluginRule, env_scopes, env_settings, ev, is_gaudi_scope, linear_on, release_name


def _fork_ext(release: str, file: str, quote: str, section: str = "§1.1") -> Evidence:
    return ev(release, file, quote, section)


ROWS = (
    KeyChange(
        "HPU020", "graph-reserved-mem-default", "", ("VLLM_GRAPH_RESERVED_MEM",), "1.19.0", "default-changed",
        namespace="env", stack=FORK, fix=None, sample_from="vllm-fork==1.18.0", sample_to="vllm-fork==1.19.0",
        defaults=(("0.4", "0.1"),),
        context={"env": "VLLM_SKIP_WARMUP=false\n"},
        why="less device memory is reserved for HPU-graph capture and more goes to the KV cache",
        evidence=(_fork_ext("vllm-fork v1.18.0 / v1.19.0", "vllm/worker/habana_worker.py (v1.18), vllm/worker/hpu_worker.py (v1.19+)",
                   "VLLM_GRAPH_RESERVED_MEM default 0.4 on v1.18, 0.1 from v1.19", "§1.5"),),
    ),
    KeyChange(
        "HPU021", "graph-prompt-ratio-default", "", ("VLLM_GRAPH_PROMPT_RATIO",), "1.19.0", "default-changed",
        namespace="env", stack=FORK, fix=None, sample_from="vllm-fork==1.18.0", sample_to="vllm-fork==1.20.0",
        defaults=(("0.5", "0.3"),),
        context={"env": "VLLM_GRAPH_RESERVED_MEM=0.1\n"},
        why="prompt graphs get a smaller share of the graph memory than decode graphs",
        evidence=(_fork_ext("vllm-fork v1.18.0 / v1.19.0", "vllm/worker/habana_worker.py (v1.18), vllm/worker/hpu_model_runner.py (v1.19)",
                   "VLLM_GRAPH_PROMPT_RATIO default 0.5 on v1.18, 0.3 on v1.19-v1.21.x", "§1.5"),),
        until="1.22.0",  # removed in 1.22.0 (HPU003)
    ),
    KeyChange(
        "HPU022", "linear-bucket-defaults-1-19", "", ("VLLM_PROMPT_BS_BUCKET_STEP", "VLLM_PROMPT_BS_BUCKET_MAX", "VLLM_DECODE_BS_BUCKET_MIN", "VLLM_DECODE_BLOCK_BUCKET_MIN", "VLLM_DECODE_BLOCK_BUCKET_STEP"), "1.19.0", "default-changed",
        namespace="env", stack=FORK, fix=None, sample_from="vllm-fork==1.18.0", sample_to="vllm-fork==1.19.0",
        defaults=(
            ("min(max_num_seqs, 32)", "32"),
            ("min(max_num_seqs, 64)", "max_num_prefill_seqs (= max_num_seqs unless set)"),
            ("min(max_num_seqs, 32)", "1"),
            ("128", "block_size"),
            ("128", "block_size"),
        ),
        context={"env": "VLLM_PROMPT_SEQ_BUCKET_MAX=2048\n"},
        why="bucketing moved into vllm-hpu-extension with new linear defaults, so warm-up prepares other buckets",
        evidence=(
            _fork_ext("vllm-fork v1.18.0", "vllm/worker/habana_model_runner.py", "in-tree linear defaults (1.18 column)"),
            _fork_ext("vllm-fork v1.19.0 (ext 4ff86cf)", "vllm_hpu_extension/bucketing.py", "extension linear defaults (1.19-1.20 column)"),
        ),
        extra={"linear": True},
    ),
    KeyChange(
        "HPU023", "linear-bucket-defaults-1-21", "", ("VLLM_PROMPT_SEQ_BUCKET_MAX", "VLLM_DECODE_BLOCK_BUCKET_MAX"), "1.21.0", "default-changed",
        namespace="env", stack=FORK, fix=None, sample_from="vllm-fork==1.20.0", sample_to="vllm-fork==1.21.2",
        defaults=(
            ("1024", "max_model_len"),
            ("max(block_size, max_num_seqs*2048 // block_size)", "max(block_size, max_num_seqs*max_model_len // block_size)"),
        ),
        context={"env": "VLLM_PROMPT_BS_BUCKET_MAX=8\n"},
        why="the fork now passes max_model_len to the bucketing code: with a long context, warm-up covers far more "
        "(and larger) buckets, taking longer and using more graph memory",
        evidence=(
            _fork_ext("vllm-fork v0.6.6.post1+Gaudi-1.20.0 (ext d4b0d38)", "vllm_hpu_extension/bucketing.py",
                      "PROMPT_SEQ_MAX hard-coded 1024; DECODE_BLOCK_MAX max(B, S*2048 // B)"),
            _fork_ext("vllm-fork v0.7.2+Gaudi-1.21.0 (ext 2b4ba56)", "vllm_hpu_extension/bucketing/linear.py; "
                      "vllm/worker/hpu_model_runner.py (passes self.max_model_len)",
                      "PROMPT_SEQ_MAX = max_model_len (1024 only if it is None); DECODE_BLOCK_MAX max(B, S*L // B)"),
        ),
        extra={"linear": True, "quiet": ("VLLM_EXPONENTIAL_BUCKETING=true\nVLLM_PROMPT_BS_BUCKET_MAX=8\n",)},
    ),
    KeyChange(
        "HPU024", "linear-decode-block-max-default-1-22", "", ("VLLM_DECODE_BLOCK_BUCKET_MAX",), "1.22.0", "default-changed",
        namespace="env", stack=FORK, fix=None, sample_from="vllm-fork==1.21.2", sample_to="vllm-fork==1.22.0",
        defaults=(("max(block_size, max_num_seqs*max_model_len // block_size)", "the number of KV-cache blocks allocated"),),
        context={"env": "VLLM_EXPONENTIAL_BUCKETING=false\nVLLM_DECODE_BS_BUCKET_MAX=64\n"},
        why="with contiguous PA (the V0 default) decode buckets now run up to the KV-cache size",
        evidence=(_fork_ext("vllm-fork v0.9.0.1+Gaudi-1.22.0 (ext 8211e0b)", "vllm_hpu_extension/bucketing/linear.py (`generate_decode_buckets`)",
                   "with contiguous PA and VLLM_DECODE_BLOCK_BUCKET_MAX unset, the max is forced to the KV-block count, "
                   "which is appended as a bucket"),),
        extra={"linear": True, "quiet": ("VLLM_DECODE_BS_BUCKET_MAX=64\n", "VLLM_EXPONENTIAL_BUCKETING=yes\nVLLM_DECODE_BS_BUCKET_MAX=64\n")},
    ),
    KeyChange(
        "HPU025", "lazy-mode-default", "", ("PT_HPU_LAZY_MODE",), "1.21.0", "default-changed",
        namespace="env", stack=FORK, fix=None, sample_from="vllm-fork==1.20.0", sample_to="vllm-fork==1.21.0",
        defaults=(("1 (Lazy mode, HPU graphs)", "0 (torch.compile)"),),
        context={"env": "VLLM_SKIP_WARMUP=false\n"},
        why="the model runs through torch.compile instead of Lazy mode; warm-up, memory and performance differ",
        evidence=(
            _fork_ext("vllm-fork branch v1.21.0", "README_GAUDI.md",
                      "\"Starting with the 1.21.0 Intel Gaudi software release, the `torch.compile` execution mode is "
                      "the default\"", "§1.5"),
            _fork_ext("vllm-fork branch v1.20.0", "vllm/__init__.py", "assumes PT_HPU_LAZY_MODE '1' when unset", "§1.5"),
        ),
    ),
    KeyChange(
        "HPU026", "gc-threshold-multiplier-default", "", ("VLLM_GC_THR_MULTIPLIER",), "1.21.0", "default-changed",
        namespace="env", stack=FORK, fix=None, sample_from="vllm-fork==1.20.0", sample_to="vllm-fork==1.21.2",
        defaults=(("2", "16"),),
        context={"env": "VLLM_SKIP_WARMUP=false\n"},
        why="Python's garbage collector runs less often (higher generation thresholds)",
        evidence=(_fork_ext("vllm-fork v1.20.0 / v1.21.0", "vllm/worker/hpu_model_runner.py (`_set_gc_threshold`)",
                   "VLLM_GC_THR_MULTIPLIER default 2 (<= v1.20), 16 (v1.21+)", "§1.5"),),
    ),
    KeyChange(
        "HPU027", "delayed-sampling-default", "", ("VLLM_DELAYED_SAMPLING",), "1.21.2", "default-changed",
        namespace="env", stack=FORK, fix=None, sample_from="vllm-fork==1.21.0", sample_to="vllm-fork==1.21.2",
        defaults=(("false", "true without speculative decoding, multi-step scheduling or LoRA"),),
        context={"env": "VLLM_SKIP_WARMUP=false\n"},
        why="sampling of one step overlaps the next step's forward pass",
        evidence=(_fork_ext("vllm-fork v0.7.2+Gaudi-1.21.0 / v1.21.2", "vllm/worker/hpu_model_runner.py",
                   "v1.21.0: module-level default false; v1.21.2 (around line 807): true when there is no speculative "
                   "decoding, a single scheduler step, no LoRA and a real HPU", "§1.5"),),
    ),
    KeyChange(
        "HPU028", "contiguous-pa-default", "", ("VLLM_CONTIGUOUS_PA",), "1.19.0", "default-changed",
        namespace="env", stack=FORK, fix=None, sample_from="vllm-fork==1.18.0", sample_to="vllm-fork==1.19.0",
        defaults=(("(no such option: non-contiguous blocks)", "true"),),
        context={"env": "VLLM_DECODE_BLOCK_BUCKET_MAX=2048\n"},
        why="decode block buckets now track the highest KV block id in use rather than the blocks the batch needs "
        "(gaudi §1.3), so `VLLM_DECODE_BLOCK_BUCKET_MAX` below the KV-cache size can leave buckets unprepared",
        evidence=(_fork_ext("vllm-fork v1.19.0", "vllm/worker/hpu_model_runner.py", "VLLM_CONTIGUOUS_PA introduced, default true",
                   "§1.5, §4"),),
    ),
    # ---- vllm-gaudi ----------------------------------------------------------------------------------
    KeyChange(
        "HPU061", "prefill-batch-size-default", "", ("VLLM_PROMPT_BS_BUCKET_MAX",), "0.10.0", "default-changed",
        namespace="env", stack=PLUGIN, fix=None, sample_from="vllm-fork==1.22.0", sample_to="vllm-gaudi==0.20.0",
        defaults=(("max_num_prefill_seqs (= max_num_seqs)", "1, and it is the real prefill batch size"),),
        context={"env": "VLLM_SKIP_WARMUP=false\n"},
        why="vllm-gaudi runs prefills one sequence at a time unless VLLM_PROMPT_BS_BUCKET_MAX is set (HPU060)",
        evidence=(ev("vllm-gaudi v0.11.2 .. v0.26.0", "vllm_gaudi/v1/worker/hpu_model_runner.py",
            "`self.max_prefill_batch_size = with_default(get_config().VLLM_PROMPT_BS_BUCKET_MAX, 1)` (v0.10.x: "
            "prefill batch hard-coded to 1)", "§2"),),
    ),
    KeyChange(
        "HPU062", "prompt-bs-step-default", "", ("VLLM_PROMPT_BS_BUCKET_STEP",), "0.11.2", "default-changed",
        namespace="env", stack=PLUGIN, fix=None, sample_from="vllm-fork==1.22.0", sample_to="vllm-gaudi==0.20.0",
        defaults=(("32", "1"),),
        context={"env": "VLLM_BUCKETING_STRATEGY=lin\nVLLM_PROMPT_BS_BUCKET_MAX=16\n"},
        why="linear prompt batch-size buckets are every integer up to the max instead of powers of two then steps of 32",
        evidence=(ev("vllm-gaudi v0.11.2", "vllm_gaudi/extension/bucketing/linear.py",
            "`read_bucket_settings('prompt', 'bs', min=1, step=1, max=max_num_prefill_seqs)` (v0.10.0: step=32)", "§2"),),
        requires=("VLLM_PROMPT_BS_BUCKET_MAX",),
        extra={"linear": True},
    ),
    KeyChange(
        "HPU063", "prompt-query-max-default", "", ("VLLM_PROMPT_QUERY_BUCKET_MAX",), "0.11.2", "default-changed",
        namespace="env", stack=PLUGIN, fix=None, sample_from="vllm-fork==1.22.0", sample_to="vllm-gaudi==0.20.0",
        defaults=(("max_model_len (as VLLM_PROMPT_SEQ_BUCKET_MAX)", "max_num_batched_tokens"),),
        context={"env": "VLLM_BUCKETING_STRATEGY=lin\nVLLM_PROMPT_BS_BUCKET_MAX=4\n"},
        why="prompt buckets stop at the chunked-prefill token budget; longer prompts are processed in chunks whose "
        "earlier parts become context (VLLM_PROMPT_CTX_BUCKET_*, in blocks)",
        evidence=(ev("vllm-gaudi v0.11.2", "vllm_gaudi/extension/bucketing/linear.py",
            "`read_bucket_settings('prompt', 'query', min=block_size, step=block_size, max=max_num_batched_tokens)`",
            "§2"),),
        extra={"linear": True, "fallbacks": (("VLLM_PROMPT_QUERY_BUCKET_MAX", "VLLM_PROMPT_SEQ_BUCKET_MAX"),), "quiet": ("VLLM_BUCKETING_STRATEGY=lin\nVLLM_PROMPT_SEQ_BUCKET_MAX=4096\n",  # the deprecated fallback
               "VLLM_PROMPT_BS_BUCKET_MAX=4\n")},  # exponential (the default): linear defaults do not apply
    ),
    KeyChange(
        "HPU064", "contiguous-pa-effectively-off", "", ("VLLM_CONTIGUOUS_PA",), "0.10.0", "default-changed",
        namespace="env", stack=PLUGIN, fix=None, sample_from="vllm-fork==1.21.2", sample_to="vllm-gaudi==0.20.0",
        defaults=(("true (V0: prefix caching off)", "not prefix_caching, i.e. off under V1's default prefix caching"),),
        context={"env": "VLLM_SKIP_WARMUP=false\n"},
        why="decode block buckets count the blocks of the batch instead of the highest block id (gaudi §1.3)",
        evidence=(ev("vllm-gaudi v0.20.0rc0", "vllm_gaudi/extension/features.py",
            "`Value('use_contiguous_pa', Disabled('prefix_caching'), env_var='VLLM_CONTIGUOUS_PA')`", "§2"),),
    ),
    KeyChange(
        "HPU065", "decode-block-bucket-defaults", "", ("VLLM_DECODE_BLOCK_BUCKET_MIN", "VLLM_DECODE_BLOCK_BUCKET_MAX"), "0.11.2", "default-changed",
        namespace="env", stack=PLUGIN, fix=None, sample_from="vllm-fork==1.22.0", sample_to="vllm-gaudi==0.20.0",
        defaults=(
            ("block_size", "1"),
            ("the KV-block count (fork 1.22, contiguous PA)", "max(max_model_len*max_num_seqs // block_size, block_size), or the KV-block count with contiguous PA"),
        ),
        context={"env": "VLLM_BUCKETING_STRATEGY=lin\nVLLM_DECODE_BS_BUCKET_MAX=32\n"},
        why="linear decode buckets start at 1 block and, without contiguous PA (the V1 default), end at the worst case "
        "for max_num_seqs sequences of max_model_len",
        evidence=(ev("vllm-gaudi v0.11.2", "vllm_gaudi/extension/bucketing/linear.py",
            "`max_decode_blocks = max(math.ceil(max_model_len * max_num_seqs // block_size), block_size)`; "
            "`read_bucket_settings('decode', 'block', min=1, step=block_size, max=max_decode_blocks)`", "§2"),),
        extra={"linear": True},
    ),
)


def _k8s(env: str) -> str:
    lines = ["apiVersion: v1", "kind: Pod", "spec:", "  containers:", "    - name: vllm", "      env:"]
    for line in env.splitlines():
        k, _, v = line.partition("=")
        lines += [f"        - name: {k}", f"          value: \"{v}\""]
    return "\n".join(lines) + "\n"


def _set(scope, var: str, fallbacks) -> bool:
    names = [var] + [alt for v, alt in fallbacks if v == var]
    return any(scope.get("env", n) is not None for n in names)


class DefaultChanged(Rule):
    """Base of the rules made from `ROWS` (action "default-changed", namespace "env"): a Gaudi vLLM environment
    that leaves a row's variables unset is reported; `requires`: only when these are set. `why` is the effect;
    the rule's why lists `defaults` before it. `context["env"]` is the examples' environment. `extra`:
    "linear" (only when the target runs linear bucketing), "fallbacks" ((variable, other name that sets it too),
    a deprecated fallback), "quiet" (more environments that must not be reported, as valid examples)."""

    trigger = "default"
    severity = Severity.INFO
    row: KeyChange

    @classmethod
    def tokens_of(cls, row: KeyChange) -> tuple[bytes, ...]:
        return (b"VLLM_", b"PT_HPU_", b"HABANA_")  # the rule fires where the variables are absent

    @classmethod
    def row_attrs(cls, row: KeyChange) -> dict:
        where, names, needs = release_name(row.stack, row.changed_in), row.keys, row.requires
        fallbacks = row.extra.get("fallbacks", ())
        env = row.context["env"]
        set_all = "".join(f"{v}=1\n" for v in names)
        frm, to = row.sample_from, row.sample_to
        return dict(
            summary=f"{where} changed the default of " + ", ".join(f"`{v}`" for v in names),
            looks_at=tuple(f"env:{v}" for v in names + needs),
            what=(
                f"Reports a Gaudi vLLM environment that leaves {', '.join(f'`{v}`' for v in names)} unset"
                + (f" but sets {', '.join(f'`{v}`' for v in needs)}" if needs else "")
                + (" and runs linear bucketing on the target" if row.extra.get("linear") else "")
                + "".join(f" (`{alt}` counts as setting `{v}`)" for v, alt in fallbacks)
                + f", when the upgrade crosses {where} from a known release."
            ),
            why=("Defaults, old → new: "
                 + "; ".join(f"`{v}`: {old} → {new}" for v, (old, new) in zip(names, row.defaults))
                 + f". Effect: {row.why}."),
            fix_safety="No fix: set the variable to the old value only if you depend on the old behaviour.",
            invalid=(Example("gaudi.env", env, from_=frm, to=to), Example("k8s.yaml", _k8s(env), from_=frm, to=to)),
            valid=(
                Example("gaudi.env", env + set_all, from_=frm, to=to),
                Example("gaudi.env", env, to=to),  # unknown source release
                Example("app.env", "VLLM_USE_V1=1\nMAX_BATCH_SIZE=8\n", from_=frm, to=to),
            ) + tuple(Example("gaudi.env", quiet, from_=frm, to=to) for quiet in row.extra.get("quiet", ())),
        )

    def check(self, ctx):
        row = self.row
        fallbacks = row.extra.get("fallbacks", ())
        target = ctx.pair(row.stack).to
        for scope in env_scopes(ctx):
            if not is_gaudi_scope(scope):
                continue
            if not all(_set(scope, v, fallbacks) for v in row.requires):
                continue
            unset = [(v, old, new) for v, (old, new) in zip(row.keys, row.defaults) if not _set(scope, v, fallbacks)]
            if not unset:
                continue
            if row.extra.get("linear") and linear_on(scope, row.stack, target) is not True:
                continue
            anchor = next((s for s in env_settings(scope) if s.key in GAUDI_VLLM_VARS), None) or next(
                env_settings(scope)
            )
            changes = "; ".join(f"`{v}` {old} → {new}" for v, old, new in unset)
            yield ctx.report(anchor, f"{release_name(row.stack, row.changed_in)} changed defaults this environment relies on: {changes}")


class ForkDefaultChanged(DefaultChanged, ForkRule):
    """A fork default change (quiet for users already on the plugin)."""


class PluginDefaultChanged(DefaultChanged, PluginRule):
    """A vllm-gaudi default change (a fork `--from` counts as a known source)."""


rule_classes((r for r in ROWS if r.stack == FORK), ForkDefaultChanged, globals())
rule_classes((r for r in ROWS if r.stack == PLUGIN), PluginDefaultChanged, globals())
