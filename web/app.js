// The dashboard: hash routes, a refresh of the open view every 2 s, the API's health in the header, and
// the API key form when the API asks for one. Everything it shows comes from the public API.

import { apiKey, onAuthRequired, request, setApiKey, getJson } from "./api.js";
import { h } from "./dom.js";
import { formatCount, shortHex } from "./format.js";
import { overview } from "./views/overview.js";
import { licenceList, licenceDetail } from "./views/licences.js";
import { party, partyPicker } from "./views/party.js";
import { disputes } from "./views/disputes.js";
import { audit, sale } from "./views/audit.js";

export const POLL_MS = 2000;

const ROUTES = [
  [/^\/?$/, overview, "overview"],
  [/^\/overview$/, overview, "overview"],
  [/^\/licences$/, licenceList, "licences"],
  [/^\/licences\/(\d+)$/, licenceDetail, "licences"],
  [/^\/parties$/, partyPicker, "parties"],
  [/^\/parties\/([^/]+)$/, party, "parties"],
  [/^\/disputes$/, disputes, "disputes"],
  [/^\/disputes\/(\d+)$/, disputes, "disputes"],
  [/^\/audit$/, audit, "audit"],
  [/^\/sales\/([^/]+)$/, sale, "audit"],
];

const main = document.getElementById("view");
const banner = document.getElementById("banner");
const statusPill = document.getElementById("status");
const viewError = document.getElementById("view-error");
const keyPanel = document.getElementById("api-key");
const keyForm = document.getElementById("api-key-form");
const keyInput = document.getElementById("api-key-input");
const keyMessage = document.getElementById("api-key-message");
const keyClear = document.getElementById("api-key-clear");

// ---------------------------------------------------------------------------------- what views share
const tokens = new Map();
const channels = new Map();
let metaLoaded = false;

const ctx = {
  learnTokens(list) {
    for (const t of list) tokens.set(t.token.toLowerCase(), { symbol: t.symbol, decimals: t.decimals });
  },
  learnChannels(list) {
    for (const c of list) channels.set(Number(c.channelId), c.name);
  },
  symbol(token) {
    return tokens.get(String(token).toLowerCase())?.symbol ?? shortHex(token);
  },
  decimals(token) {
    return tokens.get(String(token).toLowerCase())?.decimals ?? null;
  },
  channelName(id) {
    return channels.get(Number(id)) ?? `#${id}`;
  },
  hasApiKey: () => Boolean(apiKey()),
  refreshNow: () => refresh(),
  report: (err) => showViewError(err),
};

async function loadMeta() {
  const o = await getJson("/stats/overview");
  ctx.learnTokens(o.tokens);
  ctx.learnChannels(o.channels);
  metaLoaded = true;
}

// -------------------------------------------------------------------------------------------- router
let current = null; // { view, key }
let generation = 0;

