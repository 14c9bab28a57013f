"""The API's JSON parser: DRF's, with a bound on nesting.

A body of 100,000 opening brackets made the JSON decoder raise ``RecursionError``, which no
handler expected (a 500). Nothing Tanzim accepts is nested more than a few levels (a dispute's
parties, a settlement's instalments), so a body nested deeper than ``API_MAX_JSON_DEPTH`` is
refused as unparseable, before any serializer walks it recursively.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def raw_json_depth(body: bytes) -> int:
    """How deeply a JSON text nests, read from its bytes without decoding (and without recursion).

    Brackets inside strings do not count; an unterminated string's brackets do, which can only
    make an invalid body look deeper.
    """
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(itertools.accumulate(_STEP[b] for b in brackets), default=0)


def json_depth_exceeds(value: object, limit: int) -> bool:
    """Whether a decoded JSON value nests lists and objects more than ``limit`` deep (no recursion)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: list[object] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON body is nested too deeply.")) from None
        if json_depth_exceeds(data, settings.API_MAX_JSON_DEPTH):
            raise ParseError(_("The JSON body is nested too deeply."))
        return data
