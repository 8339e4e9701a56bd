/**
 * One worker of the sequence fuzzer (scripts/fuzz/main.ts starts them): plays FUZZ_RUNS random operation
 * sequences (test/contracts/invariants.ts: every role, three tokens of 2 and 18 decimals, gross amounts
 * from 0 to past the 128-bit bound, batches, refunds, disputes, pauses) against the anvil at RPC_URL, each
 * from the same snapshot, checking the books after every step. Seeded by FUZZ_SEED; FUZZ_PATH replays one
 * counter-example. Ends with a `FUZZ_RESULT {json}` line; on a failure, first prints the seed, the path and
 * the shrunk sequence.
 *
 *   RPC_URL=http://127.0.0.1:8545 FUZZ_SEED=42 FUZZ_RUNS=100 npx hardhat run --network localhost scripts/fuzz/sequences.ts
 */
import fc from "fast-check";
import hre from "hardhat";
import { formatStats, newStats, replayParameters, runSequence, sequenceArb, useTransport, warmUp } from "../../test/contracts/invariants";
import type { Receipt } from "../../test/contracts/invariants";
import { intEnv } from "../bench/env";
import { rpcClient } from "./anvil";

export const MIN_LENGTH = 5;
export const MAX_LENGTH = 20;

async function main() {
  const url = process.env.RPC_URL;
  if (hre.network.name !== "localhost" || !url) throw new Error("run with --network localhost and RPC_URL set to the anvil to fuzz");
  const numRuns = intEnv("FUZZ_RUNS", 1_000, 1);
  const worker = process.env.FUZZ_WORKER ?? "0";
  const replay = replayParameters();
  const seed = replay.seed ?? (Date.now() ^ (Math.random() * 0x100000000)) | 0;
  const request = rpcClient(url);
  const send = async (tx: unknown) => (await request("eth_sendTransactionSync", [tx])) as Receipt;
  useTransport({ request, send });
  // anvil mines a sent transaction a moment after eth_sendTransaction returns; the fixture (ethers through
  // hardhat's provider) expects it mined, as on Hardhat's network. So its transactions go out synchronously too.
  const provider = hre.network.provider as unknown as {
    request(args: { method: string; params?: unknown[] }): Promise<unknown>;
    send(method: string, params?: unknown[]): Promise<unknown>;
  };
  const request0 = provider.request.bind(provider);
  const send0 = provider.send.bind(provider);
  provider.request = (args) =>
    args.method === "eth_sendTransaction" ? send(args.params?.[0]).then((r) => r.transactionHash) : request0(args);
  provider.send = (method, params) =>
    method === "eth_sendTransaction" ? send(params?.[0]).then((r) => r.transactionHash) : send0(method, params);

  await warmUp(); // compiling the books reader and deploying the fixture are not part of the rate
  const stats = newStats();
  const started = process.hrtime.bigint();
  let lastReport = Date.now();
  const details = await fc.check(
    fc.asyncProperty(sequenceArb(MIN_LENGTH, MAX_LENGTH), async (ops) => {
      await runSequence(ops, stats);
      if (Date.now() - lastReport > 30_000) {
        lastReport = Date.now();
        const s = Number(process.hrtime.bigint() - started) / 1e9;
        console.log(`  … worker ${worker}: ${stats.sequences}/${numRuns} sequences, ${(stats.sequences / s).toFixed(1)}/s`);
      }
    }),
    { numRuns, ...replay, seed },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;

  if (details.failed) {
    console.error(`\nworker ${worker}: a sequence broke the books. seed ${details.seed}, path ${details.counterexamplePath}`);
    console.error(fc.defaultReportMessage(details));
    console.error(`Error: ${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}`);
    console.error(`replay: FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath} FUZZ_FORGE=0 FUZZ_WORKERS=1 npm run fuzz\n`);
  } else if (process.env.FUZZ_VERBOSE) {
    console.log(formatStats(stats));
  }
  const transactions = stats.steps - stats.byKind.advanceTime.ok - stats.byKind.advanceTime.refused;
  const result = {
    worker,
    seed: details.seed,
    sequences: stats.sequences,
    steps: stats.steps,
    transactions,
    refused: stats.refused,
    seconds,
    failed: details.failed,
    path: details.failed ? details.counterexamplePath : null,
    byKind: stats.byKind,
    events: stats.events,
  };
  console.log(`FUZZ_RESULT ${JSON.stringify(result)}`);
}

main()
  .then(() => process.exit(process.exitCode ?? 0))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
