/**
 * Crash safety: the indexer runs as a child process (the CLI, as in production) over a chain with more
 * than 20,000 sales, and is killed with SIGKILL — at random moments, and deterministically just before and
 * just after each range commit (REELSPLIT_CRASH_AT). After every kill the database must open cleanly, hold
 * exactly the events up to its checkpoint, and a restart must finish with a database identical (digest)
 * to the one an uninterrupted run builds. The same chain also checks that the CLI's default range
 * settings index it: its log responses exceed viem's 10 MiB cap unless ranges are split.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { expect } from "chai";
import { ethers } from "ethers";
import { openStore } from "../../indexer/store/store";
import {
  ACCOUNT_NAMES,
  activeLicence,
  deployConsortium,
  saleIdOf,
  startChain,
  tempDir,
  writeDeploymentFile,
  type Consortium,
  type TestChain,
} from "./harness";
import { prng } from "../../scripts/lib/prng";

const ROOT = path.join(__dirname, "..", "..");
const TS_NODE = path.join(ROOT, "node_modules", ".bin", "ts-node");

const SALE_BATCHES = 100;
const ORDERS_PER_BATCH = 200;
/** Batches mined into one block (7 M gas each under a 30 M block gas limit). */
const BATCHES_PER_BLOCK = 4;
/** Empty blocks mined after each block of sales, so that the backfill is many small ranges. */
const EMPTY_BLOCKS = 14;
/** The random-kill runs and the clean run: many small ranges. */
const SMALL_RANGE = 20;
/** Commits of a run in the deterministic part (each range ≤ 100 blocks, so the ranges never change size). */
const DETERMINISTIC_COMMITS = 5;
const MIN_RANDOM_KILLS = 5;
const SEED = 0x5eed_c0de;

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The JSON log lines the child wrote. */
  lines: Record<string, unknown>[];
  /** ms from "indexer starting" to exit (the backfill), when the child got that far. */
  backfillMs?: number;
  killedByTest: boolean;
}

interface RunOptions {
  /** --max-range; the CLI's default when absent. */
  maxRange?: number;
  /** --concurrency; the CLI's default when absent. */
  concurrency?: number;
  crashAt?: string;
  /**
   * SIGKILL the child `delayMs` after it logs "indexer starting" or, with `checkpointAtLeast`, `delayMs`
   * after the database it writes shows that block committed.
   */
  kill?: { delayMs: number; checkpointAtLeast?: number };
}

interface Fixture {
  chain: TestChain;
  c: Consortium;
  dir: string;
  deploymentFile: string;
  head: number;
  /** The checkpoint of an empty database: the block before the deployment. */
  start: number;
  expected: { sales: number; refunds: number; releases: number; withdrawals: number };
}

function childEnv(crashAt?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith("INDEXER_") || key === "REELSPLIT_CRASH_AT" || key === "RPC_URL") delete env[key];
  if (crashAt) env.REELSPLIT_CRASH_AT = crashAt;
  return env;
}

/** The checkpoint block of a database another process may be writing, or undefined if it has none yet. */
function peekCheckpoint(db: string): number | undefined {
  if (!fs.existsSync(db)) return undefined;
  let conn: Database.Database | undefined;
  try {
    conn = new Database(db, { readonly: true, fileMustExist: true });
    const row = conn.prepare("SELECT block_number AS n FROM checkpoint WHERE id = 1").get() as { n: number } | undefined;
    return row?.n;
  } catch {
    return undefined; // not created or not migrated yet
  } finally {
    conn?.close();
  }
}

