// #/licences: every licence; #/licences/:id: its split, scope, window, status and sales by channel.

import { getJson } from "../api.js";
import { h, address, amount, badge, card, empty, hash, section, table } from "../dom.js";
import { chartBox, doughnutConfig, barConfig, COLOURS } from "../charts.js";
import { formatBps, formatCount, formatDate, formatHold, formatTime, sentenceCase } from "../format.js";

const STATUSES = ["proposed", "active", "expired", "superseded", "suspended", "terminated", "cancelled"];

export function licenceList(root, _params, ctx) {
  const status = h(
    "select",
    { id: "licence-status", name: "status" },
    h("option", { value: "" }, "Any status"),
    STATUSES.map((s) => h("option", { value: s }, sentenceCase(s))),
  );
  const body = h("div");
  const more = h("div", { class: "pager" });
  root.append(
    h(
      "div",
      { class: "view-head" },
      h("h1", {}, "Licences"),
      h("p", { class: "lede" }, "Who is paid what share of each drama's sales, on which channels, and until when."),
    ),
    h(
      "div",
      { class: "toolbar" },
      h("label", { for: "licence-status" }, "Status"),
      status,
      h(
        "span",
        { class: "key", "aria-hidden": "true" },
        [
          ["rightsHolder", "rights holder"],
          ["mcn", "MCN"],
          ["platform", "platform"],
        ].map(([key, label]) => h("span", {}, h("span", { class: "swatch", "data-colour": key }), label)),
      ),
    ),
    h("section", { class: "panel" }, body, more),
  );
  let pages = [];
  let last = "";
  status.addEventListener("change", () => {
    pages = [];
    last = "";
    void ctx.refreshNow();
  });

  async function page(cursor) {
    const q = new URLSearchParams({ limit: "50" });
    if (status.value) q.set("status", status.value);
    if (cursor) q.set("cursor", cursor);
    return getJson(`/licences?${q}`);
  }

  function render() {
    const items = pages.flatMap((p) => p.items);
    if (items.length === 0) {
      body.replaceChildren(
        empty(
          status.value ? `No ${status.value} licences` : "No licences yet",
          status.value
            ? "Choose another status above."
            : "A rights holder registers a licence; it settles sales once the MCN and the platform accept it.",
        ),
      );
    } else {
      body.replaceChildren(
        table(
          [
            { label: "Licence", cell: (l) => h("a", { href: `#/licences/${l.licenceId}` }, `#${l.licenceId}`) },
            { label: "Status", cell: (l) => badge(l.status) },
            {
              label: "Parties and split",
              block: true,
              cell: (l) =>
                h(
                  "div",
                  { class: "parties" },
                  [
                    ["rightsHolder", "Rights holder"],
                    ["mcn", "MCN"],
                    ["platform", "Platform"],
                  ].map(([key, role]) =>
                    h(
                      "div",
                      { class: "party-line", "data-role": key },
                      h("span", { class: "swatch", "data-colour": key, title: role }),
                      h("span", { class: "visually-hidden" }, `${role} `),
                      address(l[key]),
                      h("span", { class: "party-bps" }, formatBps(l.splitBps[key])),
                    ),
                  ),
                ),
            },
            { label: "Commission", num: true, cell: (l) => formatBps(l.commissionBps) },
            { label: "Channels", wrap: true, cell: (l) => l.channels.map((c) => c.name ?? `#${c.channelId}`).join(", ") },
            { label: "Valid until", cell: (l) => formatDate(l.validUntil) },
            { label: "Sales", num: true, cell: (l) => formatCount(l.totals.reduce((t, x) => t + x.sales, 0)) },
            {
              label: "Commission paid",
              num: true,
              cell: (l) =>
                l.totals.length ? l.totals.map((t) => h("div", {}, amount(t.commission, t.decimals, ctx.symbol(t.token)))) : "—",
            },
          ],
          items,
          { caption: "Licences", rowAttrs: (l) => ({ "data-licence": l.licenceId }) },
        ),
      );
    }
    const next = pages.at(-1)?.nextCursor;
    more.replaceChildren(
      ...(next
        ? [
            h(
              "button",
              {
                type: "button",
                class: "button secondary",
                on: {
                  click: async () => {
                    pages.push(await page(next));
                    render();
                  },
                },
              },
              "Load more licences",
            ),
          ]
        : []),
    );
  }

  return {
    async refresh() {
      // Live: the first page is re-read; further pages are loaded on demand.
      const first = await page();
      pages = [first, ...pages.slice(1)];
      const text = JSON.stringify(pages);
      if (text === last) return;
      last = text;
      render();
    },
  };
}

