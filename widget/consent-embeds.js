/* Placeholders for blocked frames and videos (docs/consent.md). consent.js loads this file, from its own
   folder, only on a page that has a marked frame or video not yet allowed. Same rules as consent.js: no
   inline code, no style attributes, every word from GET /consent. */
(function () {
  'use strict';
  var P = window.PrivacyConsent;
  if (!P || !P._hold) return;

  function host(src) {
    try { return new URL(src, location.href).hostname; } catch (e) { return ''; }
  }

  P._hold(function (n, kit) {
    if (n.cwHold) return; // queued twice: apply ran again before this file came
    var cfg = P._config(), t = cfg.text, id = n.dataset.consent, el = kit.el;
    var category = cfg.categories.filter(function (c) { return c.id == id; })[0];
    var label = category ? category.label : id;
    var name = n.title || n.getAttribute('aria-label') || t.embed;
    var who = n.dataset.provider || host(n.dataset.src);
    var p = el('div', 'cw-p');
    p.setAttribute('role', 'group');
    p.setAttribute('aria-label', name);
    el('p', 'cw-pt', name, p);
    if (who) el('p', 0, t.provider.replace('%(provider)s', who), p);
    el('p', 0, t.needs.replace('%(category)s', label), p);
    if (category && category.cookies.length) el('p', 'cw-k', t.cookies + ' ' + category.cookies.map(function (k) {
      return k.name + ' (' + k.provider + ', ' + k.duration + ')';
    }).join(', '), p);
    var row = el('div', 'cw-a', 0, p);
    kit.button(t.once, function () {
      kit.run(n);
      n.focus();
    }, row);
    if (category) kit.button(t.allow.replace('%(category)s', label), function () { kit.allow(id, n); }, row);
    n.hidden = true;
    n.cwHold = p;
    n.parentNode.insertBefore(p, n);
  });
})();
