/**
 * Drives the stack as a user does, from the command line: `npm start` (the same script, without npm's
 * wrapper) and the Hardhat tasks, as child processes with their own ports, database and deployments folder.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { freePort, tempDir } from "../indexer/harness";

const ROOT = path.join(__dirname, "..", "..");
const BIN = path.join(ROOT, "node_modules", ".bin");

export interface StartedStack {
  apiUrl: string;
  rpcUrl: string;
  dbPath: string;
  /** Everything the start script printed so far. */
  output(): string;
  /** Sends Ctrl-C and resolves with the exit code. */
  stop(): Promise<number | null>;
  child: ChildProcess;
}

/** A folder for one end-to-end run: its database and its deployments/ stand-in. */
export function workspace() {
  const { dir, remove } = tempDir("reelsplit-e2e-");
  return { dir, dbPath: path.join(dir, "data", "reelsplit.db"), deployments: path.join(dir, "deployments"), remove };
}

/** The stack's log (indexer and API), the last `bytes` of it. */
export function readLog(ws: ReturnType<typeof workspace>, bytes = 4000): string {
  const file = path.join(path.dirname(ws.dbPath), "stack.log");
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").slice(-bytes) : "(no stack.log)";
}

/** `npm start -- <args>` until it prints that it is running (or exits, which fails the test). */
export async function startStack(args: string[], ws: ReturnType<typeof workspace>): Promise<StartedStack> {
  const rpcPort = await freePort();
  const apiPort = await freePort();
  const child = spawn(
    path.join(BIN, "ts-node"),
    ["--transpile-only", "scripts/start.ts", "--rpc-port", String(rpcPort), "--api-port", String(apiPort), "--db", ws.dbPath, ...args],
    { cwd: ROOT, env: { ...process.env, REELSPLIT_DEPLOYMENTS_DIR: ws.deployments }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const onData = () => {
      if (output.includes("Press Ctrl-C to stop.")) {
        child.stdout!.off("data", onData);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    void exited.then((code) => reject(new Error(`npm start exited (${code}) before it was ready:\n${output}`)));
  });
  return {
    apiUrl: `http://127.0.0.1:${apiPort}`,
    rpcUrl: `http://127.0.0.1:${rpcPort}`,
    dbPath: ws.dbPath,
    output: () => output,
    child,
    async stop() {
      if (child.exitCode === null) child.kill("SIGINT");
      return exited;
    },
  };
}

export interface TaskResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npx hardhat --network localhost <task> <args>` against the started stack. */
export function hardhatTask(stack: StartedStack, ws: ReturnType<typeof workspace>, task: string, args: string[]): Promise<TaskResult> {
  return new Promise((resolve) => {
    const child = spawn(path.join(BIN, "hardhat"), ["--network", "localhost", task, ...args], {
      cwd: ROOT,
      env: { ...process.env, RPC_URL: stack.rpcUrl, REELSPLIT_DEPLOYMENTS_DIR: ws.deployments },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** GET a JSON document from the API. */
export async function getJson<T = Record<string, unknown>>(stack: StartedStack, route: string): Promise<{ status: number; body: T }> {
  const res = await fetch(stack.apiUrl + route);
  return { status: res.status, body: (await res.json()) as T };
}

/** Polls `probe` until it returns a value, or fails after `ms` with the last reason. */
export async function within<T>(ms: number, what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100)); // the next look, not a synchronisation: the deadline decides (and 10 looks a second stay far below the API's rate limit)
  }
}
