/* Progressive enhancement only: every page reads correctly without this file. */
(function () {
  "use strict";

  /* Re-check a procedure's review state against the reader's date, so a site built long
     ago still warns. The build computed the same thing; this only updates it. */
  function reviewState(el, today) {
    var due = new Date(el.getAttribute("data-next-review") + "T00:00:00");
    var within = parseInt(el.getAttribute("data-due-within"), 10) || 60;
    var days = Math.round((due - today) / 86400000);
    return days < 0 ? "overdue" : days <= within ? "due" : "ok";
  }

  function updateReviews(root) {
    var now = new Date();
    var today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
    root.querySelectorAll("[data-wf-review]").forEach(function (el) {
      var state = reviewState(el, today);
      el.setAttribute("data-state", state);
      el.querySelector(".wf-review__overdue").hidden = state !== "overdue";
      el.querySelector(".wf-review__due").hidden = state !== "due";
    });
  }

  /* The threshold explorer: the full list is in the page; this filters it. */
  function explorer(root) {
    var form = root.querySelector("[data-wf-explorer]");
    if (!form) return;
    form.hidden = false;
    var q = form.querySelector("[name=q]"), dom = form.querySelector("[name=domain]"),
        lvl = form.querySelector("[name=level]"), count = form.querySelector(".wf-explorer__count");
    var items = Array.prototype.slice.call(root.querySelectorAll(".wf-explorer__list li"));
    var sections = root.querySelectorAll(".wf-explorer__level");
    function apply() {
      var words = q.value.toLowerCase().split(/\s+/).filter(Boolean), shown = 0;
      items.forEach(function (li) {
        var text = li.textContent.toLowerCase();
        var ok = (!dom.value || li.getAttribute("data-domain") === dom.value) &&
                 (!lvl.value || li.getAttribute("data-level") === lvl.value) &&
                 words.every(function (w) { return text.indexOf(w) !== -1; });
        li.hidden = !ok;
        if (ok) shown++;
      });
      sections.forEach(function (s) { s.hidden = !s.querySelector("li:not([hidden])"); });
      count.textContent = shown + " of " + items.length + " indicators shown";
    }
    form.addEventListener("input", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
    apply();
  }

  function init() { updateReviews(document); explorer(document); }
  if (typeof document$ !== "undefined") document$.subscribe(init);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
