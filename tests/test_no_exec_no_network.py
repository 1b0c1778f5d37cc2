"""No code execution, no network.

1. YAML is never loaded with an unsafe constructor: Python tags parse as plain data, nothing runs; no source
   file of the package asks ruamel.yaml (or PyYAML) for an unsafe loader.
2. Python files and notebooks are parsed, never imported or executed: sources whose execution (or import)
   would write a marker file are checked and fixed, and the marker never appears; the package never calls
   eval/exec/compile-to-run/runpy/import_module on user files.
3. Rules and the tool do no network I/O: a full `check --fix` of a sample repository and of every fixture
   project runs with socket creation, DNS and urllib patched to fail loudly, and nothing calls them; no module
   of the package or of the rule packs imports a network library.
"""

from __future__ import annotations

import ast
import json
import shutil
import socket
import sys
import urllib.request
from pathlib import Path

import pytest

from lmimigrate import surfaces
from lmimigrate.cli import main

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "lmimigrate").rglob("*.py")) + sorted((ROOT / "rules").rglob("*.py"))
PROJECTS = ROOT / "fixtures" / "projects"
ARGS = ["--fix", "--unsafe-fixes", "--no-cache", "--output-format", "json"]


def _check(capsys, *args):
    code = main(["check", *args])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip().startswith("[") else out


# ---- 1. YAML: no unsafe constructor -----------------------------------------------------------------------

EVIL_YAML = """\
a: !!python/object/apply:os.system ["touch {marker}"]
b: !!python/object/new:subprocess.check_output [["touch", "{marker}"]]
c: !!python/name:os.system
d: !!python/object/apply:builtins.exec ["open('{marker}', 'w').write('x')"]
env:
  - name: VLLM_USE_V1
    value: !!python/object/apply:os.system ["touch {marker}"]
  - name: OPTION_ROLLING_BATCH
    value: lmi-dist
"""


def test_yaml_python_tags_are_data_not_code(tmp_path, capsys):
    marker = tmp_path / "pwned"
    text = EVIL_YAML.format(marker=marker)
    parsed = surfaces.parse_file("evil.yaml", text, "yaml")  # parses without running anything
    values = {(s.key, s.value, s.literal) for sc in parsed.scopes() for s in sc.settings if s.ns == "env"}
    assert ("OPTION_ROLLING_BATCH", "lmi-dist", True) in values
    assert not marker.exists()
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "evil.yaml").write_text(text)
    (repo / "vllm.yaml").write_text("max-num-seqs: !!python/object/apply:os.system ['touch %s']\nenforce-eager: true\n" % marker)
    _check(capsys, str(repo), "--from", "lmi==11", "--to", "lmi==12", *ARGS)
    _check(capsys, str(repo), "--from", "vllm==0.6.0", *ARGS)
    assert not marker.exists()


def _string_args(call: ast.Call) -> list:
    return [kw.value.value for kw in call.keywords if isinstance(kw.value, ast.Constant)]


def test_no_unsafe_yaml_loader_anywhere_in_the_package():
    problems = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = ast.unparse(node.func)
                for kw in node.keywords:
                    if kw.arg == "typ" and isinstance(kw.value, ast.Constant) and kw.value.value in ("unsafe", "full"):
                        problems.append(f"{path}:{node.lineno}: {func}(typ={kw.value.value!r})")
                    if kw.arg == "Loader" and "Unsafe" in ast.unparse(kw.value) or kw.arg == "Loader" and "Full" in ast.unparse(kw.value):
                        problems.append(f"{path}:{node.lineno}: {func}(Loader=...)")
                if func.endswith(("unsafe_load", "unsafe_load_all", "full_load")) or func in ("yaml.load", "yaml.load_all"):
                    problems.append(f"{path}:{node.lineno}: {func}(...)")
                if func.endswith("YAML") and not any(kw.arg == "typ" for kw in node.keywords) and node.args:
                    problems.append(f"{path}:{node.lineno}: YAML({ast.unparse(node.args[0])})")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
                if any(n in ("UnsafeLoader", "FullLoader", "UnsafeConstructor") for n in names):
                    problems.append(f"{path}:{node.lineno}: imports an unsafe YAML loader")
        # Plain text as well: a typ given through a variable or a string built elsewhere still shows here.
        for bad in ('typ="unsafe"', "typ='unsafe'", "UnsafeLoader", "unsafe_load("):
            if bad in text:
                problems.append(f"{path}: contains {bad}")
    assert not problems, problems


