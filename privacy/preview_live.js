// build.py preview: repaints the page when a build of its site ends.
// Only what changed is replaced, in place: the stylesheets and scripts stay loaded and the reader keeps their
// place, which a reload of the whole page would cost (most of the time from a save to the repainted page).
// The page reloads instead when its stylesheets or scripts changed, or when a change reaches what the consent
// widget drives (its listeners would be lost).
(function () {
  'use strict';
  var WIDGET = '[data-consent-form], [data-consent-open], [data-consent]';
  var INERT_HEAD = {TITLE: 1, META: 1};
  var me = document.currentScript;
  var parts = location.pathname.split('/').slice(1);
  var site = parts.length >= 3 ? decodeURIComponent(parts[0]) : null; // /<site>/<lang>/…; the index shows every site
  // What the page served, before any script added to it: the widget adds its banner to the body.
  var served = Array.prototype.filter.call(document.body.children, function (n) { return n !== me; });
  var busy = false, again = false;

  function ours(node) {
    return node.nodeName === 'SCRIPT' && node.getAttribute('src') === me.getAttribute('src');
  }

  function elements(parent) {
    return Array.prototype.filter.call(parent.children, function (n) { return !ours(n); });
  }

  function sameAttributes(a, b) {
    if (a.attributes.length !== b.attributes.length) return false;
    for (var i = 0; i < a.attributes.length; i++) {
      if (b.getAttribute(a.attributes[i].name) !== a.attributes[i].value) return false;
    }
    return true;
  }

  // Replaces ``old`` by ``fresh``; false when the page must reload instead.
  function replace(old, fresh) {
    if (old.nodeType === 1 && (old.matches(WIDGET) || old.querySelector(WIDGET))) return false;
    old.parentNode.replaceChild(document.importNode(fresh, true), old);
    return true;
  }

  // Makes ``old`` read as ``fresh``, touching only the smallest parts that differ.
  function morph(old, fresh) {
    if (old.isEqualNode(fresh)) return true;
    if (old.nodeType !== fresh.nodeType || old.nodeName !== fresh.nodeName) return replace(old, fresh);
    if (old.nodeType !== 1) {
      old.nodeValue = fresh.nodeValue;
      return true;
    }
    var a = old.childNodes, b = fresh.childNodes;
    if (!sameAttributes(old, fresh) || a.length !== b.length) return replace(old, fresh);
    for (var i = 0; i < a.length; i++) if (!morph(a[i], b[i])) return false;
    return true;
  }

  function head(fresh) {
    var a = elements(document.head), b = elements(fresh.head);
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) {
      if (a[i].isEqualNode(b[i])) continue;
      if (!INERT_HEAD[a[i].nodeName] || a[i].nodeName !== b[i].nodeName) return false;
      a[i].parentNode.replaceChild(document.importNode(b[i], true), a[i]);
    }
    return true;
  }

  function body(fresh) {
    var b = elements(fresh.body);
    if (served.length !== b.length) return false;
    for (var i = 0; i < b.length; i++) {
      if (served[i].isEqualNode(b[i])) continue;
      var before = served[i].previousSibling, parent = served[i].parentNode;
      if (!morph(served[i], b[i])) return false;
      served[i] = before ? before.nextSibling : parent.firstChild;
    }
    return true;
  }

  function apply(text) {
    var fresh = new DOMParser().parseFromString(text, 'text/html');
    if (!sameAttributes(document.documentElement, fresh.documentElement) || !head(fresh) || !body(fresh)) {
      location.reload();
    }
  }

  function update() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.href, {cache: 'no-store'}).then(function (answer) {
      return answer.ok ? answer.text().then(apply) : location.reload();
    }, function () {
      // The preview stopped: its event stream reconnects by itself when it is back.
    }).catch(function () { location.reload(); }).then(function () {
      busy = false;
      if (again) { again = false; update(); }
    });
  }

  // data: the sites rebuilt, or null when every page may have changed (templates, catalogs, registry).
  new EventSource('/__preview/events').addEventListener('build', function (event) {
    var sites = JSON.parse(event.data).sites;
    if (sites === null || site === null || sites.indexOf(site) >= 0) update();
  });
})();
