/**
 * API throughput and latency against a small (10,000 sales) and a large (1,000,000 sales) indexer database.
 *
 *   1. Builds each database once and caches it under data/bench/ (git-ignored; delete the file to rebuild):
 *      the indexer's trail is synthesised (roles, 3 channels, a token, ~200 licences of 20 rights holders,
 *      20 MCNs and 20 platforms, then sales ~50 a block, ~10 % escrowed, releases, a few refunds and
 *      withdrawals) and applied through the REAL store (openStore + commitRange, 5,000-event commits), so
 *      every derived table and index is exactly what the indexer writes.
 *   2. Starts one API server per database in a child process (build() + a trivial GET /hello on the same
 *      Fastify instance, 127.0.0.1:0) and drives it with autocannon from this process: /hello, /sales/:saleId
 *      (rotating through random existing sales), /parties/:address/payouts (rotating parties) and
 *      /licences?limit=50. Each route is warmed up, then measured on both databases in A-B-B-A halves so
 *      drift on this shared machine hits both equally. Latencies are recorded per response (sub-ms).
 *   3. Profiles each lookup in-process: repository time vs JSON serialisation vs the whole Fastify pipeline
 *      (inject), time per SQL statement, and EXPLAIN QUERY PLAN of every statement the route ran.
 *
 * Prints one table and writes bench-results/api.json. Exits non-zero only on an error; a missed target is
 * printed as MISSED. Absolute figures are noisy on a shared machine (autocannon and the server share the
 * cores); the ratios measured in the same run (% of hello, 1M / 10k) are the robust ones.
 *
 *   npx ts-node --transpile-only scripts/bench/api.ts
 *   BENCH_SALES=200000 BENCH_DURATION=6 npx ts-node --transpile-only scripts/bench/api.ts
 *
 * BENCH_SALES (default 1,000,000) sizes the large database, BENCH_SMALL_SALES (10,000) the small one;
 * BENCH_DURATION (10) is the measured seconds per route and database, BENCH_WARMUP (2) the warm-up seconds,
 * BENCH_CONNECTIONS (10) autocannon's connections; BENCH_GENERATE_ONLY=1 only builds the databases;
 * BENCH_API=<dir> benchmarks a patched copy of api/ instead (with indexer/ beside it, e.g. a symlink).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fork, type ChildProcess } from "node:child_process";
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import Database from "better-sqlite3";
import { getAddress, keccak256, toBytes } from "viem";
import { openStore } from "../../indexer/store/store";
import type { StoredEvent } from "../../indexer/handlers";
import type { build as Build } from "../../api/app";
import type { createRepositories as CreateRepositories } from "../../api/repositories";
import { intEnv } from "./env";

const ROOT = path.join(__dirname, "..", "..");
/** Bump when the synthetic trail changes: cached databases of another version are not reused. */
const GENERATOR_VERSION = 2; // 2: the stats table
const CHAIN_ID = 31337;
const DEPLOYMENT_BLOCK = 100;
const BLOCK_SECONDS = 6;
const EVENTS_PER_COMMIT = 5_000;
const SALES_PER_BLOCK = 50;
const SALES_PER_TX = 25;
const LICENCES = 200;
const PARTIES_PER_ROLE = 20;
const ESCROW_SHARE = 0.1;
const REFUND_SHARE = 0.02; // of escrowed sales
const SAMPLE_SALE_IDS = 20_000;

const TARGET_PCT_OF_HELLO = 50;
const TARGET_P99_MS = 20;
const TARGET_P99_RATIO = 1.5;

// ------------------------------------------------------------------------------------------ synthetic trail

/** mulberry32: a small deterministic PRNG, so a size always yields the same database. */
function prng(seed: number) {
  let a = seed >>> 0;
  const u32 = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const float = () => u32() / 2 ** 32;
  return {
    u32,
    float,
    int: (lo: number, hi: number) => lo + Math.floor(float() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(float() * xs.length)]!,
    hex: (bytes: number) => {
      let s = "0x";
      for (let i = 0; i < bytes; i += 4) s += u32().toString(16).padStart(8, "0");
      return s.slice(0, 2 + bytes * 2);
    },
  };
}
type Rng = ReturnType<typeof prng>;

const ROLE = (name: string) => (name === "DEFAULT_ADMIN_ROLE" ? `0x${"0".repeat(64)}` : keccak256(toBytes(name)));

interface Licence {
  id: number;
  rightsHolder: string;
  mcn: string;
  platform: string;
  rhBps: number;
  mcnBps: number;
  commissionBps: number;
  channels: number[];
  holdSeconds: number;
}

interface Pending {
  saleId: string;
  licence: Licence;
  due: number;
  shares: [bigint, bigint, bigint];
  commission: bigint;
  channelId: number;
}

