/**
 * A consortium started empty (`npm start -- --no-demo`) and run with the Hardhat tasks only, as a user at a
 * terminal would: admit the members, add channels, register and accept a licence, settle sales, be refused
 * in words, dispute, withdraw — and see each step in the API, verified against the chain.
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ethers } from "ethers";
import { getJson, hardhatTask, readLog, startStack, within, workspace, type StartedStack, type TaskResult } from "./process";

describe("npm start --no-demo, driven by the Hardhat tasks", function () {
  this.timeout(300_000);
  const ws = workspace();
  let stack: StartedStack;
  const accounts: string[] = [];
  const task = (name: string, ...args: string[]) => hardhatTask(stack, ws, name, args);
  const ok = async (name: string, ...args: string[]) => {
    const r = await task(name, ...args, "--json");
    expect(r.code, `${name} ${args.join(" ")}\n${r.stderr}`).to.equal(0);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  let saleId: string;
  let evidenceFile: string;

  before(async () => {
    stack = await startStack(["--no-demo"], ws);
    const provider = new ethers.JsonRpcProvider(stack.rpcUrl);
    accounts.push(...((await provider.send("eth_accounts", [])) as string[]).map((a) => ethers.getAddress(a)));
    provider.destroy();
    evidenceFile = path.join(ws.dir, "terms-breach.pdf");
    fs.writeFileSync(evidenceFile, "the platform ran the drama on an unlicensed mini-program");
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(stack?.output(), readLog(ws));
  });
  after(async () => {
    await stack?.stop();
    ws.remove();
  });

  it("starts empty: the contracts are deployed, nothing is registered", async () => {
    expect(stack.output()).to.include("Press Ctrl-C to stop.");
    expect((await getJson(stack, "/licences")).body).to.deep.include({ items: [] });
  });

  it("admits the members, adds the channels and funds their reporters", async () => {
    await Promise.all([
      ok("member:grant", "--role", "rights-holder", "--account", "1"),
      ok("member:grant", "--role", "mcn", "--account", "3"),
      ok("member:grant", "--role", "platform", "--account", "5"),
      ok("member:grant", "--role", "arbiter", "--account", "7"),
      ok("channel:add", "--name", "taobao", "--reporter", "8"),
      ok("channel:add", "--name", "pdd", "--reporter", "10"),
      ok("token:mint", "--to", "8", "--amount", "10000.00"),
      ok("token:mint", "--to", "10", "--amount", "10000.00"),
    ]);
  });

  it("registers the brief's 15/35/50 licence on taobao only; the MCN and the platform accept it", async () => {
    const contentFile = path.join(ws.dir, "drama-master.mp4");
    fs.writeFileSync(contentFile, "episode 1 … 80");
    const registered = await ok(
      "licence:register",
      ...["--from", "1", "--content-file", contentFile, "--mcn", "3", "--platform", "5"],
      ...["--split", "15/35/50", "--commission", "20", "--channels", "taobao", "--days", "365"],
    );
    expect(String(registered.licenceId)).to.equal("1");
    await ok("licence:accept", "--licence", "1", "--from", "3");
    await ok("licence:accept", "--licence", "1", "--from", "5");
    const licence = await within(2_000, "licence 1 active in the API", async () => {
      const { body } = await getJson<{ status: string; contentId: string }>(stack, "/licences/1");
      return body.status === "active" ? body : undefined;
    });
    expect(licence.contentId).to.equal(ethers.keccak256(fs.readFileSync(contentFile)));
  });

  it("settles a sale from taobao, which the API shows within two seconds with the exact shares", async () => {
    const settled = await ok("sale:settle", "--from", "taobao", "--licence", "1", "--order", "TB-20261202-0001", "--gross", "199.00");
    saleId = String(settled.saleId);
    const seenAfter = Date.now();
    const sale = await within(2_000, "the sale in the API", async () => {
      const r = await getJson<{ commissionAmount: string; shares: Record<string, string>; status: string }>(stack, `/sales/${saleId}`);
      return r.status === 200 ? r.body : undefined;
    });
    expect(Date.now() - seenAfter).to.be.lessThan(2_000);
    expect(sale.commissionAmount).to.equal("3980"); // 39.80 dCNY: 20 % of 199.00
    expect(sale.shares).to.deep.equal({ rightsHolder: "597", mcn: "1393", platform: "1990" });
    expect(sale.status).to.equal("claimable");
  });

  it("refuses a sale from pdd, which the licence does not allow, in one sentence and a non-zero exit", async () => {
    const r: TaskResult = await task("sale:settle", "--from", "pdd", "--licence", "1", "--order", "PDD-1", "--gross", "59.90");
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal("");
    expect(r.stderr).to.equal("error: channel pdd is not in the scope of licence 1, which covers taobao\n");
  });

  it("opens a dispute with an evidence file, and the arbiter resolves it", async () => {
    const opened = await ok("dispute:open", "--from", "5", "--licence", "1", "--reason", "terms-breach", "--evidence-file", evidenceFile);
    const disputeId = String(opened.disputeId);
    await ok(
      "dispute:resolve",
      "--from",
      "7",
      "--dispute",
      disputeId,
      "--rejected",
      "--ruling",
      "the mini-program is the platform's own app",
    );
    const dispute = await within(2_000, "the ruling in the API", async () => {
      const r = await getJson<{ status: string; evidence: { hash: string }[]; ruling: string }>(stack, `/disputes/${disputeId}`);
      return r.body.status === "rejected" ? r.body : undefined;
    });
    expect(dispute.evidence.map((e) => e.hash)).to.deep.equal([ethers.keccak256(fs.readFileSync(evidenceFile))]);
    expect(dispute.ruling).to.equal(ethers.id("the mini-program is the platform's own app"));
  });

  it("lets the MCN withdraw its share, and its payouts show it withdrawn", async () => {
    const withdrawn = await ok("payout:withdraw", "--from", "3");
    expect(String(withdrawn.amount)).to.equal("1393");
    const payouts = await within(2_000, "the withdrawal in the API", async () => {
      const r = await getJson<{ tokens: { withdrawn: string; claimable: string }[] }>(stack, `/parties/${accounts[3]}/payouts`);
      return r.body.tokens[0]?.withdrawn === "1393" ? r.body : undefined;
    });
    expect(payouts.tokens[0]!.claimable).to.equal("0");
  });

  it("verifies the sale against the chain through the API", async () => {
    const { status, body } = await getJson<{ verified: boolean; checks: { field: string; equal: boolean }[] }>(
      stack,
      `/audit/sales/${saleId}/verify`,
    );
    expect(status).to.equal(200);
    expect(body.verified).to.equal(true);
    expect(body.checks.length).to.be.greaterThan(5);
    expect(body.checks.every((c) => c.equal)).to.equal(true);
  });
});
