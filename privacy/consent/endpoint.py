"""GET and POST /consent: the state a page needs, and the choice a person makes.

The script posts JSON; the same banner rendered as a plain HTML form posts a
urlencoded body and gets a 303 back to its page, so the whole flow works with
JavaScript off. Every answer to bad input is a 4xx in the visitor's language.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .. import i18n
from ..codes import N_, CookieCategory
from ..content import Content, Site
from ..rate_limits import Counter, Limit, Verdict, client_key
from ..settings import Settings
from ..stores import ConsentDatabase, ConsentSession, StorageFailed
from ..web import (
    CROSS_SITE,
    NOT_FOUND,
    TOO_LARGE,
    BodyTooLarge,
    client_address,
    cookie_header,
    error_response,
    json_nesting,
    read_body,
    request_language,
    retry_after,
    same_origin,
    send_answer,
)
from . import log
from .banner import Banner, banner, banner_language, notice_link
from .cookie import ConsentChoice, ConsentCookie, new_consent_id, still_holds
from .inventory import ConsentInventory, consent_inventory

# A choice is a few categories; anything bigger is not from our banner.
MAX_CONSENT_BODY = 4096
MAX_JSON_NESTING = 4  # a choice nests two deep: {"choices": {…}}
MAX_REMEMBERED_QUERIES = 4096
MAX_REMEMBERED_QUERY = 200
JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT = (b"content-type", b"application/json")
NO_STORE = (b"cache-control", b"no-store")
VARY_COOKIE_GPC = (b"vary", b"Cookie, Sec-GPC")
RECEIPT = "/consent/receipt"
RECORDED = "/consent/recorded"

NO_SITE = N_("Say which site this choice is for (the “site” field, or data-site on the widget's script tag).")
WRONG_TYPE = N_("Send the choice as JSON (application/json) or as a form (application/x-www-form-urlencoded).")
BAD_JSON = N_('This request is not valid JSON: send an object such as {"site": "…", "action": "accept"}.')
TOO_DEEP = N_('This request nests too deeply to be a choice: send an object such as {"site": "…", "action": "accept"}.')
BAD_FORM = N_("This form could not be read: send it again from the site's page.")
BAD_ACTION = N_("“%(action)s” is not a choice this banner offers: use one of %(known)s.")
BAD_CATEGORY = N_("“%(category)s” is not a cookie category of this site; its categories are: %(known)s.")
BAD_VALUE = N_("The choice for “%(category)s” must be true or false.")
BAD_RETURN = N_("The page to return to must be a path on this site, such as /contact.")
TOO_MANY_CHOICES = N_(
    "Too many choices were sent from your connection: nothing was changed. Please try again in a few minutes."
)
NOT_RECORDED = N_("Your choice could not be recorded just now: nothing was changed. Please try again in a moment.")


class BadChoice(Exception):
    def __init__(self, status: int, message: str, retry_after: int | None = None, **params: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after
        self.params = params


@dataclass(frozen=True)
class ChoiceRequest:
    site: str
    language: str
    action: log.Action
    choices: dict[str, bool] | None
    gpc: bool
    return_to: str | None
    channel: log.Channel


def safe_return_path(value: str) -> str | None:
    """A path on this site, never another origin: no scheme, no host, no //, no backslash."""
    if not value or len(value) > 2000 or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return None
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _parse_json(body: bytes, gpc_header: bool) -> ChoiceRequest:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadChoice(400, BAD_JSON) from None
    if json_nesting(text) > MAX_JSON_NESTING:
        raise BadChoice(400, TOO_DEEP)
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise BadChoice(400, BAD_JSON) from None
    if not isinstance(data, dict):
        raise BadChoice(400, BAD_JSON)
    choices = data.get("choices")
    if choices is not None and not isinstance(choices, dict):
        raise BadChoice(400, BAD_JSON)
    return ChoiceRequest(
        site=_text(data.get("site")) or "",
        language=_text(data.get("lang")) or "",
        action=_text(data.get("action")) or "",  # type: ignore[arg-type]  # checked in _decide
        choices=choices,
        gpc=gpc_header or data.get("gpc") is True,
        return_to=None,
        channel="script",
    )


