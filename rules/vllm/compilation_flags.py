"""The `-O` / `-cc` command-line spellings of the compilation config, and `--cuda-graph-sizes` (reference §3.3
C7-C9). Up to 0.11 `-O` was the alias of `--compilation-config`; from 0.12.0 `-O<n>` is the optimization level
and `-cc` takes the compilation config. The keys inside a compilation config are in compilation.py.
"""

from __future__ import annotations

from lmimigrate.core.changes import key_tokens
from lmimigrate.core.ftypes import Applicability, Example, Severity

from .common import MODEL, VllmRule, ev, settings
from .compilation import CC


# ---- C8 ------------------------------------------------------------------------------------------------


class DottedOToCc(VllmRule):
    code = "VLLM038"
    name = "dotted-o-to-cc"
    stack = "vllm"
    changed_in = "0.12.0"
    removed_in = "0.13.0"
    trigger = "crossing"
    severity = Severity.WARNING
    fix_applicability = Applicability.SAFE
    summary = "`-O.<key>=<v>` and `-O '<json>'` for the compilation config became `-cc.<key>=<v>` / `-cc '<json>'` in vllm 0.12.0"
    looks_at = ("vllm:compilation_config", "vllm:O")
    tokens = (b"-O",)
    surfaces = ("shell", "dockerfile", "yaml", "json", "notebook")
    what = "Reports `-O` used as the `--compilation-config` alias (dotted `-O.key=value`, or a JSON value) on a command line."
    why = (
        "Up to 0.11.x `-O` was an alias of `--compilation-config`. 0.12.0 made `-O` the optimization level "
        "(`--optimization-level`), added `-cc` for the compilation config, and deprecated the dotted `-O.` "
        "syntax; 0.13.0 removed it."
    )
    fix_safety = "Safe: `-cc` is the same option `-O` used to be (`--compilation-config`)."
    evidence = (
        ev("vllm 0.12.0", "vllm/utils/argparse_utils.py", "\"The -O.* dotted syntax for --compilation-config is deprecated "
           "and will be removed in v0.13.0 … Please use -cc.* instead\"; branch absent v0.13.0", "§3.3 C8"),
    )
    invalid = (
        Example("run.sh", f"vllm serve {MODEL} -O.cudagraph_mode=FULL\n", fixed=f"vllm serve {MODEL} -cc.cudagraph_mode=FULL\n",
                to="vllm==0.13.0"),
        Example("run.sh", f"vllm serve {MODEL} -O '{{\"mode\": 3}}'\n", fixed=f"vllm serve {MODEL} -cc '{{\"mode\": 3}}'\n",
                to="vllm==0.13.0"),
        Example("k8s.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: vllm\nspec:\n  template:\n    spec:\n"
                "      containers:\n      - name: vllm\n        image: vllm/vllm-openai:v0.11.0\n"
                "        args: [\"--model\", \"facebook/opt-125m\", \"-O.mode=3\"]\n",
                fixed="apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: vllm\nspec:\n  template:\n    spec:\n"
                "      containers:\n      - name: vllm\n        image: vllm/vllm-openai:v0.11.0\n"
                "        args: [\"--model\", \"facebook/opt-125m\", \"-cc.mode=3\"]\n", to="vllm==0.13.0"),
    )
    valid = (
        Example("run.sh", f"vllm serve {MODEL} -O3\n", to="vllm==0.13.0"),
        Example("run.sh", f"vllm serve {MODEL} -O.mode=3\n", to="vllm==0.11.2"),
    )

    def check(self, ctx):
        gone = ctx.target_at_least(self.removed_in)
        sev = Severity.ERROR if gone else Severity.WARNING
        for scope in ctx.scopes("cli"):
            for s in scope.settings:
                if s.ns != "vllm":
                    continue
                if s.raw_key.startswith("-O.") and s.key.startswith(CC + "."):
                    new = "-cc" + s.raw_key[2:]
                    yield ctx.report(s, f"`{s.raw_key}`: the dotted `-O.` syntax is deprecated since vllm 0.12.0 and "
                                     "removed in 0.13.0; use `-cc.`", severity=sev, fix_message=f"use `{new}`",
                                     edits=ctx.edits(scope.rename_prefix, s, "-O", "-cc"))
                elif s.key == "O" and _json_o(s):
                    yield ctx.report(s, "`-O` with a JSON value: from vllm 0.12.0 `-O` is the optimization level; "
                                     "pass the compilation config with `-cc`", severity=Severity.ERROR,
                                     fix_message="use `-cc`", edits=ctx.edits(_o_to_cc, s))


