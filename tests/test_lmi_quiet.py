"""No false positives: files that merely share words with LMI configurations stay silent for every LMI rule."""

from __future__ import annotations

import pytest
from lmimigrate.core.pep440 import Version

from lmimigrate.core import api, registry

UNRELATED = {
    ".env": "MAX_BATCH_SIZE=32\nMODEL_ID=t5-small\nTASK=text-generation\nENGINE=MPI\nCUDA_MEMORY_FRACTION=0.5\n",
    "app.properties": "spring.datasource.url=jdbc:h2:mem\nserver.port=8080\n",
    "compose.yaml": "services:\n  web:\n    image: nginx:1.25\n    environment:\n      MAX_BATCH_SIZE: \"8\"\n      HF_MODEL_REVISION: main\n",
    "train.py": "from transformers import T5ForConditionalGeneration\n\nmodel = T5ForConditionalGeneration.from_pretrained('google/flan-t5-xxl')\n"
                "def retrieve(framework, version):\n    return framework\n\nretrieve(framework='djl-deepspeed', version='0.27.0')\n",
    "README.md": "We used deepjavalibrary/djl-serving:0.27.0-deepspeed once.\n",
}


@pytest.mark.parametrize("frm,to", [("9", "10"), ("14", "15"), ("16", "17"), ("9", "27")])
def test_unrelated_files_are_silent(tmp_path, frm, to):
    for name, text in UNRELATED.items():
        (tmp_path / name).write_text(text)
    opts = api.Options(paths=[str(tmp_path)], from_={"lmi": Version(frm)}, to={"lmi": Version(to)}, rules=list(registry.all_rules()))
    got = [f"{f.path}:{f.code}" for f in api.run(opts).findings if f.code.startswith("LMI")]
    assert got == []
