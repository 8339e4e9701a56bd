/**
 * `npm run bench` ends here: one table of every benchmark's headline figures, from the JSON each one wrote
 * under bench-results/, and the same table as bench-results/summary.json.
 *
 * Speed figures are stated against a baseline measured in the same run (raw fetch+decode for the indexer,
 * a hello route for the API), because this machine is shared and its absolute speed drifts.
 */
import fs from "node:fs";
import path from "node:path";

const OUT = path.join(__dirname, "..", "..", "bench-results");

interface Row {
  bench: string;
  measure: string;
  value: string;
  target: string;
  met: boolean | null;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- each benchmark's own JSON, read loosely and checked by presence */
function read(name: string): any {
  const file = path.join(OUT, `${name}.json`);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
}

const int = (n: number) => Math.round(n).toLocaleString("en");
const ms = (n: number) => `${n.toFixed(n < 10 ? 1 : 0)} ms`;
const pct = (n: number) => `${n.toFixed(0)} %`;

export function summarise(): { measuredAt: string; rows: Row[]; missing: string[] } {
  const rows: Row[] = [];
  const missing: string[] = [];

  const gas = read("gas");
  if (!gas) missing.push("gas");
  for (const r of gas?.rows ?? []) {
    rows.push({
      bench: "gas",
      measure: r.action,
      value: int(r.gas),
      target: r.target ? `≤ ${int(r.target)}` : "",
      met: r.target ? r.gas <= r.target : null,
    });
  }

  const ix = read("indexer");
  if (!ix) missing.push("indexer");
  else {
    const events = ix.events?.total ?? 0;
    rows.push({ bench: "indexer", measure: `events in the run`, value: int(events), target: "", met: null });
    rows.push({
      bench: "indexer",
      measure: "raw fetch + decode (baseline), best",
      value: `${int(ix.raw.bestEventsPerSecond)} ev/s`,
      target: "",
      met: null,
    });
    rows.push({
      bench: "indexer",
      measure: "backfill into SQLite, best",
      value: `${int(ix.backfill.bestEventsPerSecond)} ev/s`,
      target: `≥ ${int(ix.targets.backfillEventsPerSecond.target)} ev/s`,
      met: ix.targets.backfillEventsPerSecond.met,
    });
    rows.push({
      bench: "indexer",
      measure: "backfill ÷ raw (same run)",
      value: pct(ix.ratio.bestOverBest * 100),
      target: `≥ ${pct(ix.targets.ratio.target * 100)}`,
      met: ix.targets.ratio.met,
    });
    rows.push({
      bench: "indexer",
      measure: "live: receipt → row, p50 / p99",
      value: `${ms(ix.live.p50)} / ${ms(ix.live.p99)}`,
      target: `p50 ≤ ${ms(ix.targets.liveP50Ms.target)}`,
      met: ix.targets.liveP50Ms.met,
    });
  }

  const api = read("api");
  if (!api) missing.push("api");
  else {
    const t = api.targets;
    const small = Math.min(...api.rows.map((r: any) => r.sales));
    for (const r of api.rows) {
      const size = r.sales >= 1_000_000 ? `${r.sales / 1_000_000}M` : `${r.sales / 1000}k`;
      if (r.route === "GET /hello") {
        rows.push({
          bench: "api",
          measure: `${r.route} (baseline), ${size} sales`,
          value: `${int(r.reqPerSec)} req/s`,
          target: "",
          met: null,
        });
        continue;
      }
      rows.push({
        bench: "api",
        measure: `${r.route}, ${size} sales: req/s ÷ hello`,
        value: `${int(r.reqPerSec)} req/s = ${pct(r.pctOfHello)}`,
        target: `≥ ${t.pctOfHello} %`,
        met: r.pctOfHello >= t.pctOfHello,
      });
      const base = api.rows.find((b: any) => b.route === r.route && b.sales === small);
      const ratio = r.sales !== small && base ? r.p99 / base.p99 : undefined;
      rows.push({
        bench: "api",
        measure: `${r.route}, ${size} sales: p99`,
        value: ratio === undefined ? ms(r.p99) : `${ms(r.p99)} (${ratio.toFixed(2)}× the ${small / 1000}k p99)`,
        target: ratio === undefined ? `≤ ${t.p99Ms} ms` : `≤ ${t.p99Ms} ms, ≤ ${t.p99RatioBigOverSmall}×`,
        met: r.p99 <= t.p99Ms && (ratio === undefined || ratio <= t.p99RatioBigOverSmall),
      });
    }
  }

  const inv = read("invariants");
  if (!inv) missing.push("invariants");
  else {
    rows.push({
      bench: "invariants",
      measure: "random operation sequences (Hardhat network)",
      value: `${int(inv.sequences)} sequences, ${int(inv.steps)} steps, ${inv.sequencesPerSecond} seq/s`,
      target: "0 counterexamples",
      met: !inv.failed,
    });
  }
  return { measuredAt: new Date().toISOString(), rows, missing };
}

function main() {
  const { rows, missing, measuredAt } = summarise();
  const widths = [10, Math.max(...rows.map((r) => r.measure.length)), Math.max(...rows.map((r) => r.value.length)), 24];
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  console.log(`\nreelsplit benchmarks — ${measuredAt}\n`);
  console.log(line(["bench", "measure", "value", "target", "met"]));
  console.log(line(widths.map((w) => "─".repeat(w)).concat("───")));
  for (const r of rows) console.log(line([r.bench, r.measure, r.value, r.target, r.met === null ? "" : r.met ? "yes" : "NO"]));
  const missed = rows.filter((r) => r.met === false);
  console.log(`\n${rows.filter((r) => r.met !== null).length - missed.length} targets met, ${missed.length} missed.`);
  if (missing.length) console.log(`No results yet for: ${missing.join(", ")} (run npm run bench:<name>).`);
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, "summary.json"), JSON.stringify({ measuredAt, rows, missing }, null, 2) + "\n");
  console.log(`written to bench-results/summary.json`);
}

if (require.main === module) main();
