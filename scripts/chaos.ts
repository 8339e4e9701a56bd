/**
 * `npm run chaos`: the indexer under SIGKILLs, reorgs and an RPC outage, then compared row by row with a
 * clean index of the final chain (scripts/lib/chaos.ts says how). Prints its counts and exits 1 on any
 * violation: a lost, duplicated or stale row, a remembered block hash or a balance that is not the chain's,
 * an unexpected indexer exit, or an outage the API did not report or the indexer did not recover from.
 *
 *   npm run chaos
 *   npm run chaos -- --seed 1234 --kills 20 --reorgs 50 --outage-seconds 30
 *   CHAOS_SEED=1234 CHAOS_OUTAGE_SECONDS=5 npm run chaos
 */
import { parseArgs } from "node:util";
import { CHAOS_DEFAULTS, detailLines, runChaos, summaryLine, type ChaosOptions } from "./lib/chaos";

const USAGE = `Usage: npm run chaos -- [options]

Options (environment variable in brackets):
  --seed <n>             seed of every random choice [CHAOS_SEED] (default: a new one, printed)
  --kills <n>            SIGKILLs of the indexer, half in the backfill, half in the live tail [CHAOS_KILLS] (default ${CHAOS_DEFAULTS.kills})
  --reorgs <n>           reorgs [CHAOS_REORGS] (default ${CHAOS_DEFAULTS.reorgs})
  --max-depth <n>        deepest reorg; depths run from 1 [CHAOS_MAX_DEPTH] (default ${CHAOS_DEFAULTS.maxDepth})
  --outage-seconds <n>   how long the RPC endpoint disappears, 0 for none [CHAOS_OUTAGE_SECONDS] (default ${CHAOS_DEFAULTS.outageSeconds})
  --backlog-sales <n>    sales settled before the indexer starts [CHAOS_BACKLOG_SALES] (default ${CHAOS_DEFAULTS.backlogSales})
  --max-range <n>        the indexer's --max-range [CHAOS_MAX_RANGE] (default ${CHAOS_DEFAULTS.maxRange})
  --keep                 keep the temporary folder (databases, indexer log)
  --quiet                only the summary
  --help`;

function count(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new Error(`${name} must be a whole number ≥ ${min}, not "${raw}"`);
  return Number(raw);
}

function options(): (ChaosOptions & { quiet: boolean }) | undefined {
  const { values } = parseArgs({
    strict: true,
    options: {
      seed: { type: "string" },
      kills: { type: "string" },
      reorgs: { type: "string" },
      "max-depth": { type: "string" },
      "outage-seconds": { type: "string" },
      "backlog-sales": { type: "string" },
      "max-range": { type: "string" },
      keep: { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return undefined;
  const env = process.env;
  return {
    seed: count("--seed", values.seed ?? env.CHAOS_SEED, Math.floor(Math.random() * 2 ** 31), 0),
    kills: count("--kills", values.kills ?? env.CHAOS_KILLS, CHAOS_DEFAULTS.kills, 0),
    reorgs: count("--reorgs", values.reorgs ?? env.CHAOS_REORGS, CHAOS_DEFAULTS.reorgs, 0),
    maxDepth: count("--max-depth", values["max-depth"] ?? env.CHAOS_MAX_DEPTH, CHAOS_DEFAULTS.maxDepth, 1),
    outageSeconds: count("--outage-seconds", values["outage-seconds"] ?? env.CHAOS_OUTAGE_SECONDS, CHAOS_DEFAULTS.outageSeconds, 0),
    backlogSales: count("--backlog-sales", values["backlog-sales"] ?? env.CHAOS_BACKLOG_SALES, CHAOS_DEFAULTS.backlogSales, 1),
    maxRange: count("--max-range", values["max-range"] ?? env.CHAOS_MAX_RANGE, CHAOS_DEFAULTS.maxRange, 1),
    keep: values.keep ?? false,
    quiet: values.quiet ?? false,
  };
}

async function main(): Promise<number> {
  let o;
  try {
    o = options();
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 1;
  }
  if (!o) {
    console.log(USAGE);
    return 0;
  }
  if (o.maxDepth >= 64) {
    console.error("--max-depth must stay below the indexer's finality depth (64): deeper reorgs stop it by design");
    return 1;
  }
  console.error(
    `chaos: seed ${o.seed}; ${o.kills} kills, ${o.reorgs} reorgs of depth 1–${o.maxDepth}, ` +
      `${o.outageSeconds ? `an RPC outage of ${o.outageSeconds} s` : "no outage"}, a backlog of ${o.backlogSales.toLocaleString("en")} sales`,
  );
  const report = await runChaos({ ...o, log: o.quiet ? undefined : (line) => console.error(line) });
  if (o.keep) console.error(`kept ${report.dir}`);
  for (const line of detailLines(report)) console.log(line);
  for (const v of report.violations) console.log(`VIOLATION: ${v}`);
  console.log(summaryLine(report));
  if (report.violations.length > 0) console.log(`${report.violations.length} violation(s); replay with --seed ${o.seed}`);
  return report.violations.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
