/**
 * The HTTP API over a database the real indexer built from a scripted scenario on anvil (scenario.ts).
 * Every route is called with `app.inject`; every expectation comes from the chain (events and views),
 * never from the database the API reads.
 */
import path from "node:path";
import { expect } from "chai";
import Database from "better-sqlite3";
import SwaggerParser from "@apidevtools/swagger-parser";
import { getAddress } from "ethers";
import type { Static } from "@sinclair/typebox";
import type { LightMyRequestResponse } from "fastify";
import { build, type App } from "../../api/app";
import type * as R from "../../api/schemas/resources";
import { openStore } from "../../indexer/store/store";
import { expectedPayouts, normalise, sharedScenario, type ExpectedLicence, type ExpectedSale, type Scenario } from "./scenario";

type LicenceJson = Static<typeof R.Licence>;
type SaleJson = Static<typeof R.Sale>;
type PayoutsJson = Static<typeof R.Payouts>;
type DisputeJson = Static<typeof R.Dispute>;
type AuditEventJson = Static<typeof R.AuditEvent>;
type HealthJson = Static<typeof R.Health>;
type VerificationJson = Static<typeof R.Verification>;
interface PageJson<T> {
  items: T[];
  nextCursor: string | null;
}
interface ProblemJson {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
const isoOrNull = (seconds: number | null) => (seconds === null || seconds === 0 ? null : iso(seconds));
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const sum = (xs: bigint[]) => xs.reduce((t, x) => t + x, 0n);

let s: Scenario;
let app: App;
let decimals: number;
let symbol: string;
const extraApps: App[] = [];

const get = (url: string, on: App = app) => on.inject({ method: "GET", url });
async function getJson<T>(url: string, on: App = app): Promise<T> {
  const res = await get(url, on);
  expect(res.statusCode, `${url}: ${res.body}`).to.equal(200);
  expect(res.headers["content-type"]).to.match(/^application\/json/);
  return res.json() as T;
}

/** Follows nextCursor from the first page to the last; checks page sizes and the end of the walk. */
async function walk<T>(url: string, limit: number): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = url.includes("?") ? "&" : "?";
    const page: PageJson<T> = await getJson<PageJson<T>>(
      `${url}${sep}limit=${limit}${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`,
    );
    expect(page.items.length).to.be.at.most(limit);
    if (page.nextCursor !== null) expect(page.items.length, "only the last page may be short").to.equal(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    if (++pages > 1000) throw new Error(`${url} never ends`);
  } while (cursor !== null);
  return { items, pages };
}

function expectNoStack(text: string) {
  expect(text).not.to.match(/\n\s+at /);
  expect(text).not.to.match(/\bat [^\s]+ \(.*:\d+:\d+\)/);
  expect(text).not.to.include("node_modules");
}

function expectProblem(res: LightMyRequestResponse, status: number, field?: string) {
  expect(res.statusCode, `${res.raw.req.url} answered ${res.body.slice(0, 300)}`).to.equal(status);
  expect(res.headers["content-type"]).to.match(/^application\/problem\+json/);
  const p = res.json() as ProblemJson;
  expect(p.status).to.equal(status);
  expect(p.type).to.be.a("string");
  expect(p.title).to.be.a("string").and.not.be.empty;
  expect(p.detail).to.be.a("string").and.not.be.empty;
  if (field) expect(p.detail, `the detail should name ${field}`).to.include(field);
  expectNoStack(res.body);
}

// ------------------------------------------------------------------------------------------ expectations

function licenceJson(l: ExpectedLicence): Omit<LicenceJson, "totals"> {
  return {
    licenceId: l.licenceId,
    contentId: l.contentId,
    registeredAt: iso(l.registeredAt),
    registeredBlock: l.registeredBlock,
    rightsHolder: l.rightsHolder,
    mcn: l.mcn,
    platform: l.platform,
    splitBps: l.splitBps,
    commissionBps: l.commissionBps,
    channels: l.channels,
    validFrom: iso(l.validFrom),
    validUntil: iso(l.validUntil),
    holdSeconds: l.holdSeconds,
    status: l.status as LicenceJson["status"],
    accepted: l.accepted,
    activatedAt: isoOrNull(l.activatedAt),
    supersedes: l.supersedes,
    supersededBy: l.supersededBy,
    termsHash: l.termsHash,
    termsURI: l.termsURI,
    txHash: l.txHash,
  };
}

/** Per-token totals of a licence: its SaleSettled events, refunded sales taken out. */
function totalsOf(licenceId: number): LicenceJson["totals"] {
  const all = s.sales.filter((x) => x.licenceId === licenceId);
  if (all.length === 0) return [];
  const live = all.filter((x) => x.status !== "refunded");
  return [
    {
      token: s.token,
      decimals,
      sales: live.length,
      gross: sum(live.map((x) => x.gross)).toString(),
      commission: sum(live.map((x) => x.commission)).toString(),
      rightsHolder: sum(live.map((x) => x.shares[0])).toString(),
      mcn: sum(live.map((x) => x.shares[1])).toString(),
      platform: sum(live.map((x) => x.shares[2])).toString(),
    },
  ];
}

function saleJson(x: ExpectedSale, withDisputes: boolean): SaleJson {
  return {
    saleId: x.saleId,
    licenceId: x.licenceId,
    channel: { channelId: x.channelId, name: s.channelNames.get(x.channelId)! },
    orderRef: x.orderRef,
    token: x.token,
    decimals,
    grossAmount: x.gross.toString(),
    commissionAmount: x.commission.toString(),
    shares: { rightsHolder: x.shares[0].toString(), mcn: x.shares[1].toString(), platform: x.shares[2].toString() },
    status: x.status,
    releaseAt: isoOrNull(x.releaseAt),
    releasedAt: isoOrNull(x.releasedAt),
    refundedAt: isoOrNull(x.refundedAt),
    refundedTo: x.refundedTo,
    txHash: x.txHash,
    blockNumber: x.blockNumber,
    logIndex: x.logIndex,
    timestamp: iso(x.timestamp),
    ...(withDisputes
      ? {
          disputes: s.disputes
            .filter((d) => d.target.kind === "sale" && d.target.id === x.saleId)
            .map((d) => ({ disputeId: d.disputeId, status: d.status as "open" | "upheld" | "rejected" })),
        }
      : {}),
  };
}

