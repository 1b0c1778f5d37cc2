"""Issue 12: decisions survive the fix. After `--fix` bumps the image tag `from` was detected in, a plain
`check` still shows the notes that need a human decision, until the user deletes the recorded baseline."""

from __future__ import annotations

from tests.trust_helpers import check, fix, write

K8S = """\
apiVersion: v1
kind: Pod
spec:
  containers:
  - name: lmi
    image: 763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.34.0-lmi16.0.0-cu128
    env:
    - name: HF_MODEL_ID
      value: meta-llama/Llama-3.1-8B-Instruct
    - name: OPTION_MAX_MODEL_LEN
      value: "8192"
"""
TO = ("--to", "lmi==v17")


def _notes(found):
    return sorted({f["code"] for f in found if f["fix"] is None})


def test_fix_records_the_baseline_and_the_notes_stay(tmp_path, capsys):
    write(tmp_path, {"k8s.yaml": K8S, "pyproject.toml": "[project]\nname = \"svc\"\n"})
    before = check(capsys, tmp_path, *TO)
    notes = _notes(before)
    assert {"LMI045", "LMI046", "LMI047"} <= set(notes), before
    fix(capsys, tmp_path, *TO)
    assert "djl-inference:0.35.0-lmi17.0.0-cu128" in (tmp_path / "k8s.yaml").read_text()
    config = (tmp_path / "pyproject.toml").read_text()
    assert config.startswith("[project]\nname = \"svc\"\n") and 'from = ["lmi==v16"]' in config
    after = check(capsys, tmp_path, *TO)
    assert set(notes) <= set(_notes(after)), (notes, after)
    # Acknowledging: delete the recorded line.
    (tmp_path / "pyproject.toml").write_text("[project]\nname = \"svc\"\n\n[tool.lmimigrate]\n")
    assert _notes(check(capsys, tmp_path, *TO)) == []


def test_existing_table_gets_the_line_and_a_second_fix_changes_nothing(tmp_path, capsys):
    write(tmp_path, {"k8s.yaml": K8S, "pyproject.toml": "[tool.lmimigrate]\nto = [\"lmi==v17\"]\n\n[tool.other]\nx = 1\n"})
    fix(capsys, tmp_path)
    config = (tmp_path / "pyproject.toml").read_text()
    assert config.startswith('[tool.lmimigrate]\nfrom = ["lmi==v16"]')
    assert config.endswith('to = ["lmi==v17"]\n\n[tool.other]\nx = 1\n')
    fix(capsys, tmp_path)
    assert (tmp_path / "pyproject.toml").read_text() == config


def test_without_a_config_file_the_user_is_told(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"k8s.yaml": K8S})
    from lmimigrate.cli import main

    main(["check", str(tmp_path), *TO, "--fix", "--no-cache"])
    err = capsys.readouterr().err
    assert "--from lmi==v16" in err and not (tmp_path / "pyproject.toml").exists()
