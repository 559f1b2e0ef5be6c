"""CORS for the public photo-upload API: only the charter's own brand site may call it from a browser.

A middleware rather than code in the views because every answer needs the headers — the 403
"not open yet" and the 400 naming a field too, or the guest page's script cannot read why it
was refused — and those answers come from the shared API error handler, which knows nothing of
brands. The origin is checked against the brand of the charter in the path, so one brand's
site can never upload to another brand's charter.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from guestpages.storage import brand_origin_allowed

GUEST_API_PATH = re.compile(r"^/api/guest/(?P<code>[^/]{1,64})/photo-upload(ed)?$")


class GuestApiCorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = GUEST_API_PATH.match(request.path)
        if match is None:
            return response
        response["Vary"] = "Origin"
        origin = request.headers.get("Origin", "")
        if origin and self._allowed(match["code"], origin):
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Content-Type"
            response["Access-Control-Max-Age"] = "600"
        return response

    @staticmethod
    def _allowed(code: str, origin: str) -> bool:
        from guestpages.api import charter_by_code  # the API module loads ninja; only when needed

        charter = charter_by_code(code)
        return charter is not None and brand_origin_allowed(charter.brand, origin)
