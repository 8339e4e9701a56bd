// #/parties: look an address up; #/parties/:address: what it can withdraw, has in escrow (and when the
// next release is due), withdrew and earned, per token, and its latest credits — updated live.

import { getJson } from "../api.js";
import { h, address, amount, card, empty, errorBox, hash, section, table } from "../dom.js";
import { formatDuration, formatTime, isAddress, ROLE_LABEL, sentenceCase, shortHex } from "../format.js";

const REASON_LABEL = { sale: "Share of a sale", release: "Released from escrow", refund: "Refund" };

function lookupForm(value = "") {
  const input = h("input", {
    id: "party-address",
    name: "address",
    type: "text",
    inputmode: "text",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "0x…",
    value,
    "aria-describedby": "party-address-help",
  });
  const form = h(
    "form",
    { class: "lookup", role: "search" },
    h("label", { for: "party-address" }, "Address"),
    h("div", { class: "lookup-row" }, input, h("button", { type: "submit", class: "button" }, "Show payouts")),
    h("p", { id: "party-address-help", class: "help" }, "A rights holder's, MCN's, platform's or channel's address: 0x and 40 hex digits."),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/parties/${input.value.trim()}`;
  });
  return form;
}

export function partyPicker(root) {
  const known = h("div");
  root.append(
    h(
      "div",
      { class: "view-head" },
      h("h1", {}, "Parties"),
      h("p", { class: "lede" }, "Look up what any party has earned, can withdraw and has in escrow."),
    ),
    h("section", { class: "panel" }, lookupForm()),
    section("Parties of the licences", known),
  );
  let last = "";
  return {
    async refresh() {
      const page = await getJson("/licences?limit=100");
      const text = JSON.stringify(page);
      if (text === last) return;
      last = text;
      const roles = new Map();
      for (const l of page.items)
        for (const [role, addr] of [
          ["rightsHolder", l.rightsHolder],
          ["mcn", l.mcn],
          ["platform", l.platform],
        ]) {
          const entry = roles.get(addr) ?? { addr, roles: new Set(), licences: new Set() };
          entry.roles.add(ROLE_LABEL[role]);
          entry.licences.add(l.licenceId);
          roles.set(addr, entry);
        }
      known.replaceChildren(
        roles.size === 0
          ? empty("No parties yet", "Parties appear once a rights holder registers a licence.")
          : table(
              [
                { label: "Party", cell: (p) => address(p.addr) },
                { label: "Role", cell: (p) => [...p.roles].join(", ") },
                {
                  label: "Licences",
                  cell: (p) => [...p.licences].map((id, i) => [i ? ", " : "", h("a", { href: `#/licences/${id}` }, `#${id}`)]),
                },
              ],
              [...roles.values()],
              { caption: "Parties of the licences" },
            ),
      );
    },
  };
}

