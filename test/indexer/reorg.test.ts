/**
 * Reorg safety against real nodes: anvil (anvil_reorg replaces the last blocks with others) and a Hardhat
 * node (evm_snapshot / evm_revert, then different blocks). After the indexer reconciles, its database
 * must be exactly what a fresh index of the new chain builds (digest), hold the sales the chain holds and
 * no others, with the balances the contract reports. Reorgs deeper than finality, and a database built
 * from an earlier development chain, must stop the indexer with exit code 2 and leave the database as it was.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { expect } from "chai";
import { ethers, type NonceManager } from "ethers";
import { EXIT, FatalIndexerError } from "../../indexer/errors";
import { createIndexer, type IndexerConfig } from "../../indexer/indexer";
import { openStore } from "../../indexer/store/store";
import type { Deployment } from "../../scripts/lib/deployment";
import {
  ACCOUNT_NAMES,
  activeLicence,
  deployConsortium,
  saleIdOf,
  startChain,
  tempDir,
  testIndexerConfig,
  type Consortium,
  type TestChain,
} from "./harness";

type Reporter = "taobao" | "jd";
const SALE_STATUS = ["none", "escrowed", "frozen", "claimable", "refunded"] as const;

function config(chain: TestChain, dbPath: string, deployment: Deployment, overrides: Partial<IndexerConfig> = {}): IndexerConfig {
  return testIndexerConfig(chain.url, dbPath, deployment, { pollIntervalMs: 20, ...overrides });
}

async function index(chain: TestChain, dbPath: string, deployment: Deployment, overrides: Partial<IndexerConfig> = {}): Promise<void> {
  await createIndexer(config(chain, dbPath, deployment, overrides)).run();
}

async function runExpectingFailure(
  chain: TestChain,
  dbPath: string,
  deployment: Deployment,
  overrides: Partial<IndexerConfig> = {},
): Promise<unknown> {
  return createIndexer(config(chain, dbPath, deployment, overrides))
    .run()
    .then(
      () => expect.fail("the indexer should have stopped with an error"),
      (err: unknown) => err,
    );
}

function digestOf(dbPath: string): string {
  const store = openStore(dbPath);
  try {
    return store.digest();
  } finally {
    store.close();
  }
}

/** Digest of a fresh index of the chain as it is now, into a new database. */
async function freshDigest(chain: TestChain, dir: string, deployment: Deployment, overrides: Partial<IndexerConfig> = {}): Promise<string> {
  const db = path.join(dir, `fresh-${Date.now()}-${Math.random().toString(16).slice(2)}.db`);
  await index(chain, db, deployment, overrides);
  return digestOf(db);
}

function salesIn(dbPath: string): Map<string, string> {
  const store = openStore(dbPath);
  try {
    const rows = store.db.prepare("SELECT sale_id AS id, status FROM sales").all() as { id: string; status: string }[];
    return new Map(rows.map((r) => [r.id, r.status]));
  } finally {
    store.close();
  }
}

/** The checkpoint of a database the indexer may be writing (another connection), if it has one yet. */
function peekCheckpoint(dbPath: string): { number: number; hash: string } | undefined {
  if (!fs.existsSync(dbPath)) return undefined;
  let db: Database.Database | undefined;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
    return db.prepare("SELECT block_number AS number, block_hash AS hash FROM checkpoint WHERE id = 1").get() as
      { number: number; hash: string } | undefined;
  } catch {
    return undefined; // not created or not migrated yet
  } finally {
    db?.close();
  }
}

