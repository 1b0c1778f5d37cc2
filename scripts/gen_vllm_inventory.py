"""Regenerate lmimigrate/stacks/vllm/inventory.jsonl from the official vLLM release wheels, or add releases.

Usage:
    python scripts/gen_vllm_inventory.py --wheel-dir /work/wheels --download --add 0.34.0   # one new release
    python scripts/gen_vllm_inventory.py --wheel-dir /tmp/vllm-wheels [--download]
        [--versions 0.11.0,0.33.0] [--out lmimigrate/stacks/vllm/inventory.jsonl]
        [--compare /work/shared/reference/vllm_engine_args.json] [--cache-dir DIR] [--keep-wheels]

Method (same as /work/shared/reference/README.md, "How it was extracted"):
  * ``pip download vllm==X --no-deps --only-binary :all: -d WHEEL_DIR`` (with --download; a wheel already in
    WHEEL_DIR is used as is).
  * The wheel is opened as a zip; only the handful of ``vllm/...py`` sources the extraction needs are read
    (nothing is unpacked to disk, vllm is never imported), and parsed with the stdlib ``ast``.
  * Wheels downloaded by this run are deleted right after extraction (unless --keep-wheels), so only one
    wheel is on disk at a time. With --cache-dir, the few sources read are kept there (a few hundred KB per
    release) so later runs can re-extract without downloading again.

Extracted per release: cli_flags (+ serve_only_flags, flag_aliases, parser_rewritten_flags,
deprecated_flags, boolean_optional_flags, switch_flags: the options that take no value, see vllm_switches.py),
engine_args_fields, async_engine_args_extra_fields, env_vars, deprecated_env_vars,
sampling_params_fields, llm_init_params, llm_generate_params, and a few parser features the loader needs to
decide which spellings the release's argparse accepts.

With --add, only the given releases are extracted and merged into the existing data. Without --versions or
--add, the releases already in --out are extracted again (else those of --compare: tags + intermediate_tags).
Missing files in a release give an empty set and a warning on stderr, never a crash.
"""

from __future__ import annotations

import argparse
import ast
import glob
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from packaging.version import Version

# The file format (one release per line) is shared with the loader.
from lmimigrate.stacks.vllm import inventory_codec as codec

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vllm_switches import SwitchCollector, kwargs_policy  # noqa: E402  (this script's sibling module)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "lmimigrate" / "stacks" / "vllm" / "inventory.jsonl"

ENGINE_ARGS = "vllm/engine/arg_utils.py"
ENVS = "vllm/envs.py"
SAMPLING = "vllm/sampling_params.py"
LLM = "vllm/entrypoints/llm.py"
VERSION_FILES = ("vllm/_version.py",)
# Serve-parser modules, in the order the README lists them; any other vllm/entrypoints/**/cli_args.py that
# defines make_arg_parser is used as a fallback.
SERVE_CANDIDATES = (
    "vllm/entrypoints/openai/cli_args.py",
    "vllm/entrypoints/launchers/cli_args.py",
    "vllm/entrypoints/common/cli_args.py",
)
# Where FlexibleArgumentParser lived over time.
PARSER_CANDIDATES = ("vllm/utils/argparse_utils.py", "vllm/utils/__init__.py", "vllm/utils.py")



def warn(msg: str) -> None:
    print(f"warning: {msg}", file=sys.stderr)


# --------------------------------------------------------------------------------------------- sources


