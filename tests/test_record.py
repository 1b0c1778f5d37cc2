"""`lmimigrate.core.record` behaves like the `dataclasses` features it replaces: each test builds the same
class with both and compares what they do."""

import dataclasses
import pickle

import pytest

from lmimigrate.core import record as rec


def _both(body, **options):
    """The class `C` that `body` defines, once as a dataclass and once as a record (`deco` in `body` is the
    decorator; `C` itself is decorated with `options` unless `body` does it)."""
    out = []
    for decorate, field in ((dataclasses.dataclass, dataclasses.field), (rec.record, rec.field)):
        ns = {"field": field, "deco": decorate, "KW_ONLY": dataclasses.KW_ONLY if decorate is dataclasses.dataclass else rec.KW_ONLY}
        exec(body, ns)  # test-only: the class under comparison
        out.append(ns["C"] if "@deco" in body else decorate(**options)(ns["C"]))
    return out


PLAIN = """
class C:
    a: int
    b: str = "x"
    c: list = field(default_factory=list)
    d: int = field(default=0, repr=False, compare=False)
"""


@pytest.fixture(params=["generic", "compiled"], autouse=True)
def init_kind(request, monkeypatch):
    """Every test runs with the generic `__init__` (the first instantiations of a type) and with the compiled
    one (`COMPILE_AFTER` = 0: generated on the first instantiation)."""
    if request.param == "compiled":
        monkeypatch.setattr(rec, "COMPILE_AFTER", 0)
    return request.param


@pytest.mark.parametrize("options", [{}, {"frozen": True}, {"eq": False}, {"frozen": True, "order": True}, {"slots": True}])
def test_init_repr_eq_hash_and_order_match_dataclasses(options):
    dc, rc = _both(PLAIN, **options)
    for cls in (dc, rc):
        x, y, z = cls(1), cls(1, "x", [], 5), cls(2, "a", [1])
        assert x.c is not cls(1).c  # a fresh default per instance
        assert (x == y, x == z, x != y) == ((True, False, False) if options.get("eq", True) else (False, False, True))
    assert repr(rc(1, "y", [2], 3)) == repr(dc(1, "y", [2], 3)).replace(dc.__qualname__, rc.__qualname__)
    assert (dc.__hash__ is None) == (rc.__hash__ is None)
    if dc.__hash__ is not None and options.get("eq", True):
        assert hash(rc(1, "x", ())) == hash(rc(1, "x", (), 9)) == hash(dc(1, "x", (), 7))  # `d` is not compared
        assert len({rc(1, "x", ()), rc(1, "x", ()), rc(2, "x", ())}) == 2
    if options.get("order"):
        assert sorted([rc(2, "a"), rc(1, "b"), rc(1, "a")]) == [rc(1, "a"), rc(1, "b"), rc(2, "a")]
        with pytest.raises(TypeError):
            rc(1) < dc(1)  # noqa: B015 - different classes do not compare
    if options.get("slots"):
        assert rc.__slots__ == dc.__slots__ and not hasattr(rc(1), "__dict__")
    with pytest.raises(TypeError):
        rc()  # `a` has no default
    with pytest.raises(TypeError):
        rc(1, "x", [], 0, 9)


def test_frozen_records_refuse_assignment_as_dataclasses_do():
    dc, rc = _both(PLAIN, frozen=True)
    for cls in (dc, rc):
        x = cls(1)
        with pytest.raises(AttributeError, match="cannot assign to field 'a'"):
            x.a = 2
        with pytest.raises(AttributeError):
            del x.b
    assert issubclass(rec.FrozenInstanceError, AttributeError)


def test_kw_only_post_init_inheritance_and_replace():
    body = """
@deco(frozen=True)
class Base:
    a: int
    _: KW_ONLY
    b: str
    c: tuple = ()

    def __post_init__(self):
        if self.a < 0:
            raise ValueError("negative")

@deco(frozen=True)
class C(Base):
    d: int = 4
"""
    dc, rc = _both(body)
    for cls, replace in ((dc, dataclasses.replace), (rc, rec.replace)):
        x = cls(1, b="b")
        assert (x.a, x.b, x.c, x.d) == (1, "b", (), 4)
        with pytest.raises(TypeError):
            cls(1, "b")  # `b` is keyword-only
        with pytest.raises(ValueError, match="negative"):
            cls(-1, b="b")
        assert replace(x, d=5) == cls(1, b="b", d=5) and x.d == 4
    assert repr(rc(1, b="b")) == "C(a=1, b='b', c=(), d=4)"


def test_a_record_that_holds_itself_shows_an_ellipsis():
    (rc,) = _both("class C:\n    a: object = None\n")[1:]
    x = rc()
    x.a = [x]
    assert repr(x) == "C(a=[...])"


def test_records_pickle_as_the_worker_pool_sends_them():
    from lmimigrate.core.ftypes import Finding, Setting, Severity, TextEdit

    edit = TextEdit(3, 5, "new")
    assert pickle.loads(pickle.dumps(edit)) == edit
    finding = Finding("X1", "m", Severity.WARNING, "a", None, (0, 1), line=2)
    assert pickle.loads(pickle.dumps(finding)).__dict__ == finding.__dict__
    assert "style" in Setting.__slots__


def test_field_names_must_be_identifiers():
    class C:
        pass

    C.__annotations__ = {"a b": int}
    with pytest.raises(TypeError, match="not an identifier"):
        rec.record(C)


def test_a_type_switches_to_compiled_init_after_its_first_instantiations(monkeypatch):
    monkeypatch.setattr(rec, "COMPILE_AFTER", 3)
    dc, rc = _both(PLAIN + "    def __post_init__(self):\n        self.c.append(self.a)\n")
    generic = rc.__init__
    made = [rc(i, c=[]) for i in range(3)]
    assert rc.__init__ is generic  # still the generic one
    made.append(rc(3, "y", [], 4))
    assert rc.__init__ is not generic and rc.__init__.__qualname__ == "C.__init__"
    made.append(rc(4))
    assert [repr(x) for x in made] == [repr(dc(i, c=[])) for i in range(3)] + [repr(dc(3, "y", [], 4)), repr(dc(4))]
    for bad_args, bad_kwargs in (((), {}), ((1, "x", [], 0, 9), {}), ((1,), {"a": 2}), ((1,), {"zz": 2})):
        with pytest.raises(TypeError):
            rc(*bad_args, **bad_kwargs)


@pytest.mark.parametrize("bad_args, bad_kwargs", [((), {}), ((1, "x", [], 0, 9), {}), ((1,), {"a": 2}), ((1,), {"zz": 2})])
def test_bad_arguments_raise_type_error_like_dataclasses(bad_args, bad_kwargs):
    for cls in _both(PLAIN):
        with pytest.raises(TypeError):
            cls(*bad_args, **bad_kwargs)