function runIndexer(f: Fixture, db: string, o: RunOptions): Promise<ChildResult> {
  const args = ["--transpile-only", "indexer/main.ts", "--rpc", f.chain.url, "--db", db, "--deployment", f.deploymentFile];
  args.push("--once", "--log-format", "json", "--finality-depth", "0", "--confirmations", "0");
  if (o.maxRange !== undefined) args.push("--max-range", String(o.maxRange));
  if (o.concurrency !== undefined) args.push("--concurrency", String(o.concurrency));
  const child = spawn(TS_NODE, args, { cwd: ROOT, env: childEnv(o.crashAt), stdio: ["ignore", "pipe", "pipe"] });
  const lines: Record<string, unknown>[] = [];
  let startedAt: number | undefined;
  let killedByTest = false;
  let watching = true;
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) {
      killedByTest = true;
      child.kill("SIGKILL");
    }
  };
  const onStarted = () => {
    if (!o.kill) return;
    const { delayMs, checkpointAtLeast } = o.kill;
    const arm = () => (delayMs > 0 ? setTimeout(kill, delayMs) : kill());
    if (checkpointAtLeast === undefined) return void arm();
    // Readiness polling of the database the child writes (a second, read-only connection).
    const poll = () => {
      if (!watching) return;
      const cp = peekCheckpoint(db);
      if (cp !== undefined && cp >= checkpointAtLeast) arm();
      else setTimeout(poll, 5);
    };
    poll();
  };
  let buffered = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        lines.push(entry);
        if (entry.msg === "indexer starting" && startedAt === undefined) {
          startedAt = Date.now();
          onStarted();
        }
      } catch {
        lines.push({ msg: line });
      }
    }
  });
  child.stdout!.resume();
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      watching = false;
      resolve({ code, signal, lines, killedByTest, backfillMs: startedAt === undefined ? undefined : Date.now() - startedAt });
    });
  });
}

function describeRun(r: ChildResult): string {
  return `exit code ${r.code}, signal ${r.signal}; log:\n${r.lines.map((l) => JSON.stringify(l)).join("\n")}`;
}

/** Opens the database as the indexer would after a crash, and checks it is intact and self-consistent. */
function inspectAfterKill(db: string, clean: string): { checkpoint: number; events: number } {
  const store = openStore(db);
  try {
    expect(store.db.pragma("integrity_check", { simple: true })).to.equal("ok");
    const cp = store.checkpoint();
    expect(cp, "a checkpoint (the database was initialised)").to.not.equal(undefined);
    const count = (sql: string, ...params: unknown[]) => (store.db.prepare(sql).get(...params) as { n: number }).n;
    // No part of an uncommitted range, and everything of the committed ones.
    expect(count("SELECT COUNT(*) AS n FROM events WHERE block_number > ?", cp!.number), "events above the checkpoint").to.equal(0);
    const cleanDb = new Database(clean, { readonly: true, fileMustExist: true });
    try {
      const expectedEvents = (cleanDb.prepare("SELECT COUNT(*) AS n FROM events WHERE block_number <= ?").get(cp!.number) as { n: number })
        .n;
      expect(store.eventCount(), `events up to the checkpoint ${cp!.number}`).to.equal(expectedEvents);
    } finally {
      cleanDb.close();
    }
    // The derived tables are of the same commits as the trail.
    expect(count("SELECT COUNT(*) AS n FROM sales")).to.equal(count("SELECT COUNT(*) AS n FROM events WHERE event_name = 'SaleSettled'"));
    expect(count("SELECT COUNT(*) AS n FROM withdrawals")).to.equal(
      count("SELECT COUNT(*) AS n FROM events WHERE event_name = 'Withdrawn'"),
    );
    return { checkpoint: cp!.number, events: store.eventCount() };
  } finally {
    store.close();
  }
}

function digestOf(db: string): string {
  const store = openStore(db);
  try {
    return store.digest();
  } finally {
    store.close();
  }
}

