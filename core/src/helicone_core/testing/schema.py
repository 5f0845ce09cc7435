"""Make a JSON value that satisfies a JSON schema, filled from the words and numbers of a text.

Used for tool-call arguments and ``response_format`` replies. Rules, in order of precedence:

* ``$ref`` (``#/$defs/...``, ``#/definitions/...``, any JSON pointer) is followed; sibling keywords
  override the target's. ``allOf`` parts are merged.
* ``const`` gives its value; ``enum`` its first value; ``anyOf``/``oneOf`` the first non-``null``
  option (``null`` only when it is the sole option or nesting is deeper than 6 levels).
* ``type`` lists use their first non-``null`` type; without ``type`` the kind is inferred from
  the keywords (``properties`` → object, ``items`` → array, ``minimum`` → number, ...), else string.
* **object**: every declared property in declaration order (deeper than 6 levels: only the
  required ones), plus required names that are not declared.
* **integer/number**: the next unused number of the text, in order, else ``1``; clamped to
  ``minimum``/``maximum`` (exclusive bounds step inside by 1) and rounded to ``multipleOf``.
* **string**: well-known ``format``s get a fixed valid sample (``date-time``, ``date``, ``time``,
  ``email``, ``uri``/``url``, ``uuid``, ``ipv4``, ``hostname``); otherwise the next unused quoted
  phrase or capitalised word of the text (not the first word, not "I"), else the property name, else
  ``"example"``; padded or cut to ``minLength``/``maxLength``. ``pattern`` is not honoured.
* **array**: ``prefixItems`` first; an array of numbers takes every remaining number of the text;
  otherwise one item (at least ``minItems``, at most ``maxItems``); ``uniqueItems`` is respected
  for strings and numbers.
* **boolean** is ``true``; **null** is ``null``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["numbers_in", "synthesize", "words_in"]

_MAX_DEPTH = 6
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?!\w)")
# A phrase in double or single quotes (not an apostrophe: no letter before the quote), or a
# capitalised word.
_WORD = re.compile(r""""([^"]+)"|(?<!\w)'([^']+)'(?!\w)|\b([A-Z][\w-]*)""")
_FORMATS: Mapping[str, str] = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "12:00:00",
    "email": "user@example.com",
    "uri": "https://example.com",
    "url": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "127.0.0.1",
    "hostname": "example.com",
}
_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_INFER: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("object", ("properties", "required", "additionalProperties", "minProperties")),
    ("array", ("items", "prefixItems", "minItems", "maxItems")),
    ("number", ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")),
)


def numbers_in(text: str) -> list[int | float]:
    """The numbers written in ``text``, in order (``"3 times 4.5"`` → ``[3, 4.5]``)."""
    return [float(m) if "." in m else int(m) for m in _NUMBER.findall(text)]


def words_in(text: str) -> list[str]:
    """Quoted phrases ("…" or '…') and capitalised words of ``text`` (not the first word, not
    "I"), in order."""
    first = re.match(r"\s*\S+", text)
    start = first.end() if first else 0
    found = []
    for match in _WORD.finditer(text):
        quoted = match.group(1) or match.group(2)
        if quoted:
            found.append(quoted)
        elif match.start() >= start and match.group(3) != "I":
            found.append(match.group(3))
    return found


def synthesize(schema: Any, text: str = "") -> Any:
    """A value satisfying ``schema``, using the numbers and words of ``text`` (see module doc)."""
    root = schema if isinstance(schema, Mapping) else {}
    return _Synth(root, numbers_in(text), words_in(text)).value(schema, None, 0)