def _parse_form(body: bytes, gpc_header: bool) -> ChoiceRequest:
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body), max_num_fields=32)
    except (UnicodeDecodeError, ValueError):
        raise BadChoice(400, BAD_FORM) from None

    def first(name: str) -> str:
        return fields.get(name, [""])[0]

    action = first("action")
    # Unticked boxes are not sent: a form lists only what was granted.
    choices = (
        {category: True for category in fields.get("category", [])} if action in ("customize", "withdraw") else None
    )
    return ChoiceRequest(first("site"), first("lang"), action, choices, gpc_header, first("return") or None, "form")  # type: ignore[arg-type]


def _check_choices(given: dict[str, Any], inventory: ConsentInventory) -> dict[str, bool]:
    known = [CookieCategory.strictly_necessary.value, *inventory.optional_categories]
    for category, value in given.items():
        if category not in known:
            raise BadChoice(400, BAD_CATEGORY, category=str(category)[:64], known=", ".join(known))
        if not isinstance(value, bool):
            raise BadChoice(400, BAD_VALUE, category=category)
    # Strictly necessary cookies are not a choice; only optional ones are recorded.
    return {c: bool(given.get(c, False)) for c in inventory.optional_categories}


def _decide(
    request: ChoiceRequest, inventory: ConsentInventory, previous: ConsentChoice | None
) -> tuple[log.Action, dict[str, bool]]:
    if request.action not in log.ACTIONS:
        raise BadChoice(400, BAD_ACTION, action=str(request.action)[:64], known=", ".join(log.ACTIONS))
    given = _check_choices(request.choices or {}, inventory)
    if request.action == "accept":
        choices = {c: True for c in inventory.optional_categories}
    elif request.action in ("customize", "withdraw") and request.choices is not None:
        choices = given
    else:  # reject, dismiss (silence means refusal), withdraw of everything
        choices = {c: False for c in inventory.optional_categories}
    withdrawn = previous is not None and any(previous.granted(c) and not choices[c] for c in choices)
    return ("withdraw" if withdrawn else request.action), choices