def _json_o(s) -> bool:
    """`-O '{...}'`: the command-line parser keeps `-O` bare unless a digit follows, so look at the next word."""
    if isinstance(s.value, str):
        return s.value.strip().startswith("{")
    if s.value is None and s.style.get("form") == "bare":
        word = next(s.scope.words_after(s), None)
        return word is not None and word.strip().startswith("{")
    return False


def _o_to_cc(s):
    if s.style.get("form") not in ("space", "bare"):
        raise ValueError("attached -O value")
    return s.scope.rename_prefix(s, "-O", "-cc")


# ---- C7 ------------------------------------------------------------------------------------------------


class OptimizationLevelMeaning(VllmRule):
    code = "VLLM037"
    name = "o-flag-meaning-changed"
    stack = "vllm"
    changed_in = "0.12.0"
    trigger = "default"
    severity = Severity.WARNING
    summary = "`-O<n>` meant the torch.compile level before vllm 0.12.0; from 0.12.0 it is the optimization level O0-O3"
    looks_at = ("vllm:O",)
    tokens = (b"-O",)
    what = "Reports `-O0`..`-O3` (`-O 3`, `-O=3`) on a command line when the upgrade crosses 0.12.0."
    why = (
        "Up to 0.11.0 `-O<n>` was `--compilation-config <n>`, the compile level (0.11.1-0.11.2 rewrote it to "
        "`-O.mode=<n>`). From 0.12.0 `-O<n>` is `--optimization-level <n>`: it selects the compile mode, the "
        "CUDA-graph mode and the fusion passes together (O0: no compilation, no CUDA graphs; O1: piecewise "
        "graphs; O2, the default, and O3: full and piecewise graphs). `-O1` / `-O2` now mean something else, "
        "and `-O0` also turns CUDA graphs off."
    )
    fix_safety = (
        "No fix: keep `-O<n>` for the new meaning, or write `-cc.mode=<n>` to set only the compile mode as "
        "before. Which one you want is your decision."
    )
    evidence = (
        ev("vllm 0.11.0", "vllm/utils/__init__.py", "`processed_args.append(f'-O.level={level}')`", "§3.3 C7"),
        ev("vllm 0.12.0", "vllm/utils/argparse_utils.py", "`processed_args += [\"--optimization-level\", "
           "optimization_level]`; vllm/config/vllm.py `class OptimizationLevel(IntEnum)`", "§3.3 C7, §4 (a)"),
    )
    invalid = (
        Example("run.sh", f"vllm serve {MODEL} -O0\n", from_="vllm==0.10.2", to="vllm==0.12.0"),
        Example("Dockerfile", f"FROM vllm/vllm-openai:v0.10.2\nCMD [\"vllm\", \"serve\", \"{MODEL}\", \"-O\", \"1\"]\n",
                from_="vllm==0.10.2", to="vllm==0.12.0"),
    )
    valid = (
        Example("run.sh", f"vllm serve {MODEL} -O3\n", to="vllm==0.33.0"),
        Example("run.sh", f"vllm serve {MODEL} -O3\n", from_="vllm==0.12.0", to="vllm==0.33.0"),
    )

    def check(self, ctx):
        for s in settings(ctx, "O"):
            v = (s.text_value or "").strip()
            if s.scope.kind != "cli" or not s.literal or v not in ("0", "1", "2", "3"):
                continue
            yield ctx.report(
                s,
                f"`-O{v}` meant compilation level {v} before vllm 0.12.0; from 0.12.0 it selects optimization "
                f"level O{v} (compile mode, CUDA-graph mode and fusion passes); use `-cc.mode={v}` to keep the "
                "old meaning",
            )


# ---- C9 ------------------------------------------------------------------------------------------------