const saleIds = (xs: { saleId: string }[]) => xs.map((x) => x.saleId);
const licenceParties = (id: number) => {
  const l = s.licences.find((x) => x.licenceId === id)!;
  return [l.rightsHolder, l.mcn, l.platform];
};

// -------------------------------------------------------------------------------------------------- tests

describe("reelsplit API", function () {
  this.timeout(120_000);

  before(async function () {
    s = await sharedScenario();
    decimals = Number(await s.c.token.decimals());
    symbol = await s.c.token.symbol();
    app = await build({ dbPath: s.dbPath, rpcUrl: s.chain.url });
  });

  after(async function () {
    for (const a of extraApps) await a.close();
    await app?.close();
    await s?.stop();
  });

  it("has a scenario of the intended shape", function () {
    expect(s.sales.length).to.be.within(140, 200);
    expect(new Set(s.sales.map((x) => x.channelId))).to.have.lengthOf(3);
    for (const status of ["escrowed", "frozen", "claimable", "refunded"])
      expect(
        s.sales.some((x) => x.status === status),
        status,
      ).to.be.true;
    expect(s.sales.map((x) => x.gross)).to.include.members([1n, 33n, 19_900n]);
    expect(s.licences.map((l) => l.status)).to.deep.equal(["active", "active", "proposed"]);
    expect(s.disputes.map((d) => d.status)).to.deep.equal(["open", "upheld", "rejected"]);
    expect(s.withdrawn.get(s.address.mcn)).to.be.greaterThan(0n);
  });

  // ------------------------------------------------------------------------------------------ operations
  describe("GET /health", function () {
    it("answers 200 ok with the chain id and no lag once the indexer has caught up", async function () {
      const res = await get("/health");
      expect(res.statusCode).to.equal(200);
      const h = res.json() as HealthJson;
      expect(h).to.include({ status: "ok", chainId: 31337, headBlock: s.headBlock, indexedBlock: s.headBlock, lagBlocks: 0 });
      expect(s.chainId).to.equal(31337);
    });

    it("answers 503 syncing while the indexer has never caught up", async function () {
      const dbPath = path.join(s.dir, "syncing.db");
      const store = openStore(dbPath);
      store.setMeta("chain_id", "31337");
      store.setHealth({ headBlock: 1000, indexedBlock: 400, caughtUp: false });
      store.close();
      const syncing = await build({ dbPath });
      extraApps.push(syncing);
      const res = await get("/health", syncing);
      expect(res.statusCode).to.equal(503);
      expect(res.json()).to.include({ status: "syncing", chainId: 31337, headBlock: 1000, indexedBlock: 400, lagBlocks: 600 });
    });
  });

  describe("GET /metrics", function () {
    it("exposes the indexed block and the number of sales in the Prometheus text format", async function () {
      const res = await get("/metrics");
      expect(res.statusCode).to.equal(200);
      expect(res.headers["content-type"]).to.match(/^text\/plain/);
      const value = (name: string) => {
        const line = res.body.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
        expect(line, `${name} is exposed`).to.be.a("string");
        return Number(line!.split(" ").pop());
      };
      expect(res.body).to.include("# TYPE reelsplit_indexed_block gauge");
      expect(value("reelsplit_indexed_block")).to.equal(s.headBlock);
      expect(value("reelsplit_sales_total")).to.equal(s.sales.length);
      expect(value("reelsplit_events_total")).to.equal(s.events.length);
      expect(value("reelsplit_open_disputes")).to.equal(s.disputes.filter((d) => d.status === "open").length);
    });
  });

  // -------------------------------------------------------------------------------------------- licences
  describe("GET /licences/:licenceId", function () {
    it("serves every field of each licence as the chain has it", async function () {
      for (const l of s.licences) {
        const body = await getJson<LicenceJson>(`/licences/${l.licenceId}`);
        const { totals: _totals, ...rest } = body;
        expect(rest, `licence ${l.licenceId}`).to.deep.equal(licenceJson(l));
      }
      const c = await getJson<LicenceJson>(`/licences/${s.licence.C}`);
      expect(c).to.include({ status: "proposed", supersedes: s.licence.A, activatedAt: null });
      expect(c.accepted).to.deep.equal({ mcn: true, platform: false });
      const b = await getJson<LicenceJson>(`/licences/${s.licence.B}`);
      expect(b.splitBps).to.deep.equal({ rightsHolder: 2000, mcn: 3000, platform: 5000 });
      expect(b.holdSeconds).to.equal(7 * 86_400);
      expect(b.channels).to.deep.equal([
        { channelId: 1, name: "taobao" },
        { channelId: 2, name: "jd" },
        { channelId: 3, name: "pdd" },
      ]);
    });

    it("totals each token's sales, refunded ones taken out, with shares summing to the commission", async function () {
      for (const l of s.licences) {
        const { totals } = await getJson<LicenceJson>(`/licences/${l.licenceId}`);
        expect(totals, `licence ${l.licenceId}`).to.deep.equal(totalsOf(l.licenceId));
        for (const t of totals) expect(BigInt(t.rightsHolder) + BigInt(t.mcn) + BigInt(t.platform)).to.equal(BigInt(t.commission));
      }
      const [b] = (await getJson<LicenceJson>(`/licences/${s.licence.B}`)).totals;
      expect(b!.sales).to.equal(s.sales.filter((x) => x.licenceId === s.licence.B).length - 2); // a refund and an upheld dispute
    });
  });

  describe("GET /licences", function () {
    const ids = (page: PageJson<LicenceJson>) => page.items.map((l) => l.licenceId);

    it("lists every licence with the same body as GET /licences/:licenceId", async function () {
      const page = await getJson<PageJson<LicenceJson>>("/licences");
      expect(page.nextCursor).to.equal(null);
      for (const l of page.items) expect(l).to.deep.equal(await getJson<LicenceJson>(`/licences/${l.licenceId}`));
      expect(ids(page)).to.deep.equal([s.licence.A, s.licence.B, s.licence.C]);
    });

    it("filters by rights holder, accepting a lower-case address and answering checksummed", async function () {
      const page = await getJson<PageJson<LicenceJson>>(`/licences?rightsHolder=${s.address.rightsHolder.toLowerCase()}`);
      expect(ids(page)).to.deep.equal([s.licence.A, s.licence.C]);
      for (const l of page.items) expect(l.rightsHolder).to.equal(s.address.rightsHolder);
      expect(ids(await getJson(`/licences?rightsHolder=${s.address.rightsHolder2.toUpperCase().replace("0X", "0x")}`))).to.deep.equal([
        s.licence.B,
      ]);
      expect(ids(await getJson(`/licences?rightsHolder=${s.address.outsider}`))).to.deep.equal([]);
    });

    it("filters by MCN and by platform", async function () {
      expect(ids(await getJson(`/licences?mcn=${s.address.mcn}`))).to.deep.equal([s.licence.A, s.licence.C]);
      expect(ids(await getJson(`/licences?mcn=${s.address.mcn2.toLowerCase()}`))).to.deep.equal([s.licence.B]);
      expect(ids(await getJson(`/licences?platform=${s.address.platform}`))).to.deep.equal([s.licence.A, s.licence.C]);
      expect(ids(await getJson(`/licences?platform=${s.address.platform2}`))).to.deep.equal([s.licence.B]);
    });

    it("filters by channel, by name and by id", async function () {
      for (const [channelId, name] of s.channelNames) {
        const expected = s.licences.filter((l) => l.channels.some((c) => c.channelId === channelId)).map((l) => l.licenceId);
        expect(ids(await getJson(`/licences?channel=${name}`)), name).to.deep.equal(expected);
        expect(ids(await getJson(`/licences?channel=${channelId}`)), String(channelId)).to.deep.equal(expected);
      }
      expect(ids(await getJson("/licences?channel=pdd"))).to.deep.equal([s.licence.B, s.licence.C]);
      expect(ids(await getJson("/licences?channel=douyin"))).to.deep.equal([]);
    });

    it("filters by status", async function () {
      expect(ids(await getJson("/licences?status=proposed"))).to.deep.equal([s.licence.C]);
      expect(ids(await getJson("/licences?status=active"))).to.deep.equal([s.licence.A, s.licence.B]);
      expect(ids(await getJson("/licences?status=superseded"))).to.deep.equal([]);
      expect(ids(await getJson(`/licences?status=active&rightsHolder=${s.address.rightsHolder}&channel=jd`))).to.deep.equal([s.licence.A]);
    });

    it("pages through every licence exactly once", async function () {
      const { items, pages } = await walk<LicenceJson>("/licences", 1);
      expect(items.map((l) => l.licenceId)).to.deep.equal([s.licence.A, s.licence.B, s.licence.C]);
      expect(pages).to.equal(3);
      const two = await walk<LicenceJson>("/licences", 2);
      expect(two.items.map((l) => l.licenceId)).to.deep.equal([s.licence.A, s.licence.B, s.licence.C]);
      expect(two.pages).to.equal(2);
    });
  });

  // ----------------------------------------------------------------------------------------------- sales
  describe("GET /sales/:saleId", function () {
    it("serves a sale with amounts as decimal strings, shares summing to the commission, status and position", async function () {
      // every sale's fields are checked through GET /sales; here one in three, and every sale with a story
      const special = new Set([s.frozenSaleId, s.upheldSaleId, s.refundedSaleId]);
      const picks = s.sales.filter(
        (x, i) => i % 3 === 0 || special.has(x.saleId) || x.status !== "claimable" || x.gross < 100n || x.gross > 2n ** 53n,
      );
      expect(picks.length).to.be.greaterThan(s.sales.length / 3);
      for (const x of picks) {
        const body = await getJson<SaleJson>(`/sales/${x.saleId}`);
        expect(body, x.saleId).to.deep.equal(saleJson(x, true));
        expect(BigInt(body.shares.rightsHolder) + BigInt(body.shares.mcn) + BigInt(body.shares.platform)).to.equal(
          BigInt(body.commissionAmount),
        );
      }
    });

    it("lists the disputes of a disputed sale", async function () {
      const frozen = await getJson<SaleJson>(`/sales/${s.frozenSaleId}`);
      expect(frozen.status).to.equal("frozen");
      expect(frozen.disputes).to.deep.equal([{ disputeId: 1, status: "open" }]);
      const upheld = await getJson<SaleJson>(`/sales/${s.upheldSaleId}`);
      expect(upheld).to.include({ status: "refunded", refundedTo: s.address.jd });
      expect(upheld.disputes).to.deep.equal([{ disputeId: 2, status: "upheld" }]);
      const refunded = await getJson<SaleJson>(`/sales/${s.refundedSaleId}`);
      expect(refunded).to.include({ status: "refunded", refundedTo: s.address.taobao });
      expect(refunded.disputes).to.deep.equal([]);
    });

    it("serves odd amounts exactly (1, 33, 19 900)", async function () {
      for (const gross of [1n, 33n, 19_900n]) {
        const x = s.sales.find((y) => y.gross === gross)!;
        const body = await getJson<SaleJson>(`/sales/${x.saleId}`);
        expect(body.grossAmount).to.equal(gross.toString());
        expect(body.commissionAmount).to.equal(x.commission.toString());
      }
    });

    it("accepts the sale id in upper case", async function () {
      const x = s.sales[0]!;
      const body = await getJson<SaleJson>(`/sales/0x${x.saleId.slice(2).toUpperCase()}`);
      expect(body.saleId).to.equal(x.saleId);
    });
  });

  describe("GET /sales", function () {
    const listed = async (query: string) => saleIds((await walk<SaleJson>(`/sales?${query}`, 500)).items);
    const where = (f: (x: ExpectedSale) => boolean) => saleIds(s.sales.filter(f));

    it("pages through every sale exactly once, in chain order", async function () {
      const { items, pages } = await walk<SaleJson>("/sales", 7);
      expect(items.length).to.equal(s.sales.length);
      expect(new Set(saleIds(items)).size).to.equal(items.length);
      expect(pages).to.equal(Math.ceil(s.sales.length / 7));
      expect(items).to.deep.equal(s.sales.map((x) => saleJson(x, false)));
    });

    it("pages through a filtered list exactly once", async function () {
      const { items } = await walk<SaleJson>(`/sales?licenceId=${s.licence.B}`, 7);
      expect(saleIds(items)).to.deep.equal(where((x) => x.licenceId === s.licence.B));
    });

    it("filters by licence", async function () {
      for (const l of Object.values(s.licence))
        expect(await listed(`licenceId=${l}`), `licence ${l}`).to.deep.equal(where((x) => x.licenceId === l));
      expect(await listed("licenceId=999")).to.deep.equal([]);
    });

    it("filters by channel, by name and by id", async function () {
      for (const [channelId, name] of s.channelNames) {
        const expected = where((x) => x.channelId === channelId);
        expect(expected).not.to.be.empty;
        expect(await listed(`channel=${name}`), name).to.deep.equal(expected);
        expect(await listed(`channel=${channelId}`), String(channelId)).to.deep.equal(expected);
      }
    });

    it("filters by party, in any case", async function () {
      for (const name of ["rightsHolder", "mcn", "platform", "rightsHolder2", "mcn2", "platform2"] as const) {
        const party = s.address[name];
        const expected = where((x) => licenceParties(x.licenceId).includes(party));
        expect(expected, name).not.to.be.empty;
        expect(await listed(`party=${party.toLowerCase()}`), name).to.deep.equal(expected);
      }
      expect(await listed(`party=${s.address.outsider}`)).to.deep.equal([]);
    });

    it("filters by status", async function () {
      for (const status of ["escrowed", "frozen", "claimable", "refunded"] as const) {
        const expected = where((x) => x.status === status);
        expect(expected, status).not.to.be.empty;
        expect(await listed(`status=${status}`), status).to.deep.equal(expected);
      }
    });

    it("filters by time, from inclusive and to exclusive, in any time zone", async function () {
      const { afterPhase1: t1, afterPhase2: t2 } = s.cut;
      expect(await listed(`from=${iso(t1)}`)).to.deep.equal(where((x) => x.timestamp >= t1));
      expect(await listed(`to=${iso(t1)}`)).to.deep.equal(where((x) => x.timestamp < t1));
      const between = where((x) => x.timestamp >= t1 && x.timestamp < t2);
      expect(between).not.to.be.empty;
      expect(await listed(`from=${iso(t1)}&to=${iso(t2)}`)).to.deep.equal(between);
      const beijing = (t: number) => encodeURIComponent(new Date((t + 8 * 3600) * 1000).toISOString().replace(".000Z", "+08:00"));
      expect(await listed(`from=${beijing(t1)}&to=${beijing(t2)}`)).to.deep.equal(between);
      const first = s.sales[0]!;
      expect(await listed(`from=${iso(first.timestamp)}&to=${iso(first.timestamp + 1)}`)).to.deep.equal(
        where((x) => x.timestamp === first.timestamp),
      );
      expect(await listed(`from=${iso(t2)}&licenceId=${s.licence.B}&status=escrowed`)).to.deep.equal(
        where((x) => x.timestamp >= t2 && x.licenceId === s.licence.B && x.status === "escrowed"),
      );
    });

    it("filters by time to the millisecond: a sale of block time T is before T + 0.5 s", async function () {
      const t = s.sales[0]!.timestamp;
      const half = encodeURIComponent(new Date(t * 1000 + 500).toISOString());
      expect(await listed(`to=${half}`), "to=T+0.5s takes the sales of second T").to.deep.equal(where((x) => x.timestamp <= t));
      expect(await listed(`from=${half}`), "from=T+0.5s leaves out the sales of second T").to.deep.equal(where((x) => x.timestamp > t));
    });
  });

  // --------------------------------------------------------------------------------------------- parties
  describe("GET /parties/:address/payouts", function () {
    async function checkPayouts(party: string) {
      const exp = expectedPayouts(s, party);
      const body = await getJson<PayoutsJson>(`/parties/${party.toLowerCase()}/payouts`);
      expect(body.party).to.equal(party);
      expect(body.tokens).to.deep.equal([
        {
          token: s.token,
          symbol,
          decimals,
          claimable: exp.claimable.toString(),
          escrowed: exp.escrowed.toString(),
          nextReleaseAt: isoOrNull(exp.nextReleaseAt),
          withdrawn: exp.withdrawn.toString(),
          earned: exp.earned.toString(),
        },
      ]);
      const t = body.tokens[0]!;
      // payouts are credits minus withdrawals
      expect(BigInt(t.earned)).to.equal(exp.creditedTotal);
      expect(BigInt(t.claimable)).to.equal(BigInt(t.earned) - BigInt(t.withdrawn));
      expect(sum(body.licences.map((l) => BigInt(l.credited)))).to.equal(BigInt(t.earned));
      expect(sum(body.licences.map((l) => BigInt(l.escrowed)))).to.equal(BigInt(t.escrowed));
      expect(body.licences).to.deep.equal(
        exp.licences.map((l) => ({
          licenceId: l.licenceId,
          role: l.role,
          token: s.token,
          decimals,
          credited: l.credited.toString(),
          escrowed: l.escrowed.toString(),
        })),
      );
      expect(body.recentCredits.length).to.equal(Math.min(20, exp.credits.length));
      expect(body.recentCredits).to.deep.equal(
        exp.credits.slice(0, body.recentCredits.length).map((c) => ({
          amount: c.amount.toString(),
          token: s.token,
          decimals,
          reason: c.reason,
          saleId: c.saleId,
          licenceId: c.licenceId,
          txHash: c.txHash,
          blockNumber: c.blockNumber,
          timestamp: iso(c.timestamp),
        })),
      );
      return body;
    }

    it("gives the MCN of A what it can withdraw, what it withdrew and what it earned", async function () {
      const body = await checkPayouts(s.address.mcn);
      const t = body.tokens[0]!;
      expect(BigInt(t.claimable)).to.equal(await s.c.settlement.claimable(s.address.mcn, s.token));
      expect(BigInt(t.withdrawn)).to.be.greaterThan(0n);
      expect(t).to.include({ escrowed: "0", nextReleaseAt: null });
      expect(body.licences.map((l) => [l.licenceId, l.role])).to.deep.equal([[s.licence.A, "mcn"]]);
      const blocks = body.recentCredits.map((c) => c.blockNumber);
      expect(blocks).to.deep.equal(
        [...blocks].sort((x, y) => y - x),
        "newest first",
      );
    });

    it("gives the MCN of B its escrow and when the next release is due", async function () {
      const body = await checkPayouts(s.address.mcn2);
      const t = body.tokens[0]!;
      expect(BigInt(t.claimable)).to.equal(await s.c.settlement.claimable(s.address.mcn2, s.token));
      expect(BigInt(t.escrowed)).to.be.greaterThan(0n);
      const escrowed = s.sales.filter((x) => x.licenceId === s.licence.B && x.status === "escrowed");
      expect(t.nextReleaseAt).to.equal(iso(Math.min(...escrowed.map((x) => x.releaseAt))));
      expect(body.recentCredits.every((c) => c.reason === "release")).to.be.true;
    });

    it("gives the other parties and the refunded channels their payouts", async function () {
      for (const name of ["rightsHolder", "platform", "rightsHolder2", "platform2", "taobao", "jd"] as const)
        await checkPayouts(s.address[name]);
      const jd = await getJson<PayoutsJson>(`/parties/${s.address.jd}/payouts`);
      expect(jd.licences).to.deep.include({
        licenceId: s.licence.B,
        role: "channel",
        token: s.token,
        decimals,
        credited: s.sales.find((x) => x.saleId === s.upheldSaleId)!.commission.toString(),
        escrowed: "0",
      });
    });

    it("answers 200 with empty lists for an address never credited", async function () {
      for (const party of ["0x000000000000000000000000000000000000dead", s.address.outsider, s.address.arbiter]) {
        const body = await getJson<PayoutsJson>(`/parties/${party}/payouts`);
        expect(body).to.deep.equal({ party: getAddress(party), tokens: [], licences: [], recentCredits: [] });
      }
    });
  });

  // -------------------------------------------------------------------------------------------- disputes
  describe("GET /disputes/:disputeId", function () {
    it("serves each dispute with its target, evidence, status and ruling", async function () {
      for (const d of s.disputes) {
        const body = await getJson<DisputeJson>(`/disputes/${d.disputeId}`);
        expect(body).to.deep.include({
          disputeId: d.disputeId,
          target: d.target,
          licenceId: d.licenceId,
          openedBy: d.openedBy,
          reason: d.reason,
          evidence: d.evidence.map((e) => ({ hash: e.hash, by: e.by, at: iso(e.at), blockNumber: e.blockNumber })),
          status: d.status,
          ruling: d.ruling,
          resolvedBy: d.resolvedBy,
          openedAt: iso(d.openedAt),
          resolvedAt: isoOrNull(d.resolvedAt),
          txHash: d.txHash,
        });
        const suspended = s.events.some((e) => e.event === "LicenceSuspendedPendingRuling" && e.args.disputeId === String(d.disputeId));
        expect(body.licenceSuspendedPendingRuling).to.equal(suspended);
      }
    });

    it("shows evidence added by another party than the opener", async function () {
      const body = await getJson<DisputeJson>("/disputes/1");
      expect(body.target).to.deep.equal({ kind: "sale", id: s.frozenSaleId });
      expect(body.openedBy).to.equal(s.address.rightsHolder2);
      expect(body.evidence.map((e) => e.by)).to.deep.equal([s.address.rightsHolder2, s.address.taobao]);
      expect(body).to.include({ status: "open", ruling: null, resolvedAt: null });
      const licence = await getJson<DisputeJson>("/disputes/3");
      expect(licence.target).to.deep.equal({ kind: "licence", id: String(s.licence.A) });
      expect(licence).to.include({ status: "rejected", resolvedBy: s.address.arbiter, licenceSuspendedPendingRuling: true });
    });
  });

  describe("GET /disputes", function () {
    const ids = async (query: string) => (await getJson<PageJson<DisputeJson>>(`/disputes?${query}`)).items.map((d) => d.disputeId);

    it("lists every dispute with the same body as GET /disputes/:disputeId", async function () {
      const page = await getJson<PageJson<DisputeJson>>("/disputes");
      expect(page.items.map((d) => d.disputeId)).to.deep.equal(s.disputes.map((d) => d.disputeId));
      for (const d of page.items) expect(d).to.deep.equal(await getJson<DisputeJson>(`/disputes/${d.disputeId}`));
    });

    it("filters by status", async function () {
      for (const status of ["open", "upheld", "rejected"]) {
        expect(await ids(`status=${status}`), status).to.deep.equal(s.disputes.filter((d) => d.status === status).map((d) => d.disputeId));
      }
    });

    it("filters by licence and by sale", async function () {
      expect(await ids(`licenceId=${s.licence.A}`)).to.deep.equal([3]);
      expect(await ids(`licenceId=${s.licence.B}`)).to.deep.equal([1, 2]);
      expect(await ids(`licenceId=${s.licence.C}`)).to.deep.equal([]);
      expect(await ids(`saleId=${s.frozenSaleId}`)).to.deep.equal([1]);
      expect(await ids(`saleId=0x${s.upheldSaleId.slice(2).toUpperCase()}`)).to.deep.equal([2]);
      expect(await ids(`saleId=${s.refundedSaleId}`)).to.deep.equal([]);
    });

    it("filters by party: the opener and the parties of the licence concerned", async function () {
      expect(await ids(`party=${s.address.rightsHolder2.toLowerCase()}`)).to.deep.equal([1, 2]);
      expect(await ids(`party=${s.address.platform2}`)).to.deep.equal([1, 2]);
      expect(await ids(`party=${s.address.platform}`)).to.deep.equal([3]);
      expect(await ids(`party=${s.address.mcn}`)).to.deep.equal([3]);
      expect(await ids(`party=${s.address.outsider}`)).to.deep.equal([]);
      expect(await ids(`party=${s.address.rightsHolder2}&status=open`)).to.deep.equal([1]);
    });

    it("filters by party: the channel that reported a disputed sale and added evidence to it is a party", async function () {
      // taobao reported the disputed sale and added evidence to dispute 1 without opening it
      expect(await ids(`party=${s.address.taobao}`)).to.include(1);
    });

    it("pages through every dispute exactly once", async function () {
      const { items, pages } = await walk<DisputeJson>("/disputes", 1);
      expect(items.map((d) => d.disputeId)).to.deep.equal([1, 2, 3]);
      expect(pages).to.equal(3);
    });
  });

  // ----------------------------------------------------------------------------------------------- audit
  describe("GET /audit/events", function () {
    const eventJson = (e: Scenario["events"][number]) => ({
      chainId: s.chainId,
      blockNumber: e.blockNumber,
      blockHash: e.blockHash,
      logIndex: e.logIndex,
      txHash: e.txHash,
      timestamp: iso(e.timestamp),
      contract: e.contract,
      contractName: e.contractName,
      event: e.event,
      args: e.args,
    });
    const normalised = (items: AuditEventJson[]) => items.map((i) => ({ ...i, args: normalise(i.args) }));
    const positions = (items: { blockNumber: number; logIndex: number }[]) => items.map((i) => `${i.blockNumber}:${i.logIndex}`);

    it("pages through every event of both contracts exactly once, in (block, logIndex) order", async function () {
      const { items, pages } = await walk<AuditEventJson>("/audit/events", 7);
      expect(items.length).to.equal(s.events.length);
      expect(new Set(positions(items)).size).to.equal(items.length);
      expect(pages).to.equal(Math.ceil(s.events.length / 7));
      expect(normalised(items)).to.deep.equal(s.events.map(eventJson));
    });

    it("filters by block range", async function () {
      const mid = s.sales[Math.floor(s.sales.length / 2)]!.blockNumber;
      const to = mid + 5;
      const { items } = await walk<AuditEventJson>(`/audit/events?fromBlock=${mid}&toBlock=${to}`, 500);
      expect(positions(items)).to.deep.equal(positions(s.events.filter((e) => e.blockNumber >= mid && e.blockNumber <= to)));
      expect(items).not.to.be.empty;
    });

    it("filters by contract, by address in any case and by name", async function () {
      for (const [name, address] of Object.entries(s.c.deployment.contracts).filter(([n]) => n !== "DemoStablecoin")) {
        const expected = positions(s.events.filter((e) => e.contractName === name));
        expect(expected, name).not.to.be.empty;
        expect(positions((await walk<AuditEventJson>(`/audit/events?contract=${name}`, 500)).items), name).to.deep.equal(expected);
        expect(
          positions((await walk<AuditEventJson>(`/audit/events?contract=${address.toLowerCase()}`, 500)).items),
          address,
        ).to.deep.equal(expected);
        expect(
          positions((await walk<AuditEventJson>(`/audit/events?contract=0x${address.slice(2).toUpperCase()}`, 500)).items),
        ).to.deep.equal(expected);
      }
    });

    it("filters by event name", async function () {
      for (const event of ["SaleSettled", "SaleRefunded", "Withdrawn", "EvidenceAdded", "LicenceActivated"]) {
        const expected = positions(s.events.filter((e) => e.event === event));
        expect(expected, event).not.to.be.empty;
        expect(positions((await walk<AuditEventJson>(`/audit/events?event=${event}`, 500)).items), event).to.deep.equal(expected);
      }
      const settled = await walk<AuditEventJson>(`/audit/events?event=SaleSettled&contract=Settlement&fromBlock=0`, 50);
      expect(settled.items.length).to.equal(s.sales.length);
    });

    it("exports the trail as CSV: a header row and one line per event whose quoted JSON args parse back", async function () {
      const res = await get("/audit/events?format=csv");
      expect(res.statusCode).to.equal(200);
      expect(res.headers["content-type"]).to.match(/^text\/csv/);
      const rows = parseCsv(res.body);
      const header = rows[0]!;
      expect(header).to.include.members(["block_number", "log_index", "tx_hash", "contract", "event", "args"]);
      const json = (await walk<AuditEventJson>("/audit/events", 500)).items;
      expect(rows.length - 1).to.equal(json.length);
      expect(res.body.trimEnd().split("\n").length - 1).to.equal(json.length);
      const col = (name: string) => header.indexOf(name);
      const body = rows.slice(1);
      expect(body.every((row) => row.length === header.length)).to.be.true;
      expect(
        body.map((row) => [
          Number(row[col("block_number")]),
          Number(row[col("log_index")]),
          row[col("tx_hash")],
          row[col("contract")],
          row[col("event")],
        ]),
      ).to.deep.equal(s.events.map((e) => [e.blockNumber, e.logIndex, e.txHash, e.contract, e.event]));
      expect(body.map((row) => normalise(JSON.parse(row[col("args")]!)))).to.deep.equal(s.events.map((e) => e.args));
    });

    it("exports a filtered CSV with the same rows as the filtered JSON", async function () {
      const res = await get(`/audit/events?format=csv&event=SaleSettled&contract=${s.c.deployment.contracts.Settlement.toLowerCase()}`);
      expect(res.statusCode).to.equal(200);
      expect(parseCsv(res.body).length - 1).to.equal(s.sales.length);
    });
  });

  describe("GET /audit/sales/:saleId/verify", function () {
    it("verifies indexed sales against the chain, every check equal", async function () {
      const picks = [
        s.sales[0]!,
        s.sales.find((x) => x.status === "escrowed")!,
        s.sales.find((x) => x.status === "refunded")!,
        s.sales.at(-1)!,
      ];
      for (const x of picks) {
        const body = await getJson<VerificationJson>(`/audit/sales/${x.saleId}/verify`);
        expect(body.saleId).to.equal(x.saleId);
        expect(body.verified, JSON.stringify(body.checks)).to.be.true;
        expect(body.checks).not.to.be.empty;
        for (const c of body.checks) expect(c.equal, c.field).to.be.true;
        const fields = body.checks.map((c) => c.field);
        expect(fields).to.include.members([
          "grossAmount",
          "commissionAmount",
          "shares.rightsHolder",
          "shares.mcn",
          "shares.platform",
          "releaseAt",
          "blockHash",
        ]);
        expect(body.checks.find((c) => c.field === "grossAmount")!.onChain).to.equal(x.gross.toString());
      }
    });

    it("catches a tampered database row", async function () {
      const x = s.sales.find((y) => y.gross > 1_000n)!;
      const copy = path.join(s.dir, "tampered.db");
      const original = new Database(s.dbPath, { readonly: true });
      original.exec(`VACUUM INTO '${copy.replaceAll("'", "''")}'`);
      original.close();
      const writable = new Database(copy);
      expect(writable.prepare("UPDATE sales SET gross = '1' WHERE sale_id = ?").run(x.saleId).changes).to.equal(1);
      writable.close();
      const tampered = await build({ dbPath: copy, rpcUrl: s.chain.url });
      extraApps.push(tampered);
      const body = await getJson<VerificationJson>(`/audit/sales/${x.saleId}/verify`, tampered);
      expect(body.verified).to.be.false;
      expect(body.checks.find((c) => c.field === "grossAmount")).to.deep.equal({
        field: "grossAmount",
        indexed: "1",
        onChain: x.gross.toString(),
        equal: false,
      });
      expect(body.checks.filter((c) => !c.equal).map((c) => c.field)).to.deep.equal(["grossAmount"]);
      // the original is untouched
      expect((await getJson<VerificationJson>(`/audit/sales/${x.saleId}/verify`)).verified).to.be.true;
    });

    it("answers 503 when the API was built without an RPC URL", async function () {
      const offline = await build({ dbPath: s.dbPath });
      extraApps.push(offline);
      expectProblem(await get(`/audit/sales/${s.sales[0]!.saleId}/verify`, offline), 503);
    });

    it("answers 404 for a sale that was never settled", async function () {
      expectProblem(await get(`/audit/sales/0x${"ab".repeat(32)}/verify`), 404);
    });
  });

  // ---------------------------------------------------------------------------------------------- errors
  describe("errors", function () {
    const cursorOfLicences = b64([1]);
    const cases: [string, string, number, string?][] = [
      ["limit 0", "/sales?limit=0", 400, "limit"],
      ["limit 501", "/sales?limit=501", 400, "limit"],
      ["limit 0 on licences", "/licences?limit=0", 400, "limit"],
      ["limit 501 on disputes", "/disputes?limit=501", 400, "limit"],
      ["limit 501 on the trail", "/audit/events?limit=501", 400, "limit"],
      ["a non-numeric limit", "/sales?limit=ten", 400, "limit"],
      ["an unknown query parameter on sales", "/sales?foo=1", 400, "foo"],
      ["an unknown query parameter on licences", "/licences?foo=1", 400, "foo"],
      ["an unknown query parameter on disputes", "/disputes?foo=1", 400, "foo"],
      ["an unknown query parameter on the trail", "/audit/events?foo=1", 400, "foo"],
      ["a bad party address", "/parties/0x1234/payouts", 400, "address"],
      ["a bad MCN address", "/licences?mcn=0xnothex", 400, "mcn"],
      ["a bad rights holder address", `/licences?rightsHolder=0x${"g".repeat(40)}`, 400, "rightsHolder"],
      ["a bad sale party", "/sales?party=0x12", 400, "party"],
      ["a bad dispute party", "/disputes?party=alice", 400, "party"],
      ["a bad contract", "/audit/events?contract=Token", 400, "contract"],
      ["a bad saleId", "/sales/0x1234", 400, "saleId"],
      ["a bad saleId to verify", "/audit/sales/nothex/verify", 400, "saleId"],
      ["a bad saleId filter", "/disputes?saleId=0xzz", 400, "saleId"],
      ["a non-numeric licenceId", "/licences/abc", 400, "licenceId"],
      ["a zero licenceId", "/licences/0", 400, "licenceId"],
      ["a non-numeric licenceId filter", "/sales?licenceId=abc", 400, "licenceId"],
      ["a non-numeric licenceId filter on disputes", "/disputes?licenceId=one", 400, "licenceId"],
      ["a non-numeric disputeId", "/disputes/abc", 400, "disputeId"],
      ["a garbage cursor", "/sales?cursor=garbage!!", 400, "cursor"],
      ["a garbage cursor on licences", "/licences?cursor=%%%", 400, "cursor"],
      ["a base64 cursor of the wrong shape", `/sales?cursor=${b64({ block: 1 })}`, 400, "cursor"],
      ["a licences cursor on sales", `/sales?cursor=${cursorOfLicences}`, 400, "cursor"],
      ["a cursor of strings", `/licences?cursor=${b64(["x"])}`, 400, "cursor"],
      ["a negative cursor", `/disputes?cursor=${b64([-1])}`, 400, "cursor"],
      ["a wrong-shape cursor on the trail", `/audit/events?cursor=${b64([1, 2, 3])}`, 400, "cursor"],
      ["a bad sale status", "/sales?status=pending", 400, "status"],
      ["a bad licence status", "/licences?status=bogus", 400, "status"],
      ["a bad dispute status", "/disputes?status=closed", 400, "status"],
      ["a bad time", "/sales?from=yesterday", 400, "from"],
      ["a negative block", "/audit/events?fromBlock=-1", 400, "fromBlock"],
      ["a bad format", "/audit/events?format=xml", 400, "format"],
      ["format=csv with a cursor", `/audit/events?format=csv&cursor=${b64([1, 0])}`, 400, "cursor"],
      ["an unknown licence", "/licences/999", 404],
      ["an unknown sale", `/sales/0x${"ab".repeat(32)}`, 404],
      ["an unknown dispute", "/disputes/999", 404],
      ["an unknown route", "/nowhere", 404],
      ["an unknown nested route", "/sales/0x00/extra/path", 404],
    ];
    for (const [what, url, status, field] of cases) {
      it(`answers ${status} problem+json for ${what}`, async function () {
        expectProblem(await get(url), status, field);
      });
    }

    it("refuses unknown query parameters on routes that take none", async function () {
      const x = s.sales[0]!;
      for (const url of [`/licences/1?foo=1`, `/sales/${x.saleId}?foo=1`, `/parties/${s.address.mcn}/payouts?foo=1`, `/disputes/1?foo=1`]) {
        expectProblem(await get(url), 400, "foo");
      }
    });

    it("never answers 5xx or a stack trace to a malformed request", async function () {
      const huge = "9".repeat(30);
      for (const url of [
        "/sales?limit=5&limit=6",
        `/sales?party=${s.address.mcn}&party=${s.address.mcn2}`,
        `/licences/${huge}`,
        `/disputes/${huge}`,
        `/sales?licenceId=${huge}`,
        `/audit/events?fromBlock=${huge}`,
        `/sales?cursor=${b64([Number.MAX_SAFE_INTEGER + 2, 0])}`,
        `/sales?cursor=${"A".repeat(201)}`,
        "/sales?cursor=",
        "/licences?channel=",
        "/licences?channel=%E6%B7%98%E5%AE%9D",
        "/sales?from=2026-13-45T00:00:00Z",
        "/sales?status=%00",
        "/parties/%00/payouts",
        "/sales/..%2F..%2Fetc%2Fpasswd",
        "/audit/events?event=SaleSettled%27%20OR%201%3D1--",
      ]) {
        const res = await get(url);
        expect(res.statusCode, `${url}: ${res.body}`).to.be.within(200, 499);
        expectNoStack(res.body);
        if (res.statusCode >= 400) expect(res.headers["content-type"], url).to.match(/^application\/problem\+json/);
      }
    });

    it("answers an unknown method with a problem document", async function () {
      const res = await app.inject({ method: "DELETE", url: `/licences/${s.licence.A}` });
      expect(res.statusCode).to.be.oneOf([404, 405]);
      expect(res.headers["content-type"]).to.match(/^application\/problem\+json/);
      expectNoStack(res.body);
    });
  });

  // ------------------------------------------------------------------------------------------------ docs
  describe("GET /openapi.json", function () {
    it("is a valid OpenAPI document listing every route", async function () {
      const doc = await getJson<{ openapi: string; paths: Record<string, Record<string, unknown>> }>("/openapi.json");
      await SwaggerParser.validate(structuredClone(doc) as never);
      expect(doc.openapi).to.match(/^3\./);
      for (const route of [
        "/health",
        "/metrics",
        "/licences",
        "/licences/{licenceId}",
        "/sales",
        "/sales/{saleId}",
        "/parties/{address}/payouts",
        "/disputes",
        "/disputes/{disputeId}",
        "/audit/events",
        "/audit/sales/{saleId}/verify",
      ]) {
        expect(doc.paths, route).to.have.property(route);
        expect(doc.paths[route], route).to.have.property("get");
      }
    });
  });

  describe("GET /docs", function () {
    it("serves the Swagger UI", async function () {
      let res = await get("/docs");
      for (let hops = 0; res.statusCode >= 300 && res.statusCode < 400 && hops < 3; hops++) {
        const location = String(res.headers.location);
        res = await get(location.startsWith("/") ? location : `/docs/${location.replace(/^\.\//, "")}`);
      }
      expect(res.statusCode).to.equal(200);
      expect(res.headers["content-type"]).to.match(/^text\/html/);
      expect(res.body).to.match(/swagger-ui/i);
    });
  });
});

/** RFC 4180: quoted fields may hold commas, quotes (doubled) and newlines. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') ((field += '"'), i++);
      else quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") (row.push(field), (field = ""));
    else if (ch === "\n") (row.push(field), rows.push(row), (row = []), (field = ""));
    else if (ch !== "\r") field += ch;
  }
  if (field !== "" || row.length > 0) (row.push(field), rows.push(row));
  return rows;
}
