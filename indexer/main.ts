/** `npm run indexer`: the command-line indexer. See `npm run indexer -- --help`. */
import { ConfigError, parseConfig, USAGE } from "./config";
import { EXIT, FatalIndexerError } from "./errors";
import { createIndexer, type Progress } from "./indexer";
import { createLogger } from "./log";

function progressReporter(format: "json" | "pretty", log: ReturnType<typeof createLogger>) {
  let lastLine = 0;
  const tty = format === "pretty" && process.stderr.isTTY;
  return (p: Progress) => {
    const now = Date.now();
    if (tty && p.phase === "backfill") {
      const done = p.targetBlock > 0 ? p.indexedBlock / p.targetBlock : 1;
      const width = 30;
      const bar = "=".repeat(Math.round(done * width)).padEnd(width, " ");
      const eta = p.etaSeconds === null ? "?" : `${Math.ceil(p.etaSeconds)}s`;
      process.stderr.write(
        `\r[${bar}] ${(done * 100).toFixed(1).padStart(5)}%  block ${p.indexedBlock}/${p.targetBlock}  ` +
          `${p.events.toLocaleString("en")} events  ${Math.round(p.eventsPerSecond).toLocaleString("en")} ev/s  ETA ${eta}   `,
      );
      if (p.indexedBlock >= p.targetBlock) process.stderr.write("\n");
    } else if (now - lastLine >= 5000) {
      lastLine = now;
      log.info({ ...p, eventsPerSecond: Math.round(p.eventsPerSecond) }, p.phase === "backfill" ? "backfilling" : "following the chain");
    }
  };
}

async function main(): Promise<number> {
  let config;
  try {
    config = parseConfig(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT.FATAL;
    }
    throw err;
  }
  if (config.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.OK;
  }
  const format = config.logFormat ?? (process.stderr.isTTY ? "pretty" : "json");
  const log = createLogger({ format });
  const indexer = createIndexer({ ...config, log, onProgress: progressReporter(format, log) });
  const stop = () => {
    log.info({}, "stopping after the current range");
    indexer.stop();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  log.info(
    { rpc: config.rpcUrl, db: config.dbPath, confirmations: config.confirmations, finalityDepth: config.finalityDepth },
    "indexer starting",
  );
  try {
    await indexer.run();
    return EXIT.OK;
  } catch (err) {
    if (err instanceof FatalIndexerError) {
      log.error({ exitCode: err.exitCode }, err.message);
      return err.exitCode;
    }
    log.error({ stack: (err as Error).stack }, (err as Error).message);
    return EXIT.FATAL;
  }
}

main().then((code) => process.exit(code));
