"""Realistic LMI, vLLM and Gaudi configuration files, in the shapes people write them, for old releases.

Each generator takes a `random.Random` and returns (relative path, text). The content varies (models, sizes,
which old settings are present) so that no two scattered files are the same; the seed makes it reproducible.
"""

from __future__ import annotations

import json
import random

MODELS = [
    "meta-llama/Llama-3.1-8B-Instruct",
    "meta-llama/Llama-2-13b-chat-hf",
    "mistralai/Mistral-7B-Instruct-v0.3",
    "Qwen/Qwen2.5-7B-Instruct",
    "facebook/opt-125m",
    "TheBloke/Llama-2-70B-AWQ",
]
LMI_TAGS = [
    "0.27.0-deepspeed0.12.6-cu121",
    "0.28.0-lmi10.0.0-cu124",
    "0.29.0-lmi11.0.0-cu124",
    "0.30.0-lmi12.0.0-cu124",
]
VLLM_OLD = ["0.5.5", "0.6.2", "0.6.6", "0.7.3", "0.8.2"]
GAUDI = ["1.20.0", "1.21.2"]


def _model(r: random.Random) -> str:
    return r.choice(MODELS)


def serving_properties(r: random.Random) -> tuple[str, str]:
    lines = ["# LMI serving configuration", f"option.model_id={_model(r)}"]
    engine = r.choice(["MPI", "Python", "DeepSpeed"])
    lines.append(f"engine={engine}")
    if engine == "DeepSpeed":
        lines += ["option.rolling_batch=deepspeed", "option.quantize=smoothquant"]
    else:
        lines.append(f"option.rolling_batch={r.choice(['lmi-dist', 'vllm', 'auto', 'scheduler'])}")
    lines.append(f"option.tensor_parallel_degree={r.choice([1, 2, 4, 8])}")
    lines.append(f"option.max_rolling_batch_size={r.choice([16, 32, 64, 128])}")
    if r.random() < 0.5:
        lines.append(f"option.max_rolling_batch_prefill_tokens={r.choice([4096, 8192, 16384])}")
    if r.random() < 0.5:
        lines.append("option.paged_attention=true")
    if r.random() < 0.3:
        lines.append("option.enable_chunked_prefill=false")
    lines.append(f"option.dtype={r.choice(['fp16', 'bf16'])}")
    return "serving.properties", "\n".join(lines) + "\n"


def dotenv(r: random.Random) -> tuple[str, str]:
    v = r.choice(VLLM_OLD)
    lines = [
        f"# vLLM {v} runtime settings",
        f"HF_MODEL_ID={_model(r)}",
        f"VLLM_USE_V1={r.choice(['0', '1'])}",
        f"VLLM_ATTENTION_BACKEND={r.choice(['XFORMERS', 'FLASH_ATTN', 'FLASHINFER'])}",
        "VLLM_WORKER_MULTIPROC_METHOD=spawn",
        "OPTION_ROLLING_BATCH=lmi-dist",
        f"OPTION_MAX_ROLLING_BATCH_SIZE={r.choice([32, 64])}",
        f"OPTION_TENSOR_PARALLEL_DEGREE={r.choice([1, 2, 4])}",
    ]
    if r.random() < 0.5:
        lines.append("VLLM_ALLOW_LONG_MAX_MODEL_LEN=1")
    return r.choice([".env", "deploy.env", ".env.prod"]), "\n".join(lines) + "\n"


def gaudi_env(r: random.Random) -> tuple[str, str]:
    lines = [
        "# Gaudi warm-up buckets",
        "PT_HPU_LAZY_MODE=1",
        "PT_HPU_ENABLE_LAZY_COLLECTIVES=true",
        "VLLM_PROMPT_BS_BUCKET_MIN=1",
        f"VLLM_PROMPT_BS_BUCKET_MAX={r.choice([16, 32, 64])}",
        "VLLM_PROMPT_SEQ_BUCKET_MIN=128",
        f"VLLM_PROMPT_SEQ_BUCKET_MAX={r.choice([2048, 4096, 8192])}",
        "VLLM_DECODE_BS_BUCKET_MIN=1",
        f"VLLM_DECODE_BLOCK_BUCKET_MAX={r.choice([2048, 4096])}",
        "VLLM_SKIP_WARMUP=false",
        f"VLLM_GRAPH_RESERVED_MEM={r.choice(['0.1', '0.2'])}",
    ]
    return "gaudi.env", "\n".join(lines) + "\n"


def k8s_yaml(r: random.Random) -> tuple[str, str]:
    v = r.choice(VLLM_OLD)
    name = _model(r).split("/")[-1].lower().replace(".", "-")
    text = f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels:
    app: {name}
spec:
  replicas: {r.choice([1, 2])}
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
      - name: vllm
        image: vllm/vllm-openai:v{v}
        env:
        - name: VLLM_USE_V1
          value: "0"
        - name: VLLM_ATTENTION_BACKEND
          value: XFORMERS
        args:
        - --model
        - {_model(r)}
        - --max-model-len
        - "{r.choice([2048, 4096, 8192])}"
        - --gpu-memory-utilization
        - "0.9"
        - --swap-space
        - "8"
        - --use-v2-block-manager
        - --disable-log-requests
        - --guided-decoding-backend
        - outlines
        ports:
        - containerPort: 8000
        resources:
          limits:
            nvidia.com/gpu: {r.choice([1, 2, 4])}
