"""Python sources: vLLM / SageMaker calls and environment dicts, read with stdlib `ast` (never imported or run).

`PyModule` (stored on `unit.python`) is the file's import table, a resolver from Name/Attribute expressions to
fully qualified names through those imports, the vLLM/SageMaker references and every call that resolves.
Names are only resolved through imports, so another library's `LLM` (or a local `class LLM`) never matches.

Scopes:
- "python-call" ns "vllm": `LLM(...)`, `EngineArgs(...)`, `AsyncEngineArgs(...)`; ns "sampling":
  `SamplingParams(...)`; ns "call": any other `sagemaker.*` call. Keys are keyword names; facts: qualname,
  call, args (positional: [(value or None, span)]).
- "env": dicts given as `env=`/`environment=`/`env_vars=` to a `sagemaker.*` call (inline, or a variable
  assigned a dict display or `dict(...)`), dicts assigned to `*env*` names whose keys are mostly UPPER_CASE,
  `os.environ.update(...)`, and one scope for `os.environ["X"] = "v"` / `os.environ.setdefault("X", "v")`.

Modules: `model` (imports, resolution, calls: what rules use), `literals` (offsets, literal spelling, item
lists), `scopes` (call and env scopes), `builder` (scopes from a module).

Offsets: ast columns are UTF-8 byte offsets in a line; `Offsets` turns them into str offsets.
"""

from __future__ import annotations

from lmimigrate.core.ftypes import ParsedFile, ParseError, TextEdit, Unit
from lmimigrate.surfaces.python.builder import ENV_KWARGS, SAMPLING_CALLS, VLLM_ENGINE_CALLS, _Builder, _mostly_upper
from lmimigrate.surfaces.python.carriers import launch_scopes, string_units
from lmimigrate.surfaces.python.containers import engine_arg_dicts, environment_maps, option_maps
from lmimigrate.surfaces.python.literals import Items, Offsets, py_literal, py_str, quote_of
from lmimigrate.surfaces.python.model import Arg, Call, Import, ImportedName, Keyword, PyModule, Reference, build_module
from lmimigrate.surfaces.python.scopes import PyCallScope, PyEnvScope
from lmimigrate.core.patterns import lazy_pattern

__all__ = [
    "ENV_KWARGS", "PREFILTER", "SAMPLING_CALLS", "VLLM_ENGINE_CALLS", "Arg", "Call", "Import", "ImportedName", "Items",
    "Keyword", "Offsets", "PyCallScope", "PyEnvScope", "PyModule", "Reference", "TextEdit", "build_module", "parse",
    "parse_file",
    "py_literal", "py_str", "quote_of",
]


#: A file without any of these cannot hold a setting this surface extracts. Such files are not even parsed
#: (so a syntax error there is not reported either); the engine's rule prefilter skips them as well.
PREFILTER = ("vllm", "sagemaker", "env", "OPTION_", "HF_MODEL", "VLLM_", "option.", "engine=", "Environment")

#: Roots of the names a notebook's later cells inherit from earlier ones (what the scopes and rules resolve).
_CARRIED_ROOTS = frozenset({"vllm", "sagemaker", "os", "subprocess", "boto3"})


def carried(qualname: str) -> bool:
    return qualname.split(".", 1)[0] in _CARRIED_ROOTS


#: A quoted environment variable name of the serving stacks (LMI, vLLM, Gaudi, SageMaker, Hugging Face).
_SERVING_ENV = lazy_pattern(r"[\"'](?:OPTION|VLLM|HF|SM|SAGEMAKER|TENSOR_PARALLEL|SERVING|HABANA|PT_HPU|HUGGING)[A-Z0-9_]*[\"']")


def containers(b: _Builder, text: str) -> None:
    """Scopes for dicts and lists of settings that no known call names (see `containers`); each kind only in a
    file that holds its hint."""
    if "option." in text:
        option_maps(b)
    if _SERVING_ENV.search(text):  # an environment map that a serving stack reads
        environment_maps(b, _mostly_upper)
    if "**" in text and "vllm" in text:
        engine_arg_dicts(b, VLLM_ENGINE_CALLS)


def parse_file(path: str, text: str) -> ParsedFile:
    """A Python file: its unit, then the units of configuration text embedded in its string literals."""
    from lmimigrate.surfaces import detect_newline

    unit = Unit(text=text, surface="python", newline=detect_newline(text))
    return ParsedFile(path=path, units=[unit, *parse(unit)])


def parse(unit: Unit, source: str | None = None, inherited: dict[str, str] | None = None) -> list[Unit]:
    """Fill unit.scopes and unit.python. `source` is a same-length stand-in for unit.text (notebook cells with
    IPython lines blanked); offsets always index unit.text. `inherited`: names bound to vllm/sagemaker qualnames
    before this text runs (a notebook's earlier cells). Returns the units of configuration text embedded in the
    unit's string literals (the caller adds them to its ParsedFile after the unit)."""
    text = unit.text if source is None else source
    if not any(t in text for t in PREFILTER) and not any(q.startswith(("vllm", "sagemaker")) for q in (inherited or {}).values()):
        return []
    mod = build_module(text, unit.index.starts, inherited)
    unit.python = mod
    b = _Builder(unit, mod)
    try:
        b.call_scopes()
        if "os" in mod.bindings or "environ" in mod.bindings:
            b.environ()
        b.named_env_dicts()
        containers(b, text)
        b.scopes.extend(launch_scopes(unit, mod))
        embedded = string_units(unit, mod)
    except RecursionError:
        raise ParseError("Python source nested too deeply") from None
    b.scopes.sort(key=lambda s: s.span)
    unit.scopes.extend(b.scopes)
    return embedded
