"""The rights-request pages (the package's `routes(state)` serves them): the form, the confirmation after sending, and the
emailed address-confirmation link.

Nothing personal appears in a URL: the page after sending finds the request
through a short-lived random cookie, and the emailed link carries a signed
random nonce, not the reference.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..codes import N_
from ..content import Content, Site
from ..i18n import gettext
from ..law import jurisdiction
from ..publish import hashed_name
from ..randomness import token_urlsafe
from ..render import TEMPLATES_DIR, Renderer
from ..settings import Settings
from ..stores import RightsSession, StorageFailed
from ..text import pick
from ..web import (
    CROSS_SITE,
    NOT_FOUND,
    TOO_LARGE,
    BodyTooLarge,
    client_address,
    error_response,
    read_body,
    request_language,
    retry_after,
    same_origin,
    set_cookie,
)
from . import request as rq
from . import requester, store
from .handling import CONFIRM_DAYS, Desk, confirmation_nonce, form_path, notice_path
from .limits import Limits, RightsLimits
from .outbox import Worker

log = logging.getLogger("privacy.rights.pages")

RECEIPT_COOKIE = "rights_receipt"
# When the disk is full or read-only, how soon a visitor is asked to try again.
RETRY_AFTER_STORAGE_SECONDS = 60
RECEIPT_SECONDS = 15 * 60
FORM_TYPE = "application/x-www-form-urlencoded"
STYLESHEETS = {"notice": TEMPLATES_DIR / "assets" / "notice.css", "rights": TEMPLATES_DIR / "rights" / "rights.css"}

NO_FORM = N_("This site does not offer an online request form.")
HONEYPOT_FILLED = N_("This form could not be accepted. If you are a person, leave the last field empty and try again.")
NOT_A_FORM = N_("Send this form from its page: this kind of content is not accepted.")
UNREADABLE = N_("This form could not be read. Go back to the form page and send it again.")
TOO_MANY_POSTS = N_("Too many requests were sent from your connection. Please try again in a few minutes.")
UNAVAILABLE = N_("This could not be done just now. Please try again in a few minutes.")
ERROR_TITLES = {
    400: N_("This form could not be accepted"),
    403: N_("This form cannot be sent from here"),
    404: N_("Page not found"),
    413: N_("This request is too large"),
    415: N_("This form could not be accepted"),
    429: N_("Too many requests"),
    503: N_("Temporarily unavailable"),
}
TOO_MANY_FOR_EMAIL = N_(
    "Several requests were already sent with this email address today. Please try again tomorrow, or write to us."
)


@dataclass
class Pages:
    """The state the endpoints share: content, storage, limits, templates, the outbox worker."""

    desk: Desk
    worker: Worker
    limits: Limits
    renderer: Renderer
    assets: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    counters: RightsLimits = field(init=False)

    def __post_init__(self) -> None:
        self.counters = RightsLimits(self.limits, self.desk.settings.secret_keys[0])
        for name, path in STYLESHEETS.items():
            body = path.read_bytes()
            self.assets[name] = (hashed_name(name, ".css", body), body)

    @property
    def renderer_languages(self) -> list[str]:
        return sorted({lang for site in self.desk.content.sites for lang in site.languages} | {"en"})

    @property
    def settings(self) -> Settings:
        return self.desk.settings

    def over(self, content: Content) -> Pages:
        """These pages (their storage, limits, templates and worker) answering from ``content``: one for each
        snapshot the server serves (privacy/snapshot.py)."""
        pages = copy.copy(self)
        pages.desk = replace(self.desk, content=content)
        return pages

    # --- helpers -------------------------------------------------------------

    def _site(self, request: Request) -> tuple[Site, str] | Response:
        site = self.desk.content.site(request.path_params["site"])
        language = request.path_params["lang"]
        if site is None or language not in site.languages:
            fallback = site.languages[0] if site else "en"
            return self.error(request, site, fallback, 404, NOT_FOUND)
        if not rq.form_offered(site):
            return self.error(request, site, language, 404, NO_FORM)
        return site, language

    def _page(self, site: Site, language: str, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        notice = site.notice
        return self._render(
            language,
            template,
            status,
            n=notice,
            site_id=site.id,
            org=pick(notice.publisher.name, language),
            form_href=form_path(site.id, language),
            notice_href=notice_path(site.id, language),
            switcher=[
                {"lang": other, "href": form_path(site.id, other), "current": other == language}
                for other in site.languages
            ],
            confirm_days=CONFIRM_DAYS,
            # What the form promises is the law's own deadline (law.deadline), or nothing: never one borrowed.
            law=jurisdiction(notice, self.desk.content.registry),
            **context,
        )

    def page(self, site: Site, language: str, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        """A page of the site's rights pages (privacy/rights/requester.py's too)."""
        return self._page(site, language, template, status, **context)

    def site_of(self, request: Request) -> tuple[Site, str] | Response:
        """The site and language of the path, or the page saying there is none."""
        return self._site(request)

    def _render(self, language: str, template: str, status: int, **context: Any) -> HTMLResponse:
        body = self.renderer.render(
            language,
            f"rights/{template}",
            stylesheet=f"/rights/assets/{self.assets['notice'][0]}",
            rights_stylesheet=f"/rights/assets/{self.assets['rights'][0]}",
            **context,
        )
        headers = {"Content-Language": language, "Cache-Control": "no-store"}
        return HTMLResponse(body, status_code=status, headers=headers)

    def error(
        self, request: Request, site: Site | None, language: str, status: int, message: str, **params: Any
    ) -> Response:
        """An error as a page in the site's layout and language (JSON for a client that asks for it)."""
        if "application/json" in request.headers.get("accept", ""):
            return error_response(request, status, message, language, as_json=True, **params)
        text = gettext(language, message) % params if params else gettext(language, message)
        title = ERROR_TITLES.get(status, ERROR_TITLES[400])
        if site is None or language not in site.languages:
            language = language if language in self.renderer_languages else "en"
            return self._render(
                language,
                "error.html",
                status,
                org="",
                n=None,
                switcher=[],
                form_href=None,
                notice_href=None,
                title=title,
                message=text,
            )
        return self._page(site, language, "error.html", status, title=title, message=text)

    def _form(
        self,
        site: Site,
        language: str,
        values: Mapping[str, Any],
        errors: Mapping[str, str],
        status: int = 200,
        unavailable: bool = False,
        refused: str | None = None,
    ) -> HTMLResponse:
        return self._page(
            site,
            language,
            "form.html",
            status,
            unavailable=unavailable,
            refused=refused,
            acting_for=rq.ACTING_FOR,
            rights=site.notice.rights.offered,
            relationships=[(value, rq.relationship_label(value)) for value in rq.relationships(site)],
            values=values,
            errors=errors,
            fields=rq.FIELDS,
            honeypot=rq.HONEYPOT,
            limits={
                "name": rq.NAME_MAX,
                "email": rq.EMAIL_MAX,
                "details": rq.DETAILS_MAX,
                "file_reference": rq.FILE_REFERENCE_MAX,
                "subject_name": rq.SUBJECT_NAME_MAX,
            },
        )

    # --- endpoints -----------------------------------------------------------

    async def without_slash(self, request: Request) -> Response:
        """``/rights/<site>/<lang>`` typed without its slash: to the form, as the notice pages do (307)."""
        found = self._site(request)
        if isinstance(found, Response):
            return found
        site, language = found
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"{form_path(site.id, language)}{query}", status_code=307)

    async def form(self, request: Request) -> Response:
        found = self._site(request)
        if isinstance(found, Response):
            return found
        site, language = found
        if request.method == "POST":
            return await self._submit(request, site, language)
        return self._form(site, language, {}, {})

    async def posted_form(self, request: Request, site: Site, language: str) -> bytes | Response:
        """The body of a form posted from this site's own pages, or the page that refuses the post."""
        if not same_origin(request, self.settings.public_origins):
            return self.error(request, site, language, 403, CROSS_SITE)
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_TYPE:
            return self.error(request, site, language, 415, NOT_A_FORM)
        try:
            return await read_body(request)
        except BodyTooLarge:
            return self.error(request, site, language, 413, TOO_LARGE)

    async def _submit(self, request: Request, site: Site, language: str) -> Response:
        body = await self.posted_form(request, site, language)
        if isinstance(body, Response):
            return body
        client = client_address(request)
        now = time.time()
        parsed = self._read(request, site, language, body)
        if not isinstance(parsed, rq.RightsRequest):
            # Every post counts against its client address, a robot's unreadable ones first of all.
            try:
                posted = await self.desk.db.write(lambda session: self.counters.post(session.rate_limits, client, now))
            except StorageFailed as error:
                # The post cannot be counted, and nothing can be stored either: the mistakes are still shown.
                _storage_failed(error)
                posted = None
            if posted is not None and not posted.allowed:
                page: Response
                if isinstance(parsed, rq.Invalid):  # what they typed stays with them
                    page = self._form(site, language, parsed.values, {}, status=429, refused=TOO_MANY_POSTS)
                else:
                    page = self.error(request, site, language, 429, TOO_MANY_POSTS)
                return retry_after(page, posted.retry_after)
            if isinstance(parsed, rq.Invalid):
                return self._form(site, language, parsed.values, parsed.errors, status=422)
            return parsed
        receipt = token_urlsafe(24)
        # Committed (synchronous=FULL) before the visitor is answered; concurrent requests share one commit,
        # the limits' counts with them.
        accepted = parsed
        try:
            outcome = await self.desk.db.write(
                lambda session: self._admit(session, site, accepted, receipt, client, now)
            )
        except StorageFailed as error:
            # A full or read-only disk: nothing of this request was written (one transaction), nothing stored
            # before is touched. The visitor gets the form back as typed, to send again.
            _storage_failed(error)
            page = self._form(site, language, _typed(accepted), {}, status=503, unavailable=True)
            return retry_after(page, RETRY_AFTER_STORAGE_SECONDS)
        if isinstance(outcome, Refused):
            page = self._form(site, language, _typed(accepted), {}, status=429, refused=outcome.message)
            return retry_after(page, outcome.retry_after)
        self.worker.wake()
        response = RedirectResponse(f"{form_path(site.id, language)}sent", status_code=303)
        set_cookie(
            response,
            RECEIPT_COOKIE,
            receipt,
            max_age=RECEIPT_SECONDS,
            path=f"{form_path(site.id, language)}sent",
            secure=request.url.scheme == "https" or self.settings.production,
            samesite="strict",
        )
        return response

    def _read(
        self, request: Request, site: Site, language: str, body: bytes
    ) -> rq.RightsRequest | rq.Invalid | Response:
        """The request the body holds, the fields in error, or the answer to a body no person sent."""
        try:
            form = parse_qs(
                body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=60, errors="strict"
            )
        except (UnicodeDecodeError, ValueError):
            return self.error(request, site, language, 400, UNREADABLE)
        if any(v.strip() for v in form.get(rq.HONEYPOT, [])):
            return self.error(request, site, language, 400, HONEYPOT_FILLED)
        return rq.parse(site, language, form)

    def _admit(
        self, session: RightsSession, site: Site, parsed: rq.RightsRequest, receipt: str, client: str, now: float
    ) -> store.Submitted | Refused:
        """In one transaction: the post counted, the mailbox's limit checked, the request recorded, and
        counted against its mailbox unless it was a double submission (which sends no mail)."""
        hits = session.rate_limits
        posted = self.counters.post(hits, client, now)
        if not posted.allowed:
            return Refused(TOO_MANY_POSTS, posted.retry_after)
        asked = self.counters.may_request(hits, parsed.email, now)
        if not asked.allowed:
            return Refused(TOO_MANY_FOR_EMAIL, asked.retry_after)
        submitted = self.desk.receive(site, parsed, receipt, session)
        if not submitted.duplicate:
            self.counters.requested(hits, parsed.email, now)
        return submitted

    async def sent(self, request: Request) -> Response:
        found = self._site(request)
        if isinstance(found, Response):
            return found
        site, language = found
        receipt = request.cookies.get(RECEIPT_COOKIE, "")
        record = None
        if receipt:
            record = await self.desk.db.run(lambda session: store.by_receipt(session, receipt, site.id), reading=True)
        return self._page(site, language, "sent.html", record=record)

    async def confirm(self, request: Request) -> Response:
        found = self._site(request)
        if isinstance(found, Response):
            return found
        site, language = found
        token = request.path_params["token"]
        nonce = confirmation_nonce(self.settings, token) or ""
        record = None
        if nonce:
            record = await self.desk.db.run(
                lambda session: store.by_confirmation(session, nonce, site.id), reading=True
            )
        if record is None or record.purged_at is not None:
            return self._page(site, language, "confirm.html", status=400, state="invalid")
        if request.method == "GET":
            # A button, not an automatic confirmation: mail scanners open links on their own.
            state = "done" if record.email_confirmed_at else "ask"
            return self._page(site, language, "confirm.html", state=state, action=request.url.path)
        if not same_origin(request, self.settings.public_origins):
            return self.error(request, site, language, 403, CROSS_SITE)
        try:
            await self.desk.db.run(lambda session: self.desk.confirm_address(session, site, nonce))
        except StorageFailed as error:
            _storage_failed(error)
            page = self._page(site, language, "confirm.html", status=503, state="unavailable", action=request.url.path)
            return retry_after(page, RETRY_AFTER_STORAGE_SECONDS)
        self.worker.wake()
        return self._page(site, language, "confirm.html", state="done")

    async def asset(self, request: Request) -> Response:
        for name, body in self.assets.values():
            if name == request.path_params["name"]:
                return Response(
                    body, media_type="text/css", headers={"Cache-Control": "public, max-age=31536000, immutable"}
                )
        return self.error(request, None, request_language(request, self.renderer_languages), 404, NOT_FOUND)

    def routes(self, current: Callable[[], Pages] | None = None) -> list[BaseRoute]:
        """``current``: the pages of the snapshot served when a request arrives, which answer it to its end."""
        now = current or (lambda: self)

        async def form(request: Request) -> Response:
            return await now().form(request)

        async def without_slash(request: Request) -> Response:
            return await now().without_slash(request)

        async def sent(request: Request) -> Response:
            return await now().sent(request)

        async def confirm(request: Request) -> Response:
            return await now().confirm(request)

        def requester_page(handler: Callable[[Pages, Request], Awaitable[Response]]) -> Callable[..., Any]:
            async def endpoint(request: Request) -> Response:
                pages = now()
                try:
                    return await handler(pages, request)
                except StorageFailed as error:
                    _storage_failed(error)
                    language = request.path_params.get("lang", "en")
                    site = pages.desk.content.site(request.path_params.get("site", ""))
                    return retry_after(
                        pages.error(request, site, language, 503, UNAVAILABLE), RETRY_AFTER_STORAGE_SECONDS
                    )

            return endpoint

        return [
            Route("/rights/{site}/{lang}/status", requester_page(requester.status), methods=["GET", "POST"]),
            Route("/rights/{site}/{lang}/status/{token}", requester_page(requester.status_link), methods=["GET"]),
            Route("/rights/{site}/{lang}/answer/{token}", requester_page(requester.answer), methods=["GET", "POST"]),
            Route("/rights/assets/{name}", self.asset, methods=["GET"]),
            Route("/rights/{site}/{lang}/", form, methods=["GET", "POST"]),
            Route("/rights/{site}/{lang}", without_slash, methods=["GET"]),
            Route("/rights/{site}/{lang}/sent", sent, methods=["GET"]),
            Route("/rights/{site}/{lang}/confirm/{token}", confirm, methods=["GET", "POST"]),
        ]


@dataclass(frozen=True)
class Refused:
    message: str
    retry_after: int


def _storage_failed(error: StorageFailed) -> None:
    # The database's words ("database or disk is full", "attempt to write a readonly database") hold no personal data;
    # no traceback: the operator needs the cause, and the visitor was answered.
    log.error("a rights request could not be stored: %s; the visitor was asked to try again", error)


def _typed(request: rq.RightsRequest) -> dict[str, str | list[str]]:
    """What the visitor typed, to fill the form again."""
    return {
        "rights": [r.value for r in request.rights],
        "name": request.name,
        "email": request.email,
        "relationship": request.relationship,
        "details": request.details,
        "file_reference": request.file_reference,
        "acting_for": request.acting_for,
        "subject_name": request.subject_name,
    }
