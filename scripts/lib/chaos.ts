/**
 * Indexer chaos (issue #7): the real indexer CLI follows an anvil chain through a TCP proxy while it is
 * killed with SIGKILL at random moments (during the backfill and the live tail), the chain is reorganised
 * (evm_snapshot, blocks the indexer indexes, evm_revert, different replacement blocks) and the RPC endpoint
 * disappears for a while. At the end its database is compared, row by row, with a clean index of the final
 * chain: nothing lost, nothing duplicated, nothing stale. `npm run chaos` (scripts/chaos.ts) runs it in full,
 * test/indexer/outage.test.ts a short version.
 *
 * The indexer runs as production runs it under a supervisor: restarted after each SIGKILL, and after exit
 * code 3 (the RPC endpoint kept failing after its retries). During the outage the API (built in-process on
 * the same database) is polled: /health must show the RPC failure while the endpoint is gone and the lag in
 * blocks while the indexer catches up.
 *
 * The schedule (which kill when, each reorg's depth, variant and kill, where the outage falls) is drawn from
 * the seed up front (`planChaos`), so --seed replays it; the traffic has its own generator from the same seed,
 * but how much of it fits into a wait, and where each kill lands in the indexer's work, is timing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { ethers } from "ethers";
import { build } from "../../api/app";
import type { BlockRef } from "../../indexer/store/store";
import { EXIT } from "../../indexer/errors";
import {
  activeLicence,
  deployConsortium,
  indexOnce,
  saleIdOf,
  startChain,
  tempDir,
  writeDeploymentFile,
  type AccountName,
  type Consortium,
  type TestChain,
} from "../../test/indexer/harness";
import { startProxy, type RpcProxy } from "./chaos-proxy";
import { prng } from "./prng";

const ROOT = path.join(__dirname, "..", "..");
const TS_NODE = path.join(ROOT, "node_modules", ".bin", "ts-node");
const DAY = 24 * 3600;
/** The indexer's default finality depth: deeper than any reorg here, so every reorg is reconciled. */
const FINALITY_DEPTH = 64;

export interface ChaosOptions {
  seed: number;
  /** SIGKILLs of the indexer, about half during the backfill and half during the live tail. */
  kills: number;
  reorgs: number;
  /** Deepest reorg (depths run from 1 to this). */
  maxDepth: number;
  /** How long the RPC endpoint disappears (0: no outage). */
  outageSeconds: number;
  /** Sales settled before the indexer starts, so that the backfill takes a while. */
  backlogSales: number;
  /** The indexer's --max-range: small, so that the backfill is many commits. */
  maxRange: number;
  /** Keep the temporary folder (databases, deployment file, indexer logs) for a post-mortem. */
  keep?: boolean;
  /** Progress lines (stderr in the script). */
  log?: (line: string) => void;
}

export const CHAOS_DEFAULTS: Omit<ChaosOptions, "seed"> = {
  kills: 20,
  reorgs: 50,
  maxDepth: 10,
  outageSeconds: 30,
  backlogSales: 8_000,
  maxRange: 20,
};

type Rng = () => number;
const int = (rng: Rng, min: number, max: number) => min + Math.floor(rng() * (max - min + 1));
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
function shuffle<T>(rng: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const hex = (n: number | bigint) => `0x${n.toString(16)}`;

// ------------------------------------------------------------------------------------------ JSON-RPC

/** Plain JSON-RPC over fetch to the node itself (never through the proxy): no client-side batching stall. */
export function jsonRpc(url: string) {
  let id = 0;
  const post = async (body: unknown) => {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return res.json() as Promise<unknown>;
  };
  type Reply = { id: number; result?: unknown; error?: { message: string; data?: unknown } };
  const unwrap = (method: string, r: Reply) => {
    if (r.error) throw new Error(`${method}: ${r.error.message}${r.error.data ? ` (${JSON.stringify(r.error.data)})` : ""}`);
    return r.result;
  };
  return {
    async call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
      return unwrap(method, (await post({ jsonrpc: "2.0", id: ++id, method, params })) as Reply) as T;
    },
    async batch(calls: [string, unknown[]][]): Promise<unknown[]> {
      if (calls.length === 0) return [];
      const first = id + 1;
      const replies = (await post(calls.map(([method, params]) => ({ jsonrpc: "2.0", id: ++id, method, params })))) as Reply[];
      const byId = new Map(replies.map((r) => [r.id, r]));
      return calls.map(([method], i) => unwrap(method, byId.get(first + i) ?? { id: 0, error: { message: "no reply" } }));
    },
  };
}
export type JsonRpc = ReturnType<typeof jsonRpc>;

interface RawBlock {
  number: string;
  hash: string;
  timestamp: string;
}
interface RawReceipt {
  status: string;
  transactionHash: string;
}

// ------------------------------------------------------------------------------------------ the database, read-only

export interface PeekedHealth {
  caughtUp: boolean;
  headBlock: number | null;
  indexedBlock: number | null;
  lastError: string | null;
}

/** A read-only connection to the database the indexer writes (opened once it exists). */
export class DbPeek {
  private db: Database.Database | undefined;
  constructor(private readonly file: string) {}

  private query<T>(sql: string): T | undefined {
    try {
      if (!this.db) {
        if (!fs.existsSync(this.file)) return undefined;
        this.db = new Database(this.file, { readonly: true, fileMustExist: true });
      }
      return this.db.prepare(sql).get() as T | undefined;
    } catch {
      // not created or not migrated yet; open again next time
      this.close();
      return undefined;
    }
  }

  checkpoint(): BlockRef | undefined {
    return this.query<BlockRef>("SELECT block_number AS number, block_hash AS hash FROM checkpoint WHERE id = 1");
  }

  health(): PeekedHealth | undefined {
    const h = this.query<{ caught_up: number; head_block: number | null; indexed_block: number | null; last_error: string | null }>(
      "SELECT caught_up, head_block, indexed_block, last_error FROM health WHERE id = 1",
    );
    return h && { caughtUp: h.caught_up === 1, headBlock: h.head_block, indexedBlock: h.indexed_block, lastError: h.last_error };
  }

  close() {
    this.db?.close();
    this.db = undefined;
  }
}

// ------------------------------------------------------------------------------------------ the indexer CLI, supervised

interface Generation {
  n: number;
  child: ChildProcess;
  spawnedAt: number;
  /** When it logged "indexer starting" (its code is loaded; the next thing it does is talk to the node). */
  startedAt?: number;
  killedByUs: boolean;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ExitRecord {
  generation: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** kill: our SIGKILL; rpc: exit 3, the endpoint kept failing (restarted); stop: our SIGTERM; unexpected: anything else. */
  kind: "kill" | "rpc" | "stop" | "unexpected";
  at: number;
  lastLines: string[];
}

/**
 * Runs `ts-node indexer/main.ts` as production would run it under a process supervisor: restarted at once
 * after our SIGKILLs and after exit code 3 (the RPC endpoint kept failing: retryable by policy). Any other
 * exit is recorded as unexpected; exit code 2 (needs --reset) or repeated unexpected exits end the run.
 */
export class IndexerSupervisor {
  current!: Generation;
  readonly exits: ExitRecord[] = [];
  /** Depths of the reorgs the indexer logged as reconciled ("reconciled reorg"). */
  readonly reconciled: number[] = [];
  rpcRetries = 0;
  failure: Error | undefined;
  private generations = 0;
  private stopping = false;
  private readonly tail: string[] = [];
  private readonly logStream: fs.WriteStream;

