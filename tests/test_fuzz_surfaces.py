"""Property-based tests (hypothesis) for every surface.

For each surface (properties, .env, shell, Dockerfile, YAML, JSON, Python, notebooks):

1. Arbitrary text, and arbitrary bytes through `decode`, never raise out of extraction: the engine returns
   settings/findings or a parse-error finding (LMM001/LMM002/LMM004/LMM008), never an exception or LMM009.
2. Generated *valid* files (real syntax, real keys, every newline style, BOM, missing final newline): extraction
   then a no-op rewrite gives back the same bytes.
3. A rename, value edit, delete or insert on one setting changes only that setting: the edits stay inside the
   entry (an insert only adds text), the result parses, and re-extraction shows the same settings except the one
   edited (which reads back as asked), in the same order.
4. All fixes of all rules (unsafe included, several version pairs) applied once, then again: the second run
   changes nothing, and the fixed text parses.
5. Valid files mutated at random (hostile characters inserted, slices dropped or doubled) go through the whole
   engine with every rule and `--unsafe-fixes`: no exception, no internal error, and any rewrite parses.

Profiles (tests/conftest.py): "ci" is derandomized with a few thousand examples in all; HYPOTHESIS_PROFILE=long
(bench/fuzz_long.py) runs ~20x more, randomized.
"""

from __future__ import annotations

import codecs
import json
import re

import pytest
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st
from lmimigrate.core.pep440 import Version

from lmimigrate.core import api, registry
from lmimigrate import surfaces
from lmimigrate.core.engine import PARSE_ERROR, TEMPLATE_SKIPPED, Engine, apply_edits, decode
from lmimigrate.core.ftypes import Applicability, Finding, ParseError
from lmimigrate.stacks.vllm.flags import SHORT_ALIASES, switch_names
from tests.conftest import examples


# ---- building blocks --------------------------------------------------------------------------------------

NEWLINES = st.sampled_from(["\n", "\n", "\r\n", "\r"])
LOWER = "abcdefghijklmnopqrstuvwxyz"
UPPER = LOWER.upper()
DIGITS = "0123456789"

REAL_LMI = ["option.rolling_batch", "option.max_rolling_batch_size", "option.model_id", "option.tensor_parallel_degree",
            "option.max_rolling_batch_prefill_tokens", "option.enable_chunked_prefill", "option.dtype", "engine",
            "option.use_v2_block_manager", "option.max_model_len", "option.entryPoint", "option.quantize"]
REAL_ENV = ["OPTION_ROLLING_BATCH", "OPTION_MAX_ROLLING_BATCH_SIZE", "HF_MODEL_ID", "VLLM_USE_V1", "OPTION_ENGINE",
            "VLLM_ATTENTION_BACKEND", "TENSOR_PARALLEL_DEGREE", "VLLM_SKIP_WARMUP", "VLLM_WORKER_MULTIPROC_METHOD",
            "OPTION_ENABLE_CHUNKED_PREFILL", "VLLM_PROMPT_BS_BUCKET_MAX", "PT_HPU_LAZY_MODE", "SERVING_LOAD_MODELS",
            "VLLM_ALLOW_LONG_MAX_MODEL_LEN", "OPTION_MODEL_ID", "VLLM_EXPONENTIAL_BUCKETING"]
# vLLM flags that take a value (never switches), so a value after them is always read as theirs.
REAL_VLLM = ["max_num_seqs", "max_model_len", "tensor_parallel_size", "gpu_memory_utilization", "dtype",
             "quantization", "block_size", "swap_space", "seed", "kv_cache_dtype", "tokenizer_mode",
             "max_num_batched_tokens", "guided_decoding_backend", "num_scheduler_steps", "task",
             "pipeline_parallel_size", "download_dir", "load_format", "revision", "max_logprobs"]
REAL_VLLM_SWITCHES = ["enforce_eager", "enable_prefix_caching", "enable_chunked_prefill", "trust_remote_code",
                      "use_v2_block_manager", "disable_log_requests", "disable_log_stats"]
ENV_VALUES = ["vllm", "lmi-dist", "trtllm", "auto", "true", "false", "1", "0", "16", "0.9", "FLASH_ATTN", "spawn",
              "meta-llama/Llama-3.1-8B", "s3://bucket/model/", "MPI", "Python"]

_NON_VALUE = set(switch_names()) | set(SHORT_ALIASES) | {"O", "model"}


def _word(alphabet: str, min_size=1, max_size=10):
    return st.text(alphabet, min_size=min_size, max_size=max_size)


lmi_keys = st.one_of(st.sampled_from(REAL_LMI), st.builds(lambda s: "option." + s, st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)))
env_names = st.one_of(st.sampled_from(REAL_ENV), st.from_regex(r"[A-Z][A-Z0-9_]{0,12}", fullmatch=True))
vllm_value_keys = st.one_of(
    st.sampled_from(REAL_VLLM),
    st.from_regex(r"[a-z]{2,8}(_[a-z]{2,8}){0,2}", fullmatch=True).filter(lambda k: k not in _NON_VALUE),
)
plain_values = st.one_of(st.sampled_from(ENV_VALUES), _word(LOWER + UPPER + DIGITS + "._/:-", 1, 12).filter(lambda v: not v.startswith("-")))
#: Values that need quoting somewhere: spaces, quotes, `$`, `#`, `=`, backslashes, braces, non-ASCII.
hostile_values = st.text(LOWER + DIGITS + " ._/:=,@%+#$'\"\\{}[]!&;|*?~`éß中", min_size=0, max_size=12)
any_values = st.one_of(plain_values, plain_values, hostile_values)