/** 100 batches of 200 sales under three licences (instant and escrowed), with refunds, releases and withdrawals among them. */
async function generateSales(chain: TestChain, c: Consortium): Promise<Fixture["expected"]> {
  const instant = await activeLicence(c);
  const escrow = await activeLicence(c, { holdSeconds: 24 * 3600 });
  const instant2 = await activeLicence(c, { rightsHolder: "rightsHolder2", mcn: "mcn2", platform: "platform2" });
  const settlement = await c.settlement.getAddress();
  const iface = c.settlement.interface;
  const nonces = new Map<string, number>();
  for (const name of ACCOUNT_NAMES)
    nonces.set(c.accounts[name].address, await chain.provider.getTransactionCount(c.accounts[name].address, "pending"));
  const send = (from: string, data: string) => {
    const nonce = nonces.get(from)!;
    nonces.set(from, nonce + 1);
    return chain.send("eth_sendTransaction", [
      { from, to: settlement, data, gas: ethers.toQuantity(7_000_000), nonce: ethers.toQuantity(nonce) },
    ]);
  };
  const reporters = [
    { address: c.accounts.taobao.address, channel: c.channel.taobao },
    { address: c.accounts.jd.address, channel: c.channel.jd },
  ];
  const withdrawers = [
    c.accounts.rightsHolder,
    c.accounts.mcn,
    c.accounts.platform,
    c.accounts.rightsHolder2,
    c.accounts.mcn2,
    c.accounts.platform2,
  ];
  const escrowed: { reporter: string; saleId: string }[] = [];
  const expected = { sales: 0, refunds: 0, releases: 0, withdrawals: 0 };
  const hashes: unknown[] = [];

  await chain.send("evm_setAutomine", [false]);
  for (let b = 0; b < SALE_BATCHES; b += BATCHES_PER_BLOCK) {
    const sends = [];
    for (let k = b; k < Math.min(b + BATCHES_PER_BLOCK, SALE_BATCHES); k++) {
      const reporter = reporters[k % 2]!;
      const orders = Array.from({ length: ORDERS_PER_BATCH }, (_, i) => {
        const orderRef = ethers.id(`crash:${k}:${i}`);
        const licenceId = i % 5 === 0 ? escrow : i % 3 === 0 ? instant2 : instant;
        if (licenceId === escrow) escrowed.push({ reporter: reporter.address, saleId: saleIdOf(reporter.channel, orderRef) });
        return { licenceId, orderRef, gross: BigInt(1000 + (((k * ORDERS_PER_BATCH + i) * 7919) % 99_991)) };
      });
      sends.push(send(reporter.address, iface.encodeFunctionData("settleSales", [c.tokenAddress, orders])));
      expected.sales += ORDERS_PER_BATCH;
    }
    hashes.push(...(await Promise.all(sends)));
    await chain.send("evm_mine", []);
    if ((b / BATCHES_PER_BLOCK) % 5 === 2) {
      // A block of refunds (inside the escrow window) and a withdrawal.
      for (const s of escrowed.splice(-3, 2)) {
        hashes.push(await send(s.reporter, iface.encodeFunctionData("refundSale", [s.saleId])));
        expected.refunds++;
      }
      const who = withdrawers[expected.withdrawals % withdrawers.length]!;
      hashes.push(await send(who.address, iface.encodeFunctionData("withdraw", [c.tokenAddress, who.address])));
      expected.withdrawals++;
      await chain.send("evm_mine", []);
    }
    await chain.send("anvil_mine", [ethers.toQuantity(EMPTY_BLOCKS)]);
  }
  // The escrow window passes: release a few sales, and withdraw once more.
  await chain.send("evm_increaseTime", [24 * 3600 + 1]);
  const released = escrowed.splice(0, 25).map((s) => s.saleId);
  hashes.push(await send(c.accounts.outsider.address, iface.encodeFunctionData("releaseSales", [released])));
  expected.releases += released.length;
  hashes.push(
    await send(c.accounts.rightsHolder.address, iface.encodeFunctionData("withdraw", [c.tokenAddress, c.accounts.outsider.address])),
  );
  expected.withdrawals++;
  await chain.send("evm_mine", []);
  await chain.send("evm_setAutomine", [true]);
  // Every transaction succeeded: the last ones are enough to look at, the sums are checked against the index.
  for (const hash of hashes.slice(-4)) {
    const receipt = (await chain.send("eth_getTransactionReceipt", [hash])) as { status: string } | null;
    expect(receipt?.status, `transaction ${String(hash)}`).to.equal("0x1");
  }
  return expected;
}

