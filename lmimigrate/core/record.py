"""`record`: the part of `dataclasses` lmimigrate uses, at a fraction of its start-up cost.

pre-commit starts lmimigrate on every commit, so import time is most of a one-file run. `dataclasses`
imports `inspect` and builds each class with a dozen `exec` calls plus a signature for its docstring: for
our ~36 record types that was a third of a one-file check. `record` builds the comparison and repr methods
from closures. A class's `__init__` binds its arguments in a loop until the class has been instantiated
`COMPILE_AFTER` times, then is replaced by generated straight-line code (one `exec`, as dataclasses does).
Type checkers see it as a dataclass (`dataclass_transform`). The semantics kept are the ones used here:
`frozen`, `eq`, `order`, `repr`, `slots`, `field(default=, default_factory=, repr=, compare=, kw_only=)`, the
`KW_ONLY` pseudo-field, `__post_init__`, inherited fields, and `replace`.
"""

from __future__ import annotations

from operator import attrgetter, ge, gt, le, lt

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any, Callable, TypeVar, dataclass_transform, overload

    T = TypeVar("T")
else:

    def dataclass_transform(**_: object) -> object:  # only type checkers read it
        return lambda f: f


_MISSING: Any = object()
_FIELDS = "__record_fields__"


class FrozenInstanceError(AttributeError):
    """Assignment to a field of a frozen record."""


class _Field:
    __slots__ = ("name", "default", "default_factory", "repr", "compare", "kw_only")

    def __init__(self, default: Any, default_factory: Any, repr: bool, compare: bool, kw_only: bool) -> None:
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare
        self.kw_only = kw_only


def field(
    *,
    default: Any = _MISSING,
    default_factory: Callable[[], Any] = _MISSING,
    repr: bool = True,
    compare: bool = True,
    kw_only: bool = False,
) -> Any:
    return _Field(default, default_factory, repr, compare, kw_only)


if TYPE_CHECKING:
    from dataclasses import KW_ONLY as KW_ONLY  # type checkers know the sentinel by this name
else:

    class KW_ONLY:
        """Annotate a pseudo-field `_: KW_ONLY`: the fields after it are keyword-only."""


def _fields_of(cls: type, kw_only_default: bool) -> list[_Field]:
    fields: dict[str, _Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for f in getattr(base, _FIELDS, ()):
            fields[f.name] = f
    kw_only = kw_only_default
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if annotation is KW_ONLY or annotation == "KW_ONLY":
            kw_only = True
            continue
        if str(annotation).startswith(("ClassVar", "typing.ClassVar")):  # a string under `from __future__ import annotations`
            continue
        value = cls.__dict__.get(name, _MISSING)
        if not name.isidentifier():  # the generated source below holds field names verbatim
            raise TypeError(f"{cls.__name__}: field name {name!r} is not an identifier")
        f = value if isinstance(value, _Field) else _Field(value, _MISSING, True, True, kw_only)
        f.name = name
        f.kw_only = f.kw_only or kw_only
        fields[name] = f
        if isinstance(value, _Field):  # a plain default stays a class attribute, as dataclasses leaves it
            if f.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
    return list(fields.values())


def _init_source(fields: list[_Field], frozen: bool, post_init: bool) -> tuple[str, dict[str, Any]]:
    env: dict[str, Any] = {"_MISSING": _MISSING, "_setattr": object.__setattr__}
    params: list[str] = []
    kw_params: list[str] = []
    body: list[str] = []
    for f in fields:
        if f.default_factory is not _MISSING:
            env[f"_factory_{f.name}"] = f.default_factory
            param, value = f"{f.name}=_MISSING", f"_factory_{f.name}() if {f.name} is _MISSING else {f.name}"
        elif f.default is not _MISSING:
            env[f"_default_{f.name}"] = f.default
            param, value = f"{f.name}=_default_{f.name}", f.name
        else:
            param, value = f.name, f.name
        (kw_params if f.kw_only else params).append(param)
        body.append(f"_setattr(self, {f.name!r}, {value})" if frozen else f"self.{f.name} = {value}")
    if post_init:
        body.append("self.__post_init__()")
    signature = ", ".join(["self", *params, *(["*", *kw_params] if kw_params else [])])
    return "\n".join([f"def __init__({signature}) -> None:", *(f"    {line}" for line in body or ["pass"])]), env


#: Instantiations of a record type served by the generic `__init__` before the type gets straight-line code.
COMPILE_AFTER = 64


def _lazy_init(cls: type, fields: list[_Field], frozen: bool) -> Callable[..., None]:
    """An `__init__` that binds its arguments in a loop for the first `COMPILE_AFTER` instantiations, then
    writes the real one (straight-line code, as fast as a dataclass's; one `exec`). Compiling costs ~0.15 ms
    a type, and a one-file run instantiates ~25 types, most a few times (the release table, a rule module's
    rows): only the types a run makes many of pay for it, and only once it is worth it."""
    positional = tuple(f.name for f in fields if not f.kw_only)
    names = frozenset(f.name for f in fields)
    store = object.__setattr__ if frozen else setattr
    made = 0

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal made
        made += 1
        if made > COMPILE_AFTER:
            real = _compiled_init(cls, fields, frozen)
            type.__setattr__(cls, "__init__", real)
            real(self, *args, **kwargs)
            return
        if len(args) > len(positional):
            raise TypeError(f"{cls.__qualname__}.__init__() takes {len(positional) + 1} positional arguments but "
                            f"{len(args) + 1} were given")
        values = dict(zip(positional, args))
        for name, value in kwargs.items():
            if name not in names:
                raise TypeError(f"{cls.__qualname__}.__init__() got an unexpected keyword argument {name!r}")
            if name in values:
                raise TypeError(f"{cls.__qualname__}.__init__() got multiple values for argument {name!r}")
            values[name] = value
        missing = [f.name for f in fields
                   if f.name not in values and f.default is _MISSING and f.default_factory is _MISSING]
        if missing:
            raise TypeError(f"{cls.__qualname__}.__init__() missing required arguments: {', '.join(map(repr, missing))}")
        for f in fields:
            value = values[f.name] if f.name in values else (
                f.default if f.default_factory is _MISSING else f.default_factory())
            store(self, f.name, value)
        if hasattr(cls, "__post_init__"):
            self.__post_init__()

    return __init__


def _compiled_init(cls: type, fields: list[_Field], frozen: bool) -> Callable[..., None]:
    src, env = _init_source(fields, frozen, hasattr(cls, "__post_init__"))
    namespace: dict[str, Any] = {}
    exec(src, env, namespace)  # noqa: S102 - our own generated source, as dataclasses does
    real: Callable[..., None] = namespace["__init__"]
    real.__qualname__ = f"{cls.__qualname__}.__init__"
    return real


def _key(fields: list[_Field]) -> Callable[[Any], tuple[Any, ...]]:
    names = [f.name for f in fields if f.compare]
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return attrgetter(*names) if names else (lambda obj: ())


def _methods(cls: type, fields: list[_Field], frozen: bool, eq: bool, order: bool, repr: bool) -> dict[str, Any]:
    key = _key(fields)
    methods: dict[str, Any] = {"__init__": _lazy_init(cls, fields, frozen)}
    if repr:
        shown = [f.name for f in fields if f.repr]
        in_repr: set[int] = set()

        def __repr__(self: Any) -> str:  # a record that (indirectly) holds itself shows `...`, as dataclasses does
            if id(self) in in_repr:
                return "..."
            in_repr.add(id(self))
            try:
                return f"{type(self).__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in shown)})"
            finally:
                in_repr.discard(id(self))

        methods["__repr__"] = __repr__
    if eq:
        methods["__eq__"] = lambda self, other: key(self) == key(other) if other.__class__ is self.__class__ else NotImplemented
        methods["__hash__"] = (lambda self: hash(key(self))) if frozen else None  # mutable: unhashable, like a dataclass
    if order:
        for name, compare in (("__lt__", lt), ("__le__", le), ("__gt__", gt), ("__ge__", ge)):
            methods[name] = _ordering(key, compare)
    if frozen:
        methods["__setattr__"] = _refuse_setattr
        methods["__delattr__"] = _refuse_delattr
    return methods


def _ordering(key: Callable[[Any], tuple[Any, ...]], compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Any]:
    return lambda self, other: compare(key(self), key(other)) if other.__class__ is self.__class__ else NotImplemented


def _refuse_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r} of a frozen {type(self).__name__}")


