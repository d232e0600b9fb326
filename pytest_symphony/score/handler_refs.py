"""Handler references in a spec: every way a beat, a declaration or a rollback names one.

A handler is written as ``"name"``, ``"module#func"``, a mapping with a name, a script
with its arguments, or an id into the top-level ``handlers`` declarations; this module
reads them all into :class:`~pytest_symphony.score.model.HandlerRef` (and a beat's
``run:`` into a :class:`~pytest_symphony.score.model.Command`).
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from collections.abc import Mapping
from typing import Any

from .model import EMPTY, Command, HandlerRef
from .source import item_line, line_of
from .spec_values import NormalizeContext, first_of, integral, is_number, kind_of, one_or_many


def _timeout_ms(value: Any) -> float | None:
    """A number of milliseconds, or None for a duration string (kept in ``raw``)."""
    return value if is_number(value) else None


def _ref_from_string(text: str, line: int, raw: Any = None) -> HandlerRef:
    text = text.strip()
    module, sep, name = text.rpartition("#")
    if not sep:
        return HandlerRef(name=text, line=line, raw=raw if raw is not None else text)
    return HandlerRef(name=name, module=module or None, line=line, raw=raw if raw is not None else text)


def _ref_from_mapping(
    ctx: NormalizeContext, obj: Mapping[str, Any], pointer: str, line: int, *, default_name: str | None = None
) -> HandlerRef:
    """``{name: "module#func", timeout, retries, ...}``; other keys stay in ``raw``."""
    name = first_of(obj, "name", "handler", "id")
    if name is None:
        name = default_name
    line = line_of(obj, line)
    if name is None:
        ctx.problem(pointer, "a handler object needs a name, e.g. name: 'module#function'", line)
        return HandlerRef(name="?", line=line, raw=obj)  # keeps later handlers at their index
    if isinstance(name, str):
        ref = _ref_from_string(name, line, raw=obj)
    else:
        ref = HandlerRef(name=name, line=line, raw=obj)  # the schema reports the type
    timeout = obj.get("timeout")
    retries = obj.get("retries")
    command = _script(ctx, obj, pointer, line) if obj.get("script") is not None else None
    return replace(ref, timeout_ms=_timeout_ms(timeout), retries=integral(retries), command=command)


#: A declared script runs through the interpreter its suffix names.
_INTERPRETERS = {".py": "python", ".js": "node", ".cjs": "node", ".mjs": "node", ".sh": "sh"}


def _script(ctx: NormalizeContext, obj: Mapping[str, Any], pointer: str, line: int) -> Command | None:
    """``{script, method?, args?}`` (the origin system's handler form) as the process it runs."""
    script, args = obj.get("script"), obj.get("args", [])
    if not isinstance(script, str) or not script.strip():
        ctx.problem(f"{pointer}/script", f"must be a path to a script, not {kind_of(script)}", line)
        return None
    if isinstance(args, str):
        args = [args]
    if not isinstance(args, list) or not all(isinstance(a, (str, int, float)) for a in args):
        ctx.problem(f"{pointer}/args", "must be a list of arguments (strings or numbers)", line)
        return None
    method = obj.get("method")
    argv = (script, *((str(method),) if isinstance(method, str) else ()), *(str(a) for a in args))
    suffix = "." + script.rsplit(".", 1)[-1] if "." in script.rsplit("/", 1)[-1] else ""
    return Command(
        argv=argv,
        interpreter=_INTERPRETERS.get(suffix.lower()),
        cwd=_text(obj.get("cwd")),
        env=_env(ctx, obj.get("env"), f"{pointer}/env", line),
    )


def run_command(ctx: NormalizeContext, node: Mapping[str, Any], pointer: str, line: int) -> Command | None:
    """A beat's ``run:``: a shell string, or an argv list; with ``cwd`` and ``env``."""
    value = node.get("run")
    if value is None:
        return None
    cwd, env = _text(node.get("cwd")), _env(ctx, node.get("env"), f"{pointer}/env", line)
    if isinstance(value, str) and value.strip():
        return Command(shell=value, cwd=cwd, env=env)
    if isinstance(value, list) and value and all(isinstance(a, (str, int, float)) for a in value):
        return Command(argv=tuple(str(a) for a in value), cwd=cwd, env=env)
    ctx.problem(f"{pointer}/run", "must be a command: a string (run by the shell) or a list of arguments", line)
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _env(ctx: NormalizeContext, value: Any, pointer: str, line: int) -> Mapping[str, str]:
    if value is None:
        return EMPTY
    if isinstance(value, Mapping) and all(
        isinstance(k, str) and isinstance(v, (str, int, float)) for k, v in value.items()
    ):
        return MappingProxyType({k: str(v) for k, v in value.items()})
    ctx.problem(pointer, "must map variable names to strings", line)
    return EMPTY


def declarations(ctx: NormalizeContext, value: Any, line: int) -> dict[str, HandlerRef]:
    """The top-level ``handlers``: a list of ``{id, ...}`` or a mapping ``{id: {...}}``."""
    declared: dict[str, HandlerRef] = {}
    if value is None:
        return declared
    if isinstance(value, list):
        for i, entry in enumerate(value):
            pointer = f"/handlers/{i}"
            at = item_line(value, i, line)
            if isinstance(entry, str):
                declared.setdefault(entry, _ref_from_string(entry, at))
            elif isinstance(entry, Mapping):
                hid = first_of(entry, "id", "name")
                if not isinstance(hid, str):
                    ctx.problem(pointer, "a declared handler needs a string id", at)
                    continue
                # The id is the registry key (`name` in this form is a human title),
                # unless the entry names its function under `handler`.
                target = entry.get("handler") if isinstance(entry.get("handler"), str) else hid
                ref = _ref_from_mapping(ctx, {**entry, "name": target}, pointer, at)
                declared.setdefault(hid, replace(ref, raw=entry, line=at))
            else:
                ctx.problem(pointer, f"a declared handler must be an id or a mapping, not {kind_of(entry)}", at)
        return declared
    if isinstance(value, Mapping):
        for hid, entry in value.items():
            hid = str(hid)
            at = line_of(entry, line_of(value, line))
            if entry is None:
                declared[hid] = HandlerRef(name=hid, line=at)
            elif isinstance(entry, str):
                declared[hid] = _ref_from_string(entry, at)
            elif isinstance(entry, Mapping):  # script/method/... stay in raw
                declared[hid] = _ref_from_mapping(ctx, entry, f"/handlers/{_escape(hid)}", at, default_name=hid)
            else:
                ctx.problem(
                    f"/handlers/{_escape(hid)}",
                    f"a declared handler must be a mapping or a 'module#function' string, not {kind_of(entry)}",
                    at,
                )
        return declared
    ctx.problem("/handlers", f"must be a list or a mapping of handler declarations, not {kind_of(value)}", line)
    return declared


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _resolve_id(ctx: NormalizeContext, name: str, line: int) -> HandlerRef:
    """A handler named by id: its declaration (placed at the reference), else the name itself."""
    decl = ctx.declared.get(name)
    if decl is not None:
        return replace(decl, line=line)
    return _ref_from_string(name, line)


def beat_handlers(ctx: NormalizeContext, beat: Mapping[str, Any], pointer: str, line: int) -> tuple[HandlerRef, ...]:
    refs: list[HandlerRef] = []
    for key, item, at in one_or_many(beat, ("handler", "handlers"), line):
        if isinstance(item, str):
            refs.append(_resolve_id(ctx, item.strip(), at))
        elif isinstance(item, Mapping):
            refs.append(_ref_from_mapping(ctx, item, f"{pointer}/handlers/{len(refs)}", at))
        else:
            ctx.problem(
                f"{pointer}/{key}",
                f"a handler is a name, 'module#function' or a mapping with a name, not {kind_of(item)}",
                at,
            )
    seen: set[tuple[Any, str]] = set()
    unique: list[HandlerRef] = []
    for ref in refs:
        ref_key = (ref.module, ref.name if isinstance(ref.name, str) else repr(ref.name))
        if ref_key not in seen:
            seen.add(ref_key)
            unique.append(ref)
    return tuple(unique)


# ------------------------------------------------------------- criteria and stories


def rollback_ref(ctx: NormalizeContext, data: Mapping[str, Any], line: int) -> HandlerRef | None:
    for key in ("rollback", "rollbackHandler"):
        value = data.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            return _resolve_id(ctx, value.strip(), line)
        if isinstance(value, Mapping):
            if first_of(value, "name", "handler") is None:
                return None  # a rollback policy without a handler: raw only
            name = first_of(value, "handler", "name")
            if isinstance(name, str) and name.strip() in ctx.declared:
                return _resolve_id(ctx, name.strip(), line_of(value, line))
            ref = _ref_from_mapping(ctx, {**value, "name": name}, f"/{key}", line_of(value, line))
            return replace(ref, raw=value)
        ctx.problem(f"/{key}", f"{value!r} is {kind_of(value)}; {key} must name a handler", line)
        return None
    strategy = data.get("rollbackStrategy")
    if isinstance(strategy, Mapping) and isinstance(strategy.get("handler"), str):
        return _resolve_id(ctx, strategy["handler"].strip(), line_of(strategy, line))
    return None
