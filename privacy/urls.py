"""Every link of the published site comes from here.

Pages link to each other with paths relative to the page itself, so the
output folder can be served from any prefix; canonical and alternate links
become absolute when a base URL is known.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

INDEX = "index.html"


@dataclass(frozen=True)
class SiteUrls:
    site_id: str
    base_url: str | None = None  # where public/<site_id>/ is published

    def page_path(self, language: str, name: str = INDEX) -> str:
        """A path relative to the output root."""
        return f"{self.site_id}/{language}/{name}"

    def absolute(self, language: str, name: str = "") -> str | None:
        if not self.base_url:
            return None
        return f"{self.base_url.rstrip('/')}/{language}/{name}"


def relative(from_path: str, to_path: str) -> str:
    """The link from one output file to another, e.g. ``../../assets/notice.css``."""
    here, there = from_path.split("/")[:-1], to_path.split("/")
    if {"", ".", ".."} & {*here, *there}:
        target = posixpath.relpath(to_path, posixpath.dirname(from_path) or ".")
    else:
        # Both are plain paths under the output root (the usual case, some thirty a page): by their parts,
        # as posixpath.relpath would, without its trips through the working directory.
        common = 0
        while common < min(len(here), len(there)) and here[common] == there[common]:
            common += 1
        target = "/".join([".."] * (len(here) - common) + there[common:]) or "."
    if to_path.endswith(INDEX):
        target = target[: -len(INDEX)] or "./"
    return target


def site_base_url(declared: str | None, deployment: str | None, site_id: str) -> str | None:
    """A site's own base URL wins; otherwise the deployment's, with the site id appended."""
    if declared:
        return declared.rstrip("/") + "/"
    if deployment:
        return f"{deployment.rstrip('/')}/{site_id}/"
    return None
