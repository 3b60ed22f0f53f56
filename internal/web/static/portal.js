// Portico portal: small enhancements on top of pages that work without
// JavaScript. Dropdown menus close on outside click and Escape, and exact
// times are shown in the reader's own time zone.
(function () {
  "use strict";

  function closeMenus(except) {
    document.querySelectorAll("details.dropdown[open]").forEach(function (d) {
      if (d !== except) d.removeAttribute("open");
    });
  }

  document.addEventListener("click", function (e) {
    var inside = e.target.closest ? e.target.closest("details.dropdown") : null;
    closeMenus(inside);
  });

  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var open = document.querySelector("details.dropdown[open]");
    if (open) {
      open.removeAttribute("open");
      var s = open.querySelector("summary");
      if (s) s.focus();
    }
  });

  function localTimes(root) {
    if (!window.Intl || !Intl.DateTimeFormat) return;
    var fmt;
    try {
      fmt = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: "medium", timeStyle: "short" });
    } catch (err) {
      return;
    }
    root.querySelectorAll("time[datetime]").forEach(function (t) {
      var d = new Date(t.getAttribute("datetime"));
      if (!isNaN(d.getTime())) t.title = fmt.format(d);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { localTimes(document); });
  document.addEventListener("htmx:load", function (e) { localTimes(e.target); });
  // Filters left empty stay out of the address, so that a bookmarked or
  // shared list reads plainly (the server ignores them either way).
  document.addEventListener("htmx:configRequest", function (e) {
    var data = e.detail.formData;
    if (e.detail.verb !== "get" || !data) return;
    var empty = [];
    data.forEach(function (v, k) { if (v === "") empty.push(k); });
    empty.forEach(function (k) { data.delete(k); });
  });

  // A page swapped in by htmx starts with its menus closed.
  document.addEventListener("htmx:beforeSwap", function () { closeMenus(null); });
})();

// Live updates (SPEC P25, A2): a ticket page marked data-live listens to
// the ticket's server-sent events and, on a change, reads the page again
// and swaps in the parts named by data-live-parts. Forms are left alone, so
// nothing being typed is lost; without JavaScript the page is a plain page.
(function () {
  "use strict";
  if (!window.EventSource || !window.fetch || !window.DOMParser) return;
  var source = null, root = null, timer = null;

  function status(on) {
    var el = document.querySelector("[data-live-status]");
    if (!el) return;
    el.setAttribute("data-state", on ? "on" : "off");
    el.textContent = on ? (el.getAttribute("data-live-label") || "") : "";
  }

  function refresh() {
    if (!root) return;
    var parts = (root.getAttribute("data-live-parts") || "").split(/\s+/);
    fetch(location.pathname + location.search, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) {
        if (!r.ok) throw new Error("status " + r.status);
        return r.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        parts.forEach(function (id) {
          if (!id) return;
          var cur = document.getElementById(id), next = doc.getElementById(id);
          if (!cur || !next) return;
          var seen = {};
          cur.querySelectorAll("[id]").forEach(function (e) { seen[e.id] = true; });
          next.querySelectorAll("li[id]").forEach(function (e) { if (!seen[e.id]) e.classList.add("msg-new"); });
          var node = document.importNode(next, true);
          cur.replaceWith(node);
          if (window.htmx) window.htmx.process(node);
        });
        status(true);
      })
      .catch(function () {});
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  }

  function connect() {
    if (source) {
      source.close();
      source = null;
    }
    root = document.querySelector("[data-live]");
    if (!root) return;
    var opened = false;
    source = new EventSource(root.getAttribute("data-live"));
    source.addEventListener("open", function () {
      // After a reconnection, changes may have been missed.
      if (opened) schedule();
      opened = true;
      status(true);
    });
    source.addEventListener("change", schedule);
    source.addEventListener("error", function () { status(false); });
  }

  document.addEventListener("DOMContentLoaded", connect);
  // A page boosted in by htmx replaces the body: follow its ticket.
  document.addEventListener("htmx:afterSettle", function (e) {
    if (e.target === document.body) connect();
  });
  window.addEventListener("pagehide", function () {
    if (source) source.close();
  });
})();
