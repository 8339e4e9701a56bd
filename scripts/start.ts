/**
 * `npm start`: a local consortium chain with the contracts deployed, until Ctrl-C.
 *
 * Starts Hardhat's network as a JSON-RPC server on loopback (RPC_PORT, default 8545), deploys the
 * contracts and the demo stablecoin to it, writes deployments/31337.json and prints what was deployed.
 * Each start is a fresh chain, so the deployment file is rewritten each time.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const root = path.join(__dirname, "..");
const hardhat = path.join(root, "node_modules", ".bin", "hardhat");
const port = process.env.RPC_PORT ?? "8545";
const rpcUrl = `http://127.0.0.1:${port}`;

function startNode(): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const node = spawn(hardhat, ["node", "--hostname", "127.0.0.1", "--port", port], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Started HTTP and WebSocket JSON-RPC server")) {
        node.stdout!.off("data", onData);
        resolve(node);
      }
    };
    node.stdout!.on("data", onData);
    node.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    node.on("exit", (code) => reject(new Error(`the local chain stopped (exit ${code}) before it was ready:\n${output.trim()}`)));
  });
}

function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(hardhat, args, { cwd: root, stdio: "inherit", env: { ...process.env, RPC_URL: rpcUrl } });
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`hardhat ${args.join(" ")} failed (exit ${code})`))));
  });
}

async function main() {
  console.log(`Starting a local chain on ${rpcUrl} …`);
  const node = await startNode();
  const stop = () => {
    node.kill("SIGINT");
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  node.on("exit", (code) => {
    console.error(`the local chain stopped (exit ${code})`);
    process.exit(1);
  });

  await run(["run", "scripts/deploy.ts", "--network", "localhost"]);
  console.log(`\nLocal chain: ${rpcUrl} (chain id 31337). Press Ctrl-C to stop.`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