/** Bounded readiness polling: resolves when `probe` holds, fails after `timeoutMs` or when `failed` reports an error. */
async function waitUntil(
  what: string,
  probe: () => boolean | Promise<boolean>,
  failed: () => unknown = () => undefined,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const error = failed();
    if (error) throw error;
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Every sale id the test ever reported is on the chain exactly when it is in the database, with the same status. */
async function expectSalesMatchChain(c: Consortium, dbPath: string, candidates: Iterable<string>) {
  const indexed = salesIn(dbPath);
  const all = new Set([...candidates, ...indexed.keys()]);
  for (const saleId of all) {
    let onChain: string = "none";
    try {
      onChain = SALE_STATUS[Number((await c.settlement.getSale(saleId)).status)]!;
    } catch {
      onChain = "none"; // SettlementUnknownSale
    }
    expect(indexed.get(saleId) ?? "none", `sale ${saleId}`).to.equal(onChain);
  }
}

/** The claimable balance of every account, as indexed, equals the contract's view. */
async function expectBalancesMatchContract(c: Consortium, dbPath: string) {
  const store = openStore(dbPath);
  let rows: { party: string; token: string; claimable: string }[];
  try {
    rows = store.db.prepare("SELECT party, token, claimable FROM balances").all() as typeof rows;
  } finally {
    store.close();
  }
  const parties = new Set([...ACCOUNT_NAMES.map((n) => c.accounts[n].address), ...rows.map((r) => r.party)]);
  for (const party of parties) {
    const row = rows.find((r) => r.party === party && r.token === c.tokenAddress);
    const onChain = await c.settlement.claimable(party, c.tokenAddress);
    expect(row?.claimable ?? "0", `claimable of ${party}`).to.equal(onChain.toString());
  }
}

/** After a reorg or revert, the accounts' nonce managers must ask the node again. */
function resetNonces(c: Consortium) {
  for (const name of ACCOUNT_NAMES) (c.accounts[name] as unknown as NonceManager).reset();
}

interface Actors {
  c: Consortium;
  instant: bigint;
  escrow: bigint;
  /** Every sale id reported so far, on whichever branch. */
  reported: Set<string>;
}

interface TailBlock {
  number: number;
  saleId?: string;
}

async function sell(a: Actors, who: Reporter, licenceId: bigint, ref: string, gross: bigint): Promise<TailBlock> {
  const orderRef = ethers.id(ref);
  const receipt = await (await a.c.as(a.c.settlement, who).settleSale(licenceId, orderRef, a.c.tokenAddress, gross)).wait();
  const saleId = saleIdOf(a.c.channel[who], orderRef);
  a.reported.add(saleId);
  return { number: receipt!.blockNumber, saleId };
}

/**
 * Twelve blocks of one transaction each: instant and escrowed sales, refunds of escrowed ones and
 * withdrawals, so that any reorg of their last blocks removes sales, credits, refunds and withdrawals.
 */
async function buildTail(a: Actors, tag: string): Promise<TailBlock[]> {
  const { c } = a;
  const blocks: TailBlock[] = [];
  const refund = async (who: Reporter, saleId: string) => {
    const receipt = await (await c.as(c.settlement, who).refundSale(saleId)).wait();
    blocks.push({ number: receipt!.blockNumber });
  };
  const withdraw = async (who: "rightsHolder" | "mcn" | "platform") => {
    const receipt = await (await c.as(c.settlement, who).withdraw(c.tokenAddress, c.accounts[who].address)).wait();
    blocks.push({ number: receipt!.blockNumber });
  };
  blocks.push(await sell(a, "taobao", a.instant, `${tag}:0`, 10_000n));
  const e1 = await sell(a, "jd", a.escrow, `${tag}:1`, 20_001n);
  blocks.push(e1);
  blocks.push(await sell(a, "jd", a.instant, `${tag}:2`, 30_002n));
  await withdraw("rightsHolder");
  const e4 = await sell(a, "taobao", a.escrow, `${tag}:4`, 40_003n);
  blocks.push(e4);
  blocks.push(await sell(a, "taobao", a.instant, `${tag}:5`, 50_004n));
  await refund("jd", e1.saleId!);
  blocks.push(await sell(a, "jd", a.instant, `${tag}:7`, 60_005n));
  await withdraw("mcn");
  blocks.push(await sell(a, "jd", a.escrow, `${tag}:9`, 70_006n));
  await refund("taobao", e4.saleId!);
  blocks.push(await sell(a, "taobao", a.instant, `${tag}:11`, 80_007n));
  for (let i = 1; i < blocks.length; i++) expect(blocks[i]!.number, "one transaction a block").to.equal(blocks[i - 1]!.number + 1);
  return blocks;
}

async function setUpActors(chain: TestChain): Promise<Actors> {
  const c = await deployConsortium(chain);
  const instant = await activeLicence(c);
  const escrow = await activeLicence(c, { holdSeconds: 7 * 24 * 3600 });
  return { c, instant, escrow, reported: new Set() };
}

/** anvil_reorg's replacement transactions: one different sale a block, alternately from taobao and jd. */
function replacementSales(a: Actors, tag: string, depth: number): { txs: [Record<string, string>, number][]; saleIds: string[] } {
  const settlement = a.c.deployment.contracts.Settlement;
  const txs: [Record<string, string>, number][] = [];
  const saleIds: string[] = [];
  for (let i = 0; i < depth; i++) {
    const who: Reporter = i % 2 === 0 ? "jd" : "taobao";
    const orderRef = ethers.id(`${tag}:replacement:${i}`);
    const data = a.c.settlement.interface.encodeFunctionData("settleSale", [
      i % 3 === 2 ? a.escrow : a.instant,
      orderRef,
      a.c.tokenAddress,
      5_000n + BigInt(i) * 1_234n,
    ]);
    txs.push([{ from: a.c.accounts[who].address, to: settlement, data, gas: ethers.toQuantity(500_000) }, i]);
    saleIds.push(saleIdOf(a.c.channel[who], orderRef));
  }
  for (const id of saleIds) a.reported.add(id);
  return { txs, saleIds };
}

describe("indexer: reorgs on anvil (anvil_reorg)", function () {
  this.timeout(120_000);
  let chain: TestChain | undefined;
  let tmp: { dir: string; remove(): void } | undefined;
  let a: Actors;

  before(async function () {
    chain = await startChain("anvil");
    tmp = tempDir("reelsplit-reorg-");
    a = await setUpActors(chain);
  });

  after(async function () {
    await chain?.stop();
    tmp?.remove();
  });

  for (const { depth, extraBlock } of [
    { depth: 1, extraBlock: false },
    { depth: 3, extraBlock: true },
    { depth: 10, extraBlock: false },
  ]) {
    it(`after a reorg of depth ${depth}${extraBlock ? " and one more block" : " (same height)"}, the database equals a fresh index of the new chain`, async function () {
      const tag = `anvil-depth-${depth}`;
      const tail = await buildTail(a, tag);
      const db = path.join(tmp!.dir, `${tag}.db`);
      await index(chain!, db, a.c.deployment);
      const head = await chain!.provider.getBlock("latest");
      expect(peekCheckpoint(db)).to.deep.equal({ number: head!.number, hash: head!.hash });

      const replaced = tail.filter((b) => b.number > head!.number - depth && b.saleId).map((b) => b.saleId!);
      const kept = tail.filter((b) => b.number <= head!.number - depth && b.saleId).map((b) => b.saleId!);
      const { txs, saleIds: replacements } = replacementSales(a, tag, depth);
      await chain!.send("anvil_reorg", [depth, txs]);
      resetNonces(a.c);
      const after = await chain!.provider.getBlock(head!.number);
      expect(after!.hash, "anvil replaced the head block").to.not.equal(head!.hash);
      if (extraBlock) replacements.push((await sell(a, "taobao", a.instant, `${tag}:extra`, 777n)).saleId!);

      await index(chain!, db, a.c.deployment);

      expect(digestOf(db)).to.equal(await freshDigest(chain!, tmp!.dir, a.c.deployment));
      const sales = salesIn(db);
      for (const id of replaced) expect(sales.has(id), `replaced sale ${id} is gone`).to.equal(false);
      for (const id of replacements) expect(sales.has(id), `new sale ${id} is there`).to.equal(true);
      for (const id of kept) expect(sales.has(id), `older sale ${id} is still there`).to.equal(true);
      await expectSalesMatchChain(a.c, db, a.reported);
      await expectBalancesMatchContract(a.c, db);
    });
  }

  it("while following the chain (once: false), reconciles a reorg and follows the new branch", async function () {
    const tag = "anvil-live";
    const tail = await buildTail(a, tag);
    const db = path.join(tmp!.dir, `${tag}.db`);
    const indexer = createIndexer(config(chain!, db, a.c.deployment, { once: false }));
    let failure: unknown;
    const running = indexer.run().catch((err: unknown) => {
      failure = err ?? new Error("the indexer failed");
    });
    const failed = () => failure;
    try {
      const head = (await chain!.provider.getBlock("latest"))!;
      await waitUntil(`the indexer to reach block ${head.number}`, () => peekCheckpoint(db)?.hash === head.hash, failed);

      const { txs, saleIds: replacements } = replacementSales(a, tag, 3);
      await chain!.send("anvil_reorg", [3, txs]);
      resetNonces(a.c);
      replacements.push((await sell(a, "jd", a.instant, `${tag}:after-reorg`, 4_321n)).saleId!);
      const newHead = (await chain!.provider.getBlock("latest"))!;
      expect(newHead.number).to.equal(head.number + 1);
      await waitUntil(
        `the indexer to follow the new branch to block ${newHead.number}`,
        () => peekCheckpoint(db)?.hash === newHead.hash,
        failed,
      );

      const sales = salesIn(db);
      for (const b of tail.filter((t) => t.number > head.number - 3 && t.saleId))
        expect(sales.has(b.saleId!), `replaced sale ${b.saleId}`).to.equal(false);
      for (const id of replacements) expect(sales.has(id), `new sale ${id}`).to.equal(true);
    } finally {
      indexer.stop();
      await running;
    }
    expect(failure).to.equal(undefined);
    expect(digestOf(db)).to.equal(await freshDigest(chain!, tmp!.dir, a.c.deployment));
    await expectSalesMatchChain(a.c, db, a.reported);
    await expectBalancesMatchContract(a.c, db);
  });

  it("after downtime in which its last block was replaced and the chain grew past the finality depth, reconciles the 1-block reorg", async function () {
    // The reorg is one block deep; only the chain's growth while the indexer was stopped is longer than
    // the finality depth. Nothing indexed was final when it was replaced, so no --reset should be needed.
    const tag = "anvil-downtime";
    const finality = { finalityDepth: 5 };
    const kept = await sell(a, "taobao", a.instant, `${tag}:0`, 1_500n);
    const replaced = await sell(a, "jd", a.instant, `${tag}:1`, 2_500n);
    const db = path.join(tmp!.dir, `${tag}.db`);
    await index(chain!, db, a.c.deployment, finality);
    expect(peekCheckpoint(db)!.number).to.equal(replaced.number);

    const { txs, saleIds: replacements } = replacementSales(a, tag, 1);
    await chain!.send("anvil_reorg", [1, txs]);
    resetNonces(a.c);
    await chain!.send("anvil_mine", [ethers.toQuantity(2 * finality.finalityDepth)]);

    await index(chain!, db, a.c.deployment, finality);

    expect(digestOf(db)).to.equal(await freshDigest(chain!, tmp!.dir, a.c.deployment, finality));
    const sales = salesIn(db);
    expect(sales.has(replaced.saleId!), "the replaced sale is gone").to.equal(false);
    expect(sales.has(kept.saleId!)).to.equal(true);
    for (const id of replacements) expect(sales.has(id), `new sale ${id}`).to.equal(true);
    await expectBalancesMatchContract(a.c, db);
  });

  it("reconciles a reorg exactly as deep as finality, and refuses one deeper with exit code 2, leaving the database unchanged", async function () {
    const tag = "anvil-finality";
    await buildTail(a, tag);
    const db = path.join(tmp!.dir, `${tag}.db`);
    const finality = { finalityDepth: 2 };
    await index(chain!, db, a.c.deployment, finality);

    // Depth 2 = the finality depth: the block at the floor is still the one indexed.
    await chain!.send("anvil_reorg", [2, replacementSales(a, `${tag}:2`, 2).txs]);
    resetNonces(a.c);
    await index(chain!, db, a.c.deployment, finality);
    expect(digestOf(db)).to.equal(await freshDigest(chain!, tmp!.dir, a.c.deployment, finality));

    // Depth 3: deeper than finality.
    await chain!.send("anvil_reorg", [3, replacementSales(a, `${tag}:3`, 3).txs]);
    resetNonces(a.c);
    const before = digestOf(db);
    const err = await runExpectingFailure(chain!, db, a.c.deployment, finality);
    expect(err).to.be.instanceOf(FatalIndexerError);
    expect((err as FatalIndexerError).exitCode)
      .to.equal(EXIT.NEEDS_RESET)
      .and.to.equal(2);
    expect((err as FatalIndexerError).message).to.include("--reset");
    expect(digestOf(db), "the database is left as it was").to.equal(before);

    // What the message says to do works.
    await index(chain!, db, a.c.deployment, { ...finality, reset: true });
    expect(digestOf(db)).to.equal(await freshDigest(chain!, tmp!.dir, a.c.deployment, finality));
    await expectSalesMatchChain(a.c, db, a.reported);
  });
});

describe("indexer: a restarted development chain", function () {
  this.timeout(120_000);
  const chains: TestChain[] = [];
  let tmp: { dir: string; remove(): void } | undefined;

  after(async function () {
    for (const chain of chains) await chain.stop();
    tmp?.remove();
  });

  it("refuses a database of the previous chain with exit code 2 and --reset, and with reset indexes the new chain from scratch", async function () {
    tmp = tempDir("reelsplit-restart-");
    const db = path.join(tmp.dir, "dev.db");
    const chainA = await startChain("anvil");
    chains.push(chainA);
    const a = await setUpActors(chainA);
    const salesA = [await sell(a, "taobao", a.instant, "chain-a:0", 1_000n), await sell(a, "jd", a.instant, "chain-a:1", 2_000n)];
    await index(chainA, db, a.c.deployment);
    const genesisA = (await chainA.provider.getBlock(0))!;
    chains.pop();
    await chainA.stop();

    // anvil's genesis is a function of its start time in seconds: a node started in the same second
    // would be the same chain. Wait (bounded) for the clock to move past it.
    await waitUntil(
      "the clock to pass chain A's genesis second",
      () => Math.floor(Date.now() / 1000) > genesisA.timestamp,
      undefined,
      5_000,
    );
    const chainB = await startChain("anvil");
    chains.push(chainB);
    const b = await setUpActors(chainB);
    const saleB = await sell(b, "jd", b.instant, "chain-b:0", 4_000n);
    expect(b.c.deployment.genesisHash).to.not.equal(a.c.deployment.genesisHash);
    // Same deployer, same nonces: the contracts have the same addresses on both chains; only the genesis differs.
    expect(b.c.deployment.contracts.Settlement).to.equal(a.c.deployment.contracts.Settlement);

    const before = digestOf(db);
    const err = await runExpectingFailure(chainB, db, b.c.deployment);
    expect(err).to.be.instanceOf(FatalIndexerError);
    expect((err as FatalIndexerError).exitCode)
      .to.equal(EXIT.NEEDS_RESET)
      .and.to.equal(2);
    expect((err as FatalIndexerError).message).to.include("--reset");
    expect(digestOf(db), "the database is left as it was").to.equal(before);

    await index(chainB, db, b.c.deployment, { reset: true });
    expect(digestOf(db)).to.equal(await freshDigest(chainB, tmp.dir, b.c.deployment));
    const sales = salesIn(db);
    for (const s of salesA) expect(sales.has(s.saleId!), `chain A's sale ${s.saleId}`).to.equal(false);
    expect(sales.has(saleB.saleId!)).to.equal(true);
    await expectSalesMatchChain(b.c, db, [...a.reported, ...b.reported]);
    await expectBalancesMatchContract(b.c, db);
  });
});

describe("indexer: reorgs on a Hardhat node (evm_snapshot / evm_revert)", function () {
  this.timeout(120_000);
  let chain: TestChain | undefined;
  let tmp: { dir: string; remove(): void } | undefined;
  let a: Actors;

  before(async function () {
    chain = await startChain("hardhat");
    tmp = tempDir("reelsplit-revert-");
    a = await setUpActors(chain);
  });

  after(async function () {
    await chain?.stop();
    tmp?.remove();
  });

  for (const { name, newBlocks } of [
    { name: "more", newBlocks: 5 },
    { name: "fewer", newBlocks: 1 },
  ]) {
    it(`after reverting 3 blocks and mining ${newBlocks} different one${newBlocks > 1 ? "s" : ""} (${name} than before), the database equals a fresh index`, async function () {
      const tag = `hardhat-${name}`;
      const kept = [await sell(a, "taobao", a.instant, `${tag}:kept:0`, 11_000n), await sell(a, "jd", a.escrow, `${tag}:kept:1`, 12_000n)];
      const snapshot = (await chain!.send("evm_snapshot")) as string;
      const snapshotHead = await chain!.provider.getBlockNumber();
      // Three blocks that the revert removes: a sale, a withdrawal, an escrowed sale.
      const reverted = [await sell(a, "jd", a.instant, `${tag}:reverted:0`, 13_000n)];
      await (await a.c.as(a.c.settlement, "rightsHolder").withdraw(a.c.tokenAddress, a.c.accounts.rightsHolder.address)).wait();
      reverted.push(await sell(a, "taobao", a.escrow, `${tag}:reverted:2`, 14_000n));
      const db = path.join(tmp!.dir, `${tag}.db`);
      await index(chain!, db, a.c.deployment);
      const oldHead = await chain!.provider.getBlockNumber();
      expect(oldHead).to.equal(snapshotHead + 3);

      expect(await chain!.send("evm_revert", [snapshot])).to.equal(true);
      resetNonces(a.c);
      expect(await chain!.provider.getBlockNumber()).to.equal(snapshotHead);
      const mined: TailBlock[] = [];
      for (let i = 0; i < newBlocks; i++)
        mined.push(await sell(a, i % 2 ? "taobao" : "jd", i % 2 ? a.escrow : a.instant, `${tag}:new:${i}`, 15_000n + BigInt(i)));
      expect(await chain!.provider.getBlockNumber()).to.equal(snapshotHead + newBlocks);

      await index(chain!, db, a.c.deployment);

      expect(digestOf(db)).to.equal(await freshDigest(chain!, tmp!.dir, a.c.deployment));
      const sales = salesIn(db);
      for (const s of reverted) expect(sales.has(s.saleId!), `reverted sale ${s.saleId}`).to.equal(false);
      for (const s of [...kept, ...mined]) expect(sales.has(s.saleId!), `sale ${s.saleId}`).to.equal(true);
      await expectSalesMatchChain(a.c, db, a.reported);
      await expectBalancesMatchContract(a.c, db);
    });
  }
});