  constructor(
    private readonly args: string[],
    logFile: string,
  ) {
    this.logStream = fs.createWriteStream(logFile, { flags: "a" });
  }

  start() {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of Object.keys(env))
      if (key.startsWith("INDEXER_") || key === "REELSPLIT_CRASH_AT" || key === "RPC_URL") delete env[key];
    const child = spawn(TS_NODE, ["--transpile-only", "indexer/main.ts", ...this.args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const g: Generation = {
      n: ++this.generations,
      child,
      spawnedAt: Date.now(),
      killedByUs: false,
      exit: new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal }))),
    };
    this.current = g;
    let buffered = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let nl = buffered.indexOf("\n"); nl >= 0; nl = buffered.indexOf("\n")) {
        this.line(g, buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    });
    child.stdout!.resume();
    void g.exit.then(({ code, signal }) => this.exited(g, code, signal));
  }

  private line(g: Generation, line: string) {
    this.logStream.write(`[${g.n}] ${line}\n`);
    this.tail.push(`[${g.n}] ${line}`);
    if (this.tail.length > 40) this.tail.shift();
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (entry.msg === "indexer starting") g.startedAt ??= Date.now();
    else if (entry.msg === "reconciled reorg") this.reconciled.push(Number(entry.reorgDepth));
    else if (entry.msg === "RPC call failed, retrying") this.rpcRetries++;
  }

  private exited(g: Generation, code: number | null, signal: NodeJS.Signals | null) {
    const kind: ExitRecord["kind"] = g.killedByUs ? "kill" : this.stopping ? "stop" : code === EXIT.RPC_UNAVAILABLE ? "rpc" : "unexpected";
    this.exits.push({ generation: g.n, code, signal, kind, at: Date.now(), lastLines: kind === "unexpected" ? [...this.tail] : [] });
    if (kind === "rpc") this.start();
    if (kind === "unexpected") {
      const unexpected = this.exits.filter((e) => e.kind === "unexpected").length;
      if (code === EXIT.NEEDS_RESET || unexpected > 5) {
        this.failure = new Error(`the indexer exited with code ${code} (signal ${signal}); last log lines:\n${this.tail.join("\n")}`);
      } else this.start();
    }
  }

  /** Throws if the indexer cannot go on. */
  check() {
    if (this.failure) throw this.failure;
  }

  /** Waits until the running indexer has started (logged "indexer starting"), for at most `timeoutMs`. */
  async started(timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    while (this.current.startedAt === undefined) {
      this.check();
      if (Date.now() > deadline) throw new Error(`the indexer did not start within ${timeoutMs} ms`);
      await delay(5);
    }
  }

  /** SIGKILL now (once it has started), wait for it to die, and start it again. */
  async kill() {
    await this.started();
    const g = this.current;
    g.killedByUs = true;
    g.child.kill("SIGKILL");
    await g.exit;
    this.start();
  }

  /** SIGTERM (the indexer stops after the current range) and wait; it is not restarted. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.stopping = true;
    const g = this.current;
    if (g.child.exitCode === null && g.child.signalCode === null) g.child.kill("SIGTERM");
    const result = await g.exit;
    await new Promise<void>((resolve) => this.logStream.end(resolve));
    return result;
  }

  unexpectedExits(): ExitRecord[] {
    return this.exits.filter((e) => e.kind === "unexpected");
  }
}

// ------------------------------------------------------------------------------------------ traffic

type LicenceKey = "instant" | "escrow" | "short" | "second";
type Reporter = "taobao" | "jd" | "pdd";
const REPORTERS: readonly Reporter[] = ["taobao", "jd", "pdd"];

interface SaleRef {
  saleId: string;
  reporter: Reporter;
}
interface Model {
  /** Sales of the escrow licence still in escrow and in their refund window: refundable, disputable. */
  escrowed: SaleRef[];
  /** Sales of the short-hold licence not released yet, with their release time once mined. */
  maturing: { saleId: string; releaseAt?: number }[];
  /** Open sale disputes. */
  disputes: { id: number; sale: SaleRef; evidence: number }[];
  disputeCount: number;
  /** Timestamp of the last block mined on this branch. */
  lastTimestamp: number;
}

interface Tx {
  /** The operation, for error messages. */
  what: string;
  from: string;
  to: string;
  data: string;
  gas: number;
}

export interface MinedBlock {
  number: number;
  hash: string;
  timestamp: number;
  txs: number;
}

/** A sale as settled, to settle the same order again (same channel and order ref) with another amount. */
interface SettledSale {
  licence: LicenceKey;
  reporter: Reporter;
  orderRef: string;
  gross: bigint;
}

type Op = "sale" | "batch" | "refund" | "release" | "withdraw" | "disputeOpen" | "disputeEvidence" | "disputeResolve" | "empty";

const BACKLOG_WEIGHTS: [Op, number][] = [
  ["batch", 70],
  ["sale", 10],
  ["refund", 5],
  ["release", 5],
  ["withdraw", 5],
  ["disputeOpen", 2],
  ["disputeEvidence", 1],
  ["disputeResolve", 2],
];
const LIVE_WEIGHTS: [Op, number][] = [
  ["sale", 40],
  ["batch", 15],
  ["refund", 8],
  ["release", 8],
  ["withdraw", 8],
  ["disputeOpen", 5],
  ["disputeEvidence", 4],
  ["disputeResolve", 5],
  ["empty", 7],
];

/**
 * Sales and everything that happens to them, one block at a time (automine off, evm_mine): sales and
 * batches under instant, escrowed and short-hold licences, refunds, releases, withdrawals and sale
 * disputes (opened, evidence, ruled both ways). The model of what can be refunded, released or ruled on
 * is snapshot and restored with the chain, so a reorg never makes the traffic revert.
 */
export class Traffic {
  model: Model = { escrowed: [], maturing: [], disputes: [], disputeCount: 0, lastTimestamp: 0 };
  readonly stats = { blocks: 0, txs: 0, sales: 0, refunds: 0, releases: 0, withdrawals: 0, disputes: 0, rulings: 0, reverted: 0 };
  revertedExamples: string[] = [];
  private orderSeq = 0;
  private nonces = new Map<string, number>();
  private readonly settlement: string;
  private readonly disputes: string;
  /** Sales settled in the block being built (for the same-order-ref reorg). */
  private settledInBlock: SettledSale[] = [];

  constructor(
    private readonly rpc: JsonRpc,
    private readonly c: Consortium,
    private readonly licences: Record<LicenceKey, { id: bigint; hold: number }>,
    private readonly rng: Rng,
    private readonly tag: string,
  ) {
    this.settlement = c.deployment.contracts.Settlement;
    this.disputes = c.deployment.contracts.DisputeRegistry;
  }

  private address(who: AccountName) {
    return this.c.accounts[who].address;
  }

  private nextRef() {
    return ethers.id(`chaos:${this.tag}:${this.orderSeq++}`);
  }

  private gross(): bigint {
    return BigInt(int(this.rng, 100, 1_000_000));
  }

