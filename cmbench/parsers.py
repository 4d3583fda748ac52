"""The API's one JSON parser: any body either parses into plain values or is a 400 that says why.

DRF's JSONParser lets three bodies through to a 500 or an unhelpful 400:
- 50,000 nested `[` (50 kB, within the body limit) exhaust the recursion of
  Python's json module: RecursionError, a 500;
- a 5,000-digit number exceeds `int()`'s digit limit (sys.get_int_max_str_digits,
  4,300): a 400 carrying Python's internal message, in English;
- a body that is not UTF-8, or not JSON, gets the decoder's message, in English.

Here a body nested deeper than MAX_DEPTH lists and objects is refused whole
(no answer of the API nests more than two), an integer longer than
MAX_INT_DIGITS digits is kept exactly as a `Decimal` (no field takes one
that large: the field's validation refuses it by name, out of range), and
every refusal is a translated message. NaN and Infinity are refused, as
DRF's strict mode does. Lone surrogates (`"\\ud800"`) and NUL are valid JSON
and parse; the fields' validation refuses them by name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import IO, Any

from django.utils.translation import gettext, gettext_noop
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, get_encoding
from rest_framework.renderers import JSONRenderer

# Levels of lists and objects a body may have (an answer has two: the object, a list of codes).
MAX_DEPTH = 32
# Longer integers become Decimals: beyond a float's range, and far below int()'s limit.
MAX_INT_DIGITS = 300

# Translated when raised, in the request's language (the API views activate it first).
MESSAGES = {
    "not_json": gettext_noop("The request body is not valid JSON."),
    "not_json_at": gettext_noop(
        "The request body is not valid JSON (line %(line)s, column %(column)s)."
    ),
    "not_utf8": gettext_noop("The request body is not valid JSON: it is not UTF-8 text."),
    "too_deep": gettext_noop(
        "The request body is nested too deeply: at most %(depth)s levels of lists and objects."
    ),
}


class BoundedJSONParser(BaseParser):
    """`application/json`, parsed into dicts, lists, str, int, float, Decimal, bool and None."""

    media_type = "application/json"
    renderer_class = JSONRenderer

    def parse(
        self,
        stream: IO[bytes] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        encoding = get_encoding(parser_context or {})
        body = stream.read() if stream is not None else b""
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            raise ParseError(gettext(MESSAGES["not_utf8"])) from None
        try:
            data = json.loads(text, parse_constant=_refuse_constant, parse_int=_parse_int)
        except RecursionError:
            raise ParseError(_too_deep()) from None
        except json.JSONDecodeError as error:
            raise ParseError(
                gettext(MESSAGES["not_json_at"]) % {"line": error.lineno, "column": error.colno}
            ) from None
        except ValueError:
            raise ParseError(gettext(MESSAGES["not_json"])) from None
        if nesting_depth(data, stop_after=MAX_DEPTH) > MAX_DEPTH:
            raise ParseError(_too_deep())
        return data


def _too_deep() -> str:
    return gettext(MESSAGES["too_deep"]) % {"depth": MAX_DEPTH}


def _refuse_constant(name: str) -> Any:
    # NaN, Infinity and -Infinity are not JSON (RFC 8259); json.loads takes them by default.
    raise ValueError(f"{name} is not JSON")


def _parse_int(digits: str) -> int | Decimal:
    return int(digits) if len(digits) <= MAX_INT_DIGITS else Decimal(digits)


def nesting_depth(data: Any, *, stop_after: int | None = None) -> int:
    """Levels of lists and objects in `data` (a scalar: 0), without recursion.

    With `stop_after`, returns as soon as a level deeper than that is found.
    """
    deepest = 0
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, level = pending.pop()
        if isinstance(value, Mapping):
            children: Any = value.values()
        elif isinstance(value, list | tuple):
            children = value
        else:
            continue
        deepest = max(deepest, level)
        if stop_after is not None and deepest > stop_after:
            return deepest
        pending.extend((child, level + 1) for child in children)
    return deepest
