"""Serving a person's file (an upload, or a PDF we generated about them): one way, everywhere.

``attachment_response`` is the only place that answers a stored or generated file
(``tanzim/common/tests/test_files_serving.py`` fails if another module builds a FileResponse):

- ``Content-Disposition: attachment`` with an ASCII ``filename`` and the exact UTF-8 name in
  ``filename*`` (RFC 6266 / RFC 5987), path separators, quotes and control characters removed;
- the content type **we** found by inspecting the content (``uploads.inspect_upload``), only one
  of the types we accept, anything else ``application/octet-stream``; never the uploader's;
- ``Content-Security-Policy: sandbox`` (opened anyway, a file runs no script and reaches no
  cookie), ``X-Content-Type-Options: nosniff``, ``Cache-Control: private, no-store`` and
  ``Cross-Origin-Resource-Policy: same-origin``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import IO, Any
from urllib.parse import quote

from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase

SERVED_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png", "application/zip", "text/calendar"})
FALLBACK_TYPE = "application/octet-stream"
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def safe_filename(name: str) -> str:
    """A file name with no path, quote, separator or control character; never empty."""
    name = unicodedata.normalize("NFC", str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .") or "file"
    return name[:150]


def content_disposition(filename: str) -> str:
    name = safe_filename(filename)
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def protect(response: HttpResponseBase, *, filename: str) -> HttpResponseBase:
    response["Content-Disposition"] = content_disposition(filename)
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def attachment_response(
    source: IO[bytes] | Any | bytes, *, filename: str, content_type: str
) -> HttpResponseBase:
    """A download of ``source`` (an open file, a FieldFile, or bytes) that a browser will not run."""
    served = content_type if content_type in SERVED_TYPES else FALLBACK_TYPE
    response: HttpResponseBase
    if isinstance(source, bytes | bytearray):
        response = HttpResponse(bytes(source), content_type=served)
    else:
        response = FileResponse(source, content_type=served)
    return protect(response, filename=filename)