  private settle(s: SettledSale): Tx {
    const saleId = saleIdOf(this.c.channel[s.reporter], s.orderRef);
    this.track(s.licence, saleId, s.reporter);
    this.settledInBlock.push(s);
    this.stats.sales++;
    const data = this.c.settlement.interface.encodeFunctionData("settleSale", [
      this.licences[s.licence].id,
      s.orderRef,
      this.c.tokenAddress,
      s.gross,
    ]);
    return { what: "settleSale", from: this.address(s.reporter), to: this.settlement, data, gas: 400_000 };
  }

  private track(licence: LicenceKey, saleId: string, reporter: Reporter) {
    if (licence === "escrow") this.model.escrowed.push({ saleId, reporter });
    if (licence === "short") this.model.maturing.push({ saleId });
  }

  private sale(licence?: LicenceKey): Tx {
    return this.settle({
      licence: licence ?? pick(this.rng, ["instant", "instant", "escrow", "short", "second"] as const),
      reporter: pick(this.rng, REPORTERS),
      orderRef: this.nextRef(),
      gross: this.gross(),
    });
  }

  private batch(min: number, max: number): Tx {
    const reporter = pick(this.rng, REPORTERS);
    const n = int(this.rng, min, max);
    const orders = Array.from({ length: n }, () => {
      const licence = pick(this.rng, ["instant", "instant", "escrow", "short", "second"] as const);
      const orderRef = this.nextRef();
      this.track(licence, saleIdOf(this.c.channel[reporter], orderRef), reporter);
      return { licenceId: this.licences[licence].id, orderRef, gross: this.gross() };
    });
    this.stats.sales += n;
    const data = this.c.settlement.interface.encodeFunctionData("settleSales", [this.c.tokenAddress, orders]);
    return { what: `settleSales(${n} orders)`, from: this.address(reporter), to: this.settlement, data, gas: 200_000 + 80_000 * n };
  }

  private takeRandom<T>(xs: T[]): T | undefined {
    if (xs.length === 0) return undefined;
    return xs.splice(Math.floor(this.rng() * xs.length), 1)[0];
  }

  /** The transactions of one operation, or none when it is not possible now (nothing to refund, …). */
  private op(op: Op): Tx[] {
    const S = this.c.settlement.interface;
    const D = this.c.disputes.interface;
    switch (op) {
      case "empty":
        return [];
      case "sale":
        return [this.sale()];
      case "batch":
        return [this.batch(2, 20)];
      case "refund": {
        const s = this.takeRandom(this.model.escrowed);
        if (!s) return [];
        this.stats.refunds++;
        const txs: Tx[] = [
          {
            what: "refundSale",
            from: this.address(s.reporter),
            to: this.settlement,
            data: S.encodeFunctionData("refundSale", [s.saleId]),
            gas: 200_000,
          },
        ];
        // The channel was credited the commission back: sometimes it withdraws it in the same block.
        if (this.rng() < 0.3) {
          this.stats.withdrawals++;
          const to = this.address(s.reporter);
          const data = S.encodeFunctionData("withdraw", [this.c.tokenAddress, to]);
          txs.push({ what: "withdraw (channel, after a refund)", from: to, to: this.settlement, data, gas: 200_000 });
        }
        return txs;
      }
      case "release": {
        const due = this.model.maturing.filter((m) => m.releaseAt !== undefined && m.releaseAt <= this.model.lastTimestamp).slice(0, 20);
        if (due.length === 0) return [];
        this.model.maturing = this.model.maturing.filter((m) => !due.includes(m));
        this.stats.releases += due.length;
        const data = S.encodeFunctionData("releaseSales", [due.map((m) => m.saleId)]);
        const what = `releaseSales(${due.length})`;
        return [{ what, from: this.address("outsider"), to: this.settlement, data, gas: 150_000 + 80_000 * due.length }];
      }
      case "withdraw": {
        // A sale paid at once, then one of its licence's parties withdraws: its balance is not zero.
        const licence = pick(this.rng, ["instant", "second"] as const);
        const who: AccountName = pick(
          this.rng,
          licence === "instant" ? (["rightsHolder", "mcn", "platform"] as const) : (["rightsHolder2", "mcn2", "platform2"] as const),
        );
        this.stats.withdrawals++;
        const to = this.address(who);
        return [
          this.sale(licence),
          {
            what: "withdraw (party, after a sale)",
            from: to,
            to: this.settlement,
            data: S.encodeFunctionData("withdraw", [this.c.tokenAddress, to]),
            gas: 200_000,
          },
        ];
      }
      case "disputeOpen": {
        if (this.model.disputes.length >= 4) return [];
        const s = this.takeRandom(this.model.escrowed);
        if (!s) return [];
        const id = ++this.model.disputeCount;
        this.model.disputes.push({ id, sale: s, evidence: 0 });
        this.stats.disputes++;
        const data = D.encodeFunctionData("openSaleDispute", [s.saleId, 3, ethers.id(`evidence:${this.tag}:${id}:0`)]);
        return [{ what: "openSaleDispute", from: this.address(s.reporter), to: this.disputes, data, gas: 400_000 }];
      }
      case "disputeEvidence": {
        const d = this.model.disputes.length > 0 ? pick(this.rng, this.model.disputes) : undefined;
        if (!d) return [];
        d.evidence++;
        const data = D.encodeFunctionData("addEvidence", [d.id, ethers.id(`evidence:${this.tag}:${d.id}:${d.evidence}`)]);
        return [{ what: "addEvidence", from: this.address("rightsHolder"), to: this.disputes, data, gas: 200_000 }];
      }
      case "disputeResolve": {
        const d = this.takeRandom(this.model.disputes);
        if (!d) return [];
        const upheld = this.rng() < 0.5;
        // Upheld: the frozen commission goes back to the channel. Rejected: the sale is in escrow again.
        if (!upheld) this.model.escrowed.push(d.sale);
        this.stats.rulings++;
        const data = D.encodeFunctionData("resolve", [d.id, upheld, ethers.id(`ruling:${this.tag}:${d.id}`), 0]);
        return [
          { what: `resolve (${upheld ? "upheld" : "rejected"})`, from: this.address("arbiter"), to: this.disputes, data, gas: 400_000 },
        ];
      }
    }
  }

  private weighted(weights: [Op, number][]): Op {
    const total = weights.reduce((a, [, w]) => a + w, 0);
    let x = this.rng() * total;
    for (const [op, w] of weights) if ((x -= w) < 0) return op;
    return weights[0]![0];
  }