class Source:
    """The few files of one release, read from the wheel zip (or from the small cache of a previous run)."""

    def __init__(self, version: str, zip_path: Path | None = None, cache: Path | None = None):
        self.version = version
        self.zip = zipfile.ZipFile(zip_path) if zip_path else None
        self.cache = cache
        self.read_files: dict[str, str] = {}
        if self.zip is not None:
            self._names = [n for n in self.zip.namelist() if n.startswith("vllm/") and n.endswith(".py")]
        else:
            assert cache is not None
            self._names = (cache / "names.txt").read_text(encoding="utf-8").split()

    def names(self) -> list[str]:
        return self._names

    def exists(self, path: str) -> bool:
        return path in self._names

    def read(self, path: str) -> str | None:
        if path in self.read_files:
            return self.read_files[path]
        if path not in self._names:
            return None
        if self.zip is not None:
            text = self.zip.read(path).decode("utf-8")
        else:
            p = self.cache / path  # type: ignore[operator]
            if not p.exists():
                raise RuntimeError(
                    f"{self.version}: {path} is not in the source cache {self.cache}; re-run with the wheel "
                    f"(--download) to refresh the cache"
                )
            text = p.read_text(encoding="utf-8")
        self.read_files[path] = text
        return text

    def parse(self, path: str) -> ast.Module | None:
        text = self.read(path)
        if text is None:
            return None
        return ast.parse(text, filename=path)

    def save_cache(self, dest: Path) -> None:
        dest.mkdir(parents=True, exist_ok=True)
        (dest / "names.txt").write_text("\n".join(self._names) + "\n", encoding="utf-8")
        for path, text in self.read_files.items():
            p = dest / path
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def find_wheel(wheel_dir: Path, version: str) -> Path | None:
    hits = sorted(glob.glob(str(wheel_dir / f"vllm-{version}-*.whl")))
    return Path(hits[0]) if hits else None


def download(wheel_dir: Path, version: str) -> Path | None:
    cmd = [sys.executable, "-m", "pip", "download", f"vllm=={version}", "--no-deps", "--only-binary", ":all:",
           "-d", str(wheel_dir), "--quiet", "--disable-pip-version-check"]
    print(f"[{version}] {' '.join(cmd[2:])}", file=sys.stderr)
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        warn(f"{version}: pip download failed: {res.stderr.strip().splitlines()[-1:]}")
        return None
    return find_wheel(wheel_dir, version)


# --------------------------------------------------------------------------------------------- ast helpers


def top_class(tree: ast.Module | None, name: str) -> ast.ClassDef | None:
    if tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == name:
            return node
    return None


def is_classvar(ann: ast.expr) -> bool:
    target = ann.value if isinstance(ann, ast.Subscript) else ann
    if isinstance(target, ast.Name):
        return target.id == "ClassVar"
    if isinstance(target, ast.Attribute):
        return target.attr == "ClassVar"
    if isinstance(target, ast.Constant) and isinstance(target.value, str):
        return target.value.startswith(("ClassVar", "typing.ClassVar"))
    return False


def annotated_fields(cls: ast.ClassDef | None) -> list[str]:
    """Annotated attributes in the class body (ClassVar excluded), in source order."""
    if cls is None:
        return []
    out = []
    for stmt in cls.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and not is_classvar(stmt.annotation):
            out.append(stmt.target.id)
    return out


