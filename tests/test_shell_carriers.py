"""Text a shell script or Dockerfile hands to another program (issue 11 §2): `sh -c` bodies, here-documents,
`docker run IMAGE ARGS`, launch modules. Findings are located in the host; fixes go through its quoting."""

from __future__ import annotations

import subprocess

import pytest
from lmimigrate.core.pep440 import Version

from lmimigrate.core.engine import Engine
from lmimigrate.core.ftypes import Applicability
from lmimigrate.core.registry import by_code
from lmimigrate.core.versions import VersionPair

VLLM = {"vllm": VersionPair("vllm", Version("0.17.0"), Version("0.18.0"), "given")}
LMI = {"lmi": VersionPair("lmi", Version("14"), Version("15"), "given")}


def run(text, surface="shell", codes=("VLLM013",), pairs=VLLM, fix=Applicability.SAFE, path="run.sh"):
    eng = Engine([by_code(c)() for c in codes], pairs)
    findings, new, applied, crashed = eng.check_text(path, text, surface, None)
    assert not crashed
    fixed = eng.check_text(path, text, surface, fix)
    again = eng.check_text(path, fixed[1], surface, fix)
    assert again[1] == fixed[1] and again[2] == 0  # a second --fix is a no-op
    return findings, fixed[1]


def at(text, f):
    return text[f.span[0] : f.span[1]]


def bash_ok(text):
    return subprocess.run(["bash", "-n"], input=text.encode(), capture_output=True).returncode == 0


@pytest.mark.parametrize("text, after", [
    ("bash -c 'vllm serve m --swap-space 4 --port 8000'\n", "bash -c 'vllm serve m --port 8000'\n"),
    ('sh -ec "vllm serve $MODEL --swap-space 4"\n', 'sh -ec "vllm serve $MODEL"\n'),
    ("exec /bin/bash -lc \"echo \\\"hi\\\"; vllm serve m --swap-space=4 --port 1\"\n",
     "exec /bin/bash -lc \"echo \\\"hi\\\"; vllm serve m --port 1\"\n"),
    ("docker exec -it c bash -c 'vllm serve m \\\n  --swap-space 4'\n", "docker exec -it c bash -c 'vllm serve m'\n"),
])
def test_sh_c_bodies_are_read_and_fixed(text, after):
    findings, fixed = run(text)
    [f] = [f for f in findings if f.code == "VLLM013"]
    assert at(text, f).startswith("--swap-space") and f.line == text.count("\n", 0, f.span[0]) + 1
    assert fixed == after and bash_ok(fixed)


def test_sh_c_body_with_ansi_c_quoting_is_not_read():
    findings, fixed = run("bash -c $'vllm serve m --swap-space 4'\n")
    assert not findings and fixed == "bash -c $'vllm serve m --swap-space 4'\n"


def test_outer_expansion_in_a_double_quoted_body_is_opaque():
    text = 'sh -c "vllm serve m --swap-space $SWAP"\n'
    findings, fixed = run(text)
    assert [f.code for f in findings] == ["VLLM013"]
    assert bash_ok(fixed)


def test_heredoc_properties_file():
    text = "#!/bin/bash\ncat > /opt/ml/model/serving.properties <<'EOF'\nengine=MPI\noption.rolling_batch=lmi-dist\nEOF\necho done\n"
    findings, fixed = run(text, codes=("LMI010",), pairs=LMI)
    [f] = findings
    assert f.line == 3 and at(text, f) == "engine=MPI"
    assert fixed == text.replace("engine=MPI", "engine=Python") and bash_ok(fixed)


def test_unquoted_heredoc_expansion_is_opaque_but_key_reported():
    text = "cat <<EOF > serving.properties\nengine=$ENGINE\noption.model_id=m\nEOF\n"
    findings, fixed = run(text, codes=("LMI010",), pairs=LMI)
    assert fixed == text  # the value is the outer shell's `$ENGINE`: never rewritten


