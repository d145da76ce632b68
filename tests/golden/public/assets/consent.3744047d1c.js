/* Cookie-consent widget (docs/consent.md). No dependencies and no build step.
   Safe under "script-src 'self'; style-src 'self'": no inline code, no eval, no
   style attributes. Everything it says comes from GET /consent, in the language
   of <html lang>. Fixed position only, so it never pushes the page's content. */
(function () {
  'use strict';
  var d = document, me = d.currentScript, site = me && me.dataset.site;
  if (!site || !window.fetch) return;
  var api = me.dataset.endpoint || '/consent';
  var gpc = navigator.globalPrivacyControl === true;
  var cfg, box, live, opener;

  function el(tag, cls, text, parent) {
    var e = d.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function button(key, action, parent) {
    var b = el('button', 'cw-b', cfg.text[key], parent);
    b.type = 'button';
    b.onclick = action;
    return b;
  }
  function say(text) {
    live.textContent = '';
    setTimeout(function () { live.textContent = text; }, 50);
  }
  function all(value) {
    var c = {};
    for (var k in cfg.choices) c[k] = value;
    return c;
  }

  // Run or load what waits for a category: <script type="text/plain" data-consent>, [data-src].
  function apply(choices) {
    d.querySelectorAll('[data-consent]').forEach(function (n) {
      if (!choices[n.dataset.consent]) return;
      if (n.tagName == 'SCRIPT') {
        if (n.type != 'text/plain') return;
        var s = d.createElement('script');
        for (var i = 0; i < n.attributes.length; i++) {
          if (n.attributes[i].name != 'type') s.setAttribute(n.attributes[i].name, n.attributes[i].value);
        }
        s.async = false; // keep the page's order
        s.text = n.text;
        n.replaceWith(s);
      } else if (n.dataset.src) {
        n.src = n.dataset.src;
        n.removeAttribute('data-src');
      }
    });
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
        close();
        say(cfg.text.saved);
        sync();
        forget(s.choices);
        // A script that already runs cannot be stopped: reload without it.
        if (Object.keys(before).some(function (k) { return before[k] && !s.choices[k]; })) location.reload();
        else apply(s.choices);
      });
    }).catch(function () { tell(cfg.text.failed); }).then(function () { busy = 0; });
  }

  // Said to screen readers, and shown in the banner, which stays open so the choice can be made again.
  function tell(text) {
    say(text);
    if (box) (box.querySelector('.cw-e') || el('p', 'cw-e', 0, box)).textContent = text;
  }

  function close() {
    if (box) box.remove();
    box = null;
    if (opener) opener.focus();
    opener = null;
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
    var first;
    if (optin && custom) {
      var list = el('ul', 'cw-l', 0, box);
      cfg.categories.forEach(function (c) {
        var li = el('li', 0, 0, list), id = 'cw-c-' + c.id;
        var box2 = el('input', 0, 0, li);
        box2.type = 'checkbox';
        box2.id = id;
        box2.value = c.id;
        box2.checked = c.required || !!cfg.choices[c.id];
        box2.disabled = c.required;
        first = first || (!c.required && box2);
        el('label', 0, c.label + (c.required ? ' (' + t.always + ')' : ''), li).htmlFor = id;
        el('p', 0, c.purpose, li);
        if (c.cookies.length) el('p', 'cw-k', t.cookies + ' ' + c.cookies.map(function (k) {
          return k.name + ' (' + k.provider + ', ' + k.duration + ')';
        }).join(', '), li);
      });
    }
    var row = el('div', 'cw-a', 0, box);
    if (!optin) button('ok', function () { save('dismiss'); }, row);
    else if (custom) {
      button('save', function () {
        var c = {};
        list.querySelectorAll('input:not([disabled])').forEach(function (i) { c[i.value] = i.checked; });
        save('customize', c);
      }, row);
    }
    if (optin && !cfg.gpc) button('accept', function () { save('accept', all(true)); }, row);
    if (optin) button(cfg.gpc && !custom ? 'ok' : 'reject', function () { save('reject', all(false)); }, row);
    if (optin && !custom) button('customize', function () { show(true).focus(); }, row);
    box.onkeydown = function (e) { if (e.key == 'Escape' && cfg.decided) close(); };
    d.body.insertBefore(box, d.body.firstChild); // first in the tab order
    return custom && first || h;
  }

  function open(e) {
    if (e) e.preventDefault();
    opener = e && e.currentTarget;
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
    if (!links.length) links = [el('button', 'cw-o', c.text.settings, d.body)];
    links.forEach(function (a) { a.addEventListener('click', open); });
    sync();
    if (c.decided) apply(c.choices);
    else show(false);
  }

  fetch(api + '?site=' + encodeURIComponent(site) + '&lang=' + (d.documentElement.lang || 'en').slice(0, 2), {
    credentials: 'same-origin', headers: {Accept: 'application/json'}
  }).then(function (r) { return r.ok ? r.json() : null; }).then(function (c) { if (c) start(c); });
})();
