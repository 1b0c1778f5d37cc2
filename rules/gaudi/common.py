"""What the Gaudi rules share: variable tables, value parsing per release, scope tests, and version gating.

Two stacks are in play (reference gaudi_bucketing.md, "gaudi §" below):
- ``vllm-fork``: HabanaAI/vllm-fork, versioned by Intel Gaudi software release (1.18.0 ... 1.23.0);
- ``vllm-gaudi``: the vllm-project/vllm-gaudi plugin that replaces the fork (0.10.0 ...).

A file moves from the fork to the plugin when the user names ``--to vllm-gaudi==X``. The fork pair then still
runs to the fork's last release (1.23.0 unless given), so fork-era changes the user has not crossed yet are
reported by the fork rules (HPU001-HPU049), and the plugin rules (HPU050-HPU099) carry the result over to the
plugin's names. Where both packs know the same variable, the plugin rule stands back while the fork rule
reports it (`fork_reports`), so one variable never gets two findings.
"""

from __future__ import annotations

from lmimigrate.core.ftypes import Scope, Setting
from lmimigrate.core.rule import Context, Rule, cited
from lmimigrate.core.versions import VersionPair
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Iterator

FORK = "vllm-fork"
PLUGIN = "vllm-gaudi"

# gaudi §1.1: VLLM_{PHASE}_{DIM}_BUCKET_{PARAM} for PROMPT_BS, PROMPT_SEQ, DECODE_BS, DECODE_BLOCK.
BUCKET_DIMS = ("PROMPT_BS", "PROMPT_SEQ", "DECODE_BS", "DECODE_BLOCK")
LINEAR_BUCKET_VARS = tuple(f"VLLM_{d}_BUCKET_{p}" for d in BUCKET_DIMS for p in ("MIN", "STEP", "MAX"))
LIMIT_VARS = tuple(f"VLLM_{d}_BUCKET_LIMIT" for d in BUCKET_DIMS)
PROMPT_SEQ_VARS = tuple(f"VLLM_PROMPT_SEQ_BUCKET_{p}" for p in ("MIN", "STEP", "MAX"))

EXP_FLAG = "VLLM_EXPONENTIAL_BUCKETING"
STRATEGY = "VLLM_BUCKETING_STRATEGY"
SKIP_WARMUP = "VLLM_SKIP_WARMUP"

# Variables only the Gaudi fork / plugin read: none of them is in any vLLM release's vllm/envs.py v0.5.5-v0.33.0
# (checked against the reference's vllm_engine_args.json), so a scope setting one configures vLLM on Gaudi.
GAUDI_VLLM_VARS = frozenset(
    LINEAR_BUCKET_VARS
    + LIMIT_VARS
    + tuple(f"VLLM_PROMPT_{d}_BUCKET_{p}" for d in ("QUERY", "CTX") for p in ("MIN", "STEP", "MAX"))
    + (
        EXP_FLAG,
        STRATEGY,
        SKIP_WARMUP,
        "VLLM_GRAPH_RESERVED_MEM",
        "VLLM_GRAPH_PROMPT_RATIO",
        "VLLM_GRAPH_PROMPT_STRATEGY",
        "VLLM_GRAPH_DECODE_STRATEGY",
        "VLLM_GRAPH_MULTIMODAL_PROMPT_RATIO",
        "VLLM_CONTIGUOUS_PA",
        "VLLM_DELAYED_SAMPLING",
        "VLLM_FULL_WARMUP",
        "VLLM_ENABLE_EXPERIMENTAL_FLAGS",
        "VLLM_DEVELOPER_MODE",
        "VLLM_BUCKETING_FROM_FILE",
        "VLLM_PROMPT_USE_FUSEDSDPA",
        "VLLM_GC_THR_MULTIPLIER",
    )
)
# Habana runtime variables: also set by Gaudi training jobs, so they mark a vLLM scope only next to "vllm".
_HABANA_PREFIXES = ("PT_HPU_", "HABANA_")

# gaudi §1.4: 1.21.x reads VLLM_EXPONENTIAL_BUCKETING as `value.lower() == 'true'`; 1.22 (ext 8211e0b
# config.py `boolean`) and vllm-gaudi accept `x.lower() in ['true', 't', '1', 'yes', 'y', 'on']`.
BOOLEAN_TRUE = ("true", "t", "1", "yes", "y", "on")
WIDENED_TRUE = tuple(v for v in BOOLEAN_TRUE if v != "true")


#: Evidence checked against the reference's Gaudi book: `ev(release, file, quote, "§1.4")`.
ev = cited("gaudi")


def release_name(stack: str, version: str) -> str:
    """A release in messages: "Gaudi 1.22.0" for the fork, "vllm-gaudi 0.20.0" for the plugin."""
    return f"Gaudi {version}" if stack == FORK else f"vllm-gaudi {version}"


def env_tokens(*names: str) -> tuple[bytes, ...]:
    """Prefilter tokens: env names are written in upper case on every surface (env, YAML, Python dicts)."""
    return tuple(dict.fromkeys(n.encode() for n in names))


# ---- values -------------------------------------------------------------------------------------------


def literal_text(s: Setting | None) -> str | None:
    """The value a process would see, or None when unknown (not a literal)."""
    if s is None or not s.literal:
        return None
    return s.text_value


def fork_flag_true(value: str | None, version) -> bool:
    """Does the fork at `version` read this env value as true? (1.21.x: only 'true'; 1.22+: the boolean set)."""
    if value is None:
        return False
    if version is not None and _lt(version, "1.22.0"):
        return value.lower() == "true"
    return value.lower() in BOOLEAN_TRUE


