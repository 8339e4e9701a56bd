import type { Hex } from "viem";
import { RangeTooLargeError } from "../errors";
import type { DecodedLog, Header, Rpc } from "../rpc";

/** Logs of a range with the timestamps of their blocks and the header of the range's last block. */
export interface FetchedRange {
  from: bigint;
  to: bigint;
  logs: DecodedLog[];
  timestamps: Map<bigint, bigint>;
  last: Header;
}

export interface HistoricalSync {
  /** Ranges covering [from, to] in order; several are fetched at once, each is yielded when complete. */
  ranges(from: bigint, to: bigint): AsyncGenerator<FetchedRange>;
  /** The current range size, adapted to what the node accepts. */
  readonly rangeSize: bigint;
}

export interface HistoricalSyncArgs {
  rpc: Rpc;
  addresses: Hex[];
  /** Largest range asked for in one eth_getLogs. */
  maxRange: number;
  /** eth_getLogs requests in flight at once. */
  concurrency: number;
}

/**
 * Backfill: eth_getLogs over block ranges for all the contracts at once. The range shrinks when the node
 * refuses it as too large (the refused range is split in two and both halves fetched) and grows again
 * after successes; a few ranges are in flight, but they are yielded strictly in order.
 */
export function createHistoricalSync(args: HistoricalSyncArgs): HistoricalSync {
  const { rpc, addresses } = args;
  const max = BigInt(Math.max(1, args.maxRange));
  let size = max < 100n ? max : 100n;

  async function fetchLogs(from: bigint, to: bigint): Promise<DecodedLog[]> {
    try {
      const logs = await rpc.logs(addresses, from, to);
      if (to - from + 1n >= size) size = size * 2n > max ? max : size * 2n;
      return logs;
    } catch (err) {
      if (!(err instanceof RangeTooLargeError) || from === to) throw err;
      const half = (to - from + 1n) / 2n;
      if (half < size) size = half > 0n ? half : 1n;
      const mid = from + half - 1n;
      const [a, b] = await Promise.all([fetchLogs(from, mid), fetchLogs(mid + 1n, to)]);
      return a.concat(b);
    }
  }

  async function fetchRange(from: bigint, to: bigint): Promise<FetchedRange> {
    const [logs, last] = await Promise.all([fetchLogs(from, to), rpc.header(to)]);
    if (!last) throw new Error(`block ${to} disappeared while indexing it`);
    const timestamps = new Map<bigint, bigint>([[to, last.timestamp]]);
    const missing = new Set<bigint>();
    for (const l of logs) {
      if (l.blockTimestamp !== undefined) timestamps.set(l.blockNumber, l.blockTimestamp);
      else if (!timestamps.has(l.blockNumber)) missing.add(l.blockNumber);
    }
    // Only blocks with logs are fetched, and concurrently: viem batches them into few HTTP requests.
    const headers = await Promise.all([...missing].map((n) => rpc.header(n)));
    for (const h of headers) if (h) timestamps.set(h.number, h.timestamp);
    return { from, to, logs, timestamps, last };
  }

  return {
    get rangeSize() {
      return size;
    },
    async *ranges(from, to) {
      const window: Promise<FetchedRange>[] = [];
      let next = from;
      const refill = () => {
        while (window.length < args.concurrency && next <= to) {
          const end = next + size - 1n > to ? to : next + size - 1n;
          const p = fetchRange(next, end);
          p.catch(() => {}); // awaited in order below; avoid an unhandled rejection meanwhile
          window.push(p);
          next = end + 1n;
        }
      };
      refill();
      while (window.length > 0) {
        const range = await window.shift()!;
        refill();
        yield range;
      }
    },
  };
}