/** Builds one block's events in log order. */
class BlockBuilder {
  readonly events: StoredEvent[] = [];
  readonly hash: string;
  constructor(
    private readonly rng: Rng,
    private readonly contract: string,
    readonly number: number,
    readonly timestamp: number,
  ) {
    this.hash = rng.hex(32);
  }
  tx(): string {
    return this.rng.hex(32);
  }
  add(txHash: string, eventName: string, args: Record<string, unknown>) {
    this.events.push({
      blockNumber: this.number,
      logIndex: this.events.length,
      blockHash: this.hash,
      blockTimestamp: this.timestamp,
      txHash,
      contract: this.contract,
      contractName: "Settlement",
      eventName,
      args,
    });
  }
}

/**
 * The trail of `sales` settled sales, block by block, shaped exactly as the indexer stores it: viem's
 * decoded args made JSON-safe (uint256 as decimal strings; uint8/uint16/uint32/uint40 as numbers;
 * checksummed addresses; bytes32 as lower-case hex).
 */
function* trail(sales: number, rng: Rng, settlement: string, t0: number) {
  const address = () => getAddress(rng.hex(20));
  const admin = address();
  const token = address();
  const rightsHolders = Array.from({ length: PARTIES_PER_ROLE }, address);
  const mcns = Array.from({ length: PARTIES_PER_ROLE }, address);
  const platforms = Array.from({ length: PARTIES_PER_ROLE }, address);
  const arbiter = address();
  const channels = [
    { id: 1, name: "douyin", reporter: address() },
    { id: 2, name: "kuaishou", reporter: address() },
    { id: 3, name: "taobao", reporter: address() },
  ];
  let number = DEPLOYMENT_BLOCK;
  const block = (gap = 1) => {
    number += gap;
    return new BlockBuilder(rng, settlement, number, t0 + (number - DEPLOYMENT_BLOCK) * BLOCK_SECONDS);
  };

  // Deployment: roles, channels, the token.
  let b = block(0);
  let tx = b.tx();
  b.add(tx, "RoleGranted", { role: ROLE("DEFAULT_ADMIN_ROLE"), account: admin, sender: admin });
  yield b;
  b = block();
  const grants: [string, string][] = [
    ...rightsHolders.map((a) => ["RIGHTS_HOLDER_ROLE", a] as [string, string]),
    ...mcns.map((a) => ["MCN_ROLE", a] as [string, string]),
    ...platforms.map((a) => ["PLATFORM_ROLE", a] as [string, string]),
    ["ARBITER_ROLE", arbiter],
  ];
  for (const [role, account] of grants) b.add(b.tx(), "RoleGranted", { role: ROLE(role), account, sender: admin });
  yield b;
  b = block();
  for (const c of channels) b.add(b.tx(), "ChannelAdded", { channelId: c.id, name: c.name, reporter: c.reporter });
  b.add(b.tx(), "TokenAllowed", { token, tokenId: 1 });
  yield b;

  // Licences: ~200 of 20 rights holders, MCNs and platforms; the last 10 stay proposed (no consent yet).
  // Sales go to the active ones with a skewed (Zipf-like) popularity; escrow licences are chosen among
  // them so that about ESCROW_SHARE of the sales are escrowed.
  const holds = [600, 1800, 3600];
  const all: Licence[] = [];
  for (let id = 1; id <= LICENCES; id++) {
    const rhBps = rng.int(50, 70) * 100;
    const chans = channels.map((c) => c.id).filter(() => rng.float() < 0.6);
    if (chans.length === 0) chans.push(rng.int(1, 3));
    all.push({
      id,
      rightsHolder: rng.pick(rightsHolders),
      mcn: rng.pick(mcns),
      platform: rng.pick(platforms),
      rhBps,
      mcnBps: rng.int(15, 30) * 100,
      commissionBps: rng.int(10, 30) * 100,
      channels: chans,
      holdSeconds: 0,
    });
  }
  const licences = all.slice(0, LICENCES - 10);
  const weights = licences.map((_, i) => 1 / Math.pow(i + 1, 0.8));
  const totalWeight = weights.reduce((x, y) => x + y, 0);
  const order = licences.map((_, i) => i).sort(() => rng.float() - 0.5);
  let escrowWeight = 0;
  for (const i of order) {
    if (escrowWeight >= totalWeight * ESCROW_SHARE) break;
    if (escrowWeight + weights[i]! > totalWeight * ESCROW_SHARE * 1.2) continue;
    licences[i]!.holdSeconds = rng.pick(holds);
    escrowWeight += weights[i]!;
  }
  for (const l of all) {
    if ((l.id - 1) % 10 === 0) {
      if (l.id > 1) yield b;
      b = block();
    }
    const contentId = rng.hex(32);
    tx = b.tx();
    b.add(tx, "ContentRegistered", { contentId, rightsHolder: l.rightsHolder, registeredAt: b.timestamp });
    b.add(tx, "LicenceRegistered", {
      licenceId: String(l.id),
      contentId,
      rightsHolder: l.rightsHolder,
      terms: {
        contentId,
        mcn: l.mcn,
        platform: l.platform,
        rightsHolderBps: l.rhBps,
        mcnBps: l.mcnBps,
        platformBps: 10_000 - l.rhBps - l.mcnBps,
        commissionBps: l.commissionBps,
        channels: l.channels,
        validFrom: t0,
        validUntil: t0 + 5 * 365 * 86_400,
        holdSeconds: l.holdSeconds,
        supersedes: "0",
        termsHash: rng.hex(32),
        termsURI: `ipfs://bafybei${rng.hex(24).slice(2)}`,
      },
    });
    if (l.id <= LICENCES - 10) {
      b.add(b.tx(), "LicenceAccepted", { licenceId: String(l.id), party: l.mcn });
      tx = b.tx();
      b.add(tx, "LicenceAccepted", { licenceId: String(l.id), party: l.platform });
      b.add(tx, "LicenceActivated", { licenceId: String(l.id), activatedAt: b.timestamp });
    }
  }
  yield b;
  const cumulative: number[] = [];
  weights.reduce((acc, w, i) => (cumulative[i] = acc + w), 0);
  const pickLicence = () => {
    const x = rng.float() * totalWeight;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return licences[lo]!;
  };

  const claimable = new Map<string, bigint>();
  const credit = (party: string, amount: bigint) => claimable.set(party, (claimable.get(party) ?? 0n) + amount);
  const releases = new Map<number, Pending[]>(holds.map((h) => [h, []]));
  const refunds = new Map<number, Pending[]>(holds.map((h) => [h, []]));
  const withdrawers = [...rightsHolders, ...mcns, ...platforms, ...channels.map((c) => c.reporter)];

  let left = sales;
  while (left > 0) {
    b = block(rng.int(1, 3));
    const n = Math.min(left, rng.int(SALES_PER_BLOCK - 20, SALES_PER_BLOCK + 20));
    left -= n;
    for (let i = 0; i < n; i++) {
      if (i % SALES_PER_TX === 0) tx = b.tx();
      const l = pickLicence();
      const gross = BigInt(Math.round(Math.exp(Math.log(100) + rng.float() * (Math.log(50_000) - Math.log(100)))));
      const commission = (gross * BigInt(l.commissionBps)) / 10_000n;
      const rh = (commission * BigInt(l.rhBps)) / 10_000n;
      const mcn = (commission * BigInt(l.mcnBps)) / 10_000n;
      const platform = commission - rh - mcn;
      const releaseAt = l.holdSeconds === 0 ? 0 : b.timestamp + l.holdSeconds;
      const saleId = rng.hex(32);
      const channelId = rng.pick(l.channels);
      b.add(tx, "SaleSettled", {
        saleId,
        licenceId: String(l.id),
        channelId,
        orderRef: rng.hex(32),
        token,
        gross: gross.toString(),
        commission: commission.toString(),
        rightsHolderShare: rh.toString(),
        mcnShare: mcn.toString(),
        platformShare: platform.toString(),
        releaseAt,
      });
      if (releaseAt === 0) {
        credit(l.rightsHolder, rh);
        credit(l.mcn, mcn);
        credit(l.platform, platform);
      } else {
        const p: Pending = { saleId, licence: l, due: releaseAt, shares: [rh, mcn, platform], commission, channelId };
        if (rng.float() < REFUND_SHARE) refunds.get(l.holdSeconds)!.push({ ...p, due: b.timestamp + Math.floor(l.holdSeconds / 2) });
        else releases.get(l.holdSeconds)!.push(p);
      }
    }
    // A channel refunds within the window; a keeper releases due sales in batches of up to 200.
    for (const queue of refunds.values()) {
      while (queue.length > 0 && queue[0]!.due <= b.timestamp) {
        const p = queue.shift()!;
        const to = channels.find((c) => c.id === p.channelId)!.reporter;
        b.add(b.tx(), "SaleRefunded", {
          saleId: p.saleId,
          licenceId: String(p.licence.id),
          to,
          amount: p.commission.toString(),
          disputeId: "0",
        });
        credit(to, p.commission);
      }
    }
    if (rng.float() < 0.5) {
      tx = b.tx();
      let batch = 0;
      for (const queue of releases.values()) {
        while (batch < 200 && queue.length > 0 && queue[0]!.due <= b.timestamp) {
          const p = queue.shift()!;
          b.add(tx, "SaleReleased", { saleId: p.saleId, licenceId: String(p.licence.id) });
          credit(p.licence.rightsHolder, p.shares[0]);
          credit(p.licence.mcn, p.shares[1]);
          credit(p.licence.platform, p.shares[2]);
          batch++;
        }
      }
    }
    if (rng.float() < 0.05) {
      const account = rng.pick(withdrawers);
      const amount = claimable.get(account) ?? 0n;
      if (amount > 0n) {
        b.add(b.tx(), "Withdrawn", { account, token, to: account, amount: amount.toString() });
        claimable.set(account, 0n);
      }
    }
    yield b;
  }
}

