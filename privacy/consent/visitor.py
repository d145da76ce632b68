"""What a visitor gets back from their choice: the receipt (``GET /consent/receipt``) and, when the choice was
posted without JavaScript, a page that confirms it (``GET /consent/recorded``) with a link back to their page.

Both read the visitor's own consent cookie: nothing personal travels in the URL, and nobody else's choice can be
asked for.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from .. import i18n
from ..codes import N_, CookieCategory
from ..publish import hashed_name
from ..render import TEMPLATES_DIR, Renderer
from ..text import pick
from ..web import NOT_FOUND, error_response
from .banner import banner_language, notice_link
from .receipt import receipt

if TYPE_CHECKING:
    from .endpoint import ConsentEndpoint

NO_CHOICE = N_(
    "No choice about cookies is recorded for this site in this browser (it may refuse cookies, or the choice has "
    "expired): make one from the cookie settings."
)
BAD_FORMAT = N_("Ask for the receipt as text (format=text) or as JSON (format=json).")
NOTICE_STYLESHEET = TEMPLATES_DIR / "assets" / "notice.css"
NO_STORE = {"Cache-Control": "no-store"}


class VisitorPages:
    """The receipt and the confirmation page, for the endpoint serving the current snapshot."""

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer
        # The build publishes the notice's stylesheet under this name (privacy/pipeline.py).
        self.stylesheet = f"/assets/{hashed_name('notice', '.css', NOTICE_STYLESHEET.read_bytes())}"

    async def receipt(self, endpoint: ConsentEndpoint, request: Request) -> Response:
        params = request.query_params
        site = endpoint.content.site(params.get("site", ""))
        if site is None:
            return endpoint.refuse(request, False, 404, NOT_FOUND, params.get("lang"))
        language = banner_language(site, params.get("lang"), endpoint.spoken)
        wanted = params.get("format", "text")
        if wanted not in ("text", "json"):
            return error_response(request, 400, BAD_FORMAT, language)
        inventory = endpoint.inventories[site.id]
        choice = endpoint.cookie.loads(request.cookies.get(inventory.cookie_name), site.id)
        if choice is None:
            return error_response(request, 404, NO_CHOICE, language, as_json=wanted == "json")
        # The cookie holds the choice's second: its entry in the log, if the log still keeps it.
        made_at = datetime.fromtimestamp(choice.at, UTC)
        entry = await endpoint.log.run(
            lambda session: session.log.proof_of(site.id, choice.consent_id, made_at), reading=True
        )
        issued = receipt(site, inventory, choice, entry, language, endpoint.settings.secret_keys[0])
        name = f"consent-receipt-{site.id}-{choice.at}"
        if wanted == "json":
            body, media, name = issued.as_json(), "application/json", name + ".json"
        else:
            body, media, name = issued.as_text(site, inventory, language), "text/plain; charset=utf-8", name + ".txt"
        headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"', "Content-Language": language}
        return Response(body, media_type=media, headers=headers)

    async def recorded(self, endpoint: ConsentEndpoint, request: Request) -> Response:
        """The page a choice posted without JavaScript leads to: what is now recorded, and the way back."""
        from .endpoint import safe_return_path

        params = request.query_params
        site = endpoint.content.site(params.get("site", ""))
        if site is None:
            return endpoint.refuse(request, False, 404, NOT_FOUND, params.get("lang"))
        language = banner_language(site, params.get("lang"), endpoint.spoken)
        inventory = endpoint.inventories[site.id]
        choice = endpoint.cookie.current(request.cookies.get(inventory.cookie_name), inventory)
        back = safe_return_path(params.get("return", "")) or notice_link(site, language, "cookie-settings")
        choices = [
            {
                "label": i18n.gettext(language, CookieCategory(category).label),
                "allowed": choice is not None and choice.granted(category),
            }
            for category in inventory.optional_categories
        ]
        receipt_href = f"/consent/receipt?site={site.id}&lang={language}"
        body = self.renderer.render(
            language,
            "consent/recorded.html",
            org=pick(site.notice.publisher.name, language),
            stylesheet=self.stylesheet,
            choice=choice,
            day=i18n.format_day(datetime.fromtimestamp(choice.at, UTC).date(), language) if choice else "",
            choices=choices,
            back=back,
            settings_href=notice_link(site, language, "cookie-settings"),
            receipt_text=f"{receipt_href}&format=text",
            receipt_json=f"{receipt_href}&format=json",
        )
        return HTMLResponse(
            body, status_code=200 if choice else 404, headers={**NO_STORE, "Content-Language": language}
        )