def test_heredoc_fed_to_a_shell():
    text = "ssh_host=x\nbash -s <<'EOS'\nset -e\nvllm serve m --swap-space 4 --port 1\nEOS\n"
    findings, fixed = run(text)
    [f] = findings
    assert f.line == 4 and fixed == text.replace(" --swap-space 4", "") and bash_ok(fixed)


def test_heredoc_for_an_unknown_file_is_not_read():
    text = "cat > notes.txt <<EOF\nvllm serve m --swap-space 4\nEOF\n"
    assert run(text)[0] == []


@pytest.mark.parametrize("text, after", [
    ("docker run --gpus all -p 8000:8000 vllm/vllm-openai:v0.17.0 --model m --swap-space 4\n",
     "docker run --gpus all -p 8000:8000 vllm/vllm-openai:v0.17.0 --model m\n"),
    ("docker run --rm \\\n  -e HF_TOKEN=$T \\\n  rocm/vllm:latest \\\n  vllm serve m \\\n  --swap-space 4\n",
     "docker run --rm \\\n  -e HF_TOKEN=$T \\\n  rocm/vllm:latest \\\n  vllm serve m\n"),
    ("podman run --entrypoint vllm myimage serve m --swap-space 4\n", "podman run --entrypoint vllm myimage serve m\n"),
    ("docker run img:1 --max-model-len 4096 --gpu-memory-utilization 0.9 --swap-space 4\n",
     "docker run img:1 --max-model-len 4096 --gpu-memory-utilization 0.9\n"),
    ("docker run --entrypoint /bin/bash vllm/vllm-openai -c 'vllm serve m --swap-space 4'\n",
     "docker run --entrypoint /bin/bash vllm/vllm-openai -c 'vllm serve m'\n"),
])
def test_docker_run_args(text, after):
    findings, fixed = run(text)
    assert [f.code for f in findings] == ["VLLM013"]
    assert fixed == after and bash_ok(fixed)


@pytest.mark.parametrize("text", [
    "docker run ghcr.io/huggingface/text-generation-inference:2.4 --model-id m --num-shard 2 --swap-space 4\n",
    "docker run lmsysorg/sglang python3 -m sglang.launch_server --model-path m --tp 2 --swap-space 4\n",
    "docker run myorg/tool --model m --task generate --batch-size 8 --swap-space 4\n",
    "docker run -v /m:/m nvcr.io/nvidia/tritonserver:24.05 tritonserver --model-repository /m\n",
])
def test_docker_run_of_other_servers_is_quiet(text):
    assert run(text)[0] == []


@pytest.mark.parametrize("text, code", [
    ("python3 -m vllm.entrypoints.openai.api_server --model m\n", "VLLM088"),
    ("bash -c 'python3 -m vllm.entrypoints.api_server --model m'\n", "VLLM089"),
    ("docker run --entrypoint python3 vllm/vllm-openai:v0.24.0 -m vllm.entrypoints.api_server --model m\n", "VLLM089"),
    ("cat > start.sh <<'EOF'\n#!/bin/sh\nexec python -m vllm.entrypoints.openai.api_server --model m\nEOF\n", "VLLM088"),
])
def test_launch_modules_reported_through_carriers(text, code):
    pairs = {"vllm": VersionPair("vllm", Version("0.24.0"), Version("0.29.0"), "given")}
    findings, fixed = run(text, codes=("VLLM088", "VLLM089"), pairs=pairs)
    assert [f.code for f in findings] == [code] and fixed == text
    assert "vllm.entrypoints" in at(text, findings[0]) or "python" in at(text, findings[0])