function parseHash() {
  const path = decodeURIComponent(location.hash.replace(/^#/, "")) || "/overview";
  for (const [pattern, view, nav] of ROUTES) {
    const m = path.match(pattern);
    if (m) return { view, nav, params: m.slice(1), path };
  }
  return null;
}

function navigate() {
  current?.view.destroy?.();
  generation++;
  main.replaceChildren();
  clearViewError();
  const route = parseHash();
  for (const a of document.querySelectorAll("[data-nav]")) {
    if (route && a.dataset.nav === route.nav) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (!route) {
    current = null;
    main.append(
      h(
        "div",
        { class: "error-box", role: "alert" },
        h("p", { class: "empty-title" }, "There is no such page"),
        h("p", {}, "Choose a view above, or go to the ", h("a", { href: "#/overview" }, "overview"), "."),
      ),
    );
    document.title = "Not found · reelsplit";
    return;
  }
  document.title = `${route.nav.charAt(0).toUpperCase()}${route.nav.slice(1)} · reelsplit`;
  const root = h("div", { class: "view", "data-view": route.nav, "data-path": route.path });
  main.append(root);
  current = { view: route.view(root, route.params, ctx) ?? {}, root, nav: route.nav, loaded: false };
  main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
  void refresh();
}

// ------------------------------------------------------------------------------------------- refresh
let refreshing = null;
let again = false;
let timer = null;

/**
 * Health first (for the banner), then the open view. Never two at once: asked during one, another runs
 * right after it (a new view must not wait for the old view's refresh); otherwise the next one 2 s later.
 */
function refresh() {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  clearTimeout(timer);
  refreshing = (async () => {
    const gen = generation;
    const healthy = await checkHealth();
    if (healthy && !metaLoaded) await loadMeta().catch(() => {});
    const shown = current;
    if (shown?.view.refresh && gen === generation) {
      try {
        await shown.view.refresh();
        if (gen === generation) {
          clearViewError();
          shown.loaded = true;
          shown.root.hidden = false;
        }
      } catch (err) {
        if (gen !== generation) return;
        showViewError(err);
        // An unknown id or a refused request before anything was shown: the error alone, no empty frame.
        if (!shown.loaded && err?.status >= 400 && err?.status < 500) shown.root.hidden = true;
      }
    }
  })().finally(() => {
    refreshing = null;
    if (again) {
      again = false;
      void refresh();
    } else {
      timer = setTimeout(refresh, POLL_MS);
    }
  });
  return refreshing;
}

// -------------------------------------------------------------------------------------------- health
function setStatus(tone, text, title) {
  statusPill.title = title ?? text;
  // unchanged: leave the live region alone, so a screen reader does not repeat it every 2 s
  if (statusPill.classList.contains(`tone-${tone}`) && statusPill.textContent === text) return;
  statusPill.className = `status tone-${tone}`;
  statusPill.replaceChildren(h("span", { class: "status-dot", "aria-hidden": "true" }), text);
}

function setBanner(tone, ...content) {
  if (content.length === 0) {
    banner.hidden = true;
    banner.replaceChildren();
    return;
  }
  banner.className = `banner tone-${tone}`;
  banner.replaceChildren(...content);
  banner.hidden = false;
}

const code = (text) => h("code", {}, text);

async function checkHealth() {
  try {
    const { status, body } = await request("/health", { allow: [503] });
    if (status === 503 || body.status !== "ok") {
      const progress =
        body.indexedBlock === null
          ? "It has not indexed any block yet."
          : `Indexed block ${formatCount(body.indexedBlock)} of ${formatCount(body.headBlock ?? body.indexedBlock)}${
              body.lagBlocks ? ` (${formatCount(body.lagBlocks)} behind)` : ""
            }.`;
      setStatus("warn", "Indexer syncing", progress);
      setBanner(
        "warn",
        h("strong", {}, "The indexer has not caught up yet"),
        " — start it with ",
        code("npm run indexer"),
        ` if it is not running. ${progress} Figures below may be incomplete; this page updates by itself.`,
      );
      return true;
    }
    const lag = body.lagBlocks ?? 0;
    setStatus(
      lag > 5 ? "warn" : "ok",
      lag > 5 ? `${formatCount(lag)} blocks behind` : `Live · block ${formatCount(body.indexedBlock)}`,
      body.lastError ? `Last indexer error: ${body.lastError}` : `Chain ${body.chainId}, indexed block ${body.indexedBlock}`,
    );
    setBanner();
    return true;
  } catch (err) {
    if (err.kind === "auth") {
      setStatus("warn", "API key needed");
      setBanner();
      return false;
    }
    if (err.kind === "network") {
      setStatus("bad", "API unreachable");
      setBanner(
        "bad",
        h("strong", {}, `Cannot reach the API at ${location.origin}`),
        " — start it with ",
        code("npm run api"),
        " (and the indexer with ",
        code("npm run indexer"),
        "). This page reconnects by itself every 2 s.",
      );
      return false;
    }
    setStatus("bad", `API error ${err.status}`, err.message);
    setBanner("bad", h("strong", {}, "The API answered with an error: "), err.message);
    return false;
  }
}

// ----------------------------------------------------------------------------------------- view errors
function clearViewError() {
  viewError.hidden = true;
  viewError.replaceChildren();
}

function showViewError(err) {
  if (err?.name === "AbortError") return;
  if (err?.kind === "network" || err?.kind === "auth") return; // the banner or the key form says it
  const sentence = (t) => `${t.charAt(0).toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? "" : "."}`;
  let title = "Something went wrong";
  let text = [sentence(err?.message ?? String(err))];
  if (err?.kind === "forbidden") {
    title = "Your API key cannot see this";
    text = [
      `${sentence(err.message)} `,
      h("button", { type: "button", class: "link-button", on: { click: () => showKeyForm("Enter another API key.") } }, "Use another key"),
      ".",
    ];
  } else if (err?.status === 404) {
    const nav = current?.nav ?? "overview";
    title = "Not found";
    const back = {
      overview: "the overview",
      licences: "the licences",
      parties: "the parties",
      disputes: "the disputes",
      audit: "the audit trail",
    };
    text = [`${sentence(err.message)} Check the link, or go back to `, h("a", { href: `#/${nav}` }, back[nav] ?? nav), "."];
  } else if (err?.status === 400) {
    title = "The API refused this request";
  } else if (err?.status === 429) {
    title = "Too many requests";
    text = ["The API is rate-limiting this browser; the page tries again in a moment."];
  } else if (err?.status >= 500) {
    title = "The API could not answer";
  }
  viewError.replaceChildren(h("p", { class: "empty-title" }, title), h("p", {}, ...text));
  viewError.hidden = false;
}

// --------------------------------------------------------------------------------------------- API key
function showKeyForm(message) {
  keyMessage.textContent = message;
  if (!keyPanel.hidden) return; // already asking: never pull the focus back every 2 s
  keyPanel.hidden = false;
  keyInput.focus();
}

onAuthRequired((err) => {
  showKeyForm(
    apiKey()
      ? `The API refused the saved key (${err.message}). Enter another one.`
      : `This API needs an API key (${err.message}). Enter yours: it is kept in this browser only and sent with every request.`,
  );
});

keyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  if (!key) return;
  setApiKey(key);
  keyInput.value = "";
  keyPanel.hidden = true;
  keyClear.hidden = false;
  metaLoaded = false;
  void refresh();
});

keyClear.addEventListener("click", () => {
  setApiKey(null);
  keyClear.hidden = true;
  void refresh();
});
keyClear.hidden = !apiKey();

// ------------------------------------------------------------------------------------------------- go
window.addEventListener("hashchange", navigate);
navigate();
