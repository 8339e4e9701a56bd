/**
 * The API tests' scenario: one anvil, the consortium deployed, three licences (A paid at once, B with a
 * 7-day hold, C proposed only), ~170 sales over three phases an hour and eight days apart, a refund, a
 * withdrawal, releases, three disputes — then the real indexer builds the database the API serves.
 *
 * Every expectation is taken from the chain: the contracts' own events (eth_getLogs, decoded with the
 * contracts' ABIs) and views (getSale, getLicence, claimable, getDispute), never from the database.
 */
import path from "node:path";
import { ethers, getAddress, type Interface, type Log, type ParamType } from "ethers";
import {
  activeLicence,
  deployConsortium,
  saleIdOf,
  startChain,
  tempDir,
  ACCOUNT_NAMES,
  type AccountName,
  type Consortium,
  type TestChain,
  indexOnce,
} from "../indexer/harness";
import { prng } from "../../scripts/lib/prng";

export const DAY = 86_400;
export const HOLD = 7 * DAY;

export type SaleStatus = "escrowed" | "frozen" | "claimable" | "refunded";
const SALE_STATUS: Record<number, SaleStatus> = { 1: "escrowed", 2: "frozen", 3: "claimable", 4: "refunded" };
const LICENCE_STATUS = ["none", "proposed", "active", "superseded", "suspended", "terminated", "cancelled", "expired"];
const DISPUTE_STATUS = ["none", "open", "upheld", "rejected"];
/** The contract's Reason enum, kebab-cased (OwnershipClaim → ownership-claim). */
const REASON = ["other", "ownership-claim", "unlicensed-channel", "misreported-sale", "refund-abuse", "terms-breach"];

export interface ExpectedSale {
  saleId: string;
  licenceId: number;
  channelId: number;
  orderRef: string;
  token: string;
  gross: bigint;
  commission: bigint;
  /** rights holder, MCN, platform */
  shares: [bigint, bigint, bigint];
  /** unix seconds, 0 for a sale paid at once */
  releaseAt: number;
  /** as getSale() says now */
  status: SaleStatus;
  blockNumber: number;
  logIndex: number;
  txHash: string;
  timestamp: number;
  releasedAt: number | null;
  refundedAt: number | null;
  refundedTo: string | null;
}

export interface ExpectedLicence {
  licenceId: number;
  contentId: string;
  rightsHolder: string;
  mcn: string;
  platform: string;
  splitBps: { rightsHolder: number; mcn: number; platform: number };
  commissionBps: number;
  channels: { channelId: number; name: string }[];
  validFrom: number;
  validUntil: number;
  holdSeconds: number;
  status: string;
  accepted: { mcn: boolean; platform: boolean };
  activatedAt: number | null;
  supersedes: number | null;
  supersededBy: number | null;
  termsHash: string;
  termsURI: string;
  txHash: string;
  registeredAt: number;
  registeredBlock: number;
}

export interface ExpectedDispute {
  disputeId: number;
  target: { kind: "licence" | "sale"; id: string };
  licenceId: number;
  openedBy: string;
  reason: string;
  evidence: { hash: string; by: string; at: number; blockNumber: number }[];
  status: string;
  ruling: string | null;
  resolvedBy: string | null;
  openedAt: number;
  resolvedAt: number | null;
  txHash: string;
}

export interface ExpectedEvent {
  blockNumber: number;
  logIndex: number;
  blockHash: string;
  txHash: string;
  timestamp: number;
  contract: string;
  contractName: "Settlement" | "DisputeRegistry";
  event: string;
  /** decoded arguments with every number as a decimal string */
  args: Record<string, unknown>;
}

export interface ExpectedCredit {
  party: string;
  amount: bigint;
  reason: "sale" | "release" | "refund";
  saleId: string;
  licenceId: number;
  blockNumber: number;
  logIndex: number;
  txHash: string;
  timestamp: number;
}