def _join(lines: list[str], nl: str, final: bool) -> str:
    text = nl.join(lines)
    return text + nl if final and lines else text


# ---- generators of valid files, per surface -------------------------------------------------------------


@st.composite
def properties_file(draw):
    nl, lines = draw(NEWLINES), []
    for kind in draw(st.lists(st.sampled_from(["kv", "kv", "kv", "comment", "blank", "cont"]), max_size=8)):
        if kind == "comment":
            lines.append(draw(st.sampled_from(["#", "!", "  #"])) + " " + draw(_word(LOWER + " =:", 0, 12)))
        elif kind == "blank":
            lines.append(draw(st.sampled_from(["", "  "])))
        else:
            key = draw(lmi_keys)
            sep = draw(st.sampled_from(["=", ":", " = ", " ", "\t=\t", ": ", "="]))
            value = draw(plain_values) + draw(st.sampled_from(["", "", " x y"]))
            if kind == "cont":
                lines.append(f"{key}{sep}{value},\\")
                value = "    " + draw(plain_values)
                lines.append(value)
            else:
                lines.append(f"{key}{sep}{value}")
    return "serving.properties", _join(lines, nl, draw(st.booleans()))


def _dq(v: str) -> str:
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`") + '"'


def _sq(v: str) -> str:
    return "'" + v.replace("'", "") + "'"


@st.composite
def env_file(draw):
    nl, lines = draw(NEWLINES), []
    for kind in draw(st.lists(st.sampled_from(["kv", "kv", "kv", "export", "comment", "blank", "trail"]), max_size=8)):
        if kind == "comment":
            lines.append("# " + draw(_word(LOWER + " =", 0, 10)))
        elif kind == "blank":
            lines.append("")
        else:
            name = draw(env_names)
            quote = draw(st.sampled_from(["bare", "dq", "sq"]))
            v = draw(plain_values) if quote == "bare" else draw(st.one_of(plain_values, _word(LOWER + " .:/=", 0, 10)))
            value = v if quote == "bare" else _dq(v) if quote == "dq" else _sq(v)
            prefix = "export " if kind == "export" else ""
            suffix = "  # note" if kind == "trail" else ""
            lines.append(f"{prefix}{name}={value}{suffix}")
    return draw(st.sampled_from([".env", "model.env", ".env.prod"])), _join(lines, nl, draw(st.booleans()))


@st.composite
def vllm_flags(draw, max_flags=5) -> list[str]:
    """Words of vLLM flags: `--a-b v`, `--a-b=v`, switches, `-tp 2`, `-O3`."""
    words: list[str] = []
    for kind in draw(st.lists(st.sampled_from(["space", "space", "equals", "switch", "short", "O"]), max_size=max_flags)):
        if kind == "switch":
            words.append("--" + draw(st.sampled_from(REAL_VLLM_SWITCHES)).replace("_", "-"))
        elif kind == "short":
            words += ["-tp", draw(st.sampled_from(["1", "2", "8"]))]
        elif kind == "O":
            words.append(draw(st.sampled_from(["-O3", "-O0", "-O", "-O2"])))
            if words[-1] == "-O":
                words.append("3")
        else:
            flag = "--" + draw(vllm_value_keys).replace("_", "-")
            value = draw(plain_values)
            words += [flag + "=" + value] if kind == "equals" else [flag, value]
    return words


def _shell_word(w: str, draw) -> str:
    if re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", w):
        return draw(st.sampled_from([w, w, w, _dq(w), "'" + w + "'"]))
    return "'" + w.replace("'", "'\\''") + "'"


@st.composite
def vllm_launch(draw) -> list[str]:
    head = draw(st.sampled_from([["vllm", "serve", "meta-llama/Llama-3.1-8B"], ["vllm", "serve", "m"],
                                 ["python3", "-m", "vllm.entrypoints.openai.api_server", "--model", "m"],
                                 ["exec", "vllm", "serve", "/models/x"]]))
    return head + draw(vllm_flags())


@st.composite
def shell_file(draw):
    nl, lines = draw(NEWLINES), []
    if draw(st.booleans()):
        lines.append("#!/bin/bash")
    kinds = ["export", "assign", "launch", "prefix", "other", "comment", "if", "sh_c", "heredoc", "docker_run"]
    for kind in draw(st.lists(st.sampled_from(kinds), max_size=6)):
        if kind in ("export", "assign"):
            name, v = draw(env_names), draw(any_values)
            lines.append(("export " if kind == "export" else "") + f"{name}={_shell_word(v, draw) if v else ''}")
        elif kind in ("launch", "prefix"):
            words = [_shell_word(w, draw) for w in draw(vllm_launch())]
            if kind == "prefix":
                words = [f"{draw(env_names)}={_shell_word(draw(plain_values), draw)}"] + words
            if draw(st.booleans()) and len(words) > 3:  # one flag per continuation line
                cut = draw(st.integers(2, len(words) - 1))
                lines.append(" ".join(words[:cut]) + " \\")
                lines.append("    " + " ".join(words[cut:]))
            else:
                lines.append(" ".join(words))
        elif kind == "other":
            lines.append(draw(st.sampled_from(["echo starting", "set -euo pipefail", "cd /opt/ml && ls", "sleep 1 # wait"])))
        elif kind == "if":
            lines += ['if [ -n "$X" ]; then', f"  export {draw(env_names)}=1", "fi"]
        elif kind in ("sh_c", "heredoc", "docker_run"):
            lines += _shell_carrier(draw, kind)
        else:
            lines.append("# " + draw(_word(LOWER + " ", 0, 10)))
    return draw(st.sampled_from(["run.sh", "serve.bash", ".envrc"])), _join(lines, nl, draw(st.booleans()))


def _shell_carrier(draw, kind: str) -> list[str]:
    """Text a shell command hands to another program (issue 11 §2): embedded units of the shell surface."""
    script = " ".join(_shell_word(w, draw) for w in draw(vllm_launch()))
    if kind == "sh_c":
        if draw(st.booleans()):
            return [draw(st.sampled_from(["bash -c ", "sh -ec ", "nohup bash -lc "])) + "'" + script.replace("'", "'\\''") + "'"]
        return ["sh -c " + _dq(script)]
    if kind == "heredoc":
        quoted = draw(st.sampled_from(["'EOF'", "EOF", '"EOF"']))
        if draw(st.booleans()):
            props = [f"{draw(lmi_keys)}={draw(plain_values)}" for _ in range(draw(st.integers(1, 3)))]
            return [f"cat > /opt/ml/model/serving.properties <<{quoted}", *props, "EOF"]
        return [f"bash -s <<{quoted}", script, "EOF"]
    flags = [_shell_word(w, draw) for w in draw(vllm_flags())]
    return [" ".join(["docker run --rm --gpus all -p 8000:8000", draw(st.sampled_from(["vllm/vllm-openai:v0.6.3", "rocm/vllm:latest"])), *flags])]


@st.composite
def dockerfile(draw):
    nl = draw(NEWLINES)
    lines = ["FROM " + draw(st.sampled_from(["vllm/vllm-openai:v0.6.3", "ubuntu:22.04 AS base", "deepjavalibrary/djl-serving:0.29.0-lmi11.0.0-cu124"]))]
    kinds = ["env", "env", "legacy", "cmd_exec", "cmd_shell", "run", "exec_sh_c", "run_heredoc", "copy_heredoc"]
    for kind in draw(st.lists(st.sampled_from(kinds), max_size=5)):
        if kind == "env":
            pairs = [f"{draw(env_names)}={_shell_word(draw(any_values) or 'x', draw)}" for _ in range(draw(st.integers(1, 3)))]
            lines.append("ENV " + " ".join(pairs))
        elif kind == "legacy":
            lines.append(f"ENV {draw(env_names)} {draw(plain_values)}")
        elif kind == "cmd_exec":
            lines.append(draw(st.sampled_from(["CMD ", "ENTRYPOINT "])) + json.dumps(draw(vllm_launch())))
        elif kind == "cmd_shell":
            lines.append("CMD " + " ".join(_shell_word(w, draw) for w in draw(vllm_launch())))
        elif kind == "exec_sh_c":
            script = " ".join(_shell_word(w, draw) for w in draw(vllm_launch()))
            lines.append(draw(st.sampled_from(["CMD ", "ENTRYPOINT "])) + json.dumps(["/bin/sh", "-c", script]))
        elif kind == "run_heredoc":
            lines += ["RUN <<EOF", " ".join(_shell_word(w, draw) for w in draw(vllm_launch())), "EOF"]
        elif kind == "copy_heredoc":
            props = [f"{draw(lmi_keys)}={draw(plain_values)}" for _ in range(draw(st.integers(1, 3)))]
            lines += ["COPY <<EOF /opt/ml/model/serving.properties", *props, "EOF"]
        else:
            lines.append("RUN pip install vllm && echo ok")
    return draw(st.sampled_from(["Dockerfile", "Dockerfile.gpu", "serve.dockerfile"])), _join(lines, nl, draw(st.booleans()))


def _yaml_scalar(v: str, draw) -> str:
    safe = re.fullmatch(r"[A-Za-z_/][A-Za-z0-9_./-]*", v) and v.lower() not in ("true", "false", "yes", "no", "null", "on", "off", "y", "n", "~")
    styles = ["dq", "sq"] + (["plain", "plain"] if safe else [])
    style = draw(st.sampled_from(styles))
    if style == "plain":
        return v
    if style == "sq":
        return "'" + v.replace("'", "''") + "'"
    return json.dumps(v, ensure_ascii=False)


@st.composite
def yaml_file(draw):
    nl = draw(NEWLINES)
    kind = draw(st.sampled_from(["k8s", "compose", "vllm", "helm", "lmi"]))
    lines: list[str] = []
    if kind == "k8s":
        lines += ["apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: llm", "spec:", "  template:",
                  "    spec:", "      containers:", "        - name: server", "          image: vllm/vllm-openai:v0.6.3"]
        launch = draw(vllm_launch())
        if draw(st.booleans()):
            lines.append("          args: [" + ", ".join(json.dumps(w) for w in launch[2:]) + "]")
            lines.append("          command: [" + ", ".join(json.dumps(w) for w in launch[:2]) + "]")
        else:
            lines.append("          command:")
            lines += ["            - " + _yaml_scalar(w, draw) for w in launch]
        entries = draw(st.lists(st.tuples(env_names, any_values), max_size=5))
        if entries or draw(st.booleans()):
            lines.append("          env:")
            for name, v in entries:
                lines += [f"            - name: {name}", f"              value: {_yaml_scalar(v, draw)}"]
            if draw(st.booleans()):
                lines += ["            - name: SECRET", "              valueFrom:", "                secretKeyRef: {name: s, key: k}"]
        if draw(st.booleans()):
            lines.insert(0, "# deployment")
            lines += ["---", "apiVersion: v1", "kind: Service", "metadata: {name: llm}"]
    elif kind == "compose":
        lines += ["services:", "  llm:", "    image: vllm/vllm-openai:v0.6.3"]
        entries = draw(st.lists(st.tuples(env_names, plain_values), max_size=5))
        if draw(st.booleans()):
            lines.append("    environment:")
            lines += [f"      {n}: {_yaml_scalar(v, draw)}" for n, v in entries] or ["      A: b"]
        else:
            lines.append("    environment:")
            lines += [f"      - {n}={v}" for n, v in entries] or ["      - A=b"]
        lines.append("    command: " + json.dumps(" ".join(draw(vllm_launch()))))
    elif kind == "vllm":
        keys = draw(st.lists(st.sampled_from(REAL_VLLM[:12] + REAL_VLLM_SWITCHES[:3]), min_size=2, max_size=6, unique=True))
        for k in keys:
            k2 = k.replace("_", "-") if draw(st.booleans()) else k
            v = "true" if k in REAL_VLLM_SWITCHES else draw(st.one_of(st.integers(0, 4096).map(str), plain_values.map(lambda x: _yaml_scalar(x, draw))))
            lines.append(f"{k2}: {v}")
            if draw(st.integers(0, 4)) == 0:
                lines.append("# comment")
        return draw(st.sampled_from(["vllm_config.yaml", "vllm.yml"])), _join(lines, nl, draw(st.booleans()))
    elif kind == "helm":
        lines += ["replicaCount: 1", "server:", "  image: vllm/vllm-openai:v0.6.3", "  env:"]
        entries = draw(st.lists(st.tuples(env_names, any_values), min_size=1, max_size=5))
        lines += [f"    {n}: {_yaml_scalar(v, draw)}" for n, v in entries]
    else:
        entries = draw(st.lists(st.tuples(lmi_keys, plain_values), min_size=1, max_size=5))
        lines += [f"{k}: {_yaml_scalar(v, draw)}" for k, v in entries]
    return draw(st.sampled_from(["deploy.yaml", "values.yml", "compose.yaml"])), _join(lines, nl, draw(st.booleans()))


@st.composite
def json_file(draw):
    kind = draw(st.sampled_from(["sagemaker", "ecs", "lmi", "cfn"]))
    env = dict(draw(st.lists(st.tuples(env_names, any_values), max_size=5)))
    if kind == "sagemaker":
        doc = {"ModelName": "m", "PrimaryContainer": {"Image": "djl:0.29.0-lmi11.0.0-cu124", "Environment": env}}
    elif kind == "ecs":
        doc = {"containerDefinitions": [{"name": "llm", "environment": [{"name": k, "value": v} for k, v in env.items()]}]}
    elif kind == "cfn":
        env["HF_TOKEN"] = {"Ref": "Token"}
        doc = {"Resources": {"Model": {"Properties": {"PrimaryContainer": {"Environment": env}}}}}
    else:
        doc = {k: (v if draw(st.booleans()) else len(v)) for k, v in draw(st.lists(st.tuples(lmi_keys, plain_values), min_size=1, max_size=5))}
    indent = draw(st.sampled_from([None, 2, 4, "\t"]))
    text = json.dumps(doc, indent=indent, ensure_ascii=draw(st.booleans()))
    nl = draw(NEWLINES)
    text = text.replace("\n", nl) + (nl if draw(st.booleans()) else "")
    return draw(st.sampled_from(["model.json", "task-def.json", "serving.json"])), text


def _py_str(v: str, q: str) -> str:
    return q + v.replace("\\", "\\\\").replace(q, "\\" + q).replace("\n", "\\n") + q


@st.composite
def python_literal(draw, text: str) -> str:
    """Python source of a string literal holding `text`, in any prefix and quote style (escaped \\n, or real
    line breaks in a triple-quoted string)."""
    from lmimigrate.surfaces.python.strings import read_literal

    prefix = draw(st.sampled_from(["", "", "r", "b", "f", "u"]))
    quote = draw(st.sampled_from(['"', "'", '"""', "'''"]))
    if "f" in prefix:
        text = text.replace("{", "").replace("}", "")
    if "b" in prefix:
        text = text.encode("ascii", "ignore").decode()
    empty = prefix + quote + quote
    lit = read_literal(empty, (0, len(empty)))
    lit.escaped_newlines = len(quote) == 1 or draw(st.booleans())
    try:
        return prefix + quote + lit.encode(text) + quote
    except ValueError:
        return repr(text)


@st.composite
def python_source(draw) -> str:
    nl = draw(NEWLINES)
    q = draw(st.sampled_from(['"', "'"]))
    lines = ["import os", "from vllm import LLM, SamplingParams"]
    for kind in draw(st.lists(st.sampled_from(["llm", "sampling", "envdict", "environ", "other", "propstr"]), min_size=1, max_size=4)):
        if kind == "propstr":  # a serving.properties file held in a string literal
            props = draw(properties_file())[1].replace("\r\n", "\n").replace("\r", "\n")
            lines.append(f"open('serving.properties', 'w').write({draw(python_literal(props))})")
        elif kind in ("llm", "sampling"):
            keys = draw(st.lists(st.sampled_from(REAL_VLLM[:10] if kind == "llm" else ["temperature", "top_p", "max_tokens", "seed", "n"]),
                                 max_size=4, unique=True))
            args = [f"model={_py_str('m', q)}"] if kind == "llm" else []
            for k in keys:
                v = draw(st.one_of(st.integers(0, 100).map(str), plain_values.map(lambda x: _py_str(x, q)), st.sampled_from(["True", "False", "None", "0.5"])))
                args.append(f"{k}={v}")
            name = "LLM" if kind == "llm" else "SamplingParams"
            if draw(st.booleans()) and args:
                lines.append(f"x = {name}(")
                lines += [f"    {a}," for a in args]
                lines.append(")")
            else:
                lines.append(f"x = {name}({', '.join(args)})")
        elif kind == "envdict":
            entries = draw(st.lists(st.tuples(env_names, any_values), min_size=1, max_size=4))
            lines.append("env = {" + ", ".join(f"{_py_str(k, q)}: {_py_str(v, q)}" for k, v in entries) + "}")
        elif kind == "environ":
            lines.append(f"os.environ[{_py_str(draw(env_names), q)}] = {_py_str(draw(any_values), q)}")
        else:
            lines += draw(st.sampled_from([["print('hi')"], ["def f(a, b=1):", "    return a"], ["# comment"]]))
    return _join(lines, nl, draw(st.booleans()))


@st.composite
def python_file(draw):
    return draw(st.sampled_from(["serve.py", "deploy.py"])), draw(python_source())


@st.composite
def notebook_file(draw):
    cells = []
    for kind in draw(st.lists(st.sampled_from(["code", "code", "markdown", "magic"]), min_size=1, max_size=4)):
        if kind == "markdown":
            cells.append({"cell_type": "markdown", "metadata": {}, "source": ["# Title\n", "Some text"]})
            continue
        src = draw(python_source()).replace("\r\n", "\n").replace("\r", "\n")
        if kind == "magic":
            src = "%pip install vllm\n!nvidia-smi\n" + src
        lines = src.splitlines(keepends=True)
        source = lines if draw(st.booleans()) else "".join(lines)
        cells.append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source})
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    text = json.dumps(nb, indent=draw(st.sampled_from([1, 2, None])), ensure_ascii=draw(st.booleans()))
    return "nb.ipynb", text + ("\n" if draw(st.booleans()) else "")


GENERATORS = {
    "properties": properties_file(),
    "env": env_file(),
    "shell": shell_file(),
    "dockerfile": dockerfile(),
    "yaml": yaml_file(),
    "json": json_file(),
    "python": python_file(),
    "notebook": notebook_file(),
}
SURFACE_PARAMS = [pytest.param(s, id=s) for s in GENERATORS]
FILENAMES = {"properties": "serving.properties", "env": ".env", "shell": "run.sh", "dockerfile": "Dockerfile",
             "yaml": "deploy.yaml", "json": "model.json", "python": "serve.py", "notebook": "nb.ipynb"}


# ---- helpers ----------------------------------------------------------------------------------------------


def parse(name: str, text: str):
    return surfaces.parse_file(name, text, surfaces.classify(name))


def origin_settings(parsed) -> list:
    """(scope index, ns, key, value as text or None) of every setting as written (derived views left out)."""
    out = []
    for scope in parsed.scopes():
        for s in scope.settings:
            if s.derived_from is None:
                out.append((s.ns, s.key, s.text_value if s.literal else None))
    return out


TOOL_PARSE_CODES = {PARSE_ERROR, TEMPLATE_SKIPPED, "LMM002", "LMM008"}


def _no_rules_engine() -> Engine:
    return Engine([], {})


def assert_extraction_total(name: str, text: str) -> None:
    """Extraction never raises: settings, or a parse-error finding."""
    surface = surfaces.classify(name)
    try:
        surfaces.parse_file(name, text, surface)
    except ParseError as e:
        assert isinstance(e.message, str) and e.message
    except RecursionError:
        pass  # the engine turns this into LMM001 (checked just below)
    findings, out, applied, crashed = _no_rules_engine().check_text(name, text, surface, Applicability.UNSAFE)
    assert not crashed and out == text and applied == 0
    assert all(f.code in TOOL_PARSE_CODES for f in findings), [(f.code, f.message) for f in findings]


# ---- 1. arbitrary text and bytes --------------------------------------------------------------------------

HOSTILE = st.lists(st.sampled_from(list("\n\r\t \\\"'`$#:=-[]{},&*!|>%@?~.;<()\x00\x0b\x0c\u2028\u00a0\ufeffaZ09é中")
                  + list(["{{", "}}", "{%", "---", "...", "- ", ": ", "\\\n", "option.", "VLLM_", "--max-num-seqs",
                          "vllm serve", "env:", "\"\"\"", "'''", "os.environ", "LLM(", "]", "\"cells\""])), max_size=60).map("".join)
