// Building the page from data without ever parsing it as HTML: every value becomes a text node.

import { formatAmount, shortHex, sentenceCase } from "./format.js";

/**
 * h("a", { href: "#/x", class: "link", on: { click: fn } }, "text", child, [more]) → an element.
 * `null`, `undefined` and `false` children are skipped; arrays are flattened.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "on") for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    else if (name === "class") el.className = value;
    else if (name === "text") el.textContent = value;
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Copies `text` to the clipboard; the button says so for a moment. */
async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = h("textarea", { class: "visually-hidden", "aria-hidden": "true" });
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  const label = button.textContent;
  button.textContent = "Copied";
  button.classList.add("copied");
  setTimeout(() => {
    button.textContent = label;
    button.classList.remove("copied");
  }, 1500);
}

export function copyButton(text, what) {
  return h("button", { type: "button", class: "copy", "aria-label": `Copy ${what} ${text}`, title: `Copy ${text}` }, "Copy");
}

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("button.copy") : null;
  if (!button) return;
  const value = button.parentElement?.querySelector("[data-full]")?.getAttribute("data-full");
  if (value) void copy(value, button);
});

/** An address, shortened, linking to its party view, with a copy button. */
export function address(addr, { link = true } = {}) {
  if (!addr) return h("span", { class: "muted" }, "—");
  const label = shortHex(addr);
  const text = link
    ? h("a", { href: `#/parties/${addr}`, class: "mono", title: addr, "data-full": addr }, label)
    : h("span", { class: "mono", title: addr, "data-full": addr }, label);
  return h("span", { class: "hex" }, text, copyButton(addr, "address"));
}

/** A hash or id, shortened, optionally linking somewhere, with a copy button. */
export function hash(value, { href, what = "hash" } = {}) {
  if (!value) return h("span", { class: "muted" }, "—");
  const label = shortHex(value, 8, 6);
  const text = href
    ? h("a", { href, class: "mono", title: value, "data-full": value }, label)
    : h("span", { class: "mono", title: value, "data-full": value }, label);
  return h("span", { class: "hex" }, text, copyButton(value, what));
}

/**
 * An amount: "1,234.56 dCNY", the unit set smaller, and a possible line break after each thousands
 * separator (never inside a group of digits) for the very long ones.
 */
export function amount(value, decimals, symbol) {
  const number = formatAmount(value, decimals, null);
  const parts = number.split(",").flatMap((part, i, all) => (i < all.length - 1 ? [`${part},`, h("wbr")] : [part]));
  return h("span", { class: "amount", "data-raw": value }, parts, symbol ? h("span", { class: "unit" }, ` ${symbol}`) : null);
}

const STATUS_TONE = {
  active: "ok",
  claimable: "ok",
  rejected: "ok",
  ok: "ok",
  proposed: "info",
  escrowed: "info",
  open: "warn",
  frozen: "warn",
  suspended: "warn",
  syncing: "warn",
  expired: "muted",
  superseded: "muted",
  cancelled: "muted",
  refunded: "muted",
  terminated: "bad",
  upheld: "bad",
};

export function badge(status) {
  return h("span", { class: `badge tone-${STATUS_TONE[status] ?? "muted"}` }, sentenceCase(status));
}

/** A card with a label and a big value (and an optional line under it). */
export function card(label, value, { note, metric } = {}) {
  // The number's length, not the unit's (a card shows the unit on a line of its own).
  const text = value instanceof Node ? value.textContent : String(value);
  const unit = value instanceof Element ? (value.querySelector(".unit")?.textContent ?? "") : "";
  const length = text.length - unit.length;
  return h(
    "div",
    { class: "card" },
    h("div", { class: "card-label" }, label),
    h("div", { class: length > 14 ? "card-value long" : "card-value", "data-metric": metric }, value),
    note ? h("div", { class: "card-note" }, note) : null,
  );
}

const classes = (c) =>
  [c.num ? "num" : null, c.wrap ? "wrap" : null, c.minor ? "minor" : null, c.block ? "block" : null].filter(Boolean).join(" ") || null;

/**
 * A table whose columns are `{ label, cell(row), num?, wrap?, minor?, block? }` (num: right-aligned; wrap: may
 * wrap; on a phone, where each row is shown as a small card, minor: left out; block: under its label).
 */
export function table(columns, rows, { caption, rowAttrs } = {}) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      {},
      caption ? h("caption", { class: "visually-hidden" }, caption) : null,
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          columns.map((c) => h("th", { scope: "col", class: classes(c) }, c.label)),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((row) =>
          h(
            "tr",
            rowAttrs ? rowAttrs(row) : {},
            columns.map((c) => h("td", { class: classes(c), "data-label": c.label }, c.cell(row))),
          ),
        ),
      ),
    ),
  );
}

/** What to show when there is nothing (yet): a title and a sentence saying what to do. */
export function empty(title, text) {
  return h("div", { class: "empty", role: "status" }, h("p", { class: "empty-title" }, title), text ? h("p", {}, text) : null);
}

/** An error the view could not recover from, said in words. */
export function errorBox(title, text) {
  return h("div", { class: "error-box", role: "alert" }, h("p", { class: "empty-title" }, title), text ? h("p", {}, text) : null);
}

export function section(title, ...children) {
  return h("section", { class: "panel" }, h("h2", {}, title), ...children);
}
