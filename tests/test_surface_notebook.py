import pytest

from tests.surface_harness import cases, run_case


@pytest.mark.parametrize("case", cases("notebook"), ids=lambda p: p.name)
def test_notebook_case(case):
    run_case(case)


import json

from lmimigrate import surfaces
from lmimigrate.core.engine import apply_edits
from lmimigrate.core.ftypes import ParseError
from lmimigrate.surfaces.notebook import mask_ipython


def _nb(*sources, indent=1):
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "source": s} for s in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=indent, ensure_ascii=False)


def _parse(text):
    return surfaces.parse_file("nb.ipynb", text, "notebook")


@pytest.mark.parametrize("text, offset", [('{"cells": [', 11), ("", 0), ('{"cells": []} x', 14)])
def test_invalid_json_is_a_parse_error(text, offset):
    with pytest.raises(ParseError) as e:
        _parse(text)
    assert e.value.offset == offset


def test_not_a_notebook_has_no_units_and_rebuilds_unchanged():
    for text in ('{"metadata": {}}', "[1, 2]", '{"cells": {"a": 1}}'):
        parsed = _parse(text)
        assert parsed.units == [] and parsed.file_text([]) == text


def test_cells_without_usable_source_are_skipped():
    text = json.dumps({"cells": [
        {"cell_type": "code", "metadata": {}},
        {"cell_type": "code", "source": ["a", 1]},
        {"cell_type": "code", "source": 5},
        {"cell_type": "markdown", "source": ["from vllm import LLM\n", "LLM(model='m')"]},
        "not a cell",
        {"cell_type": "code", "source": ["from vllm import LLM\n", "LLM(model='m')"]},
    ]})
    (unit,) = _parse(text).units
    assert unit.cell == 4 and [s.key for s in unit.scopes[0].settings] == ["model"]  # the 4th code cell


def test_cell_syntax_error_offset_points_into_the_cell_source():
    text = _nb(["import vllm\n", "x = (\n"])
    with pytest.raises(ParseError) as e:
        _parse(text)
    assert e.value.message.startswith("code cell 1:")
    assert text[e.value.offset - 5 : e.value.offset + 1] == '"x = ('


def test_unknown_cell_magic_is_not_read():
    parsed = _parse(_nb(["%%html\n", "<p>vllm LLM(</p>"], ["%%writefile notes.txt\n", "vllm"]))
    assert parsed.units == []


def test_masking_keeps_offsets_and_finds_shell_commands():
    text = "  !vllm serve m \\\n  --seed 1\nx = %time f()\nfiles = !ls\nobj?\n?obj\n%pip install x\nfor i in y:\n    !echo\n"
    masked, shell = mask_ipython(text)
    assert len(masked) == len(text) and masked.count("\n") == text.count("\n")
    compile(mask_ipython(text.replace("  !vllm", "!vllm", 1))[0], "cell", "exec")  # `0#...` fills a block
    compile(mask_ipython(text.replace("for i in y:\n    !echo\n", ""), comment=True)[0], "cell", "exec")
    assert masked.endswith("for i in y:\n    0#cho\n")
    assert [text[a:b] for a, b in shell] == ["vllm serve m \\\n  --seed 1", "ls", "echo"]


def test_indented_shell_line_outside_a_block():
    parsed = _parse(_nb(["  !vllm serve m --seed 1\n", "import os\n"]))
    (scope,) = parsed.units[0].scopes
    assert scope.kind == "cli" and scope.get("vllm", "seed").value == "1"


def test_magic_line_offsets_in_python_cells():
    parsed = _parse(_nb(["%load_ext autoreload\n", "from vllm import LLM\n", "llm = LLM(model='é', seed=1)\n"]))
    (scope,) = parsed.units[0].scopes
    s = scope.get("vllm", "seed")
    assert parsed.units[0].text[s.key_span[0] : s.value_span[1]] == "seed=1"
    assert parsed.units[0].index.position(s.key_span[0])[0] == 3  # lines count within the cell


def test_rebuild_only_touches_edited_cells_and_keeps_non_ascii():
    text = _nb(["# é\n", "from vllm import LLM\n", "LLM(model='m')"], ["x = 'ü'"], indent=2)
    parsed = _parse(text)
    unit = parsed.units[0]
    new = apply_edits(unit.text, unit.scopes[0].insert("vllm", "seed", 0))
    out = parsed.file_text([new, parsed.units[1].text])
    assert out == text.replace('"LLM(model=\'m\')"', '"LLM(model=\'m\', seed=0)"')
    assert "\\u" not in out


def test_rebuild_splits_added_lines_like_nbformat():
    text = _nb(["from vllm import LLM\n", "LLM(model='m')\n"])
    parsed = _parse(text)
    unit = parsed.units[0]
    new = unit.text + "print(1)\nprint(2)"
    data = json.loads(parsed.file_text([new]))
    assert data["cells"][0]["source"] == ["from vllm import LLM\n", "LLM(model='m')\n", "print(1)\n", "print(2)"]


def test_rebuild_of_an_empty_source_list_copies_another_cells_layout():
    text = _nb(["a = 1\n", "b = 2"], [])
    parsed = _parse(text)
    out = parsed.file_text([parsed.units[0].text, "c = 3\nd = 4"])
    assert json.loads(out)["cells"][1]["source"] == ["c = 3\n", "d = 4"]
    assert '"source": [\n    "c = 3\\n",\n    "d = 4"\n   ]' in out


@pytest.mark.parametrize("text", ['{"cells": [{"cell_type": "code", "source": "' + "(" * 300 + '"}]}',
                                  '{"cells": [{"cell_type": "code", "source": "vllm\\u0000"}]}'])
def test_hostile_cells_raise_parse_error_only(text):
    try:
        _parse(text)
    except ParseError:
        pass


def test_writefile_yaml_and_shell_cells_count_the_magic_line():
    parsed = _parse(_nb(
        ["%%writefile k8s/deploy.yaml\n", "env:\n", "- name: VLLM_USE_V1\n", "  value: \"0\"\n"],
        ["%%writefile run.sh\n", "vllm serve m --max-num-seqs 8\n"],
    ))
    yaml_unit, sh_unit = parsed.units
    assert (yaml_unit.surface, sh_unit.surface) == ("yaml", "shell")
    s = next(s for sc in yaml_unit.scopes for s in sc.settings if s.key == "VLLM_USE_V1")
    assert yaml_unit.index.position(s.key_span[0])[0] == 3
    (cli,) = [sc for sc in sh_unit.scopes if sc.kind == "cli"]
    out = apply_edits(sh_unit.text, cli.get("vllm", "max_num_seqs").set_value(16))
    assert out == "%%writefile run.sh\nvllm serve m --max-num-seqs 16\n"