  /** Sends `txs` and mines them into one block; checks every one succeeded. */
  async mine(txs: Tx[]): Promise<MinedBlock> {
    for (const tx of txs) {
      let nonce = this.nonces.get(tx.from);
      if (nonce === undefined) nonce = Number(await this.rpc.call<string>("eth_getTransactionCount", [tx.from, "latest"]));
      this.nonces.set(tx.from, nonce + 1);
      await this.rpc.call("eth_sendTransaction", [{ from: tx.from, to: tx.to, data: tx.data, gas: hex(tx.gas), nonce: hex(nonce) }]);
    }
    await this.rpc.call("evm_mine");
    const [block, receipts] = (await this.rpc.batch([
      ["eth_getBlockByNumber", ["latest", false]],
      ["eth_getBlockReceipts", ["latest"]],
    ])) as [RawBlock, RawReceipt[]];
    const failed = receipts.filter((r) => r.status !== "0x1");
    if (failed.length > 0 || receipts.length !== txs.length) {
      this.stats.reverted += failed.length + Math.max(0, txs.length - receipts.length);
      if (this.revertedExamples.length < 5) this.revertedExamples.push(await this.explain(Number(block.number), txs, receipts));
      // Our idea of the nonces may be off now: ask the node again.
      this.nonces.clear();
    }
    const mined = { number: Number(block.number), hash: block.hash, timestamp: Number(block.timestamp), txs: txs.length };
    this.model.lastTimestamp = mined.timestamp;
    for (const m of this.model.maturing) m.releaseAt ??= mined.timestamp + this.licences.short.hold;
    this.stats.blocks++;
    this.stats.txs += txs.length;
    return mined;
  }

  /** Why transactions of a block failed: each replayed with eth_call on the parent block, its error decoded. */
  private async explain(number: number, txs: Tx[], receipts: RawReceipt[]): Promise<string> {
    const reasons: string[] = [];
    for (const [i, r] of receipts.entries()) {
      if (r.status === "0x1") continue;
      const tx = txs[i];
      if (!tx) continue;
      try {
        await this.rpc.call("eth_call", [{ from: tx.from, to: tx.to, data: tx.data, gas: hex(tx.gas) }, hex(number - 1)]);
        reasons.push(`${tx.what}: succeeds alone on the parent block`);
      } catch (err) {
        const data = /0x[0-9a-f]{8,}/i.exec((err as Error).message)?.[0];
        const parsed = data && (this.c.settlement.interface.parseError(data) ?? this.c.disputes.interface.parseError(data));
        reasons.push(`${tx.what}: ${parsed ? `${parsed.name}(${parsed.args.join(", ")})` : (err as Error).message.slice(0, 120)}`);
      }
    }
    return `block ${number}: ${reasons.join("; ") || `${txs.length - receipts.length} transactions not mined`}`;
  }

  /** One block of random traffic (the live mix, or the backlog's batch-heavy mix). */
  async block(options: { backlog?: boolean; force?: Op } = {}): Promise<MinedBlock & { sales: SettledSale[] }> {
    this.settledInBlock = [];
    const txs: Tx[] = [];
    if (options.force) txs.push(...this.op(options.force));
    else if (options.backlog) txs.push(...(this.rng() < 0.7 ? [this.batch(5, 40)] : this.op(this.weighted(BACKLOG_WEIGHTS))));
    else txs.push(...this.op(this.weighted(LIVE_WEIGHTS)));
    if (!options.force && this.rng() < 0.35) txs.push(...this.op(this.weighted(LIVE_WEIGHTS)));
    const sales = this.settledInBlock;
    return { ...(await this.mine(txs)), sales };
  }

  /** A block that settles the same order again with another amount (on a branch where it is not settled). */
  async resettle(s: SettledSale): Promise<MinedBlock> {
    this.settledInBlock = [];
    const delta = BigInt(int(this.rng, 1, 5_000));
    return this.mine([this.settle({ ...s, gross: s.gross + delta }), ...this.op(this.weighted(LIVE_WEIGHTS))]);
  }

  /** A licence dispute (opened, evidence, rejected), once, so the trail has one. */
  async licenceDispute() {
    const D = this.c.disputes.interface;
    const id = ++this.model.disputeCount;
    this.stats.disputes++;
    await this.mine([
      {
        what: "openLicenceDispute",
        from: this.address("rightsHolder2"),
        to: this.disputes,
        data: D.encodeFunctionData("openLicenceDispute", [this.licences.second.id, 5, ethers.id(`licence-evidence:${this.tag}`)]),
        gas: 400_000,
      },
    ]);
    await this.mine([
      {
        what: "addEvidence (licence)",
        from: this.address("mcn2"),
        to: this.disputes,
        data: D.encodeFunctionData("addEvidence", [id, ethers.id(`licence-evidence:${this.tag}:2`)]),
        gas: 200_000,
      },
    ]);
    this.stats.rulings++;
    await this.mine([
      {
        what: "resolve (licence, rejected)",
        from: this.address("arbiter"),
        to: this.disputes,
        data: D.encodeFunctionData("resolve", [id, false, ethers.id(`licence-ruling:${this.tag}`), 0]),
        gas: 400_000,
      },
    ]);
  }

  snapshot(): Model {
    return structuredClone(this.model);
  }

  /** After evm_revert: the model of the snapshot, and nonces asked afresh. */
  restore(model: Model) {
    this.model = model;
    this.nonces.clear();
  }
}

// ------------------------------------------------------------------------------------------ comparison

export interface TableComparison {
  table: string;
  /** Rows in the clean database. */
  rows: number;
  lost: number;
  duplicated: number;
  stale: number;
  examples: string[];
}

export interface Comparison {
  tables: TableComparison[];
  rows: number;
  lost: number;
  duplicated: number;
  stale: number;
}

/** Tables that depend on how the database got where it is, not on the chain: compared separately, or not at all. */
const HISTORY_TABLES = new Set(["health", "blocks", "checkpoint"]);

/**
 * Every table of the chaos database against the clean one, row by row. By primary key: a key only in the
 * clean database is a lost row, a key only in the chaos database or with other values there is a stale row.
 * Tables without a key (credits) are compared as multisets of whole rows: a row more often in the chaos
 * database than in the clean one is duplicated.
 */
export function compareDatabases(chaosFile: string, cleanFile: string): Comparison {
  const chaos = new Database(chaosFile, { readonly: true, fileMustExist: true });
  const clean = new Database(cleanFile, { readonly: true, fileMustExist: true });
  try {
    const tablesOf = (db: Database.Database) =>
      (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[])
        .map((t) => t.name)
        .filter((t) => !HISTORY_TABLES.has(t));
    const names = [...new Set([...tablesOf(clean), ...tablesOf(chaos)])].sort();
    const tables: TableComparison[] = [];
    for (const table of names) {
      const info = clean.prepare(`PRAGMA table_info(${table})`).all() as { name: string; pk: number }[];
      const cols = info.map((c) => c.name).filter((c) => c !== "updated_at");
      const keyCols = info
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name);
      const read = (db: Database.Database) =>
        (
          db
            .prepare(`SELECT ${cols.join(", ")} FROM ${table}`)
            .raw()
            .all() as unknown[][]
        ).map((row) => ({
          key: keyCols.length > 0 ? JSON.stringify(keyCols.map((k) => row[cols.indexOf(k)])) : JSON.stringify(row),
          row: JSON.stringify(row),
        }));
      const group = (rows: { key: string; row: string }[]) => {
        const m = new Map<string, string[]>();
        for (const r of rows) m.set(r.key, [...(m.get(r.key) ?? []), r.row]);
        return m;
      };
      const a = group(read(chaos));
      const b = group(read(clean));
      const t: TableComparison = {
        table,
        rows: [...b.values()].reduce((n, rs) => n + rs.length, 0),
        lost: 0,
        duplicated: 0,
        stale: 0,
        examples: [],
      };
      const example = (what: string, row: string) => void (t.examples.length < 5 && t.examples.push(`${what}: ${row}`));
      for (const [key, rows] of b) {
        const mine = a.get(key);
        if (!mine) {
          t.lost += rows.length;
          example("lost", rows[0]!);
        } else if (keyCols.length === 0 && mine.length < rows.length) {
          t.lost += rows.length - mine.length;
          example("lost", rows[0]!);
        }
      }
      for (const [key, rows] of a) {
        const theirs = b.get(key);
        if (!theirs) {
          t.stale += rows.length;
          example("stale (not on the final chain)", rows[0]!);
        } else if (keyCols.length === 0) {
          if (rows.length > theirs.length) {
            t.duplicated += rows.length - theirs.length;
            example(`duplicated ×${rows.length}`, rows[0]!);
          }
        } else if (rows[0] !== theirs[0]) {
          t.stale += 1;
          example(`stale (clean: ${theirs[0]})`, rows[0]!);
        }
      }
      tables.push(t);
    }
    const sum = (k: "rows" | "lost" | "duplicated" | "stale") => tables.reduce((n, t) => n + t[k], 0);
    return { tables, rows: sum("rows"), lost: sum("lost"), duplicated: sum("duplicated"), stale: sum("stale") };
  } finally {
    chaos.close();
    clean.close();
  }
}