TEXT = st.one_of(st.text(max_size=200), HOSTILE)


@pytest.mark.parametrize("surface", SURFACE_PARAMS)
@settings(max_examples=examples(100))
@given(text=TEXT)
def test_arbitrary_text_never_raises(surface, text):
    assert_extraction_total(FILENAMES[surface], text)


@pytest.mark.parametrize("surface", SURFACE_PARAMS)
@settings(max_examples=examples(40))
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(surface, data):
    name = FILENAMES[surface]
    decoded = decode(data, name)
    if isinstance(decoded, Finding):
        assert decoded.code in ("LMM002", "LMM008")
        return
    assert_extraction_total(name, decoded.text)


def _mutate(draw, text: str) -> str:
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "dup"]))
        if op == "insert":
            text = text[:i] + draw(HOSTILE.filter(bool)) + text[i:]
        elif op == "delete":
            j = draw(st.integers(i, min(len(text), i + 20)))
            text = text[:i] + text[j:]
        else:
            j = draw(st.integers(i, min(len(text), i + 40)))
            text = text[:j] + text[i:j] + text[j:]
    return text


@pytest.mark.parametrize("surface", SURFACE_PARAMS)
@settings(max_examples=examples(40))
@given(data=st.data())
def test_mutated_valid_files_never_raise(surface, data):
    name, text = data.draw(GENERATORS[surface])
    text = _mutate(data.draw, text)
    note(repr(text))
    assert_extraction_total(name, text)


