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

A stored file (an upload, or a PDF we stored) is never answered at the page or API route that
found it: that view checks who may read it (404 when it is not theirs), logs the confidential
read, and answers ``file_redirect``: a 303 to a short-lived signed link under ``/files/``
(``FILE_LINK_SECONDS``), bound to that file and to the person who asked, on ``FILES_ORIGIN``
when one is configured (a host of its own, cookie-less). ``tanzim.common.file_views.user_file``
is the one view that serves such a link (docs/operations.md, "Files").
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core import signing
from django.db.models import Model
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse

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


# --- the signed link to a stored file -----------------------------------------------------------

FILE_LINK_SECONDS = 300  # long enough to follow a redirect (and retry once), short enough to be useless later
_SALT = "tanzim.common.files.link"


class SeeOther(HttpResponseRedirect):
    status_code = 303


@dataclass(frozen=True)
class FileLink:
    """What a valid link names: one field of one row, its stored name, who asked, how to serve it."""

    model: str  # app_label.modelname
    pk: str
    field: str
    fingerprint: str  # of the stored name: a file replaced since is another file
    user_id: int
    filename: str
    content_type: str


def fingerprint(stored_name: str) -> str:
    return hashlib.sha256(f"{_SALT}:{stored_name}".encode()).hexdigest()[:20]


def files_host() -> str:
    """The host of ``FILES_ORIGIN`` (``files.example:8443``), or "" when files share the site's origin."""
    return urlsplit(settings.FILES_ORIGIN).netloc if settings.FILES_ORIGIN else ""


def file_link(obj: Model, *, user: Any, filename: str, content_type: str, field: str = "file") -> str:
    """The signed address of ``obj.<field>`` for ``user``: valid for ``FILE_LINK_SECONDS``."""
    name = safe_filename(filename)
    token = signing.dumps(
        {
            "m": obj._meta.label_lower,
            "k": str(obj.pk),
            "f": field,
            "h": fingerprint(getattr(obj, field).name),
            "u": user.pk,
            "n": name,
            "c": content_type,
        },
        salt=_SALT,
        compress=True,
    )
    path = reverse("user-file", kwargs={"token": token, "name": name})
    return settings.FILES_ORIGIN.rstrip("/") + path if settings.FILES_ORIGIN else path


def file_redirect(
    obj: Model, *, user: Any, filename: str, content_type: str, field: str = "file"
) -> HttpResponseRedirect:
    """303 to the signed link: the caller has checked that ``user`` may read the file, and logged it."""
    response = SeeOther(file_link(obj, user=user, filename=filename, content_type=content_type, field=field))
    response["Cache-Control"] = "private, no-store"
    return response


def read_file_link(token: str) -> FileLink | None:
    """The link ``token`` names, or None: forged, altered, expired or malformed alike."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=FILE_LINK_SECONDS)
        link = FileLink(
            model=str(data["m"]),
            pk=str(data["k"]),
            field=str(data["f"]),
            fingerprint=str(data["h"]),
            user_id=int(data["u"]),
            filename=str(data["n"]),
            content_type=str(data["c"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return link
