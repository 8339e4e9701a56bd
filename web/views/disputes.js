// #/disputes and #/disputes/:id: each dispute as a timeline — opened, evidence, suspension, ruling.

import { getJson } from "../api.js";
import { h, address, badge, empty, hash } from "../dom.js";
import { formatTime, sentenceCase } from "../format.js";

function step(kind, title, time, ...body) {
  return h(
    "li",
    { class: `step step-${kind}` },
    h("span", { class: "step-dot", "aria-hidden": "true" }),
    h(
      "div",
      { class: "step-body" },
      h("div", { class: "step-title" }, h("strong", {}, title), time ? h("time", { datetime: time }, formatTime(time)) : null),
      ...body,
    ),
  );
}

function timeline(d) {
  const steps = [
    step(
      "opened",
      "Opened",
      d.openedAt,
      h("p", {}, "by ", address(d.openedBy), ` · reason: ${sentenceCase(d.reason)} · block ${d.openedBlock}`),
      h("p", { class: "muted" }, "transaction ", hash(d.txHash, { what: "transaction" })),
    ),
    ...d.evidence.map((e, i) =>
      step(
        "evidence",
        i === 0 && e.by === d.openedBy && e.at === d.openedAt ? "Evidence filed with the dispute" : "Evidence added",
        e.at,
        h("p", {}, "by ", address(e.by), " · ", hash(e.hash, { what: "evidence hash" }), ` · block ${e.blockNumber}`),
      ),
    ),
  ];
  if (d.licenceSuspendedPendingRuling)
    steps.push(
      step(
        "suspended",
        "Licence suspended pending the ruling",
        null,
        h("p", {}, `An arbiter suspended licence #${d.licenceId} while the dispute is open.`),
      ),
    );
  if (d.status === "open") {
    steps.push(
      step("pending", "Awaiting a ruling", null, h("p", { class: "muted" }, "An arbiter who is not a party to the licence rules on it.")),
    );
  } else {
    steps.push(
      step(
        d.status,
        d.status === "upheld" ? "Ruling: upheld" : "Ruling: rejected",
        d.resolvedAt,
        h("p", {}, "by ", address(d.resolvedBy), d.remedy && d.remedy !== "none" ? ` · remedy: ${sentenceCase(d.remedy)}` : null),
        d.ruling ? h("p", { class: "muted" }, "ruling document ", hash(d.ruling, { what: "ruling hash" })) : null,
        h(
          "p",
          { class: "muted" },
          d.target.kind === "sale"
            ? d.status === "upheld"
              ? "The sale's commission went back to its channel."
              : "The sale is paid out on its schedule."
            : d.status === "upheld"
              ? "The licence was suspended or terminated."
              : "Any suspension made during the dispute was lifted.",
        ),
      ),
    );
  }
  return h("ol", { class: "timeline" }, steps);
}

function disputeCard(d) {
  return h(
    "article",
    { class: "panel dispute", "data-dispute": d.disputeId, "aria-labelledby": `dispute-${d.disputeId}` },
    h(
      "header",
      { class: "dispute-head" },
      h(
        "h2",
        { id: `dispute-${d.disputeId}` },
        h("a", { href: `#/disputes/${d.disputeId}` }, `Dispute #${d.disputeId}`),
        " ",
        badge(d.status),
      ),
      h(
        "p",
        { class: "muted" },
        d.target.kind === "sale"
          ? h(
              "span",
              {},
              "On sale ",
              hash(d.target.id, { href: `#/sales/${d.target.id}`, what: "sale id" }),
              " of licence ",
              h("a", { href: `#/licences/${d.licenceId}` }, `#${d.licenceId}`),
            )
          : h("span", {}, "On licence ", h("a", { href: `#/licences/${d.licenceId}` }, `#${d.licenceId}`)),
      ),
    ),
    timeline(d),
  );
}

export function disputes(root, params, ctx) {
  const single = params[0] ? Number(params[0]) : null;
  const status = h(
    "select",
    { id: "dispute-status", name: "status" },
    h("option", { value: "" }, "Any status"),
    ["open", "upheld", "rejected"].map((s) => h("option", { value: s }, sentenceCase(s))),
  );
  const list = h("div", { class: "disputes" });
  root.append(
    h(
      "div",
      { class: "view-head" },
      single ? h("p", { class: "crumbs" }, h("a", { href: "#/disputes" }, "Disputes"), " / ", `#${single}`) : null,
      h("h1", {}, single ? `Dispute #${single}` : "Disputes"),
      h("p", { class: "lede" }, "Opened by a party or a channel, with evidence, until an arbiter rules."),
    ),
    single ? null : h("div", { class: "toolbar" }, h("label", { for: "dispute-status" }, "Status"), status),
    list,
  );
  let last = "";
  status.addEventListener("change", () => {
    last = "";
    void ctx.refreshNow();
  });
  return {
    async refresh() {
      const items = single
        ? [await getJson(`/disputes/${single}`)]
        : (await getJson(`/disputes?limit=100${status.value ? `&status=${status.value}` : ""}`)).items;
      const text = JSON.stringify(items);
      if (text === last) return;
      last = text;
      list.replaceChildren(
        ...(items.length === 0
          ? [
              empty(
                status.value ? `No ${status.value} disputes` : "No disputes",
                "Nobody has disputed a licence or a sale. Disputes appear here the moment they are opened.",
              ),
            ]
          : items.map(disputeCard)),
      );
    },
  };
}
