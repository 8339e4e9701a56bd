// #/audit: the raw event trail (with its CSV export) and, per sale, a proof against the chain;
// #/sales/:id: one sale, with the same proof.

import { download, getJson } from "../api.js";
import { h, address, amount, badge, card, empty, errorBox, hash, section, table } from "../dom.js";
import { formatCount, formatTime, isBytes32, shortHex } from "../format.js";

const EVENTS = [
  "SaleSettled",
  "SaleReleased",
  "SaleRefunded",
  "SaleFrozen",
  "SaleUnfrozen",
  "Withdrawn",
  "LicenceRegistered",
  "LicenceAccepted",
  "LicenceActivated",
  "LicenceSuperseded",
  "LicenceCancelled",
  "LicenceSuspended",
  "LicenceSuspendedPendingRuling",
  "LicenceReinstated",
  "LicenceTerminated",
  "ContentRegistered",
  "DisputeOpened",
  "EvidenceAdded",
  "DisputeResolved",
  "ChannelAdded",
  "ChannelActiveSet",
  "ChannelReporterChanged",
  "TokenAllowed",
  "TokenDisallowed",
  "CommissionBandSet",
  "RoleGranted",
  "RoleRevoked",
  "RoleAdminChanged",
  "Paused",
  "Unpaused",
];

/** A value of a check, shortened if it is a long hex string. */
function checkValue(v) {
  if (v === null) return h("span", { class: "muted" }, "missing");
  return /^0x[0-9a-fA-F]{40,}$/.test(v) ? h("span", { class: "mono", title: v }, shortHex(v, 10, 8)) : h("span", { class: "mono" }, v);
}

/** Asks the API to re-read the sale from the chain and shows each field it compared. */
export async function verifySale(saleId, into) {
  into.replaceChildren(h("p", { class: "muted", role: "status" }, "Reading the sale's receipt and block from the chain…"));
  try {
    const v = await getJson(`/audit/sales/${saleId}/verify`);
    const differing = v.checks.filter((c) => !c.equal).length;
    into.replaceChildren(
      h(
        "div",
        { class: `verdict ${v.verified ? "verdict-ok" : "verdict-bad"}`, role: "status", "data-verified": String(v.verified) },
        v.verified
          ? `✓ Verified: all ${v.checks.length} fields match the chain`
          : `✗ Not verified: ${differing} of ${v.checks.length} fields differ from the chain`,
      ),
      table(
        [
          { label: "Field", cell: (c) => h("span", { class: "mono" }, c.field) },
          { label: "Indexed (API)", cell: (c) => checkValue(c.indexed) },
          { label: "On chain", cell: (c) => checkValue(c.onChain) },
          {
            label: "Result",
            cell: (c) => h("span", { class: c.equal ? "match" : "mismatch" }, c.equal ? "✓ Matches" : "✗ Differs"),
          },
        ],
        v.checks,
        { caption: `Verification of sale ${saleId}`, rowAttrs: (c) => ({ "data-check": c.field, "data-equal": String(c.equal) }) },
      ),
    );
  } catch (err) {
    into.replaceChildren(
      errorBox(
        "Could not verify this sale",
        err.kind === "network" ? "The API is not answering: start it with npm run api, then try again." : err.message,
      ),
    );
  }
}

/** A one-line summary of an event's arguments. */
function summary(e, ctx) {
  const a = e.args;
  const sym = a.token ? ctx.symbol(a.token) : undefined;
  const dec = a.token ? ctx.decimals(a.token) : null;
  const money = (v) => (v === undefined ? null : amount(String(v), dec, sym));
  switch (e.event) {
    case "SaleSettled":
      return h(
        "span",
        {},
        `licence #${a.licenceId} · channel ${ctx.channelName(a.channelId)} · gross `,
        money(a.gross),
        " · commission ",
        money(a.commission),
      );
    case "SaleReleased":
    case "SaleFrozen":
    case "SaleUnfrozen":
      return h("span", {}, "sale ", hash(a.saleId, { href: `#/sales/${a.saleId}`, what: "sale id" }));
    case "SaleRefunded":
      return h(
        "span",
        {},
        "sale ",
        hash(a.saleId, { href: `#/sales/${a.saleId}`, what: "sale id" }),
        " · ",
        money(a.amount),
        " to ",
        address(a.to),
      );
    case "Withdrawn":
      return h("span", {}, address(a.account), " withdrew ", money(a.amount));
    default: {
      // "key value" pairs that never break inside, separated by " · " where a line may break
      const parts = Object.entries(a)
        .filter(([, v]) => typeof v !== "object" || v === null)
        .slice(0, 4)
        .map(([k, v]) =>
          h("span", { class: "kv" }, `${k} ${typeof v === "string" && v.startsWith("0x") && v.length > 14 ? shortHex(v) : v}`),
        );
      return h(
        "span",
        {},
        parts.flatMap((p, i) => (i ? [" · ", p] : [p])),
      );
    }
  }
}

