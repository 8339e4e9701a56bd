/** `npm run api`: serves the indexer's database over HTTP. See `npm run api -- --help`. */
import path from "node:path";
import { parseArgs } from "node:util";
import { build } from "./app";
import { DEFAULT_RATE_LIMIT } from "./plugins/security";

const USAGE = `Usage: npm run api -- [options]

Options (environment variable in brackets):
  --host <host>   interface to listen on [API_HOST] (default 127.0.0.1)
  --port <port>   port [API_PORT] (default 3000)
  --db <file>     the indexer's SQLite database [INDEXER_DB] (default data/reelsplit.db)
  --rpc <url>     JSON-RPC endpoint for /audit/sales/:saleId/verify [RPC_URL] (default http://127.0.0.1:8545)
  --auth-config <file>
                  API key file: with it, payouts, sales and disputes need a party or auditor key and /audit and
                  /metrics an auditor key; without it everything is public (the local demo) [API_AUTH_CONFIG]
                  (keys: npm run apikey -- --role party --address 0x… --config <file>)
  --cors-origin <origin>
                  an origin allowed to call the API from a browser, e.g. https://dash.example.com; repeat for
                  more, or * for any [API_CORS_ORIGINS, comma-separated] (default none: CORS closed)
  --rate-limit <n|off>
                  requests per minute per client IP [API_RATE_LIMIT] (default 600)
  --help`;

async function main() {
  const { values } = parseArgs({
    options: {
      host: { type: "string" },
      port: { type: "string" },
      db: { type: "string" },
      rpc: { type: "string" },
      "auth-config": { type: "string" },
      "cors-origin": { type: "string", multiple: true },
      "rate-limit": { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port ?? process.env.API_PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not "${values.port}"`);
  const rateLimitArg = values["rate-limit"] ?? process.env.API_RATE_LIMIT;
  const perMinute = rateLimitArg === undefined || rateLimitArg === "off" ? undefined : Number(rateLimitArg);
  if (perMinute !== undefined && (!Number.isInteger(perMinute) || perMinute < 1))
    throw new Error(`--rate-limit must be a number of requests per minute, or off, not "${rateLimitArg}"`);
  const authConfig = values["auth-config"] ?? (process.env.API_AUTH_CONFIG || undefined);
  const corsOrigins =
    values["cors-origin"] ??
    (process.env.API_CORS_ORIGINS ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean);
  const app = await build({
    dbPath: values.db ?? process.env.INDEXER_DB ?? path.join("data", "reelsplit.db"),
    rpcUrl: values.rpc ?? process.env.RPC_URL ?? "http://127.0.0.1:8545",
    logger: { level: process.env.LOG_LEVEL ?? "info" },
    authConfig,
    corsOrigins,
    rateLimit: rateLimitArg === "off" ? false : perMinute === undefined ? undefined : { max: perMinute, timeWindowMs: 60_000 },
  });
  app.log.info(
    `access control ${authConfig ? `on (keys from ${authConfig})` : "off: every route is public"}; ` +
      `CORS ${corsOrigins.length ? `open to ${corsOrigins.join(", ")}` : "closed"}; ` +
      `rate limit ${rateLimitArg === "off" ? "off" : `${perMinute ?? DEFAULT_RATE_LIMIT.max} requests a minute per IP`}`,
  );
  const close = () => void app.close().then(() => process.exit(0));
  process.once("SIGINT", close);
  process.once("SIGTERM", close);
  await app.listen({ host: values.host ?? process.env.API_HOST ?? "127.0.0.1", port });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