export function licenceDetail(root, params, ctx) {
  const id = Number(params[0]);
  const head = h("div", { class: "view-head" }, h("p", { class: "crumbs" }, h("a", { href: "#/licences" }, "Licences"), " / ", `#${id}`));
  const cards = h("div", { class: "cards" });
  const split = chartBox(`Split of licence #${id}`, { height: 240 });
  const splitLegend = h("div", { class: "split-legend" });
  const facts = h("div");
  const byChannel = chartBox(`Sales of licence #${id} by channel`, { height: 220 });
  const channelTable = h("div");
  const disputes = h("div");
  root.append(
    head,
    cards,
    h(
      "div",
      { class: "grid-2" },
      section("Split of the commission", h("div", { class: "split" }, split.el, splitLegend)),
      section("Terms", facts),
    ),
    section("Sales by channel", byChannel.el, channelTable),
    section("Disputes", disputes),
  );

  let last = "";
  return {
    async refresh() {
      const [l, channels, ds] = await Promise.all([
        getJson(`/licences/${id}`),
        getJson(`/stats/licences/${id}/channels`),
        getJson(`/disputes?licenceId=${id}&limit=100`),
      ]);
      const text = JSON.stringify([l, channels, ds]);
      if (text === last) return;
      last = text;
      render(l, channels, ds);
    },
    destroy() {
      split.destroy();
      byChannel.destroy();
    },
  };

  function render(l, channels, ds) {
    head.replaceChildren(
      h("p", { class: "crumbs" }, h("a", { href: "#/licences" }, "Licences"), " / ", `#${l.licenceId}`),
      h("h1", {}, `Licence #${l.licenceId} `, badge(l.status)),
      h("p", { class: "lede" }, "Content ", hash(l.contentId, { what: "content id" }), ` · registered ${formatTime(l.registeredAt)}`),
    );
    const totalSales = l.totals.reduce((t, x) => t + x.sales, 0);
    cards.replaceChildren(
      card("Commission rate", formatBps(l.commissionBps), { metric: "commission-rate", note: "of each sale's gross, rounded down" }),
      card("Sales", formatCount(totalSales), { metric: "sales", note: "refunded ones taken out" }),
      ...l.totals.flatMap((t) => [
        card("Gross sales", amount(t.gross, t.decimals, ctx.symbol(t.token)), { metric: "gross" }),
        card("Commission", amount(t.commission, t.decimals, ctx.symbol(t.token)), { metric: "commission" }),
      ]),
      card("Refund hold", formatHold(l.holdSeconds), {
        metric: "hold",
        note: l.holdSeconds ? "commission waits in escrow" : "credited when mined",
      }),
    );

    const parties = [
      ["rightsHolder", "Rights holder", l.rightsHolder],
      ["mcn", "MCN", l.mcn],
      ["platform", "Platform", l.platform],
    ];
    split.update(
      doughnutConfig(
        parties.map(([, label]) => label),
        parties.map(([key]) => l.splitBps[key]),
        parties.map(([key]) => COLOURS[key]),
      ),
      parties.map(([key, label]) => `${label} ${formatBps(l.splitBps[key])}`).join(", "),
    );
    splitLegend.replaceChildren(
      ...parties.map(([key, label, addr]) =>
        h(
          "div",
          { class: "legend-row", "data-role": key },
          h("span", { class: "swatch", "data-colour": key }),
          h("span", { class: "legend-label" }, label),
          h("strong", { class: "legend-bps", "data-metric": `bps-${key}` }, formatBps(l.splitBps[key])),
          h(
            "div",
            { class: "legend-amount" },
            l.totals.length
              ? l.totals.map((t) =>
                  h(
                    "div",
                    {},
                    h("span", { "data-metric": `earned-${key}` }, amount(t[key], t.decimals, ctx.symbol(t.token))),
                    h("span", { class: "muted" }, " earned"),
                  ),
                )
              : h("span", { class: "muted" }, "nothing earned yet"),
          ),
          h("div", { class: "legend-address" }, address(addr)),
        ),
      ),
    );

    const now = Date.now();
    const until = Date.parse(l.validUntil);
    const from = Date.parse(l.validFrom);
    const remaining =
      now < from
        ? `starts in ${Math.ceil((from - now) / 86_400_000)} days`
        : now > until
          ? "ended"
          : `${Math.ceil((until - now) / 86_400_000)} days left`;
    const dl = (rows) =>
      h(
        "dl",
        { class: "facts" },
        rows.filter(Boolean).flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
      );
    facts.replaceChildren(
      dl([
        ["Status", badge(l.status)],
        [
          "Scope",
          h(
            "span",
            { class: "chips" },
            l.channels.map((c) => h("span", { class: "chip" }, c.name ?? `#${c.channelId}`)),
          ),
        ],
        ["Window", `${formatTime(l.validFrom)} → ${formatTime(l.validUntil)} (${remaining})`],
        ["Consent", `MCN ${l.accepted.mcn ? "accepted" : "not yet"} · platform ${l.accepted.platform ? "accepted" : "not yet"}`],
        ["Active since", l.activatedAt ? formatTime(l.activatedAt) : "not active yet"],
        l.supersedes ? ["Supersedes", h("a", { href: `#/licences/${l.supersedes}` }, `#${l.supersedes}`)] : null,
        l.supersededBy ? ["Superseded by", h("a", { href: `#/licences/${l.supersededBy}` }, `#${l.supersededBy}`)] : null,
        ["Terms", h("span", {}, hash(l.termsHash, { what: "terms hash" }), " ", h("span", { class: "muted break" }, l.termsURI))],
        ["Registered in", hash(l.txHash, { what: "transaction" })],
      ]),
    );

    const rows = channels.channels;
    byChannel.update(
      barConfig(
        rows.map((c) => c.name ?? `#${c.channelId}`),
        rows.map((c) => c.sales),
        { yTitle: "sales" },
      ),
      rows.map((c) => `${c.name ?? c.channelId}: ${formatCount(c.sales)} sales`).join(", ") || "no channels",
    );
    const tokenRows = rows.flatMap((c) => (c.totals.length ? c.totals.map((t) => ({ c, t })) : [{ c, t: null }]));
    channelTable.replaceChildren(
      totalSales === 0 && rows.every((c) => c.sales === 0)
        ? empty(
            "No sales yet",
            l.status === "proposed"
              ? "This licence settles sales once the MCN and the platform have both accepted it."
              : "Sales on the channels in scope appear here as they are settled.",
          )
        : table(
            [
              {
                label: "Channel",
                cell: ({ c }) =>
                  h("span", {}, c.name ?? `#${c.channelId}`, c.inScope ? null : h("span", { class: "muted" }, " (no longer in scope)")),
              },
              { label: "Sales", num: true, cell: ({ t }) => formatCount(t ? t.sales : 0) },
              { label: "Gross", num: true, cell: ({ t }) => (t ? amount(t.gross, t.decimals, ctx.symbol(t.token)) : "—") },
              { label: "Commission", num: true, cell: ({ t }) => (t ? amount(t.commission, t.decimals, ctx.symbol(t.token)) : "—") },
            ],
            tokenRows,
            { caption: "Sales by channel", rowAttrs: ({ c }) => ({ "data-channel": c.name ?? c.channelId }) },
          ),
    );

    disputes.replaceChildren(
      ds.items.length === 0
        ? empty("No disputes", "Nobody has disputed this licence or its sales.")
        : table(
            [
              { label: "Dispute", cell: (d) => h("a", { href: `#/disputes/${d.disputeId}` }, `#${d.disputeId}`) },
              {
                label: "On",
                cell: (d) =>
                  d.target.kind === "sale"
                    ? h("span", {}, "sale ", hash(d.target.id, { href: `#/sales/${d.target.id}`, what: "sale id" }))
                    : "the licence",
              },
              { label: "Reason", cell: (d) => sentenceCase(d.reason) },
              { label: "Opened", cell: (d) => formatTime(d.openedAt) },
              { label: "Status", cell: (d) => badge(d.status) },
            ],
            ds.items,
            { caption: "Disputes on this licence" },
          ),
    );
  }
}
