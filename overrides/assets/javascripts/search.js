/* Site search, fetched by manual.js when someone first types in the search box.
 *
 * Pagefind (site/pagefind/, built by the manual plugin) finds pages word by word, fetching
 * only the parts of the index for the words searched. On top of it this file:
 *  - reads a question as people type it: small words ("what", "do", "if") are left out,
 *    phrases from the thesaurus (docs/_data/thesaurus.yml: "dirty clothes" -> neglect) add the
 *    manual's own terms, and every remaining word counts (a page need not contain them all);
 *  - suggests and runs the closest word of the site's vocabulary when a word finds nothing
 *    ("neglet" -> neglect);
 *  - narrows results by document, section, agency and threshold level;
 *  - shows results as a list of pages, each with the headings that matched.
 * Every value shown is set as text (textContent), never as HTML.
 */

const ROOT = new URL("../../", import.meta.url);
// Ranking weights, measured with tests/data/search_queries.yml (see the editors' benchmarks).
// A page may set window.__wfSearchTuning before searching to try others (the tests do).
const TUNE = { coord: 0.5, coordPower: 1, name: 2, and: 0.5, ...(globalThis.__wfSearchTuning || {}) };
const PAGE_SIZE = 6;  // results shown at first (each fetches its page's fragment)
const STOP = new Set(("a about above after again all also am an and any are as at be been before being " +
  "below between both but by can could did do does doing down during each few for from further get " +
  "gets got had has have having he her here hers herself him himself his how i if in into is it its " +
  "itself just me might more most must my myself no nor not now of off on once only or other our ours " +
  "out over own same she should so some such than that the their theirs them then there these they " +
  "this those through to too under until up very was we were what when where which while who whom " +
  "why will with would you your yours yourself im i'm ive i've dont don't cant can't wont won't " +
  "need needs want wants think thing things really still keep keeps lot lots please tell know " +
  "someone something anyone anybody somebody go goes going way ways say says said one " +
  "hasn't hasnt haven't havent isn't isnt aren't arent doesn't doesnt didn't didnt wasn't wasnt " +
  "weren't werent couldn't couldnt shouldn't shouldnt wouldn't wouldnt i'd i'll they're theyre " +
  "it's that's there's he's she's we're you're ok okay yes").split(" "));
// Words so common in this manual that alone they say nothing about which page is meant.
const WEAK = new Set(["child", "children", "childs", "kid", "kids", "young", "person", "people",
  "safeguarding", "concern", "concerns", "worried", "worry", "do", "what", "help"]);

let engine = null;
let extras = null;
let runId = 0;

function stem(w) {
  w = w.replace(/'s$/, "");
  if (w.length > 4 && w.endsWith("ies")) return w.slice(0, -3) + "y";
  if (w.length > 5 && w.endsWith("ing")) return w.slice(0, -3);
  if (w.length > 4 && w.endsWith("ed")) return w.slice(0, -2);
  if (w.length > 4 && w.endsWith("es") && /(sh|ch|x|ss)es$/.test(w)) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith("s") && !w.endsWith("ss")) return w.slice(0, -1);
  return w;
}