# ---- 2. Python and notebooks: parsed, never imported or executed ------------------------------------------

EVIL_PY = """\
import os
open({marker!r}, "w").write("executed")
__import__("os").system("touch {marker}")
from vllm import LLM
from vllm.sampling_params import GuidedDecodingParams
os.environ["OPTION_ROLLING_BATCH"] = "lmi-dist"
llm = LLM(model="m", max_num_seqs=4, use_v2_block_manager=True)
p = GuidedDecodingParams(json={{}})
if __name__ == "__main__":
    open({marker!r}, "w").write("ran as main")
"""


def _notebook(code: str) -> str:
    lines = code.splitlines(keepends=True)
    cells = [
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": lines},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": "".join(lines)},
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)


def test_python_and_notebooks_are_never_imported_or_run(tmp_path, capsys):
    marker = tmp_path / "pwned"
    repo = tmp_path / "repo"
    repo.mkdir()
    src = EVIL_PY.format(marker=str(marker))
    (repo / "serve.py").write_text(src)
    (repo / "vllm.py").write_text(src)  # shadows `import vllm` if the tool ever put the repo on sys.path
    (repo / "sitecustomize.py").write_text(src)
    (repo / "conftest.py").write_text(src)
    (repo / "__init__.py").write_text(src)
    (repo / "setup.py").write_text(src)
    (repo / "nb.ipynb").write_text(_notebook(src))
    modules_before = set(sys.modules)
    for frm, to in (("vllm==0.5.3", "vllm==0.12.0"), ("vllm==0.10.2", "vllm==0.12.0"), ("lmi==11", "lmi==12")):
        _check(capsys, str(repo), "--from", frm, "--to", to, *ARGS)
    assert not marker.exists(), "a checked Python file or notebook was executed"
    new = {m for m in set(sys.modules) - modules_before if m.split(".")[0] in ("serve", "vllm", "nb", "sitecustomize", "setup", "repo")}
    assert not new, f"user modules were imported: {sorted(new)}"
    assert "vllm" not in sys.modules or "repo" not in str(getattr(sys.modules["vllm"], "__file__", ""))


RUNNERS = {"eval", "exec", "execfile", "__import__", "run_path", "run_module", "import_module", "spec_from_file_location",
           "exec_module", "load_module", "system", "popen", "check_output", "Popen", "call", "run"}


def test_package_never_runs_or_imports_user_code():
    """Static: the only process the tool starts is `git ls-files`; import_module is only used on module names
    of the package itself or of rule-pack entry points, never on a checked file."""
    problems = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = ast.unparse(node.func)
            name = func.rsplit(".", 1)[-1]
            if name not in RUNNERS:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:120]}"
            if name == "exec" and path.relative_to(ROOT).as_posix() == "lmimigrate/core/record.py":
                continue  # the methods of our own record classes, generated from their field names (as dataclasses does)
            if name in ("eval", "exec", "execfile", "__import__", "run_path", "run_module", "spec_from_file_location",
                        "exec_module", "load_module", "system", "popen", "Popen", "check_output"):
                problems.append(where)
            elif name == "run" and func.startswith("subprocess"):
                if "git" not in ast.unparse(node):
                    problems.append(where)
            elif name == "import_module":
                arg = ast.unparse(node.args[0]) if node.args else ""
                # Allowed: the surface table, the built-in stacks package, rule packages, entry-point module names.
                if not any(ok in arg for ok in ("SURFACE_MODULES", "BUILTIN_STACKS", "package_name", "info.name", "name", "module")):
                    problems.append(where)
    assert not problems, problems


# ---- 3. no network ----------------------------------------------------------------------------------------

