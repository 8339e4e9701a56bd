/**
 * Indexer throughput and latency on a real anvil node. One run:
 *
 *   1. starts anvil, deploys the consortium, registers instant and escrow licences, and settles
 *      BENCH_SALES sales (default 100,000) in settleSales batches of 200, several batches per block
 *      (automine off, evm_mine), sent from anvil's unlocked reporter accounts without waiting for receipts;
 *   2. alternates the RAW rate (eth_getLogs + decode with the indexer's own createRpc and adaptive
 *      createHistoricalSync, logs discarded) and the FULL BACKFILL (createIndexer once into a fresh SQLite
 *      file), BENCH_ROUNDS times each (default 2: a, b, a, b), after one unmeasured warm-up fetch;
 *   3. follows the chain live (poll 100 ms, finality depth 64) and measures, for BENCH_LIVE single
 *      settleSale transactions (default 60), the time from the receipt reaching the client to the sale's
 *      row being readable in SQLite (a second, read-only connection polled every 2 ms).
 *
 * Prints one table and writes bench-results/indexer.json. Exits non-zero only on an error; a missed target
 * is printed as MISSED. The machine is shared, so absolute rates are noisy; the ratio backfill/raw is the
 * robust figure.
 *
 *   npm run bench:indexer        (npx ts-node --transpile-only scripts/bench/indexer.ts)
 *   BENCH_SALES=20000 BENCH_ROUNDS=3 BENCH_LIVE=100 npm run bench:indexer
 *
 * BENCH_BATCHES_PER_BLOCK (default 2) and BENCH_EMPTY_BLOCKS (empty blocks mined after each block of
 * batches, default 0) set how dense the chain is: the default packs 400 sales a block, the hardest case for
 * range sizing. Empty blocks are slow on anvil once its state is large (~50 ms each at 20,000 sales).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import { ethers } from "ethers";
import { getAddress, type Hex } from "viem";
import { eventCatalogue, INDEXED_CONTRACTS } from "../../indexer/abi";
import { createIndexer, type Progress } from "../../indexer/indexer";
import { silentLogger } from "../../indexer/log";
import { createRpc } from "../../indexer/rpc";
import { createHistoricalSync } from "../../indexer/sync/historical";
import {
  activeLicence,
  deployConsortium,
  saleIdOf,
  startChain,
  tempDir,
  type Consortium,
  type TestChain,
} from "../../test/indexer/harness";
import type { Deployment } from "../lib/deployment";
import { intEnv } from "./env";

const ROOT = path.join(__dirname, "..", "..");
const BATCH = 200;
const MAX_RANGE = 2000;
const CONCURRENCY = 3;
const LIVE_POLL_MS = 100;
const TARGET_BACKFILL_EPS = 5_000;
const TARGET_RATIO = 0.8;
const TARGET_LIVE_P50_MS = LIVE_POLL_MS + 100;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Plain JSON-RPC over fetch: no client-side batching stall, so a receipt is seen as soon as the node has it. */
function rpcClient(url: string) {
  let id = 0;
  return async function call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
    });
    const body = (await res.json()) as { result?: T; error?: { message: string; data?: unknown } };
    if (body.error) throw new Error(`${method}: ${body.error.message}${body.error.data ? ` (${JSON.stringify(body.error.data)})` : ""}`);
    return body.result as T;
  };
}
type Call = ReturnType<typeof rpcClient>;

const hex = (n: number | bigint) => `0x${n.toString(16)}`;
const orderRef = (tag: string, n: number) => ethers.zeroPadValue(ethers.toUtf8Bytes(`${tag}${n}`), 32);

interface Generated {
  sales: number;
  txs: number;
  blocks: number;
  batchesPerBlock: number;
  gasPerTx: number;
  seconds: number;
  firstBlock: number;
  headBlock: number;
  licences: { id: string; holdSeconds: number }[];
}

