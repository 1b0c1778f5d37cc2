"""The generic "unknown to the target" rules (VLLM300-VLLM303): no double reports with the specific rules,
did-you-mean, removal releases, and the guards against other projects' names and Gaudi variables."""

from __future__ import annotations

from lmimigrate.core import api, registry
from lmimigrate.core.versions import parse_spec



def run(tmp_path, files: dict[str, str], *specs: str):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    frm, to = {}, {}
    for i, spec in enumerate(specs):
        s, v = parse_spec(spec)
        (frm if i % 2 == 0 else to)[s] = v
    opts = api.Options(paths=[str(tmp_path)], from_=frm, to=to, rules=list(registry.all_rules()))
    report = api.run(opts)
    assert not report.internal_error, [f.message for f in report.findings]
    return report


def found(report, code):
    return [f.message for f in report.findings if f.code == code]


def test_specific_rule_wins_when_it_applies_generic_rule_otherwise(tmp_path):
    script = {"run.sh": "#!/bin/sh\nvllm serve facebook/opt-125m --swap-space 4\n"}
    rep = run(tmp_path, script, "vllm==0.17.0", "vllm==0.18.0")
    assert found(rep, "VLLM013") and not found(rep, "VLLM300")
    # Already past the removal: the specific (crossing) rule is silent, the generic one still reports it.
    rep = run(tmp_path, script, "vllm==0.18.0", "vllm==0.19.0")
    assert not found(rep, "VLLM013")
    msgs = found(rep, "VLLM300")
    assert len(msgs) == 1 and "`--swap-space`" in msgs[0] and "last accepted by vllm 0.17.0" in msgs[0]


def test_did_you_mean_and_spellings(tmp_path):
    script = {"run.sh": "#!/bin/sh\nvllm serve m --max_num_seqs 8 -tp 2 --max-model-length 4096 -cc.mode 3 "
                        "--no-enable-prefix-caching\n"}
    rep = run(tmp_path, script, "vllm==0.13.0", "vllm==0.14.0")
    msgs = found(rep, "VLLM300")
    assert len(msgs) == 1 and "`--max-model-length`" in msgs[0] and "did you mean `--max-model-len`?" in msgs[0]


def test_engine_kwargs(tmp_path):
    src = ("from vllm import LLM, AsyncEngineArgs\n\nllm = LLM(model='m', chat_template='x', max_num_seq=4)\n"
           "args = AsyncEngineArgs(model='m', tensor_parallel_size=2)\n")
    rep = run(tmp_path, {"serve.py": src}, "vllm==0.16.0", "vllm==0.17.0")
    msgs = found(rep, "VLLM301")
    assert len(msgs) == 1 and "`max_num_seq=`" in msgs[0] and "did you mean `max_num_seqs`?" in msgs[0]
    # `chat_template` is an LLM parameter only from 0.17.0
    rep = run(tmp_path, {"serve.py": src}, "vllm==0.15.0", "vllm==0.16.0")
    assert any("`chat_template=`" in m for m in found(rep, "VLLM301"))


def test_env_vars_need_evidence_of_vllm(tmp_path):
    rep = run(tmp_path, {"app.env": "VLLM_PROJECT_ID=1\nVLLM_USE_V1=1\n"}, "vllm==0.11.0", "vllm==0.12.0")
    # VLLM_USE_V1 is a vLLM variable (some release reads it): the env block is a vLLM one
    msgs = found(rep, "VLLM302")
    assert any("`VLLM_USE_V1`" in m and "last accepted by vllm 0.11.0" in m for m in msgs)
    rep = run(tmp_path, {"app.env": "VLLM_PROJECT_ID=1\nOTHER=2\n"}, "vllm==0.11.0", "vllm==0.12.0")
    assert not found(rep, "VLLM302")