"""
    return r.choice(["k8s/deployment.yaml", "deploy/vllm.yaml", "manifests/serving.yml"]), text


def compose_yaml(r: random.Random) -> tuple[str, str]:
    tag = r.choice(LMI_TAGS)
    text = f"""services:
  lmi:
    image: 763104351884.dkr.ecr.us-west-2.amazonaws.com/djl-inference:{tag}
    environment:
      HF_MODEL_ID: {_model(r)}
      OPTION_ROLLING_BATCH: lmi-dist
      OPTION_ENGINE: MPI
      OPTION_MAX_ROLLING_BATCH_SIZE: "{r.choice([32, 64])}"
      OPTION_TENSOR_PARALLEL_DEGREE: "{r.choice([1, 2, 4])}"
    ports:
      - "8080:8080"
  gaudi:
    image: vault.habana.ai/gaudi-docker/{r.choice(GAUDI)}/ubuntu22.04/habanalabs/pytorch-installer-2.5.1:latest
    environment:
      VLLM_PROMPT_BS_BUCKET_MAX: "32"
      VLLM_DECODE_BLOCK_BUCKET_MAX: "2048"
      VLLM_SKIP_WARMUP: "true"
"""
    return "docker-compose.yml", text


def shell(r: random.Random) -> tuple[str, str]:
    v = r.choice(VLLM_OLD)
    text = f"""#!/usr/bin/env bash
# Start the server (pinned: vllm=={v})
set -euo pipefail
export VLLM_USE_V1=0
export VLLM_ATTENTION_BACKEND=XFORMERS
vllm serve {_model(r)} \\
    --max-model-len {r.choice([2048, 4096])} \\
    --gpu-memory-utilization 0.9 \\
    --swap-space 8 \\
    --use-v2-block-manager \\
    --disable-log-requests \\
    --num-scheduler-steps 8 \\
    --guided-decoding-backend outlines \\
    --tensor-parallel-size {r.choice([1, 2, 4])}
"""
    return r.choice(["scripts/serve.sh", "run_vllm.sh", "bin/start.sh"]), text


def python_sagemaker(r: random.Random) -> tuple[str, str]:
    tag = r.choice(LMI_TAGS)
    ver = tag.split("-")[0]
    text = f'''"""Deploy the model on SageMaker with LMI."""
import sagemaker
from sagemaker import image_uris
from sagemaker.model import Model

role = sagemaker.get_execution_role()
image_uri = image_uris.retrieve(framework="djl-lmi", region="us-west-2", version="{ver}")
env = {{
    "HF_MODEL_ID": "{_model(r)}",
    "OPTION_ROLLING_BATCH": "lmi-dist",
    "OPTION_ENGINE": "MPI",
    "OPTION_MAX_ROLLING_BATCH_SIZE": "{r.choice([32, 64])}",
    "OPTION_TENSOR_PARALLEL_DEGREE": "max",
}}
model = Model(image_uri=image_uri, env=env, role=role)
predictor = model.deploy(initial_instance_count=1, instance_type="ml.g5.12xlarge")
'''
    return r.choice(["deploy/sagemaker_deploy.py", "infra/lmi_endpoint.py"]), text


def python_vllm(r: random.Random) -> tuple[str, str]:
    text = f'''import os

from vllm import LLM, SamplingParams

os.environ["VLLM_USE_V1"] = "0"
os.environ["VLLM_ATTENTION_BACKEND"] = "XFORMERS"

llm = LLM(
    model="{_model(r)}",
    max_model_len={r.choice([2048, 4096])},
    gpu_memory_utilization=0.9,
    swap_space=8,
    use_v2_block_manager=True,
    guided_decoding_backend="outlines",
    speculative_model="[ngram]",
    num_speculative_tokens=5,
    ngram_prompt_lookup_max=4,
)
params = SamplingParams(max_tokens={r.choice([64, 128, 256])}, temperature=0.7)
for out in llm.generate(["Hello, my name is"], params):
    print(out.outputs[0].text)
'''
    return r.choice(["offline_infer.py", "tools/batch_generate.py"]), text


def notebook(r: random.Random) -> tuple[str, str]:
    _, code = python_vllm(r)
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Offline inference with vLLM\n"]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
         "source": [f"!pip install vllm=={r.choice(VLLM_OLD)}\n"]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
         "source": code.splitlines(keepends=True)},
    ]
    nb = {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
          "nbformat": 4, "nbformat_minor": 5}
    return r.choice(["notebooks/vllm_demo.ipynb", "Inference.ipynb"]), json.dumps(nb, indent=1) + "\n"


GENERATORS = [serving_properties, dotenv, gaudi_env, k8s_yaml, compose_yaml, shell, python_sagemaker, python_vllm, notebook]


def python_300(r: random.Random) -> str:
    """A ~300-line application module that uses vLLM: the single-file pre-commit case."""
    text = python_vllm(r)[1]
    i = 0
    while text.count("\n") < 295:
        text += f'''

def handler_{i}(prompt: str, max_tokens: int = {64 + i}) -> str:
    """Generate a completion for request type {i}."""
    params = SamplingParams(max_tokens=max_tokens, temperature={i % 10 / 10})
    outputs = llm.generate([prompt], params)
    return outputs[0].outputs[0].text
'''
        i += 1
    return text