interface DbInfo {
  sales: number;
  file: string;
  bytes: number;
  events: number;
  generatedSeconds: number | null;
}

/** The cached database of `sales` sales, generated first if missing. */
function ensureDatabase(sales: number): DbInfo {
  const dir = path.join(ROOT, "data", "bench");
  const file = path.join(dir, `api-v${GENERATOR_VERSION}-${sales}.db`);
  let generatedSeconds: number | null = null;
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${file}.tmp`;
    for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) fs.rmSync(f, { force: true });
    console.error(`generating ${file} (${sales.toLocaleString("en")} sales) …`);
    const started = performance.now();
    const rng = prng(sales);
    const settlement = getAddress(rng.hex(20));
    const registry = getAddress(rng.hex(20));
    const spanBlocks = Math.ceil(sales / SALES_PER_BLOCK) * 2 + LICENCES / 10 + 10;
    const t0 = Math.floor(Date.now() / 1000) - spanBlocks * BLOCK_SECONDS - 600;
    const store = openStore(tmp);
    // Only speed the build (the file's content is the same): a big page cache, no fsync per commit.
    store.db.pragma("cache_size = -262144");
    store.db.pragma("synchronous = OFF");
    store.setMeta("chain_id", String(CHAIN_ID));
    store.setMeta("genesis_hash", rng.hex(32));
    store.setMeta("settlement", settlement);
    store.setMeta("dispute_registry", registry);
    store.setMeta("deployment_block", String(DEPLOYMENT_BLOCK));
    store.initCheckpoint({ number: DEPLOYMENT_BLOCK - 1, hash: rng.hex(32) });
    const gen = trail(sales, prng(sales + 1), settlement, t0);
    let pending: BlockBuilder[] = [];
    let pendingEvents = 0;
    let token: string | undefined;
    let committed = 0;
    let lastReport = 0;
    const commit = () => {
      const last = pending[pending.length - 1]!;
      const events = pending.flatMap((x) => x.events);
      if (!token) token = (events.find((e) => e.eventName === "TokenAllowed")?.args.token as string | undefined) ?? undefined;
      store.commitRange({
        events,
        blocks: [{ number: last.number, hash: last.hash }],
        checkpoint: { number: last.number, hash: last.hash },
        tokenMetadata: committed === 0 && token ? [{ address: token, symbol: "dCNY", decimals: 2 }] : undefined,
        keepBlocks: 0,
      });
      committed += events.length;
      pending = [];
      pendingEvents = 0;
    };
    let settled = 0;
    for (let r = gen.next(); !r.done; r = gen.next()) {
      const blk = r.value;
      pending.push(blk);
      pendingEvents += blk.events.length;
      for (const e of blk.events) if (e.eventName === "SaleSettled") settled++;
      if (pendingEvents >= EVENTS_PER_COMMIT) commit();
      if (settled - lastReport >= 100_000) {
        lastReport = settled;
        const s = (performance.now() - started) / 1000;
        console.error(`  ${settled.toLocaleString("en")} sales, ${committed.toLocaleString("en")} events committed, ${s.toFixed(0)} s`);
      }
    }
    if (pending.length > 0) commit();
    const cp = store.checkpoint()!;
    store.setHealth({ headBlock: cp.number, indexedBlock: cp.number, caughtUp: true, lastError: null });
    store.close();
    fs.renameSync(tmp, file);
    generatedSeconds = (performance.now() - started) / 1000;
    console.error(
      `  generated in ${generatedSeconds.toFixed(1)} s (${Math.round(committed / generatedSeconds).toLocaleString("en")} events/s)`,
    );
  }
  const db = new Database(file, { readonly: true, fileMustExist: true });
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  const info = {
    sales: count("SELECT COUNT(*) AS n FROM sales"),
    events: count("SELECT COUNT(*) AS n FROM events"),
  };
  db.close();
  if (info.sales !== sales) throw new Error(`${file} holds ${info.sales} sales, not ${sales}: delete it to regenerate`);
  return { sales, file, bytes: fs.statSync(file).size, events: info.events, generatedSeconds };
}

// ------------------------------------------------------------------------------------------------ servers

/** The API under test: this repository's api/, or BENCH_API=<dir>, a patched copy of it (to A/B a change). */
async function apiModules(): Promise<{ build: typeof Build; createRepositories: typeof CreateRepositories }> {
  const dir = process.env.BENCH_API ? path.resolve(process.env.BENCH_API) : path.join(ROOT, "api");
  const app = (await import(path.join(dir, "app"))) as { build: typeof Build };
  const repos = (await import(path.join(dir, "repositories"))) as { createRepositories: typeof CreateRepositories };
  return { build: app.build, createRepositories: repos.createRepositories };
}

/** Child process mode: serve one database with the real app plus GET /hello, report the port over IPC. */
async function serve(dbPath: string) {
  const { build } = await apiModules();
  const app = await build({ dbPath, rateLimit: false }); // measure the routes, not the rate limiter
  app.get("/hello", async () => ({ hello: "world" }));
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  process.send!({ port: typeof addr === "object" && addr ? addr.port : 0 });
  process.on("disconnect", () => void app.close().then(() => process.exit(0)));
}

interface Server {
  child: ChildProcess;
  url: string;
}

function startServer(dbPath: string): Promise<Server> {
  const child = fork(__filename, ["--serve", dbPath], { execArgv: ["-r", "ts-node/register/transpile-only"], stdio: "inherit" });
  return new Promise((resolve, reject) => {
    child.once("message", (m: { port: number }) => resolve({ child, url: `http://127.0.0.1:${m.port}` }));
    child.once("exit", (code) => reject(new Error(`the API server for ${dbPath} exited with ${code}`)));
  });
}

