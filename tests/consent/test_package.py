"""widget/ as an npm package: `npm pack` makes the tarball, its type declarations hold against TypeScript, and a
page that imports the ES module from the tarball works in Debian's Chromium against the real server."""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from privacy.consent.widget import WIDGET_DIR
from tests.consent.conftest import OPT_IN
from tests.consent.pages import SPA, page
from tests.consent.test_browser import Server, open_page, serving, tracker_runs
from tests.support.quality import NODE_MODULES, ROOT, collect_console_errors

PACKAGE = "@privacy-notices/consent-widget"
TSC = NODE_MODULES / "typescript" / "bin" / "tsc"
APP = f"""import {{ PrivacyConsent }} from '/test/node_modules/{PACKAGE}/consent.mjs';
PrivacyConsent.start({{ site: '{OPT_IN}' }});
window.fromPackage = PrivacyConsent;
"""
# How a web team's TypeScript uses the API; each @ts-expect-error proves the declarations are not `any`.
TYPED = f"""import {{ PrivacyConsent, type ConsentChange, type ConsentChoices }} from '{PACKAGE}';

PrivacyConsent.start({{ site: '{OPT_IN}' }});
const allowed: boolean | null = PrivacyConsent.allowed('audience_measurement');
const choices: ConsentChoices = PrivacyConsent.choices();
const stop: () => void = PrivacyConsent.on('change', (change: ConsentChange) => {{
  const revision: string = change.revision;
  const analytics: 'granted' | 'denied' | undefined = change.consentMode?.analytics_storage;
  console.log(revision, analytics, change.action === 'load', change.gpc, change.decided);
}});
document.addEventListener('privacy-consent:change', (event) => {{
  const decided: boolean = event.detail.decided;
  console.log(decided);
}});
window.PrivacyConsent.apply(document.body);
window.PrivacyConsent.open();
stop();
console.log(allowed, choices);
// @ts-expect-error: allowed() answers boolean | null, never a string
const wrong: string = PrivacyConsent.allowed('advertising');
// @ts-expect-error: the only event is 'change'
PrivacyConsent.on('changed', () => undefined);
// @ts-expect-error: start needs the site
PrivacyConsent.start({{}});
console.log(wrong);
"""


def npm_pack(into: Path) -> Path:
    done = subprocess.run(
        ["npm", "pack", "--json", "--ignore-scripts", "--offline", "--pack-destination", str(into)],
        cwd=WIDGET_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (packed,) = json.loads(done.stdout)
    return into / str(packed["filename"])


@pytest.fixture(scope="module")
def tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return npm_pack(tmp_path_factory.mktemp("npm-pack"))


def unpack(tarball: Path, node_modules: Path) -> Path:
    target = node_modules / PACKAGE
    with tarfile.open(tarball) as tar:
        tar.extractall(node_modules / "_unpacked", filter="data")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(node_modules / "_unpacked" / "package", target)
    return target


def test_the_tarball_holds_the_module_the_classic_script_and_the_declarations(tarball: Path) -> None:
    with tarfile.open(tarball) as tar:
        names = sorted(n.removeprefix("package/") for n in tar.getnames())
    assert names == [
        "README.md",
        "consent-embeds.js",
        "consent-mode.js",
        "consent.css",
        "consent.d.ts",
        "consent.js",
        "consent.mjs",
        "package.json",
    ]
    manifest = json.loads((WIDGET_DIR / "package.json").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert manifest["version"] == project["version"]
    assert manifest["exports"]["."] == {"types": "./consent.d.ts", "import": "./consent.mjs", "default": "./consent.js"}


def test_the_declarations_type_a_web_teams_code(tarball: Path, tmp_path: Path) -> None:
    assert TSC.is_file(), "typescript is missing from node_modules: run npm ci"
    unpack(tarball, tmp_path / "node_modules")
    (tmp_path / "app.ts").write_text(TYPED, encoding="utf-8")
    config = {
        "compilerOptions": {
            "strict": True,
            "noEmit": True,
            "target": "es2020",
            "module": "esnext",
            "moduleResolution": "bundler",
            "lib": ["es2020", "dom"],
        },
        "files": ["app.ts"],
    }
    (tmp_path / "tsconfig.json").write_text(json.dumps(config), encoding="utf-8")
    done = subprocess.run(
        ["node", str(TSC), "-p", str(tmp_path)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, tarball: Path) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("consent-package"), PRIVACY_CONSENT_LIMITS="100000/600") as running:
        test = Path(running.settings.public_dir) / "test"
        folder = unpack(tarball, test / "node_modules")
        (test / "pkg-app.mjs").write_text(APP, encoding="utf-8")
        head = f'<link rel="stylesheet" href="/test/node_modules/{PACKAGE}/consent.css">\n'
        head += '<script src="/test/spa.js"></script>\n<script type="module" src="/test/pkg-app.mjs"></script>\n'
        body = "<p>From the npm package.</p>"
        html = page("en", OPT_IN, "", "", "Package", body, head)
        # page() embeds the server's files too; this page loads the package's only.
        html = "\n".join(line for line in html.splitlines() if 'href="/"' not in line and 'src="/"' not in line)
        (test / "pkg.html").write_text(html, encoding="utf-8")
        assert (folder / "consent.mjs").is_file()
        assert SPA in (test / "spa.js").read_text(encoding="utf-8")
        yield running


def test_a_page_importing_the_tarball_gets_the_whole_widget(page: Page, server: Server) -> None:
    errors = collect_console_errors(page)
    open_page(page, server, "/test/pkg.html")
    region = page.get_by_role("region", name="Cookies on this site")
    expect(region).to_be_visible()
    assert page.evaluate("() => window.fromPackage.allowed('audience_measurement')") is None
    assert page.locator("script[src^='/assets/']").count() == 0
    # Its placeholder part comes from the package's folder, beside the module.
    page.evaluate("() => addEmbeds(1)")
    expect(page.get_by_role("group", name="Video 1")).to_be_visible()
    assert page.locator(f"script[src$='/test/node_modules/{PACKAGE}/consent-embeds.js']").count() == 1
    region.get_by_role("button", name="Accept all").click()
    page.wait_for_function("() => window.trackerRuns === 1")
    assert tracker_runs(page) == 1
    expect(page.get_by_title("Video 1")).to_have_attribute("src", "about:blank#video-1")
    assert server.records(OPT_IN)[-1].action == "accept"
    assert errors == []