export interface Scenario {
  chain: TestChain;
  c: Consortium;
  dbPath: string;
  dir: string;
  token: string;
  address: Record<AccountName, string>;
  licence: { A: number; B: number; C: number };
  /** channel id → name, from ChannelAdded */
  channelNames: Map<number, string>;
  licences: ExpectedLicence[];
  /** in chain order */
  sales: ExpectedSale[];
  /** every event of both contracts, in chain order */
  events: ExpectedEvent[];
  disputes: ExpectedDispute[];
  credits: ExpectedCredit[];
  /** Σ Withdrawn per account */
  withdrawn: Map<string, bigint>;
  /** settlement.claimable(account, token) for every named account */
  claimable: Map<string, bigint>;
  /** the chain head when the indexer caught up */
  headBlock: number;
  chainId: number;
  /** instants (unix seconds) between the phases, far from any sale */
  cut: { afterPhase1: number; afterPhase2: number };
  refundedSaleId: string;
  frozenSaleId: string;
  upheldSaleId: string;
  stop(): Promise<void>;
}

/** Decoded event arguments with every bigint/number as a decimal string, tuples as objects. */
export function normalise(value: unknown): unknown {
  if (typeof value === "bigint" || typeof value === "number") return value.toString();
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v)]));
  return value;
}

function decodeParam(param: ParamType, value: unknown): unknown {
  if (param.isTuple()) {
    const r = value as ethers.Result;
    return Object.fromEntries(param.components.map((p, i) => [p.name, decodeParam(p, r[i])]));
  }
  if (param.isArray()) return [...(value as ethers.Result)].map((v) => decodeParam(param.arrayChildren, v));
  return normalise(value);
}

let shared: Promise<Scenario> | undefined;

/**
 * One scenario for every suite that only reads it (the API's routes, its abuse and access tests): built
 * once per test run, about 40 s, and stopped after the last suite. Its `stop()` does nothing; a suite that
 * changes the chain builds its own with `runScenario()`.
 */
export function sharedScenario(): Promise<Scenario> {
  shared ??= runScenario();
  return shared.then((s) => ({ ...s, stop: async () => {} }));
}

// Registered when a test file first imports this module, so on mocha's root suite: after every suite.
if (typeof after === "function") after(async () => (await shared)?.stop());

export async function runScenario(): Promise<Scenario> {
  const chain = await startChain("anvil");
  const tmp = tempDir("reelsplit-api-");
  try {
    return await build(chain, tmp);
  } catch (err) {
    await chain.stop();
    tmp.remove();
    throw err;
  }
}