# ---- 2. no-op round trip ----------------------------------------------------------------------------------


@pytest.mark.parametrize("surface", SURFACE_PARAMS)
@settings(max_examples=examples(60))
@given(data=st.data())
def test_valid_files_parse_and_round_trip(surface, data):
    name, text = data.draw(GENERATORS[surface])
    bom = data.draw(st.booleans())
    raw = (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8")
    note(repr(text))
    decoded = decode(raw, name)
    assert not isinstance(decoded, Finding), decoded.message
    parsed = surfaces.parse_file(name, decoded.text, surfaces.classify(name))
    same = parsed.file_text([u.text for u in parsed.units])
    assert decoded.encode(same) == raw


# ---- 3. one edit touches one setting ----------------------------------------------------------------------


def _new_key(data, scope, s) -> str:
    ns = s.ns
    if ns == "lmi":
        return data.draw(lmi_keys.filter(lambda k: k != s.key), label="new key")
    if ns == "env":
        return data.draw(env_names.filter(lambda k: k != s.key), label="new key")
    if ns == "vllm":
        pool = st.sampled_from(REAL_VLLM[:12]) if scope.kind == "vllm-config" else vllm_value_keys
        if s.value_span is None:  # a bare switch stays a switch
            pool = st.sampled_from(REAL_VLLM_SWITCHES)
        if scope.kind == "python-call":
            pool = st.sampled_from(REAL_VLLM)
        return data.draw(pool.filter(lambda k: k != s.key), label="new key")
    if ns == "sampling":
        return data.draw(st.sampled_from(["top_k", "min_p", "stop", "logprobs"]), label="new key")
    return data.draw(st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True).filter(lambda k: k != s.key), label="new key")