export function audit(root, _params, ctx) {
  const eventSelect = h(
    "select",
    { id: "audit-event", name: "event" },
    h("option", { value: "" }, "Every event"),
    EVENTS.map((e) => h("option", { value: e }, e)),
  );
  const fromBlock = h("input", { id: "audit-from", name: "fromBlock", type: "number", min: "0", inputmode: "numeric", placeholder: "0" });
  const csv = h("a", { class: "button secondary", href: "/audit/events?format=csv", download: "reelsplit-events.csv" }, "Download CSV");
  const filters = h(
    "form",
    { class: "toolbar" },
    h("label", { for: "audit-event" }, "Event"),
    eventSelect,
    h("label", { for: "audit-from" }, "From block"),
    fromBlock,
    h("button", { type: "submit", class: "button" }, "Apply"),
    csv,
  );
  const saleInput = h("input", {
    id: "verify-sale",
    name: "saleId",
    type: "text",
    placeholder: "0x… (64 hex digits)",
    autocomplete: "off",
    spellcheck: "false",
  });
  const saleResult = h("div");
  const verifyForm = h(
    "form",
    { class: "lookup" },
    h("label", { for: "verify-sale" }, "Verify a sale by its id"),
    h("div", { class: "lookup-row" }, saleInput, h("button", { type: "submit", class: "button" }, "Verify")),
    saleResult,
  );
  const trail = h("div");
  const pager = h("div", { class: "pager" });
  root.append(
    h(
      "div",
      { class: "view-head" },
      h("h1", {}, "Audit"),
      h("p", { class: "lede" }, "Every event of the ledger in chain order, and proof that what the API serves is what the chain says."),
    ),
    section("Prove a sale against the chain", verifyForm),
    section("Event trail", filters, trail, pager),
  );

  const query = () => {
    const q = new URLSearchParams();
    if (eventSelect.value) q.set("event", eventSelect.value);
    if (fromBlock.value !== "") q.set("fromBlock", fromBlock.value);
    return q;
  };
  const updateCsv = () => {
    const q = query();
    q.set("format", "csv");
    csv.setAttribute("href", `/audit/events?${q}`);
  };
  csv.addEventListener("click", (event) => {
    // A plain link cannot send the API key: fetch it instead when one is set.
    if (!ctx.hasApiKey()) return;
    event.preventDefault();
    download(csv.getAttribute("href"), "reelsplit-events.csv").catch((err) => ctx.report(err));
  });
  verifyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const id = saleInput.value.trim();
    if (!isBytes32(id)) {
      saleResult.replaceChildren(
        errorBox("That is not a sale id", "A sale id is 0x followed by 64 hexadecimal digits (see the trail below or a sale's page)."),
      );
      return;
    }
    void verifySale(id, saleResult);
  });

  let cursors = [null];
  let loaded = null;
  async function load() {
    const q = query();
    q.set("limit", "50");
    const cursor = cursors.at(-1);
    if (cursor) q.set("cursor", cursor);
    const page = await getJson(`/audit/events?${q}`);
    loaded = page;
    render(page);
  }
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    cursors = [null];
    updateCsv();
    load().catch((err) => ctx.report(err));
  });

  function render(page) {
    if (page.items.length === 0) {
      trail.replaceChildren(
        empty(
          cursors.length > 1 || eventSelect.value || fromBlock.value ? "No events match" : "No events yet",
          "Clear the filters, or wait for the indexer to add events.",
        ),
      );
    } else {
      const columns = [
        { label: "Block", num: true, cell: (e) => String(e.blockNumber) },
        { label: "Log", num: true, minor: true, cell: (e) => String(e.logIndex) },
        { label: "Time (UTC)", cell: (e) => formatTime(e.timestamp).replace(" UTC", "") },
        { label: "Contract", minor: true, cell: (e) => e.contractName },
        { label: "Event", cell: (e) => h("span", { class: "event-name" }, e.event) },
        { label: "Details", wrap: true, cell: (e) => summary(e, ctx) },
        { label: "Transaction", cell: (e) => hash(e.txHash, { what: "transaction" }) },
        {
          label: "Proof",
          cell: (e) =>
            e.event === "SaleSettled"
              ? h(
                  "button",
                  { type: "button", class: "button small", "data-verify": e.args.saleId, "aria-label": `Verify sale ${e.args.saleId}` },
                  "Verify",
                )
              : null,
        },
      ];
      const t = table(columns, page.items, {
        caption: "Event trail",
        rowAttrs: (e) => ({ "data-event": e.event, "data-position": `${e.blockNumber}:${e.logIndex}` }),
      });
      t.addEventListener("click", (event) => {
        const button = event.target instanceof Element ? event.target.closest("button[data-verify]") : null;
        if (!button) return;
        const row = button.closest("tr");
        const next = row.nextElementSibling;
        if (next?.classList.contains("verify-row")) {
          next.remove();
          button.textContent = "Verify";
          return;
        }
        const cell = h("td", { colspan: String(columns.length) });
        row.after(h("tr", { class: "verify-row", "data-verify-of": button.dataset.verify }, cell));
        button.textContent = "Hide";
        void verifySale(button.dataset.verify, cell);
      });
      trail.replaceChildren(t);
    }
    pager.replaceChildren(
      ...[
        cursors.length > 1
          ? h(
              "button",
              {
                type: "button",
                class: "button secondary",
                on: {
                  click: () => {
                    cursors.pop();
                    load().catch((err) => ctx.report(err));
                  },
                },
              },
              "Previous page",
            )
          : null,
        page.nextCursor
          ? h(
              "button",
              {
                type: "button",
                class: "button secondary",
                on: {
                  click: () => {
                    cursors.push(page.nextCursor);
                    load().catch((err) => ctx.report(err));
                  },
                },
              },
              "Next page",
            )
          : null,
        h("span", { class: "muted" }, `Page ${cursors.length} · ${formatCount(page.items.length)} events`),
      ].filter(Boolean),
    );
  }

  return {
    // Only the last page is re-read every 2 s (earlier pages never change), so new events appear at its end.
    async refresh() {
      if (loaded && loaded.nextCursor !== null) return;
      const before = JSON.stringify(loaded);
      const q = query();
      q.set("limit", "50");
      const cursor = cursors.at(-1);
      if (cursor) q.set("cursor", cursor);
      const page = await getJson(`/audit/events?${q}`);
      if (JSON.stringify(page) === before) return;
      if (root.querySelector(".verify-row")) return; // never close a proof someone is reading
      loaded = page;
      render(page);
    },
  };
}

