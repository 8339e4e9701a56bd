/** `npm run api`: serves the indexer's database over HTTP. See `npm run api -- --help`. */
import path from "node:path";
import { parseArgs } from "node:util";
import { build } from "./app";

const USAGE = `Usage: npm run api -- [options]

Options (environment variable in brackets):
  --host <host>   interface to listen on [API_HOST] (default 127.0.0.1)
  --port <port>   port [API_PORT] (default 3000)
  --db <file>     the indexer's SQLite database [INDEXER_DB] (default data/reelsplit.db)
  --rpc <url>     JSON-RPC endpoint for /audit/sales/:saleId/verify [RPC_URL] (default http://127.0.0.1:8545)
  --help`;

async function main() {
  const { values } = parseArgs({
    options: {
      host: { type: "string" },
      port: { type: "string" },
      db: { type: "string" },
      rpc: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port ?? process.env.API_PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not "${values.port}"`);
  const app = await build({
    dbPath: values.db ?? process.env.INDEXER_DB ?? path.join("data", "reelsplit.db"),
    rpcUrl: values.rpc ?? process.env.RPC_URL ?? "http://127.0.0.1:8545",
    logger: { level: process.env.LOG_LEVEL ?? "info" },
  });
  const close = () => void app.close().then(() => process.exit(0));
  process.once("SIGINT", close);
  process.once("SIGTERM", close);
  await app.listen({ host: values.host ?? process.env.API_HOST ?? "127.0.0.1", port });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