export interface ChainCheck {
  /** The chaos database's checkpoint is the chain's head. */
  checkpointIsHead: boolean;
  /** Remembered block hashes (reorg detection) that are not the chain's. */
  staleBlockHashes: number;
  blockHashesChecked: number;
  /** Indexed claimable balances that differ from the contract's `claimable`. */
  balanceMismatches: number;
  balancesChecked: number;
  examples: string[];
}

/** What only the chain can say: the remembered block hashes are canonical, and the balances are the contract's. */
export async function checkAgainstChain(chaosFile: string, rpc: JsonRpc, c: Consortium): Promise<ChainCheck> {
  const db = new Database(chaosFile, { readonly: true, fileMustExist: true });
  try {
    const examples: string[] = [];
    const head = await rpc.call<RawBlock>("eth_getBlockByNumber", ["latest", false]);
    const cp = db.prepare("SELECT block_number AS number, block_hash AS hash FROM checkpoint WHERE id = 1").get() as BlockRef;
    const blocks = db.prepare("SELECT number, hash FROM blocks ORDER BY number").all() as BlockRef[];
    const canonical = (await rpc.batch(blocks.map((b) => ["eth_getBlockByNumber", [hex(b.number), false]]))) as (RawBlock | null)[];
    let staleBlockHashes = 0;
    blocks.forEach((b, i) => {
      if (canonical[i]?.hash !== b.hash) {
        staleBlockHashes++;
        if (examples.length < 5) examples.push(`remembered block ${b.number} ${b.hash} is not the chain's (${canonical[i]?.hash})`);
      }
    });
    const balances = db.prepare("SELECT party, token, claimable FROM balances").all() as {
      party: string;
      token: string;
      claimable: string;
    }[];
    let balanceMismatches = 0;
    for (const row of balances) {
      const onChain = await c.settlement.claimable(row.party, row.token);
      if (onChain.toString() !== row.claimable) {
        balanceMismatches++;
        if (examples.length < 10) examples.push(`claimable of ${row.party}: indexed ${row.claimable}, contract ${onChain}`);
      }
    }
    return {
      checkpointIsHead: cp.number === Number(head.number) && cp.hash === head.hash,
      staleBlockHashes,
      blockHashesChecked: blocks.length,
      balanceMismatches,
      balancesChecked: balances.length,
      examples,
    };
  } finally {
    db.close();
  }
}

// ------------------------------------------------------------------------------------------ the run

export interface KillRecord {
  phase: "backfill" | "live";
  /** What the kill was aimed at. */
  how: string;
  /** The indexer's checkpoint when it was killed. */
  checkpoint: number | undefined;
}

export interface ReorgRecord {
  depth: number;
  replacementBlocks: number;
  variant: ReorgVariant;
  kill?: ReorgKill;
  /** Reverted once the first replaced block was indexed, while the indexer was busy with the next ones. */
  race: boolean;
  /** Sales of the reverted blocks. */
  revertedSales: number;
}

export interface OutageReport {
  seconds: number;
  /** Blocks mined while the endpoint was gone. */
  blocksDuring: number;
  /** Seconds from the cut until /health first showed lastError. */
  errorReportedAfter: number | null;
  lastErrorSeen: string | null;
  /** The largest lagBlocks /health reported, from the cut until caught up again. */
  maxLagReported: number;
  /** Blocks the indexer was behind when the endpoint came back. */
  lagAtRestore: number;
  /** Seconds from the endpoint's return to the indexer's first new block. */
  resumedAfter: number | null;
  /** Seconds from the endpoint's return to the indexer being at the head again. */
  caughtUpAfter: number | null;
  /** Exits with code 3 (the endpoint kept failing) during the outage; each was restarted. */
  rpcExits: number;
  /** /health status codes seen during the outage and the catch-up. */
  statuses: number[];
}

export interface ChaosReport {
  options: ChaosOptions;
  backlog: { sales: number; blocks: number; seconds: number };
  kills: KillRecord[];
  reorgs: ReorgRecord[];
  outage: OutageReport | undefined;
  exits: ExitRecord[];
  reconciledByIndexer: number[];
  rpcRetries: number;
  traffic: Traffic["stats"];
  revertedExamples: string[];
  finalHead: number;
  comparison: Comparison;
  chain: ChainCheck;
  violations: string[];
  seconds: number;
  dir: string;
}

type ReorgVariant = "different" | "drop" | "same-ref";
type ReorgKill = "before-revert" | "after-revert" | "after-replacement";

/** Kill once the checkpoint passes this fraction of the backlog, or this long after the process says it is starting. */
export type BackfillKill = { kind: "checkpoint"; fraction: number } | { kind: "delay"; ms: number };
type Step =
  | { kind: "reorg"; depth: number; replacementBlocks: number; variant: ReorgVariant; kill?: ReorgKill; killDelayMs: number; race: boolean }
  | { kind: "kill"; ms: number }
  | { kind: "outage" };
export type LiveAction = Step & {
  /** Blocks of traffic mined at once before the action, then a pause (with paced traffic). */
  blocksBefore: number;
  pauseMs: number;
};

export interface ChaosPlan {
  backfillKills: BackfillKill[];
  live: LiveAction[];
}

/**
 * Everything the seed decides, up front, from its own generator: so that a seed replays the same schedule
 * whatever the timing (how many blocks of traffic fit in a wait is timing, and draws from another one).
 */
