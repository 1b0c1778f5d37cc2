"""vLLM offline Python API changes: class renames (reference vllm_breaking_changes.md §3.3 C3, §3.7 G2); the
`SamplingParams` / `LLM.generate` keyword arguments are in python_kwargs.py. Only names that resolve to vLLM
through the file's own imports are looked at (the Python surface's resolver, see python_program).
`LLM(...)` / `EngineArgs(...)` keyword arguments that are engine args are the configuration rules' business
(rules/vllm/data.py): not repeated here.
"""

from __future__ import annotations

import ast

from lmimigrate.core.pep440 import Version

from lmimigrate.core.ftypes import Applicability, Example, Severity
from lmimigrate.core.rule import Rule

from .common import ev
from .python_program import PyProgram, program
TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Iterator


def _rename_class(prog: PyProgram, modules: tuple[str, ...], old: str, new: str,
                  members: dict[str, str]) -> Iterator[tuple[tuple, str, list | None]]:
    """(at, what, edits) for every import of `old` from `modules` and every `module.old` reference.
    Edits rename the import and its uses (and enum members); None when a use cannot be followed."""
    for imp_unit, _, imp in prog.imports():
        if not imp.is_from or imp.level or imp.module not in modules:
            continue
        for n in imp.names:
            if n.name != old:
                continue
            edits: list | None = n.rename(new)
            if n.local in prog.stored:
                edits = None
            else:
                for unit, mod, node in prog.nodes():
                    if isinstance(node, ast.Name) and node.id == n.local and isinstance(node.ctx, ast.Load):
                        renames = [] if n.asname else mod.rename(node, new)
                    elif (isinstance(node, ast.Attribute) and node.attr in members
                          and isinstance(node.value, ast.Name) and node.value.id == n.local):
                        renames = mod.rename(node, members[node.attr])
                    else:
                        continue
                    if renames and unit is not imp_unit:
                        edits = None  # a use in another notebook cell: one finding edits one unit
                        break
                    edits += renames
            yield (imp_unit, *n.span), f"`{old}` (from `{imp.module}`)", edits
    for unit, mod in prog.units:
        parents = None
        for node in mod.nodes:
            if isinstance(node, ast.Attribute) and node.attr == old:
                q = prog.resolve(node)
                if q and q.rsplit(".", 1)[0] in modules:
                    edits = mod.rename(node, new)
                    if parents is None:  # id(x) -> the `x.attr` node around it
                        parents = {id(n.value): n for n in mod.nodes if isinstance(n, ast.Attribute)}
                    member = parents.get(id(node))
                    if member is not None and member.attr in members:
                        edits += mod.rename(member, members[member.attr])
                    yield (unit, *mod.name_span(node)), f"`{q}`", edits


class _RenameRule(Rule):
    stack = "vllm"
    trigger = "target"
    severity = Severity.ERROR
    fix_applicability = Applicability.SAFE
    surfaces = ("python", "notebook")
    MODULES: tuple[str, ...] = ()
    OLD = NEW = ""
    MEMBERS: dict[str, str] = {}
    REMOVED = ""

    def check(self, ctx):
        prog = program(ctx)
        if prog is None:
            return
        sev = Severity.ERROR if ctx.pair().to >= Version(self.REMOVED) else Severity.WARNING
        for at, what, edits in _rename_class(prog, self.MODULES, self.OLD, self.NEW, self.MEMBERS):
            yield ctx.report(at, f"{what}: {self.summary}", edits=edits, severity=sev,
                             fix_message=f"rename `{self.OLD}` to `{self.NEW}`")


class GuidedDecodingParamsRenamed(_RenameRule):
    code = "VLLM220"
    name = "guided-decoding-params-renamed"
    changed_in = "0.11.0"
    removed_in = "0.12.0"
    REMOVED = "0.12.0"
    MODULES = ("vllm.sampling_params",)
    OLD, NEW = "GuidedDecodingParams", "StructuredOutputsParams"
    summary = "`GuidedDecodingParams` was renamed `StructuredOutputsParams` (deprecated in vllm 0.11.0, removed in 0.12.0)"
    looks_at = ("python:vllm.sampling_params.GuidedDecodingParams",)
    tokens = (b"GuidedDecodingParams",)
    what = "Reports imports and uses of `vllm.sampling_params.GuidedDecodingParams` when the target is vllm 0.11.0 or newer."
    why = (
        "vllm 0.11.0 renamed guided decoding to structured outputs; `GuidedDecodingParams` became a deprecated "
        "subclass of `StructuredOutputsParams` and was removed in 0.12.0 (ImportError). The fields (`json`, "
        "`regex`, `choice`, `grammar`, ...) are the same."
    )
    fix_safety = (
        "Safe: renames the import and every use of the name in the same file (the new class takes the same "
        "arguments, and exists from 0.11.0). With `import ... as alias` only the imported name changes. When the "
        "name is rebound in the file, or used from another notebook cell, the finding has no fix."
    )
    evidence = (
        ev("vllm 0.11.0", "vllm/sampling_params.py", "\"GuidedDecodingParams is deprecated. This will be removed in "
            "v0.12.0 ... Please use StructuredOutputsParams instead.\"", "§3.7 G2"),
        ev("vllm 0.12.0", "vllm/sampling_params.py", "class `GuidedDecodingParams` absent", "§3.7 G2"),
    )
    invalid = (
        Example(
            "serve.py",
            "from vllm import LLM, SamplingParams\nfrom vllm.sampling_params import GuidedDecodingParams\n\n"
            "gd = GuidedDecodingParams(choice=['yes', 'no'])\nsp = SamplingParams(structured_outputs=gd)\n",
            fixed="from vllm import LLM, SamplingParams\nfrom vllm.sampling_params import StructuredOutputsParams\n\n"
            "gd = StructuredOutputsParams(choice=['yes', 'no'])\nsp = SamplingParams(structured_outputs=gd)\n",
            from_="vllm==0.10.2", to="vllm==0.12.0",
        ),
        Example(
            "nb.ipynb",
            '{"cells": [{"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [], "source": '
            '["from vllm.sampling_params import GuidedDecodingParams\\n", "p = GuidedDecodingParams(regex=\\"a+\\")\\n"]}], '
            '"metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n',
            from_="vllm==0.10.2", to="vllm==0.12.0",
        ),
    )
    valid = (
        Example("serve.py", "class GuidedDecodingParams:\n    pass\n\np = GuidedDecodingParams()\n",
                from_="vllm==0.10.2", to="vllm==0.12.0"),
        Example("serve.py", "from vllm.sampling_params import GuidedDecodingParams\n", from_="vllm==0.9.2",
                to="vllm==0.10.2"),
    )