def func_params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    a = fn.args
    names = [x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
    return [n for n in names if n not in ("self", "cls")]


def method(cls: ast.ClassDef | None, name: str) -> ast.FunctionDef | None:
    """The implementation of a method: the last definition not decorated with @overload."""
    if cls is None:
        return None
    defs = [s for s in cls.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == name]

    def overloaded(fn):
        return any((isinstance(d, ast.Name) and d.id == "overload")
                   or (isinstance(d, ast.Attribute) and d.attr == "overload") for d in fn.decorator_list)

    impl = [d for d in defs if not overloaded(d)]
    return (impl or defs or [None])[-1]  # type: ignore[return-value]


def str_const(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def const_text(node: ast.AST | None) -> str:
    """All string constants inside an expression (help text built by concatenation, f-strings, ...)."""
    if node is None:
        return ""
    return " ".join(n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str))


def is_add_argument(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_argument")


class FlagCollector:
    def __init__(self) -> None:
        self.flags: set[str] = set()
        self.aliases: dict[str, str] = {}
        self.deprecated: set[str] = set()
        self.consts: dict[str, str] = {}  # module-level NAME = "text" (help messages kept in constants)

    def help_text(self, node: ast.AST | None) -> str:
        if node is None:
            return ""
        names = [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]
        return " ".join([const_text(node), *(self.consts.get(n, "") for n in names)])

    def add_call(self, options: list[str], call: ast.Call) -> None:
        options = [o for o in options if o.startswith("-")]
        if not options:
            return
        self.flags.update(options)
        longs = [o for o in options if o.startswith("--")]
        canonical = longs[0] if longs else options[0]
        for o in options:
            if o != canonical:
                self.aliases[o] = canonical
        kw = {k.arg: k.value for k in call.keywords if k.arg}
        dep = kw.get("deprecated")
        if (isinstance(dep, ast.Constant) and dep.value is True) or "deprecat" in self.help_text(kw.get("help")).lower():
            self.deprecated.update(options)

    def add_module(self, tree: ast.Module) -> None:
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                text = const_text(stmt.value)
                if text:
                    self.consts[stmt.targets[0].id] = text
        # 1. string literals passed to *.add_argument(...)
        for node in ast.walk(tree):
            if is_add_argument(node):
                opts = [s for s in (str_const(a) for a in node.args) if s is not None]
                self.add_call(opts, node)
        # 2. names bound by `for x[, y] in [literal list]:` loops whose body calls add_argument(x, ...)
        for node in ast.walk(tree):
            if not isinstance(node, ast.For) or not isinstance(node.iter, (ast.List, ast.Tuple)):
                continue
            if isinstance(node.target, ast.Name):
                targets = [node.target.id]
            elif isinstance(node.target, ast.Tuple) and all(isinstance(e, ast.Name) for e in node.target.elts):
                targets = [e.id for e in node.target.elts]  # type: ignore[attr-defined]
            else:
                continue
            for call in (n for s in node.body for n in ast.walk(s)):
                if not is_add_argument(call):
                    continue
                idx = [targets.index(a.id) for a in call.args if isinstance(a, ast.Name) and a.id in targets]
                if not idx:
                    continue
                for elt in node.iter.elts:
                    vals = elt.elts if isinstance(elt, (ast.Tuple, ast.List)) and len(targets) > 1 else [elt]
                    opts = [s for s in (str_const(vals[i]) for i in idx if i < len(vals)) if s is not None]
                    self.add_call(opts, call)  # type: ignore[arg-type]


def dataclass_fields_with_bases(src: Source, tree: ast.Module, path: str, name: str, seen=None,
                                anns: dict | None = None) -> list[str]:
    """Annotated fields of class `name` and its base classes (bases looked up in the module, then through
    `from vllm.x import Base` imports, read from the same wheel)."""
    seen = seen if seen is not None else set()
    if (path, name) in seen:
        return []
    seen.add((path, name))
    cls = top_class(tree, name)
    if cls is None:
        return []
    fields: list[str] = []
    for base in cls.bases:
        bname = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else None
        if not bname or bname in ("object", "Generic"):
            continue
        if top_class(tree, bname) is not None:
            fields += dataclass_fields_with_bases(src, tree, path, bname, seen, anns)
            continue
        mod = imported_from(tree, bname)
        if mod and mod.startswith("vllm"):
            for cand in (mod.replace(".", "/") + ".py", mod.replace(".", "/") + "/__init__.py"):
                t = src.parse(cand)
                if t is not None and top_class(t, bname) is not None:
                    fields += dataclass_fields_with_bases(src, t, cand, bname, seen, anns)
                    break
    if anns is not None:
        anns.update(field_annotations(cls))
    for f in annotated_fields(cls):
        if f not in fields:
            fields.append(f)
    return fields


def imported_from(tree: ast.Module, name: str) -> str | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                if (a.asname or a.name) == name:
                    return node.module
    return None


def ann_names(ann: ast.expr | None) -> set[str]:
    """Type names mentioned in an annotation (string annotations are parsed too)."""
    if ann is None:
        return set()
    if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
        try:
            ann = ast.parse(ann.value, mode="eval").body
        except SyntaxError:
            return set()
    out = set()
    for n in ast.walk(ann):
        if isinstance(n, ast.Name):
            out.add(n.id)
        elif isinstance(n, ast.Attribute):
            out.add(n.attr)
        elif isinstance(n, ast.Constant) and isinstance(n.value, str):
            out |= ann_names(n)
    return out


def bool_like(ann: ast.expr | None) -> bool:
    """get_kwargs turns a bool-typed field into BooleanOptionalAction; `bool | str | None` (an optional-valued
    flag) and Literal[...] are not."""
    names = ann_names(ann)
    return "bool" in names and not names & {"str", "Literal"}


def field_annotations(cls: ast.ClassDef | None) -> dict[str, ast.expr]:
    if cls is None:
        return {}
    return {s.target.id: s.annotation for s in cls.body
            if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)}


def boolean_optional_flags(tree: ast.Module | None, field_anns: dict[str, ast.expr], kwargs_bool: bool) -> set[str]:
    """Option strings that get a `--no-...` twin: add_argument(..., action=BooleanOptionalAction), and (when the
    module's get_kwargs maps bool fields to BooleanOptionalAction) add_argument(--x, **kwargs) for a bool field x."""
    out: set[str] = set()
    if tree is None:
        return out
    for node in ast.walk(tree):
        if not is_add_argument(node):
            continue
        opts = [s for s in (str_const(a) for a in node.args) if s and s.startswith("-")]
        if not opts:
            continue
        kw = {k.arg: k.value for k in node.keywords}
        action = kw.get("action")
        if action is not None:
            if isinstance(action, (ast.Name, ast.Attribute)) and (
                    getattr(action, "id", None) or getattr(action, "attr", None)) == "BooleanOptionalAction":
                out.update(opts)
            continue
        if kwargs_bool and None in kw and "type" not in kw:
            longs = [o for o in opts if o.startswith("--")]
            if longs and bool_like(field_anns.get(longs[0][2:].replace("-", "_"))):
                out.update(opts)
    return out


def calls_named(tree: ast.AST, name: str) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if (isinstance(f, ast.Name) and f.id == name) or (isinstance(f, ast.Attribute) and f.attr == name):
                return True
    return False


def defines_function(tree: ast.Module, name: str) -> bool:
    return any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name for n in tree.body)