def _insert_keys(scope, ns):
    if ns == "lmi":
        return lmi_keys
    if ns == "env":
        return env_names
    if ns == "sampling":
        return st.sampled_from(["top_k", "min_p", "stop", "logprobs"])
    if scope.kind in ("vllm-config", "python-call"):
        return st.sampled_from(REAL_VLLM[:12])
    return vllm_value_keys


def _new_value(data, scope, ns):
    if scope.kind in ("cli", "vllm-config") or ns == "vllm":
        v = data.draw(st.one_of(plain_values, _word(LOWER + DIGITS + " ._/:=,@%+#$'\"", 1, 10)).filter(lambda x: not x.startswith("-")), label="value")
    else:
        v = data.draw(any_values, label="value")
    return v


def _expect_text(v) -> str:
    return "true" if v is True else "false" if v is False else str(v)


#: Text a reader may take for an expansion or template markup (`$X`, `${X}`, `$(X)`, `{{ }}`): a value
#: holding it may read back as non-literal (None), which is conservative, never corrupt.
_EXPANSION_LIKE = re.compile(r"\$[A-Za-z_{(]|\{\{|\{%|`")


def _same(got: list, want: list) -> bool:
    if len(got) != len(want):
        return False
    for g, w in zip(got, want):
        if g != w and not (g[:2] == w[:2] and g[2] is None and w[2] is not None and _EXPANSION_LIKE.search(w[2])):
            return False
    return True