export function planChaos(o: ChaosOptions): ChaosPlan {
  const rng = prng(o.seed);
  // About half the kills during the backfill: alternately once the checkpoint passes a random block of the
  // backlog (sorted, so each is ahead of the last), and a random time after the process says it is starting.
  const nBackfill = Math.floor(o.kills / 2);
  const fractions = Array.from({ length: Math.ceil(nBackfill / 2) }, () => rng()).sort((a, b) => a - b);
  const backfillKills: BackfillKill[] = Array.from({ length: nBackfill }, (_, i) => {
    if (i % 2 === 1) return { kind: "delay", ms: int(rng, 0, 1500) };
    return { kind: "checkpoint", fraction: fractions[i / 2]! };
  });
  // Reorgs: every depth up to maxDepth at least once (if there are enough), then random ones; the three
  // variants in turn; one in five reverted as soon as the first replaced block is indexed, while the
  // indexer is still busy with the next ones (a reorg racing its live loop).
  const variants: ReorgVariant[] = ["different", "drop", "same-ref"];
  const reorgs = shuffle(
    rng,
    Array.from({ length: o.reorgs }, (_, i) => ({
      kind: "reorg" as const,
      depth: i < o.maxDepth ? 1 + i : int(rng, 1, o.maxDepth),
      extra: int(rng, 1, 3),
      variant: variants[i % variants.length]!,
      race: i % 5 === 4,
      killDelayMs: int(rng, 0, 150),
    })),
  ).map(({ extra, ...r }) => ({ ...r, replacementBlocks: r.depth + extra })) as Extract<Step, { kind: "reorg" }>[];
  // Half the live kills right around a reorg (the interesting case), the others at random moments.
  const nLive = o.kills - nBackfill;
  const attached = Math.min(o.reorgs, Math.ceil(nLive / 2));
  const flavours: ReorgKill[] = ["before-revert", "after-revert", "after-replacement"];
  shuffle(rng, [...reorgs.keys()])
    .slice(0, attached)
    .forEach((i, k) => (reorgs[i]!.kill = flavours[k % flavours.length]));
  const live: Step[] = [...reorgs];
  for (let i = 0; i < nLive - attached; i++) live.splice(int(rng, 0, live.length), 0, { kind: "kill", ms: int(rng, 0, 1000) });
  if (o.outageSeconds > 0) live.splice(int(rng, 0, live.length), 0, { kind: "outage" });
  return {
    backfillKills,
    live: live.map((a) => ({ ...a, blocksBefore: int(rng, 0, 3), pauseMs: int(rng, 0, 300) })),
  };
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const log = o.log ?? (() => {});
  const stamp = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s`;
  const say = (line: string) => log(`${stamp()}  ${line}`);
  const plan = planChaos(o);
  // Traffic and pacing draw from their own generators: how much of them a wait takes is timing.
  const trafficRng = prng((o.seed ^ 0x9e3779b9) >>> 0);
  const paceRng = prng((o.seed ^ 0x85ebca6b) >>> 0);
  const tmp = tempDir("reelsplit-chaos-");
  const dbPath = path.join(tmp.dir, "chaos.db");
  const cleanPath = path.join(tmp.dir, "clean.db");
  let chain: TestChain | undefined;
  let proxy: RpcProxy | undefined;
  let sup: IndexerSupervisor | undefined;
  let api: Awaited<ReturnType<typeof build>> | undefined;
  const peek = new DbPeek(dbPath);
  const violations: string[] = [];
  try {
    // ---------------------------------------------------------------- chain, contracts, backlog
    chain = await startChain("anvil");
    const rpc = jsonRpc(chain.url);
    const c = await deployConsortium(chain);
    const all = [1, 2, 3];
    const licences: Record<LicenceKey, { id: bigint; hold: number }> = {
      instant: { id: await activeLicence(c, { channels: all }), hold: 0 },
      escrow: { id: await activeLicence(c, { channels: all, holdSeconds: 30 * DAY }), hold: 30 * DAY },
      short: { id: await activeLicence(c, { channels: all, holdSeconds: 2 }), hold: 2 },
      second: { id: await activeLicence(c, { channels: all, rightsHolder: "rightsHolder2", mcn: "mcn2", platform: "platform2" }), hold: 0 },
    };
    await rpc.call("evm_setAutomine", [false]);
    const traffic = new Traffic(rpc, c, licences, trafficRng, String(o.seed));
    const backlogStarted = Date.now();
    await traffic.licenceDispute();
    let backlogBlocks = 0;
    for (let i = 0; traffic.stats.sales < o.backlogSales; i++) {
      // One of each dispute step early on, whatever the weights draw.
      const force: Op | undefined =
        i === 5 ? "disputeOpen" : i === 6 ? "disputeEvidence" : i === 8 ? "disputeResolve" : i === 9 ? "refund" : undefined;
      await traffic.block({ backlog: true, force });
      backlogBlocks++;
    }
    const backlog = { sales: traffic.stats.sales, blocks: backlogBlocks, seconds: (Date.now() - backlogStarted) / 1000 };
    say(`backlog: ${backlog.sales.toLocaleString("en")} sales in ${backlog.blocks} blocks (${backlog.seconds.toFixed(1)} s)`);

    // ---------------------------------------------------------------- the indexer, through the proxy
    const nodeUrl = new URL(chain.url);
    proxy = await startProxy({ host: nodeUrl.hostname, port: Number(nodeUrl.port) });
    const deploymentFile = writeDeploymentFile(tmp.dir, c.deployment);
    sup = new IndexerSupervisor(
      [
        "--rpc",
        proxy.url,
        "--db",
        dbPath,
        "--deployment",
        deploymentFile,
        "--confirmations",
        "0",
        "--poll-interval",
        "50",
        "--max-range",
        String(o.maxRange),
        "--log-format",
        "json",
      ],
      path.join(tmp.dir, "indexer.log"),
    );
    const s = sup;
    const kills: KillRecord[] = [];
    const reorgs: ReorgRecord[] = [];
    let outage: OutageReport | undefined;

    let nextBlockAt = 0;
    const pace = () => int(paceRng, 80, 250);
    const head = async () => {
      const b = await rpc.call<RawBlock>("eth_getBlockByNumber", ["latest", false]);
      return { number: Number(b.number), hash: b.hash };
    };
    const synced = async () => {
      const cp = peek.checkpoint();
      if (!cp) return false;
      const h = await head();
      return cp.number === h.number && cp.hash === h.hash;
    };
    /** Polls `cond` (every few ms, with a deadline); meanwhile mines live traffic at a steady pace if `produce`. */
    const idleUntil = async (what: string, cond: () => boolean | Promise<boolean>, produce: boolean, timeoutMs = 120_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        s.check();
        if (await cond()) return;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        if (produce && Date.now() >= nextBlockAt) {
          await traffic.block();
          nextBlockAt = Date.now() + pace();
        } else await delay(5);
      }
    };
    const kill = async (how: string) => {
      await s.started();
      const phase = peek.health()?.caughtUp ? ("live" as const) : ("backfill" as const);
      const checkpoint = peek.checkpoint()?.number;
      await s.kill();
      kills.push({ phase, how, checkpoint });
      say(`kill ${kills.length}/${o.kills} (${phase}, ${how}) at checkpoint ${checkpoint ?? "none"}`);
    };

    s.start();
    const start = c.deployment.deploymentBlock - 1;
    const backlogHead = (await head()).number;

    // ---------------------------------------------------------------- kills during the backfill
    const top = Math.max(start + 1, backlogHead - 3 * o.maxRange);
    for (const k of plan.backfillKills) {
      if (k.kind === "checkpoint") {
        const at = start + 1 + Math.floor(k.fraction * (top - start - 1));
        await idleUntil(`checkpoint ≥ ${at}`, () => (peek.checkpoint()?.number ?? 0) >= at, true);
        await kill(`checkpoint reached ${at}`);
      } else {
        await s.started();
        const t = s.current.startedAt!;
        await idleUntil(`${k.ms} ms after the start`, () => Date.now() >= t + k.ms, true);
        await kill(`${k.ms} ms after "indexer starting"`);
      }
    }
    await idleUntil("the first catch-up", () => peek.health()?.caughtUp === true, true, 300_000);
    say(`caught up with the chain at block ${peek.checkpoint()?.number}`);

    // ---------------------------------------------------------------- live tail: reorgs, kills, the outage
    for (const action of plan.live) {
      // A little live traffic between actions, some at once, some paced.
      for (let n = action.blocksBefore; n > 0; n--) await traffic.block();
      const until = Date.now() + action.pauseMs;
      await idleUntil("a pause", () => Date.now() >= until, true);

      if (action.kind === "kill") {
        const t = Date.now();
        await idleUntil(`${action.ms} ms`, () => Date.now() >= t + action.ms, true);
        await kill(`random moment in the live tail`);
      } else if (action.kind === "reorg") {
        reorgs.push(await reorg(action));
      } else {
        outage = await runOutage();
      }
    }

    async function reorg(a: Extract<LiveAction, { kind: "reorg" }>): Promise<ReorgRecord> {
      await idleUntil("the indexer at the head before a reorg", synced, false);
      const base = (await head()).number;
      const snapshot = await rpc.call<string>("evm_snapshot");
      const model = traffic.snapshot();
      let doomedSales: SettledSale[] = [];
      for (let i = 0; i < a.depth; i++) {
        const b = await traffic.block(i === 0 ? { force: "sale" } : {});
        doomedSales = doomedSales.concat(b.sales);
      }
      const doomedTop = await head();
      if (doomedTop.number !== base + a.depth) throw new Error(`mined ${doomedTop.number - base} blocks, meant ${a.depth}`);
      const target = a.race ? base + 1 : doomedTop.number;
      await idleUntil(`the indexer to index blocks ${base + 1}..${target}`, () => (peek.checkpoint()?.number ?? 0) >= target, false);
      const cp = peek.checkpoint()!;
      if (!a.race && cp.hash !== doomedTop.hash)
        throw new Error(`the indexer's checkpoint ${cp.number} ${cp.hash} is not ${doomedTop.hash}`);
      if (a.kill === "before-revert") await kill("indexed the blocks a reorg is about to replace");
      if ((await rpc.call<boolean>("evm_revert", [snapshot])) !== true) throw new Error(`evm_revert ${snapshot} refused`);
      traffic.restore(model);
      if (a.kill === "after-revert") await kill("right after evm_revert, before the replacement blocks");
      const { replacementBlocks } = a;
      for (let i = 0; i < replacementBlocks; i++) {
        if (a.variant === "drop" && i < replacementBlocks - 1) await traffic.mine([]);
        else if (a.variant === "same-ref" && i === 0) await traffic.resettle(doomedSales[0]!);
        else await traffic.block();
      }
      if (a.kill === "after-replacement") {
        const t = Date.now();
        await idleUntil(`${a.killDelayMs} ms`, () => Date.now() >= t + a.killDelayMs, false);
        await kill(`${a.killDelayMs} ms after the replacement blocks (reconciling)`);
      }
      say(
        `reorg ${reorgs.length + 1}/${o.reorgs}: depth ${a.depth}, ${replacementBlocks} replacement blocks (${a.variant}` +
          `${a.race ? ", reverted while the indexer was indexing" : ""})` +
          (a.kill ? `, kill ${a.kill}` : ""),
      );
      return { depth: a.depth, replacementBlocks, variant: a.variant, kill: a.kill, race: a.race, revertedSales: doomedSales.length };
    }

    async function runOutage(): Promise<OutageReport> {
      await idleUntil("the indexer at the head before the outage", synced, false);
      // A monitor polling /health often: not subject to the API's per-client rate limit.
      api ??= await build({ dbPath, rateLimit: false });
      const app = api;
      const report: OutageReport = {
        seconds: o.outageSeconds,
        blocksDuring: 0,
        errorReportedAfter: null,
        lastErrorSeen: null,
        maxLagReported: 0,
        lagAtRestore: 0,
        resumedAfter: null,
        caughtUpAfter: null,
        rpcExits: 0,
        statuses: [],
      };
      const health = async () => {
        const res = await app.inject({ method: "GET", url: "/health" });
        if (!report.statuses.includes(res.statusCode)) report.statuses.push(res.statusCode);
        const h = res.json() as { lagBlocks: number | null; lastError: string | null; indexedBlock: number | null };
        report.maxLagReported = Math.max(report.maxLagReported, h.lagBlocks ?? 0);
        return h;
      };
      const exitsBefore = s.exits.length;
      say(`RPC outage: the endpoint disappears for ${o.outageSeconds} s`);
      await proxy!.cut();
      const cutAt = Date.now();
      let nextHealthAt = 0;
      const firstBlock = (await head()).number;
      await idleUntil(
        "the end of the outage",
        async () => {
          if (Date.now() >= nextHealthAt) {
            nextHealthAt = Date.now() + 100;
            const h = await health();
            if (h.lastError && report.errorReportedAfter === null) {
              report.errorReportedAfter = (Date.now() - cutAt) / 1000;
              report.lastErrorSeen = h.lastError;
            }
          }
          return Date.now() >= cutAt + o.outageSeconds * 1000;
        },
        true,
        o.outageSeconds * 1000 + 60_000,
      );
      const atRestore = await head();
      report.blocksDuring = atRestore.number - firstBlock;
      const cpAtRestore = peek.checkpoint()!.number;
      report.lagAtRestore = atRestore.number - cpAtRestore;
      await proxy!.restore();
      const restoredAt = Date.now();
      // No new blocks now: measure how soon it resumes (its checkpoint moves) and catches up, watching /health closely.
      await idleUntil(
        "the indexer to catch up after the outage",
        async () => {
          await health();
          const indexed = peek.checkpoint()?.number ?? 0;
          if (report.resumedAfter === null && indexed > cpAtRestore) report.resumedAfter = (Date.now() - restoredAt) / 1000;
          if (indexed >= atRestore.number && report.caughtUpAfter === null && (await synced())) {
            report.caughtUpAfter = (Date.now() - restoredAt) / 1000;
            return true;
          }
          return false;
        },
        false,
        120_000,
      );
      report.rpcExits = s.exits.slice(exitsBefore).filter((e) => e.kind === "rpc").length;
      say(
        `RPC back: ${report.blocksDuring} blocks mined meanwhile; /health showed the error after ${report.errorReportedAfter ?? "—"} s and ` +
          `a lag of up to ${report.maxLagReported} blocks; resumed after ${report.resumedAfter} s, at the head after ${report.caughtUpAfter} s` +
          (report.rpcExits ? `; the indexer exited ${report.rpcExits}× with code 3 and was restarted` : "; the indexer process stayed up"),
      );
      return report;
    }

    // ---------------------------------------------------------------- the end: catch up, stop, compare
    await idleUntil("the indexer at the final head", synced, false, 300_000);
    const finalHead = (await head()).number;
    const stopped = await s.stop();
    if (stopped.code !== 0) violations.push(`the indexer stopped with code ${stopped.code} (signal ${stopped.signal}) on SIGTERM, not 0`);
    peek.close();
    await api?.close();
    api = undefined;
    say(`final head ${finalHead}; indexing the final chain from scratch for comparison`);
    await indexOnce(chain.url, cleanPath, c.deployment, { finalityDepth: FINALITY_DEPTH, maxRange: 2000 });
    const comparison = compareDatabases(dbPath, cleanPath);
    const chainCheck = await checkAgainstChain(dbPath, rpc, c);

    if (kills.length !== o.kills) violations.push(`${kills.length} kills instead of ${o.kills}`);
    for (const e of s.unexpectedExits())
      violations.push(`the indexer exited unexpectedly (code ${e.code}, signal ${e.signal}):\n${e.lastLines.join("\n")}`);
    if (comparison.lost + comparison.duplicated + comparison.stale > 0) {
      for (const t of comparison.tables.filter((t) => t.lost + t.duplicated + t.stale > 0))
        violations.push(`${t.table}: ${t.lost} lost, ${t.duplicated} duplicated, ${t.stale} stale\n  ${t.examples.join("\n  ")}`);
    }
    if (!chainCheck.checkpointIsHead) violations.push("the chaos database's checkpoint is not the chain's head");
    if (chainCheck.staleBlockHashes + chainCheck.balanceMismatches > 0)
      violations.push(`against the chain:\n  ${chainCheck.examples.join("\n  ")}`);
    if (outage) {
      if (outage.errorReportedAfter === null) violations.push("/health never reported the RPC failure during the outage");
      if (outage.maxLagReported === 0) violations.push("/health never reported a lag during the outage and the catch-up");
      if (outage.caughtUpAfter === null) violations.push("the indexer did not catch up after the outage");
      if (outage.statuses.some((code) => code !== 200)) violations.push(`/health answered ${outage.statuses.join("/")}, not only 200`);
    }
    return {
      options: o,
      backlog,
      kills,
      reorgs,
      outage,
      exits: s.exits,
      reconciledByIndexer: s.reconciled,
      rpcRetries: s.rpcRetries,
      traffic: traffic.stats,
      revertedExamples: traffic.revertedExamples,
      finalHead,
      comparison,
      chain: chainCheck,
      violations,
      seconds: (Date.now() - started) / 1000,
      dir: tmp.dir,
    };
  } finally {
    peek.close();
    await api?.close();
    if (sup && sup.current && sup.current.child.exitCode === null && sup.current.child.signalCode === null) await sup.stop();
    await proxy?.close();
    await chain?.stop();
    if (!o.keep) tmp.remove();
  }
}