# --------------------------------------------------------------------------------------------- extraction


def extract(src: Source) -> dict:
    v = src.version
    out: dict = {}

    # build info
    for path in VERSION_FILES:
        tree = src.parse(path)
        if tree is None:
            continue
        for node in tree.body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = {t.id for t in targets if isinstance(t, ast.Name)}
                val = str_const(node.value) if node.value is not None else None
                if val and names & {"__version__", "version"}:
                    out["wheel_version"] = val
    # ---- engine args
    eng = src.parse(ENGINE_ARGS)
    if eng is None:
        warn(f"{v}: {ENGINE_ARGS} missing")
    engine_flags = FlagCollector()
    if eng is not None:
        engine_flags.add_module(eng)
    engine_fields = annotated_fields(top_class(eng, "EngineArgs"))
    eng_text = src.read(ENGINE_ARGS) or ""
    get_kwargs_fn = next((n for n in eng.body if isinstance(n, ast.FunctionDef) and n.name in (
        "get_kwargs", "_compute_kwargs")), None) if eng is not None else None
    kwargs_bool = bool(get_kwargs_fn and "BooleanOptionalAction" in (ast.get_source_segment(eng_text, get_kwargs_fn) or ""))
    eng_anns = {**field_annotations(top_class(eng, "EngineArgs")), **field_annotations(top_class(eng, "AsyncEngineArgs"))}
    bool_flags = boolean_optional_flags(eng, eng_anns, kwargs_bool)
    async_fields = [f for f in annotated_fields(top_class(eng, "AsyncEngineArgs")) if f not in engine_fields]
    if eng is not None and not engine_fields:
        warn(f"{v}: class EngineArgs not found in {ENGINE_ARGS}")

    # ---- serve parser module
    serve_path = None
    others = sorted(n for n in src.names() if n.startswith("vllm/entrypoints/") and n.endswith("/cli_args.py")
                    and n not in SERVE_CANDIDATES)
    definers = []
    for path in (*SERVE_CANDIDATES, *others):
        if not src.exists(path):
            continue
        tree = src.parse(path)
        if tree is not None and defines_function(tree, "make_arg_parser"):
            definers.append((path, tree))
    if len(definers) > 1:
        warn(f"{v}: several modules define make_arg_parser: {[p for p, _ in definers]}; using the last")
    serve_flags = FlagCollector()
    if definers:
        serve_path, serve_tree = definers[-1]
        serve_flags.add_module(serve_tree)
        bool_flags |= boolean_optional_flags(serve_tree, {}, False)
        if top_class(serve_tree, "FrontendArgs") is not None and calls_named(serve_tree, "get_kwargs"):
            anns: dict[str, ast.expr] = {}
            for f in dataclass_fields_with_bases(src, serve_tree, serve_path, "FrontendArgs", anns=anns):
                serve_flags.flags.add("--" + f.replace("_", "-"))
                if kwargs_bool and bool_like(anns.get(f)):
                    bool_flags.add("--" + f.replace("_", "-"))
    else:
        warn(f"{v}: no vllm/entrypoints/**/cli_args.py defines make_arg_parser")

    # ---- FlexibleArgumentParser: -O rewriting and accepted spellings
    parser_path, parser_src = None, ""
    for path in PARSER_CANDIDATES:
        text = src.read(path) if src.exists(path) else None
        if text and "class FlexibleArgumentParser" in text:
            parser_path, parser_src = path, text
            break
    if parser_path is None:
        warn(f"{v}: FlexibleArgumentParser not found in {PARSER_CANDIDATES}")
    rewritten: dict[str, str] = {}
    features: dict[str, object] = {}
    if parser_path:
        ptree = ast.parse(parser_src)
        pcls = top_class(ptree, "FlexibleArgumentParser")
        seg = (ast.get_source_segment(parser_src, pcls) or "") if pcls else ""
        # the argument-rewriting methods only (the config-file loader also splits on ".")
        pmeths = [n for n in (ast.walk(pcls) if pcls else []) if isinstance(n, ast.FunctionDef)
                  and n.name in ("parse_args", "parse_known_args")]
        pseg = "\n".join(ast.get_source_segment(parser_src, m) or "" for m in pmeths)
        # -O counts as rewritten only when the parser turns it into a long option (v0.6.5-v0.9.1 merely
        # re-split "-O3" for the add_argument("-O", "--compilation-config") alias)
        if re.search(r"""startswith\(\s*["']-O["']\s*\)|==\s*["']-O["']""", pseg):
            # v0.9.2-v0.11.x: "-O3" -> "-O.level=3" / "-O.mode=3" (a sub-key of the -O/--compilation-config alias);
            # v0.12.0+: "-O3" -> "--optimization-level 3"
            for target, pat in (("--optimization-level", r"""["']--optimization-level["']"""),
                                ("--compilation-config", r"""["']--compilation-config["']|-O\.(level|mode)""")):
                if re.search(pat, pseg):
                    rewritten["-O"] = target
                    break
        features["underscore_to_dash"] = bool(re.search(r"""replace\(\s*["']_["']\s*,\s*["']-["']\s*\)""", seg))
        # dotted JSON sub-keys (--compilation-config.mode 3): the parser splits on "." in option names
        features["dotted"] = bool(re.search(r"""["']\.["']\s+(not\s+)?in\s+\w*arg|split\(\s*["']\.["']""", pseg))
        features["enable_disable_inverse"] = "EnableDisableAction" in parser_src
    features["boolean_optional"] = bool(eng is not None and "BooleanOptionalAction" in (src.read(ENGINE_ARGS) or ""))

    flags = engine_flags.flags | serve_flags.flags | set(rewritten)
    aliases = {**serve_flags.aliases, **engine_flags.aliases}
    for a, canon in rewritten.items():
        aliases.setdefault(a, canon)
    out["cli_flags"] = sorted(flags)
    out["serve_only_flags"] = sorted(serve_flags.flags - engine_flags.flags)
    out["flag_aliases"] = dict(sorted(aliases.items()))
    out["parser_rewritten_flags"] = rewritten
    out["deprecated_flags"] = sorted(engine_flags.deprecated | serve_flags.deprecated)
    out["boolean_optional_flags"] = sorted(bool_flags & flags)
    out["switch_flags"] = sorted(switch_flags(src, eng, serve_path, flags, features))
    out["engine_args_fields"] = sorted(engine_fields)
    out["async_engine_args_extra_fields"] = sorted(async_fields)
    out["parser"] = features
    out["files"] = {"engine_args": ENGINE_ARGS if eng is not None else None, "serve_args": serve_path,
                    "parser": parser_path}

    # ---- env vars
    envs = src.parse(ENVS)
    env_vars: set[str] = set()
    dep_env: dict[str, list] = {}
    if envs is None:
        warn(f"{v}: {ENVS} missing")
    else:
        found = False
        for node in ast.walk(envs):
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == "environment_variables" for t in targets) \
                        and isinstance(node.value, ast.Dict):
                    found = True
                    for k in node.value.keys:
                        if k is None:
                            warn(f"{v}: **-expansion inside environment_variables is not followed")
                        elif str_const(k) is not None:
                            env_vars.add(k.value)  # type: ignore[union-attr]
        if not found:
            warn(f"{v}: environment_variables dict not found in {ENVS}")
        for node in ast.walk(envs):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "deprecated_env":
                vals = [str_const(a) for a in node.args]
                kws = {k.arg: str_const(k.value) for k in node.keywords if k.arg}
                name = vals[0] if vals else kws.get("name")
                if name:
                    removal = vals[1] if len(vals) > 1 else kws.get("removal")
                    repl = vals[2] if len(vals) > 2 else kws.get("replacement")
                    dep_env[name] = [removal, repl]
    out["env_vars"] = sorted(env_vars)
    out["deprecated_env_vars"] = dict(sorted(dep_env.items()))

    # ---- SamplingParams
    sp_tree = src.parse(SAMPLING)
    sp = top_class(sp_tree, "SamplingParams")
    if sp is None:
        warn(f"{v}: class SamplingParams not found in {SAMPLING}")
        out["sampling_params_fields"] = []
    else:
        init = method(sp, "__init__")
        names = func_params(init) if init is not None else annotated_fields(sp)
        # private msgspec fields (_all_stop_token_ids, _real_n, ...) are internal state, not constructor API
        out["sampling_params_fields"] = sorted(n for n in names if not n.startswith("_"))

    # ---- LLM
    llm_tree = src.parse(LLM)
    llm = top_class(llm_tree, "LLM")
    if llm is None:
        warn(f"{v}: class LLM not found in {LLM}")
    init = method(llm, "__init__")
    gen = method(llm, "generate")
    out["llm_init_params"] = sorted(func_params(init)) if init else []
    out["llm_generate_params"] = sorted(func_params(gen)) if gen else []
    return out


