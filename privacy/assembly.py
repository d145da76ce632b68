"""The composition root: the one place that builds the server from its settings — its databases, the outbox
worker, the limits and the templates, each feature (its endpoints and the work it does while the server runs)
with those handed to it, and the content they answer from.

``create_app`` (privacy/app.py) serves what this builds; the DPO's commands open the same databases through
``backends.open_stores``. Nothing is kept anywhere else: the server's lifespan starts each feature's work, stops
it, then the databases' upkeep and the databases themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from starlette.routing import BaseRoute

from . import i18n
from .backends import open_stores
from .consent.feature import ConsentFeature
from .content import Content, load_content
from .feature import Feature
from .rate_limits import Limit
from .render import Renderer
from .rights.feature import RightsFeature
from .rights.handling import Desk
from .rights.limits import Limits
from .rights.outbox import Worker
from .rights.transport import transport_for
from .settings import Settings, prepare_var_dir
from .snapshot import Published, following_builds, manifest_identity
from .stores import OutboxMail, RightsDatabase, Stores


class ContentError(Exception):
    def __init__(self, content: Content) -> None:
        super().__init__("the content has errors")
        self.content = content


@dataclass
class Server:
    settings: Settings
    # The content served now, with what the features work out from it: replaced whole after each build.
    published: Published
    stores: Stores
    features: list[Feature]

    @property
    def content(self) -> Content:
        """The content served now; a request takes ``published.current`` once and keeps it instead."""
        return self.published.current.content

    def routes(self) -> list[BaseRoute]:
        return [route for feature in self.features for route in feature.routes()]

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """For the server's lifetime: the databases' upkeep (the last to stop: its final step follows every
        write), each feature's work, and the content of each new build served without a restart."""
        try:
            async with AsyncExitStack() as stack:
                await stack.enter_async_context(self.stores.upkeep())
                for feature in self.features:
                    await stack.enter_async_context(feature.lifespan())
                await stack.enter_async_context(
                    following_builds(self.published, self.settings.content_dir, self.settings.public_dir)
                )
                yield
        finally:
            self.stores.close()


def _outbox_worker(settings: Settings, published: Published, database: RightsDatabase) -> Worker:
    """The delivery of the rights requests' mails, inside the server."""

    def compose(mail: OutboxMail) -> bytes:
        # A draft is written with the site as it is published when the mail is sent.
        return Desk(settings, published.current.content, database).compose(mail)

    return Worker(database, transport_for(settings), settings.mail_from, compose=compose, commits=database.commits())


def _rights_limits(settings: Settings) -> Limits:
    (per_address, address_seconds), (per_email, email_seconds) = settings.rights_limits
    return Limits(Limit(per_address, address_seconds), Limit(per_email, email_seconds))


def assemble(settings: Settings, content: Content | None = None) -> Server:
    # Looked at before the content is read: a build that ends meanwhile is read again.
    seen = manifest_identity(settings.public_dir)
    content = content or load_content(settings.content_dir)
    if content.errors:
        raise ContentError(content)
    prepare_var_dir(settings)
    stores = open_stores(settings)
    try:
        published = Published(content, seen)
        # One environment per language for every page the server writes (the rights pages, the consent
        # receipt's confirmation), made once.
        renderer = Renderer(i18n.available_languages())
        worker = _outbox_worker(settings, published, stores.rights)
        features: list[Feature] = [
            ConsentFeature(settings, published, stores.consent, Limit(*settings.consent_limits), renderer),
            RightsFeature(settings, published, stores.rights, worker, _rights_limits(settings), renderer),
        ]
    except BaseException:
        stores.close()
        raise
    return Server(settings, published, stores, features)
