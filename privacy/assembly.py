"""The composition root: the one place that builds the server from its settings — its databases, each feature
(its endpoints and the work it does while the server runs), and the content they answer from.

``create_app`` (privacy/app.py) serves what this builds; the DPO's commands open the same databases through
``backends.open_stores``. Nothing is kept anywhere else: the server's lifespan starts each feature's work, stops
it, then the databases' upkeep and the databases themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from starlette.routing import BaseRoute

from .backends import open_stores
from .consent.feature import ConsentFeature
from .content import Content, load_content
from .feature import Feature
from .rights.feature import RightsFeature
from .settings import Settings, prepare_var_dir
from .snapshot import Published, following_builds, manifest_identity
from .stores import Stores


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
        features: list[Feature] = [
            ConsentFeature(settings, published, stores.consent),
            RightsFeature(settings, published, stores.rights),
        ]
    except BaseException:
        stores.close()
        raise
    return Server(settings, published, stores, features)