def _edit_case(name: str, text: str, data) -> None:
    surface = surfaces.classify(name)
    parsed = surfaces.parse_file(name, text, surface)
    scopes = list(parsed.scopes())
    candidates = [(i, s) for i, sc in enumerate(scopes) for s in sc.settings if s.derived_from is None]
    op = data.draw(st.sampled_from(["rename", "set", "delete", "insert"]), label="op")
    assume(candidates or (op == "insert" and scopes))
    before = origin_settings(parsed)
    if op == "insert" or not candidates:
        op = "insert"
        si = data.draw(st.integers(0, len(scopes) - 1), label="scope")
        scope = scopes[si]
        ns = scope.settings[0].ns if scope.settings else {"properties": "lmi", "env": "env", "cli": "vllm", "lmi-map": "lmi"}.get(scope.kind, "vllm")
        key = data.draw(_insert_keys(scope, ns), label="key")
        value = _new_value(data, scope, ns)
        note(f"insert {ns}:{key}={value!r} into scope {si} ({scope.kind})")
        try:
            edits = scope.insert(ns, key, value)
        except (TypeError, ValueError):
            return  # the syntax cannot hold it: a rule would report without a fix
        expected = before + [(ns, key, _expect_text(value))]
        region = None
    else:
        idx = data.draw(st.integers(0, len(candidates) - 1), label="setting")
        si, s = candidates[idx]
        scope = scopes[si]
        k = idx  # candidates and `before` list the same settings in the same order
        note(f"{op} {s.ns}:{s.key} (raw {s.raw_key!r}) in scope {si} ({scope.kind})")
        try:
            if op == "rename":
                new = _new_key(data, scope, s)
                note(f"-> {new}")
                edits = s.rename(new)
                expected = before[:k] + [(s.ns, new, before[k][2])] + before[k + 1 :]
            elif op == "set":
                assume(s.value_span is not None and s.literal)
                if s.key == "O":  # -O takes a number; `-O word` reads as a bare -O, by design of the flag
                    value = data.draw(st.sampled_from("0123"), label="value")
                else:
                    value = _new_value(data, scope, s.ns)
                note(f"-> {value!r}")
                edits = s.set_value(value)
                expected = before[:k] + [(s.ns, s.key, _expect_text(value))] + before[k + 1 :]
            else:
                edits = s.delete()
                expected = before[:k] + before[k + 1 :]
        except (TypeError, ValueError):
            return
        lo = min([s.delete_span[0], s.key_span[0]] + ([s.value_span[0]] if s.value_span else []))
        hi = max([s.delete_span[1], s.key_span[1]] + ([s.value_span[1]] if s.value_span else []))
        region = (lo, hi)
    unit = scope.unit
    for e in edits:
        if region is None:
            assert e.start == e.end, f"an insert replaced text: {e}"
        else:
            assert region[0] <= e.start <= e.end <= region[1], f"edit {e} outside the setting's entry {region}"
    new_unit = apply_edits(unit.text, edits)
    if unit.host is not None and any(e.start < b and a < e.end or a < e.start < b for e in edits for a, b in unit.opaque):
        return  # an edit touching a placeholder: the engine reports without a fix
    while unit.host is not None:  # embedded text (a script in a YAML scalar, a `sh -c` body) is written back through its host
        if unit.encode is None:
            return  # read-only embedded text
        try:
            encoded = unit.encode(new_unit)
        except ValueError:
            return  # the host cannot hold it: the engine reports without a fix
        a, b = unit.host_span
        new_unit, unit = unit.host.text[:a] + encoded + unit.host.text[b:], unit.host
    new_text = parsed.file_text([new_unit if u is unit else u.text for u in parsed.units])
    note(repr(new_text))
    try:
        reparsed = surfaces.parse_file(name, new_text, surface)
    except ParseError as e:
        raise AssertionError(f"edited file does not parse: {e.message}") from None
    after = origin_settings(reparsed)
    if op == "insert":
        # An insert lands at the end of its scope or after a sibling: compare as multisets.
        assert _same(sorted(after, key=repr), sorted(expected, key=repr)), (before, after)
    else:
        assert _same(after, expected), (before, after)


