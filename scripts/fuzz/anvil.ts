/**
 * anvil for the sequence fuzzer: started on a free loopback port with a fixed genesis time and one second
 * between blocks (so that a sequence's block times, and with them every escrow window, are the same on
 * every replay); and a raw JSON-RPC client over one kept-alive connection.
 */
import http from "node:http";
import type net from "node:net";
import { startChain } from "../../test/indexer/harness";

/** The genesis time of every fuzzing chain: mid-2025. */
export const GENESIS_TIME = 1_750_000_000;

export interface Anvil {
  url: string;
  stop(): Promise<void>;
}

export type Request = (method: string, params: unknown[]) => Promise<unknown>;

/** A JSON-RPC error as an Error that keeps the node's `data` (the revert data of a refused transaction). */
export class RpcError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly data: unknown,
  ) {
    super(message);
  }
}

/** Starts anvil (shanghai, 20 accounts, the fixed genesis time) with one second between blocks. */
export async function startAnvil(): Promise<Anvil> {
  const chain = await startChain("anvil", { genesisTimestamp: GENESIS_TIME });
  await rpcClient(chain.url)("anvil_setBlockTimestampInterval", [1]);
  return { url: chain.url, stop: () => chain.stop() };
}

/** A JSON-RPC client over one kept-alive connection (no batching, no retries: a refusal is an answer). */
export function rpcClient(url: string): Request {
  const { hostname, port } = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let id = 0;
  return (method: string, params: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params });
      const req = http.request(
        {
          host: hostname,
          port,
          method: "POST",
          path: "/",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => {
            try {
              const reply = JSON.parse(text) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
              if (reply.error) reject(new RpcError(reply.error.message, reply.error.code, reply.error.data));
              else resolve(reply.result);
            } catch (error) {
              reject(error instanceof Error ? error : new Error(String(error)));
            }
          });
        },
      );
      req.on("socket", (socket: net.Socket) => socket.setNoDelay(true));
      req.on("error", reject);
      req.end(body);
    });
}