async function build(chain: TestChain, tmp: { dir: string; remove(): void }): Promise<Scenario> {
  const c = await deployConsortium(chain);
  const token = c.tokenAddress;
  const address = Object.fromEntries(ACCOUNT_NAMES.map((n) => [n, c.accounts[n].address])) as Record<AccountName, string>;
  const rand = prng(0xa91);
  const send = async (tx: Promise<ethers.ContractTransactionResponse>) => {
    const receipt = await (await tx).wait();
    if (!receipt || receipt.status !== 1) throw new Error("transaction failed");
    return receipt;
  };
  const advance = async (seconds: number) => {
    await chain.send("evm_increaseTime", [seconds]);
    await chain.send("evm_mine", []);
  };
  const latest = async () => (await chain.provider.getBlock("latest"))!.timestamp;

  // ------------------------------------------------------------------------------------------- licences
  const contentA = ethers.id("content:A");
  const A = Number(await activeLicence(c, { contentId: contentA }));
  const B = Number(
    await activeLicence(c, {
      contentId: ethers.id("content:B"),
      holdSeconds: HOLD,
      channels: [1, 2, 3],
      rightsHolder: "rightsHolder2",
      mcn: "mcn2",
      platform: "platform2",
      split: [2000, 3000, 5000],
    }),
  );
  const now = await latest();
  await send(
    c.as(c.settlement, "rightsHolder").registerLicence({
      contentId: contentA,
      mcn: address.mcn,
      platform: address.platform,
      rightsHolderBps: 1000,
      mcnBps: 4000,
      platformBps: 5000,
      commissionBps: 2200,
      channels: [1, 3],
      validFrom: now,
      validUntil: now + 200 * DAY,
      holdSeconds: 3 * DAY,
      supersedes: A,
      termsHash: ethers.id("terms C"),
      termsURI: "ipfs://terms-c",
    }),
  );
  const C = Number(await c.settlement.licenceCount());
  await send(c.as(c.settlement, "mcn").acceptLicence(C)); // the platform never accepts: C stays proposed

  // ---------------------------------------------------------------------------------------------- sales
  let orderNo = 0;
  const grossOf = () => BigInt(1 + Math.floor(rand() * 5_000_000));
  type Reporter = "taobao" | "jd" | "pdd";
  const channelOf: Record<Reporter, number> = { taobao: 1, jd: 2, pdd: 3 };
  const batch = async (reporter: Reporter, orders: { licenceId: number; gross: bigint }[]) => {
    const list = orders.map((o) => ({ licenceId: o.licenceId, orderRef: ethers.id(`order:${reporter}:${++orderNo}`), gross: o.gross }));
    await send(c.as(c.settlement, reporter).settleSales(token, list));
    return list.map((o) => saleIdOf(channelOf[reporter], o.orderRef));
  };
  const single = async (reporter: Reporter, licenceId: number, gross: bigint) => {
    const orderRef = ethers.id(`order:${reporter}:${++orderNo}`);
    await send(c.as(c.settlement, reporter).settleSale(licenceId, orderRef, token, gross));
    return saleIdOf(channelOf[reporter], orderRef);
  };
  const many = (licenceId: number, n: number) => Array.from({ length: n }, () => ({ licenceId, gross: grossOf() }));

  // Phase 1: A and B sales on every channel, the odd amounts first.
  await batch("taobao", [1n, 33n, 19_900n].map((gross) => ({ licenceId: A, gross })).concat(many(A, 32)));
  await batch("jd", many(A, 25));
  const mixed: { licenceId: number; gross: bigint }[] = [];
  for (let i = 0; i < 30; i++) mixed.push({ licenceId: i % 6 < 3 ? A : B, gross: i === 4 ? 1n : i === 10 ? 33n : grossOf() });
  const mixedIds = await batch("taobao", mixed);
  const pddB = await batch("pdd", many(B, 20));
  await single("taobao", A, 19_900n);
  const jdB1 = await single("jd", B, 33n);
  await single("pdd", B, 1n);
  const phase1End = await latest();
  await advance(3600);

  // Phase 2: more B sales, a refund and two sale disputes inside the hold, a withdrawal, a licence dispute.
  const jdB = await batch("jd", many(B, 20));
  const taobaoB = mixedIds.filter((_, i) => mixed[i]!.licenceId === B);
  const refundedSaleId = taobaoB[0]!;
  await send(c.as(c.settlement, "taobao").refundSale(refundedSaleId));
  await send(c.as(c.settlement, "mcn").withdraw(token, address.mcn));

  const frozenSaleId = taobaoB[2]!;
  await send(c.as(c.disputes, "rightsHolder2").openSaleDispute(frozenSaleId, 3, ethers.id("evidence: misreported")));
  await send(c.as(c.disputes, "taobao").addEvidence(1, ethers.id("evidence: order log")));

  const upheldSaleId = jdB[0]!;
  await send(c.as(c.disputes, "platform2").openSaleDispute(upheldSaleId, 4, ethers.id("evidence: refund abuse")));
  await send(c.as(c.disputes, "arbiter").resolve(2, true, ethers.id("ruling 2"), 0));

  await send(c.as(c.disputes, "platform").openLicenceDispute(A, 5, ethers.id("evidence: terms breach")));
  await send(c.as(c.disputes, "rightsHolder").addEvidence(3, ethers.id("evidence: signed terms")));
  await send(c.as(c.disputes, "arbiter").suspendLicence(3));
  await send(c.as(c.disputes, "arbiter").resolve(3, false, ethers.id("ruling 3"), 0));
  await batch("jd", many(A, 10));
  const phase2End = await latest();
  await advance(8 * DAY);

  // Phase 3: release most phase-1/2 B sales (three are left escrowed), new B sales in a fresh hold.
  const oldB = [...taobaoB, ...pddB, jdB1, ...jdB].filter((id) => id !== refundedSaleId && id !== frozenSaleId && id !== upheldSaleId);
  await send(c.as(c.settlement, "admin").releaseSales(oldB.slice(0, -3)));
  await batch("pdd", many(B, 15));
  await single("taobao", B, 19_900n);
  await single("jd", A, 123_456n);
  await single("taobao", A, 100_000_000_000_000_007n); // past 2^53: amounts must never be JavaScript numbers

  // ---------------------------------------------------------------------------------------------- index
  const dbPath = path.join(tmp.dir, "reelsplit.db");
  await indexOnce(chain.url, dbPath, c.deployment);
  const headBlock = await chain.provider.getBlockNumber();

  // ----------------------------------------------------------------------------------------- expectations
  const settlementAddress = getAddress(c.deployment.contracts.Settlement);
  const disputesAddress = getAddress(c.deployment.contracts.DisputeRegistry);
  const logs = await chain.provider.getLogs({
    address: [settlementAddress, disputesAddress],
    fromBlock: c.deployment.deploymentBlock,
    toBlock: headBlock,
  });
  logs.sort((x, y) => x.blockNumber - y.blockNumber || x.index - y.index);
  const blockNumbers = [...new Set(logs.map((l) => l.blockNumber))];
  const blocks = await Promise.all(blockNumbers.map((n) => chain.provider.getBlock(n)));
  const timestamps = new Map(blockNumbers.map((n, i) => [n, blocks[i]!.timestamp]));

  const events: ExpectedEvent[] = logs.map((log: Log) => {
    const isSettlement = getAddress(log.address) === settlementAddress;
    const iface: Interface = isSettlement ? c.settlement.interface : c.disputes.interface;
    const parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
    if (!parsed) throw new Error(`undecodable log ${log.transactionHash}:${log.index}`);
    const args = Object.fromEntries(parsed.fragment.inputs.map((p, i) => [p.name, decodeParam(p, parsed.args[i])]));
    return {
      blockNumber: log.blockNumber,
      logIndex: log.index,
      blockHash: log.blockHash,
      txHash: log.transactionHash,
      timestamp: timestamps.get(log.blockNumber)!,
      contract: getAddress(log.address),
      contractName: isSettlement ? "Settlement" : "DisputeRegistry",
      event: parsed.name,
      args,
    };
  });
  const named = (name: string) => events.filter((e) => e.event === name);
  const a = (e: ExpectedEvent) => e.args as Record<string, string>;

  // sales: SaleSettled, then what happened to each since
  const settled = named("SaleSettled");
  const views = await Promise.all(settled.map((e) => c.settlement.getSale(a(e).saleId!)));
  const sales: ExpectedSale[] = settled.map((e, i) => {
    const x = a(e);
    const view = views[i]!;
    return {
      saleId: x.saleId!,
      licenceId: Number(x.licenceId),
      channelId: Number(x.channelId),
      orderRef: x.orderRef!,
      token: getAddress(x.token!),
      gross: BigInt(x.gross!),
      commission: BigInt(x.commission!),
      shares: [BigInt(x.rightsHolderShare!), BigInt(x.mcnShare!), BigInt(x.platformShare!)],
      releaseAt: Number(x.releaseAt),
      status: SALE_STATUS[Number(view.status)]!,
      blockNumber: e.blockNumber,
      logIndex: e.logIndex,
      txHash: e.txHash,
      timestamp: e.timestamp,
      releasedAt: null,
      refundedAt: null,
      refundedTo: null,
    };
  });
  const saleById = new Map(sales.map((s) => [s.saleId, s]));
  for (const e of named("SaleReleased")) saleById.get(a(e).saleId!)!.releasedAt = e.timestamp;
  for (const e of named("SaleRefunded")) {
    const s = saleById.get(a(e).saleId!)!;
    s.refundedAt = e.timestamp;
    s.refundedTo = getAddress(a(e).to!);
  }

  // licences: the view, with what only the events say (terms URI, transaction, activation)
  const licences: ExpectedLicence[] = [];
  for (const id of [A, B, C]) {
    const v = await c.settlement.getLicence(id);
    const reg = named("LicenceRegistered").find((e) => Number(a(e).licenceId) === id)!;
    const activated = named("LicenceActivated").find((e) => Number(a(e).licenceId) === id);
    const channels: { channelId: number; name: string }[] = [];
    for (const ch of v.channels) channels.push({ channelId: Number(ch), name: (await c.settlement.channel(ch)).name });
    licences.push({
      licenceId: id,
      contentId: v.contentId,
      rightsHolder: v.rightsHolder,
      mcn: v.mcn,
      platform: v.platform,
      splitBps: { rightsHolder: Number(v.rightsHolderBps), mcn: Number(v.mcnBps), platform: Number(v.platformBps) },
      commissionBps: Number(v.commissionBps),
      channels: channels.sort((x, y) => x.channelId - y.channelId),
      validFrom: Number(v.validFrom),
      validUntil: Number(v.validUntil),
      holdSeconds: Number(v.holdSeconds),
      status: LICENCE_STATUS[Number(v.status)]!,
      accepted: { mcn: v.mcnAccepted, platform: v.platformAccepted },
      activatedAt: activated ? Number((activated.args as Record<string, string>).activatedAt) : null,
      supersedes: v.supersedes === 0n ? null : Number(v.supersedes),
      supersededBy: v.supersededBy === 0n ? null : Number(v.supersededBy),
      termsHash: v.termsHash,
      termsURI: (reg.args.terms as Record<string, string>).termsURI!,
      txHash: reg.txHash,
      registeredAt: Number(v.registeredAt),
      registeredBlock: reg.blockNumber,
    });
  }
  const partiesOf = new Map(licences.map((l) => [l.licenceId, [l.rightsHolder, l.mcn, l.platform] as const]));

  // credits to claimable balances: instant shares, releases, refunds
  const credits: ExpectedCredit[] = [];
  for (const e of events) {
    const x = a(e);
    const creditShares = (s: ExpectedSale, reason: "sale" | "release") =>
      partiesOf.get(s.licenceId)!.forEach((party, i) =>
        credits.push({
          party,
          amount: s.shares[i]!,
          reason,
          saleId: s.saleId,
          licenceId: s.licenceId,
          blockNumber: e.blockNumber,
          logIndex: e.logIndex,
          txHash: e.txHash,
          timestamp: e.timestamp,
        }),
      );
    if (e.event === "SaleSettled" && Number(x.releaseAt) === 0) creditShares(saleById.get(x.saleId!)!, "sale");
    if (e.event === "SaleReleased") creditShares(saleById.get(x.saleId!)!, "release");
    if (e.event === "SaleRefunded") {
      const s = saleById.get(x.saleId!)!;
      credits.push({
        party: getAddress(x.to!),
        amount: BigInt(x.amount!),
        reason: "refund",
        saleId: s.saleId,
        licenceId: s.licenceId,
        blockNumber: e.blockNumber,
        logIndex: e.logIndex,
        txHash: e.txHash,
        timestamp: e.timestamp,
      });
    }
  }

  const withdrawn = new Map<string, bigint>();
  for (const e of named("Withdrawn"))
    withdrawn.set(getAddress(a(e).account!), (withdrawn.get(getAddress(a(e).account!)) ?? 0n) + BigInt(a(e).amount!));
  const balances = await Promise.all(ACCOUNT_NAMES.map((n) => c.settlement.claimable(address[n], token)));
  const claimable = new Map(ACCOUNT_NAMES.map((n, i) => [address[n], balances[i]!]));

  // disputes: the view, with evidence and blocks from the events
  const disputes: ExpectedDispute[] = [];
  const count = Number(await c.disputes.disputeCount());
  for (let id = 1; id <= count; id++) {
    const d = await c.disputes.getDispute(id);
    const opened = named("DisputeOpened").find((e) => Number(a(e).disputeId) === id)!;
    const isSale = Number(d.kind) === 1;
    const evidenceHashes = await c.disputes.evidenceOf(id);
    const evidence = named("EvidenceAdded")
      .filter((e) => Number(a(e).disputeId) === id)
      .map((e) => ({ hash: a(e).evidence!, by: getAddress(a(e).by!), at: Number(a(e).at), blockNumber: e.blockNumber }));
    if (evidence.map((e) => e.hash).join() !== evidenceHashes.join())
      throw new Error(`evidence events of dispute ${id} disagree with evidenceOf`);
    disputes.push({
      disputeId: id,
      target: isSale ? { kind: "sale", id: d.target } : { kind: "licence", id: BigInt(d.target).toString() },
      licenceId: isSale ? saleById.get(d.target)!.licenceId : Number(BigInt(d.target)),
      openedBy: d.openedBy,
      reason: REASON[Number(d.reason)]!,
      evidence,
      status: DISPUTE_STATUS[Number(d.status)]!,
      ruling: d.ruling === ethers.ZeroHash ? null : d.ruling,
      resolvedBy: d.resolvedBy === ethers.ZeroAddress ? null : d.resolvedBy,
      openedAt: Number(d.openedAt),
      resolvedAt: Number(d.resolvedAt) === 0 ? null : Number(d.resolvedAt),
      txHash: opened.txHash,
    });
  }

  return {
    chain,
    c,
    dbPath,
    dir: tmp.dir,
    token,
    address,
    licence: { A, B, C },
    channelNames: new Map(named("ChannelAdded").map((e) => [Number(a(e).channelId), a(e).name!])),
    licences,
    sales,
    events,
    disputes,
    credits,
    withdrawn,
    claimable,
    headBlock,
    chainId: Number((await chain.provider.getNetwork()).chainId),
    cut: { afterPhase1: phase1End + 1800, afterPhase2: phase2End + 4 * DAY },
    refundedSaleId,
    frozenSaleId,
    upheldSaleId,
    stop: async () => {
      await chain.stop();
      tmp.remove();
    },
  };
}