DOCKERFILE_CASES = [
    ('FROM vllm/vllm-openai:v0.17.0\nCMD ["/bin/sh", "-c", "vllm serve m --swap-space 4 --port 8000"]\n',
     'FROM vllm/vllm-openai:v0.17.0\nCMD ["/bin/sh", "-c", "vllm serve m --port 8000"]\n'),
    ("FROM ubuntu\nENTRYPOINT bash -c 'vllm serve m --swap-space 4'\n", "FROM ubuntu\nENTRYPOINT bash -c 'vllm serve m'\n"),
    ("FROM ubuntu\nRUN <<EOF\nset -e\nvllm serve m --swap-space 4\nEOF\n", "FROM ubuntu\nRUN <<EOF\nset -e\nvllm serve m\nEOF\n"),
    ("FROM ubuntu\nRUN cat > /srv/start.sh <<'EOF'\nvllm serve m --swap-space 4\nEOF\nCMD [\"/srv/start.sh\"]\n",
     "FROM ubuntu\nRUN cat > /srv/start.sh <<'EOF'\nvllm serve m\nEOF\nCMD [\"/srv/start.sh\"]\n"),
]


@pytest.mark.parametrize("text, after", DOCKERFILE_CASES)
def test_dockerfile_carriers(text, after):
    findings, fixed = run(text, surface="dockerfile", path="Dockerfile")
    assert [f.code for f in findings] == ["VLLM013"]
    assert at(text, findings[0]).startswith("--swap-space")
    assert fixed == after


def test_dockerfile_copy_heredoc_properties():
    text = "FROM x\nCOPY <<EOF /opt/ml/model/serving.properties\nengine=MPI\noption.rolling_batch=vllm\nEOF\n"
    findings, fixed = run(text, surface="dockerfile", codes=("LMI010",), pairs=LMI, path="Dockerfile")
    assert [f.code for f in findings] == ["LMI010"] and fixed == text.replace("MPI", "Python")


# ---- invariants of every edit inside embedded text ------------------------------------------------------------

INVARIANT_CASES = [
    ("run.sh", "shell", "bash -c 'vllm serve m --swap-space 4 --port 8000'\necho after\n", VLLM, ("VLLM013",)),
    ("run.sh", "shell", 'X=1\nsh -ec "vllm serve $MODEL \\\n  --swap-space 4"\n# tail\n', VLLM, ("VLLM013",)),
    ("run.sh", "shell", "cat > serving.properties <<EOF\nengine=MPI\noption.rolling_batch=lmi-dist\nEOF\necho ok\n",
     LMI, ("LMI010",)),
    ("run.sh", "shell", "bash <<'X'\nvllm serve m --swap-space 4\nX\n", VLLM, ("VLLM013",)),
    ("Dockerfile", "dockerfile", 'FROM a\nCMD ["sh", "-c", "vllm serve m --swap-space 4"]\n', VLLM, ("VLLM013",)),
    ("Dockerfile", "dockerfile", "FROM a\nRUN <<EOF\nvllm serve m --swap-space 4\nEOF\nENV A=1\n", VLLM, ("VLLM013",)),
    ("Dockerfile", "dockerfile", "FROM a\nCOPY <<EOF /m/serving.properties\nengine=MPI\noption.rolling_batch=vllm\nEOF\n",
     LMI, ("LMI010",)),
]


@pytest.mark.parametrize("path, surface, text, pairs, codes", INVARIANT_CASES)
def test_embedded_edits_keep_host_and_embedded_text_valid(path, surface, text, pairs, codes):
    from lmimigrate import surfaces

    before = surfaces.parse_file(path, text, surface)
    embedded = [u for u in before.units if u.host is not None]
    assert embedded, "the carrier is read"
    _, fixed = run(text, surface=surface, codes=codes, pairs=pairs, path=path)  # asserts a second fix is a no-op
    assert fixed != text
    after = surfaces.parse_file(path, fixed, surface)  # the host still parses
    inner = [u for u in after.units if u.host is not None]
    assert len(inner) == len(embedded)
    for u in inner:  # the embedded text still parses as its own surface
        surfaces.parse_file(u.label, u.text, u.surface)
    # Bytes outside the carriers are unchanged.
    p = 0
    while p < min(len(text), len(fixed)) and text[p] == fixed[p]:
        p += 1
    s = 0
    while s < min(len(text), len(fixed)) - p and text[-1 - s] == fixed[-1 - s]:
        s += 1
    assert any(u.host_span[0] <= p and len(text) - s <= u.host_span[1] for u in embedded)
    if surface == "shell":
        assert bash_ok(fixed)