function stopServer(s: Server): Promise<void> {
  return new Promise((resolve) => {
    if (s.child.exitCode !== null) return resolve();
    s.child.once("exit", () => resolve());
    s.child.disconnect();
    setTimeout(() => s.child.kill(), 5_000).unref();
  });
}

// ---------------------------------------------------------------------------------------------- measuring

interface Run {
  requests: number;
  non2xx: number;
  errors: number;
  seconds: number;
  bytes: number;
  latencies: number[];
}

/** One autocannon run; latencies recorded per response in ms (autocannon's own histogram is whole ms). */
async function cannon(base: string, paths: () => string, seconds: number, connections: number): Promise<Run> {
  const latencies: number[] = [];
  let non2xx = 0;
  let bytes = 0;
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url: base, connections, duration: seconds, requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: paths() }) }] },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on("response", (_client: unknown, statusCode: number, resBytes: number, responseTime: number) => {
      if (statusCode < 200 || statusCode > 299) non2xx++;
      else latencies.push(responseTime);
      bytes += resBytes;
    });
  });
  const elapsed = (performance.now() - started) / 1000;
  return { requests: latencies.length, non2xx, errors: result.errors + result.timeouts, seconds: elapsed, bytes, latencies };
}

const percentile = (sorted: Float64Array, p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;

function summarise(runs: Run[]) {
  const requests = runs.reduce((x, r) => x + r.requests, 0);
  const seconds = runs.reduce((x, r) => x + r.seconds, 0);
  const sorted = Float64Array.from(runs.flatMap((r) => r.latencies)).sort();
  return {
    reqPerSec: requests / seconds,
    requests,
    seconds,
    non2xx: runs.reduce((x, r) => x + r.non2xx, 0),
    errors: runs.reduce((x, r) => x + r.errors, 0),
    bytesPerResponse: Math.round(runs.reduce((x, r) => x + r.bytes, 0) / Math.max(1, requests)),
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    halves: runs.map((r) => Math.round(r.requests / r.seconds)),
  };
}
type Summary = ReturnType<typeof summarise>;

function rotate(xs: string[]) {
  let i = 0;
  return () => xs[i++ % xs.length]!;
}

interface Route {
  name: string;
  lookup: boolean;
  paths: (d: DbSample) => () => string;
}
interface DbSample {
  saleIds: string[];
  parties: string[];
}

const ROUTES: Route[] = [
  { name: "GET /hello", lookup: false, paths: () => () => "/hello" },
  { name: "GET /sales/:saleId", lookup: true, paths: (d) => rotate(d.saleIds.map((id) => `/sales/${id}`)) },
  { name: "GET /parties/:address/payouts", lookup: true, paths: (d) => rotate(d.parties.map((a) => `/parties/${a}/payouts`)) },
  { name: "GET /licences?limit=50", lookup: true, paths: () => () => "/licences?limit=50" },
];

function sample(file: string): DbSample {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  // Sale ids are random hex, so a range of the primary key is a random sample (spread over the whole file).
  const start = prng(7).hex(32);
  let saleIds = (
    db.prepare("SELECT sale_id FROM sales WHERE sale_id >= ? ORDER BY sale_id LIMIT ?").pluck().all(start, SAMPLE_SALE_IDS) as string[]
  ).concat(db.prepare("SELECT sale_id FROM sales ORDER BY sale_id LIMIT ?").pluck().all(SAMPLE_SALE_IDS) as string[]);
  saleIds = [...new Set(saleIds)].slice(0, SAMPLE_SALE_IDS);
  const r = prng(11);
  saleIds.sort(() => r.float() - 0.5);
  const parties = db
    .prepare("SELECT rights_holder FROM licences UNION SELECT mcn FROM licences UNION SELECT platform FROM licences")
    .pluck()
    .all() as string[];
  db.close();
  return { saleIds, parties };
}

// ---------------------------------------------------------------------------------------------- profiling

interface StatementStat {
  sql: string;
  calls: number;
  ms: number;
  args: unknown[];
}

/** The repositories over a recording connection: every statement's calls, time and first arguments. */
function recordingRepositories(file: string, createRepositories: typeof CreateRepositories) {
  const real = new Database(file, { readonly: true, fileMustExist: true });
  let stats = new Map<string, StatementStat>();
  const prepare = (sql: string) => {
    const s = real.prepare(sql);
    return new Proxy(s, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target) as unknown;
        if (typeof v !== "function") return v;
        if (prop !== "get" && prop !== "all" && prop !== "iterate") return (v as (...a: unknown[]) => unknown).bind(target);
        return (...args: unknown[]) => {
          let st = stats.get(sql);
          if (!st) stats.set(sql, (st = { sql, calls: 0, ms: 0, args }));
          const t = performance.now();
          try {
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          } finally {
            st.calls++;
            st.ms += performance.now() - t;
          }
        };
      },
    });
  };
  const repos = createRepositories({ prepare } as unknown as Database.Database);
  return {
    real,
    repos,
    take() {
      const s = stats;
      stats = new Map();
      return [...s.values()];
    },
  };
}

