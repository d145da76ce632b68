/* Cookie-consent widget (docs/consent.md). No dependencies and no build step.
   Safe under "script-src 'self'; style-src 'self'": no inline code, no eval, no
   style attributes. Everything it says comes from GET /consent, in a language of
   the site chosen from <html lang>. The banner is fixed, so it never pushes the
   page's content; what it would cover is scrolled clear of it when focused. */
(function () {
  'use strict';
  var w = window, d = document, me = d.currentScript;
  if (w.PrivacyConsent) return; // included twice: one widget only
  // Parts loaded only on the pages that need them. The build writes their hashed names and integrity here.
  var PARTS = {"embeds": ["consent-embeds.js", ""]};
  var gpc = navigator.globalPrivacyControl === true;
  var site, api, base, cfg, box, spacer, live, back, opener, known, waiting = [], held, hold, listeners = [];

  function el(tag, cls, text, parent) {
    var e = d.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function button(text, action, parent) {
    var b = el('button', 'cw-b', text, parent);
    b.type = 'button';
    b.onclick = action;
    return b;
  }
  function say(text) {
    live.textContent = '';
    setTimeout(function () { live.textContent = text; }, 50);
  }
  function copy(o) {
    var c = {};
    for (var k in o) c[k] = o[k];
    return c;
  }
  function all(value) {
    var c = {};
    for (var k in cfg.choices) c[k] = value;
    return c;
  }

  // true, false, or null while the person has not chosen (nothing optional runs meanwhile).
  function allowed(category) {
    if (!cfg) return null;
    if (category == 'strictly_necessary') return true;
    if (!(category in cfg.choices)) return false;
    return cfg.decided ? cfg.choices[category] : null;
  }

  function emit(action) {
    var detail = known = {choices: copy(cfg.choices), action: action, gpc: cfg.gpc, revision: cfg.revision,
      decided: cfg.decided};
    if (cfg.consent_mode) {
      detail.consentMode = {};
      for (var s in cfg.consent_mode) {
        detail.consentMode[s] = cfg.consent_mode[s].every(function (c) { return allowed(c); }) ? 'granted' : 'denied';
      }
    }
    listeners.forEach(function (f) {
      try { f(detail); } catch (e) { setTimeout(function () { throw e; }); }
    });
    d.dispatchEvent(new CustomEvent('privacy-consent:change', {detail: detail}));
  }

  // Run or load one marked element, whatever the choice ("load once" of a placeholder, or allowed).
  function run(n) {
    if (n.cwHold) {
      n.cwHold.remove();
      n.cwHold = null;
      n.hidden = false;
    }
    if (n.tagName == 'SCRIPT') {
      if (n.type != 'text/plain') return;
      var s = d.createElement('script');
      for (var i = 0; i < n.attributes.length; i++) {
        var a = n.attributes[i].name;
        if (a != 'type' && a != 'data-src') s.setAttribute(a, n.attributes[i].value);
      }
      if (n.dataset.src) s.src = n.dataset.src;
      s.async = false; // keep the page's order
      s.text = n.text;
      n.replaceWith(s);
    } else if (n.dataset.src) {
      n.src = n.dataset.src;
      n.removeAttribute('data-src');
    }
  }

  // A marked element: run when its category is allowed; a frame or video waits behind a placeholder.
  function activate(n) {
    var c = n.dataset.consent;
    if (allowed(c)) return run(n);
    if (!n.dataset.src || !/^(IFRAME|VIDEO)$/.test(n.tagName) || n.cwHold) return;
    if (hold) return hold(n, kit);
    waiting.push(n);
    if (held) return;
    held = el('script', 0, 0, d.head);
    held.src = new URL(PARTS.embeds[0], base).href;
    if (PARTS.embeds[1]) held.integrity = PARTS.embeds[1];
  }
  function apply(root) {
    if (!cfg) return;
    root = root || d;
    if (root.dataset && root.dataset.consent) activate(root);
    if (root.querySelectorAll) root.querySelectorAll('[data-consent]').forEach(activate);
  }

  // Expire the cookies the inventory lists for refused categories, here and on parent domains.
  function forget(choices) {
    var names = [];
    cfg.categories.forEach(function (c) {
      if (!c.required && !choices[c.id]) c.cookies.forEach(function (k) { names.push(k.name); });
    });
    d.cookie.split(';').forEach(function (part) {
      var n = part.split('=')[0].trim(), h = location.hostname.split('.');
      if (!names.some(function (x) { return n == x || n.indexOf(x + '.') == 0 || n.indexOf(x + '_') == 0; })) return;
      for (var i = 0; i < h.length; i++) {
        var dom = i ? '; domain=.' + h.slice(i).join('.') : '';
        d.cookie = n + '=; Max-Age=0; path=/' + dom;
        d.cookie = n + '=; Max-Age=0; path=' + location.pathname.replace(/[^/]*$/, '') + dom;
      }
    });
  }

  // Refused for posting too often (429): no post before `calm`, and `why` (the server's words) in the meantime.
  // One post at a time: clicks while a choice is being saved send nothing more (`busy`).
  var calm = 0, why, busy;
  function save(action, choices) {
    if (Date.now() < calm) return tell(why);
    if (busy) return;
    busy = 1;
    var before = cfg.choices;
    fetch(api, {
      method: 'POST', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', Accept: 'application/json'},
      body: JSON.stringify({site: site, lang: cfg.lang, action: action, choices: choices, gpc: gpc})
    }).then(function (r) {
      if (r.status == 429) {
        calm = Date.now() + 1000 * (parseInt(r.headers.get('Retry-After'), 10) || 60);
        return r.json().then(function (e) { why = e.error; }, function () {}).then(function () {
          tell(why = why || cfg.text.failed);
        });
      }
      if (!r.ok) throw r;
      return r.json().then(function (s) {
        cfg.decided = true;
        cfg.choices = s.choices;
        sync();
        forget(s.choices);
        emit(s.action);
        // A script that already runs cannot be stopped: reload without it.
        if (Object.keys(before).some(function (k) { return before[k] && !s.choices[k]; })) return location.reload();
        apply(d);
        close();
        say(cfg.text.saved);
      });
    }).catch(function () { tell(cfg.text.failed); }).then(function () { busy = 0; });
  }
  var kit = {el: el, button: button, run: run, allowed: allowed, allow: function (c, n) {
    var choices = copy(cfg.choices);
    choices[c] = true;
    opener = n; // focus goes to the content once it loads
    save('customize', choices);
  }};

  // Said to screen readers, and shown in the banner, which stays open so the choice can be made again.
  function tell(text) {
    say(text);
    if (box) (box.querySelector('.cw-e') || el('p', 'cw-e', 0, box)).textContent = text;
  }

  function close() {
    if (box) box.remove();
    if (spacer) spacer.remove();
    box = spacer = null;
    var to = opener || back;
    opener = back = null;
    if (to && to.isConnected) to.focus();
  }

  function show(custom) {
    if (box) box.remove();
    var t = cfg.text, optin = cfg.mode == 'opt-in';
    box = el('div', 'cw');
    box.setAttribute('role', 'region');
    box.setAttribute('aria-labelledby', 'cw-t');
    var h = el('h2', 'cw-t', t.title, box);
    h.id = 'cw-t';
    h.tabIndex = -1;
    el('p', 0, optin ? t.optin : t.essential, box);
    if (optin && cfg.gpc) el('p', 'cw-g', t.gpc, box);
    var more = el('a', 0, t.more, el('p', 0, 0, box));
    more.href = cfg.notice;
    var first, list;
    if (optin && custom) {
      list = el('ul', 'cw-l', 0, box);
      cfg.categories.forEach(function (c) {
        var li = el('li', 0, 0, list), id = 'cw-c-' + c.id;
        var tick = el('input', 0, 0, li);
        tick.type = 'checkbox';
        tick.id = id;
        tick.value = c.id;
        tick.checked = c.required || !!cfg.choices[c.id];
        tick.disabled = c.required;
        first = first || (!c.required && tick);
        el('label', 0, c.label + (c.required ? ' (' + t.always + ')' : ''), li).htmlFor = id;
        el('p', 0, c.purpose, li);
        if (c.cookies.length) el('p', 'cw-k', t.cookies + ' ' + c.cookies.map(function (k) {
          return k.name + ' (' + k.provider + ', ' + k.duration + ')';
        }).join(', '), li);
      });
    }
    var row = el('div', 'cw-a', 0, box);
    if (!optin) button(t.ok, close, row);
    else if (custom) {
      button(t.save, function () {
        var c = {};
        list.querySelectorAll('input:not([disabled])').forEach(function (i) { c[i.value] = i.checked; });
        save('customize', c);
      }, row);
    }
    if (optin && !cfg.gpc) button(t.accept, function () { save('accept', all(true)); }, row);
    if (optin) button(cfg.gpc && !custom ? t.ok : t.reject, function () { save('reject', all(false)); }, row);
    if (optin && !custom) button(t.customize, function () { show(true).focus(); }, row);
    if (custom && cfg.decided && cfg.receipt) {
      var p = el('p', 'cw-r', t.receipt + ' ', box);
      ['text', 'json'].forEach(function (f, i) {
        if (i) p.appendChild(d.createTextNode(', '));
        var a = el('a', 0, t['receipt_' + f], p);
        a.href = cfg.receipt + '?site=' + encodeURIComponent(site) + '&lang=' + cfg.lang + '&format=' + f;
        a.download = '';
      });
    }
    box.onkeydown = function (e) { if (e.key == 'Escape' && (cfg.decided || !optin)) close(); };
    d.body.insertBefore(box, d.body.firstChild); // first in the tab order
    // Room below the page's end, as tall as the banner, so that anything it covers can be scrolled clear.
    spacer = spacer || el('canvas', 'cw-sp', 0, d.body);
    spacer.setAttribute('aria-hidden', 'true');
    spacer.width = 1;
    spacer.height = box.offsetHeight;
    return custom && first || h;
  }

  function open(e) {
    if (e && e.preventDefault) e.preventDefault();
    opener = e && e.currentTarget || d.activeElement;
    show(cfg.mode == 'opt-in').focus();
  }

  // The no-JavaScript form of the notice page shows the current choice too.
  function sync() {
    d.querySelectorAll('form[data-consent-form] input[name=category]').forEach(function (i) {
      i.checked = !!cfg.choices[i.value];
    });
  }

  function start(c) {
    cfg = c;
    cfg.gpc = cfg.gpc || gpc;
    live = el('p', 'cw-sr', 0, d.body);
    live.setAttribute('role', 'status');
    var links = d.querySelectorAll('[data-consent-open]');
    links.forEach(function (a) { a.addEventListener('click', open); });
    if (!links.length) {
      // A line at the end of the page, in its flow: it covers nothing and is reached last.
      var line = el('p', 'cw-f', 0, d.body);
      if (c.mode == 'opt-in') button(c.text.settings, open, line).className = 'cw-o';
      else {
        line.appendChild(d.createTextNode(c.text.essential + ' '));
        el('a', 0, c.text.more, line).href = c.notice;
      }
    }
    // Focus never lands on what the banner covers (WCAG 2.2, 2.4.11): it is scrolled above the banner.
    d.addEventListener('focusin', function (e) {
      if (!box) return;
      var from = e.relatedTarget;
      if (box.contains(e.target)) {
        if (!back && from && !from.closest('.cw')) back = from;
        return;
      }
      var top = box.getBoundingClientRect().top, r = e.target.getBoundingClientRect();
      if (r.bottom > top) w.scrollBy(0, r.bottom - top + 8);
    });
    sync();
    apply(d);
    new MutationObserver(function (changes) {
      changes.forEach(function (m) {
        m.addedNodes.forEach(function (n) { if (n.nodeType == 1) apply(n); });
      });
    }).observe(d.documentElement, {childList: true, subtree: true});
    emit('load');
    if (!c.decided && c.mode == 'opt-in') show(false); // shown, never focused: the page keeps its focus
  }

  function begin(o) {
    if (site || !o || !o.site || !w.fetch) return;
    site = o.site;
    api = o.endpoint || '/consent';
    base = o.base || location.href;
    fetch(api + '?site=' + encodeURIComponent(site) + '&lang=' + encodeURIComponent(d.documentElement.lang), {
      credentials: 'same-origin', headers: {Accept: 'application/json'}
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (c) {
      if (!c) return;
      if (d.readyState == 'loading') d.addEventListener('DOMContentLoaded', function () { start(c); });
      else start(c);
    });
  }

  var P = w.PrivacyConsent = {
    allowed: allowed,
    choices: function () { return copy(cfg && cfg.choices); },
    open: function () { if (cfg) open(); },
    on: function (type, fn) {
      if (type != 'change') return function () {};
      listeners.push(fn);
      if (known) fn(known);
      return function () { listeners = listeners.filter(function (f) { return f != fn; }); };
    },
    apply: function (root) { apply(root); },
    start: begin,
    // Called by the placeholder part once loaded (consent-embeds.js).
    _hold: function (f) {
      hold = f;
      waiting.splice(0).forEach(function (n) { if (!allowed(n.dataset.consent)) hold(n, kit); });
    },
    _config: function () { return cfg; }
  };
  if (me && me.dataset.site) begin({site: me.dataset.site, endpoint: me.dataset.endpoint, base: me.src});
  return P;
})();
