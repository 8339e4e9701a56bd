import { createPublicClient, decodeEventLog, erc20Abi, http, numberToHex, type Hex, type Log, type PublicClient } from "viem";
import type { EventCatalogue } from "./abi";
import { FatalIndexerError, EXIT, RangeTooLargeError, isRangeTooLarge, isRetryable } from "./errors";
import type { Logger } from "./log";

export interface Header {
  number: bigint;
  hash: Hex;
  parentHash: Hex;
  timestamp: bigint;
}

/** A log decoded against the indexed contracts' ABIs; `args` are as viem decodes them. */
export interface DecodedLog {
  blockNumber: bigint;
  blockHash: Hex;
  logIndex: number;
  transactionHash: Hex;
  address: Hex;
  eventName: string;
  args: Record<string, unknown>;
  /** Present when the node includes it in the log (recent geth, anvil); saves fetching the block. */
  blockTimestamp?: bigint;
}

export interface Rpc {
  chainId(): Promise<number>;
  headNumber(): Promise<bigint>;
  /** The block header at `number`, or undefined when the chain is shorter than that. */
  header(number: bigint): Promise<Header | undefined>;
  /** Logs of the indexed contracts in [from, to], decoded, in (block, logIndex) order. */
  logs(addresses: Hex[], from: bigint, to: bigint): Promise<DecodedLog[]>;
  /** Logs of the indexed contracts in the block with `blockHash` (EIP-234), decoded. */
  logsOfBlock(addresses: Hex[], blockHash: Hex): Promise<DecodedLog[]>;
  tokenMetadata(token: Hex): Promise<{ symbol: string | null; decimals: number | null }>;
  client: PublicClient;
}

export interface RpcOptions {
  url: string;
  catalogue: EventCatalogue;
  log: Logger;
  /** Attempts for a retryable error before giving up (default 8: 15–30 s of back-off). */
  retries?: number;
  /** First back-off delay in ms (doubles each attempt, with jitter). */
  backoffMs?: number;
  timeoutMs?: number;
}

type RawLog = Log<bigint, number, false> & { blockTimestamp?: Hex };

export function createRpc(options: RpcOptions): Rpc {
  const { catalogue, log } = options;
  const retries = options.retries ?? 8;
  const backoffMs = options.backoffMs ?? 200;
  // Headers and token reads are small and go out batched; eth_getLogs goes alone, so viem's 10 MiB response
  // cap applies to one range at a time and a refused range can be split.
  const client = createPublicClient({
    transport: http(options.url, { batch: { batchSize: 200, wait: 0 }, retryCount: 0, timeout: options.timeoutMs ?? 30_000 }),
  }) as PublicClient;
  const logClient = createPublicClient({
    transport: http(options.url, { batch: false, retryCount: 0, timeout: options.timeoutMs ?? 30_000 }),
  }) as PublicClient;

  async function withRetry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (isRangeTooLarge(err)) throw err;
        if (!isRetryable(err) || attempt > retries) {
          if (isRetryable(err)) {
            throw new FatalIndexerError(
              `the RPC endpoint ${options.url} kept failing (${what}): ${(err as Error).message.split("\n")[0]}`,
              EXIT.RPC_UNAVAILABLE,
            );
          }
          throw err;
        }
        const delay = Math.min(backoffMs * 2 ** (attempt - 1), 10_000) * (0.5 + Math.random() / 2);
        log.warn({ what, attempt, delayMs: Math.round(delay), error: (err as Error).message.split("\n")[0] }, "RPC call failed, retrying");
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  function decode(raw: RawLog[]): DecodedLog[] {
    const out: DecodedLog[] = [];
    for (const l of raw) {
      if (l.removed) continue;
      const known = l.topics[0] && catalogue.byTopic.get(l.topics[0]);
      if (!known) continue; // OpenZeppelin events we do not index would land here; none today
      const decoded = decodeEventLog({ abi: [known.event], data: l.data, topics: l.topics, strict: true });
      out.push({
        blockNumber: BigInt(l.blockNumber as unknown as Hex),
        blockHash: l.blockHash!,
        logIndex: Number(l.logIndex as unknown as Hex),
        transactionHash: l.transactionHash!,
        address: l.address,
        eventName: decoded.eventName!,
        args: decoded.args as unknown as Record<string, unknown>,
        ...(l.blockTimestamp ? { blockTimestamp: BigInt(l.blockTimestamp) } : {}),
      });
    }
    return out.sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));
  }

  async function getLogs(filter: Record<string, unknown>, from: bigint, to: bigint): Promise<DecodedLog[]> {
    try {
      const raw = (await withRetry(`eth_getLogs ${from}..${to}`, () =>
        logClient.request({ method: "eth_getLogs", params: [filter as never] }),
      )) as unknown as RawLog[];
      return decode(raw);
    } catch (err) {
      if (isRangeTooLarge(err)) throw new RangeTooLargeError(from, to, err);
      throw err;
    }
  }

  return {
    client,
    chainId: () => withRetry("eth_chainId", () => client.getChainId()),
    headNumber: () => withRetry("eth_blockNumber", () => client.getBlockNumber({ cacheTime: 0 })),
    async header(number) {
      const block = await withRetry(`eth_getBlockByNumber ${number}`, () =>
        client.request({ method: "eth_getBlockByNumber", params: [numberToHex(number), false] }),
      );
      if (!block) return undefined;
      return { number, hash: block.hash!, parentHash: block.parentHash, timestamp: BigInt(block.timestamp) };
    },
    logs: (addresses, from, to) => getLogs({ address: addresses, fromBlock: numberToHex(from), toBlock: numberToHex(to) }, from, to),
    logsOfBlock: (addresses, blockHash) => getLogs({ address: addresses, blockHash }, 0n, 0n),
    async tokenMetadata(token) {
      const read = async <T>(functionName: "symbol" | "decimals"): Promise<T | null> => {
        try {
          return (await withRetry(`${functionName}() of ${token}`, () =>
            client.readContract({ address: token, abi: erc20Abi, functionName }),
          )) as T;
        } catch {
          return null; // not every ERC-20 implements the optional metadata
        }
      };
      return { symbol: await read<string>("symbol"), decimals: await read<number>("decimals") };
    },
  };
}
