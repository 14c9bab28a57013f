"""``/files/<token>/<name>``: the one route that answers a person's stored file.

The page or API view that found the file has checked the reader's scope and logged the read, then
sent them here with a signed link (``tanzim.common.files.file_redirect``). This view checks only the
link: signature and age (``FILE_LINK_SECONDS``), the name in the address, the host (only
``FILES_ORIGIN``'s when one is set), the reader (a signed-in person other than the one the link was
made for is refused; a request without a session — the cookie-less files host, an API client — is
served on the link alone), and that the row still holds the same stored file. Every refusal is the
same 404 as a link to a file that does not exist.
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from tanzim.common.files import attachment_response, files_host, fingerprint, read_file_link, safe_filename


@require_safe
def user_file(request: HttpRequest, token: str, name: str) -> HttpResponseBase:
    link = read_file_link(token)
    if link is None or safe_filename(name) != link.filename:
        raise Http404()
    host = files_host()
    if host and request.get_host() != host:
        raise Http404()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.pk != link.user_id:
        raise Http404()
    try:
        model = apps.get_model(link.model)
        row = model._default_manager.filter(pk=link.pk).first()
    except (LookupError, ValueError, TypeError, ValidationError):
        raise Http404() from None
    stored = getattr(row, link.field, None) if row is not None else None
    if not stored or not getattr(stored, "name", "") or fingerprint(stored.name) != link.fingerprint:
        raise Http404()
    try:
        handle = stored.open("rb")
    except (OSError, ValueError):
        raise Http404() from None
    return attachment_response(handle, filename=link.filename, content_type=link.content_type)
