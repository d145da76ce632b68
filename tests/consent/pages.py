"""The organization's own pages the browser tests open: each embeds the widget as docs/consent.md says."""

from __future__ import annotations

from tests.consent.conftest import ESSENTIAL, OPT_IN

# A site that maps Google Consent Mode (tests/consent/test_consent_mode.py serves it).
CONSENT_MODE = "google-tags"

# Records every privacy-consent:change event, and what the API answers at each one (loaded before the widget).
LISTENER = """window.consentEvents = [];
document.addEventListener('privacy-consent:change', function (e) {
  window.consentEvents.push(JSON.parse(JSON.stringify(e.detail)));
});
"""
# A single-page application: adds marked elements after load, without calling the widget.
SPA = """window.addEmbeds = function (n) {
  var main = document.querySelector('main');
  var s = document.createElement('script');
  s.type = 'text/plain';
  s.dataset.consent = 'audience_measurement';
  s.dataset.src = '/test/tracker.js';
  main.appendChild(s);
  var f = document.createElement('iframe');
  f.dataset.consent = 'audience_measurement';
  f.dataset.src = 'about:blank#video-' + n;
  f.dataset.provider = 'Vidéo Exemple';
  f.title = 'Video ' + n;
  main.appendChild(f);
};
"""
# The Google tag as a test double: it reads the dataLayer the way gtag.js does, and sends nothing anywhere.
GTAG_STUB = """window.consentAtFirstTag = JSON.stringify((window.dataLayer || []).map(function (a) {
  return Array.prototype.slice.call(a);
}));
window.gtagConsent = function () {
  var state = {};
  (window.dataLayer || []).forEach(function (a) {
    if (a[0] === 'consent') for (var k in a[2]) if (k !== 'wait_for_update') state[k] = a[2][k];
  });
  return state;
};
"""


def page(lang: str, site: str, script: str, stylesheet: str, title: str, body: str, head: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="icon" href="data:,">
{head}<link rel="stylesheet" href="/{stylesheet}">
<script src="/{script}" data-site="{site}" defer></script>
</head>
<body>
<main>
<h1>{title}</h1>
{body}
</main>
</body>
</html>
"""


def long_body(links: int) -> str:
    """A page longer than the viewport, with links all the way down to its end."""
    return "\n".join(f'<p>Paragraph {i}. <a href="#p{i}" id="p{i}">Link {i}</a></p>' for i in range(links))


def organization_pages(script: str, stylesheet: str) -> dict[str, str]:
    def on(site: str, lang: str, title: str, body: str, head: str = "") -> str:
        return page(lang, site, script, stylesheet, title, body, head)

    listener = '<script src="/test/listener.js"></script>\n'
    return {
        "api.html": on(OPT_IN, "en", "Clinic app", '<p><a href="#top" id="before">Before</a></p>', listener),
        "spa.html": on(
            OPT_IN, "en", "Clinic videos", "<p>Videos.</p>", listener + '<script src="/test/spa.js"></script>\n'
        ),
        "lang-fr-ca.html": on(OPT_IN, "fr-CA", "Accueil", "<p>Bonjour.</p>"),
        "lang-de.html": on(OPT_IN, "de", "Startseite", "<p>Hallo.</p>"),
        "lang-en-us.html": on(OPT_IN, "en-US", "Home", "<p>Hello.</p>"),
        "long.html": on(OPT_IN, "en", "A long page", long_body(40)),
        "essential-plain.html": on(ESSENTIAL, "fr", "IHU", long_body(3)),
        "essential-link.html": on(
            ESSENTIAL,
            "fr",
            "IHU",
            long_body(3)
            + f'\n<footer><a href="/{ESSENTIAL}/fr/#cookie-settings" data-consent-open>Paramètres des cookies</a></footer>',
        ),
        "consent-mode.html": on(
            CONSENT_MODE,
            "en",
            "Clinic with Google tags",
            "<p>Statistics by Google.</p>",
            '<script src="/assets/consent-mode.js"></script>\n<script src="/test/gtag-stub.js"></script>\n' + listener,
        ),
        "listener.js": LISTENER,
        "spa.js": SPA,
        "gtag-stub.js": GTAG_STUB,
    }
