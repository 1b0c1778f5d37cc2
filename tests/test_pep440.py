"""`lmimigrate.core.pep440.Version` gives packaging's answers: what parses, how it prints, how it orders."""

import pickle

import packaging.version as pv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lmimigrate.core.pep440 import InvalidVersion, Version

KNOWN = [
    "0.5.5", "0.6.3.post1", "0.17.0rc1", "0.10.1rc1", "1.22.0", "12", "v0.11.0", " 0.8.5 ", "0.7.0.dev0", "1.0a1",
    "1.0.alpha.2", "1.0-beta3", "1.0c1", "1.0pre", "1.0preview2", "1.0RC1", "1.0-1", "1.0.rev2", "1.0r", "1.0post",
    "1.0.dev", "1.0+cu118", "1.0+ubuntu-1.2_a", "2!1.0", "1.0.0", "1", "1.0", "1.0.post1.dev2", "1.0a1.post2.dev3",
    "0.6.3+Gaudi-1.20.0", "1.0+abc.5", "1.0+5.abc", "V2.0",
    # not versions
    "", "v", "1..2", ".1", "1.", "latest", "0.6.x", "1.0+", "1.0+-a", "nightly", "1_0", "²", "1.0 beta", "1!",
]


def _same(text):
    try:
        expected = pv.Version(text)
    except pv.InvalidVersion:
        with pytest.raises(InvalidVersion):
            Version(text)
        with pytest.raises(ValueError):
            Version(text)
        return None
    got = Version(text)
    assert str(got) == str(expected), text
    for attr in ("epoch", "release", "pre", "post", "dev", "local", "major", "minor", "micro", "is_prerelease",
                 "public", "base_version"):
        assert getattr(got, attr) == getattr(expected, attr), (text, attr)
    return got, expected


@pytest.mark.parametrize("text", KNOWN)
def test_parsing_and_printing_match_packaging(text):
    _same(text)


def test_ordering_and_equality_match_packaging_on_the_known_spellings():
    pairs = [p for p in (_same(t) for t in KNOWN) if p is not None]
    for a, pa in pairs:
        for b, pb in pairs:
            assert (a < b, a <= b, a == b, a > b, a >= b) == (pa < pb, pa <= pb, pa == pb, pa > pb, pa >= pb), (pa, pb)
            assert (a == b) == (hash(a) == hash(b)) or a != b


_NUM = st.integers(min_value=0, max_value=12).map(str)
_SEP = st.sampled_from(["", ".", "-", "_"])
_VERSION_TEXT = st.builds(
    lambda v, epoch, release, pre, post, dev, local: v + epoch + release + pre + post + dev + local,
    st.sampled_from(["", "v", "V", " "]),
    st.sampled_from(["", "1!", "0!"]),
    st.lists(_NUM, min_size=1, max_size=4).map(".".join),
    st.one_of(st.just(""), st.builds(lambda s, label, s2, n: s + label + s2 + n, _SEP, st.sampled_from(["a", "alpha", "b", "beta", "rc", "c", "pre", "preview", "RC"]), _SEP, st.one_of(st.just(""), _NUM))),
    st.one_of(st.just(""), _NUM.map(lambda n: "-" + n), st.builds(lambda s, label, n: s + label + n, _SEP, st.sampled_from(["post", "rev", "r"]), st.one_of(st.just(""), _NUM))),
    st.one_of(st.just(""), st.builds(lambda s, n: s + "dev" + n, _SEP, st.one_of(st.just(""), _NUM))),
    st.one_of(st.just(""), st.lists(st.sampled_from(["cu118", "5", "abc", "x1", "07"]), min_size=1, max_size=3).map(lambda p: "+" + ".".join(p))),
)


@settings(max_examples=400, deadline=None)
@given(_VERSION_TEXT, _VERSION_TEXT)
def test_generated_spellings_parse_print_and_order_as_packaging(a_text, b_text):
    a, b = _same(a_text), _same(b_text)
    if a is None or b is None:
        return
    (a, pa), (b, pb) = a, b
    assert (a < b, a == b, a > b) == (pa < pb, pa == pb, pa > pb)
    assert a != b or hash(a) == hash(b)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789.vV!+-_abcdefpr ", max_size=14))
def test_arbitrary_text_is_accepted_exactly_when_packaging_accepts_it(text):
    _same(text)


def test_packaging_versions_compare_with_ours_and_ours_pickle():
    assert Version("0.11.0") == pv.Version("0.11.0") and pv.Version("0.11.0") == Version("0.11.0")
    assert Version("0.10.0") < pv.Version("0.11.0") < Version("0.12.0")
    assert sorted([pv.Version("1.0"), Version("0.9"), Version("1.1")], key=str)[0] == Version("0.9")
    assert Version("1.0") != "1.0"
    assert pickle.loads(pickle.dumps(Version("1.0rc1+local"))) == Version("1.0rc1+local")
    with pytest.raises(TypeError):
        Version("1.0") < "1.1"  # noqa: B015


def test_version_pairs_take_a_packaging_version_from_a_plugin():
    from lmimigrate.core.versions import VersionPair

    pair = VersionPair("vllm", Version("0.8.5"), Version("0.11.0"))
    assert pair.crosses(pv.Version("0.10.0")) and not pair.crosses(pv.Version("0.12.0"))
    assert pair.target_at_least(pv.Version("0.11.0")) and pair.to >= pv.Version("0.11")