export function party(root, params, ctx) {
  const addr = decodeURIComponent(params[0]);
  const head = h(
    "div",
    { class: "view-head" },
    h("p", { class: "crumbs" }, h("a", { href: "#/parties" }, "Parties"), " / ", shortHex(addr)),
    h("h1", {}, "Payouts of ", address(addr, { link: false })),
    h("p", { class: "lede live" }, h("span", { class: "live-dot", "aria-hidden": "true" }), h("span", { id: "party-updated" }, "Loading…")),
  );
  root.append(head);
  if (!isAddress(addr)) {
    root.append(
      errorBox(`“${addr}” is not an address`, "An address is 0x followed by 40 hexadecimal digits. Check it and try again."),
      h("section", { class: "panel" }, lookupForm(addr)),
    );
    return {};
  }
  const tokens = h("div");
  const licences = h("div");
  const credits = h("div");
  root.append(tokens, section("Credits by licence", licences), section("Recent credits", credits));
  const updated = head.querySelector("#party-updated");

  let last = "";
  let seenCredits = null;
  let countdowns = [];
  const tick = () => {
    for (const { el, at } of countdowns) {
      const left = (Date.parse(at) - Date.now()) / 1000;
      el.textContent = left > 0 ? `next release in ${formatDuration(left)}` : "next release due now: anyone can release it";
    }
  };
  const ticker = setInterval(tick, 1000);

  return {
    async refresh() {
      const p = await getJson(`/parties/${addr}/payouts`);
      updated.textContent = `Updated ${formatTime(new Date().toISOString())} · refreshes every 2 s`;
      const text = JSON.stringify(p);
      if (text === last) return;
      last = text;
      render(p);
    },
    destroy() {
      clearInterval(ticker);
    },
  };

  function render(p) {
    if (p.tokens.length === 0 && p.licences.length === 0 && p.recentCredits.length === 0) {
      tokens.replaceChildren(
        empty(
          "Nothing credited to this address yet",
          "The ledger has never credited it. Check the address — or, if it is a new party, its first share shows up here by itself as soon as a sale under one of its licences is settled.",
        ),
      );
    } else {
      countdowns = [];
      tokens.replaceChildren(
        ...p.tokens.map((t) => {
          const sym = t.symbol ?? ctx.symbol(t.token);
          const countdown = h("span", { class: "countdown", "data-metric": "next-release" });
          if (t.nextReleaseAt) countdowns.push({ el: countdown, at: t.nextReleaseAt });
          else countdown.textContent = BigInt(t.escrowed) > 0n ? "frozen by a dispute until its ruling" : "nothing in escrow";
          return h(
            "div",
            { class: "token-group", "data-token": t.token },
            h("h2", { class: "token-title" }, `${sym ?? "Token"} `, h("span", { class: "muted mono" }, t.token)),
            h(
              "div",
              { class: "cards" },
              card("Claimable now", amount(t.claimable, t.decimals, sym), { metric: "claimable", note: "can be withdrawn at any time" }),
              card("In escrow", amount(t.escrowed, t.decimals, sym), {
                metric: "escrowed",
                note: h("span", {}, countdown, t.nextReleaseAt ? h("span", { class: "muted" }, ` (${formatTime(t.nextReleaseAt)})`) : null),
              }),
              card("Withdrawn", amount(t.withdrawn, t.decimals, sym), { metric: "withdrawn", note: "paid out so far" }),
              card("Earned", amount(t.earned, t.decimals, sym), { metric: "earned", note: "claimable + withdrawn" }),
            ),
          );
        }),
      );
      tick();
    }

    licences.replaceChildren(
      p.licences.length === 0
        ? empty("No licences", "This address is not a party to any licence that has settled a sale.")
        : table(
            [
              { label: "Licence", cell: (l) => h("a", { href: `#/licences/${l.licenceId}` }, `#${l.licenceId}`) },
              { label: "Role", cell: (l) => ROLE_LABEL[l.role] ?? l.role },
              { label: "Credited", num: true, cell: (l) => amount(l.credited, l.decimals, ctx.symbol(l.token)) },
              { label: "In escrow", num: true, cell: (l) => amount(l.escrowed, l.decimals, ctx.symbol(l.token)) },
            ],
            p.licences,
            { caption: "Credits by licence" },
          ),
    );

    const key = (c) => `${c.blockNumber}:${c.txHash}:${c.saleId}:${c.reason}`;
    const fresh = seenCredits ? new Set(p.recentCredits.map(key).filter((k) => !seenCredits.has(k))) : new Set();
    seenCredits = new Set(p.recentCredits.map(key));
    credits.replaceChildren(
      p.recentCredits.length === 0
        ? empty("No credits yet", "Each share of a sale paid at once, each release from escrow and each refund is listed here.")
        : table(
            [
              { label: "Time (UTC)", cell: (c) => formatTime(c.timestamp).replace(" UTC", "") },
              {
                label: "Reason",
                cell: (c) => h("span", { class: `reason reason-${c.reason}` }, REASON_LABEL[c.reason] ?? sentenceCase(c.reason)),
              },
              { label: "Licence", cell: (c) => h("a", { href: `#/licences/${c.licenceId}` }, `#${c.licenceId}`) },
              { label: "Sale", cell: (c) => hash(c.saleId, { href: `#/sales/${c.saleId}`, what: "sale id" }) },
              { label: "Block", num: true, cell: (c) => String(c.blockNumber) },
              { label: "Amount", num: true, cell: (c) => amount(c.amount, c.decimals, ctx.symbol(c.token)) },
            ],
            p.recentCredits,
            {
              caption: "The 20 most recent credits, newest first",
              rowAttrs: (c) => ({ class: fresh.has(key(c)) ? "fresh" : null, "data-sale": c.saleId }),
            },
          ),
    );
  }
}