class CompilationLevelRenamed(_RenameRule):
    code = "VLLM230"
    name = "compilation-level-renamed"
    changed_in = "0.11.1"
    REMOVED = "0.11.1"
    MODULES = ("vllm.config", "vllm.config.compilation")
    OLD, NEW = "CompilationLevel", "CompilationMode"
    MEMBERS = {
        "NO_COMPILATION": "NONE",
        "DYNAMO_AS_IS": "STOCK_TORCH_COMPILE",
        "DYNAMO_ONCE": "DYNAMO_TRACE_ONCE",
        "PIECEWISE": "VLLM_COMPILE",
    }
    summary = "`CompilationLevel` was replaced by the `CompilationMode` enum in vllm 0.11.1"
    looks_at = ("python:vllm.config.CompilationLevel", "python:vllm.config.compilation.CompilationLevel")
    tokens = (b"CompilationLevel",)
    what = (
        "Reports imports and uses of `vllm.config.CompilationLevel` (also `vllm.config.compilation.CompilationLevel`) "
        "when the target is vllm 0.11.1 or newer."
    )
    why = (
        "vllm 0.11.1 replaced the integer constants class `CompilationLevel` (NO_COMPILATION=0, DYNAMO_AS_IS=1, "
        "DYNAMO_ONCE=2, PIECEWISE=3) with `CompilationMode(enum.IntEnum)` (NONE=0, STOCK_TORCH_COMPILE=1, "
        "DYNAMO_TRACE_ONCE=2, VLLM_COMPILE=3); no `CompilationLevel` exists anywhere in 0.11.1. The "
        "`compilation_config` key `level` -> `mode` is a separate rule (configuration rules)."
    )
    fix_safety = (
        "Safe: the class and its members are renamed member for member; the integer values are the same, and an "
        "IntEnum compares equal to the int. Uses that cannot be followed (rebound names, other notebook cells) are "
        "reported without a fix."
    )
    evidence = (
        ev("vllm 0.11.0", "vllm/config/compilation.py", "`class CompilationLevel:` `NO_COMPILATION = 0` ... "
            "`PIECEWISE = 3`", "§3.3 C3"),
        ev("vllm 0.11.1", "vllm/config/compilation.py", "`class CompilationMode(enum.IntEnum):` `NONE = 0` "
            "`STOCK_TORCH_COMPILE = 1` `DYNAMO_TRACE_ONCE = 2` `VLLM_COMPILE = 3`", "§3.3 C3"),
    )
    invalid = (
        Example(
            "serve.py",
            "from vllm import LLM\nfrom vllm.config import CompilationLevel\n\n"
            "llm = LLM(model='facebook/opt-125m', compilation_config={'mode': CompilationLevel.PIECEWISE})\n",
            fixed="from vllm import LLM\nfrom vllm.config import CompilationMode\n\n"
            "llm = LLM(model='facebook/opt-125m', compilation_config={'mode': CompilationMode.VLLM_COMPILE})\n",
            from_="vllm==0.11.0", to="vllm==0.11.1",
        ),
        Example(
            "serve.py",
            "import vllm.config\n\nlevel = vllm.config.CompilationLevel.NO_COMPILATION\n",
            fixed="import vllm.config\n\nlevel = vllm.config.CompilationMode.NONE\n",
            from_="vllm==0.11.0", to="vllm==0.11.1",
        ),
    )
    valid = (
        Example("serve.py", "from vllm.config import CompilationMode\n\nm = CompilationMode.VLLM_COMPILE\n",
                from_="vllm==0.11.0", to="vllm==0.11.1"),
        Example("serve.py", "from mylib import CompilationLevel\n\nx = CompilationLevel.PIECEWISE\n",
                from_="vllm==0.11.0", to="vllm==0.11.1"),
    )
