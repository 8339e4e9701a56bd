/**
 * anvil for the sequence fuzzer: started on a free loopback port with a fixed genesis time and one second
 * between blocks (so that a sequence's block times, and with them every escrow window, are the same on
 * every replay); and a raw JSON-RPC client over one kept-alive connection.
 */
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import net from "node:net";
import path from "node:path";

const ROOT = path.join(__dirname, "..", "..");

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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts anvil and resolves once it says it is listening (its own output, not a timer). */
export async function startAnvil(): Promise<Anvil> {
  const port = await freePort();
  const args = [
    "--port",
    String(port),
    "--host",
    "127.0.0.1",
    "--hardfork",
    "shanghai",
    "--accounts",
    "20",
    "--timestamp",
    String(GENESIS_TIME),
  ];
  const child = spawn(path.join(ROOT, "node_modules", ".bin", "anvil"), args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`anvil did not start within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Listening on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`anvil exited with ${code} before it was ready:\n${output}`));
    });
  });
  // Keep draining its output (it logs every transaction) so the pipe never fills and blocks it.
  child.stdout!.removeAllListeners("data");
  child.stderr!.removeAllListeners("data");
  child.stdout!.resume();
  child.stderr!.resume();

  const url = `http://127.0.0.1:${port}`;
  await rpcClient(url)("anvil_setBlockTimestampInterval", [1]);
  return { url, stop: () => stop(child) };
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

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