@pytest.mark.parametrize("surface", SURFACE_PARAMS)
@settings(max_examples=examples(120))
@given(data=st.data())
def test_one_edit_changes_only_its_setting(surface, data):
    name, text = data.draw(GENERATORS[surface], label="file")
    note(repr(text))
    _edit_case(name, text, data)


# ---- 4. fixes converge: a second run changes nothing -------------------------------------------------------

PAIRS = [
    ({"lmi": Version("9")}, {"lmi": Version("18")}),
    ({"lmi": Version("11")}, {"lmi": Version("12")}),
    ({"vllm": Version("0.5.3")}, {"vllm": Version("0.12.0")}),
    ({"vllm": Version("0.6.3")}, {}),
    ({"vllm": Version("0.10.2")}, {"vllm": Version("0.11.0")}),
    ({"vllm-fork": Version("1.21.2")}, {"vllm-fork": Version("1.22.0")}),
    ({"vllm-fork": Version("1.22.0")}, {"vllm-gaudi": Version("0.20.0")}),
]
_ENGINES: dict[int, Engine] = {}


def engine_for(i: int) -> Engine:
    if i not in _ENGINES:
        frm, to = PAIRS[i]
        opts = api.Options(paths=[], from_=frm, to=to)
        pairs = api.version_pairs(opts, {})
        rules = [r() for r in registry.all_rules()]
        _ENGINES[i] = Engine([r for r in rules if r.active(pairs)], pairs)
    return _ENGINES[i]