function plan(db: Database.Database, st: StatementStat): string[] {
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${st.sql}`).all(...(st.args as never[])) as { id: number; parent: number; detail: string }[];
  const depth = new Map<number, number>([[0, -1]]);
  return rows.map((r) => {
    const d = (depth.get(r.parent) ?? -1) + 1;
    depth.set(r.id, d);
    return `${"  ".repeat(d)}${r.detail}`;
  });
}

/** Plan steps worth a look: a full scan (fine only under a LIMIT in index order) or a sort. */
const flags = (lines: string[]) =>
  [
    lines.some((l) => /\bSCAN\b/.test(l) && !/CONSTANT ROW|VIRTUAL TABLE/.test(l)) && "SCAN",
    lines.some((l) => /TEMP B-TREE/.test(l)) && "TEMP B-TREE",
  ].filter((x): x is string => typeof x === "string");

async function profile(info: DbInfo, d: DbSample) {
  const { build, createRepositories } = await apiModules();
  const rec = recordingRepositories(info.file, createRepositories);
  const time = <T>(n: number, f: (i: number) => T) => {
    let last: T | undefined;
    const t = performance.now();
    for (let i = 0; i < n; i++) last = f(i);
    return { ms: (performance.now() - t) / n, last: last as T };
  };
  const cases: { route: string; n: number; call: (i: number) => unknown; path: (i: number) => string }[] = [
    {
      route: "GET /sales/:saleId",
      n: 5_000,
      call: (i) => rec.repos.sales.byId(d.saleIds[i % d.saleIds.length]!),
      path: (i) => `/sales/${d.saleIds[i % d.saleIds.length]}`,
    },
    {
      route: "GET /parties/:address/payouts",
      n: 1_000,
      call: (i) => rec.repos.parties.payouts(d.parties[i % d.parties.length]!),
      path: (i) => `/parties/${d.parties[i % d.parties.length]}/payouts`,
    },
    { route: "GET /licences?limit=50", n: 300, call: () => rec.repos.licences.list({ limit: 50 }), path: () => "/licences?limit=50" },
  ];
  const app = await build({ dbPath: info.file, rateLimit: false });
  app.get("/hello", async () => ({ hello: "world" }));
  await app.ready();
  const inject = async (n: number, p: (i: number) => string) => {
    for (let i = 0; i < Math.min(n, 50); i++) await app.inject({ method: "GET", url: p(i) }); // warm
    const t = performance.now();
    for (let i = 0; i < n; i++) {
      const res = await app.inject({ method: "GET", url: p(i) });
      if (res.statusCode !== 200) throw new Error(`${p(i)} answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
    }
    return (performance.now() - t) / n;
  };
  const helloMs = await inject(5_000, () => "/hello");
  // A Prometheus scrape runs its gauges' queries synchronously on the event loop: every request waits for it.
  const metricsMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await app.inject({ method: "GET", url: "/metrics" });
    metricsMs.push(performance.now() - t);
  }
  const out = [];
  for (const c of cases) {
    time(Math.min(c.n, 100), c.call); // warm the statement cache and the pages
    rec.take();
    const repo = time(c.n, c.call);
    const statements = rec.take();
    const stringify = time(c.n, () => JSON.stringify(repo.last));
    const injectMs = await inject(c.n, c.path);
    out.push({
      route: c.route,
      repositoryMs: repo.ms,
      jsonStringifyMs: stringify.ms,
      injectMs,
      helloInjectMs: helloMs,
      responseBytes: JSON.stringify(repo.last).length,
      statements: statements
        .sort((a, b) => b.ms - a.ms)
        .map((s) => {
          const p = plan(rec.real, s);
          return {
            sql: s.sql.replace(/\s+/g, " "),
            callsPerRequest: s.calls / c.n,
            msPerRequest: s.ms / c.n,
            plan: p,
            flags: flags(p),
          };
        }),
    });
  }
  await app.close();
  rec.real.close();
  return { routes: out, metricsMs };
}

