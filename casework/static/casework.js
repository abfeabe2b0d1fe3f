// casework — small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // Confirmation before anything irreversible: <form data-confirm="..."> or <button data-confirm="..."> (the
  // button that submitted the form asks first; other buttons of the same form do not)
  document.addEventListener("submit", function (ev) {
    var form = ev.target, by = ev.submitter;
    var msg = (by && by.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { ev.preventDefault(); }
  }, true);
  // Progress of long work: <div data-progress-url="/…/status" data-done-url="/…">
  document.querySelectorAll("[data-progress-url]").forEach(function (box) {
    var bar = box.querySelector(".progress > div"), label = box.querySelector(".progress-label");
    function poll() {
      fetch(box.getAttribute("data-progress-url"), {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (bar && s.total) { bar.style.width = Math.round(100 * s.done / s.total) + "%"; }
          if (label) { label.textContent = s.message || (s.done + " / " + (s.total || "?")); }
          if (s.finished) { if (s.redirect) { window.location = s.redirect; } }
          else { window.setTimeout(poll, 700); }
        })
        .catch(function () { window.setTimeout(poll, 2000); });
    }
    poll();
  });
  // Select-all checkbox for bulk actions: <input type=checkbox data-check-all="name">
  document.querySelectorAll("[data-check-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      document.querySelectorAll("input[type=checkbox][name='" + box.getAttribute("data-check-all") + "']")
        .forEach(function (c) { c.checked = box.checked; });
    });
  });
  // Behaviour without inline handlers (the Content-Security-Policy forbids them):
  // <select data-autosubmit> submits its form on change; <a|button data-print> prints; <a data-back> goes back
  document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { if (el.form) { el.form.submit(); } });
  });
  document.addEventListener("click", function (ev) {
    var t = ev.target.closest && ev.target.closest("[data-print],[data-back]");
    if (!t) { return; }
    if (t.hasAttribute("data-print")) { ev.preventDefault(); window.print(); }
    else if (window.history.length > 1) { ev.preventDefault(); window.history.back(); }
  });
  // "/" focuses the search box
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "/" && !/INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName)) {
      var s = document.querySelector("input[type=search]");
      if (s) { ev.preventDefault(); s.focus(); }
    }
  });
})();
