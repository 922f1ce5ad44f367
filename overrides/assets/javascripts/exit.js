/* "Exit this page" (the GOV.UK pattern), the printed-copy details and keyboard access to the
   menu button on narrow screens.
   Progressive enhancement only: without this file the exit button is an ordinary link to
   `extra.exit_page_url` and the printed header shows the site's address for the page. */
(function () {
  "use strict";
  if (window.__wfExit) return;  // loaded once per document
  window.__wfExit = true;

  var PRESSES = 3;        // Shift pressed this many times ...
  var WITHIN = 5000;      // ... each within this many ms of the one before
  var count = 0, last = 0, status = null;

  function exitLink() { return document.querySelector("[data-wf-exit]"); }

  /* A live region for "Shift, press 2 more times to exit." It exists, empty, from the start,
     so that screen readers announce what is later written into it. */
  function liveRegion() {
    var link = exitLink();
    if (status || !link) return;
    status = document.createElement("div");
    status.className = "wf-exit__status wf-visually-hidden";
    status.setAttribute("role", "status");
    link.insertAdjacentElement("afterend", status);
  }
  function say(text) {
    liveRegion();
    if (status) status.textContent = text;
  }

  /* Hide everything at once, so nothing stays on screen while the next page loads, then
     replace this page in the history so Back does not return to it. */
  function exit(event) {
    var link = exitLink();
    if (!link) return;
    if (event) event.preventDefault();
    var root = document.documentElement;
    root.classList.add("wf-exiting");
    if (!document.querySelector(".wf-exit-overlay")) {
      var overlay = document.createElement("div");
      overlay.className = "wf-exit-overlay";
      overlay.setAttribute("aria-hidden", "true");
      document.body.appendChild(overlay);
    }
    document.title = "Exit this page";
    var referrer = document.querySelector('meta[name="referrer"]');
    if (referrer) referrer.setAttribute("content", "no-referrer");
    window.location.replace(link.href);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-wf-exit]");
    // A modified click (new tab, new window) is left to the browser.
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    exit(event);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift") {          // any other key starts the count again
      if (count) { count = 0; say(""); }
      return;
    }
    if (event.repeat) return;             // holding Shift down is one press
    var now = Date.now();
    count = count && now - last <= WITHIN ? count + 1 : 1;
    last = now;
    if (count >= PRESSES) {
      count = 0;
      say("Exiting this page.");
      exit();
    } else {
      var left = PRESSES - count;
      say("Shift, press " + left + " more time" + (left === 1 ? "" : "s") + " to exit.");
    }
  }, true);

  /* Like GOV.UK's, the button stays on screen: once the bar has scrolled away, it floats in
     the bottom corner (reader.css), and the page keeps focused elements clear of it. */
  function floatExit() {
    var bar = document.querySelector("[data-wf-worried]"), link = exitLink();
    if (!bar || !link || !("IntersectionObserver" in window)) return;
    new IntersectionObserver(function (entries) {
      var away = !entries[entries.length - 1].isIntersecting;
      link.classList.toggle("wf-exit--floating", away);
      document.documentElement.classList.toggle("wf-exit-floating", away);
    }).observe(bar);
  }
  function start() { liveRegion(); floatExit(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();

  /* Coming back from the browser's cache after an exit: show the page again. */
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.documentElement.classList.remove("wf-exiting");
    var overlay = document.querySelector(".wf-exit-overlay");
    if (overlay) overlay.remove();
  });

  /* Narrow screens: Material's menu button is a <label> for a hidden checkbox, which the
     keyboard cannot reach. Put a real <button> in its place (same look) that opens the
     navigation drawer and moves focus into it; Escape closes the drawer and returns focus to
     the button. */
  function menuButton() {
    var drawer = document.getElementById("__drawer");
    var label = document.querySelector('.md-header label[for="__drawer"]');
    if (!drawer || !label || document.querySelector(".wf-menu-button")) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = label.className + " wf-menu-button";
    button.setAttribute("aria-label", "Navigation menu");
    button.setAttribute("aria-controls", "__drawer");
    button.innerHTML = label.innerHTML;  // the theme's own icon (static SVG)
    label.parentNode.insertBefore(button, label);
    label.classList.add("wf-menu-label");
    function sync() { button.setAttribute("aria-expanded", drawer.checked ? "true" : "false"); }
    function toggle(open) {
      if (drawer.checked === open) return;
      drawer.checked = open;
      drawer.dispatchEvent(new Event("change", { bubbles: true }));
    }
    button.addEventListener("click", function () { toggle(!drawer.checked); });
    drawer.addEventListener("change", function () {
      sync();
      if (drawer.checked && document.activeElement === button) {
        var first = document.querySelector(".md-sidebar--primary a[href]");
        // The drawer becomes visible as it opens; focus once the browser has applied that.
        if (first) setTimeout(function () { first.focus(); }, 50);
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && drawer.checked) { toggle(false); button.focus(); }
    });
    sync();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", menuButton);
  else menuButton();

  /* Printed copies: the date printed and, if the site has no address configured, this one. */
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function printDetails() {
    var months = ["January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December"];
    var d = new Date();
    var when = d.getDate() + " " + months[d.getMonth()] + " " + d.getFullYear() + " at " +
               two(d.getHours()) + ":" + two(d.getMinutes());
    document.querySelectorAll("[data-wf-print-date]").forEach(function (el) { el.textContent = when; });
    document.querySelectorAll("[data-wf-print-url]").forEach(function (el) {
      if (!el.textContent.trim() || el.hasAttribute("data-wf-relative")) el.textContent = location.href.split("#")[0];
    });
  }
  window.addEventListener("beforeprint", printDetails);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", printDetails);
  else printDetails();
})();
