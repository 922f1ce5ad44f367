/* The manual's service worker: "Save for offline use".

   Published at the site root (sw.js) so that its scope is the whole site. It is registered
   only when a reader chooses "Save for offline use" (offline.js), and removed with "Remove
   the saved copy".

   - Network first, always: every request goes to the network as if this worker were not
     here. Only when the network FAILS (no signal) does the copy the reader saved answer, so
     nobody online ever reads a stale procedure.
   - A page answered from the saved copy carries a banner, inserted after <body…> in its
     HTML: "Offline copy saved on <date> — it may be out of date…". It is static text, so the
     site's Content-Security-Policy (no inline script) is unchanged.
   - It caches nothing by itself. Only offline.js writes to Cache Storage, and only the files
     listed in offline.json, when the reader asks. This file only reads.
   - Requests to other sites, requests that are not GET, and offline.js's own downloads
     (marked X-WF-Save) are not touched at all.
   Hand-written on purpose (no Workbox, nothing from a CDN): small enough to read in full. */

"use strict";

const SCOPE = self.registration.scope;          // the site root, ending in "/"
const PREFIX = "wf-offline-";                   // caches named wf-offline-<offline.json version>
const META = SCOPE + "wf-offline-saved.json";   // in each cache: {saved, version, built}, written last
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    // The page's own request starts while the worker wakes up, so being here costs no time.
    if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;                       // POST etc.: straight through
  if (!request.url.startsWith(SCOPE)) return;                 // other sites: never touched
  if (request.headers.has("X-WF-Save")) return;               // offline.js saving: network only
  event.respondWith(networkFirst(event));
});

async function networkFirst(event) {
  const request = event.request;
  try {
    const preloaded = request.mode === "navigate" ? await event.preloadResponse : undefined;
    return preloaded || await fetch(request);
  } catch (failed) {
    // No network. Answer from the saved copy, if the reader saved one and it holds this URL.
    const copy = await savedCopy();
    if (!copy) throw failed;                                  // nothing saved: the browser's own error
    const hit = await lookUp(copy.cache, request.url);
    const isPage = request.mode === "navigate" || request.destination === "document";
    if (hit) return isPage ? withBanner(hit, copy.saved) : hit;
    if (isPage) return notSaved();                            // a page that was never saved
    throw failed;
  }
}

/* The newest complete saved copy: a wf-offline-* cache whose META entry (written after every
   file) is there. */
async function savedCopy() {
  let best = null;
  for (const name of await caches.keys()) {
    if (!name.startsWith(PREFIX)) continue;
    const cache = await caches.open(name);
    const meta = await cache.match(META);
    if (!meta) continue;                                      // still being saved, or broken off
    const info = await meta.json().catch(() => null);
    if (info && (!best || info.saved > best.saved)) best = { cache, saved: info.saved };
  }
  return best;
}

/* Pages are saved under their directory URL (procedures/core/neglect/); find them also as
   …/neglect, …/neglect/index.html, and whatever the query string. */
async function lookUp(cache, href) {
  const url = new URL(href);
  url.hash = "";
  const tries = [url.href];
  if (url.pathname.endsWith("/index.html")) tries.push(url.href.replace(/index\.html(?=\?|$)/, ""));
  else if (!/\/$|\.[a-z0-9]+$/i.test(url.pathname)) { url.pathname += "/"; tries.push(url.href); }
  for (const key of tries) {
    const hit = await cache.match(key, { ignoreSearch: true });
    if (hit) return hit;
  }
  return null;
}

function longDate(iso) {
  const d = new Date(iso);
  return isNaN(d) ? "an earlier date" : `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
}

/* The saved page, with the offline banner as the first thing in <body>. */
async function withBanner(response, saved) {
  const type = response.headers.get("Content-Type") || "";
  if (!type.includes("text/html")) return response;
  const html = await response.text();
  const banner = `<div class="wf-offline-banner" role="note"><p><strong>Offline copy saved on ` +
    `${longDate(saved)}</strong> — it may be out of date. Check the online version when you have ` +
    `signal.</p></div>`;
  const headers = new Headers(response.headers);
  headers.delete("Content-Length");
  return new Response(html.replace(/<body\b[^>]*>/i, (body) => body + banner),
    { status: 200, statusText: "OK", headers });
}

/* Offline, for a page the reader did not save (editors' pages, search, PDFs): a plain page
   that says so, never another page in its place. No script, no styles from anywhere. */
function notSaved() {
  const page = `<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>You are offline — this page is not saved</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5">
<h1>You are offline</h1>
<p>This page is not in the copy of the manual saved on this device, and there is no signal to fetch it.</p>
<p>The saved copy has the procedures, the Threshold of Need, the safeguarding arrangements,
the glossary and the A–Z of topics: <a href="${SCOPE}">go to the saved home page</a> or
<a href="${SCOPE}procedures/">the procedures</a>.</p>
<p><strong>If a child is in immediate danger, call 999.</strong></p>
</body></html>`;
  return new Response(page, { status: 503, statusText: "Offline", headers: {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
  } });
}