// ------------------------------------------------------------------------------------------ the summary

const n = (x: number) => x.toLocaleString("en");

/** The one line the issue asks for. */
export function summaryLine(r: ChaosReport): string {
  const backfill = r.kills.filter((k) => k.phase === "backfill").length;
  const depths = r.reorgs.map((x) => x.depth);
  const mean = depths.length ? depths.reduce((a, b) => a + b, 0) / depths.length : 0;
  const reorgs = depths.length
    ? `${r.reorgs.length} reorgs (depth ${Math.min(...depths)}–${Math.max(...depths)}, mean ${mean.toFixed(1)})`
    : "0 reorgs";
  const outage = r.outage
    ? `1 RPC outage of ${r.outage.seconds} s (lag reported: ${r.outage.maxLagReported} blocks, resumed in ${r.outage.resumedAfter === null ? "—" : r.outage.resumedAfter.toFixed(1)} s)`
    : "no RPC outage";
  const c = r.comparison;
  return (
    `chaos: ${r.kills.length} kills (${backfill} during backfill, ${r.kills.length - backfill} during live tail), ${reorgs}, ${outage}; ` +
    `${n(c.rows)} rows compared: ${n(c.lost)} lost, ${n(c.duplicated)} duplicated, ${n(c.stale)} stale`
  );
}

