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
  // Sums of a claim's ticked months: <fieldset data-claim-sums data-kop-sample="1 234 567,89 ₽"> with checkboxes
  // carrying data-debt (kopecks) and data-units (penalty units, 39 000 000 per kopeck: rounded once, as the server
  // does) and cells [data-sum=debt|penalty|total]
  document.querySelectorAll("[data-claim-sums]").forEach(function (box) {
    var m = /1(\D+)234\1(?:567)(\D+)89/.exec(box.getAttribute("data-kop-sample") || "");
    if (!m) { return; }
    var sample = box.getAttribute("data-kop-sample"), pre = sample.slice(0, m.index),
        suf = sample.slice(m.index + m[0].length);
    function kop(k) {
      var rub = String(Math.floor(k / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, m[1]), c = String(k % 100);
      return pre + rub + m[2] + (c.length < 2 ? "0" + c : c) + suf;
    }
    function update() {
      var debt = 0, units = 0;
      box.querySelectorAll("input[type=checkbox][data-debt]").forEach(function (c) {
        if (c.checked && !c.disabled) { debt += Number(c.getAttribute("data-debt")); units += Number(c.getAttribute("data-units")); }
      });
      var pen = Math.floor(units / 39000000) + ((units % 39000000) * 2 >= 39000000 ? 1 : 0);
      var out = {debt: debt, penalty: pen, total: debt + pen};
      box.querySelectorAll("[data-sum]").forEach(function (el) { el.textContent = kop(out[el.getAttribute("data-sum")]); });
    }
    box.addEventListener("change", update);
  });
  // "/" focuses the search box
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "/" && !/INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName)) {
      var s = document.querySelector("input[type=search]");
      if (s) { ev.preventDefault(); s.focus(); }
    }
  });
})();
