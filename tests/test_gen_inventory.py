"""scripts/gen_vllm_inventory.py --add: one new release is extracted and merged; the others are not touched
(their lines stay byte for byte), and the loader and the vllm stack's version range follow the data."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from lmimigrate.stacks.vllm import inventory_codec as codec

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "lmimigrate" / "stacks" / "vllm" / "inventory.jsonl"

# A tiny stand-in for a release wheel: the few sources the generator reads, written for this test.
SOURCES = {
    "vllm/engine/arg_utils.py": (
        "from dataclasses import dataclass\n\n\n@dataclass\nclass EngineArgs:\n    model: str = 'm'\n"
        "    max_num_seqs: int = 8\n\n    @staticmethod\n    def add_cli_args(parser):\n"
        "        parser.add_argument('--model', type=str)\n"
        "        parser.add_argument('--max-num-seqs', type=int)\n"
        "        parser.add_argument('--brand-new-flag', action='store_true')\n        return parser\n"
    ),
    "vllm/envs.py": "environment_variables = {\n    'VLLM_BRAND_NEW': lambda: 1,\n}\n",
    "vllm/sampling_params.py": "class SamplingParams:\n    def __init__(self, n=1, temperature=1.0):\n        pass\n",
    "vllm/entrypoints/llm.py": (
        "class LLM:\n    def __init__(self, model, seed=0):\n        pass\n\n"
        "    def generate(self, prompts, sampling_params=None):\n        pass\n"
    ),
}


def _wheel(directory: Path, version: str) -> None:
    with zipfile.ZipFile(directory / f"vllm-{version}-cp38-abi3-manylinux1_x86_64.whl", "w") as z:
        for name, text in SOURCES.items():
            z.writestr(name, text)


def test_add_one_release(tmp_path):
    out = tmp_path / "inventory.jsonl"
    shutil.copyfile(DATA, out)
    newest = codec.versions(DATA.read_text())[-1]
    new = "99.0.0"
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _wheel(wheels, new)
    res = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_vllm_inventory.py"), "--wheel-dir", str(wheels),
                          "--add", new, "--out", str(out)], capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stderr
    before, after = DATA.read_text().splitlines(), out.read_text().splitlines()
    assert after[:-1] == before and len(after) == len(before) + 1  # one line added; the others untouched
    _, releases = codec.decode(out.read_text())
    assert list(releases)[-2:] == [newest, new]
    added = releases[new]
    assert {"--model", "--max-num-seqs", "--brand-new-flag"} <= set(added["cli_flags"])
    assert added["env_vars"] == ["VLLM_BRAND_NEW"] and added["llm_init_params"] == ["model", "seed"]
