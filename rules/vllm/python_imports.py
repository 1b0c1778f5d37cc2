"""vLLM import paths that moved or disappeared (reference vllm_breaking_changes.md §3.13, §3.7 G4, §3.12 P3).

One `KeyChange` row = one upstream move = one rule code (keys: the old modules; `new_value`: each moved
name's new home; `extra`: "module_gone" False when only the listed names moved, "fix_note"). A `from OLD import a, b` statement is rewritten only when
every imported name has a verified new home in the target release (checked by reading the release wheels'
sources: the name is defined or re-exported by the new module at every scanned release from `since` on);
otherwise, and for `import OLD` statements, the finding is reported without a fix.
"""

from __future__ import annotations

from lmimigrate.core.changes import KeyChange, rule_classes
from lmimigrate.core.ftypes import Example

from .common import ev
from .python_import_rule import ImportMoved, Move

OPENAI = "vllm.entrypoints.openai"

ROWS: tuple[KeyChange, ...] = (
    KeyChange(
        "VLLM200", "flexible-argument-parser-moved", "§3.13 I1", ("vllm.utils",), "0.11.1", "rename",
        namespace="python",
        summary="`FlexibleArgumentParser` moved from `vllm.utils` to `vllm.utils.argparse_utils` in vllm 0.11.1 (no shim)",
        why="vllm 0.11.1 split `vllm/utils/__init__.py` into modules; the class now lives in "
        "`vllm/utils/argparse_utils.py` and the package no longer re-exports it, so the old import raises "
        "ImportError.",
        evidence=(
            ev("vllm 0.11.0", "vllm/utils/__init__.py", "`class FlexibleArgumentParser(ArgumentParser):`", "§3.13 I1"),
            ev("vllm 0.11.1", "vllm/utils/argparse_utils.py", "`class FlexibleArgumentParser(ArgumentParser):` "
                "(no re-export in vllm/utils/__init__.py)", "§3.13 I1"),
        ),
        new_value={("vllm.utils", "FlexibleArgumentParser"): Move("vllm.utils.argparse_utils", since="0.11.1")},
        invalid=(
            Example("serve.py", "from vllm.utils import FlexibleArgumentParser\n\nparser = FlexibleArgumentParser()\n",
                    fixed="from vllm.utils.argparse_utils import FlexibleArgumentParser\n\n"
                    "parser = FlexibleArgumentParser()\n", from_="vllm==0.11.0", to="vllm==0.11.1"),
        ),
        valid=(
            Example("serve.py", "from myproj.vllm.utils import FlexibleArgumentParser\n", from_="vllm==0.11.0",
                    to="vllm==0.11.1"),
        ),
        extra={"module_gone": False},
    ),
    KeyChange(
        "VLLM201", "tokenizer-module-moved", "§3.13 I2", ("vllm.transformers_utils.tokenizer",), "0.12.0", "rename",
        namespace="python", removed_in="0.22.0",
        summary="`vllm.transformers_utils.tokenizer` moved to `vllm.tokenizers` (deprecated in vllm 0.12.0, "
        "removed in 0.22.0)",
        why="vllm 0.12.0 moved the tokenizer helpers to `vllm.tokenizers` and left a module `__getattr__` shim that "
        "warns; the shim stopped serving `AnyTokenizer` and `cached_get_tokenizer` in 0.14.0, and the module is "
        "gone in 0.22.0. `AnyTokenizer` became `vllm.tokenizers.TokenizerLike`.",
        evidence=(
            ev("vllm 0.12.0", "vllm/transformers_utils/tokenizer.py", "\"`vllm.transformers_utils.tokenizer.get_tokenizer` "
                "has been moved to `vllm.tokenizers.get_tokenizer`.\"", "§3.13 I2"),
            ev("vllm 0.12.0", "vllm/transformers_utils/tokenizer.py", "\"`vllm.transformers_utils.tokenizer.AnyTokenizer` "
                "has been moved to `vllm.tokenizers.TokenizerLike`.\"", "§3.13 I2"),
            ev("vllm 0.22.0", "vllm/transformers_utils/tokenizer.py", "module absent", "§3.13 I2"),
        ),
        new_value={
            ("vllm.transformers_utils.tokenizer", "get_tokenizer"): Move("vllm.tokenizers", since="0.12.0"),
            ("vllm.transformers_utils.tokenizer", "cached_get_tokenizer"): Move("vllm.tokenizers", since="0.12.0"),
            ("vllm.transformers_utils.tokenizer", "AnyTokenizer"): Move("vllm.tokenizers", "TokenizerLike", since="0.12.0"),
        },
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
        extra={"fix_note": "`AnyTokenizer` is imported as `TokenizerLike as AnyTokenizer`, so the rest of the file is untouched."},
    ),
    KeyChange(
        "VLLM202", "tool-parsers-moved", "§3.13 I3", (f"{OPENAI}.tool_parsers",), "0.13.0", "rename",
        namespace="python", removed_in="0.14.0",
        summary="`vllm.entrypoints.openai.tool_parsers` moved to `vllm.tool_parsers` (shim in vllm 0.13.0, removed in 0.14.0)",
        why="vllm 0.13.0 moved the tool-call parsers to the top-level `vllm.tool_parsers` package and kept a "
        "warning shim for one release; 0.14.0 removed the old package.",
        evidence=(
            ev("vllm 0.13.0", "vllm/entrypoints/openai/tool_parsers/__init__.py", "\"has been moved to "
                "`vllm.tool_parsers.ToolParserManager`. The old name will be removed in v0.14.\"", "§3.13 I3"),
        ),
        new_value={
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
    KeyChange(
        "VLLM203", "openai-protocol-modules-moved", "§3.13 I4", (f"{OPENAI}.protocol", f"{OPENAI}.serving_chat", f"{OPENAI}.serving_completion", f"{OPENAI}.serving_engine",
         f"{OPENAI}.serving_models"), "0.15.0", "rename",
        namespace="python",
        summary="vllm 0.15.0 split `vllm.entrypoints.openai.protocol` and `serving_*` into per-endpoint packages (no shim)",
        why="The OpenAI server was reorganized into `chat_completion/`, `completion/`, `engine/`, `models/`... "
        "packages; the old modules are gone and importing them raises ModuleNotFoundError. Shared base models "
        "moved again in 0.29.0 (`vllm.entrypoints.serve.engine.protocol`), so only names with one stable home "
        "from 0.15.0 on are rewritten.",
        evidence=(
            ev("vllm 0.14.0", "vllm/entrypoints/openai/protocol.py", "`class ChatCompletionRequest(OpenAIBaseModel):`", "§3.13 I4"),
            ev("vllm 0.15.0", "vllm/entrypoints/openai/chat_completion/protocol.py", "`class ChatCompletionRequest` "
                "(module scan: old modules absent)", "§3.13 I4"),
        ),
        new_value={
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
    KeyChange(
        "VLLM204", "openai-cli-args-moved", "§3.13 I5", (f"{OPENAI}.cli_args", "vllm.entrypoints.launchers.cli_args"), "0.29.0", "rename",
        namespace="python",
        summary="`vllm.entrypoints.openai.cli_args` moved to `vllm.entrypoints.launchers.cli_args` (0.29.0), then to "
        "`vllm.entrypoints.common.cli_args` (0.33.0); no shims",
        why="The serve argument parser (`make_arg_parser`, `FrontendArgs`, `validate_parsed_serve_args`) moved twice; "
        "each old module is gone in the release that moved it.",
        evidence=(
            ev("vllm 0.29.0", "vllm/entrypoints/launchers/cli_args.py", "`def make_arg_parser` (module scan: "
                "vllm/entrypoints/openai/cli_args.py absent)", "§3.13 I5"),
            ev("vllm 0.33.0", "vllm/entrypoints/common/cli_args.py", "`def make_arg_parser` (module scan: "
                "vllm/entrypoints/launchers/cli_args.py absent)", "§3.13 I5"),
        ),
        new_value={
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
    KeyChange(
        "VLLM205", "chat-utils-moved", "§3.13 I6", ("vllm.entrypoints.chat_utils",), "0.32.0", "rename",
        namespace="python",
        summary="`vllm.entrypoints.chat_utils` moved to `vllm.renderers.chat_utils` in vllm 0.32.0 (no shim)",
        why="Chat-message parsing and chat-template loading moved to `vllm.renderers.chat_utils` (a package from "
        "0.33.0 that re-exports `parse_chat_messages` and `load_chat_template`).",
        evidence=(
            ev("vllm 0.32.0", "vllm/renderers/chat_utils.py", "`def parse_chat_messages` (module scan: "
                "vllm/entrypoints/chat_utils.py absent)", "§3.13 I6"),
        ),
        new_value={
            ("vllm.entrypoints.chat_utils", "parse_chat_messages"): Move("vllm.renderers.chat_utils", since="0.32.0"),
            ("vllm.entrypoints.chat_utils", "load_chat_template"): Move("vllm.renderers.chat_utils", since="0.32.0"),
        },
        invalid=(
            Example("chat.py", "from vllm.entrypoints.chat_utils import load_chat_template\n",
                    fixed="from vllm.renderers.chat_utils import load_chat_template\n", from_="vllm==0.31.0",
                    to="vllm==0.32.0"),
        ),
    ),
    KeyChange(
        "VLLM206", "attention-package-moved", "§3.13 I7", ("vllm.attention", "vllm.attention.layer"), "0.16.0", "rename",
        namespace="python",
        summary="`vllm.attention` is gone in vllm 0.16.0; `Attention` lives in `vllm.model_executor.layers.attention`",
        why="The attention layer moved to `vllm/model_executor/layers/attention/` (class in `attention.py`, "
        "re-exported by the package); `vllm/attention` was last shipped in 0.15.0. Note: from 0.12.0 "
        "`vllm/attention/__init__.py` no longer re-exported `Attention`, so `from vllm.attention import Attention` "
        "already failed there (`vllm.attention.layer` worked until 0.15.0).",
        evidence=(
            ev("vllm 0.15.0", "vllm/attention/layer.py", "`class Attention(nn.Module, AttentionLayerBase):`", "§3.13 I7"),
            ev("vllm 0.16.0", "vllm/model_executor/layers/attention/__init__.py",
                "`from vllm.model_executor.layers.attention.attention import Attention`", "§3.13 I7"),
        ),
        new_value={
            ("vllm.attention", "Attention"): Move("vllm.model_executor.layers.attention", since="0.16.0"),
            ("vllm.attention.layer", "Attention"): Move("vllm.model_executor.layers.attention", since="0.16.0"),
        },
        invalid=(
            Example("model.py", "from vllm.attention.layer import Attention\n",
                    fixed="from vllm.model_executor.layers.attention import Attention\n", from_="vllm==0.15.0",
                    to="vllm==0.16.0"),
        ),
    ),
    KeyChange(
        "VLLM207", "reasoning-parsers-moved", "§3.13 I8", (f"{OPENAI}.reasoning_parsers",), "0.8.3", "rename",
        namespace="python",
        summary="`vllm.entrypoints.openai.reasoning_parsers` moved to `vllm.reasoning` in vllm 0.8.3",
        why="Reasoning parsers became the top-level `vllm.reasoning` package; the old package is absent from 0.8.3.",
        evidence=(
            ev("vllm 0.8.3", "vllm/reasoning/__init__.py", "exports `ReasoningParser`, `ReasoningParserManager` "
                "(module scan: vllm/entrypoints/openai/reasoning_parsers absent)", "§3.13 I8"),
        ),
        new_value={
            (f"{OPENAI}.reasoning_parsers", "ReasoningParser"): Move("vllm.reasoning", since="0.8.3"),
            (f"{OPENAI}.reasoning_parsers", "ReasoningParserManager"): Move("vllm.reasoning", since="0.8.3"),
        },
        invalid=(
            Example("rp.py", "from vllm.entrypoints.openai.reasoning_parsers import ReasoningParser\n",
                    fixed="from vllm.reasoning import ReasoningParser\n", from_="vllm==0.8.2", to="vllm==0.8.3"),
        ),
    ),
    KeyChange(
        "VLLM208", "model-loader-module-split", "§3.13 I9", ("vllm.model_executor.model_loader.loader",), "0.9.0", "delete",
        namespace="python", fix=None,
        summary="`vllm.model_executor.model_loader.loader` was split into per-format modules in vllm 0.9.0",
        why="The loaders moved to `vllm.model_executor.model_loader.{default_loader, ...}`; the old module is gone. "
        "Which new module holds a class depends on the loader, so the import is reported, not rewritten.",
        evidence=(ev("vllm 0.9.0", "vllm/model_executor/model_loader/default_loader.py",
                      "module scan: vllm/model_executor/model_loader/loader.py absent", "§3.13 I9"),),
        invalid=(
            Example("load.py", "from vllm.model_executor.model_loader.loader import DefaultModelLoader\n",
                    from_="vllm==0.8.5", to="vllm==0.9.0"),
        ),
    ),
    KeyChange(
        "VLLM209", "v0-spec-decode-prompt-adapter-removed", "§3.13 I10", ("vllm.spec_decode.*", "vllm.prompt_adapter.*"), "0.10.0", "delete",
        namespace="python", fix=None,
        summary="`vllm.spec_decode` and `vllm.prompt_adapter` were removed in vllm 0.10.0",
        why="These were V0-engine packages. Speculative decoding lives in `vllm.v1.spec_decode` (configured with "
        "`speculative_config`); prompt adapters were removed with no replacement.",
        evidence=(ev("vllm 0.10.0", "vllm/spec_decode, vllm/prompt_adapter", "last seen v0.9.2 (module scan)", "§3.13 I10"),),
        invalid=(
            Example("spec.py", "from vllm.prompt_adapter.request import PromptAdapterRequest\n", from_="vllm==0.9.2",
                    to="vllm==0.10.0"),
        ),
    ),
    KeyChange(
        "VLLM210", "guided-decoding-module-removed", "§3.7 G4", ("vllm.model_executor.guided_decoding.*",), "0.10.1", "delete",
        namespace="python", fix=None,
        summary="`vllm.model_executor.guided_decoding` was removed in vllm 0.10.1",
        why="Guided decoding is configured per request with `SamplingParams(guided_decoding=GuidedDecodingParams(...))` "
        "(`structured_outputs=StructuredOutputsParams(...)` from 0.11.0); the engine side is `vllm.v1.structured_output`.",
        evidence=(ev("vllm 0.10.1", "vllm/model_executor/guided_decoding", "directory present v0.10.0, absent v0.10.1",
                      "§3.7 G4"),),
        invalid=(
            Example("gd.py", "from vllm.model_executor.guided_decoding.guided_fields import GuidedDecodingRequest\n",
                    from_="vllm==0.10.0", to="vllm==0.10.1"),
        ),
    ),
    KeyChange(
        "VLLM211", "vllm-scripts-removed", "§3.13 I11", ("vllm.scripts",), "0.32.0", "rename",
        namespace="python",
        summary="`vllm.scripts` was removed in vllm 0.32.0; the CLI is `vllm.entrypoints.cli.main`",
        why="Since 0.7.3 the `vllm` console script points at `vllm.entrypoints.cli.main:main`; `vllm/scripts.py` "
        "stayed as a warning shim (\"vllm.scripts.main() is deprecated\") until 0.31.0 and is absent in 0.32.0.",
        evidence=(
            ev("vllm 0.31.0", "vllm/scripts.py", "\"vllm.scripts.main() is deprecated. Please re-install vllm or use "
                "vllm.entrypoints.cli.main.main() instead.\"", "§3.13 I11"),
            ev("vllm 0.32.0", "vllm/scripts.py", "module absent (wheel scan)", "§3.13 I11"),
        ),
        new_value={("vllm.scripts", "main"): Move("vllm.entrypoints.cli.main", since="0.8.0")},
        invalid=(
            Example("cli.py", "from vllm.scripts import main\n\nmain()\n",
                    fixed="from vllm.entrypoints.cli.main import main\n\nmain()\n", from_="vllm==0.31.0", to="vllm==0.32.0"),
        ),
    ),
    KeyChange(
        "VLLM212", "prompt-inputs-renamed", "§3.12 P3", ("vllm", "vllm.inputs"), "0.6.3", "rename",
        namespace="python",
        summary="`PromptInputs` was renamed `PromptType` in vllm 0.6.3",
        why="`vllm/__init__.py` exports `PromptType` instead of `PromptInputs` from 0.6.3; the old name raises ImportError.",
        evidence=(ev("vllm 0.6.3", "vllm/__init__.py", "`__all__` lists \"PromptType\" (no \"PromptInputs\")", "§3.12 P3"),),
        new_value={
            ("vllm", "PromptInputs"): Move("vllm", "PromptType", since="0.6.3"),
            ("vllm.inputs", "PromptInputs"): Move("vllm.inputs", "PromptType", since="0.6.3"),
        },
        invalid=(
            Example("types_.py", "from vllm import PromptInputs\n", fixed="from vllm import PromptType as PromptInputs\n",
                    from_="vllm==0.6.2", to="vllm==0.6.3"),
        ),
        valid=(Example("types_.py", "from vllm import LLM, PromptType\n", from_="vllm==0.6.2", to="vllm==0.6.3"),),
        extra={"fix_note": "The name is imported as `PromptType as PromptInputs`, so the rest of the file is untouched.", "module_gone": False},
    ),
)


rule_classes(ROWS, ImportMoved, globals())
