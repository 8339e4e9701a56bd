/**
 * The vault-books property of test/contracts/Invariants.test.ts, at volume: 10,000 random sequences by
 * default (INVARIANT_SEQUENCES to change it), each on a fresh Hardhat chain. Prints sequences, steps,
 * refused steps and sequences/s, and writes bench-results/invariants.json. Exits non-zero on a
 * counter-example, after printing it with fast-check's seed and path (replay: FC_SEED=… FC_PATH=…).
 *
 *   npx hardhat run scripts/bench/invariants.ts
 *   INVARIANT_SEQUENCES=300 npx hardhat run scripts/bench/invariants.ts
 */
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import hre from "hardhat";
import { formatStats, newStats, replayParameters, runSequence, sequenceArb, warmUp } from "../../test/contracts/invariants";

const MIN_LENGTH = 5;
const MAX_LENGTH = 30;

function sequencesWanted(): number {
  const raw = process.env.INVARIANT_SEQUENCES;
  if (raw === undefined || raw === "") return 10_000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`INVARIANT_SEQUENCES must be a positive integer, got ${raw}`);
  return n;
}

async function main() {
  if (hre.network.name !== "hardhat") throw new Error(`run on the in-process hardhat network, not ${hre.network.name}`);
  const numRuns = sequencesWanted();
  const replay = replayParameters();
  const seed = replay.seed ?? Date.now() ^ (Math.random() * 0x100000000);
  const stats = newStats();
  await warmUp(); // compiling the books reader and deploying the fixture are not part of the rate
  const started = process.hrtime.bigint();
  let lastReport = Date.now();

  const details = await fc.check(
    fc.asyncProperty(sequenceArb(MIN_LENGTH, MAX_LENGTH), async (ops) => {
      await runSequence(ops, stats);
      if (Date.now() - lastReport > 30_000) {
        lastReport = Date.now();
        const s = Number(process.hrtime.bigint() - started) / 1e9;
        console.log(`  … ${stats.sequences}/${numRuns} sequences, ${(stats.sequences / s).toFixed(2)}/s`);
      }
    }),
    { numRuns, ...replay, seed },
  );

  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result = {
    sequences: stats.sequences,
    requestedSequences: numRuns,
    sequenceLength: { min: MIN_LENGTH, max: MAX_LENGTH },
    steps: stats.steps,
    refusedSteps: stats.refused,
    seconds: Number(seconds.toFixed(2)),
    sequencesPerSecond: Number((stats.sequences / seconds).toFixed(2)),
    stepsPerSecond: Number((stats.steps / seconds).toFixed(1)),
    seed: details.seed,
    failed: details.failed,
    counterexample: details.failed ? fc.stringify(details.counterexample) : null,
    counterexamplePath: details.failed ? details.counterexamplePath : null,
    error: details.failed ? String(details.errorInstance) : null,
    byKind: stats.byKind,
    events: stats.events,
  };

  const dir = path.join(hre.config.paths.root, "bench-results");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "invariants.json"), `${JSON.stringify(result, null, 2)}\n`);

  console.log(formatStats(stats));
  console.log(
    `sequences ${stats.sequences}, steps ${stats.steps}, refused ${stats.refused}, ` +
      `${result.seconds} s, ${result.sequencesPerSecond} sequences/s (seed ${details.seed})`,
  );
  if (details.failed) {
    // Note: when shrinking happened, the counts above include the shrinking runs.
    console.error(fc.defaultReportMessage(details));
    process.exitCode = 1;
  }
  console.log(`wrote ${path.relative(hre.config.paths.root, path.join(dir, "invariants.json"))}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
