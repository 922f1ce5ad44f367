/* "Save for offline use": keeps a copy of the manual on this device for when there is no
   signal. Progressive enhancement: the buttons (partials/wf-offline.html, in the menu and on
   the home page) are `hidden` in the HTML and shown here only where the browser has service
   workers and Cache Storage.

   Saving registers the worker (sw.js, at the site root), reads offline.json (the list of
   files, written by the build: scripts/safeguarding_manual/offline.py) and stores every file
   in a cache named after the list's version, then deletes older copies. Online, pages still
   come from the network; the saved copy answers only when there is none (see sw.js). */
(function () {
  "use strict";
  var blocks = Array.prototype.slice.call(document.querySelectorAll("[data-wf-offline]"));
  if (!blocks.length || !("serviceWorker" in navigator) || !window.caches || !window.fetch ||
      !window.isSecureContext) return;  // no button at all: nothing here would work

  var root = new URL(blocks[0].getAttribute("data-wf-root") || ".", location.href).href;
  var PREFIX = "wf-offline-", META = root + "wf-offline-saved.json";  // as in sw.js
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];
  var PARALLEL = 6;
  var manifest = null, known = null, saved = null, busy = false;  // known: the list, once read

  function longDate(iso) {
    var d = new Date(iso);
    return d.getDate() + " " + MONTHS[d.getMonth()] + " " + d.getFullYear();
  }
  function size(bytes) {  // decimal units, as phones show storage
    return bytes >= 1e6 ? (bytes / 1e6).toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1e3)) + " KB";
  }

  /* The newest complete saved copy ({name, saved, version}) or null. */
  async function findSaved() {
    var best = null, names = await caches.keys();
    for (var i = 0; i < names.length; i++) {
      if (names[i].indexOf(PREFIX) !== 0) continue;
      var meta = await (await caches.open(names[i])).match(META);
      var info = meta && await meta.json().catch(function () { return null; });
      if (info && (!best || info.saved > best.saved)) best = { name: names[i], saved: info.saved, version: info.version };
    }
    return best;
  }

  function loadManifest() {
    if (!manifest) {
      manifest = fetch(root + "offline.json", { cache: "no-store", headers: { "X-WF-Save": "1" } })
        .then(function (r) { if (!r.ok) throw new Error("offline.json " + r.status); return r.json(); })
        .then(function (m) { known = m; show(); return m; });
      manifest.catch(function () { manifest = null; });
    }
    return manifest;
  }

  /* Every block shows the same state; `status` is said only in the block that was used. */
  function show() {
    blocks.forEach(function (block) {
      var save = block.querySelector("[data-wf-offline-save]");
      save.textContent = saved
        ? "Saved for offline use on " + longDate(saved.saved) + " \u2014 update the saved copy"
        : "Save for offline use" + (known ? " (" + size(known.bytes) + ")" : "");
      save.disabled = busy;
      block.querySelector("[data-wf-offline-remove]").hidden = !saved || busy;
      var note = block.querySelector("[data-wf-offline-note]");
      if (note) note.hidden = !(saved && known && known.version !== saved.version);
      block.hidden = false;
    });
  }
  function say(block, text) {
    blocks.forEach(function (b) { b.querySelector("[data-wf-offline-status]").textContent = b === block ? text : ""; });
  }

  async function save(block) {
    if (busy) return;
    busy = true;
    show();
    say(block, "Getting ready to save\u2026");
    var name = null, isNew = false;
    try {
      var list;
      manifest = null;  // the list as it is now: the site may have changed since the page opened
      try {
        if (navigator.onLine === false) throw new TypeError("offline");
        list = await loadManifest();
      } catch (e) {
        throw new Error(navigator.onLine === false || e instanceof TypeError
          ? "There is no connection, so the copy could not be " + (saved ? "updated" : "saved") + ". Try again when you have signal."
          : "The list of pages to save could not be read (" + e.message + "). Try again later.");
      }
      if (navigator.storage && navigator.storage.estimate) {
        var room = await navigator.storage.estimate().catch(function () { return null; });
        if (room && room.quota && room.quota - room.usage < list.bytes * 1.2)
          throw new Error("There is not enough space on this device: the copy needs " + size(list.bytes) + ".");
      }
      await navigator.serviceWorker.register(root + "sw.js");
      name = PREFIX + list.version;
      isNew = (await caches.keys()).indexOf(name) < 0;
      var cache = await caches.open(name), done = 0, failed = [], next = 0, lastSaid = 0;
      var total = list.files.length;
      async function worker() {
        while (next < total) {
          var file = list.files[next++];
          try {
            var r = await fetch(root + file.url, { cache: "no-store", headers: { "X-WF-Save": "1" } });
            if (!r.ok) throw new Error(r.status);
            if (r.redirected) r = new Response(await r.blob(), { status: 200, headers: r.headers });
            await cache.put(root + file.url, r);
          } catch (e) { failed.push(file.url); }
          done++;
          if (Date.now() - lastSaid > 1000 || done === total) {  // not a flood of announcements
            lastSaid = Date.now();
            say(block, "Saving " + done + " of " + total + " pages and files\u2026");
          }
        }
      }
      var workers = [];
      for (var i = 0; i < PARALLEL; i++) workers.push(worker());
      await Promise.all(workers);
      if (failed.length) {
        throw new Error(failed.length + " of " + total + " files could not be downloaded" +
          (navigator.onLine === false ? " (the connection was lost)" : "") + ". " +
          (saved ? "Your copy saved on " + longDate(saved.saved) + " is kept." : "Nothing was saved.") +
          " Try again when the signal is better.");
      }
      var info = { saved: new Date().toISOString(), version: list.version, built: list.built };
      await cache.put(META, new Response(JSON.stringify(info), { headers: { "Content-Type": "application/json" } }));
      var names = await caches.keys();
      await Promise.all(names.filter(function (n) { return n.indexOf(PREFIX) === 0 && n !== name; })
        .map(function (n) { return caches.delete(n); }));
      if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {});
      await navigator.serviceWorker.ready;
      saved = { name: name, saved: info.saved, version: info.version };
      busy = false;
      show();
      say(block, "Saved: " + total + " pages and files (" + size(list.bytes) + ") are on this device. " +
        "They open without signal; online, you always get the latest version.");
    } catch (e) {
      if (isNew && name) await caches.delete(name).catch(function () {});  // no half copy left behind
      busy = false;
      show();
      say(block, "Could not save for offline use: " + (e && e.message ? e.message : e));
    }
  }

  async function remove(block) {
    if (busy) return;
    busy = true;
    show();
    try {
      var names = await caches.keys();
      await Promise.all(names.filter(function (n) { return n.indexOf(PREFIX) === 0; })
        .map(function (n) { return caches.delete(n); }));
      var regs = navigator.serviceWorker.getRegistrations ? await navigator.serviceWorker.getRegistrations() : [];
      await Promise.all(regs.filter(function (r) { return r.scope === root; })
        .map(function (r) { return r.unregister(); }));
      saved = null;
      say(block, "The saved copy has been removed from this device.");
    } catch (e) {
      say(block, "Could not remove the saved copy: " + (e && e.message ? e.message : e));
    }
    busy = false;
    show();
    block.querySelector("[data-wf-offline-save]").focus();  // the Remove button has gone
  }

  blocks.forEach(function (block) {
    block.querySelector("[data-wf-offline-save]").addEventListener("click", function () { save(block); });
    block.querySelector("[data-wf-offline-remove]").addEventListener("click", function () { remove(block); });
  });

  /* The size comes from offline.json, read only once a button is on screen (not on every page
     load of someone who never looks at it). */
  function watch() {
    if (!("IntersectionObserver" in window)) { loadManifest().catch(function () {}); return; }
    var seen = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) {
        seen.disconnect();
        loadManifest().catch(function () {});
      }
    });
    blocks.forEach(function (b) { seen.observe(b.querySelector("[data-wf-offline-save]")); });
  }

  findSaved().then(async function (s) {
    saved = s;
    // A copy is kept but its worker has gone (site data partly cleared): put the worker back,
    // or the copy could never answer.
    if (s && !(await navigator.serviceWorker.getRegistration(root))) await navigator.serviceWorker.register(root + "sw.js");
  }).catch(function () {}).then(function () { show(); watch(); });
})();