class CudaGraphSizesRenamed(VllmRule):
    code = "VLLM039"
    name = "cuda-graph-sizes-renamed"
    stack = "vllm"
    changed_in = "0.11.1"
    removed_in = "0.13.0"
    trigger = "crossing"
    severity = Severity.WARNING
    fix_applicability = Applicability.SAFE
    summary = "`--cuda-graph-sizes` was replaced by `--cudagraph-capture-sizes` / `--max-cudagraph-capture-size` (deprecated 0.11.1, removed 0.13.0)"
    looks_at = ("vllm:cuda_graph_sizes",)
    tokens = key_tokens(["cuda_graph_sizes"])
    what = "Reports `--cuda-graph-sizes` (and `LLM(cuda_graph_sizes=)`) and renames it."
    why = (
        "0.11.1 deprecated `--cuda-graph-sizes` for `--cudagraph-capture-sizes` (the exact list) and added "
        "`--max-cudagraph-capture-size`; 0.13.0 removed it. Up to 0.11.0 a single value N meant \"capture 1, 2, "
        "4 and multiples of 8 up to N\"; from 0.11.1 `--cuda-graph-sizes N` is copied to "
        "`cudagraph_capture_sizes`, i.e. only size N."
    )
    fix_safety = (
        "Several sizes: safe rename to `--cudagraph-capture-sizes` (same list). A single size from a release "
        "before 0.11.1 (or an unknown one): unsafe rename to `--max-cudagraph-capture-size`, whose generated "
        "list (multiples of 8 up to 256, then of 16) differs above 256 sizes. A single size on 0.11.1+: safe "
        "rename to `--cudagraph-capture-sizes`."
    )
    evidence = (
        ev("vllm 0.11.1", "vllm/engine/arg_utils.py", "\"--cuda-graph-sizes is deprecated and will be removed in v0.13.0 "
           "or v1.0.0 … Please use --cudagraph-capture-sizes instead.\"", "§3.3 C9"),
        ev("vllm 0.11.0", "vllm/config/__init__.py", "`if len(cuda_graph_sizes) == 1: … range(8, cuda_graph_sizes[0] + 1, 8)`",
           "§3.3 C9"),
    )
    invalid = (
        Example("run.sh", f"vllm serve {MODEL} --cuda-graph-sizes 1 2 4 8\n",
                fixed=f"vllm serve {MODEL} --cudagraph-capture-sizes 1 2 4 8\n", to="vllm==0.13.0"),
        Example("run.sh", f"vllm serve {MODEL} --cuda-graph-sizes 256\n",
                fixed=f"vllm serve {MODEL} --max-cudagraph-capture-size 256\n", unsafe=True, to="vllm==0.13.0"),
        Example("vllm-config.yaml", f"model: {MODEL}\ncuda_graph_sizes: [1, 2, 4, 8]\nmax_model_len: 4096\n",
                fixed=f"model: {MODEL}\ncudagraph_capture_sizes: [1, 2, 4, 8]\nmax_model_len: 4096\n", to="vllm==0.13.0"),
    )
    valid = (Example("run.sh", f"vllm serve {MODEL} --cudagraph-capture-sizes 1 2 4 8\n", to="vllm==0.13.0"),)

    def check(self, ctx):
        gone = ctx.target_at_least(self.removed_in)
        pair = ctx.pair()
        from_new = pair is not None and pair.from_ is not None and pair.from_ >= _v("0.11.1")
        for s in settings(ctx, "cuda_graph_sizes"):
            n = _count_sizes(s)
            if n is None:
                new, app = None, None
            elif n > 1 or from_new:
                new, app = "cudagraph_capture_sizes", Applicability.SAFE
            else:
                new, app = "max_cudagraph_capture_size", Applicability.UNSAFE
            edits = None
            if new and s.scope.get("vllm", new) is None:
                edits = ctx.edits(s.rename, new)
                if edits is not None and new == "max_cudagraph_capture_size" and isinstance(s.value, list):
                    more = ctx.edits(s.set_value, s.value[0])
                    edits = None if more is None else edits + more
            status = "was removed in vllm 0.13.0" if gone else "is deprecated since vllm 0.11.1"
            yield ctx.report(
                s,
                f"`{s.raw_key}` {status}: use `--cudagraph-capture-sizes` for an exact list or "
                "`--max-cudagraph-capture-size` for the largest size",
                edits=edits, applicability=app, fix_message=f"rename to `{new}`" if new else "",
                severity=Severity.ERROR if gone else Severity.WARNING,
            )


def _v(text):
    from lmimigrate.core.pep440 import Version

    return Version(text)


def _count_sizes(s) -> int | None:
    """How many sizes a cuda_graph_sizes setting lists (a CLI flag takes every following number)."""
    if not s.literal:
        return None
    v = s.value
    if isinstance(v, list):
        return len(v)
    if isinstance(v, int) and not isinstance(v, bool):
        return 1
    if isinstance(v, str):
        n = 1  # on a command line the flag also takes every number written after its value
        for word in s.scope.words_after(s):
            if word is None or not word.isdigit():
                break
            n += 1
        return n if v.strip().isdigit() else None
    return None