/** Runs `task` over `items`, at most `width` at a time (independent child processes on separate databases). */
async function inParallel<T>(items: T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await task(item);
    }),
  );
}

describe("indexer: crash safety of the CLI (SIGKILL at any moment)", function () {
  this.timeout(300_000);
  let chain: TestChain | undefined;
  let tmp: { dir: string; remove(): void } | undefined;
  let f: Fixture;
  let cleanDb: string;
  let cleanDigest: string;
  let cleanBackfillMs: number;

  before(async function () {
    chain = await startChain("anvil");
    const c = await deployConsortium(chain);
    const t = Date.now();
    const expected = await generateSales(chain, c);
    tmp = tempDir("reelsplit-crash-");
    const head = await chain.provider.getBlockNumber();
    f = {
      chain,
      c,
      dir: tmp.dir,
      deploymentFile: writeDeploymentFile(tmp.dir, c.deployment),
      head,
      start: c.deployment.deploymentBlock - 1,
      expected,
    };
    console.log(`      generated ${expected.sales} sales in ${head - f.start} blocks in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    cleanDb = path.join(tmp.dir, "clean.db");
    const run = await runIndexer(f, cleanDb, { maxRange: SMALL_RANGE });
    expect(run.code, describeRun(run)).to.equal(0);
    cleanDigest = digestOf(cleanDb);
    cleanBackfillMs = run.backfillMs!;
    console.log(`      clean run (--max-range ${SMALL_RANGE}): ${(cleanBackfillMs / 1000).toFixed(1)} s from "indexer starting" to exit`);
  });

  after(async function () {
    await chain?.stop();
    tmp?.remove();
  });

  it("an uninterrupted run indexes every sale, refund, release and withdrawal, with the contract's balances", async function () {
    const store = openStore(cleanDb);
    try {
      const count = (sql: string) => (store.db.prepare(sql).get() as { n: number }).n;
      expect(count("SELECT COUNT(*) AS n FROM sales")).to.equal(f.expected.sales).and.to.be.at.least(20_000);
      expect(count("SELECT COUNT(*) AS n FROM sales WHERE status = 'refunded'")).to.equal(f.expected.refunds);
      expect(count("SELECT COUNT(*) AS n FROM events WHERE event_name = 'SaleReleased'")).to.equal(f.expected.releases);
      expect(count("SELECT COUNT(*) AS n FROM withdrawals")).to.equal(f.expected.withdrawals);
      expect(store.checkpoint()!.number).to.equal(f.head);
      const balances = store.db.prepare("SELECT party, token, claimable FROM balances").all() as {
        party: string;
        token: string;
        claimable: string;
      }[];
      expect(balances.length).to.be.greaterThan(0);
      for (const b of balances)
        expect(b.claimable, `claimable of ${b.party}`).to.equal((await f.c.settlement.claimable(b.party, b.token)).toString());
    } finally {
      store.close();
    }
  });

  it(`killed at ${MIN_RANDOM_KILLS} random moments and restarted each time, it ends with the same database as an uninterrupted run`, async function () {
    const random = prng(SEED);
    const db = path.join(f.dir, "random.db");
    const kills: { how: string; checkpoint: number }[] = [];
    let lastCheckpoint = f.start;
    const rangeMs = cleanBackfillMs / Math.ceil((f.head - f.start) / SMALL_RANGE);
    while (kills.length < MIN_RANDOM_KILLS) {
      const left = f.head - lastCheckpoint;
      // Three kinds of kill point, in turn, all well inside what is left of the backfill: a random time after
      // the child reports it is starting (may be before its first commit); the moment the database shows a
      // random block committed; a random time (up to three ranges' worth) after this run's first commit.
      const kind = kills.length % 3;
      const kill =
        kind === 0
          ? { delayMs: Math.round(cleanBackfillMs * (left / (f.head - f.start)) * 0.5 * random()) }
          : kind === 1
            ? { delayMs: 0, checkpointAtLeast: lastCheckpoint + 1 + Math.floor(left * 0.5 * random()) }
            : { delayMs: Math.round(3 * rangeMs * random()), checkpointAtLeast: lastCheckpoint + 1 };
      const how =
        kill.checkpointAtLeast === undefined
          ? `${kill.delayMs} ms after start`
          : `${kill.delayMs} ms after block ${kill.checkpointAtLeast} is in`;
      const options: RunOptions = { maxRange: SMALL_RANGE, kill };
      const run = await runIndexer(f, db, options);
      expect(run.code, `the run to be killed ${how} finished first (kills so far: ${JSON.stringify(kills)})`).to.not.equal(0);
      expect(run.signal, describeRun(run)).to.equal("SIGKILL");
      expect(run.killedByTest).to.equal(true);
      const after = inspectAfterKill(db, cleanDb);
      expect(after.checkpoint, "a kill never loses a committed range").to.be.at.least(lastCheckpoint);
      kills.push({ how, checkpoint: after.checkpoint });
      lastCheckpoint = after.checkpoint;
    }
    console.log(`      kills (seed ${SEED}): ${kills.map((k) => `${k.how} → checkpoint ${k.checkpoint}`).join("; ")}`);
    const final = await runIndexer(f, db, { maxRange: SMALL_RANGE });
    expect(final.code, describeRun(final)).to.equal(0);
    expect(digestOf(db)).to.equal(cleanDigest);
  });

  for (const when of ["before-commit", "after-commit"] as const) {
    it(`killed ${when.replace("-", " ")} N (REELSPLIT_CRASH_AT=${when}:N for every commit N of a run) and restarted, it ends with the same database`, async function () {
      const blocks = f.head - f.start;
      const maxRange = Math.ceil(blocks / DETERMINISTIC_COMMITS);
      // Ranges of at most 100 blocks keep their size from the first one on, so commit N is always the same range.
      expect(maxRange).to.be.at.most(100);
      const commits = Math.ceil(blocks / maxRange);
      expect(commits).to.equal(DETERMINISTIC_COMMITS);
      const checkpointAfter = (n: number) => Math.min(f.start + n * maxRange, f.head);
      // One range in flight: with three, the logs of three ranges of this chain come back in one JSON-RPC
      // batch larger than viem's 10 MiB response cap (see the default-settings test below).
      const run = { maxRange, concurrency: 1 };
      const ns = Array.from({ length: commits }, (_, i) => i + 1);
      await inParallel(ns, 2, async (n) => {
        const db = path.join(f.dir, `${when}-${n}.db`);
        const crashed = await runIndexer(f, db, { ...run, crashAt: `${when}:${n}` });
        expect(crashed.signal, `${when}:${n}: ${describeRun(crashed)}`).to.equal("SIGKILL");
        expect(crashed.killedByTest).to.equal(false);
        const after = inspectAfterKill(db, cleanDb);
        // Before the commit, the range is rolled back entirely; after it, it is there entirely.
        expect(after.checkpoint, `checkpoint after ${when}:${n}`).to.equal(checkpointAfter(when === "before-commit" ? n - 1 : n));
        const resumed = await runIndexer(f, db, run);
        expect(resumed.code, `restart after ${when}:${n}: ${describeRun(resumed)}`).to.equal(0);
        expect(digestOf(db), `digest after ${when}:${n} and a restart`).to.equal(cleanDigest);
        for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(db + suffix, { force: true });
      });
    });
  }

  it("with the default range settings (up to 2000 blocks, 3 ranges in flight) it indexes the chain instead of exceeding the RPC response cap", async function () {
    // The first ranges (100 blocks, ~5 MB of logs each) are each under viem's 10 MiB response cap, but the
    // batched transport sends the eth_getLogs of the ranges in flight, and their headers, as one JSON-RPC
    // batch; and a range that alone exceeds the cap is meant to be split (the adaptive range), not fatal.
    const db = path.join(f.dir, "defaults.db");
    const run = await runIndexer(f, db, {});
    expect(run.code, describeRun(run)).to.equal(0);
    expect(digestOf(db)).to.equal(cleanDigest);
  });
});