def switch_flags(src: Source, eng: ast.Module | None, serve_path: str | None, flags: set[str],
                 features: dict[str, object]) -> set[str]:
    """The options of `flags` that take no value (see vllm_switches.py), with their `--no-X` twins and, where the
    parser pairs them (EnableDisableAction), the `--disable-X` / `--enable-X` inverses."""
    collector = SwitchCollector(src, kwargs_policy(eng))
    if eng is not None:
        collector.add_module(ENGINE_ARGS, eng)
    serve_tree = src.parse(serve_path) if serve_path else None
    if serve_path and serve_tree is not None:
        collector.add_module(serve_path, serve_tree)
    out = {o for o in collector.switches if o in flags or (o.startswith("--no-") and "--" + o[5:] in flags)}
    if features.get("enable_disable_inverse"):
        for opt in collector.boolean_optional & flags:
            for a, b in (("--enable-", "--disable-"), ("--disable-", "--enable-")):
                if opt.startswith(a):
                    out.add(b + opt[len(a):])
    return out


# --------------------------------------------------------------------------------------------- output


METHOD = (
    "Official vllm==X release wheels from PyPI (pip download --no-deps --only-binary :all:), sources read "
    "from the wheel zip and parsed with ast (vllm never imported). cli_flags: string literals of "
    "add_argument calls in vllm/engine/arg_utils.py and the serve-parser module defining make_arg_parser, "
    "+ FrontendArgs fields as --dashed, + literal-list for loops, + -O where FlexibleArgumentParser rewrites "
    "it. switch_flags: the cli_flags that take no value (store_true/store_false/store_const, "
    "BooleanOptionalAction with its --no-X twin and, where the parser pairs them, --disable-X/--enable-X, "
    "StoreBoolean with nargs='?'), dataclass-field options classified the way that release's get_kwargs "
    "does (scripts/vllm_switches.py). engine_args_fields: annotated attrs of EngineArgs. env_vars: keys of "
    "environment_variables in "
    "vllm/envs.py. sampling_params_fields: SamplingParams.__init__ params if defined, else annotated "
    "fields. llm_init_params/llm_generate_params: LLM.__init__/LLM.generate parameters. One release per line "
    "(lmimigrate/stacks/vllm/inventory_codec.py): set-valued keys in full for the first release, then "
    "{'+': added, '-': removed} against the previous one. Underscore spellings (--max_num_seqs) are accepted "
    "by every release and not listed."
)


