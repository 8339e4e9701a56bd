/**
 * `npm start` with its demo, as a newcomer runs it: the seeded consortium must be there and alive, Ctrl-C
 * must stop everything, and a second start (a fresh chain) must start the database over rather than crash.
 */
import { expect } from "chai";
import { DEMO_LICENCES } from "../../scripts/lib/demo";
import { getJson, readLog, startStack, within, workspace, type StartedStack } from "./process";

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
interface Licence {
  licenceId: number;
  status: string;
  splitBps: { rightsHolder: number; mcn: number; platform: number };
  commissionBps: number;
  holdSeconds: number;
  channels: { name: string }[];
  accepted: { mcn: boolean; platform: boolean };
}
interface Sale {
  saleId: string;
  status: string;
  blockNumber: number;
}

describe("npm start (demo)", function () {
  this.timeout(240_000);
  const ws = workspace();
  let stack: StartedStack;

  before(async () => {
    stack = await startStack(["--sales-per-second", "4"], ws);
  });
  afterEach(function () {
    // On failure, show what the user would have seen, and the stack's own log.
    if (this.currentTest?.state === "failed") console.log(stack?.output(), readLog(ws));
  });
  after(async () => {
    await stack?.stop();
    ws.remove();
  });

  it("prints the API, docs and dashboard URLs, every account with its role, and one example request per role", () => {
    const out = stack.output();
    expect(out).to.include(`API        ${stack.apiUrl}`);
    expect(out).to.include(`API docs   ${stack.apiUrl}/docs`);
    expect(out).to.include(`Dashboard  ${stack.apiUrl}/`);
    for (const role of ["consortium admin", "rights holder", "MCN", "platform", "arbiter", "channel reporter · pdd"])
      expect(out).to.include(role);
    for (const role of ["rights holder  curl", "MCN            curl", "auditor        curl"]) expect(out).to.include(role);
  });

  it("seeds the four licences: the brief's 15/35/50, a 7-day hold, one not allowed on pdd, one waiting for consent", async () => {
    const { body } = await getJson<Page<Licence>>(stack, "/licences?limit=10");
    expect(body.items.map((l) => l.licenceId)).to.deep.equal([1, 2, 3, 4]);
    body.items.forEach((l, i) => {
      const seeded = DEMO_LICENCES[i]!;
      expect(l.splitBps).to.deep.equal({ rightsHolder: seeded.split[0], mcn: seeded.split[1], platform: seeded.split[2] });
      expect(l.commissionBps).to.equal(seeded.commissionBps);
      expect(l.channels.map((c) => c.name)).to.deep.equal(seeded.channels);
    });
    const [brief, held, noPdd, pending] = body.items as [Licence, Licence, Licence, Licence];
    expect(brief.splitBps).to.deep.equal({ rightsHolder: 1500, mcn: 3500, platform: 5000 });
    expect(held.holdSeconds).to.equal(7 * 86_400);
    expect(noPdd.channels.map((c) => c.name)).to.not.include("pdd");
    expect(pending.status).to.equal("proposed");
    expect(pending.accepted).to.deep.equal({ mcn: true, platform: false });
    expect([brief, held, noPdd].map((l) => l.status)).to.deep.equal(["active", "active", "active"]);
  });

  it("has a refund inside the hold window, a dispute opened, evidenced and resolved, and an MCN's withdrawal", async () => {
    const refunded = await getJson<Page<Sale>>(stack, "/sales?status=refunded");
    expect(refunded.body.items).to.have.length(1);
    const disputes = await getJson<Page<{ status: string; evidence: unknown[]; ruling: string | null }>>(stack, "/disputes");
    expect(disputes.body.items).to.have.length(1);
    expect(disputes.body.items[0]!.evidence).to.have.length(2);
    expect(disputes.body.items[0]!.status).to.equal("rejected");
    expect(disputes.body.items[0]!.ruling).to.match(/^0x[0-9a-f]{64}$/);
    const mcn = stack.output().match(/ 3 {2}(0x[0-9a-fA-F]{40}) {2}MCN/)![1]!;
    const payouts = await getJson<{ tokens: { withdrawn: string }[] }>(stack, `/parties/${mcn}/payouts`);
    expect(BigInt(payouts.body.tokens[0]!.withdrawn)).to.be.greaterThan(0n);
  });

  it("keeps settling a steady stream of sales, single and batched, that the API shows as they happen", async () => {
    const head = async () => (await getJson<{ indexedBlock: number }>(stack, "/health")).body.indexedBlock;
    const before = await head();
    const count = async () => (await getJson<Page<Sale>>(stack, "/sales?limit=200")).body.items.length;
    const salesBefore = await count();
    await within(20_000, "five more blocks of sales indexed", async () => ((await head()) >= before + 5 ? true : undefined));
    expect(await count()).to.be.greaterThan(salesBefore);
  });

  it("stops cleanly on Ctrl-C, and a second start on the same database begins again from the fresh chain", async () => {
    expect(await stack.stop()).to.equal(0);
    stack = await startStack(["--no-demo"], ws);
    const health = await within(10_000, "the new indexer healthy", async () => {
      const h = await getJson<{ status: string }>(stack, "/health");
      return h.status === 200 ? h.body : undefined;
    });
    expect(health.status).to.equal("ok");
    const { body } = await getJson<Page<Licence>>(stack, "/licences");
    expect(body.items).to.deep.equal([]); // the old chain's licences are gone with it
  });
});