// ---------------------------------------------------------------------------------------------------- main

async function main() {
  const bigSales = intEnv("BENCH_SALES", 1_000_000, 1);
  const smallSales = intEnv("BENCH_SMALL_SALES", 10_000, 1);
  const duration = intEnv("BENCH_DURATION", 10, 2);
  const warmup = intEnv("BENCH_WARMUP", 2, 0);
  const connections = intEnv("BENCH_CONNECTIONS", 10, 1);
  const loadBefore = os.loadavg();

  const dbs = [ensureDatabase(smallSales), ensureDatabase(bigSales)] as const;
  if (process.env.BENCH_GENERATE_ONLY) return;
  const samples = dbs.map((d) => sample(d.file));
  const servers: Server[] = [];
  const results = new Map<string, Summary & { helloReqPerSec: number }>(); // `${route}|${sales}`
  try {
    for (const d of dbs) servers.push(await startServer(d.file));
    const [hello, ...lookups] = ROUTES as [Route, ...Route[]];
    console.error(
      `servers up; warming every route on both (${warmup} s each), then ${lookups.length} lookups × 2 databases × ${duration} s, ` +
        `each interleaved with as much hello, ${connections} connections`,
    );
    for (const route of ROUTES) {
      for (let i = 0; i < 2 && warmup > 0; i++) await cannon(servers[i]!.url, route.paths(samples[i]!), warmup, connections);
    }
    // Per lookup, halves in the order A-B-B-A over both dimensions (hello vs lookup, small vs large database),
    // so drift on the shared machine hits every figure alike and each ratio comes from the same minute.
    const ORDER: [number, boolean][] = [
      [0, false],
      [0, true],
      [1, true],
      [1, false],
      [1, false],
      [1, true],
      [0, true],
      [0, false],
    ];
    const helloRuns: Run[][] = [[], []];
    for (const route of lookups) {
      const runs: Run[][] = [[], []];
      const hellos: Run[][] = [[], []];
      for (const [i, isLookup] of ORDER) {
        const r = isLookup ? route : hello;
        const run = await cannon(servers[i]!.url, r.paths(samples[i]!), duration / 2, connections);
        (isLookup ? runs : hellos)[i]!.push(run);
        if (!isLookup) helloRuns[i]!.push(run);
      }
      for (const i of [0, 1]) {
        const s = summarise(runs[i]!);
        const h = summarise(hellos[i]!);
        results.set(`${route.name}|${dbs[i]!.sales}`, { ...s, helloReqPerSec: h.reqPerSec });
        console.error(
          `  ${route.name.padEnd(30)} ${dbs[i]!.sales.toLocaleString("en").padStart(10)} sales: ${Math.round(s.reqPerSec)} req/s ` +
            `(hello alongside ${Math.round(h.reqPerSec)}), p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms` +
            `${s.non2xx || s.errors ? `, ${s.non2xx} non-2xx, ${s.errors} errors` : ""}`,
        );
      }
    }
    for (const i of [0, 1]) {
      const h = summarise(helloRuns[i]!);
      results.set(`${hello.name}|${dbs[i]!.sales}`, { ...h, helloReqPerSec: h.reqPerSec });
    }
  } finally {
    for (const s of servers) await stopServer(s);
  }

  console.error("profiling in-process (repository vs serialisation, statements, query plans) …");
  const profiles = [];
  for (let i = 0; i < 2; i++) profiles.push({ sales: dbs[i]!.sales, ...(await profile(dbs[i]!, samples[i]!)) });
  const loadAfter = os.loadavg();

  // ------------------------------------------------------------------------------------------- the table
  const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
  const rows: string[][] = [];
  const json = [];
  let missed = 0;
  for (const route of ROUTES) {
    for (let i = 0; i < 2; i++) {
      const db = dbs[i]!;
      const s = results.get(`${route.name}|${db.sales}`)!;
      const pct = (s.reqPerSec / s.helloReqPerSec) * 100;
      const small = results.get(`${route.name}|${dbs[0].sales}`)!;
      const ratio = s.p99 / small.p99;
      const ratioP50 = s.p50 / small.p50;
      const okPct = pct >= TARGET_PCT_OF_HELLO;
      const okP99 = s.p99 <= TARGET_P99_MS;
      const okRatio = ratio <= TARGET_P99_RATIO;
      const okAll = s.non2xx === 0 && s.errors === 0;
      if (route.lookup) missed += Number(!okPct) + Number(!okP99) + Number(i === 1 && !okRatio) + Number(!okAll);
      rows.push([
        route.name,
        db.sales.toLocaleString("en"),
        Math.round(s.reqPerSec).toLocaleString("en"),
        route.lookup ? `${pct.toFixed(0)} % ${verdict(okPct)}` : "100 %",
        s.p50.toFixed(2),
        route.lookup ? `${s.p99.toFixed(2)} ${verdict(okP99)}` : s.p99.toFixed(2),
        route.lookup && i === 1 ? `${ratio.toFixed(2)}× ${verdict(okRatio)} (p50 ${ratioP50.toFixed(2)}×)` : "",
        `${s.bytesPerResponse} B${okAll ? "" : ` ${s.non2xx} non-2xx ${s.errors} errors`}`,
      ]);
      json.push({
        route: route.name,
        sales: db.sales,
        ...s,
        pctOfHello: pct,
        ...(route.lookup
          ? {
              targets: {
                pctOfHello: { target: TARGET_PCT_OF_HELLO, met: okPct },
                p99Ms: { target: TARGET_P99_MS, met: okP99 },
                ...(i === 1
                  ? { p99RatioBigOverSmall: { value: ratio, target: TARGET_P99_RATIO, met: okRatio }, p50RatioBigOverSmall: ratioP50 }
                  : {}),
              },
            }
          : {}),
      });
    }
  }
  const head = [
    "route",
    "sales in DB",
    "req/s",
    "% of hello (≥ 50)",
    "p50 ms",
    "p99 ms (≤ 20)",
    `p99 ${dbs[1].sales / 1000}k/${dbs[0].sales / 1000}k (≤ 1.5)`,
    "resp.",
  ];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((x, c) => (c >= 2 && c !== 6 && c !== 7 ? x.padStart(widths[c]!) : x.padEnd(widths[c]!))).join("  ");
  console.log(
    `\napi bench: ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), node ${process.version}, SQLite ${sqliteVersion()}, ` +
      `load ${loadBefore.map((l) => l.toFixed(2)).join(" ")} → ${loadAfter.map((l) => l.toFixed(2)).join(" ")}`,
  );
  for (const d of dbs)
    console.log(
      `  db ${path.relative(ROOT, d.file)}: ${d.sales.toLocaleString("en")} sales, ${d.events.toLocaleString("en")} events, ` +
        `${(d.bytes / 2 ** 20).toFixed(0)} MiB${d.generatedSeconds !== null ? `, generated in ${d.generatedSeconds.toFixed(1)} s` : " (cached)"}`,
    );
  if (process.env.BENCH_API) console.log(`  API under test: ${process.env.BENCH_API} (BENCH_API), not api/`);
  console.log(
    `  autocannon: ${connections} connections, ${duration} s per lookup and database, each interleaved with as much hello ` +
      `(A-B-B-A halves over hello/lookup and small/large), after ${warmup} s warm-up of every route\n`,
  );
  console.log(line(head));
  for (const r of rows) console.log(line(r));

  console.log("\nin-process profile, per request (ms): repository | JSON.stringify | whole Fastify pipeline via inject (hello)");
  for (const p of profiles) {
    for (const r of p.routes) {
      console.log(
        `  ${p.sales.toLocaleString("en").padStart(10)}  ${r.route.padEnd(30)} ${r.repositoryMs.toFixed(3)} | ${r.jsonStringifyMs.toFixed(3)} | ` +
          `${r.injectMs.toFixed(3)} (${r.helloInjectMs.toFixed(3)})  ${r.responseBytes} B, ${r.statements.reduce((x, s) => x + s.callsPerRequest, 0).toFixed(0)} statements`,
      );
    }
  }
  for (const p of profiles) {
    console.log(
      `  ${p.sales.toLocaleString("en").padStart(10)}  GET /metrics (gauges COUNT(*) synchronously: every request waits) ` +
        `${p.metricsMs.map((m) => m.toFixed(1)).join(", ")} ms (cold, warm, warm)`,
    );
  }
  const big = profiles[1]!;
  console.log(`\nstatements on the ${big.sales.toLocaleString("en")}-sale database (ms and calls per request) and EXPLAIN QUERY PLAN:`);
  for (const r of big.routes) {
    console.log(`  ${r.route}`);
    for (const s of r.statements) {
      console.log(
        `    ${s.msPerRequest.toFixed(4)} ms ×${s.callsPerRequest.toFixed(1)}${s.flags.length ? `  [${s.flags.join(", ")}]` : ""}  ${s.sql}`,
      );
      for (const l of s.plan) console.log(`        ${l}`);
    }
  }
  console.log(
    `\n${missed === 0 ? "all targets met" : `${missed} target(s) MISSED`}; shared machine: the ratios (% of hello, 1M/10k) are the robust figures`,
  );

  const outDir = path.join(ROOT, "bench-results");
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(
    path.join(outDir, "api.json"),
    JSON.stringify(
      {
        measuredAt: new Date().toISOString(),
        machine: {
          cpus: os.cpus().length,
          cpuModel: os.cpus()[0]?.model,
          memoryMB: Math.round(os.totalmem() / 2 ** 20),
          node: process.version,
          sqlite: sqliteVersion(),
          platform: `${os.platform()} ${os.release()}`,
          loadAverageBefore: loadBefore,
          loadAverageAfter: loadAfter,
          note: "shared machine; autocannon and the API server share the cores",
        },
        settings: {
          connections,
          durationSeconds: duration,
          warmupSeconds: warmup,
          sampleSaleIds: SAMPLE_SALE_IDS,
          generatorVersion: GENERATOR_VERSION,
          api: process.env.BENCH_API ?? "api",
        },
        databases: dbs.map((d) => ({ ...d, file: path.relative(ROOT, d.file) })),
        targets: { pctOfHello: TARGET_PCT_OF_HELLO, p99Ms: TARGET_P99_MS, p99RatioBigOverSmall: TARGET_P99_RATIO },
        rows: json,
        missed,
        profile: profiles,
      },
      null,
      2,
    ),
  );
  console.log(`wrote ${path.relative(ROOT, path.join(outDir, "api.json"))}`);
}

function sqliteVersion(): string {
  const db = new Database(":memory:");
  const v = (db.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v;
  db.close();
  return v;
}

if (process.argv[2] === "--serve") {
  serve(process.argv[3]!).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
} else {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
}