SAMPLE = {
    "serving.properties": "engine=Python\noption.model_id=s3://bucket/llama/\noption.rolling_batch=lmi-dist\n",
    "model.env": "OPTION_ROLLING_BATCH=vllm\nHF_MODEL_ID=https://huggingface.co/meta-llama/Llama-3.1-8B\n",
    "run.sh": "#!/bin/sh\nexport VLLM_USE_V1=0\nvllm serve http://example.com/model --use-v2-block-manager --max-num-seqs 8\n",
    "Dockerfile": 'FROM vllm/vllm-openai:v0.6.3\nENV VLLM_ATTENTION_BACKEND=XFORMERS\nCMD ["vllm", "serve", "m", "--num-scheduler-steps", "8"]\n',
    "k8s.yaml": "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: c\n      image: vllm/vllm-openai:v0.6.3\n"
                "      args: [\"--model\", \"https://example.com/m\", \"--guided-decoding-backend\", \"outlines\"]\n"
                "      env:\n        - name: VLLM_USE_V1\n          value: \"0\"\n",
    "sm.json": '{"PrimaryContainer": {"Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.29.0-lmi11.0.0-cu124",'
               ' "Environment": {"OPTION_ROLLING_BATCH": "lmi-dist", "HF_MODEL_ID": "s3://b/m"}}}\n',
    "serve.py": "from vllm import LLM\nllm = LLM(model='https://example.com/m', use_v2_block_manager=True)\n",
}


class NetworkCalled(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    calls: list[str] = []

    def deny(name):
        def boom(*a, **k):
            calls.append(name)
            raise NetworkCalled(f"network I/O attempted: {name}")

        return boom

    real_socket = socket.socket

    class GuardedSocket(real_socket):
        def __init__(self, family=-1, *a, **k):
            if family in (socket.AF_INET, socket.AF_INET6, -1):
                calls.append("socket.socket")
                raise NetworkCalled("network I/O attempted: socket.socket")
            super().__init__(family, *a, **k)  # AF_UNIX (a local pool's pipes) is not the network

    monkeypatch.setattr(socket, "socket", GuardedSocket)
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex", "getfqdn"):
        monkeypatch.setattr(socket, name, deny(f"socket.{name}"))
    monkeypatch.setattr(urllib.request, "urlopen", deny("urllib.request.urlopen"))
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", deny("urllib OpenerDirector.open"))
    import http.client

    monkeypatch.setattr(http.client.HTTPConnection, "connect", deny("http.client.HTTPConnection.connect"))
    return calls


def test_guard_works(no_network):
    with pytest.raises(NetworkCalled):
        socket.create_connection(("example.com", 80))
    assert no_network == ["socket.create_connection"]
    no_network.clear()


def test_full_check_does_no_network_io(tmp_path, capsys, no_network):
    repo = tmp_path / "repo"
    repo.mkdir()
    for name, text in SAMPLE.items():
        (repo / name).write_text(text)
    for frm in ("lmi==9", "vllm==0.5.3", "vllm-fork==1.21.2"):
        code, out = _check(capsys, str(repo), "--from", frm, *ARGS)
        assert code in (0, 1), out
    assert no_network == []


@pytest.mark.parametrize("case", sorted(p for p in PROJECTS.iterdir() if (p / "case.json").exists()) if PROJECTS.is_dir() else [],
                         ids=lambda p: p.name)
def test_fixture_projects_do_no_network_io(case, tmp_path, capsys, no_network):
    spec = json.loads((case / "case.json").read_text())
    work = tmp_path / "repo"
    shutil.copytree(case / "before", work)
    code, out = _check(capsys, str(work), *spec.get("args", []), *ARGS)
    assert code in (0, 1), out
    assert no_network == []


NETWORK_MODULES = {"socket", "ssl", "urllib.request", "urllib3", "http.client", "requests", "httpx", "aiohttp",
                   "ftplib", "smtplib", "xmlrpc.client", "asyncio", "boto3", "botocore", "huggingface_hub", "websocket"}


def test_no_network_library_is_imported_by_the_package_or_rules():
    problems = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for n in names:
                if n in NETWORK_MODULES or any(n.startswith(m + ".") for m in NETWORK_MODULES if "." not in m and m != "http"):
                    problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: import {n}")
    assert not problems, problems
