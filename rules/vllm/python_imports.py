"""vLLM import paths that moved or disappeared (reference vllm_breaking_changes.md §3.13, §3.7 G4, §3.12 P3).

One table row = one upstream move = one rule code. A `from OLD import a, b` statement is rewritten only when
every imported name has a verified new home in the target release (checked by reading the release wheels'
sources: the name is defined or re-exported by the new module at every scanned release from `since` on);
otherwise, and for `import OLD` statements, the finding is reported without a fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from packaging.version import Version

from lmimigrate.core.ftypes import Applicability, Evidence, Example, Severity, TextEdit
from lmimigrate.core.rule import Rule

from .python_program import program


@dataclass(frozen=True)
class Move:
    new_module: str
    new_name: str | None = None  # None: same name
    since: str = "0"  # first release where new_module exports the name


@dataclass(frozen=True)
class ImportRow:
    code: str
    name: str
    row: str
    old_modules: tuple[str, ...]  # exact module names; a trailing ".*" also matches submodules
    changed_in: str  # first release where the old path warns or fails
    removed_in: str | None  # the old path fails from here (None: same as changed_in)
    summary: str
    why: str
    evidence: tuple[Evidence, ...]
    moves: dict[tuple[str, str], Move] = field(default_factory=dict)  # (old module, name) -> Move
    invalid: tuple[Example, ...] = ()
    valid: tuple[Example, ...] = ()
    fix_note: str = ""
    module_gone: bool = True  # False: the old module still exists, only the listed names moved


def _ev(release, file, quote, row):
    return Evidence(release, file, quote, f"vllm {row}")


OPENAI = "vllm.entrypoints.openai"

ROWS: tuple[ImportRow, ...] = (
    ImportRow(
        "VLLM200", "flexible-argument-parser-moved", "§3.13 I1", ("vllm.utils",), "0.11.1", None,
        summary="`FlexibleArgumentParser` moved from `vllm.utils` to `vllm.utils.argparse_utils` in vllm 0.11.1 (no shim)",
        why="vllm 0.11.1 split `vllm/utils/__init__.py` into modules; the class now lives in "
        "`vllm/utils/argparse_utils.py` and the package no longer re-exports it, so the old import raises "
        "ImportError.",
        evidence=(
            _ev("vllm 0.11.0", "vllm/utils/__init__.py", "`class FlexibleArgumentParser(ArgumentParser):`", "§3.13 I1"),
            _ev("vllm 0.11.1", "vllm/utils/argparse_utils.py", "`class FlexibleArgumentParser(ArgumentParser):` "
                "(no re-export in vllm/utils/__init__.py)", "§3.13 I1"),
        ),
        moves={("vllm.utils", "FlexibleArgumentParser"): Move("vllm.utils.argparse_utils", since="0.11.1")},
        module_gone=False,
        invalid=(
            Example("serve.py", "from vllm.utils import FlexibleArgumentParser\n\nparser = FlexibleArgumentParser()\n",
                    fixed="from vllm.utils.argparse_utils import FlexibleArgumentParser\n\n"
                    "parser = FlexibleArgumentParser()\n", from_="vllm==0.11.0", to="vllm==0.11.1"),
        ),
        valid=(
            Example("serve.py", "from myproj.vllm.utils import FlexibleArgumentParser\n", from_="vllm==0.11.0",
                    to="vllm==0.11.1"),
        ),
    ),
    ImportRow(
        "VLLM201", "tokenizer-module-moved", "§3.13 I2", ("vllm.transformers_utils.tokenizer",), "0.12.0", "0.22.0",
        summary="`vllm.transformers_utils.tokenizer` moved to `vllm.tokenizers` (deprecated in vllm 0.12.0, "
        "removed in 0.22.0)",
        why="vllm 0.12.0 moved the tokenizer helpers to `vllm.tokenizers` and left a module `__getattr__` shim that "
        "warns; the shim stopped serving `AnyTokenizer` and `cached_get_tokenizer` in 0.14.0, and the module is "
        "gone in 0.22.0. `AnyTokenizer` became `vllm.tokenizers.TokenizerLike`.",
        evidence=(
            _ev("vllm 0.12.0", "vllm/transformers_utils/tokenizer.py", "\"`vllm.transformers_utils.tokenizer.get_tokenizer` "
                "has been moved to `vllm.tokenizers.get_tokenizer`.\"", "§3.13 I2"),
            _ev("vllm 0.12.0", "vllm/transformers_utils/tokenizer.py", "\"`vllm.transformers_utils.tokenizer.AnyTokenizer` "
                "has been moved to `vllm.tokenizers.TokenizerLike`.\"", "§3.13 I2"),
            _ev("vllm 0.22.0", "vllm/transformers_utils/tokenizer.py", "module absent", "§3.13 I2"),
        ),
        moves={
            ("vllm.transformers_utils.tokenizer", "get_tokenizer"): Move("vllm.tokenizers", since="0.12.0"),
            ("vllm.transformers_utils.tokenizer", "cached_get_tokenizer"): Move("vllm.tokenizers", since="0.12.0"),
            ("vllm.transformers_utils.tokenizer", "AnyTokenizer"): Move("vllm.tokenizers", "TokenizerLike", since="0.12.0"),
        },
        fix_note="`AnyTokenizer` is imported as `TokenizerLike as AnyTokenizer`, so the rest of the file is untouched.",
        invalid=(
            Example("tok.py", "from vllm.transformers_utils.tokenizer import get_tokenizer\n\ntok = get_tokenizer('m')\n",
                    fixed="from vllm.tokenizers import get_tokenizer\n\ntok = get_tokenizer('m')\n",
                    from_="vllm==0.11.0", to="vllm==0.22.0"),
            Example("tok.py", "from vllm.transformers_utils.tokenizer import AnyTokenizer, get_tokenizer\n",
                    fixed="from vllm.tokenizers import TokenizerLike as AnyTokenizer, get_tokenizer\n",
                    from_="vllm==0.11.0", to="vllm==0.14.0"),
            Example("tok.py", "import vllm.transformers_utils.tokenizer as vt\n", from_="vllm==0.11.0", to="vllm==0.22.0"),
            Example("tok.py", "from vllm.transformers_utils.tokenizer import decode_tokens\n", from_="vllm==0.11.0",
                    to="vllm==0.22.0"),
        ),
        valid=(
            Example("tok.py", "from vllm.tokenizers import get_tokenizer\n", from_="vllm==0.11.0", to="vllm==0.22.0"),
            Example("tok.py", "from vllm.transformers_utils.tokenizer import get_tokenizer\n", from_="vllm==0.10.0",
                    to="vllm==0.11.2"),
        ),
    ),
    ImportRow(
        "VLLM202", "tool-parsers-moved", "§3.13 I3", (f"{OPENAI}.tool_parsers",), "0.13.0", "0.14.0",
        summary="`vllm.entrypoints.openai.tool_parsers` moved to `vllm.tool_parsers` (shim in vllm 0.13.0, removed in 0.14.0)",
        why="vllm 0.13.0 moved the tool-call parsers to the top-level `vllm.tool_parsers` package and kept a "
        "warning shim for one release; 0.14.0 removed the old package.",
        evidence=(
            _ev("vllm 0.13.0", "vllm/entrypoints/openai/tool_parsers/__init__.py", "\"has been moved to "
                "`vllm.tool_parsers.ToolParserManager`. The old name will be removed in v0.14.\"", "§3.13 I3"),
        ),
        moves={
            (f"{OPENAI}.tool_parsers", "ToolParser"): Move("vllm.tool_parsers", since="0.13.0"),
            (f"{OPENAI}.tool_parsers", "ToolParserManager"): Move("vllm.tool_parsers", since="0.13.0"),
        },
        invalid=(
            Example("parsers.py", "from vllm.entrypoints.openai.tool_parsers import ToolParser, ToolParserManager\n",
                    fixed="from vllm.tool_parsers import ToolParser, ToolParserManager\n", from_="vllm==0.12.0",
                    to="vllm==0.14.0"),
        ),
        valid=(Example("parsers.py", "from vllm.tool_parsers import ToolParser\n", from_="vllm==0.12.0", to="vllm==0.14.0"),),
    ),
    ImportRow(
        "VLLM203", "openai-protocol-modules-moved", "§3.13 I4",
        (f"{OPENAI}.protocol", f"{OPENAI}.serving_chat", f"{OPENAI}.serving_completion", f"{OPENAI}.serving_engine",
         f"{OPENAI}.serving_models"),
        "0.15.0", None,
        summary="vllm 0.15.0 split `vllm.entrypoints.openai.protocol` and `serving_*` into per-endpoint packages (no shim)",
        why="The OpenAI server was reorganized into `chat_completion/`, `completion/`, `engine/`, `models/`... "
        "packages; the old modules are gone and importing them raises ModuleNotFoundError. Shared base models "
        "moved again in 0.29.0 (`vllm.entrypoints.serve.engine.protocol`), so only names with one stable home "
        "from 0.15.0 on are rewritten.",
        evidence=(
            _ev("vllm 0.14.0", "vllm/entrypoints/openai/protocol.py", "`class ChatCompletionRequest(OpenAIBaseModel):`", "§3.13 I4"),
            _ev("vllm 0.15.0", "vllm/entrypoints/openai/chat_completion/protocol.py", "`class ChatCompletionRequest` "
                "(module scan: old modules absent)", "§3.13 I4"),
        ),
        moves={
            (f"{OPENAI}.protocol", "ChatCompletionRequest"): Move(f"{OPENAI}.chat_completion.protocol", since="0.15.0"),
            (f"{OPENAI}.protocol", "ChatCompletionResponse"): Move(f"{OPENAI}.chat_completion.protocol", since="0.15.0"),
            (f"{OPENAI}.protocol", "ChatMessage"): Move(f"{OPENAI}.chat_completion.protocol", since="0.15.0"),
            (f"{OPENAI}.protocol", "CompletionRequest"): Move(f"{OPENAI}.completion.protocol", since="0.15.0"),
            (f"{OPENAI}.protocol", "CompletionResponse"): Move(f"{OPENAI}.completion.protocol", since="0.15.0"),
            (f"{OPENAI}.serving_chat", "OpenAIServingChat"): Move(f"{OPENAI}.chat_completion.serving", since="0.15.0"),
            (f"{OPENAI}.serving_completion", "OpenAIServingCompletion"): Move(f"{OPENAI}.completion.serving", since="0.15.0"),
            (f"{OPENAI}.serving_models", "OpenAIServingModels"): Move(f"{OPENAI}.models.serving", since="0.15.0"),
        },
        invalid=(
            Example("client.py", "from vllm.entrypoints.openai.protocol import ChatCompletionRequest, CompletionRequest\n",
                    fixed="from vllm.entrypoints.openai.chat_completion.protocol import ChatCompletionRequest\n"
                    "from vllm.entrypoints.openai.completion.protocol import CompletionRequest\n",
                    from_="vllm==0.14.0", to="vllm==0.15.0"),
            Example("client.py", "from vllm.entrypoints.openai.protocol import ErrorResponse\n", from_="vllm==0.14.0",
                    to="vllm==0.15.0"),
        ),
        valid=(
            Example("client.py", "from openai.types.chat import ChatCompletion\n", from_="vllm==0.14.0", to="vllm==0.15.0"),
        ),
    ),
    ImportRow(
        "VLLM204", "openai-cli-args-moved", "§3.13 I5", (f"{OPENAI}.cli_args", "vllm.entrypoints.launchers.cli_args"),
        "0.29.0", None,
        summary="`vllm.entrypoints.openai.cli_args` moved to `vllm.entrypoints.launchers.cli_args` (0.29.0), then to "
        "`vllm.entrypoints.common.cli_args` (0.33.0); no shims",
        why="The serve argument parser (`make_arg_parser`, `FrontendArgs`, `validate_parsed_serve_args`) moved twice; "
        "each old module is gone in the release that moved it.",
        evidence=(
            _ev("vllm 0.29.0", "vllm/entrypoints/launchers/cli_args.py", "`def make_arg_parser` (module scan: "
                "vllm/entrypoints/openai/cli_args.py absent)", "§3.13 I5"),
            _ev("vllm 0.33.0", "vllm/entrypoints/common/cli_args.py", "`def make_arg_parser` (module scan: "
                "vllm/entrypoints/launchers/cli_args.py absent)", "§3.13 I5"),
        ),
        moves={
            **{(f"{OPENAI}.cli_args", n): Move("vllm.entrypoints.launchers.cli_args", since="0.29.0")
               for n in ("make_arg_parser", "FrontendArgs", "validate_parsed_serve_args")},
            **{("vllm.entrypoints.launchers.cli_args", n): Move("vllm.entrypoints.common.cli_args", since="0.33.0")
               for n in ("make_arg_parser", "FrontendArgs", "validate_parsed_serve_args")},
        },
        invalid=(
            Example("launch.py", "from vllm.entrypoints.openai.cli_args import make_arg_parser\n",
                    fixed="from vllm.entrypoints.launchers.cli_args import make_arg_parser\n", from_="vllm==0.28.0",
                    to="vllm==0.29.0"),
            Example("launch.py", "from vllm.entrypoints.launchers.cli_args import FrontendArgs, make_arg_parser\n",
                    fixed="from vllm.entrypoints.common.cli_args import FrontendArgs, make_arg_parser\n",
                    from_="vllm==0.29.0", to="vllm==0.33.0"),
            Example("launch.py", "from vllm.entrypoints.openai.cli_args import make_arg_parser\n",
                    fixed="from vllm.entrypoints.common.cli_args import make_arg_parser\n", from_="vllm==0.28.0",
                    to="vllm==0.33.0"),
        ),
        valid=(
            Example("launch.py", "from vllm.entrypoints.launchers.cli_args import make_arg_parser\n", from_="vllm==0.28.0",
                    to="vllm==0.32.0"),
        ),
    ),
    ImportRow(
        "VLLM205", "chat-utils-moved", "§3.13 I6", ("vllm.entrypoints.chat_utils",), "0.32.0", None,
        summary="`vllm.entrypoints.chat_utils` moved to `vllm.renderers.chat_utils` in vllm 0.32.0 (no shim)",
        why="Chat-message parsing and chat-template loading moved to `vllm.renderers.chat_utils` (a package from "
        "0.33.0 that re-exports `parse_chat_messages` and `load_chat_template`).",
        evidence=(
            _ev("vllm 0.32.0", "vllm/renderers/chat_utils.py", "`def parse_chat_messages` (module scan: "
                "vllm/entrypoints/chat_utils.py absent)", "§3.13 I6"),
        ),
        moves={
            ("vllm.entrypoints.chat_utils", "parse_chat_messages"): Move("vllm.renderers.chat_utils", since="0.32.0"),
            ("vllm.entrypoints.chat_utils", "load_chat_template"): Move("vllm.renderers.chat_utils", since="0.32.0"),
        },
        invalid=(
            Example("chat.py", "from vllm.entrypoints.chat_utils import load_chat_template\n",
                    fixed="from vllm.renderers.chat_utils import load_chat_template\n", from_="vllm==0.31.0",
                    to="vllm==0.32.0"),
        ),
    ),
    ImportRow(
        "VLLM206", "attention-package-moved", "§3.13 I7", ("vllm.attention", "vllm.attention.layer"), "0.16.0", None,
        summary="`vllm.attention` is gone in vllm 0.16.0; `Attention` lives in `vllm.model_executor.layers.attention`",
        why="The attention layer moved to `vllm/model_executor/layers/attention/` (class in `attention.py`, "
        "re-exported by the package); `vllm/attention` was last shipped in 0.15.0. Note: from 0.12.0 "
        "`vllm/attention/__init__.py` no longer re-exported `Attention`, so `from vllm.attention import Attention` "
        "already failed there (`vllm.attention.layer` worked until 0.15.0).",
        evidence=(
            _ev("vllm 0.15.0", "vllm/attention/layer.py", "`class Attention(nn.Module, AttentionLayerBase):`", "§3.13 I7"),
            _ev("vllm 0.16.0", "vllm/model_executor/layers/attention/__init__.py",
                "`from vllm.model_executor.layers.attention.attention import Attention`", "§3.13 I7"),
        ),
        moves={
            ("vllm.attention", "Attention"): Move("vllm.model_executor.layers.attention", since="0.16.0"),
            ("vllm.attention.layer", "Attention"): Move("vllm.model_executor.layers.attention", since="0.16.0"),
        },
        invalid=(
            Example("model.py", "from vllm.attention.layer import Attention\n",
                    fixed="from vllm.model_executor.layers.attention import Attention\n", from_="vllm==0.15.0",
                    to="vllm==0.16.0"),
        ),
    ),
    ImportRow(
        "VLLM207", "reasoning-parsers-moved", "§3.13 I8", (f"{OPENAI}.reasoning_parsers",), "0.8.3", None,
        summary="`vllm.entrypoints.openai.reasoning_parsers` moved to `vllm.reasoning` in vllm 0.8.3",
        why="Reasoning parsers became the top-level `vllm.reasoning` package; the old package is absent from 0.8.3.",
        evidence=(
            _ev("vllm 0.8.3", "vllm/reasoning/__init__.py", "exports `ReasoningParser`, `ReasoningParserManager` "
                "(module scan: vllm/entrypoints/openai/reasoning_parsers absent)", "§3.13 I8"),
        ),
        moves={
            (f"{OPENAI}.reasoning_parsers", "ReasoningParser"): Move("vllm.reasoning", since="0.8.3"),
            (f"{OPENAI}.reasoning_parsers", "ReasoningParserManager"): Move("vllm.reasoning", since="0.8.3"),
        },
        invalid=(
            Example("rp.py", "from vllm.entrypoints.openai.reasoning_parsers import ReasoningParser\n",
                    fixed="from vllm.reasoning import ReasoningParser\n", from_="vllm==0.8.2", to="vllm==0.8.3"),
        ),
    ),
    ImportRow(
        "VLLM208", "model-loader-module-split", "§3.13 I9", ("vllm.model_executor.model_loader.loader",), "0.9.0", None,
        summary="`vllm.model_executor.model_loader.loader` was split into per-format modules in vllm 0.9.0",
        why="The loaders moved to `vllm.model_executor.model_loader.{default_loader, ...}`; the old module is gone. "
        "Which new module holds a class depends on the loader, so the import is reported, not rewritten.",
        evidence=(_ev("vllm 0.9.0", "vllm/model_executor/model_loader/default_loader.py",
                      "module scan: vllm/model_executor/model_loader/loader.py absent", "§3.13 I9"),),
        invalid=(
            Example("load.py", "from vllm.model_executor.model_loader.loader import DefaultModelLoader\n",
                    from_="vllm==0.8.5", to="vllm==0.9.0"),
        ),
    ),
    ImportRow(
        "VLLM209", "v0-spec-decode-prompt-adapter-removed", "§3.13 I10", ("vllm.spec_decode.*", "vllm.prompt_adapter.*"),
        "0.10.0", None,
        summary="`vllm.spec_decode` and `vllm.prompt_adapter` were removed in vllm 0.10.0",
        why="These were V0-engine packages. Speculative decoding lives in `vllm.v1.spec_decode` (configured with "
        "`speculative_config`); prompt adapters were removed with no replacement.",
        evidence=(_ev("vllm 0.10.0", "vllm/spec_decode, vllm/prompt_adapter", "last seen v0.9.2 (module scan)", "§3.13 I10"),),
        invalid=(
            Example("spec.py", "from vllm.prompt_adapter.request import PromptAdapterRequest\n", from_="vllm==0.9.2",
                    to="vllm==0.10.0"),
        ),
    ),
    ImportRow(
        "VLLM210", "guided-decoding-module-removed", "§3.7 G4", ("vllm.model_executor.guided_decoding.*",), "0.10.1", None,
        summary="`vllm.model_executor.guided_decoding` was removed in vllm 0.10.1",
        why="Guided decoding is configured per request with `SamplingParams(guided_decoding=GuidedDecodingParams(...))` "
        "(`structured_outputs=StructuredOutputsParams(...)` from 0.11.0); the engine side is `vllm.v1.structured_output`.",
        evidence=(_ev("vllm 0.10.1", "vllm/model_executor/guided_decoding", "directory present v0.10.0, absent v0.10.1",
                      "§3.7 G4"),),
        invalid=(
            Example("gd.py", "from vllm.model_executor.guided_decoding.guided_fields import GuidedDecodingRequest\n",
                    from_="vllm==0.10.0", to="vllm==0.10.1"),
        ),
    ),
    ImportRow(
        "VLLM211", "vllm-scripts-removed", "§3.13 I11", ("vllm.scripts",), "0.32.0", None,
        summary="`vllm.scripts` was removed in vllm 0.32.0; the CLI is `vllm.entrypoints.cli.main`",
        why="Since 0.7.3 the `vllm` console script points at `vllm.entrypoints.cli.main:main`; `vllm/scripts.py` "
        "stayed as a warning shim (\"vllm.scripts.main() is deprecated\") until 0.31.0 and is absent in 0.32.0.",
        evidence=(
            _ev("vllm 0.31.0", "vllm/scripts.py", "\"vllm.scripts.main() is deprecated. Please re-install vllm or use "
                "vllm.entrypoints.cli.main.main() instead.\"", "§3.13 I11"),
            _ev("vllm 0.32.0", "vllm/scripts.py", "module absent (wheel scan)", "§3.13 I11"),
        ),
        moves={("vllm.scripts", "main"): Move("vllm.entrypoints.cli.main", since="0.8.0")},
        invalid=(
            Example("cli.py", "from vllm.scripts import main\n\nmain()\n",
                    fixed="from vllm.entrypoints.cli.main import main\n\nmain()\n", from_="vllm==0.31.0", to="vllm==0.32.0"),
        ),
    ),
    ImportRow(
        "VLLM212", "prompt-inputs-renamed", "§3.12 P3", ("vllm", "vllm.inputs"), "0.6.3", None,
        summary="`PromptInputs` was renamed `PromptType` in vllm 0.6.3",
        why="`vllm/__init__.py` exports `PromptType` instead of `PromptInputs` from 0.6.3; the old name raises ImportError.",
        evidence=(_ev("vllm 0.6.3", "vllm/__init__.py", "`__all__` lists \"PromptType\" (no \"PromptInputs\")", "§3.12 P3"),),
        moves={
            ("vllm", "PromptInputs"): Move("vllm", "PromptType", since="0.6.3"),
            ("vllm.inputs", "PromptInputs"): Move("vllm.inputs", "PromptType", since="0.6.3"),
        },
        fix_note="The name is imported as `PromptType as PromptInputs`, so the rest of the file is untouched.",
        module_gone=False,
        invalid=(
            Example("types_.py", "from vllm import PromptInputs\n", fixed="from vllm import PromptType as PromptInputs\n",
                    from_="vllm==0.6.2", to="vllm==0.6.3"),
        ),
        valid=(Example("types_.py", "from vllm import LLM, PromptType\n", from_="vllm==0.6.2", to="vllm==0.6.3"),),
    ),
)

# I5's second hop: the 0.29 module itself moved in 0.33.0.
_SECOND_HOP = {"vllm.entrypoints.launchers.cli_args": ("vllm.entrypoints.common.cli_args", "0.33.0")}
_CLI_ARGS_NAMES = ("make_arg_parser", "FrontendArgs", "validate_parsed_serve_args")


def _prefixes(dotted: str) -> list[str]:
    parts = dotted.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _matches(module: str, patterns: tuple[str, ...]) -> str | None:
    for p in patterns:
        if p.endswith(".*"):
            base = p[:-2]
            if module == base or module.startswith(base + "."):
                return p
        elif module == p:
            return p
    return None


class _ImportRule(Rule):
    stack = "vllm"
    trigger = "target"
    severity = Severity.ERROR
    surfaces = ("python", "notebook")
    ROW: ImportRow

    @classmethod
    def tokens_for(cls, surface: str) -> tuple[bytes, ...]:
        # Only names imported from vllm are rewritten: a Python file that never says "vllm" has none.
        return (b"vllm",) if surface == "python" else super().tokens_for(surface)

    def _new_home(self, module: str, name: str, to: Version) -> Move | None:
        mv = self.ROW.moves.get((module, name))
        if mv is None or to < Version(mv.since):
            return None
        new_module = mv.new_module
        hop = _SECOND_HOP.get(new_module)
        if hop and to >= Version(hop[1]) and name in _CLI_ARGS_NAMES:
            new_module = hop[0]
        return Move(new_module, mv.new_name, mv.since)

    def check(self, ctx):
        prog = program(ctx)
        if prog is None:
            return
        pair = ctx.pair()
        row = self.ROW
        removed = Version(row.removed_in or row.changed_in)
        severity = Severity.ERROR if pair.to >= removed else Severity.WARNING
        for unit, mod, imp in prog.imports():
            if not imp.is_from:
                if not row.module_gone:
                    continue
                for n in imp.names:
                    if any(_matches(m, row.old_modules) for m in _prefixes(n.name)):
                        yield ctx.report((unit, *n.span), f"`import {n.name}`: {row.summary}; update the module "
                                         "path and its uses by hand", severity=severity)
                continue
            if imp.level or not imp.module or not _matches(imp.module, row.old_modules):
                continue
            hop = _SECOND_HOP.get(imp.module)
            if hop and pair.to < Version(hop[1]):
                continue
            if row.module_gone:
                names = list(imp.names)
            else:  # the module stays: only the moved names matter
                names = [n for n in imp.names if (imp.module, n.name) in row.moves]
                if not names:
                    continue
            homes = [self._new_home(imp.module, n.name, pair.to) for n in names]
            edits = None
            stmt = unit.text[imp.span[0] : imp.span[1]]
            clean = "#" not in stmt and "\\" not in stmt
            if clean and names and all(h is not None for h in homes):
                if all(h.new_module == imp.module for h in homes):
                    edits = [TextEdit(*n.span, h.new_name if n.asname else f"{h.new_name} as {n.name}")
                             for n, h in zip(names, homes) if h.new_name]
                elif len(names) == len(imp.names):
                    edits = self._rewrite(unit, mod, imp, homes)
            what = ", ".join(f"`{n.name}`" for n in names)
            if not edits:
                missing = [n.name for n, h in zip(names, homes) if h is None]
                hint = f" ({', '.join(missing)}: no verified new home; update by hand)" if missing else ""
                yield ctx.report((unit, *imp.span), f"`from {imp.module} import` {what}: {row.summary}{hint}",
                                 severity=severity)
            else:
                yield ctx.report((unit, *imp.span), f"`from {imp.module} import` {what}: {row.summary}",
                                 edits=edits, applicability=Applicability.SAFE,
                                 fix_message="import from the new location" + (": " + row.fix_note if row.fix_note else ""),
                                 severity=severity)

    @staticmethod
    def _rewrite(unit, mod, imp, homes: list[Move]) -> list[TextEdit] | None:
        groups: dict[str, list[str]] = {}
        for n, home in zip(imp.names, homes):
            new_name = home.new_name or n.name
            groups.setdefault(home.new_module, []).append(new_name if new_name == n.local else f"{new_name} as {n.local}")
        text = unit.text
        indent = text[mod.offsets.at(imp.node.lineno, 0) : imp.span[0]]
        if indent.strip():  # `x = 1; from a import b`: leave it to the user
            return None
        nl = unit.newline or "\n"
        new = (nl + indent).join(f"from {mod_} import {', '.join(ns)}" for mod_, ns in groups.items())
        if new == text[imp.span[0] : imp.span[1]]:
            return None
        return [TextEdit(imp.span[0], imp.span[1], new)]


def _make(row: ImportRow) -> type[Rule]:
    tokens = tuple({m.rstrip("*").rstrip(".").rsplit(".", 1)[-1].encode() for m in row.old_modules})
    if not row.module_gone:
        tokens = tuple({name.encode() for _, name in row.moves})
    attrs = dict(
        ROW=row,
        code=row.code,
        name=row.name,
        changed_in=row.changed_in,
        removed_in=row.removed_in if row.removed_in and row.removed_in != row.changed_in else None,
        summary=row.summary,
        looks_at=tuple(f"python:{m.rstrip('.*')}" for m in row.old_modules),
        tokens=tokens,
        fix_applicability=Applicability.SAFE if row.moves else None,
        what=f"Reports Python imports from {', '.join('`' + m.rstrip('.*') + '`' for m in row.old_modules)} "
        f"when the target release is vllm {row.changed_in} or newer ({row.row}).",
        why=row.why,
        fix_safety=(
            "Safe: `from OLD import name` is rewritten to the new module only when every imported name exists there "
            "in the target release (verified in the release sources); `import OLD` statements, star imports and "
            "names without a verified new home are reported without a fix. " + row.fix_note
            if row.moves else "No fix: the replacement depends on what the code uses."
        ),
        evidence=row.evidence,
        invalid=row.invalid,
        valid=row.valid,
    )
    return type(f"Import{row.code}", (_ImportRule,), attrs)


for _row in ROWS:
    globals()[f"Import{_row.code}"] = _make(_row)
