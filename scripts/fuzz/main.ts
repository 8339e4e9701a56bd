/**
 * `npm run fuzz`: the contracts fuzzed at scale (issue #7), in two parts, then one summary line.
 *
 * 1. forge's invariant fuzzer, `fuzz` profile of foundry.toml: two campaigns of 200 runs × 256 calls
 *    (102,400 calls) through test/foundry/SettlementHandler.sol, the books checked after every call.
 * 2. FUZZ_SEQUENCES (10,000) random operation sequences of test/contracts/invariants.ts, played by
 *    FUZZ_WORKERS (2) workers, each against its own anvil, the books checked after every step.
 *
 * Seeded: FUZZ_SEED (printed when not given) seeds forge (--fuzz-seed) and worker k (FUZZ_SEED + k). A
 * failing sequence is printed shrunk, with the seed and path that replay it:
 *   FUZZ_SEED=<seed> FUZZ_PATH=<path> FUZZ_FORGE=0 FUZZ_WORKERS=1 npm run fuzz
 * FUZZ_FORGE=0 or FUZZ_SEQUENCES=0 skips a part.
 */
import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { intEnv } from "../bench/env";
import { startAnvil, type Anvil } from "./anvil";

const ROOT = path.join(__dirname, "..", "..");
const BIN = path.join(ROOT, "node_modules", ".bin");

interface ForgeOutcome {
  calls: number;
  reverts: number;
  runs: number;
  seconds: number;
  ok: boolean;
}

interface WorkerResult {
  worker: string;
  seed: number;
  sequences: number;
  steps: number;
  transactions: number;
  refused: number;
  seconds: number;
  failed: boolean;
  path: string | null;
}

/** Runs a command, echoing its output (prefixed), and resolves with its exit code and every line. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, prefix: string): Promise<{ code: number; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on("line", (line) => {
        lines.push(line);
        if (!line.startsWith("FUZZ_RESULT ")) console.log(`${prefix}${line}`);
      });
    }
    child.once("error", reject);
    child.once("close", (code) => resolve({ code: code ?? 1, lines }));
  });
}

async function forge(seed: number): Promise<ForgeOutcome> {
  console.log(`fuzz: forge invariant campaigns (profile fuzz, seed ${seed})`);
  const built = await run(path.join(BIN, "forge"), ["build"], { FOUNDRY_PROFILE: "fuzz" }, "  forge | ");
  if (built.code !== 0) return { calls: 0, reverts: 0, runs: 0, seconds: 0, ok: false };
  const started = Date.now();
  const { code, lines } = await run(
    path.join(BIN, "forge"),
    ["test", "--fuzz-seed", String(seed)],
    { FOUNDRY_PROFILE: "fuzz" },
    "  forge | ",
  );
  const outcome: ForgeOutcome = { calls: 0, reverts: 0, runs: 0, seconds: (Date.now() - started) / 1000, ok: code === 0 };
  for (const line of lines) {
    const m = /\(runs: (\d+), calls: (\d+), reverts: (\d+)\)/.exec(line);
    if (!m) continue;
    outcome.runs += Number(m[1]);
    outcome.calls += Number(m[2]);
    outcome.reverts += Number(m[3]);
  }
  return outcome;
}

async function sequences(seed: number, total: number, workers: number): Promise<{ results: WorkerResult[]; seconds: number; ok: boolean }> {
  console.log(`fuzz: ${total} operation sequences on ${workers} anvil node(s), seeds ${seed}..${seed + workers - 1}`);
  const compiled = await run(path.join(BIN, "hardhat"), ["compile", "--quiet"], {}, "  hardhat | ");
  if (compiled.code !== 0) throw new Error("hardhat compile failed");
  const started = Date.now();
  const nodes: Anvil[] = [];
  try {
    for (let k = 0; k < workers; k++) nodes.push(await startAnvil());
    const runs = await Promise.all(
      nodes.map((node, k) => {
        const share = Math.floor(total / workers) + (k < total % workers ? 1 : 0);
        const env = { RPC_URL: node.url, FUZZ_SEED: String((seed + k) | 0), FUZZ_RUNS: String(share), FUZZ_WORKER: String(k) };
        return run(
          path.join(BIN, "hardhat"),
          ["run", "--no-compile", "--network", "localhost", "scripts/fuzz/sequences.ts"],
          env,
          `  w${k} | `,
        );
      }),
    );
    const results: WorkerResult[] = [];
    let ok = true;
    runs.forEach(({ code, lines }, k) => {
      const line = lines.find((l) => l.startsWith("FUZZ_RESULT "));
      if (code !== 0 || !line) {
        ok = false;
        if (!line) console.error(`fuzz: worker ${k} exited with ${code} and no result`);
      }
      if (line) {
        const result = JSON.parse(line.slice("FUZZ_RESULT ".length)) as WorkerResult;
        if (result.failed) ok = false;
        results.push(result);
      }
    });
    return { results, seconds: (Date.now() - started) / 1000, ok };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return `${m}m${String(Math.round(seconds - m * 60)).padStart(2, "0")}s`;
}

const n = (x: number) => x.toLocaleString("en-GB");

async function main() {
  const raw = process.env.FUZZ_SEED;
  const seed = raw !== undefined && raw !== "" ? Number(raw) : Math.floor(Math.random() * 0x7fffffff);
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got ${raw}`);
  const total = intEnv("FUZZ_SEQUENCES", 10_000, 0);
  const workers = intEnv("FUZZ_WORKERS", Math.min(2, os.availableParallelism()), 1);
  const runForge = process.env.FUZZ_FORGE !== "0";
  console.log(`fuzz: seed ${seed}`);

  const parts: string[] = [];
  let ok = true;
  if (runForge) {
    const f = await forge(seed);
    ok &&= f.ok;
    parts.push(`forge ${n(f.calls)} calls (${n(f.reverts)} refused) in ${duration(f.seconds)}, ${f.ok ? 0 : 1} violations`);
  }
  if (total > 0) {
    const s = await sequences(seed, total, workers);
    ok &&= s.ok;
    const sum = (key: "sequences" | "steps" | "transactions") => s.results.reduce((acc, r) => acc + r[key], 0);
    const violations = s.results.filter((r) => r.failed).length + (s.ok ? 0 : s.results.every((r) => !r.failed) ? 1 : 0);
    parts.push(
      `sequences ${n(sum("sequences"))} (${n(sum("steps"))} steps, ${n(sum("transactions"))} transactions) in ${duration(s.seconds)}, ${violations} violations`,
    );
    for (const r of s.results.filter((x) => x.failed)) {
      console.error(`fuzz: replay worker ${r.worker}: FUZZ_SEED=${r.seed} FUZZ_PATH=${r.path} FUZZ_FORGE=0 FUZZ_WORKERS=1 npm run fuzz`);
    }
  }
  console.log(`fuzz: ${parts.join("; ")} (seed ${seed})`);
  process.exitCode = ok ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
