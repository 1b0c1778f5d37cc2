"""More adversarial files, through the CLI (tests/test_adversarial.py has the first set).

Each case checks: no crash (no LMM009, no exception), a clear per-file message where the file cannot be read,
nothing written to files that must not change, and the run goes on (a healthy serving.properties next to the
bad input is still fixed).

- BOM, CRLF, lone CR and a missing final newline on every surface: the fix applies and keeps all four;
- templated YAML ({{ }} / {% %}, also inside a value): LMM004, never rewritten;
- a YAML alias bomb: parsed in bounded memory and time (tracemalloc peak over the whole run);
- JSON, YAML, Python and notebooks nested thousands of levels deep: LMM001, fast;
- a 50 MB file: skipped above the size limit with LMM005, without being read (fast, small memory);
- notebooks with invalid JSON, no `source`, `source` as a string (fixed, kept a string), odd cell shapes;
- `test_adversarial_summary`: the whole set in one repository, one `check --fix --unsafe-fixes`; prints the
  counts quoted in the note (files, crashes, bytes changed in files that must not change).
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import socket
import time
import tracemalloc

import pytest

from lmimigrate.cli import main

GOOD = "option.model_id=x\noption.rolling_batch=vllm\n"
ARGS = ["--from", "lmi==11", "--to", "lmi==12", "--fix", "--unsafe-fixes", "--no-cache", "--output-format", "json"]


def run(capsys, *paths, extra=()):
    code = main(["check", *map(str, paths), *ARGS, *extra])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "serving.properties").write_text(GOOD)
    return root


def went_on(root) -> bool:
    return "enable_chunked_prefill" in (root / "serving.properties").read_text()


def no_crash(findings) -> None:
    assert not [f for f in findings if f["code"] == "LMM009"], [f["message"] for f in findings if f["code"] == "LMM009"]


def findings_for(findings, name):
    return [f for f in findings if f["path"].endswith(name)]


# ---- BOM / CRLF / CR / no final newline on every surface -----------------------------------------------------

NB_SOURCE = ["import os\n", 'os.environ["OPTION_MODEL_ID"] = "x"\n', 'os.environ["OPTION_ROLLING_BATCH"] = "vllm"\n']
FIXABLE = {
    "serving.properties": "# model\noption.model_id=x\noption.rolling_batch=vllm\n",
    "model.env": "# model\nOPTION_MODEL_ID=x\nOPTION_ROLLING_BATCH=vllm\n",
    "run.sh": "#!/bin/sh\nexport OPTION_MODEL_ID=x\nexport OPTION_ROLLING_BATCH=vllm\n",
    "Dockerfile": "FROM djl:0.29.0\nENV OPTION_MODEL_ID=x OPTION_ROLLING_BATCH=vllm\n",
    "k8s.yaml": "env:\n  - name: OPTION_MODEL_ID\n    value: x\n  - name: OPTION_ROLLING_BATCH\n    value: vllm\n",
    "sm.json": json.dumps({"Environment": {"OPTION_MODEL_ID": "x", "OPTION_ROLLING_BATCH": "vllm"}}, indent=2) + "\n",
    "serve.py": 'import os\nos.environ["OPTION_MODEL_ID"] = "x"\nos.environ["OPTION_ROLLING_BATCH"] = "vllm"\n',
    "nb.ipynb": json.dumps({"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                                       "source": NB_SOURCE}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n",
}
VARIANTS = {
    "bom": lambda t: t,
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "cr": lambda t: t.replace("\n", "\r"),
    "no-final-newline": lambda t: t.rstrip("\n"),
    "bom-crlf-no-final": lambda t: t.replace("\n", "\r\n").rstrip("\r\n"),
}


def _breaks(data: bytes) -> set[bytes]:
    """The kinds of line break in `data`."""
    kinds = set()
    if b"\r\n" in data:
        kinds.add(b"\r\n")
    if b"\n" in data.replace(b"\r\n", b""):
        kinds.add(b"\n")
    if b"\r" in data.replace(b"\r\n", b""):
        kinds.add(b"\r")
    return kinds


def encode_variant(name: str, variant: str) -> bytes:
    text = VARIANTS[variant](FIXABLE[name])
    return (codecs.BOM_UTF8 if variant.startswith("bom") else b"") + text.encode("utf-8")


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", FIXABLE)
def test_encoding_and_line_endings_survive_a_fix(repo, capsys, name, variant):
    data = encode_variant(name, variant)
    path = repo / name
    path.write_bytes(data)
    code, findings, _ = run(capsys, repo)
    no_crash(findings)
    new = path.read_bytes()
    assert new != data, f"{name} ({variant}) was not fixed: {findings_for(findings, name)}"
    assert b"ENABLE_CHUNKED_PREFILL" in new or b"enable_chunked_prefill" in new
    assert new.startswith(codecs.BOM_UTF8) == data.startswith(codecs.BOM_UTF8)
    assert new.count(codecs.BOM_UTF8) == data.count(codecs.BOM_UTF8)
    assert _breaks(new) == _breaks(data), f"line endings changed: {_breaks(data)} -> {_breaks(new)}\n{new!r}"
    assert new.endswith((b"\n", b"\r")) == data.endswith((b"\n", b"\r"))
    if name == "nb.ipynb":
        json.loads(new.decode("utf-8-sig"))
    # Idempotent: a second run leaves the bytes alone.
    run(capsys, repo)
    assert path.read_bytes() == new
    assert went_on(repo)


# ---- templated YAML ----------------------------------------------------------------------------------------

TEMPLATES = {
    "helm.yaml": "env:\n  - name: OPTION_ROLLING_BATCH\n    value: vllm\n{{- toYaml .Values.extraEnv | nindent 2 }}\n",
    "jinja.yml": "env:\n{% for k, v in env.items() %}\n  - name: {{ k }}\n    value: {{ v }}\n{% endfor %}\n"
                 "  - name: OPTION_ROLLING_BATCH\n    value: vllm\n",
    "values.yaml": "{{ if .Values.x }}\nOPTION_ROLLING_BATCH: vllm\n{{ end }}\n",
}


def test_templated_yaml_is_reported_and_never_rewritten(repo, capsys):
    for name, text in TEMPLATES.items():
        (repo / name).write_text(text)
    code, findings, _ = run(capsys, repo)
    no_crash(findings)
    for name, text in TEMPLATES.items():
        assert [f["code"] for f in findings_for(findings, name)] == ["LMM004"], findings_for(findings, name)
        assert "template" in findings_for(findings, name)[0]["message"]
        assert (repo / name).read_text() == text
    assert went_on(repo)


def test_template_markup_inside_a_value_also_skips_the_file(repo, capsys):
    # The contract (commit 03b7181): any Helm/Jinja markup makes the file a template, reported and never rewritten.
    text = 'env:\n  - name: MODEL\n    value: "{{ .Values.model }}"\n  - name: OPTION_MODEL_ID\n    value: x\n' \
           "  - name: OPTION_ROLLING_BATCH\n    value: vllm\n"
    (repo / "k8s.yaml").write_text(text)
    _, findings, _ = run(capsys, repo)
    no_crash(findings)
    assert [f["code"] for f in findings_for(findings, "k8s.yaml")] == ["LMM004"]
    assert (repo / "k8s.yaml").read_text() == text
    assert went_on(repo)


# ---- alias bomb: bounded memory --------------------------------------------------------------------------


def alias_bomb(levels: int = 12, width: int = 10) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    lines.append(f"env:\n  HF_HOME: *a{levels - 1}\n  OPTION_ROLLING_BATCH: vllm\n  OPTION_MODEL_ID: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def test_alias_bomb_through_the_cli_is_bounded(repo, capsys):
    text = alias_bomb()  # 10**12 strings if expanded
    (repo / "bomb.yaml").write_text(text)
    (repo / "compose.yml").write_text("x: &x [" + ", ".join(["*y"] * 0) + "1]\n" + "services:\n  s:\n    environment: *x\n")
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        _, findings, _ = run(capsys, repo)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - t0
    no_crash(findings)
    assert elapsed < 60, elapsed  # generous: catches a blow-up, not a loaded machine
    assert peak < 64 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    # The bomb is valid YAML: its env map is read (aliases kept opaque, never expanded) and fixed in place.
    new = (repo / "bomb.yaml").read_text()
    assert new.startswith(text) and new[len(text):] == '  OPTION_ENABLE_CHUNKED_PREFILL: "true"\n', new[len(text):]
    assert went_on(repo)


# ---- deep nesting ----------------------------------------------------------------------------------------

DEPTH = 5000
# Each holds a word some rule looks for, so the byte prefilter cannot skip it unparsed.
DEEP = {
    "deep.json": '{"OPTION_ROLLING_BATCH": "vllm", "x": ' + "[" * DEPTH + "]" * DEPTH + "}\n",
    "deep_obj.json": '{"OPTION_ROLLING_BATCH": ' + '{"a": ' * DEPTH + "1" + "}" * DEPTH + "}\n",
    "deep_env.json": '{"Environment": {"OPTION_ROLLING_BATCH": "vllm"}, "x": ' + "[" * DEPTH + "]" * DEPTH + "}\n",
    "deep.yaml": "# OPTION_ROLLING_BATCH\nenv: " + "[" * DEPTH + "]" * DEPTH + "\n",
    "deep_block.yaml": "# OPTION_ROLLING_BATCH\nenv:\n" + "".join(" " * (i + 1) + "a:\n" for i in range(1000)) + " " * 1001 + "b: 1\n",  # ~0.5 MB
    "deep_seq.yaml": "# OPTION_ROLLING_BATCH\nenv:\n  " + "- " * DEPTH + "x\n",
    "deep.py": "from vllm import LLM\nx = " + "(" * DEPTH + "1" + ")" * DEPTH + "\n",
    "deep_expr.py": "import vllm\nx = " + "+".join(["1"] * 100_000) + "\n",
    "deep_list.py": "import vllm\nenv = " + "[" * 150 + "]" * 150 + "\n",
    "deep.ipynb": '{"metadata": {"OPTION_ROLLING_BATCH": 1}, "cells": ' + "[" * DEPTH + "]" * DEPTH + "}\n",
}


def test_deep_nesting_is_a_parse_error_not_a_crash(repo, capsys):
    for name, text in DEEP.items():
        (repo / name).write_text(text)
    t0 = time.perf_counter()
    code, findings, _ = run(capsys, repo)
    assert time.perf_counter() - t0 < 30
    no_crash(findings)
    for name, text in DEEP.items():
        assert (repo / name).read_text() == text, name
        for f in findings_for(findings, name):
            assert f["code"] in ("LMM001",) or not f["code"].startswith("LMM"), (name, f)
    for name in ("deep.json", "deep_obj.json", "deep_env.json", "deep.yaml", "deep_block.yaml", "deep_seq.yaml", "deep.py",
                 "deep.ipynb"):
        got = findings_for(findings, name)
        assert [f["code"] for f in got] == ["LMM001"], (name, got)
        assert "left untouched" in got[0]["message"]
    assert went_on(repo)


# ---- a 50 MB file ----------------------------------------------------------------------------------------


def test_fifty_megabyte_file_is_skipped_fast_with_a_message(repo, capsys):
    big = repo / "huge.properties"
    with open(big, "wb") as fh:
        fh.write(b"option.rolling_batch=vllm\n")
        chunk = b"# " + b"x" * 1021 + b"\n"
        for _ in range(50 * 1024):
            fh.write(chunk)
    size = big.stat().st_size
    assert size >= 50 * 1024 * 1024
    digest = hashlib.sha256(big.read_bytes()).hexdigest()
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        code, findings, _ = run(capsys, repo)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    elapsed = time.perf_counter() - t0
    (f,) = findings_for(findings, "huge.properties")
    assert f["code"] == "LMM005" and "size limit" in f["message"]
    assert elapsed < 50, elapsed  # generous: catches a blow-up, not a loaded machine
    assert peak < 20 * 1024 * 1024, f"the skipped file was read: peak {peak / 1e6:.1f} MB"
    assert big.stat().st_size == size and hashlib.sha256(big.read_bytes()).hexdigest() == digest
    assert went_on(repo)
    # Named explicitly, it is skipped the same way.
    _, findings, _ = run(capsys, big, repo / "serving.properties")
    assert [x["code"] for x in findings_for(findings, "huge.properties")] == ["LMM005"]


# ---- notebooks -------------------------------------------------------------------------------------------


def _nb(cells, **top) -> str:
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5, **top}, indent=1) + "\n"


CODE = "".join(NB_SOURCE)
BAD_NOTEBOOKS = {
    "invalid.ipynb": '{"cells": [{"cell_type": "code", "source": ["import os\\n"]}, ',
    "not_json_at_all.ipynb": "import os\nos.environ['OPTION_ROLLING_BATCH'] = 'vllm'\n",
    "missing_source.ipynb": _nb([{"cell_type": "code", "metadata": {}, "outputs": []}]),
    "cells_not_a_list.ipynb": _nb({"cell_type": "code", "source": CODE}),
    "cell_not_a_dict.ipynb": _nb(["import os", 3, None]),
    "source_not_text.ipynb": _nb([{"cell_type": "code", "metadata": {}, "source": [1, None, {"a": 1}]}]),
    "source_is_number.ipynb": _nb([{"cell_type": "code", "metadata": {}, "source": 42}]),
    "top_is_list.ipynb": "[1, 2, 3]\n",
    "no_cells.ipynb": '{"metadata": {}, "nbformat": 4}\n',
    "nbformat3.ipynb": json.dumps({"worksheets": [{"cells": [{"cell_type": "code", "input": CODE}]}], "nbformat": 3}) + "\n",
    "syntax_error_cell.ipynb": _nb([{"cell_type": "code", "metadata": {}, "source": "def (:\n"},
                                    {"cell_type": "code", "metadata": {}, "source": ["x = 1\n"]}]),
}


def test_broken_notebooks_never_crash_and_are_untouched(repo, capsys):
    for name, text in BAD_NOTEBOOKS.items():
        (repo / name).write_text(text)
    code, findings, _ = run(capsys, repo)
    no_crash(findings)
    for name, text in BAD_NOTEBOOKS.items():
        assert (repo / name).read_text() == text, f"{name} was rewritten"
    # Valid JSON that is not a notebook (a list, no `cells`) holds no cell to read: nothing to report or write.
    for name in ("invalid.ipynb", "not_json_at_all.ipynb"):
        got = findings_for(findings, name)
        assert [f["code"] for f in got] == ["LMM001"], (name, got)
        assert got[0]["message"]
    assert went_on(repo)


def test_notebook_source_as_a_string_is_fixed_and_stays_a_string(repo, capsys):
    nb = repo / "string_source.ipynb"
    nb.write_text(_nb([{"cell_type": "markdown", "metadata": {}, "source": "# Title"},
                       {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": CODE}]))
    _, findings, _ = run(capsys, repo)
    no_crash(findings)
    doc = json.loads(nb.read_text())
    (md, cell) = doc["cells"]
    assert md["source"] == "# Title"
    assert isinstance(cell["source"], str), cell["source"]
    assert 'os.environ["OPTION_ENABLE_CHUNKED_PREFILL"] = "true"' in cell["source"]
    assert went_on(repo)


def test_notebook_with_missing_source_next_to_a_good_cell_still_fixes_the_good_cell(repo, capsys):
    nb = repo / "mixed.ipynb"
    nb.write_text(_nb([{"cell_type": "code", "metadata": {}, "outputs": []},
                       {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": NB_SOURCE}]))
    _, findings, _ = run(capsys, repo)
    no_crash(findings)
    doc = json.loads(nb.read_text())
    assert "source" not in doc["cells"][0]
    assert any("OPTION_ENABLE_CHUNKED_PREFILL" in line for line in doc["cells"][1]["source"])


# ---- the whole set at once -------------------------------------------------------------------------------


def _hash(p) -> str | None:
    try:
        with open(p, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def build_adversarial_repo(root, outside) -> tuple[dict, dict]:
    """(must_not_change: path -> sha256, must_fix: path -> original bytes)."""
    must_keep: list = []
    must_fix: dict = {}

    def put(rel, data: bytes, keep=True):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        if keep:
            must_keep.append(p)
        else:
            must_fix[p] = data
        return p

    put("serving.properties", GOOD.encode(), keep=False)
    # Unreadable as text.
    put("binary.env", b"OPTION_A=1\x00\x01\x02\xff")
    put("latin1.properties", b"option.model_id=caf\xe9\noption.rolling_batch=vllm\n")
    put("cp1252.yaml", b"env:\n  - name: OPTION_ROLLING_BATCH\n    value: \x93vllm\x94\n")
    put("utf16.env", "OPTION_ROLLING_BATCH=vllm\n".encode("utf-16"))
    put("random.json", bytes(range(1, 256)) * 8)
    # Empty and near-empty.
    for name in ("empty.properties", "empty.env", "empty.yaml", "empty.json", "empty.py", "empty.ipynb", "empty.sh", "Dockerfile"):
        put(f"empty/{name}", b"")
    put("bom_only.properties", codecs.BOM_UTF8)
    put("newlines.env", b"\n\r\n\r\n")
    # Templates, bombs, depth.
    for name, text in TEMPLATES.items():
        put(f"templates/{name}", text.encode())
    put("bomb.yaml", alias_bomb().encode(), keep=False)  # valid YAML with a fixable env map
    for name, text in DEEP.items():
        put(f"deep/{name}", text.encode())
    # Notebooks that cannot be read as notebooks.
    for name, text in BAD_NOTEBOOKS.items():
        put(f"notebooks/{name}", text.encode())
    # Every surface with BOM / CRLF / CR / no final newline: these must be fixed, encoding kept.
    for name in FIXABLE:
        for variant in VARIANTS:
            put(f"encodings/{variant}/{name}", encode_variant(name, variant), keep=False)
    # Odd names (fixed like any other file).
    for name in ("with space.properties", "new\nline.properties", "ünïcödé.properties", "-dash.properties", "tab\tname.env"):
        put(f"names/{name}", (GOOD if name.endswith("properties") else "OPTION_MODEL_ID=x\nOPTION_ROLLING_BATCH=vllm\n").encode(), keep=False)
    # Paths that are not regular files.
    (root / "dir.properties").mkdir()
    put("dir.properties/serving.properties", b"option.model_id=y\noption.rolling_batch=trtllm\n")  # nothing to fix
    outside_file = outside / "outside.properties"
    outside_file.write_text(GOOD)
    must_keep.append(outside_file)
    (root / "escape.properties").symlink_to(outside_file)
    (root / "escape_dir").symlink_to(outside, target_is_directory=True)
    (root / "loop_a.properties").symlink_to(root / "loop_b.properties")
    (root / "loop_b.properties").symlink_to(root / "loop_a.properties")
    (root / "self.env").symlink_to(root / "self.env")
    (root / "dangling.yaml").symlink_to(root / "nowhere.yaml")
    (root / "sub").mkdir()
    (root / "sub" / "up").symlink_to(root, target_is_directory=True)
    os.mkfifo(root / "pipe.env")
    unreadable = put("locked/secret.env", b"OPTION_ROLLING_BATCH=trtllm\n")  # clean, in case root can read it
    os.chmod(unreadable, 0)
    os.chmod(root / "locked", 0)
    # Big: one 50 MB file over the default 10 MB limit.
    with open(root / "huge.properties", "wb") as fh:
        fh.write(b"option.rolling_batch=vllm\n" + (b"#" * 1023 + b"\n") * (50 * 1024))
    must_keep.append(root / "huge.properties")
    return must_keep, must_fix


def test_adversarial_summary(tmp_path, capsys):
    root, outside = tmp_path / "repo", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    must_keep, must_fix = build_adversarial_repo(root, outside)
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "sock.env"))
    before = {}
    try:
        os.chmod(root / "locked", 0o700)
        before = {p: _hash(p) for p in must_keep}
        os.chmod(root / "locked", 0)
        crashes = 0
        t0 = time.perf_counter()
        try:
            code, findings, err = run(capsys, root)
        except Exception:  # an exception out of the CLI is a crash
            crashes += 1
            raise
        elapsed = time.perf_counter() - t0
        crashes += sum(1 for f in findings if f["code"] == "LMM009")
    finally:
        sock.close()
        os.chmod(root / "locked", 0o700)
    changed = [str(p) for p in must_keep if _hash(p) != before[p]]
    changed_bytes = sum(1 for p in must_keep if _hash(p) != before[p])
    not_fixed = [str(p) for p, data in must_fix.items() if p.read_bytes() == data]
    encodings_lost = []
    for p, data in must_fix.items():
        new = p.read_bytes()
        if new.startswith(codecs.BOM_UTF8) != data.startswith(codecs.BOM_UTF8) or _breaks(new) != _breaks(data) \
                or new.endswith((b"\n", b"\r")) != data.endswith((b"\n", b"\r")):
            encodings_lost.append(str(p))
    with_message = {f["path"] for f in findings if f["code"].startswith("LMM")}
    files = len(must_keep) + len(must_fix) + 9  # + links (6), the FIFO, the socket, the directory
    with capsys.disabled():
        print(f"\nadversarial set: {files} paths ({len(must_keep)} must not change, {len(must_fix)} must be fixed), "
              f"crashes: {crashes}, files that must not change but changed: {len(changed)}, "
              f"must-fix files not fixed: {len(not_fixed)}, encodings/line endings lost: {len(encodings_lost)}, "
              f"paths with an LMM message: {len(with_message)}, run: {elapsed:.1f}s, exit {code}")
    assert crashes == 0
    assert changed == [] and changed_bytes == 0, changed
    assert not_fixed == [], not_fixed
    assert encodings_lost == [], encodings_lost
    assert code == 1  # findings left (parse errors, skipped files); not 2: no internal error
