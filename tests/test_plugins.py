"""The plugin API: entry points (`module` and `module:attr`), broken plugins and code collisions as LMM020
findings, `introduces` honoured by the catch-all rules, `docs_url`, and lmimigrate.testing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lmimigrate.cli import main
from lmimigrate.core import api, registry
from lmimigrate.core.ftypes import Applicability, Example
from lmimigrate.core.rule import Context, Rule
from lmimigrate.core.versions import parse_spec
from lmimigrate.testing import check_examples

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "docs" / "plugin-template"

RULE_SOURCE = '''
from lmimigrate.core.ftypes import Evidence, Example
from lmimigrate.core.rule import Rule


class {cls}(Rule):
    code = "{code}"
    name = "{name}"
    stack = "lmi"
    trigger = "always"
    summary = "an example plugin rule"
    tokens = (b"acme_flag",)
    evidence = (Evidence("acme 1", "acme.py", "acme"),)
    invalid = (Example("serving.properties", "option.acme_flag=1\\n"),)

    def check(self, ctx):
        for s in ctx.settings("lmi", "option.acme_flag"):
            yield ctx.report(s, "{code} saw option.acme_flag")


RULES = [{cls}]
'''


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    """Install entry points into a directory on sys.path (a dist-info, as pip writes one); returns add()."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("LMIMIGRATE_INDEX_DIR", str(tmp_path / "index"))
    entries: list[str] = []

    def add(name: str, value: str, module: str | None = None, source: str | None = None) -> None:
        if module is not None:
            (site / f"{module}.py").write_text(source or "")
        entries.append(f"{name} = {value}")
        dist = site / "acme_plugins-1.0.dist-info"
        dist.mkdir(exist_ok=True)
        (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-plugins\nVersion: 1.0\n")
        (dist / "entry_points.txt").write_text("[lmimigrate.rules]\n" + "\n".join(entries) + "\n")
        _forget()

    yield add
    for name in [m for m in sys.modules if m.startswith("acme_")]:
        del sys.modules[name]
    _forget()


def _forget() -> None:
    registry._collect.cache_clear()
    registry.index.cache_clear()
    import importlib

    importlib.invalidate_caches()


def _codes(capsys, tmp_path, *args) -> tuple[int, list[dict]]:
    (tmp_path / "serving.properties").write_text("engine=MPI\noption.acme_flag=1\n")
    rc = main(["check", "--no-cache", "--from", "lmi==v14", "--to", "lmi==v15", "--output-format", "json",
               str(tmp_path / "serving.properties"), *args])
    return rc, json.loads(capsys.readouterr().out)


def test_module_entry_point(plugins, capsys, tmp_path):
    plugins("acme", "acme_mod", "acme_mod", RULE_SOURCE.format(cls="AcmeFlag", code="ACME001", name="acme-flag"))
    rc, rows = _codes(capsys, tmp_path)
    assert {"ACME001", "LMI010"} <= {r["code"] for r in rows} and rc == 1
    assert registry.index().by_code("ACME001").plugin == "acme"


def test_attr_entry_point_registers_only_what_it_names(plugins, capsys, tmp_path):
    source = RULE_SOURCE.format(cls="AcmeFlag", code="ACME001", name="acme-flag") + RULE_SOURCE.format(
        cls="Other", code="ACME002", name="acme-other").replace("RULES = [Other]", "")
    plugins("acme", "acme_attr:RULES", "acme_attr", source)
    _, rows = _codes(capsys, tmp_path)
    codes = {r["code"] for r in rows}
    assert "ACME001" in codes and "ACME002" not in codes
    assert registry.index().by_code("ACME002") is None


def test_attr_entry_point_naming_one_class(plugins, capsys, tmp_path):
    plugins("acme", "acme_one:AcmeFlag", "acme_one", RULE_SOURCE.format(cls="AcmeFlag", code="ACME001", name="acme-flag"))
    _, rows = _codes(capsys, tmp_path)
    assert "ACME001" in {r["code"] for r in rows}


def test_a_plugin_that_fails_to_import_is_a_finding_and_the_run_goes_on(plugins, capsys, tmp_path):
    plugins("broken", "acme_broken", "acme_broken", "raise ImportError('no module named acme_sdk')\n")
    rc, rows = _codes(capsys, tmp_path)
    (problem,) = [r for r in rows if r["code"] == "LMM020"]
    assert "broken" in problem["message"] and "acme_sdk" in problem["message"]
    assert "LMI010" in {r["code"] for r in rows} and rc == 1


def test_a_code_collision_is_a_finding_and_the_first_rule_wins(plugins, capsys, tmp_path):
    plugins("first", "acme_first", "acme_first", RULE_SOURCE.format(cls="A", code="ACME001", name="a"))
    plugins("second", "acme_second", "acme_second", RULE_SOURCE.format(cls="B", code="ACME001", name="b"))
    _, rows = _codes(capsys, tmp_path)
    (problem,) = [r for r in rows if r["code"] == "LMM020"]
    assert "second" in problem["message"] and "ACME001" in problem["message"]
    assert registry.index().by_code("ACME001").module == "acme_first"


def test_reserved_prefixes_are_refused(plugins, capsys, tmp_path):
    plugins("sneaky", "acme_sneaky", "acme_sneaky", RULE_SOURCE.format(cls="S", code="LMI999", name="sneaky"))
    _, rows = _codes(capsys, tmp_path)
    (problem,) = [r for r in rows if r["code"] == "LMM020"]
    assert "LMI999" in problem["message"] and "sneaky" in problem["message"]
    assert "LMI999" not in {r["code"] for r in rows}


# ---- introduces ------------------------------------------------------------------------------------------


class _RenameToNewOption(Rule):
    """A plugin rule whose fix writes an option the LMI release does not list: VLLM303 / LMI061 must let it be."""

    code = "ACME010"
    name = "acme-rename"
    stack = "lmi"
    trigger = "always"
    summary = "rename option.acme_old"
    tokens = (b"acme_old",)
    introduces = ("lmi:option.acme_new",)
    invalid = (Example("serving.properties", "option.rolling_batch=vllm\noption.acme_old=1\n",
                       fixed="option.rolling_batch=vllm\noption.acme_new=1\n", to="lmi==v13"),)

    def check(self, ctx: Context):
        for s in ctx.settings("lmi", "option.acme_old"):
            yield ctx.report(s, "renamed", edits=ctx.edits(s.rename, "option.acme_new"))


def _fix(tmp_path, rule: type[Rule]) -> list[str]:
    path = tmp_path / "serving.properties"
    path.write_text("option.rolling_batch=vllm\noption.acme_old=1\n")
    rules = [*registry.all_rules(), rule]
    to = dict([parse_spec("lmi==v13")])
    api.run(api.Options(paths=[str(path)], to=to, rules=rules, fix=Applicability.SAFE))
    assert path.read_text() == "option.rolling_batch=vllm\noption.acme_new=1\n"
    return [f.code for f in api.run(api.Options(paths=[str(path)], to=to, rules=rules)).findings]


def test_catch_all_rules_leave_introduced_keys_alone(tmp_path):
    assert _fix(tmp_path, _RenameToNewOption) == []


def test_without_introduces_a_catch_all_rule_reports_the_new_key(tmp_path):
    class Undeclared(_RenameToNewOption):
        introduces = ()

    assert set(_fix(tmp_path, Undeclared)) & {"LMI061", "VLLM303"}


def test_docs_url():
    class Documented(_RenameToNewOption):
        docs_url = "https://wiki.example.com/rules/{code}"

    assert Documented.url() == "https://wiki.example.com/rules/ACME010"
    assert registry.by_code("LMI001").url().endswith("/docs/rules/LMI001.md")


def test_check_examples_runs_a_plugin_rule_not_installed():
    check_examples(_RenameToNewOption)


def test_check_examples_fails_on_a_wrong_example():
    class Wrong(_RenameToNewOption):
        invalid = (Example("serving.properties", "option.acme_old=1\n", fixed="option.something_else=1\n",
                           to="lmi==v13"),)

    with pytest.raises(AssertionError, match="fixed output differs"):
        check_examples(Wrong)


# ---- the template package ------------------------------------------------------------------------------


def test_template_package_installs_and_runs(tmp_path):
    """docs/plugin-template installed into a fresh virtual environment, as a plugin author would."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    # The lmimigrate under test, not another installed copy: the new environment first reads the
    # site-packages that holds this interpreter's lmimigrate distribution (with its .pth files, so an editable
    # install's import hook comes first), then installs the template with pip, as a plugin author would.
    here = next(Path(p) for p in sys.path if p and list(Path(p).glob("lmimigrate-*.dist-info")))
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    (site / "lmimigrate-under-test.pth").write_text(f"import site; site.addsitedir({str(here)!r})\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHONPATH"))}
    env["LMIMIGRATE_INDEX_DIR"] = str(tmp_path / "index")
    template = shutil.copytree(TEMPLATE, tmp_path / "template")  # pip builds in place: not in the checkout
    out = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(template)],
                         capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    where = subprocess.run([str(py), "-c", "import lmimigrate.rules.vllm.unknown_to_target as m; print(m.__file__)"],
                           capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert where.stdout.strip() == str(ROOT / "rules" / "vllm" / "unknown_to_target.py"), where
    work = tmp_path / "work"
    work.mkdir()
    (work / "serving.properties").write_text("engine=Python\noption.acme_legacy_cache=true\n")
    run = subprocess.run([str(py), "-m", "lmimigrate", "check", "--no-cache", "--output-format", "json", "."],
                         capture_output=True, text=True, env=env, cwd=work, timeout=300)
    rows = json.loads(run.stdout)
    assert [r["code"] for r in rows] == ["ACME001"], run.stdout + run.stderr
    assert rows[0]["url"] == "https://wiki.example.com/lmimigrate/ACME001"
    fixed = subprocess.run([str(py), "-m", "lmimigrate", "check", "--no-cache", "--fix", "."], capture_output=True,
                           text=True, env=env, cwd=work, timeout=300)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert (work / "serving.properties").read_text() == "engine=Python\noption.acme_cache=true\n"
    tests = subprocess.run([str(py), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(template / "test_acme_rules.py")],
                           capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert tests.returncode == 0, tests.stdout + tests.stderr
