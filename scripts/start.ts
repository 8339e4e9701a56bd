/**
 * `npm start`: the whole consortium on this machine — a chain, the contracts, the indexer and the API —
 * until Ctrl-C. See `npm start -- --help`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { parseArgs } from "node:util";
import { ethers } from "ethers";
import { build } from "../api/app";
import { createIndexer, type Indexer } from "../indexer/indexer";
import { createLogger } from "../indexer/log";
import { deployContracts, deploymentPath, readDeployment, writeDeployment, type Deployment } from "./lib/deployment";
import { DEMO_ACCOUNTS, seedDemo, type Demo } from "./lib/demo";

const ROOT = path.join(__dirname, "..");

export const USAGE = `Usage: npm start -- [options]

Starts a local chain (Hardhat's network on loopback), deploys the contracts, seeds a demo consortium, and
runs the indexer and the API until Ctrl-C.

Options (environment variable in brackets):
  --no-demo                  start empty: contracts and the demo stablecoin only (default: seed the demo)
  --rpc <url>                use this chain instead of starting one; deploys only if deployments/<chainId>.json
                             is missing or is for another genesis; the node must hold the accounts' keys
  --rpc-port <port>          the local chain's port [RPC_PORT] (default 8545)
  --api-port <port>          the API's port [API_PORT] (default 3000)
  --db <file>                the indexer's database [INDEXER_DB] (default data/reelsplit.db); a fresh local
                             chain always starts it over
  --reset                    with --rpc: start the database over
  --sales-per-second <n>     the demo's stream of sales (default 2; 0: seed the history only)
  --help

Logs: the chain's in data/chain.log; the indexer's, and the API's warnings (LOG_LEVEL=info: every request), in
data/stack.log.`;

interface StartOptions {
  demo: boolean;
  rpc?: string;
  rpcPort: number;
  apiPort: number;
  dbPath: string;
  reset: boolean;
  salesPerSecond: number;
}

function port(name: string, raw: string | undefined, fallback: number): number {
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new UsageError(`${name} must be a port number, not "${raw}"`);
  return value;
}

class UsageError extends Error {}

function parseOptions(argv: string[]): StartOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowNegative: true,
      options: {
        demo: { type: "boolean", default: true },
        rpc: { type: "string" },
        "rpc-port": { type: "string" },
        "api-port": { type: "string" },
        db: { type: "string" },
        reset: { type: "boolean", default: false },
        "sales-per-second": { type: "string" },
        help: { type: "boolean", default: false },
      },
    }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${USAGE}`);
  }
  if (values.help) return undefined;
  const env = process.env;
  const rate = Number(values["sales-per-second"] ?? 2);
  if (!Number.isFinite(rate) || rate < 0 || rate > 50)
    throw new UsageError(`--sales-per-second must be between 0 and 50, not "${values["sales-per-second"]}"`);
  if (values.rpc !== undefined && !/^https?:\/\//.test(values.rpc))
    throw new UsageError(`--rpc must be an http(s) URL, not "${values.rpc}"`);
  return {
    demo: values.demo,
    rpc: values.rpc,
    rpcPort: port("--rpc-port", values["rpc-port"] ?? env.RPC_PORT, 8545),
    apiPort: port("--api-port", values["api-port"] ?? env.API_PORT, 3000),
    dbPath: values.db ?? env.INDEXER_DB ?? path.join("data", "reelsplit.db"),
    reset: values.reset,
    salesPerSecond: rate,
  };
}

/** Refuses early, in words, when something else already listens on a port we need. */
async function ensureFree(portNumber: number, what: string, flag: string): Promise<void> {
  if (portNumber === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", () =>
      reject(new UsageError(`port ${portNumber} is in use, so the ${what} cannot listen there: stop what holds it or pass ${flag} <port>`)),
    );
    probe.listen(portNumber, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

/** Hardhat's network as a JSON-RPC server on loopback, its log in data/chain.log. */
function startChain(rpcPort: number, logFile: string, say: (line: string) => void): Promise<ChildProcess> {
  const hardhat = path.join(ROOT, "node_modules", ".bin", "hardhat");
  const log = fs.openSync(logFile, "w");
  return new Promise((resolve, reject) => {
    const node = spawn(hardhat, ["node", "--hostname", "127.0.0.1", "--port", String(rpcPort)], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", log],
    });
    let starting = true;
    let output = "";
    node.stdout!.on("data", (chunk: Buffer) => {
      fs.writeSync(log, chunk);
      if (!starting) return;
      output += chunk.toString();
      if (output.includes("Started HTTP and WebSocket JSON-RPC server")) {
        starting = false;
        resolve(node);
      }
    });
    node.once("exit", (code, signal) => {
      if (starting) reject(new Error(`the local chain stopped (exit ${code}) before it was ready; see ${logFile}`));
      else if (signal !== "SIGTERM" && signal !== "SIGINT") say(`the local chain stopped (exit ${code ?? signal}); see ${logFile}`);
    });
  });
}

/** The deployment to use on this chain: the recorded one if its contracts are there, else a new one. */
async function ensureDeployment(
  provider: ethers.JsonRpcProvider,
  fresh: boolean,
  say: (s: string) => void,
): Promise<{ deployment: Deployment; deployed: boolean }> {
  const chainId = Number((await provider.getNetwork()).chainId);
  const genesis = (await provider.getBlock(0))!.hash!;
  const existing = fresh ? undefined : readDeployment(chainId);
  if (existing && existing.genesisHash === genesis && (await provider.getCode(existing.contracts.Settlement)) !== "0x") {
    say(`Using the deployment in ${path.relative(process.cwd(), deploymentPath(chainId))}`);
    return { deployment: existing, deployed: false };
  }
  const deployer = await provider.getSigner(0);
  const deployment = await deployContracts(deployer, { demoToken: true });
  const file = writeDeployment(deployment);
  say(
    `Deployed Settlement ${deployment.contracts.Settlement}, DisputeRegistry ${deployment.contracts.DisputeRegistry} → ${path.relative(process.cwd(), file)}`,
  );
  return { deployment, deployed: true };
}

export interface Stack {
  rpcUrl: string;
  apiUrl: string;
  deployment: Deployment;
  demo?: Demo;
  stop(): Promise<void>;
}

/** Brings the stack up; `npm start` and the end-to-end tests both come through here. */
export async function startStack(options: StartOptions, say: (line: string) => void = console.log): Promise<Stack> {
  const dataDir = path.dirname(path.resolve(options.dbPath));
  fs.mkdirSync(dataDir, { recursive: true });
  const stops: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
    stops.length = 0;
  };
  try {
    let rpcUrl = options.rpc;
    if (!rpcUrl) {
      await ensureFree(options.rpcPort, "local chain", "--rpc-port");
      rpcUrl = `http://127.0.0.1:${options.rpcPort}`;
      say(`Starting a local chain on ${rpcUrl} …`);
      const node = await startChain(options.rpcPort, path.join(dataDir, "chain.log"), say);
      stops.push(
        () =>
          new Promise<void>((resolve) => (node.exitCode !== null ? resolve() : (node.once("exit", () => resolve()), node.kill("SIGTERM")))),
      );
    }
    await ensureFree(options.apiPort, "API", "--api-port");
    const provider = new ethers.JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, pollingInterval: 100 });
    stops.push(() => provider.destroy());
    if (options.demo) {
      // The demo signs for eleven parties with keys the node holds: check before deploying anything.
      const held = ((await provider.send("eth_accounts", [])) as string[]).length;
      if (held < DEMO_ACCOUNTS.length) {
        throw new UsageError(
          `the demo signs for ${DEMO_ACCOUNTS.length} parties with keys the node holds, but ${rpcUrl} holds ${held}: ` +
            `start it with more accounts (anvil --accounts 20) or pass --no-demo`,
        );
      }
    }
    const { deployment, deployed } = await ensureDeployment(provider, !options.rpc, say);

    let demo: Demo | undefined;
    if (options.demo && deployed) {
      demo = await seedDemo(provider, deployment, (line) => say(`  demo: ${line}`));
    } else if (options.demo) {
      say("  demo: this chain already has a deployment, so the demo is not seeded again");
    }

    const stackLog = fs.createWriteStream(path.join(dataDir, "stack.log"), { flags: "a" });
    stops.push(() => new Promise<void>((resolve) => stackLog.end(() => resolve())));
    const reset = !options.rpc || options.reset; // a fresh local chain means a fresh database
    if (reset) for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(options.dbPath + suffix, { force: true });
    let caughtUp: () => void = () => {};
    const caughtUpOnce = new Promise<void>((resolve) => (caughtUp = resolve));
    const indexer: Indexer = createIndexer({
      rpcUrl,
      dbPath: options.dbPath,
      deployment,
      confirmations: 0,
      finalityDepth: 64,
      pollIntervalMs: 250,
      maxRange: 2000,
      concurrency: 3,
      once: false,
      reset,
      log: createLogger({ format: "json", stream: stackLog }),
      onProgress: (p) => p.indexedBlock >= p.targetBlock && caughtUp(),
    });
    const running = indexer.run();
    stops.push(async () => {
      indexer.stop();
      await running.catch(() => {});
    });
    // The API opens the database read-only, so it starts once the indexer has caught up with the chain:
    // what it serves from the first request on includes everything deployed and seeded above.
    await Promise.race([caughtUpOnce, running.then(() => Promise.reject(new Error("the indexer stopped before it started")))]);
    running.catch((err: Error) => say(`the indexer stopped: ${err.message}`));

    const app = await build({ dbPath: options.dbPath, rpcUrl, logger: { level: process.env.LOG_LEVEL ?? "warn", stream: stackLog } });
    stops.push(() => app.close());
    await app.listen({ host: "127.0.0.1", port: options.apiPort });
    const apiUrl = `http://127.0.0.1:${(app.server.address() as net.AddressInfo).port}`;

    if (demo) {
      demo.startStream({ salesPerSecond: options.salesPerSecond, onError: (err) => say(`demo sale refused: ${err.message}`) });
      stops.push(() => demo.stop()); // stops run last-in first-out: the stream stops first
    }
    return { rpcUrl, apiUrl, deployment, demo, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function describe(stack: Stack): string {
  const { apiUrl, rpcUrl, deployment, demo } = stack;
  const lines = [
    "",
    `reelsplit is running on chain ${deployment.chainId}.`,
    "",
    `  Dashboard  ${apiUrl}/`,
    `  API        ${apiUrl}`,
    `  API docs   ${apiUrl}/docs`,
    `  Chain      ${rpcUrl}`,
    `  Contracts  Settlement ${deployment.contracts.Settlement}`,
    `             DisputeRegistry ${deployment.contracts.DisputeRegistry}`,
    `             dCNY (demo stablecoin, 2 decimals) ${deployment.contracts.DemoStablecoin ?? "—"}`,
    "",
  ];
  if (demo) {
    lines.push("Accounts (the local chain's dev keys; the index is --from in the Hardhat tasks):");
    DEMO_ACCOUNTS.forEach((a, i) => lines.push(`  ${String(i).padStart(2)}  ${demo.accounts[a.name].address}  ${a.label}`));
    lines.push(
      "",
      "Try (one request per role):",
      `  rights holder  curl -s '${apiUrl}/licences?rightsHolder=${demo.accounts.rightsHolder.address}'`,
      `  MCN            curl -s ${apiUrl}/parties/${demo.accounts.mcn.address}/payouts`,
      `  auditor        curl -s '${apiUrl}/audit/events?format=csv' | head`,
    );
  } else {
    lines.push(
      `Accounts: the chain's dev keys; the consortium admin is ${deployment.admin} (--from 0 in the Hardhat tasks).`,
      "",
      "Try:",
      `  curl -s ${apiUrl}/health`,
      `  npx hardhat --network localhost member:grant --role rights-holder --account <address>`,
    );
  }
  lines.push("", "Press Ctrl-C to stop.");
  return lines.join("\n");
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
  if (!options) {
    console.log(USAGE);
    return;
  }
  const stack = await startStack(options);
  console.log(describe(stack));
  let stopping = false;
  const shutdown = () => {
    if (stopping) process.exit(130); // a second Ctrl-C does not wait
    stopping = true;
    console.log("\nStopping the demo, the API, the indexer and the chain …");
    void stack.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
