/**
 * The indexer's two error families: retryable (an RPC hiccup: back off and try again) and fatal (the
 * database cannot follow this chain any more; a person has to decide). Fatal errors carry the exit code
 * and the sentence that tells the user what to do.
 */
export class FatalIndexerError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.FATAL,
  ) {
    super(message);
    this.name = "FatalIndexerError";
  }
}

export const EXIT = {
  OK: 0,
  /** Bad configuration, missing deployment or artifacts. */
  FATAL: 1,
  /** The database belongs to another chain or deployment, or a reorg went deeper than finality: --reset. */
  NEEDS_RESET: 2,
  /** The RPC endpoint kept failing after every retry. */
  RPC_UNAVAILABLE: 3,
} as const;

/** The node refused a log query as too large (too many results, too wide a range, too big a response). */
export class RangeTooLargeError extends Error {
  constructor(
    readonly from: bigint,
    readonly to: bigint,
    cause: unknown,
  ) {
    super(`log query for blocks ${from}..${to} is too large`, { cause });
    this.name = "RangeTooLargeError";
  }
}

const RANGE_MESSAGES = [
  /query returned more than \d+ results/i, // geth, Infura
  /exceeds? (the )?max(imum)? (rpc )?range/i, // Besu (-32005)
  /block range (is )?too (large|wide)/i,
  /range (is )?too (large|wide)/i,
  /too many (results|logs|blocks)/i,
  /log response size exceeded/i, // Alchemy
  /response (body )?(size|is too large)|exceeded the size limit/i, // viem's 10 MiB cap
  /limit exceeded/i,
  /query timeout exceeded/i,
];

interface ErrorLike {
  name?: string;
  code?: number | string;
  message?: string;
  shortMessage?: string;
  details?: string;
  status?: number;
  cause?: unknown;
}

/** Every error in a chain of causes (viem wraps RPC errors several levels deep). */
function* causes(err: unknown): Generator<ErrorLike> {
  let e: unknown = err;
  for (let depth = 0; e && typeof e === "object" && depth < 10; depth++) {
    yield e as ErrorLike;
    e = (e as ErrorLike).cause;
  }
}

function text(e: ErrorLike): string {
  return [e.message, e.shortMessage, e.details].filter(Boolean).join(" ");
}

export function isRangeTooLarge(err: unknown): boolean {
  for (const e of causes(err)) {
    if (e.name === "ResponseBodyTooLargeError") return true;
    if (e.code === -32005) return true;
    if (RANGE_MESSAGES.some((re) => re.test(text(e)))) return true;
  }
  return false;
}

/** Whether trying again later may succeed: network failures, time-outs, rate limits, server errors. */
export function isRetryable(err: unknown): boolean {
  for (const e of causes(err)) {
    if (e instanceof FatalIndexerError) return false;
    if (["HttpRequestError", "TimeoutError", "SocketClosedError", "WebSocketRequestError"].includes(e.name ?? "")) return true;
    if (typeof e.status === "number" && (e.status === 429 || e.status >= 500)) return true;
    if (e.code === -32603 || e.code === 429 || e.code === -32005) return true;
    if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|fetch failed|socket hang up|other side closed/i.test(text(e))) return true;
  }
  return false;
}