/** Settles `sales` sales in batches of 200, `perBlock` batches a block, from the three reporters in turn. */
async function generate(c: Consortium, call: Call, sales: number, perBlock: number, emptyBlocks: number): Promise<Generated> {
  const day = 24 * 3600;
  const licences = [
    { id: await activeLicence(c, { channels: [1, 2, 3] }), holdSeconds: 0 },
    { id: await activeLicence(c, { channels: [1, 2, 3], holdSeconds: 7 * day }), holdSeconds: 7 * day },
    {
      id: await activeLicence(c, { channels: [1, 2, 3], rightsHolder: "rightsHolder2", mcn: "mcn2", platform: "platform2" }),
      holdSeconds: 0,
    },
    {
      id: await activeLicence(c, {
        channels: [1, 2, 3],
        rightsHolder: "rightsHolder2",
        mcn: "mcn2",
        platform: "platform2",
        holdSeconds: 3 * day,
      }),
      holdSeconds: 3 * day,
    },
  ];
  const settlement = await c.settlement.getAddress();
  const reporters = [c.accounts.taobao.address, c.accounts.jd.address, c.accounts.pdd.address];
  const nonces = await Promise.all(reporters.map(async (a) => Number(await call<string>("eth_getTransactionCount", [a, "latest"]))));
  let k = 0;
  const batch = (size: number) => {
    // Runs of 50 orders per licence: instant and escrow sales, two sets of parties, in every batch.
    const orders = Array.from({ length: size }, () => {
      const n = k++;
      return {
        licenceId: licences[Math.floor(n / 50) % licences.length]!.id,
        orderRef: orderRef("bench-", n),
        gross: 100 + ((n * 7919) % 100_000),
      };
    });
    return c.settlement.interface.encodeFunctionData("settleSales", [c.tokenAddress, orders]);
  };

  // One batch settled with automine still on tells the gas a batch needs (credit slots now exist).
  const first = batch(Math.min(BATCH, sales));
  const firstHash = await call<string>("eth_sendTransaction", [
    { from: reporters[0], to: settlement, data: first, nonce: hex(nonces[0]!++) },
  ]);
  const firstReceipt = await waitReceipt(call, firstHash);
  const gasPerTx = Math.ceil(Number(firstReceipt.gasUsed) * 1.25);
  const gasLimit = Number((await call<{ gasLimit: string }>("eth_getBlockByNumber", ["latest", false])).gasLimit);
  const batchesPerBlock = Math.max(1, Math.min(perBlock, Math.floor(gasLimit / gasPerTx)));

  await call("evm_setAutomine", [false]);
  const started = performance.now();
  const firstBlock = Number(await call<string>("eth_blockNumber"));
  const hashes: string[] = [firstHash];
  let tx = 1;
  try {
    while (k < sales) {
      const sends: Promise<string>[] = [];
      for (let i = 0; i < batchesPerBlock && k < sales; i++, tx++) {
        const s = tx % reporters.length;
        const params = {
          from: reporters[s],
          to: settlement,
          data: batch(Math.min(BATCH, sales - k)),
          gas: hex(gasPerTx),
          nonce: hex(nonces[s]!++),
        };
        sends.push(call<string>("eth_sendTransaction", [params]));
      }
      hashes.push(...(await Promise.all(sends)));
      await call("evm_mine");
      if (emptyBlocks > 0) await call("anvil_mine", [hex(emptyBlocks)]);
      if (tx % 100 < batchesPerBlock) process.stderr.write(`\r  settled ${k.toLocaleString("en")} / ${sales.toLocaleString("en")} sales`);
    }
  } finally {
    await call("evm_setAutomine", [true]);
  }
  const head = Number(await call<string>("eth_blockNumber"));
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write("\n");
  // Every batch must have succeeded, or the counts below mean nothing.
  for (let i = 0; i < hashes.length; i += 100) {
    const receipts = await Promise.all(
      hashes.slice(i, i + 100).map((h) => call<{ status: string } | null>("eth_getTransactionReceipt", [h])),
    );
    const bad = receipts.findIndex((r) => !r || r.status !== "0x1");
    if (bad >= 0) throw new Error(`settleSales transaction ${hashes[i + bad]} ${receipts[bad] ? "reverted" : "was not mined"}`);
  }
  return {
    sales: k,
    txs: hashes.length,
    blocks: head - firstBlock,
    batchesPerBlock,
    gasPerTx,
    seconds,
    firstBlock,
    headBlock: head,
    licences: licences.map((l) => ({ id: l.id.toString(), holdSeconds: l.holdSeconds })),
  };
}