def test_env_vars_message_depends_on_the_target(tmp_path):
    files = {"Dockerfile": "FROM vllm/vllm-openai:v0.17.0\nENV VLLM_LOGGING_LEVL=DEBUG\n"}
    rep = run(tmp_path, files, "vllm==0.17.0", "vllm==0.18.0")
    msgs = found(rep, "VLLM302")
    assert len(msgs) == 1 and "Unknown vLLM environment variable detected" in msgs[0]
    assert "did you mean `VLLM_LOGGING_LEVEL`" in msgs[0]
    # A variable that a specific rule explains (VLLM165: removed in 0.18.0) is reported once, by that rule.
    files = {"Dockerfile": "FROM vllm/vllm-openai:v0.17.0\nENV VLLM_FUSED_MOE_CHUNK_SIZE=32768\n"}
    rep = run(tmp_path, files, "vllm==0.17.0", "vllm==0.18.0")
    assert found(rep, "VLLM165") and not found(rep, "VLLM302")


def test_gaudi_files_and_variables_are_left_to_the_hpu_rules(tmp_path):
    files = {"hpu.env": "# Habana Gaudi deployment\nVLLM_LOGGING_LEVEL=INFO\nVLLM_TOTALLY_UNKNOWN=1\n"}
    rep = run(tmp_path, files, "vllm==0.11.0", "vllm==0.12.0")
    assert not found(rep, "VLLM302")
    files = {"a.env": "VLLM_LOGGING_LEVEL=INFO\nVLLM_DECODE_BLOCK_BUCKET_MAX=512\nVLLM_GRAPH_RESERVED_MEM=0.1\n"}
    rep = run(tmp_path, files, "vllm==0.11.0", "vllm==0.12.0")
    assert not found(rep, "VLLM302")


def test_lmi_options(tmp_path):
    props = ("engine=Python\noption.model_id=m\noption.rolling_batch=vllm\noption.enable_reasoning=true\n"
             "option.tensor_parallel_degree=2\noption.max_num_batched_tokenz=8192\n")
    rep = run(tmp_path, {"serving.properties": props}, "lmi==v14", "lmi==v15")
    msgs = found(rep, "VLLM303")
    assert len(msgs) == 1 and "max_num_batched_tokenz" in msgs[0] and "did you mean `max_num_batched_tokens`?" in msgs[0]
    assert "vLLM 0.8.4" in msgs[0]


def test_lmi_options_before_pass_through_and_other_backends(tmp_path):
    props = "engine=Python\noption.model_id=m\noption.rolling_batch=vllm\noption.max_num_batched_tokenz=8192\n"
    assert not found(run(tmp_path, {"serving.properties": props}, "lmi==v12", "lmi==v13"), "VLLM303")
    trt = "engine=MPI\noption.model_id=m\noption.rolling_batch=trtllm\noption.max_num_tokens=8192\n"
    assert not found(run(tmp_path, {"serving.properties": trt}, "lmi==v15", "lmi==v16"), "VLLM303")
    hf = "engine=Python\noption.model_id=m\noption.rolling_batch=disable\noption.device_map=auto\n"
    assert not found(run(tmp_path, {"serving.properties": hf}, "lmi==v15", "lmi==v16"), "VLLM303")
    asyncmode = ("engine=Python\noption.model_id=m\noption.rolling_batch=disable\noption.async_mode=true\n"
                 "option.entryPoint=djl_python.lmi_vllm.vllm_async_service\noption.max_model_lenght=4096\n")
    msgs = found(run(tmp_path, {"serving.properties": asyncmode}, "lmi==v16", "lmi==v17"), "VLLM303")
    assert len(msgs) == 1 and "max_model_lenght" in msgs[0]


def test_generic_rule_yields_to_a_fold_of_several_flags(tmp_path):
    # VLLM060 folds both flags into --speculative-config; VLLM300 must not report the second one beside it.
    script = {"run.sh": "#!/bin/sh\nvllm serve m \\\n  --speculative-model d \\\n  --num-speculative-tokens 5\n"}
    rep = run(tmp_path, script, "vllm==0.8.2", "vllm==0.11.0")
    assert found(rep, "VLLM060") and not found(rep, "VLLM300")
    # A flag no specific rule explains is still reported by the generic rule.
    script = {"run.sh": "#!/bin/sh\nvllm serve m --speculative-model d --max-model-length 4\n"}
    rep = run(tmp_path, script, "vllm==0.8.2", "vllm==0.11.0")
    assert any("--max-model-length" in m for m in found(rep, "VLLM300"))
