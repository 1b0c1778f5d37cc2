"""What surfaces must know of the stacks to read a file, registered by the stacks when they are loaded.

Surfaces import no stack: an LMI-aware env view, the vLLM command-line facts and the names that identify a
vLLM `--config` file reach them through these hooks. The built-in stacks register on first use.
"""

from __future__ import annotations

from lmimigrate.core.record import record

from lmimigrate.core.versions import stacks
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Callable


@record(frozen=True)
class CommandLineFacts:
    short_aliases: dict[str, str]  # `-tp` -> tensor_parallel_size
    # Underscored keys of switches (take a value only when it is true/false); a function, so that the stack can
    # read them from its data on the first command line rather than when it is registered.
    bool_flags: Callable[[], frozenset[str]]
    server_modules: tuple[str, ...]  # `python -m MODULE` launches a server
    cli_module: str  # `python -m MODULE serve`
    # Recognising a bare argument list (no `vllm serve` before it) by its flags, as underscored keys:
    distinctive_flags: frozenset[str] = frozenset()  # flags only vLLM has (`max_model_len`, `enforce_eager`)
    foreign_keys: frozenset[str] = frozenset()  # flags that mark another server (TGI `model_id`, SGLang `model_path`)


@record(frozen=True)
class EnvView:
    """How a stack reads environment variables as settings of its own namespace (LMI: OPTION_* -> option.*)."""

    ns: str
    key_of: Callable[[str], "str | None"]  # env name -> key in `ns`, or None
    env_of: Callable[[str], str]  # key in `ns` -> env name


_FACTS: list[CommandLineFacts] = []
_ENV_VIEWS: dict[str, EnvView] = {}
_CONFIG_FLAG_NAMES: list[Callable[[], frozenset[str]]] = []


def register_command_line_facts(facts: CommandLineFacts) -> None:
    _FACTS[:] = [facts]


def register_env_view(view: EnvView) -> None:
    _ENV_VIEWS[view.ns] = view


def register_config_flag_names(fn: Callable[[], frozenset[str]]) -> None:
    _CONFIG_FLAG_NAMES[:] = [fn]


def command_line_facts() -> CommandLineFacts:
    stacks()
    return _FACTS[0] if _FACTS else CommandLineFacts({}, frozenset, (), "")


def env_views() -> dict[str, EnvView]:
    stacks()
    return _ENV_VIEWS


def config_flag_names() -> frozenset[str]:
    stacks()
    return _CONFIG_FLAG_NAMES[0]() if _CONFIG_FLAG_NAMES else frozenset()