class ConsentEndpoint:
    """GET and POST /consent, one ASGI app. Every page of every site calls it, so a normal answer is
    written straight to the server (bytes encoded once per state, no Response object); refusals take
    the shared, localized error responses."""

    def __init__(self, settings: Settings, content: Content, log: ConsentDatabase, choices: Limit) -> None:
        self.settings = settings
        self.cookie = ConsentCookie(settings.secret_keys)
        # The proof-of-consent log: each choice is answered only once its entry is committed (concurrent
        # choices may share one commit).
        self.log = log
        # What bounds the log's growth: choices per client address, counted in the log's own database, in the
        # transaction that appends the entry (privacy/rate_limits.py).
        self.choices = Counter("consent.address", choices, settings.secret_keys[0])
        self._queries: dict[bytes, tuple[str, str]] = {}
        self._answer_from(content)

    def over(self, content: Content) -> ConsentEndpoint:
        """This endpoint (its signer, log and limits) answering from ``content``, with the inventories and the
        encoded answers of that content only: one for each snapshot the server serves (privacy/snapshot.py)."""
        endpoint = copy.copy(self)
        endpoint._answer_from(content)
        return endpoint

    def _answer_from(self, content: Content) -> None:
        self.content = content
        self.inventories = {site.id: consent_inventory(site) for site in content.sites}
        self.spoken = i18n.available_languages()
        self._banners: dict[tuple[str, str], Banner] = {}
        self._encoded: dict[tuple[str, str, bool, tuple[bool, ...], bool], bytes] = {}
        self._recorded: dict[tuple[str, str, tuple[bool, ...]], bytes] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            if scope["method"] == "POST":
                await self.post(request, send)
            else:  # GET or HEAD: the route admits no other method
                await self.get(request, send)
        except ClientDisconnect:
            pass  # nobody left to answer

    def _banner(self, site: Site, language: str) -> Banner:
        key = (site.id, language)
        if key not in self._banners:
            self._banners[key] = banner(site, language)
        return self._banners[key]

    def _error_language(self, request: Request, explicit: str | None) -> str:
        return request_language(request, i18n.available_languages(), (explicit or "").lower()[:2] or None)

    def _state_body(self, site: Site, language: str, current: ConsentChoice | None, gpc: bool) -> bytes:
        """The state as JSON. A site has few possible states (its optional categories on or off, GPC, decided
        or not): each is encoded once, with the banner's wording, and served from memory afterwards."""
        inventory = self.inventories[site.id]
        granted = tuple(current.granted(c) if current else False for c in inventory.optional_categories)
        key = (site.id, language, current is not None, granted, gpc)
        body = self._encoded.get(key)
        if body is None:
            shown = self._banner(site, language)
            state = {
                "decided": current is not None,
                "choices": dict(zip(inventory.optional_categories, granted, strict=False)),
                "gpc": gpc,
                "receipt": RECEIPT,
                **shown.shown,
                "hash": shown.hash,
            }
            body = self._encoded[key] = _json(state)
        return body

    def _recorded_body(self, inventory: ConsentInventory, action: str, choices: dict[str, bool]) -> bytes:
        """The answer to a recorded choice; as few as the states, so each is encoded once as well."""
        key = (inventory.site_id, action, tuple(choices.values()))
        body = self._recorded.get(key)
        if body is None:
            body = self._recorded[key] = _json(
                {"decided": True, "action": action, "choices": choices, "revision": inventory.revision}
            )
        return body

    def _query(self, request: Request) -> tuple[str, str]:
        """(site, lang) of the query string. Every page of a site asks with the same few query strings,
        so the first ones seen are remembered (bounded in number and length: the query is the visitor's)."""
        raw: bytes = request.scope["query_string"]
        found = self._queries.get(raw)
        if found is None:
            params = request.query_params
            found = (params.get("site", ""), params.get("lang", ""))
            if len(raw) <= MAX_REMEMBERED_QUERY and len(self._queries) < MAX_REMEMBERED_QUERIES:
                self._queries[raw] = found
        return found

    async def get(self, request: Request, send: Send) -> None:
        site_id, asked_language = self._query(request)
        site = self.content.site(site_id) if site_id else None
        if site is None:
            language = i18n.supported_language(asked_language or self._error_language(request, None))
            message = NO_SITE if not site_id else NOT_FOUND
            refusal = error_response(request, 400 if not site_id else 404, message, language, as_json=True)
            await refusal(request.scope, request.receive, send)
            return
        language = banner_language(site, asked_language, self.spoken)
        inventory = self.inventories[site.id]
        current = self.cookie.current(request.cookies.get(inventory.cookie_name), inventory)
        body = self._state_body(site, language, current, request.headers.get("sec-gpc") == "1")
        await send_answer(send, 200, body, [JSON_CONTENT, NO_STORE, VARY_COOKIE_GPC])

    def refuse(
        self, request: Request, as_json: bool, status: int, message: str, explicit: str | None = None, **params: Any
    ) -> Response:
        # The visitor's language is only worked out when there is something to say.
        language = self._error_language(request, explicit)
        return error_response(request, status, message, language, as_json=as_json, **params)

    async def post(self, request: Request, send: Send) -> None:
        headers = request.headers
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        as_json = content_type == JSON_TYPE or JSON_TYPE in headers.get("accept", "")
        refusal: Response | None = None
        if not same_origin(request, self.settings.public_origins):
            refusal = self.refuse(request, as_json, 403, CROSS_SITE)
        elif content_type not in (JSON_TYPE, FORM_TYPE):
            refusal = self.refuse(request, as_json, 415, WRONG_TYPE)
        else:
            try:
                body = await read_body(request, MAX_CONSENT_BODY)
                gpc_header = headers.get("sec-gpc") == "1"
                choice = _parse_json(body, gpc_header) if content_type == JSON_TYPE else _parse_form(body, gpc_header)
            except BodyTooLarge:
                refusal = self.refuse(request, as_json, 413, TOO_LARGE)
            except BadChoice as error:
                refusal = self.refuse(request, as_json, error.status, error.message, **error.params)
            else:
                try:
                    await self._record(request, choice, send)
                    return
                except BadChoice as error:
                    refusal = self.refuse(
                        request, as_json, error.status, error.message, choice.language, **error.params
                    )
                    if error.retry_after is not None:
                        retry_after(refusal, error.retry_after)
                except StorageFailed:
                    # The log is the proof: no cookie without its entry. Nothing was half-written (one
                    # transaction), so the person can simply try again.
                    refusal = self.refuse(request, as_json, 503, NOT_RECORDED, choice.language)
        await refusal(request.scope, request.receive, send)

    def _return_path(self, request: Request, choice: ChoiceRequest, site: Site, language: str) -> str:
        if choice.return_to is not None:
            path = safe_return_path(choice.return_to)
            if path is None:
                raise BadChoice(400, BAD_RETURN)
            return path
        try:
            referer = urlsplit(request.headers.get("referer", ""))
        except ValueError:  # a Referer no URL parser accepts (“http://[x/”): the notice's own settings, then
            return notice_link(site, language, "cookie-settings")
        if referer.netloc and f"{referer.scheme}://{referer.netloc}".lower() in self.settings.public_origins:
            path = safe_return_path(referer.path + (f"?{referer.query}" if referer.query else ""))
            if path:
                return path
        return notice_link(site, language, "cookie-settings")

    async def _record(self, request: Request, choice: ChoiceRequest, send: Send) -> None:
        site = self.content.site(choice.site) if choice.site else None
        if site is None:
            raise BadChoice(400 if not choice.site else 404, NO_SITE if not choice.site else NOT_FOUND)
        inventory = self.inventories[site.id]
        previous = self.cookie.loads(request.cookies.get(inventory.cookie_name), site.id)
        current = still_holds(previous, inventory)
        action, choices = _decide(choice, inventory, current)
        language = self._error_language(request, choice.language)
        return_to = self._return_path(request, choice, site, language) if choice.channel == "form" else None
        shown_language = banner_language(site, choice.language or language, self.spoken)
        now = datetime.now(UTC)
        decided = ConsentChoice(
            consent_id=previous.consent_id if previous else new_consent_id(),
            at=int(now.timestamp()),
            revision=inventory.revision,
            choices=choices,
        )
        entry = log.ConsentRecord(
            consent_id=decided.consent_id,
            recorded_at=now,
            site=site.id,
            revision=inventory.revision,
            banner_hash=self._banner(site, shown_language).hash,
            language=shown_language,
            action=action,
            choices=choices,
            gpc=choice.gpc,
            channel=choice.channel,
        )
        client = client_key(client_address(request))
        verdict = await self.log.write(lambda session: self._append(session, entry, client, now.timestamp()))
        if not verdict.allowed:
            raise BadChoice(429, TOO_MANY_CHOICES, verdict.retry_after)
        cookie = cookie_header(
            inventory.cookie_name,
            self.cookie.dumps(decided, site.id),
            max_age=inventory.lifetime_seconds,
            path="/",
            # Behind a TLS-terminating proxy the app sees http: production always marks it Secure.
            secure=self.settings.production or request.scope.get("scheme") == "https",
            samesite="lax",
        )
        if return_to is not None:
            # Without JavaScript: a page that confirms the choice, with a link back to where it was made.
            confirmation = urlencode({"site": site.id, "lang": shown_language, "return": return_to})
            await send_answer(
                send,
                303,
                b"",
                [(b"location", f"{RECORDED}?{confirmation}".encode("ascii")), NO_STORE, cookie],
            )
        else:
            await send_answer(
                send, 200, self._recorded_body(inventory, action, choices), [JSON_CONTENT, NO_STORE, cookie]
            )

    def _append(self, session: ConsentSession, entry: log.ConsentRecord, client: str, now: float) -> Verdict:
        """The entry appended if the client's limit allows it, with the client's count."""
        verdict = self.choices.take(session.rate_limits, client, now)
        if verdict.allowed:
            session.log.append(entry)
        return verdict


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


class CurrentEndpoint:
    """/consent as the snapshot served when the request arrives answers it, to the end of the request."""

    def __init__(self, current: Callable[[], ConsentEndpoint]) -> None:
        self.current = current

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        return self.current()(scope, receive, send)  # its coroutine, awaited by the router: no frame of our own
