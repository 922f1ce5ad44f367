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

  function say(text) {
    if (!status) {
      status = document.createElement("div");
      status.className = "wf-exit__status wf-visually-hidden";
      status.setAttribute("role", "status");
      (exitLink() || document.body).insertAdjacentElement("afterend", status);
    }
    status.textContent = text;
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

  /* Coming back from the browser's cache after an exit: show the page again. */
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.documentElement.classList.remove("wf-exiting");
    var overlay = document.querySelector(".wf-exit-overlay");
    if (overlay) overlay.remove();
  });

  /* Narrow screens: Material's menu button is a <label> for a hidden checkbox, which the
     keyboard cannot reach. Make it a focusable button that opens the navigation drawer and
     moves focus into it; Escape closes the drawer and returns focus to the button. */
  function menuButton() {
    var drawer = document.getElementById("__drawer");
    var label = document.querySelector('.md-header label[for="__drawer"]');
    if (!drawer || !label || label.hasAttribute("tabindex")) return;
    label.setAttribute("tabindex", "0");
    label.setAttribute("role", "button");
    label.setAttribute("aria-label", "Navigation menu");
    function sync() { label.setAttribute("aria-expanded", drawer.checked ? "true" : "false"); }
    function toggle(open) {
      if (drawer.checked === open) return;
      drawer.checked = open;
      drawer.dispatchEvent(new Event("change", { bubbles: true }));
      sync();
    }
    label.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      toggle(!drawer.checked);
      if (drawer.checked) {
        var first = document.querySelector(".md-sidebar--primary a[href], .md-sidebar--primary label[tabindex]");
        // The drawer becomes visible as it opens; focus once the browser has applied that.
        if (first) setTimeout(function () { first.focus(); }, 50);
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && drawer.checked) { toggle(false); label.focus(); }
    });
    drawer.addEventListener("change", sync);
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
      if (!el.textContent.trim()) el.textContent = location.href.split("#")[0];
    });
  }
  window.addEventListener("beforeprint", printDetails);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", printDetails);
  else printDetails();
})();