/** What GET /parties/:address/payouts should say, from the scenario's events and views. */
export function expectedPayouts(s: Scenario, party: string) {
  const shareIndex = (licenceId: number) => {
    const l = s.licences.find((x) => x.licenceId === licenceId)!;
    return [l.rightsHolder, l.mcn, l.platform].indexOf(party);
  };
  const roles = ["rightsHolder", "mcn", "platform"] as const;
  let escrowed = 0n;
  let nextReleaseAt: number | null = null;
  const perLicence = new Map<string, { licenceId: number; role: string; credited: bigint; escrowed: bigint }>();
  const entry = (licenceId: number, role: string) => {
    const key = `${licenceId}|${role}`;
    if (!perLicence.has(key)) perLicence.set(key, { licenceId, role, credited: 0n, escrowed: 0n });
    return perLicence.get(key)!;
  };
  for (const sale of s.sales) {
    const i = shareIndex(sale.licenceId);
    if (i < 0) continue;
    if (sale.status === "escrowed" || sale.status === "frozen") {
      escrowed += sale.shares[i]!;
      entry(sale.licenceId, roles[i]!).escrowed += sale.shares[i]!;
    }
    if (sale.status === "escrowed" && (nextReleaseAt === null || sale.releaseAt < nextReleaseAt)) nextReleaseAt = sale.releaseAt;
  }
  const credits = s.credits.filter((c) => c.party === party);
  for (const c of credits) entry(c.licenceId, c.reason === "refund" ? "channel" : roles[shareIndex(c.licenceId)]!).credited += c.amount;
  const claimable = s.claimable.get(party) ?? 0n;
  const withdrawn = s.withdrawn.get(party) ?? 0n;
  return {
    claimable,
    escrowed,
    withdrawn,
    earned: claimable + withdrawn,
    creditedTotal: credits.reduce((t, c) => t + c.amount, 0n),
    nextReleaseAt,
    licences: [...perLicence.values()].sort((x, y) => x.licenceId - y.licenceId || x.role.localeCompare(y.role)),
    credits: credits.sort((x, y) => y.blockNumber - x.blockNumber || y.logIndex - x.logIndex),
  };
}
