"""The build benchmark's synthetic sites are valid content: no timing here, only that the corpus loads."""

from __future__ import annotations

from pathlib import Path

import yaml

from bench.corpus import edit_site, write_corpus
from privacy.content import load_content


def test_the_synthetic_sites_load_with_no_error(tmp_path: Path) -> None:
    ids = write_corpus(tmp_path / "content", 3)
    content = load_content(tmp_path / "content")
    assert content.errors == []
    assert [site.id for site in content.sites] == ids == ["site-0000", "site-0001", "site-0002"]
    names = {str(site.notice.publisher.name) for site in content.sites}
    assert len(names) == 3, "each synthetic site is named after itself"


def test_a_one_site_edit_keeps_the_site_valid(tmp_path: Path) -> None:
    root = tmp_path / "content"
    write_corpus(root, 3)
    edit_site(root, "site-0001", "smoke")
    content = load_content(root)
    assert content.errors == []
    assert "Updated smoke." in yaml.safe_load((root / "site-0001" / "policy.yaml").read_text())["introduction"]["en"]
