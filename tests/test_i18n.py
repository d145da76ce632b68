"""CLDR's answers (durations, dates, language names) kept between builds, so a rebuild need not load Babel."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from privacy import i18n
from privacy.pipeline import build
from tests.factories import minimal_notice, write_content

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def fresh_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "_answers", {})
    monkeypatch.setattr(i18n, "_learnt", {})


def test_a_build_keeps_what_babel_answered_in_its_cache_folder(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {"a": minimal_notice()})
    assert build(content, tmp_path / "public").ok
    saved = json.loads((tmp_path / ".public-cache" / i18n.ANSWERS_FILE).read_text(encoding="utf-8"))
    assert saved["answers"]["language_name\x1ffr"] == "Français"
    assert any(key.startswith("format_duration\x1f") for key in saved["answers"])


def test_a_later_process_answers_from_the_cache_without_importing_babel(tmp_path: Path) -> None:
    assert i18n.format_duration("13 months", "fr") == "13\xa0mois"
    i18n.save_answers(tmp_path)
    probe = (
        "import sys; from pathlib import Path; from privacy import i18n; "
        f"i18n.load_answers(Path({str(tmp_path)!r})); "
        "print(i18n.format_duration('13 months', 'fr'), 'babel' in sys.modules, sep='|')"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip().split("|") == ["13\xa0mois", "False"]


def test_answers_from_another_babel_or_a_damaged_file_are_not_used(tmp_path: Path) -> None:
    wrong = {"babel": "some other install", "answers": {"format_day\x1f2026-01-02\x1ffr": "not a date"}}
    (tmp_path / i18n.ANSWERS_FILE).write_text(json.dumps(wrong), encoding="utf-8")
    i18n.load_answers(tmp_path)
    assert i18n.format_day(date(2026, 1, 2), "fr") == "2 janvier 2026"
    (tmp_path / i18n.ANSWERS_FILE).write_text("{not json", encoding="utf-8")
    i18n.load_answers(tmp_path)  # ignored, not an error
    assert i18n.language_name("en") == "English"


def test_answers_learnt_by_worker_processes_reach_the_cache(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", {f"s{n:02d}": minimal_notice() for n in range(20)})
    assert build(content, tmp_path / "public", workers=2).ok  # 20 sites: rendered by two worker processes
    saved = json.loads((tmp_path / ".public-cache" / i18n.ANSWERS_FILE).read_text(encoding="utf-8"))
    # Durations are only worked out while rendering a notice, in the workers (the index needs none).
    assert any(key.startswith("format_duration\x1f") for key in saved["answers"])


def test_a_cache_folder_that_cannot_be_written_is_no_error(tmp_path: Path) -> None:
    i18n.format_duration("6 months", "en")
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    i18n.save_answers(blocked)  # no exception: the next build is only slower
    assert i18n.take_learnt()  # still to be saved
