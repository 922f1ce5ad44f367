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

  /* The threshold explorer: the full list is in the page; this narrows it by whole words,
     domain and level, and suggests the level that the indicators a reader ticks point to (the
     highest of them), with a link to what to do at that level. */
  function escapeRegExp(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }
  function explorer(root) {
    var form = root.querySelector("[data-wf-explorer]");
    if (!form || form.hasAttribute("data-wf-ready")) return;
    form.setAttribute("data-wf-ready", "");
    form.hidden = false;
    var q = form.querySelector("[name=q]"), dom = form.querySelector("[name=domain]"),
        lvl = form.querySelector("[name=level]"), count = form.querySelector(".wf-explorer__count"),
        none = form.querySelector(".wf-explorer__none"), suggest = root.querySelector("[data-wf-suggest]");
    var items = Array.prototype.slice.call(root.querySelectorAll(".wf-explorer__list li"));
    var sections = root.querySelectorAll(".wf-explorer__level");
    items.forEach(function (li, n) {
      var box = document.createElement("input");
      box.type = "checkbox";
      box.id = "wf-seen-" + n;
      box.className = "wf-explorer__seen";
      var label = document.createElement("label");
      label.htmlFor = box.id;
      label.className = "wf-explorer__seen-label";
      var text = li.querySelector(".wf-explorer__text");
      label.appendChild(text);
      li.insertBefore(label, li.firstChild);
      li.insertBefore(box, label);
    });
    function suggestLevel() {
      var chosen = items.filter(function (li) { return li.querySelector(".wf-explorer__seen").checked; });
      suggest.hidden = !chosen.length;
      if (!chosen.length) return;
      var top = chosen.reduce(function (a, li) { return Math.max(a, +li.getAttribute("data-level")); }, 0);
      var title = chosen.filter(function (li) { return +li.getAttribute("data-level") === top; })[0]
        .getAttribute("data-level-title");
      suggest.querySelector(".wf-explorer__suggest-level").textContent =
        "Suggested: " + title + " (the highest of the " + (chosen.length === 1 ? "indicator" :
        chosen.length + " indicators") + " you chose)";
      suggest.querySelectorAll(".wf-explorer__todo").forEach(function (a) {
        a.hidden = +a.getAttribute("data-level") !== top;
      });
    }
    function apply() {
      var words = q.value.trim().split(/\s+/).filter(Boolean).map(function (w) {
        return new RegExp("(^|[^\\p{L}\\p{N}])" + escapeRegExp(w) , "iu");
      }), shown = 0;
      items.forEach(function (li) {
        var text = li.textContent;
        var ok = (!dom.value || li.getAttribute("data-domain") === dom.value) &&
                 (!lvl.value || li.getAttribute("data-level") === lvl.value) &&
                 words.every(function (w) { return w.test(text); });
        li.hidden = !ok;
        if (ok) shown++;
      });
      sections.forEach(function (s) { s.hidden = !s.querySelector("li:not([hidden])"); });
      count.textContent = shown + " of " + items.length + " indicators shown";
      none.hidden = shown > 0;
      if (!shown) none.querySelector("[data-wf-query]").textContent = q.value.trim() || "these choices";
      suggestLevel();
    }
    form.addEventListener("input", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
    root.addEventListener("change", function (e) {
      if (e.target.classList && e.target.classList.contains("wf-explorer__seen")) suggestLevel();
    });
    suggest.querySelector(".wf-explorer__clear").addEventListener("click", function () {
      items.forEach(function (li) { li.querySelector(".wf-explorer__seen").checked = false; });
      suggestLevel();
    });
    apply();
  }

  /* Search: nothing of it is fetched until someone types (or arrives with ?q= on the search
     page). Then search.js, next to this file, is imported once and takes over the form. */
  var searchModule = null;
  var here = document.currentScript || document.querySelector('script[src*="javascripts/manual.js"]');
  function searchBox(root) {
    var form = root.querySelector("[data-wf-search]");
    if (!form || form.hasAttribute("data-wf-wired")) return;
    form.setAttribute("data-wf-wired", "");
    var input = form.querySelector("input[type=search]");
    function load(event) {
      if (event && event.type === "submit") event.preventDefault();
      if (!searchModule) {
        var url = new URL("search.js", here ? here.src : location.href).href;
        searchModule = import(url).then(function (m) { m.start(form); return m; });
      }
      return searchModule;
    }
    input.addEventListener("input", load, { once: true });
    form.addEventListener("submit", function (e) { if (!form.hasAttribute("data-wf-started")) load(e); });
    if (/[?&]q=[^&]/.test(location.search) || input.value) load();
  }

  /* "The manual on a date": the table lists every version with its dates; the date box shows
     only the versions in force that day (from its start, until the day the next took over). */
  function onADate(root) {
    var form = root.querySelector("[data-wf-on-date]");
    if (!form || form.hasAttribute("data-wf-ready")) return;
    form.setAttribute("data-wf-ready", "");
    form.hidden = false;
    var input = form.querySelector("input[type=date]"), status = form.querySelector("[role=status]");
    var rows = Array.prototype.slice.call(root.querySelectorAll(".wf-on-date__table tbody tr"));
    function show() {
      var d = input.value, shown = 0;
      rows.forEach(function (tr) {
        var from = tr.getAttribute("data-from"), to = tr.getAttribute("data-to");
        var ok = !d || ((!from || from <= d) && (!to || d < to));
        tr.hidden = !ok;
        if (ok) shown++;
      });
      status.textContent = d ? shown + " version" + (shown === 1 ? "" : "s") + " in force on " +
        new Date(d + "T00:00:00").toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" }) : "";
    }
    form.addEventListener("submit", function (e) { e.preventDefault(); show(); });
    input.addEventListener("change", show);
    var m = /[#&]date=(\d{4}-\d{2}-\d{2})/.exec(location.hash);
    if (m) { input.value = m[1]; show(); }
  }

  function init() { updateReviews(document); explorer(document); searchBox(document); onADate(document); }
  if (typeof document$ !== "undefined") document$.subscribe(init);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
