/** Structured logs: one JSON object a line (or a readable line on a terminal), on stderr. */
export type Level = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(options: { format?: "json" | "pretty"; level?: Level; stream?: NodeJS.WritableStream } = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const format = options.format ?? ((stream as NodeJS.WriteStream).isTTY ? "pretty" : "json");
  const min = ORDER[options.level ?? "info"];
  const write = (level: Level, fields: Record<string, unknown>, msg: string) => {
    if (ORDER[level] < min) return;
    const clean = JSON.parse(JSON.stringify(fields, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))) as Record<
      string,
      unknown
    >;
    if (format === "json") {
      stream.write(JSON.stringify({ level, time: new Date().toISOString(), msg, ...clean }) + "\n");
    } else {
      const extra = Object.entries(clean)
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join(" ");
      stream.write(`${new Date().toISOString().slice(11, 19)} ${level.padEnd(5)} ${msg}${extra ? "  " + extra : ""}\n`);
    }
  };
  return {
    debug: (f, m) => write("debug", f, m),
    info: (f, m) => write("info", f, m),
    warn: (f, m) => write("warn", f, m),
    error: (f, m) => write("error", f, m),
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
