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