def _lt(version, other: str) -> bool:
    from lmimigrate.core.pep440 import Version

    return Version(str(version)) < Version(other)


def plugin_flag_true(value: str) -> bool:
    """vllm_gaudi/extension/config.py `boolean`, used for the legacy VLLM_EXPONENTIAL_BUCKETING override."""
    return value.lower() in BOOLEAN_TRUE


# ---- scopes -------------------------------------------------------------------------------------------


def env_settings(scope: Scope) -> Iterator[Setting]:
    for s in scope.settings:
        if s.ns == "env" and s.derived_from is None:
            yield s


#: Image names that say where a container runs. A Gaudi variable in a container whose image is a CPU, CUDA,
#: ROCm, TPU or Neuron build (often shared through a compose anchor with a Gaudi service) configures nothing
#: on Gaudi, so no Gaudi rule touches it.
_GAUDI_IMAGE = ("habana", "gaudi", "hpu")
_OTHER_IMAGE = ("vllm-openai", "vllm-cpu", "-cpu", "cpu-", "rocm", "tpu", "cuda", "cu12", "neuron", "djl-inference", "xpu")


def runs_elsewhere(scope: Scope) -> bool:
    """The scope's container or service names an image that is not a Gaudi build."""
    image = str(scope.facts.get("image") or "").lower()
    if not image or any(m in image for m in _GAUDI_IMAGE):
        return False
    return any(m in image for m in _OTHER_IMAGE)


def env_scopes(ctx: Context) -> Iterator[Scope]:
    """Env scopes a Gaudi rule may act on: every one with settings, except those of a non-Gaudi container."""
    for scope in ctx.scopes("env"):
        if any(True for _ in env_settings(scope)) and not runs_elsewhere(scope):
            yield scope


def is_gaudi_scope(scope: Scope) -> bool:
    """Does this env scope configure vLLM on Gaudi? A Gaudi-only vLLM variable says so; a Habana runtime
    variable (PT_HPU_*, HABANA_*) only when the same file mentions vLLM."""
    if runs_elsewhere(scope):
        return False
    habana = False
    for s in env_settings(scope):
        if s.key in GAUDI_VLLM_VARS:
            return True
        if s.key.startswith(_HABANA_PREFIXES):
            habana = True
    return habana and "vllm" in scope.unit.text.lower()


def first(scope: Scope, names) -> Setting | None:
    """The first setting (in file order) of any of `names`."""
    wanted = set(names)
    return next((s for s in env_settings(scope) if s.key in wanted), None)


def all_of(scope: Scope, names) -> list[Setting]:
    wanted = set(names)
    return [s for s in env_settings(scope) if s.key in wanted]


def linear_on(scope: Scope, stack: str, version) -> bool | None:
    """Does this scope run linear bucketing on `stack` at `version`? None when a non-literal value decides."""
    flag = scope.get("env", EXP_FLAG)
    if flag is not None and not flag.literal:
        return None
    value = literal_text(flag)
    if stack == FORK:
        if _lt(version, "1.21.0"):
            return True
        if _lt(version, "1.22.0"):
            return not (value is not None and value.lower() == "true")
        return value is not None and value.lower() not in BOOLEAN_TRUE
    # vllm-gaudi: the legacy flag overrides VLLM_BUCKETING_STRATEGY (default 'exp', from v0.20.0rc0).
    if value is not None:
        return not plugin_flag_true(value)
    strategy = scope.get("env", STRATEGY)
    if strategy is None:
        return False
    if not strategy.literal:
        return None
    return literal_text(strategy) == "lin"


# ---- version gating -----------------------------------------------------------------------------------


def on_plugin_already(pairs: dict[str, VersionPair]) -> bool:
    """The user states (or we detected) a vllm-gaudi source version: fork-era changes are behind them."""
    p = pairs.get(PLUGIN)
    return p is not None and p.from_ is not None


def fork_reports(ctx: Context, version: str) -> bool:
    """Is the fork change at `version` reported by a fork rule in this run? Plugin rules then stand back."""
    return not on_plugin_already(ctx.pairs) and ctx.crosses(version, FORK)


class ForkRule(Rule):
    """A vllm-fork rule. Quiet for users already on the plugin (a vllm-gaudi `from` is known)."""

    stack = FORK
    #: Fork-only behaviour (e.g. a warning the plugin never prints): quiet whenever vllm-gaudi is the target.
    fork_only = False

    def active(self, pairs):
        if on_plugin_already(pairs):
            return False
        if self.fork_only and PLUGIN in pairs:
            return False
        return super().active(pairs)


class PluginRule(Rule):
    """A vllm-gaudi rule. For trigger "default" (a default that differs from the fork's or an older plugin's),
    the source counts as known when the user gives a vllm-gaudi `from`, or a vllm-fork `from` (they are
    moving off the fork, so every plugin change up to the target is new to them)."""

    stack = PLUGIN

    def active(self, pairs):
        if self.trigger != "default":
            return super().active(pairs)
        plugin = pairs.get(PLUGIN)
        if plugin is None:
            return False
        if self.until is not None and plugin.to >= _version(self.until):
            return False
        if plugin.from_ is not None:
            return plugin.crosses_known(self.changed_in)
        fork = pairs.get(FORK)
        return fork is not None and fork.from_ is not None and plugin.target_at_least(self.changed_in)


def _version(text: str):
    from lmimigrate.core.pep440 import Version

    return Version(text)


def names_list(settings: list[Setting], limit: int = 3) -> str:
    shown = ", ".join(f"`{s.raw_key}`" for s in settings[:limit])
    more = len(settings) - limit
    return shown + (f" and {more} more" if more > 0 else "")