class _Synth:
    def __init__(self, root: Mapping[str, Any], numbers: list[int | float], words: list[str]):
        self.root = root
        self.numbers = numbers
        self.words = words

    def resolve(self, schema: Any, seen: int = 0) -> Mapping[str, Any]:
        if not isinstance(schema, Mapping):
            return {}  # `true` (or junk) accepts anything
        ref = schema.get("$ref")
        if not isinstance(ref, str) or seen > 32:
            return schema
        target: Any = self.root
        for part in ref.lstrip("#").strip("/").split("/") if ref.lstrip("#") else []:
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        return {**self.resolve(target, seen + 1), **siblings}

    def merge_all_of(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"] if isinstance(schema["allOf"], list) else []:
            part = self.resolve(part)
            if "allOf" in part:
                part = self.merge_all_of(part)
            for key, value in part.items():
                if key == "properties" and isinstance(value, Mapping):
                    merged["properties"] = {**merged.get("properties", {}), **value}
                elif key == "required" and isinstance(value, list):
                    merged["required"] = [*merged.get("required", []), *value]
                else:
                    merged.setdefault(key, value)
        return merged

    def value(self, schema: Any, name: str | None, depth: int) -> Any:
        schema = self.resolve(schema)
        if isinstance(schema.get("allOf"), list):
            schema = self.merge_all_of(schema)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][0]
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                return self.value(self.pick_option(schema[key], depth), name, depth)
        kind = self.kind(schema)
        if kind == "object":
            return self.object(schema, depth)
        if kind == "array":
            return self.array(schema, name, depth)
        if kind in ("integer", "number"):
            return self.number(schema, integer=kind == "integer")
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return self.string(schema, name)

    def pick_option(self, options: list[Any], depth: int) -> Any:
        non_null = [o for o in options if self.kind(self.resolve(o)) != "null"]
        if non_null and (depth <= _MAX_DEPTH or len(non_null) == len(options)):
            return non_null[0]
        return {"type": "null"}

    def kind(self, schema: Mapping[str, Any]) -> str:
        declared = schema.get("type")
        if isinstance(declared, list):
            non_null = [t for t in declared if t != "null"]
            declared = non_null[0] if non_null else "null"
        if isinstance(declared, str):
            return declared
        if "const" in schema or "enum" in schema or "anyOf" in schema or "oneOf" in schema:
            return "mixed"
        return next((k for k, keys in _INFER if any(key in schema for key in keys)), "string")

    def object(self, schema: Mapping[str, Any], depth: int) -> dict[str, Any]:
        props = schema.get("properties")
        props = props if isinstance(props, Mapping) else {}
        declared = schema.get("required")
        required = [r for r in declared if isinstance(r, str)] if isinstance(declared, list) else []
        out: dict[str, Any] = {}
        for key, sub in props.items():
            if depth < _MAX_DEPTH or key in required:
                out[key] = self.value(sub, key, depth + 1)
        extra = schema.get("additionalProperties")
        extra_schema = extra if isinstance(extra, Mapping) else {"type": "string"}
        missing = [r for r in required if r not in out]
        wanted = _whole(schema.get("minProperties"), 0)
        missing += [f"key{i}" for i in range(len(out) + len(missing), wanted)]
        for key in missing:
            out[key] = self.value(extra_schema, key, depth + 1)
        return out

    def array(self, schema: Mapping[str, Any], name: str | None, depth: int) -> list[Any]:
        prefix = schema.get("prefixItems")
        prefix = prefix if isinstance(prefix, list) else []
        items = self.resolve(schema.get("items", {}))
        low = _whole(schema.get("minItems"), 0)
        high = _whole(schema.get("maxItems"), 1 << 16)
        wanted = max(low if depth >= _MAX_DEPTH else max(low, 1), len(prefix))
        if self.kind(items) in ("integer", "number") and "enum" not in items:
            wanted = max(wanted, len(prefix) + len(self.numbers))
        wanted = min(wanted, high)
        out = [self.value(sub, name, depth + 1) for sub in prefix[:wanted]]
        out += [self.value(items, name, depth + 1) for _ in range(wanted - len(out))]
        return _unique(out) if schema.get("uniqueItems") else out

    def number(self, schema: Mapping[str, Any], integer: bool) -> int | float:
        value: int | float = self.numbers.pop(0) if self.numbers else 1
        if integer and value != int(value):
            value = round(value)
        bounds = {k: _number_or_none(schema.get(k)) for k in _BOUNDS}
        low, high = bounds["minimum"], bounds["maximum"]
        ex_low, ex_high = bounds["exclusiveMinimum"], bounds["exclusiveMaximum"]
        if low is not None and value < low:
            value = low
        if ex_low is not None and value <= ex_low:
            value = ex_low + 1
        if high is not None and value > high:
            value = high
        if ex_high is not None and value >= ex_high:
            value = ex_high - 1
        multiple = schema.get("multipleOf")
        if isinstance(multiple, (int, float)) and not isinstance(multiple, bool) and multiple > 0:
            value = math.ceil(value / multiple) * multiple
        if integer:
            return math.ceil(value)
        return value

    def string(self, schema: Mapping[str, Any], name: str | None) -> str:
        fmt = schema.get("format")
        if isinstance(fmt, str) and fmt in _FORMATS:
            text = _FORMATS[fmt]
        elif self.words:
            text = self.words.pop(0)
        else:
            text = name or "example"
        low, high = schema.get("minLength"), schema.get("maxLength")
        if isinstance(low, int) and len(text) < low:
            text += "x" * (low - len(text))
        if isinstance(high, int):
            text = text[:high]
        return text


def _number_or_none(value: Any) -> int | float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _whole(value: Any, default: int) -> int:
    return (
        value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default
    )


def _unique(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        while (
            value in seen and isinstance(value, (str, int, float)) and not isinstance(value, bool)
        ):
            value = value + "x" if isinstance(value, str) else value + 1
        seen.append(value)
    return seen