def _refuse_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r} of a frozen {type(self).__name__}")


def _build(cls: type[T], frozen: bool, eq: bool, order: bool, repr: bool, slots: bool, kw_only: bool) -> type[T]:
    fields = _fields_of(cls, kw_only)
    if slots:
        cls = _slotted(cls, fields)
    for key, value in _methods(cls, fields, frozen, eq, order, repr).items():
        if key not in cls.__dict__ or (key == "__hash__" and cls.__dict__[key] is None):
            if value is not None:
                value.__qualname__ = f"{cls.__qualname__}.{key}"
            setattr(cls, key, value)
    setattr(cls, _FIELDS, tuple(fields))
    return cls


def _slotted(cls: type[T], fields: list[_Field]) -> Any:
    """A copy of `cls` with `__slots__` (they can only be given when a class is created)."""
    names = {f.name for f in fields}
    inherited = {s for base in cls.__mro__[1:] for s in getattr(base, "__slots__", ())}
    body = {k: v for k, v in cls.__dict__.items() if k not in names and k not in ("__dict__", "__weakref__")}
    body["__slots__"] = tuple(f.name for f in fields if f.name not in inherited)
    metaclass: Any = type(cls)
    return metaclass(cls.__name__, cls.__bases__, body)


if TYPE_CHECKING:

    @overload
    def record(cls: type[T], /) -> type[T]: ...
    @overload
    def record(
        *,
        frozen: bool = False,
        eq: bool = True,
        order: bool = False,
        repr: bool = True,
        slots: bool = False,
        kw_only: bool = False,
    ) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(field_specifiers=(field,))
def record(
    cls: type[T] | None = None,
    /,
    *,
    frozen: bool = False,
    eq: bool = True,
    order: bool = False,
    repr: bool = True,
    slots: bool = False,
    kw_only: bool = False,
) -> Any:
    def wrap(c: type[T]) -> type[T]:
        return _build(c, frozen, eq, order, repr, slots, kw_only)  # the same class, or its slotted copy

    return wrap if cls is None else wrap(cls)


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of the record `obj` with some fields changed (`dataclasses.replace`)."""
    values = {f.name: getattr(obj, f.name) for f in getattr(obj, _FIELDS)}
    values.update(changes)
    return type(obj)(**values)