function tokens(text) {
  return (text.toLowerCase().replace(/[\u2018\u2019]/g, "'").match(/[\p{L}\p{N}]+(?:['-][\p{L}\p{N}]+)*/gu) || [])
    .map((t) => t.replace(/'s$/, ""));
}

async function loadEngine() {
  if (!engine) {
    engine = (async () => {
      const pf = await import(new URL("pagefind/pagefind.js", ROOT).href);
      await pf.options({
        baseUrl: ROOT.pathname, noWorker: true, excerptLength: 26,
        ranking: { termFrequency: 1.0, pageLength: 0.75, termSaturation: 1.1, termSimilarity: 1.0,
                   metaWeights: { title: 6.0, aka: 5.0, keywords: 4.0 } },
      });
      await pf.init();
      return pf;
    })();
  }
  return engine;
}

async function loadExtras() {
  if (!extras) {
    extras = fetch(new URL("pagefind/wf-search.json", ROOT), { cache: "no-cache" })
      .then((r) => (r.ok ? r.json() : {}))
      .catch(() => ({}))
      .then((d) => {
        const names = new Map();
        const documents = new Map();
        const seen = new Set();  // every word the pages' names and the loaded thesaurus use
        for (const [id, [name, doc]] of Object.entries(d.pages || {})) {
          const own = new Set(tokens(name).map(stem));
          own.forEach((w) => seen.add(w));
          names.set(id, own);
          documents.set(id, doc);
        }
        return { names, documents, seen, shards: new Set(d.shards || []), loaded: new Map(),
                 phrases: new Map(), partial: [], entries: new Set(), words: null, known: null };
      });
  }
  return extras;
}

function shardKey(token) {
  const key = token.slice(0, 2);
  if (/^[a-z0-9]{1,2}$/.test(key)) return key;
  return "x" + [...new TextEncoder().encode(key)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/* The thesaurus parts for the words of a query, fetched once each. */
async function loadThesaurus(ex, query) {
  const keys = [...new Set(tokens(query).map(shardKey))].filter((k) => ex.shards.has(k));
  await Promise.all(keys.map((k) => {
    if (!ex.loaded.has(k)) {
      ex.loaded.set(k, fetch(new URL(`pagefind/wf-th-${k}.json`, ROOT), { cache: "no-cache" })
        .then((r) => (r.ok ? r.json() : [])).catch(() => [])
        .then((list) => {
          for (const [phrase, n, means] of list) {
            const key = tokens(phrase).map(stem).join(" ");
            key.split(" ").forEach((w) => ex.seen.add(w));
            if (!ex.phrases.has(key)) ex.phrases.set(key, means);
            if (ex.entries.has(`${n} ${key}`)) continue;
            ex.entries.add(`${n} ${key}`);
            const content = [...new Set(key.split(" ").filter((w) => w && !STOP.has(w) && !WEAK.has(w)))];
            if (content.length >= 2) ex.partial.push([content, means]);
          }
        }));
    }
    return ex.loaded.get(k);
  }));
}

/* The site's vocabulary, for "did you mean": fetched only when a word is not among the names
   and thesaurus words already at hand. */
async function loadWords(ex) {
  if (!ex.words) {
    ex.words = fetch(new URL("pagefind/wf-words.json", ROOT), { cache: "no-cache" })
      .then((r) => (r.ok ? r.json() : { words: "" }))
      .catch(() => ({ words: "" }))
      .then((d) => {
        const words = (d.words || "").split(" ").filter(Boolean);
        ex.known = new Set(words.map(stem));
        return words;
      });
  }
  return ex.words;
}

/* What the reader typed, as "concepts": each a set of search terms of which the best counts. */
function concepts(query, ex) {
  const toks = tokens(query);
  const stems = toks.map(stem);
  const used = new Array(toks.length).fill(false);
  const out = [];
  for (let n = Math.min(5, toks.length); n >= 1; n--) {
    for (let i = 0; i + n <= toks.length; i++) {
      if (used.slice(i, i + n).some(Boolean)) continue;
      const key = stems.slice(i, i + n).join(" ");
      const means = ex.phrases.get(key);
      if (!means) continue;
      for (let k = i; k < i + n; k++) used[k] = true;
      const own = toks.slice(i, i + n).filter((t) => !STOP.has(t));
      const terms = means.map((m) => ({ q: m, w: 1.0 }));
      if (own.length) terms.push({ q: own.join(" "), w: 0.6 });
      out.push({ label: toks.slice(i, i + n).join(" "), terms, weight: 1.3 });
    }
  }
  // Looser: most of a longer phrase's words, in any order ("mum not coping with the baby" for
  // "mum not coping with baby"), counts for less.
  const rest = new Set(stems.filter((s, i) => !used[i] && !STOP.has(toks[i])));
  const seen = new Set(out.flatMap((c) => c.terms.map((t) => t.q)));
  for (const [content, means] of ex.partial) {
    const got = content.filter((w) => rest.has(w)).length;
    if (got < 2 || got / content.length < 0.66 || means.every((m) => seen.has(m))) continue;
    means.forEach((m) => seen.add(m));
    out.push({ label: content.join(" "), terms: means.map((m) => ({ q: m, w: 1.0 })), weight: 0.9 * got / content.length });
  }
  toks.forEach((t, i) => {
    if (used[i] || STOP.has(t)) return;
    if (t.length < 2 && !/\d/.test(t)) return;
    const number = /^\d+$/.test(t) && toks[i - 1] !== "level";
    out.push({ label: t, terms: [{ q: t, w: 1.0 }], weight: WEAK.has(t) || number ? 0.25 : 1.0, word: t });
  });
  return out;
}

function distance(a, b, most) {
  // Damerau–Levenshtein (optimal string alignment), stopping early past `most`.
  if (Math.abs(a.length - b.length) > most) return most + 1;
  let prev2 = null, prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (prev2 && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur.push(v);
      best = Math.min(best, v);
    }
    if (best > most) return most + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length];
}

/* The closest word the site uses (most used wins a tie), or null. */
function closest(word, ex, words) {
  if (word.length < 4 || /\d/.test(word) || ex.known.has(stem(word))) return null;
  const most = word.length >= 7 ? 2 : 1;
  let best = null, bestD = most + 1;
  for (const w of words) {
    if (Math.abs(w.length - word.length) > most) continue;
    const d = distance(word, w, Math.min(most, bestD));
    if (d < bestD) { best = w; bestD = d; if (d === 1 && w[0] === word[0]) break; }
  }
  return best;
}

async function run(pf, query, filters, ex) {
  await loadThesaurus(ex, query);
  const cs = concepts(query, ex);
  const pages = Math.max(ex.names.size, 1);
  const opts = Object.keys(filters).length ? { filters } : {};
  const cache = new Map();
  const hits = async (q) => {
    if (!cache.has(q)) cache.set(q, pf.search(q, opts).then((r) => r.results));
    return cache.get(q);
  };
  const corrections = [];
  const scores = new Map();
  const covered = new Map();
  let total = 0;
  for (const c of cs) {
    let lists = await Promise.all(c.terms.map((t) => hits(t.q)));
    // A word the site never uses, with (almost) nothing found: most likely a typo. The
    // closest word of the site's own is searched too (not instead: the reader may be right).
    if (c.word && !WEAK.has(c.word) && c.word.length >= 4 && !/\d/.test(c.word) && !ex.seen.has(stem(c.word))
        && (await loadWords(ex)) && !ex.known.has(stem(c.word))) {
      const fix = closest(c.word, ex, await ex.words);
      if (fix) {
        corrections.push([c.word, fix]);
        c.terms.push({ q: fix, w: 1.0 });
        lists.push(await hits(fix));
      }
    }
    const best = new Map();
    lists.forEach((list, k) => {
      for (const r of list) {
        const s = r.score * c.terms[k].w;
        if (!best.has(r.id) || best.get(r.id).s < s) best.set(r.id, { s, r });
      }
    });
    // How much a concept says: a word on few pages more than one on nearly all.
    c.share = best.size ? c.weight * Math.log(1 + pages / best.size) : 0;
    total += c.share;
    for (const [id, { s, r }] of best) {
      const e = scores.get(id) || { r, s: 0 };
      e.s += s * c.weight;
      scores.set(id, e);
      covered.set(id, (covered.get(id) || 0) + c.share);
    }
  }
  const plain = cs.filter((c) => c.word && !WEAK.has(c.word)).map((c) => c.terms[0].q);
  if (plain.length > 1) {
    for (const r of await hits(plain.join(" "))) {
      const e = scores.get(r.id);
      if (e) e.s += r.score * TUNE.and;
    }
  }
  // Titles and "also known as" names weigh most: the share of what was asked that a page's
  // name answers multiplies its score (up to 2.5 times).
  const named = (id, c) => {
    const own = ex.names.get(id);
    if (!own) return false;
    return c.terms.some((t) => {
      const ts = tokens(t.q).filter((x) => !STOP.has(x)).map(stem);
      return ts.length > 0 && ts.every((x) => own.has(x) || [...own].some((o) =>
        (x.length >= 5 && o.startsWith(x)) || (o.length >= 5 && x.startsWith(o))));
    });
  };
  // A question about the partnership itself leans to the published arrangements.
  const aboutPartnership = /\b(partnerships?|partners|arrangements|scrutiny|scrutineer)\b/i.test(query);
  const defining = /^(what|whats|what's) (is|are|does|do) |\b(stand for|stands for|mean|meaning|definition|define)\b/i.test(query);
  let ranked = [...scores.entries()].map(([id, e]) => {
    const share = total ? (covered.get(id) || 0) / total : 1;
    const inName = total ? cs.reduce((a, c) => a + (named(id, c) ? c.share : 0), 0) / total : 0;
    const glossary = defining && ex.documents.get(id) === "g" ? 1.6 : 1;
    const partnership = aboutPartnership && ex.documents.get(id) === "a" ? 1.5 : 1;
    const t = globalThis.__wfSearchTuning ? { ...TUNE, ...globalThis.__wfSearchTuning } : TUNE;
    return { r: e.r, s: e.s * (1 - t.coord + t.coord * share ** t.coordPower) * (1 + t.name * inName) * glossary * partnership };
  });
  if (!cs.length && Object.keys(filters).length) {
    ranked = (await pf.search(null, opts)).results.map((r) => ({ r, s: r.score }));
  }
  ranked.sort((a, b) => b.s - a.s);
  return { ranked: ranked.map((x) => x.r), corrections, concepts: cs };
}

function text(tag, value, cls) {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  el.textContent = value;
  return el;
}

/* Pagefind's excerpt marks matched words with <mark>: kept as marks, everything else as text. */
function excerpt(html) {
  const p = document.createElement("p");
  p.className = "wf-result__excerpt";
  const doc = new DOMParser().parseFromString(`<body>${html || ""}</body>`, "text/html");
  doc.body.childNodes.forEach((n) => {
    if (n.nodeName === "MARK") p.appendChild(text("mark", n.textContent));
    else p.appendChild(document.createTextNode(n.textContent));
  });
  return p;
}

function safeUrl(url) {
  try {
    const u = new URL(url, ROOT);
    return u.origin === ROOT.origin ? u.pathname + u.hash : null;
  } catch (e) {
    return null;
  }
}

function resultItem(data) {
  const url = safeUrl(data.url);
  if (!url) return null;
  const title = (data.meta && data.meta.title) || url;
  const li = document.createElement("li");
  li.className = "wf-result";
  const a = text("a", title, "wf-result__title");
  a.href = url;
  li.appendChild(a);
  const f = data.filters || {};
  const where = [...(f.document || []), ...(f.section || [])].filter((v, i, all) => all.indexOf(v) === i);
  if (where.length) li.appendChild(text("span", where.join(" · "), "wf-result__meta"));
  li.appendChild(excerpt(data.excerpt));
  const subs = (data.sub_results || []).filter((s) => s.url && s.url.includes("#") && s.title && s.title !== title).slice(0, 3);
  if (subs.length) {
    const p = text("p", "In this page: ", "wf-result__subs");
    subs.forEach((s, i) => {
      const su = safeUrl(s.url);
      if (!su) return;
      const link = document.createElement("a");
      link.href = su;
      link.className = "wf-result__sub";
      link.appendChild(text("span", `${title}: `, "wf-sr"));
      link.appendChild(document.createTextNode(s.title));
      if (i) p.appendChild(document.createTextNode(" · "));
      p.appendChild(link);
    });
    li.appendChild(p);
  }
  return li;
}

function quoteText(q) { return `\u201c${q}\u201d`; }

export function start(form) {
  if (form.hasAttribute("data-wf-started")) return;
  form.setAttribute("data-wf-started", "");
  const input = form.querySelector("input[type=search]");
  const panel = document.getElementById("wf-search-panel");
  const status = panel.querySelector(".wf-search__status");
  const list = panel.querySelector(".wf-search__results");
  const none = panel.querySelector(".wf-search__none");
  const suggest = panel.querySelector(".wf-search__suggest");
  const fieldset = panel.querySelector(".wf-search__filters");
  const selects = [...panel.querySelectorAll("[data-wf-filter]")];
  let ranked = [], shown = 0, more = null, timer = null;

  function fit() {
    const header = form.closest("header") || form;
    const top = header.getBoundingClientRect().bottom;
    panel.style.maxHeight = `${Math.max(200, window.innerHeight - Math.max(0, top))}px`;
  }
  function open() {
    panel.hidden = false;
    document.documentElement.classList.add("wf-search-open");
    fit();
  }
  function close(focus) {
    panel.hidden = true;
    document.documentElement.classList.remove("wf-search-open");
    if (focus) input.focus();
  }

  async function fillFilters(pf) {
    if (fieldset.hasAttribute("data-wf-ready")) return;
    fieldset.setAttribute("data-wf-ready", "");
    const all = await pf.filters();
    let any = false;
    for (const sel of selects) {
      const values = Object.keys(all[sel.dataset.wfFilter] || {});
      values.sort((a, b) => a.localeCompare(b, "en-GB", { numeric: true }));
      for (const v of values) {
        const o = document.createElement("option");
        o.value = v;
        o.textContent = v;
        sel.appendChild(o);
      }
      sel.closest(".wf-search__filter").hidden = values.length < 2;
      any = any || values.length > 1;
    }
    fieldset.hidden = !any;
  }

  async function showMore() {
    const id = runId;
    const batch = ranked.slice(shown, shown + PAGE_SIZE);
    const datas = await Promise.all(batch.map((r) => r.data()));
    if (id !== runId) return;
    for (const d of datas) {
      const li = resultItem(d);
      if (li) list.appendChild(li);
    }
    shown += batch.length;
    if (more) more.remove();
    more = null;
    if (shown < ranked.length) {
      more = text("button", `Show more results (${ranked.length - shown} more)`, "wf-search__more");
      more.type = "button";
      more.addEventListener("click", () => { const first = list.children.length; showMore().then(() => {
        const a = list.children[first] && list.children[first].querySelector("a");
        if (a) a.focus();
      }); });
      list.after(more);
    }
  }

  async function search() {
    const query = input.value.trim();
    const filters = {};
    selects.forEach((s) => { if (s.value) filters[s.dataset.wfFilter] = s.value; });
    const id = ++runId;
    if (!query && !Object.keys(filters).length) {
      list.replaceChildren();
      status.textContent = "";
      suggest.hidden = true;
      none.hidden = true;
      if (more) { more.remove(); more = null; }
      close(false);
      return;
    }
    open();
    status.textContent = "Searching\u2026";
    let pf, ex;
    try {
      [pf, ex] = await Promise.all([loadEngine(), loadExtras()]);
    } catch (e) {
      status.textContent = "Search could not load. Check your connection, or use the A\u2013Z of topics.";
      none.hidden = false;
      return;
    }
    fillFilters(pf).catch(() => {});
    const result = await run(pf, query, filters, ex);
    if (id !== runId) return;
    ranked = result.ranked;
    shown = 0;
    list.replaceChildren();
    if (more) { more.remove(); more = null; }
    const fixes = result.corrections;
    if (fixes.length) {
      suggest.replaceChildren(text("span", "Did you mean "));
      fixes.forEach(([from, to], i) => {
        if (i) suggest.appendChild(document.createTextNode(", "));
        suggest.appendChild(text("strong", to));
      });
      suggest.appendChild(document.createTextNode("? Showing results for those words."));
      suggest.hidden = false;
    } else {
      suggest.hidden = true;
    }
    const n = ranked.length;
    const what = query ? ` for ${quoteText(query)}` : "";
    const narrowed = Object.keys(filters).length ? " (narrowed)" : "";
    none.hidden = n > 0;
    await showMore();
    if (id !== runId) return;
    // Announced once the results are on screen.
    status.textContent = n ? `${n} result${n === 1 ? "" : "s"}${what}${narrowed}` +
      (fixes.length ? `, showing ${fixes.map((f) => quoteText(f[1])).join(", ")} for ${fixes.map((f) => quoteText(f[0])).join(", ")}` : "")
      : `No results${what}${narrowed}`;
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(search, 180);
  }
  input.addEventListener("input", soon);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    clearTimeout(timer);
    search().then(() => {
      if (window.location.pathname.endsWith("/search/")) {
        const u = new URL(window.location.href);
        u.searchParams.set("q", input.value.trim());
        history.replaceState(null, "", u);
      }
    });
  });
  selects.forEach((s) => s.addEventListener("change", () => { clearTimeout(timer); search(); }));
  panel.querySelector("[data-wf-search-close]").addEventListener("click", () => close(true));
  window.addEventListener("resize", () => { if (!panel.hidden) fit(); });

  const links = () => [...list.querySelectorAll(".wf-result__title")];
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" && !panel.hidden) {
      const first = links()[0];
      if (first) { e.preventDefault(); first.focus(); }
    } else if (e.key === "Escape") {
      if (!panel.hidden) { e.preventDefault(); close(true); }
    }
  });
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { e.preventDefault(); close(true); return; }
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    const all = links();
    const at = all.indexOf(document.activeElement);
    if (at < 0) return;
    e.preventDefault();
    if (e.key === "ArrowDown" && at + 1 < all.length) all[at + 1].focus();
    else if (e.key === "ArrowUp") (at ? all[at - 1] : input).focus();
  });
  document.addEventListener("click", (e) => {
    if (!panel.hidden && !panel.contains(e.target) && !form.contains(e.target)) close(false);
  });

  const q = new URL(window.location.href).searchParams.get("q");
  if (q && !input.value) input.value = q;
  if (input.value.trim()) search();
}

/* How a query is read (for the tests and for editors tuning the thesaurus). */
export async function explain(query) {
  const ex = await loadExtras();
  await loadThesaurus(ex, query);
  return concepts(query, ex).map((c) => ({ label: c.label, weight: c.weight, terms: c.terms.map((t) => t.q) }));
}
