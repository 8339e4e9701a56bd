import { parseArgs } from "node:util";
import path from "node:path";

export const USAGE = `Usage: npm run indexer -- [options]

Follows the reelsplit contracts' events into SQLite: backfills from the deployment block, then follows
the chain head, reconciling reorgs.

Options (environment variable in brackets):
  --rpc <url>              JSON-RPC endpoint [RPC_URL] (default http://127.0.0.1:8545)
  --db <file>              SQLite database [INDEXER_DB] (default data/reelsplit.db)
  --deployment <file>      deployment file [DEPLOYMENT_FILE] (default deployments/<chainId>.json)
  --confirmations <n>      stay n blocks behind the head [INDEXER_CONFIRMATIONS] (default 0)
  --finality-depth <n>     deepest reorg to reconcile; 0 on Besu QBFT [INDEXER_FINALITY_DEPTH] (default 64)
  --poll-interval <ms>     how often to look for new blocks [INDEXER_POLL_INTERVAL_MS] (default 500)
  --max-range <blocks>     largest eth_getLogs range [INDEXER_MAX_RANGE] (default 2000; keep it ≤ Besu's --rpc-max-logs-range)
  --concurrency <n>        eth_getLogs requests in flight during backfill [INDEXER_CONCURRENCY] (default 3)
  --once                   catch up with the chain, then exit
  --reset                  delete the database first and index again from the deployment block
  --log-format json|pretty structured JSON lines, or readable lines (default: pretty on a terminal)
  --help

Exit codes: 0 stopped or caught up (--once); 1 bad configuration; 2 the database belongs to another chain
or deployment, or a reorg went deeper than the finality depth (run with --reset); 3 the RPC endpoint kept failing
at start or with --once (following the chain, the indexer waits for the node and reports it in /health).`;

export interface CliConfig {
  rpcUrl: string;
  dbPath: string;
  deployment?: string;
  confirmations: number;
  finalityDepth: number;
  pollIntervalMs: number;
  maxRange: number;
  concurrency: number;
  once: boolean;
  reset: boolean;
  logFormat?: "json" | "pretty";
  help: boolean;
}

export class ConfigError extends Error {}

function count(name: string, raw: string | undefined, fallback: number, min = 0): number {
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new ConfigError(`${name} must be a whole number ≥ ${min}, not "${raw}"`);
  return Number(raw);
}

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): CliConfig {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        rpc: { type: "string" },
        db: { type: "string" },
        deployment: { type: "string" },
        confirmations: { type: "string" },
        "finality-depth": { type: "string" },
        "poll-interval": { type: "string" },
        "max-range": { type: "string" },
        concurrency: { type: "string" },
        once: { type: "boolean", default: false },
        reset: { type: "boolean", default: false },
        "log-format": { type: "string" },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n\n${USAGE}`);
  }
  const logFormat = values["log-format"];
  if (logFormat !== undefined && logFormat !== "json" && logFormat !== "pretty") {
    throw new ConfigError(`--log-format must be json or pretty, not "${logFormat}"`);
  }
  const rpcUrl = values.rpc ?? env.RPC_URL ?? "http://127.0.0.1:8545";
  if (!/^https?:\/\//.test(rpcUrl)) throw new ConfigError(`--rpc must be an http(s) URL, not "${rpcUrl}"`);
  return {
    rpcUrl,
    dbPath: values.db ?? env.INDEXER_DB ?? path.join("data", "reelsplit.db"),
    deployment: values.deployment ?? env.DEPLOYMENT_FILE,
    confirmations: count("--confirmations", values.confirmations ?? env.INDEXER_CONFIRMATIONS, 0),
    finalityDepth: count("--finality-depth", values["finality-depth"] ?? env.INDEXER_FINALITY_DEPTH, 64),
    pollIntervalMs: count("--poll-interval", values["poll-interval"] ?? env.INDEXER_POLL_INTERVAL_MS, 500, 10),
    maxRange: count("--max-range", values["max-range"] ?? env.INDEXER_MAX_RANGE, 2000, 1),
    concurrency: count("--concurrency", values.concurrency ?? env.INDEXER_CONCURRENCY, 3, 1),
    once: values.once ?? false,
    reset: values.reset ?? false,
    logFormat: logFormat as CliConfig["logFormat"],
    help: values.help ?? false,
  };
}