/** The details before the summary line. */
export function detailLines(r: ChaosReport): string[] {
  const byKind = (k: ExitRecord["kind"]) => r.exits.filter((e) => e.kind === k).length;
  const variants = (v: ReorgVariant) => r.reorgs.filter((x) => x.variant === v).length;
  const lines = [
    `seed ${r.options.seed}; backlog ${n(r.backlog.sales)} sales in ${n(r.backlog.blocks)} blocks; final head ${n(r.finalHead)}`,
    `traffic: ${n(r.traffic.blocks)} blocks, ${n(r.traffic.txs)} transactions (${n(r.traffic.sales)} sales, ${n(r.traffic.refunds)} refunds, ` +
      `${n(r.traffic.releases)} releases, ${n(r.traffic.withdrawals)} withdrawals, ${r.traffic.disputes} disputes, ${r.traffic.rulings} rulings), ` +
      `${r.traffic.reverted} reverted`,
    `indexer: ${byKind("kill") + byKind("rpc") + byKind("unexpected") + 1} processes; restarted after ${byKind("kill")} SIGKILLs, ` +
      `${byKind("rpc")} exits with code 3 (RPC unavailable), ${byKind("unexpected")} unexpected exits; ${n(r.rpcRetries)} RPC retries logged`,
    `reorgs: ${variants("different")} with different blocks, ${variants("drop")} dropping their sales, ${variants("same-ref")} settling the same ` +
      `order again with another amount; ${r.reorgs.filter((x) => x.kill).length} with a kill, ${r.reorgs.filter((x) => x.race).length} reverted while the indexer was still indexing; ${n(r.reorgs.reduce((a, x) => a + x.revertedSales, 0))} sales reverted; ` +
      `the indexer logged ${r.reconciledByIndexer.length} reconciliations (depth ${r.reconciledByIndexer.length ? `${Math.min(...r.reconciledByIndexer)}–${Math.max(...r.reconciledByIndexer)}` : "—"})`,
  ];
  if (r.outage) {
    const o = r.outage;
    lines.push(
      `outage: ${o.seconds} s, ${o.blocksDuring} blocks mined meanwhile; /health reported the error after ${o.errorReportedAfter?.toFixed(1) ?? "—"} s ` +
        `("${o.lastErrorSeen ?? ""}"), lag up to ${o.maxLagReported} blocks (${o.lagAtRestore} behind at the endpoint's return), status ${o.statuses.join("/")}; ` +
        `resumed after ${o.resumedAfter?.toFixed(1) ?? "—"} s, at the head after ${o.caughtUpAfter?.toFixed(1) ?? "—"} s; ` +
        (o.rpcExits
          ? `the indexer exited ${o.rpcExits}× with code 3 (retries exhausted) and was restarted`
          : "the indexer process stayed up"),
    );
  }
  lines.push(
    `compared: ${r.comparison.tables.map((t) => `${t.table} ${n(t.rows)}`).join(", ")}`,
    `against the chain: checkpoint ${r.chain.checkpointIsHead ? "is" : "is NOT"} the head; ${r.chain.blockHashesChecked} remembered block hashes, ` +
      `${r.chain.staleBlockHashes} stale; ${r.chain.balancesChecked} claimable balances, ${r.chain.balanceMismatches} differ from the contract`,
    `wall time ${r.seconds.toFixed(1)} s`,
  );
  if (r.revertedExamples.length) lines.push(`reverted transactions (traffic, not indexer): ${r.revertedExamples.join("; ")}`);
  return lines;
}