async function waitReceipt(
  call: Call,
  hash: string,
  timeoutMs = 30_000,
): Promise<{ status: string; gasUsed: string; blockNumber: string }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const r = await call<{ status: string; gasUsed: string; blockNumber: string } | null>("eth_getTransactionReceipt", [hash]);
    if (r) {
      if (r.status !== "0x1") throw new Error(`transaction ${hash} reverted`);
      return r;
    }
    if (performance.now() > deadline) throw new Error(`transaction ${hash} not mined within ${timeoutMs} ms`);
    await sleep(2);
  }
}

interface PassResult {
  seconds: number;
  events: number;
  eventsPerSecond: number;
  /** CPU time of this process (user + system) per event: robust to other load on the machine, unlike the rate. */
  cpuMicrosPerEvent: number;
}

const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** (a) What the indexer's fetch path alone can do: the same RPC client, decoder and adaptive ranges, nothing stored. */
async function rawPass(url: string, deployment: Deployment, head: number): Promise<PassResult & { sales: number; ranges: number }> {
  const catalogue = eventCatalogue();
  const addresses = INDEXED_CONTRACTS.map((name) => getAddress(deployment.contracts[name])) as Hex[];
  const started = performance.now();
  const cpu = cpuMicros();
  const rpc = createRpc({ url, catalogue, log: silentLogger });
  const historical = createHistoricalSync({ rpc, addresses, maxRange: MAX_RANGE, concurrency: CONCURRENCY });
  let events = 0;
  let sales = 0;
  let ranges = 0;
  for await (const range of historical.ranges(BigInt(deployment.deploymentBlock), BigInt(head))) {
    ranges++;
    events += range.logs.length;
    for (const l of range.logs) if (l.eventName === "SaleSettled") sales++;
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds, events, eventsPerSecond: events / seconds, cpuMicrosPerEvent: (cpuMicros() - cpu) / events, sales, ranges };
}

/** (b) A full backfill into a fresh database, as `indexer --once` would do it. */
async function backfillPass(url: string, deployment: Deployment, dbPath: string): Promise<PassResult & { ranges: number }> {
  let ranges = 0;
  const indexer = createIndexer({
    rpcUrl: url,
    dbPath,
    deployment,
    confirmations: 0,
    finalityDepth: 0,
    pollIntervalMs: LIVE_POLL_MS,
    maxRange: MAX_RANGE,
    concurrency: CONCURRENCY,
    once: true,
    reset: true,
    log: silentLogger,
    onProgress: (p) => void (p.phase === "backfill" && ranges++),
  });
  const started = performance.now();
  const cpu = cpuMicros();
  await indexer.run();
  const seconds = (performance.now() - started) / 1000;
  const cpuUsed = cpuMicros() - cpu;
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  const events = (db.prepare("SELECT COUNT(*) AS n FROM events").get() as { n: number }).n;
  db.close();
  return { seconds, events, eventsPerSecond: events / seconds, cpuMicrosPerEvent: cpuUsed / events, ranges };
}

