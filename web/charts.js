// Chart.js (served by the API from /vendor/chart.js, loaded before the modules) behind three helpers
// that create a chart once and update it in place afterwards, so live updates never flicker.

import { h } from "./dom.js";

export const COLOURS = {
  rightsHolder: "#4f46e5",
  mcn: "#0d9488",
  platform: "#d97706",
  bar: "#3b5bdb",
  grid: "#e6e8ee",
  text: "#4a5261",
};
const PALETTE = ["#3b5bdb", "#0d9488", "#d97706", "#c2255c", "#7048e8", "#2b8a3e", "#e8590c"];

function chartAvailable() {
  return typeof window.Chart === "function";
}

/**
 * A figure holding a canvas for a chart, with a text alternative for screen readers (and for when
 * Chart.js could not load). `update(config, summary)` draws or redraws it.
 */
export function chartBox(label, { height = 260 } = {}) {
  const canvas = h("canvas", { role: "img", "aria-label": label });
  const fallback = h("p", { class: "chart-summary" });
  const box = h("figure", { class: "chart-box" }, h("div", { class: "chart-canvas" }, canvas), fallback);
  box.firstChild.style.height = `${height}px`;
  let chart = null;
  return {
    el: box,
    update(config, summary) {
      fallback.textContent = summary;
      canvas.setAttribute("aria-label", `${label}: ${summary}`);
      if (!chartAvailable()) {
        box.classList.add("no-chart");
        return;
      }
      if (!chart) {
        chart = new window.Chart(canvas, config);
        return;
      }
      chart.data.labels = config.data.labels;
      config.data.datasets.forEach((ds, i) => {
        if (chart.data.datasets[i]) Object.assign(chart.data.datasets[i], ds);
        else chart.data.datasets.push(ds);
      });
      chart.data.datasets.length = config.data.datasets.length;
      chart.update("none");
    },
    destroy() {
      chart?.destroy();
      chart = null;
    },
  };
}

const base = (extra = {}) => ({
  responsive: true,
  maintainAspectRatio: false,
  animation: false,
  plugins: { legend: { display: false }, tooltip: { enabled: true } },
  ...extra,
});

const axes = (yTitle) => ({
  x: { grid: { display: false }, ticks: { color: COLOURS.text, maxRotation: 0, autoSkip: true, autoSkipPadding: 12 } },
  y: {
    beginAtZero: true,
    grid: { color: COLOURS.grid },
    ticks: { color: COLOURS.text, precision: 0 },
    title: yTitle ? { display: true, text: yTitle, color: COLOURS.text } : undefined,
  },
});

/** Doughnut of `values` (integers, e.g. basis points) labelled `labels`. */
export function doughnutConfig(labels, values, colours) {
  return {
    type: "doughnut",
    data: { labels, datasets: [{ data: values, backgroundColor: colours, borderColor: "#fff", borderWidth: 2 }] },
    options: base({ cutout: "62%" }),
  };
}

/** Bars of counts (never amounts: amounts stay exact strings, the tables beside the charts show them). */
export function barConfig(labels, values, { yTitle, colours } = {}) {
  return {
    type: "bar",
    data: {
      labels,
      datasets: [{ label: yTitle ?? "", data: values, backgroundColor: colours ?? labels.map((_, i) => PALETTE[i % PALETTE.length]) }],
    },
    options: base({ scales: axes(yTitle) }),
  };
}

/** Sales per minute: one thin bar a minute. */
export function timelineConfig(labels, values) {
  return {
    type: "bar",
    data: { labels, datasets: [{ label: "sales", data: values, backgroundColor: COLOURS.bar, borderRadius: 2, barPercentage: 0.9 }] },
    options: base({ scales: axes("sales") }),
  };
}
