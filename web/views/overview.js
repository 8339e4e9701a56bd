// #/overview: ledger totals, sales per minute, and the latest sales as they are settled.

import { getJson } from "../api.js";
import { h, amount, badge, card, empty, hash, section, table } from "../dom.js";
import { chartBox, timelineConfig } from "../charts.js";
import { formatCount, formatTime } from "../format.js";

export function overview(root, _params, ctx) {
  const cards = h("div", { class: "cards" });
  const tokenCards = h("div", { class: "token-cards" });
  const timeline = chartBox("Sales per minute over the last hour", { height: 220 });
  const timelineNote = h("p", { class: "panel-note" });
  const latest = h("div");
  root.append(
    h(
      "div",
      { class: "view-head" },
      h("h1", {}, "Overview"),
      h("p", { class: "lede" }, "Every sale split between rights holder, MCN and platform, as the chain settles it."),
    ),
    cards,
    tokenCards,
    section("Sales per minute", timelineNote, timeline.el),
    section("Latest sales", latest),
  );

  let lastOverview = "";
  let lastTimeline = "";
  return {
    async refresh() {
      const [o, perMinute] = await Promise.all([getJson("/stats/overview"), getJson("/stats/sales-per-minute?minutes=60")]);
      ctx.learnTokens(o.tokens);
      ctx.learnChannels(o.channels);
      const text = JSON.stringify(o);
      if (text !== lastOverview) {
        lastOverview = text;
        renderTotals(o);
        renderLatest(o);
      }
      const tText = JSON.stringify(perMinute);
      if (tText !== lastTimeline) {
        lastTimeline = tText;
        timelineNote.textContent = `${formatCount(perMinute.total)} sales between ${formatTime(perMinute.from)} and ${formatTime(perMinute.to)} (block time).`;
        timeline.update(
          timelineConfig(
            perMinute.buckets.map((b) => b.start.slice(11, 16)),
            perMinute.buckets.map((b) => b.sales),
          ),
          `${formatCount(perMinute.total)} sales in the last ${perMinute.buckets.length} minutes; busiest minute ${formatCount(
            Math.max(0, ...perMinute.buckets.map((b) => b.sales)),
          )}`,
        );
      }
    },
    destroy() {
      timeline.destroy();
    },
  };

  function renderTotals(o) {
    const l = o.licences;
    cards.replaceChildren(
      card("Sales settled", formatCount(o.sales.total), {
        metric: "sales-total",
        note: o.sales.latestAt ? `${formatCount(o.sales.refunded)} refunded · latest ${formatTime(o.sales.latestAt)}` : "No sale yet",
      }),
      card("Active licences", formatCount(l.active), {
        metric: "licences-active",
        note: `${formatCount(l.total)} registered · ${formatCount(l.proposed)} awaiting consent`,
      }),
      card("Open disputes", formatCount(o.disputes.open), {
        metric: "disputes-open",
        note: `${formatCount(o.disputes.upheld)} upheld · ${formatCount(o.disputes.rejected)} rejected`,
      }),
      card("Channels", formatCount(o.channels.length), {
        metric: "channels",
        note: o.channels.map((c) => c.name).join(" · ") || "None yet",
      }),
    );
    tokenCards.replaceChildren(
      ...o.tokens.map((t) => {
        const sym = t.symbol ?? undefined;
        return h(
          "div",
          { class: "token-group", "data-token": t.token },
          h("h2", { class: "token-title" }, `${t.symbol ?? "Token"} `, h("span", { class: "muted mono" }, t.token)),
          h(
            "div",
            { class: "cards" },
            card("Gross sales", amount(t.gross, t.decimals, sym), {
              metric: "gross",
              note: `${formatCount(t.sales)} sales, refunds taken out`,
            }),
            card("Commission", amount(t.commission, t.decimals, sym), { metric: "commission", note: "split between the three parties" }),
            card("In escrow", amount(t.escrowed, t.decimals, sym), { metric: "escrowed", note: "waiting for the licence's hold to end" }),
            card("Claimable now", amount(t.claimable, t.decimals, sym), { metric: "claimable", note: "credited, not withdrawn yet" }),
            card("Withdrawn", amount(t.withdrawn, t.decimals, sym), { metric: "withdrawn", note: "paid out of the vault" }),
          ),
        );
      }),
    );
  }

  function renderLatest(o) {
    if (o.latestSales.length === 0) {
      latest.replaceChildren(
        empty(
          "No sales yet",
          "Sales appear here within seconds of being mined, once a channel reports one under an active licence (npm start settles a few demo sales).",
        ),
      );
      return;
    }
    latest.replaceChildren(
      table(
        [
          { label: "Time (UTC)", cell: (s) => formatTime(s.timestamp).replace(" UTC", "") },
          { label: "Licence", cell: (s) => h("a", { href: `#/licences/${s.licenceId}` }, `#${s.licenceId}`) },
          { label: "Channel", cell: (s) => s.channel.name ?? `#${s.channel.channelId}` },
          { label: "Gross", num: true, cell: (s) => amount(s.grossAmount, s.decimals, ctx.symbol(s.token)) },
          { label: "Commission", num: true, cell: (s) => amount(s.commissionAmount, s.decimals, ctx.symbol(s.token)) },
          { label: "Status", cell: (s) => badge(s.status) },
          { label: "Sale", cell: (s) => hash(s.saleId, { href: `#/sales/${s.saleId}`, what: "sale id" }) },
        ],
        o.latestSales,
        { caption: "The ten latest sales, newest first", rowAttrs: (s) => ({ "data-sale": s.saleId }) },
      ),
    );
  }
}
