"""The shipped schema compiled once into plain Python: "is this document valid?" in one call.

jsonschema is the authority for every message, but walking a valid 100-beat document
through it costs ~50 ms, nearly all of a load.  The schema uses a handful of keywords, so
it is also translated here, at import, into the source of one Python function per
``$defs`` entry (inline ``isinstance`` tests, one ``dict.get`` per property), as
fastjsonschema does, and that source is compiled.  Only a "no" pays for
``validator().iter_errors``.  A keyword this compiler does not know fails at import, and
tests compare both on many documents.
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["compile_schema"]

_ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description", "$comment", "default", "examples"}
_PLAIN = {"string": "str", "object": "dict", "array": "list", "boolean": "bool", "null": "NoneType"}
_REF = "#/$defs/"


def _type_test(names: tuple[str, ...], v: str) -> str:
    """An expression true when ``v`` has one of the JSON types (booleans are never numbers)."""
    plain = [_PLAIN[n] for n in names if n not in ("number", "integer")]
    tests = [f"isinstance({v}, ({', '.join(plain)},))"] if plain else []
    if "number" in names:
        tests.append(f"(isinstance({v}, (int, float)) and not isinstance({v}, bool))")
    elif "integer" in names:
        tests.append(
            f"((isinstance({v}, int) and not isinstance({v}, bool)) or (isinstance({v}, float) and {v}.is_integer()))"
        )
    return " or ".join(tests) or "False"


class _Compiler:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.source: list[str] = []
        self.constants: dict[str, Any] = {}
        self.defs: dict[str, str] = {}
        self.inlining: list[str] = []
        self.count = 0

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def constant(self, value: Any) -> str:
        name = self.name("_c")
        self.constants[name] = value
        return name

    def function(self, schema: Any, name: str | None = None) -> str:
        """The name of a function ``(x) -> bool`` for ``schema`` (its source added)."""
        name = name or self.name("_s")
        body = self.check(schema, "x", 1)
        self.source += [f"def {name}(x):", *body, "    return True", ""]
        return name

    def ref_check(self, value: str, v: str, depth: int) -> list[str]:
        """A ``$ref``'s checks inline; a call only where it refers back to itself."""
        if not value.startswith(_REF):
            raise ValueError(f"unsupported $ref {value!r}")
        key = value[len(_REF) :]
        if key in self.inlining:
            if key not in self.defs:
                self.defs[key] = f"_d_{len(self.defs)}"  # named before compiled: it refers to itself
                self.function(self.root["$defs"][key], self.defs[key])
            return [f"{'    ' * depth}if not {self.defs[key]}({v}): return False"]
        self.inlining.append(key)
        try:
            return self.check(self.root["$defs"][key], v, depth)
        finally:
            self.inlining.pop()

    def check(self, schema: Any, v: str, depth: int) -> list[str]:
        """Statements that ``return False`` when ``v`` does not satisfy ``schema``."""
        pad = "    " * depth
        if schema is True:
            return []
        if schema is False:
            return [f"{pad}return False"]
        out: list[str] = []
        for key, value in schema.items():
            if key in _ANNOTATIONS or key in ("then", "else", "additionalProperties", "required", "properties"):
                continue  # then/else go with "if"; the object keywords are checked together below
            if key == "$ref":
                out += self.ref_check(value, v, depth)
            elif key == "type":
                names = tuple(value) if isinstance(value, list) else (value,)
                out.append(f"{pad}if not ({_type_test(names, v)}): return False")
            elif key == "items":
                item = self.name("_v")
                inner = self.check(value, item, depth + 2)
                if inner:
                    out += [f"{pad}if isinstance({v}, list):", f"{pad}    for {item} in {v}:", *inner]
            elif key == "minimum":
                out.append(
                    f"{pad}if isinstance({v}, (int, float)) and not isinstance({v}, bool) and {v} < {value!r}: "
                    "return False"
                )
            elif key == "minLength":
                out.append(f"{pad}if isinstance({v}, str) and len({v}) < {int(value)}: return False")
            elif key == "minItems":
                out.append(f"{pad}if isinstance({v}, list) and len({v}) < {int(value)}: return False")
            elif key == "enum":
                allowed = self.constant(tuple(value))
                out.append(f"{pad}if not any({v} == a and type({v}) is type(a) for a in {allowed}): return False")
            elif key == "if":
                test = self.function(value)
                then = self.check(schema.get("then", True), v, depth + 1) or [f"{pad}    pass"]
                other = self.check(schema.get("else", True), v, depth + 1) or [f"{pad}    pass"]
                out += [f"{pad}if {test}({v}):", *then, f"{pad}else:", *other]
            else:
                raise ValueError(f"the fast check does not know the schema keyword {key!r}")
        if any(k in schema for k in ("properties", "additionalProperties", "required")):
            out += self.object_check(schema, v, depth)
        return out

    def object_check(self, schema: dict[str, Any], v: str, depth: int) -> list[str]:
        """properties, additionalProperties and required of a mapping."""
        pad = "    " * depth
        props: dict[str, Any] = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        out = [f"{pad}if isinstance({v}, dict):"]
        for name in schema.get("required", ()):
            out.append(f"{pad}    if {name!r} not in {v}: return False")
        missing = self.constant(object())
        for name, sub in props.items():
            value = self.name("_p")
            inner = self.check(sub, value, depth + 2)
            if inner:
                out += [
                    f"{pad}    {value} = {v}.get({name!r}, {missing})",
                    f"{pad}    if {value} is not {missing}:",
                    *inner,
                ]
        if extra is False:
            known = self.constant(frozenset(props))
            out += [f"{pad}    for k in {v}:", f"{pad}        if k not in {known}: return False"]
        elif extra is not True:
            known = self.constant(frozenset(props))
            key, value = self.name("_k"), self.name("_x")
            inner = self.check(extra, value, depth + 3)
            if inner:
                out += [
                    f"{pad}    for {key}, {value} in {v}.items():",
                    f"{pad}        if {key} not in {known}:",
                    *inner,
                ]
        return out


def compile_schema(schema: dict[str, Any]) -> tuple[Callable[[Any], bool], str]:
    """A function telling whether a document satisfies ``schema``, and its source."""
    compiler = _Compiler(schema)
    top = compiler.function(schema, "is_valid")
    source = "\n".join(compiler.source)
    namespace: dict[str, Any] = {"NoneType": type(None), **compiler.constants}
    exec(compile(source, "<sequence schema>", "exec"), namespace)  # noqa: S102 - our own generated source
    check: Callable[[Any], bool] = namespace[top]
    return check, source