def write_output(path: Path, releases: dict[str, dict]) -> None:
    kept = {}
    for ver, rel in releases.items():
        kept[ver] = {k: rel[k] for k in (*codec.SET_KINDS, *codec.DICT_KINDS) if k in rel}
        if rel.get("wheel_version") not in (None, ver):
            kept[ver]["wheel_version"] = rel["wheel_version"]  # recorded only when the wheel says another version
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(codec.encode({"generated_by": "scripts/gen_vllm_inventory.py", "method": METHOD}, kept),
                    encoding="utf-8")
    print(f"wrote {path} ({path.stat().st_size} bytes, {len(releases)} releases)", file=sys.stderr)


# --------------------------------------------------------------------------------------------- compare


def compare(releases: dict[str, dict], ref_path: Path) -> int:
    ref = json.loads(ref_path.read_text(encoding="utf-8"))
    allref = {**ref.get("tags", {}), **ref.get("intermediate_tags", {})}
    total = 0
    strict = ("cli_flags", "engine_args_fields", "env_vars")
    info = ("async_engine_args_extra_fields", "serve_only_flags", "deprecated_flags")
    for ver, rel in releases.items():
        r = allref.get("v" + ver)
        if r is None:
            print(f"{ver}: not in reference")
            continue
        lines = []
        for k in strict + info:
            if k not in r:
                continue
            mine, theirs = set(rel[k]), set(r[k])
            if mine != theirs:
                tag = "MISMATCH" if k in strict else "note"
                if k in strict:
                    total += 1
                lines.append(f"  {tag} {k}: only mine {sorted(mine - theirs)} only ref {sorted(theirs - mine)}")
        ref_alias = {a: c for c, al in r.get("flag_aliases", {}).items() for a in al}
        # a parser-rewritten -O is also recorded as an alias here; the reference lists it only when
        # add_argument registers it
        mine_alias = {a: c for a, c in rel["flag_aliases"].items()
                      if not (a in rel["parser_rewritten_flags"] and a not in ref_alias)}
        if ref_alias != mine_alias:
            lines.append(f"  note flag_aliases: only mine {sorted(set(mine_alias.items()) - set(ref_alias.items()))} "
                         f"only ref {sorted(set(ref_alias.items()) - set(mine_alias.items()))}")
        if set(r.get("parser_rewritten_flags", {})) != set(rel["parser_rewritten_flags"]):
            lines.append(f"  note parser_rewritten_flags: mine {rel['parser_rewritten_flags']} "
                         f"ref {r.get('parser_rewritten_flags')}")
        if set(r.get("deprecated_env_vars", {})) != set(rel["deprecated_env_vars"]):
            lines.append(f"  note deprecated_env_vars: mine {sorted(rel['deprecated_env_vars'])} "
                         f"ref {sorted(r.get('deprecated_env_vars', {}))}")
        counts = " ".join(f"{k}={len(rel[k])}/{len(r[k])}" for k in strict)
        print(f"{ver}: {'OK' if not any('MISMATCH' in line for line in lines) else 'DIFF'} ({counts} mine/ref)")
        for line in lines:
            print(line)
    print(f"compare: {total} strict mismatches (cli_flags/engine_args_fields/env_vars) over {len(releases)} releases")
    return total