interface LiveResult {
  samples: number;
  latenciesMs: number[];
  alreadyCommittedAtReceipt: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** (3) Receipt at the client → row readable in SQLite, for single sales sent one at a time. */
async function livePass(
  c: Consortium,
  call: Call,
  url: string,
  deployment: Deployment,
  dbPath: string,
  count: number,
  licenceId: bigint,
): Promise<LiveResult> {
  let caughtUp: () => void;
  const isCaughtUp = new Promise<void>((resolve) => (caughtUp = resolve));
  let lastError: unknown;
  const indexer = createIndexer({
    rpcUrl: url,
    dbPath,
    deployment,
    confirmations: 0,
    finalityDepth: 64,
    pollIntervalMs: LIVE_POLL_MS,
    maxRange: MAX_RANGE,
    concurrency: CONCURRENCY,
    once: false,
    reset: false,
    log: silentLogger,
    onProgress: (p: Progress) => {
      if (p.indexedBlock >= p.headBlock) caughtUp();
    },
  });
  const running = indexer.run().catch((err: unknown) => {
    lastError = err;
    caughtUp();
  });
  await isCaughtUp;
  if (lastError) throw lastError;

  const reader = new Database(dbPath, { readonly: true, fileMustExist: true });
  const hasSale = reader.prepare("SELECT 1 FROM sales WHERE sale_id = ?").pluck();
  const settlement = await c.settlement.getAddress();
  const from = c.accounts.taobao.address;
  let nonce = Number(await call<string>("eth_getTransactionCount", [from, "latest"]));
  const latencies: number[] = [];
  let already = 0;
  try {
    for (let i = 0; i < count; i++) {
      if (lastError) throw lastError;
      const ref = orderRef("live-", i);
      const data = c.settlement.interface.encodeFunctionData("settleSale", [licenceId, ref, c.tokenAddress, 19_900]);
      const hash = await call<string>("eth_sendTransaction", [{ from, to: settlement, data, gas: hex(300_000), nonce: hex(nonce++) }]);
      await waitReceipt(call, hash);
      const receivedAt = performance.now();
      const saleId = saleIdOf(c.channel.taobao, ref);
      if (hasSale.get(saleId)) already++;
      while (!hasSale.get(saleId)) {
        if (lastError) throw lastError;
        if (performance.now() - receivedAt > 10_000) throw new Error(`sale ${saleId} not indexed 10 s after its receipt`);
        await sleep(2);
      }
      latencies.push(performance.now() - receivedAt);
      await sleep(Math.random() * 150); // decorrelate the sends from the indexer's poll phase
    }
  } finally {
    reader.close();
    indexer.stop();
    await running;
  }
  if (lastError) throw lastError;
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return {
    samples: sorted.length,
    latenciesMs: latencies.map((l) => Math.round(l * 100) / 100),
    alreadyCommittedAtReceipt: already,
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    max: sorted[sorted.length - 1]!,
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function anvilVersion(): string {
  try {
    return execFileSync(path.join(ROOT, "node_modules", ".bin", "anvil"), ["--version"])
      .toString()
      .split("\n")[0]!
      .trim();
  } catch {
    return "unknown";
  }
}

async function main() {
  const sales = intEnv("BENCH_SALES", 100_000, 1);
  const rounds = intEnv("BENCH_ROUNDS", 2, 1);
  const liveCount = intEnv("BENCH_LIVE", 60, 1);
  const perBlock = intEnv("BENCH_BATCHES_PER_BLOCK", 2, 1);
  const emptyBlocks = intEnv("BENCH_EMPTY_BLOCKS", 0, 0);
  const loadBefore = os.loadavg();
  const tmp = tempDir("reelsplit-bench-indexer-");
  let chain: TestChain | undefined;
  try {
    chain = await startChain("anvil");
    const call = rpcClient(chain.url);
    const c = await deployConsortium(chain);
    const deployment = c.deployment;

    console.error(`generating ${sales.toLocaleString("en")} sales …`);
    const gen = await generate(c, call, sales, perBlock, emptyBlocks);
    console.error(
      `  ${gen.txs} txs in ${gen.blocks} blocks (${gen.batchesPerBlock} batches a block) in ${gen.seconds.toFixed(1)} s ` +
        `(${Math.round(gen.sales / gen.seconds).toLocaleString("en")} sales/s)`,
    );
    const head = Number(await call<string>("eth_blockNumber"));

    // Warm-up: the node's log and block caches, V8's JIT for the decoder. Not measured.
    const warm = await rawPass(chain.url, deployment, head);
    if (warm.sales !== gen.sales) throw new Error(`the chain holds ${warm.sales} SaleSettled events, ${gen.sales} were settled`);

    const raw: Awaited<ReturnType<typeof rawPass>>[] = [];
    const full: Awaited<ReturnType<typeof backfillPass>>[] = [];
    let dbPath = "";
    for (let r = 0; r < rounds; r++) {
      const a = await rawPass(chain.url, deployment, head);
      if (a.events !== warm.events) throw new Error(`raw pass ${r + 1} saw ${a.events} events, the warm-up ${warm.events}`);
      raw.push(a);
      console.error(
        `  raw      ${r + 1}: ${a.events} events in ${a.seconds.toFixed(2)} s = ${Math.round(a.eventsPerSecond)} events/s, ${a.cpuMicrosPerEvent.toFixed(1)} µs CPU/event (${a.ranges} ranges)`,
      );
      if (dbPath) for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) fs.rmSync(f, { force: true });
      dbPath = path.join(tmp.dir, `backfill-${r + 1}.db`);
      const b = await backfillPass(chain.url, deployment, dbPath);
      if (b.events !== warm.events) throw new Error(`backfill ${r + 1} stored ${b.events} events, the chain holds ${warm.events}`);
      full.push(b);
      console.error(
        `  backfill ${r + 1}: ${b.events} events in ${b.seconds.toFixed(2)} s = ${Math.round(b.eventsPerSecond)} events/s, ${b.cpuMicrosPerEvent.toFixed(1)} µs CPU/event (${b.ranges} ranges)`,
      );
    }
    const dbBytes = fs.statSync(dbPath).size + (fs.existsSync(`${dbPath}-wal`) ? fs.statSync(`${dbPath}-wal`).size : 0);

    console.error(`live: ${liveCount} single sales, indexer polling every ${LIVE_POLL_MS} ms …`);
    const live = await livePass(c, call, chain.url, deployment, dbPath, liveCount, BigInt(gen.licences[0]!.id));

    const rawRates = raw.map((x) => x.eventsPerSecond);
    const fullRates = full.map((x) => x.eventsPerSecond);
    const rawBest = Math.max(...rawRates);
    const fullBest = Math.max(...fullRates);
    const rawMedian = median(rawRates);
    const fullMedian = median(fullRates);
    const ratioBest = fullBest / rawBest;
    const ratioMedian = fullMedian / rawMedian;
    const rawCpu = median(raw.map((x) => x.cpuMicrosPerEvent));
    const fullCpu = median(full.map((x) => x.cpuMicrosPerEvent));
    const loadAfter = os.loadavg();

    const eps = (n: number) => `${Math.round(n).toLocaleString("en")} events/s`;
    const ms = (n: number) => `${n.toFixed(1)} ms`;
    const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
    const rows: [string, string, string][] = [
      ["events indexed (SaleSettled + setup)", `${warm.events.toLocaleString("en")} (${gen.sales.toLocaleString("en")} sales)`, ""],
      [
        "generation",
        `${gen.txs} txs, ${gen.blocks} blocks, ${gen.seconds.toFixed(1)} s = ${Math.round(gen.sales / gen.seconds).toLocaleString("en")} sales/s`,
        "",
      ],
      ["(a) raw fetch + decode, best", eps(rawBest), ""],
      ["(a) raw fetch + decode, median", eps(rawMedian), ""],
      [
        "(b) full backfill to SQLite, best",
        eps(fullBest),
        `≥ ${TARGET_BACKFILL_EPS.toLocaleString("en")} ${verdict(fullBest >= TARGET_BACKFILL_EPS)}`,
      ],
      [
        "(b) full backfill to SQLite, median",
        eps(fullMedian),
        `≥ ${TARGET_BACKFILL_EPS.toLocaleString("en")} ${verdict(fullMedian >= TARGET_BACKFILL_EPS)}`,
      ],
      ["(b)/(a), best / best", `${(ratioBest * 100).toFixed(1)} %`, `≥ ${TARGET_RATIO * 100} % ${verdict(ratioBest >= TARGET_RATIO)}`],
      [
        "(b)/(a), median / median",
        `${(ratioMedian * 100).toFixed(1)} %`,
        `≥ ${TARGET_RATIO * 100} % ${verdict(ratioMedian >= TARGET_RATIO)}`,
      ],
      ["indexer-process CPU per event, (a) / (b)", `${rawCpu.toFixed(1)} / ${fullCpu.toFixed(1)} µs (median)`, ""],
      ["live latency p50 (receipt → row)", ms(live.p50), `≤ ${TARGET_LIVE_P50_MS} ms ${verdict(live.p50 <= TARGET_LIVE_P50_MS)}`],
      ["live latency p90", ms(live.p90), ""],
      ["live latency p99", ms(live.p99), ""],
      ["live latency max", ms(live.max), ""],
    ];
    const w0 = Math.max(...rows.map((r) => r[0].length));
    const w1 = Math.max(...rows.map((r) => r[1].length));
    console.log(
      `\nindexer bench: ${os.cpus().length} CPUs, node ${process.version}, ${anvilVersion()}, load ${loadBefore.map((l) => l.toFixed(2)).join(" ")}`,
    );
    console.log(
      `backfill: maxRange ${MAX_RANGE}, concurrency ${CONCURRENCY}, ${rounds} rounds a,b alternating; live: poll ${LIVE_POLL_MS} ms, ${live.samples} sales\n`,
    );
    console.log(`${"measure".padEnd(w0)}  ${"value".padEnd(w1)}  target`);
    for (const [a, b, t] of rows) console.log(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${t}`);
    console.log(
      `\nruns (events/s): raw ${rawRates.map((r) => Math.round(r)).join(", ")}; backfill ${fullRates.map((r) => Math.round(r)).join(", ")}`,
    );
    console.log(
      `shared machine: load average ${loadAfter.map((l) => l.toFixed(2)).join(" ")} at the end; the ratio (b)/(a) is the robust figure`,
    );

    const out = path.join(ROOT, "bench-results");
    fs.mkdirSync(out, { recursive: true });
    const result = {
      measuredAt: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        memoryMB: Math.round(os.totalmem() / 2 ** 20),
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
        anvil: anvilVersion(),
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadAfter,
      },
      settings: {
        sales,
        rounds,
        batch: BATCH,
        batchesPerBlock: gen.batchesPerBlock,
        maxRange: MAX_RANGE,
        concurrency: CONCURRENCY,
        livePollMs: LIVE_POLL_MS,
      },
      events: { total: warm.events, saleSettled: gen.sales },
      generation: gen,
      raw: { runs: raw, bestEventsPerSecond: rawBest, medianEventsPerSecond: rawMedian, medianCpuMicrosPerEvent: rawCpu },
      backfill: {
        runs: full,
        bestEventsPerSecond: fullBest,
        medianEventsPerSecond: fullMedian,
        medianCpuMicrosPerEvent: fullCpu,
        databaseBytes: dbBytes,
      },
      ratio: { bestOverBest: ratioBest, medianOverMedian: ratioMedian },
      live,
      targets: {
        backfillEventsPerSecond: { target: TARGET_BACKFILL_EPS, met: fullBest >= TARGET_BACKFILL_EPS },
        ratio: { target: TARGET_RATIO, met: ratioBest >= TARGET_RATIO },
        liveP50Ms: { target: TARGET_LIVE_P50_MS, met: live.p50 <= TARGET_LIVE_P50_MS },
      },
    };
    fs.writeFileSync(path.join(out, "indexer.json"), JSON.stringify(result, null, 2));
    console.log(`\nwritten to ${path.relative(process.cwd(), path.join(out, "indexer.json")) || "bench-results/indexer.json"}`);
  } finally {
    await chain?.stop();
    tmp.remove();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