def _fix(engine: Engine, name: str, text: str):
    findings, out, applied, crashed = engine.check_text(name, text, surfaces.classify(name), Applicability.UNSAFE)
    assert not crashed, [f.message for f in findings if f.code == "LMM009"]
    return findings, out, applied


@pytest.mark.parametrize("surface", SURFACE_PARAMS)
@settings(max_examples=examples(40))
@given(data=st.data())
def test_fixes_twice_change_nothing_the_second_time(surface, data):
    name, text = data.draw(GENERATORS[surface], label="file")
    engine = engine_for(data.draw(st.integers(0, len(PAIRS) - 1), label="pair"))
    note(repr(text))
    findings, once, applied = _fix(engine, name, text)
    note(repr(once))
    if once != text:
        parse(name, once)  # a fixed file parses
    assert not [f for f in findings if f.code == "LMM006" and "converge" in f.message]
    _, twice, applied2 = _fix(engine, name, once)
    assert twice == once and applied2 == 0


@pytest.mark.parametrize("surface", SURFACE_PARAMS)
@settings(max_examples=examples(25))
@given(data=st.data())
def test_all_rules_on_mutated_files_never_crash(surface, data):
    name, text = data.draw(GENERATORS[surface], label="file")
    text = _mutate(data.draw, text)
    engine = engine_for(data.draw(st.integers(0, len(PAIRS) - 1), label="pair"))
    note(repr(text))
    _, out, _ = _fix(engine, name, text)
    if out != text:
        parse(name, out)


# ---- regressions found by the properties above -------------------------------------------------------------


def test_regression_python_rules_read_lone_cr_line_endings():
    """Found by test_all_rules_on_mutated_files_never_crash[python]: rules/vllm/python_resolve.Offsets split lines
    on \\n only while ast also ends lines at a lone \\r, so every VLLM2xx rule hit IndexError (LMM009)."""
    engine = engine_for(0)
    _fix(engine, "serve.py", 'import os\rfrom vllm import LLM, SamplingParams\rx = LLM(model="m")')
    opts = api.Options(paths=[], from_={"vllm": Version("0.10.2")}, to={"vllm": Version("0.12.0")})
    pairs = api.version_pairs(opts, {})
    eng = Engine([r() for r in registry.all_rules() if r().active(pairs)], pairs)
    text = "import os\rfrom vllm.sampling_params import GuidedDecodingParams\rp = GuidedDecodingParams(json={})\r"
    _, fixed, _ = _fix(eng, "serve.py", text)
    assert fixed == text.replace("GuidedDecodingParams", "StructuredOutputsParams")


# ---- Python string literals as hosts of other surfaces ------------------------------------------------------

LITERAL_TEXT = st.text(alphabet=LOWER + " =.\n\t\\'\"{}#$é中\r\x00", max_size=30)


@settings(max_examples=examples(300))
@given(text=LITERAL_TEXT, data=st.data())
def test_python_literal_encoding_round_trips(text, data):
    """A literal written by `Literal.encode` evaluates to the text, and `read_literal` decodes it back with
    source offsets that point at each character's own spelling."""
    import ast

    from lmimigrate.surfaces.python.strings import read_literal

    source = data.draw(python_literal(text), label="literal")
    value = ast.literal_eval(source) if not source.lstrip("rbu").startswith("f") else ast.literal_eval(source[1:])
    value = value.decode("ascii") if isinstance(value, bytes) else value
    lit = read_literal(source, (0, len(source)))
    assert lit is not None and lit.text == value
    assert lit.pos == sorted(lit.pos) and lit.pos[-1] == lit.content[1]
    for i, ch in enumerate(lit.text):
        if source[lit.pos[i]] != "\\":
            assert source[lit.pos[i]] == ch


@settings(max_examples=examples(100))
@given(props=properties_file(), data=st.data())
def test_properties_in_a_python_string_read_like_the_file(props, data):
    """The settings of a serving.properties file are the same read from the file or from a Python string."""
    text = props[1].replace("\r\n", "\n").replace("\r", "\n")
    literal = data.draw(python_literal(text), label="literal")
    source = f"open('serving.properties', 'w').write({literal})\n"
    note(source)
    direct = origin_settings(parse("serving.properties", text))
    hosted = parse("write.py", source)
    embedded = [(s.ns, s.key, s.text_value if s.literal else None)
                for u in hosted.units[1:] for sc in u.scopes for s in sc.settings if s.derived_from is None]
    if embedded:  # recognised: exactly the file's settings (a file with few keys may not look like one)
        assert embedded == direct
    for u in hosted.units[1:]:
        for sc in u.scopes:
            for s in sc.settings:
                a, b = u.host_offset(s.key_span[0]), u.host_offset(s.key_span[1])
                assert a <= b and source[a:b].replace("\\\n", "").startswith(s.raw_key[:1])