# --------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wheel-dir", required=True, type=Path)
    ap.add_argument("--download", action="store_true", help="pip download wheels missing from --wheel-dir")
    ap.add_argument("--versions", help="comma-separated releases to extract; --out then holds exactly these "
                                       "(default: the releases already in --out, else those of --compare)")
    ap.add_argument("--add", metavar="VERSIONS", help="comma-separated releases to extract and merge into the "
                                                      "existing --out data (the other releases are not extracted)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--compare", type=Path, help="reference vllm_engine_args.json to diff against")
    ap.add_argument("--cache-dir", type=Path, help="keep/read the few extracted sources per release here")
    ap.add_argument("--keep-wheels", action="store_true", help="do not delete wheels downloaded by this run")
    args = ap.parse_args(argv)

    existing: dict[str, dict] = {}
    if args.out.exists():
        _, existing = codec.decode(args.out.read_text(encoding="utf-8"))
    if args.add or args.versions:
        versions = [x.strip().lstrip("v") for x in (args.add or args.versions).split(",") if x.strip()]
    elif existing:
        versions = list(existing)  # re-extract the releases the data holds
    elif args.compare and args.compare.exists():
        ref = json.loads(args.compare.read_text(encoding="utf-8"))
        versions = [t.lstrip("v") for t in (*ref.get("tags", {}), *ref.get("intermediate_tags", {}))]
    else:
        ap.error("no releases: give --versions or --add, or an existing --out or --compare file")
    versions = sorted(set(versions), key=Version)

    args.wheel_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict] = {}
    failed: list[str] = []
    for ver in versions:
        cache = args.cache_dir / ver if args.cache_dir else None
        wheel = find_wheel(args.wheel_dir, ver)
        downloaded = False
        if wheel is None and cache is not None and (cache / "names.txt").exists():
            src = Source(ver, cache=cache)
        else:
            if wheel is None and args.download:
                wheel = download(args.wheel_dir, ver)
                downloaded = wheel is not None
            if wheel is None:
                warn(f"{ver}: no wheel in {args.wheel_dir}" + ("" if args.download else " (use --download)"))
                failed.append(ver)
                continue
            src = Source(ver, zip_path=wheel)
        try:
            results[ver] = extract(src)
            if cache is not None and src.zip is not None:
                src.save_cache(cache)
        except Exception as exc:  # keep going: one broken release must not stop the others
            warn(f"{ver}: extraction failed: {exc!r}")
            failed.append(ver)
        finally:
            src.close()
            if downloaded and not args.keep_wheels:
                wheel.unlink()  # type: ignore[union-attr]
        r = results.get(ver)
        if r:
            print(f"[{ver}] cli_flags={len(r['cli_flags'])} engine_args_fields={len(r['engine_args_fields'])} "
                  f"env_vars={len(r['env_vars'])} sampling_params_fields={len(r['sampling_params_fields'])} "
                  f"llm_init_params={len(r['llm_init_params'])}", file=sys.stderr)

    if results:
        write_output(args.out, {**existing, **results} if args.add else results)
    if failed:
        print(f"FAILED releases: {', '.join(failed)}", file=sys.stderr)
    rc = 1 if failed else 0
    if args.compare and args.compare.exists():
        if compare(results, args.compare):
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