export function sale(root, params, ctx) {
  const saleId = params[0];
  const head = h(
    "div",
    { class: "view-head" },
    h("p", { class: "crumbs" }, h("a", { href: "#/audit" }, "Audit"), " / sale"),
    h("h1", {}, "Sale ", hash(saleId, { what: "sale id" })),
  );
  root.append(head);
  if (!isBytes32(saleId)) {
    root.append(errorBox("That is not a sale id", "A sale id is 0x followed by 64 hexadecimal digits."));
    return {};
  }
  const cards = h("div", { class: "cards" });
  const facts = h("div");
  const proof = h("div");
  const verifyButton = h("button", { type: "button", class: "button", "data-verify": saleId }, "Verify against the chain");
  verifyButton.addEventListener("click", () => void verifySale(saleId, proof));
  root.append(cards, section("Sale", facts), section("Proof", h("p", {}, verifyButton), proof));
  let last = "";
  return {
    async refresh() {
      const s = await getJson(`/sales/${saleId}`);
      const text = JSON.stringify(s);
      if (text === last) return;
      last = text;
      const sym = ctx.symbol(s.token);
      cards.replaceChildren(
        card("Gross", amount(s.grossAmount, s.decimals, sym), { metric: "gross" }),
        card("Commission", amount(s.commissionAmount, s.decimals, sym), { metric: "commission" }),
        card("Rights holder", amount(s.shares.rightsHolder, s.decimals, sym), { metric: "share-rightsHolder" }),
        card("MCN", amount(s.shares.mcn, s.decimals, sym), { metric: "share-mcn" }),
        card("Platform", amount(s.shares.platform, s.decimals, sym), { metric: "share-platform" }),
      );
      const dl = (rows) =>
        h(
          "dl",
          { class: "facts" },
          rows.filter(Boolean).flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
        );
      facts.replaceChildren(
        dl([
          ["Status", badge(s.status)],
          ["Licence", h("a", { href: `#/licences/${s.licenceId}` }, `#${s.licenceId}`)],
          ["Channel", s.channel.name ?? `#${s.channel.channelId}`],
          ["Order", hash(s.orderRef, { what: "order reference" })],
          ["Settled", `${formatTime(s.timestamp)} · block ${s.blockNumber}, log ${s.logIndex}`],
          ["Transaction", hash(s.txHash, { what: "transaction" })],
          s.releaseAt ? ["Release", `${formatTime(s.releaseAt)}${s.releasedAt ? ` (released ${formatTime(s.releasedAt)})` : ""}`] : null,
          s.refundedAt ? ["Refunded", h("span", {}, `${formatTime(s.refundedAt)} to `, address(s.refundedTo))] : null,
          s.disputes?.length
            ? [
                "Disputes",
                s.disputes.map((d, i) => [
                  i ? ", " : "",
                  h("a", { href: `#/disputes/${d.disputeId}` }, `#${d.disputeId}`),
                  " ",
                  badge(d.status),
                ]),
              ]
            : null,
        ]),
      );
    },
  };
}
