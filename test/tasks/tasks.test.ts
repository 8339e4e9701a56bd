/**
 * The reelsplit tasks, run with `hre.run` on the in-process Hardhat network against a deployment written
 * to a temporary file (`--deployment`): every action of the consortium's members in human units, the
 * exact shares, CSV batches, escrow, payouts, disputes, and the refusals explained in one sentence. One
 * test runs a task as the real command line, against this network served over JSON-RPC, to check what
 * the user sees: `error: <sentence>` on stderr and a non-zero exit.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { TASK_NODE_CREATE_SERVER } from "hardhat/builtin-tasks/task-names";
import type { JsonRpcServer } from "hardhat/types";
import { deployConsortium, type Deployment } from "../../scripts/lib/deployment";
import { EXPLANATIONS, type ExplainContext, errorFragments, explainRevertData } from "../../scripts/lib/explain";
import { TaskRefusal, setTaskOutput } from "../../scripts/lib/task-context";
import { formatAmount, parseAmount, parseDuration, parsePercent, parseSplit } from "../../scripts/lib/units";
import type { DemoStablecoin, DisputeRegistry, Settlement } from "../../typechain-types";

const { ethers } = hre;
const DAY = 86_400;

describe("tasks", function () {
  this.timeout(60_000);

  let dir: string;
  let deploymentFile: string;
  let deployment: Deployment;
  let settlement: Settlement;
  let disputes: DisputeRegistry;
  let token: DemoStablecoin;
  let signers: HardhatEthersSigner[];
  let out: string[];
  let restoreOutput: () => void;
  // account indexes of the consortium's members
  const ADMIN = 0,
    RIGHTS_HOLDER = 1,
    MCN = 2,
    PLATFORM = 3,
    ARBITER = 4,
    TAOBAO = 5,
    JD = 6,
    PDD = 7,
    OUTSIDER = 8;
  const addr = (i: number) => signers[i]!.address;

  /** Runs a task with `--deployment` and `--json`; checks the printed JSON is the returned result. */
  async function run(name: string, args: Record<string, unknown> = {}) {
    out.length = 0;
    const result = (await hre.run(name, { deployment: deploymentFile, json: true, ...args })) as Record<string, unknown>;
    expect(out, "one JSON document printed").to.have.length(1);
    const printed = JSON.parse(out[0]!) as Record<string, unknown>;
    expect(printed.task).to.equal(name);
    return { result, printed };
  }

  /** Runs a task in human mode and returns what it said. */
  async function say(name: string, args: Record<string, unknown> = {}) {
    out.length = 0;
    await hre.run(name, { deployment: deploymentFile, ...args });
    return out.join("\n");
  }

  /** Runs a task that must be refused; returns the refusal. */
  async function refused(name: string, args: Record<string, unknown>): Promise<TaskRefusal> {
    try {
      await hre.run(name, { deployment: deploymentFile, ...args });
    } catch (e) {
      if (e instanceof TaskRefusal) return e;
      throw e;
    }
    throw new Error(`${name} was not refused`);
  }

  before(async function () {
    signers = await ethers.getSigners();
    deployment = await deployConsortium(hre, { demoToken: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "reelsplit-tasks-"));
    deploymentFile = path.join(dir, "deployment.json");
    fs.writeFileSync(deploymentFile, JSON.stringify(deployment));
    settlement = (await ethers.getContractAt("Settlement", deployment.contracts.Settlement)) as unknown as Settlement;
    disputes = (await ethers.getContractAt("DisputeRegistry", deployment.contracts.DisputeRegistry)) as unknown as DisputeRegistry;
    token = (await ethers.getContractAt("DemoStablecoin", deployment.contracts.DemoStablecoin!)) as unknown as DemoStablecoin;
    out = [];
    restoreOutput = setTaskOutput({ out: (l) => void out.push(l), err: (l) => void out.push(l) });
  });

  after(function () {
    restoreOutput();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("units", function () {
    it("parses amounts, percentages, splits and durations exactly", function () {
      expect(parseAmount("199.00", 2)).to.equal(19_900n);
      expect(parseAmount("199", 2)).to.equal(19_900n);
      expect(parseAmount("0.5", 2)).to.equal(50n);
      expect(formatAmount(3_980n, 2, "dCNY")).to.equal("39.80 dCNY");
      expect(() => parseAmount("199.001", 2, "dCNY")).to.throw('"199.001" has 3 decimals but dCNY has only 2');
      expect(() => parseAmount("-1", 2)).to.throw("is not an amount");
      expect(parsePercent("20")).to.equal(2_000);
      expect(parsePercent("12.5")).to.equal(1_250);
      expect(parseSplit("12.5/37.5/50")).to.deep.equal({ rightsHolderBps: 1_250, mcnBps: 3_750, platformBps: 5_000 });
      expect(() => parseSplit("15/35/40")).to.throw("the split 15/35/40 sums to 90 %, not 100 %");
      expect(parseDuration("7d")).to.equal(7 * DAY);
      expect(parseDuration("1d12h")).to.equal(DAY + 12 * 3_600);
      expect(parseDuration("3600")).to.equal(3_600);
    });
  });

  describe("consortium admin", function () {
    it("member:grant grants each role by its friendly name, once", async function () {
      for (const [role, i] of [
        ["rights-holder", RIGHTS_HOLDER],
        ["mcn", MCN],
        ["platform", PLATFORM],
        ["arbiter", ARBITER],
      ] as const) {
        const { result } = await run("member:grant", { role, account: String(i) });
        expect(result).to.include({ role, account: addr(i), granted: true });
      }
      expect(await settlement.hasRole(await settlement.MCN_ROLE(), addr(MCN))).to.equal(true);
      expect(await say("member:grant", { role: "mcn", account: addr(MCN) })).to.equal(
        `${addr(MCN)} already holds the MCN role: nothing to do`,
      );
    });

    it("channel:add registers channels by name with their reporters", async function () {
      for (const [name, i, id] of [
        ["taobao", TAOBAO, 1],
        ["jd", JD, 2],
        ["pdd", PDD, 3],
      ] as const) {
        const { result, printed } = await run("channel:add", { name, reporter: String(i) });
        expect(result).to.include({ channelId: id, name, reporter: addr(i) });
        expect(printed.txHash).to.match(/^0x[0-9a-f]{64}$/);
      }
      expect(await settlement.channelIdByName("pdd")).to.equal(3n);
    });

    it("token:mint funds the channels in human units", async function () {
      for (const i of [TAOBAO, JD, PDD]) await run("token:mint", { to: String(i), amount: "1000000.00" });
      expect(await token.balanceOf(addr(TAOBAO))).to.equal(100_000_000n);
    });
  });

  describe("licences", function () {
    let contentFile: string;

    it("licence:register proposes 15/35/50 at 20 % from a content file", async function () {
      contentFile = path.join(dir, "the-return-of-the-heiress.mp4");
      fs.writeFileSync(contentFile, Buffer.from("a drama's master file, episode 1 to 80"));
      const { result, printed } = await run("licence:register", {
        from: String(RIGHTS_HOLDER),
        contentFile,
        mcn: addr(MCN),
        platform: addr(PLATFORM),
        split: "15/35/50",
        commission: "20",
        channels: "taobao,jd",
        days: "365",
      });
      expect(result).to.include({
        licenceId: 1n,
        status: "proposed",
        contentId: ethers.keccak256(fs.readFileSync(contentFile)),
        rightsHolderBps: 1_500,
        mcnBps: 3_500,
        platformBps: 5_000,
        commissionBps: 2_000,
        firstRegistration: true,
      });
      expect(result.channels).to.deep.equal(["taobao", "jd"]);
      expect(printed.licenceId).to.equal("1");
      expect((result.validUntil as bigint) - (result.validFrom as bigint)).to.equal(BigInt(365 * DAY));
    });

    it("licence:accept by the MCN and the platform makes it active", async function () {
      const mcn = await run("licence:accept", { from: String(MCN), licence: "1" });
      expect(mcn.result).to.include({ as: "mcn", active: false, status: "proposed" });
      const platform = await run("licence:accept", { from: String(PLATFORM), licence: "1" });
      expect(platform.result).to.include({ as: "platform", active: true, status: "active" });
    });

    it("licence:show shows the terms and consent", async function () {
      const { result } = await run("licence:show", { licence: "1" });
      expect(result).to.include({
        status: "active",
        mcnAccepted: true,
        platformAccepted: true,
        commissionBps: 2_000,
        rightsHolder: addr(RIGHTS_HOLDER),
      });
      const text = await say("licence:show", { licence: "1" });
      expect(text).to.include("Licence 1: active");
      expect(text).to.include("channels       taobao (1), jd (2)");
      // the deployment file may also come from the environment
      process.env.REELSPLIT_DEPLOYMENT = deploymentFile;
      try {
        const fromEnv = (await hre.run("licence:show", { licence: "1" })) as Record<string, unknown>;
        expect(fromEnv.status).to.equal("active");
      } finally {
        delete process.env.REELSPLIT_DEPLOYMENT;
      }
    });

    it("a 7-day-hold licence from a hex fingerprint, accepted the same way", async function () {
      const { result } = await run("licence:register", {
        from: String(RIGHTS_HOLDER),
        content: ethers.id("content:seven-day-drama"),
        mcn: String(MCN),
        platform: String(PLATFORM),
        split: "12.5/37.5/50",
        commission: "20",
        channels: "1,2,3",
        validUntil: new Date((await time.latest()) * 1000 + 30 * DAY * 1000).toISOString(),
        hold: "7d",
      });
      expect(result).to.include({ licenceId: 2n, holdSeconds: BigInt(7 * DAY), rightsHolderBps: 1_250 });
      await run("licence:accept", { from: String(MCN), licence: "2" });
      await run("licence:accept", { from: String(PLATFORM), licence: "2" });
      expect(await settlement.licenceStatus(2)).to.equal(2n);
    });
  });

  describe("sales", function () {
    it("sale:settle settles one order in human units with the exact shares", async function () {
      const { result, printed } = await run("sale:settle", { from: "taobao", licence: "1", order: "ORD-1001", gross: "199.00" });
      // 199.00 × 20 % = 39.80, split 15/35/50 → 5.97 / 13.93 / 19.90
      expect(result).to.include({
        gross: 19_900n,
        commission: 3_980n,
        rightsHolderShare: 597n,
        mcnShare: 1_393n,
        platformShare: 1_990n,
        status: "claimable",
        channel: "taobao",
        order: "ORD-1001",
      });
      expect(printed.formatted).to.deep.equal({
        gross: "199.00 dCNY",
        commission: "39.80 dCNY",
        rightsHolderShare: "5.97 dCNY",
        mcnShare: "13.93 dCNY",
        platformShare: "19.90 dCNY",
      });
      expect(printed.commission).to.equal("3980");
      expect((result.approval as { amount: bigint }).amount).to.equal(3_980n, "the vault was approved for exactly the commission");
      expect(await settlement.claimable(addr(MCN), await token.getAddress())).to.equal(1_393n);
      const text = await say("sale:settle", { from: "taobao", licence: "1", order: "ORD-1002", gross: "0.33" });
      expect(text).to.include("commission 0.06 dCNY: rights holder 0.00 dCNY, MCN 0.02 dCNY, platform 0.04 dCNY");
    });

    it("sale:settle --csv settles 450 orders in 3 batches with exact totals", async function () {
      const csv = path.join(dir, "orders.csv");
      const lines = ["licence,order,gross"];
      let gross = 0n;
      let commission = 0n;
      let rightsHolder = 0n;
      let mcn = 0n;
      for (let i = 0; i < 450; i++) {
        const g = BigInt(1 + ((i * 7919) % 50_000)); // 0.01 to 500.00 dCNY
        lines.push(`1,CSV-${i},${formatAmount(g, 2)}`);
        const c = (g * 2_000n) / 10_000n;
        gross += g;
        commission += c;
        rightsHolder += (c * 1_500n) / 10_000n;
        mcn += (c * 3_500n) / 10_000n;
      }
      fs.writeFileSync(csv, lines.join("\n") + "\n");
      const before = await token.balanceOf(addr(JD));
      const { result, printed } = await run("sale:settle", { from: String(JD), csv });
      const batches = result.batches as { orders: number }[];
      expect(batches.map((b) => b.orders)).to.deep.equal([200, 200, 50]);
      expect(result.orders).to.equal(450);
      expect(result.totals).to.deep.equal({
        gross,
        commission,
        rightsHolder,
        mcn,
        platform: commission - rightsHolder - mcn,
        escrowed: 0n,
      });
      expect((printed.totals as Record<string, string>).commission).to.equal(commission.toString());
      expect(result.saleIds).to.have.length(450);
      expect(before - (await token.balanceOf(addr(JD)))).to.equal(commission);

      // a configurable batch size, and --resume skips what is already settled
      fs.appendFileSync(csv, ["1,CSV-450,1.00", "1,CSV-451,2.00", "1,CSV-452,3.00"].join("\n") + "\n");
      const resumed = await run("sale:settle", { from: String(JD), csv, batchSize: "2", resume: true });
      expect(resumed.result).to.include({ orders: 3, skipped: 450 });
      expect((resumed.result.batches as unknown[]).length).to.equal(2);
    });

    let escrowedSale: string;

    it("sale:refund refunds an escrowed sale inside its hold window", async function () {
      const settled = await run("sale:settle", { from: "pdd", licence: "2", order: "ESC-1", gross: "100.00" });
      expect(settled.result).to.include({ status: "escrowed", commission: 2_000n });
      const { result } = await run("sale:refund", { from: "pdd", order: "ESC-1" });
      expect(result).to.include({ saleId: settled.result.saleId, amount: 2_000n, to: addr(PDD), channel: "pdd" });
      expect(await settlement.claimable(addr(PDD), await token.getAddress())).to.equal(2_000n);

      escrowedSale = (await run("sale:settle", { from: "pdd", licence: "2", order: "ESC-2", gross: "50.00" })).result.saleId as string;
      await run("sale:settle", { from: "pdd", licence: "2", order: "ESC-3", gross: "10.00" });
    });

    it("sale:release releases due sales after the window; a late refund is refused with the date", async function () {
      const early = await refused("sale:release", { sale: escrowedSale });
      expect(early.message).to.match(
        new RegExp(`^sale ${escrowedSale} stays in escrow until \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ \\(6 d 23 h`),
      );
      await time.increase(7 * DAY + 1);
      const late = await refused("sale:refund", { from: "pdd", sale: escrowedSale });
      expect(late.message).to.match(
        new RegExp(`^the refund window of sale ${escrowedSale} closed at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`),
      );
      const mcnBefore = await settlement.claimable(addr(MCN), await token.getAddress());
      const { result } = await run("sale:release", { due: true, licence: "2" });
      expect(result).to.include({ count: 2, commission: 1_200n });
      // 10.00 + 2.00 commission; MCN's 37.5 % of each, rounded down per sale
      expect((await settlement.claimable(addr(MCN), await token.getAddress())) - mcnBefore).to.equal(375n + 75n);
      expect(await say("sale:release", { due: true })).to.equal("No escrowed sale is due for release");
    });
  });

  describe("payouts", function () {
    it("payout:balance and payout:withdraw pay the MCN its whole balance", async function () {
      const owed = await settlement.claimable(addr(MCN), await token.getAddress());
      const balance = await run("payout:balance", { account: String(MCN) });
      expect(balance.result).to.include({ claimable: owed, wallet: 0n });
      expect(balance.printed.claimable).to.equal(owed.toString());
      const { result } = await run("payout:withdraw", { from: String(MCN) });
      expect(result).to.include({ amount: owed, account: addr(MCN), to: addr(MCN) });
      expect(await token.balanceOf(addr(MCN))).to.equal(owed);
      const again = await refused("payout:withdraw", { from: String(MCN) });
      expect(again.message).to.equal(`${addr(MCN)} has nothing to withdraw in dCNY`);
    });
  });

  describe("disputes", function () {
    it("dispute:open on an escrowed sale records the evidence file's hash and freezes the sale", async function () {
      const sale = await run("sale:settle", { from: "taobao", licence: "2", order: "DSP-1", gross: "80.00" });
      const evidenceFile = path.join(dir, "screenshots.pdf");
      fs.writeFileSync(evidenceFile, Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37, 0x0a, 0xff, 0x00]));
      const { result, printed } = await run("dispute:open", {
        from: String(PLATFORM),
        order: "DSP-1",
        channel: "taobao",
        reason: "misreported-sale",
        evidenceFile,
      });
      expect(result).to.include({ disputeId: 1n, kind: "sale", saleId: sale.result.saleId, frozen: true, reason: "misreported-sale" });
      expect(printed.evidence).to.equal(ethers.keccak256(fs.readFileSync(evidenceFile)));
      expect(await disputes.evidenceOf(1)).to.deep.equal([ethers.keccak256(fs.readFileSync(evidenceFile))]);
      const text = await say("dispute:evidence", { from: "taobao", dispute: "1", evidence: ethers.id("the channel's order log") });
      expect(text).to.include("the dispute now holds 2 pieces of evidence");
    });

    it("dispute:resolve upholds the sale dispute: its commission goes back to the channel", async function () {
      const before = await settlement.claimable(addr(TAOBAO), await token.getAddress());
      const { result } = await run("dispute:resolve", {
        from: String(ARBITER),
        dispute: "1",
        upheld: true,
        ruling: "Order DSP-1 was never paid.",
      });
      expect(result).to.include({ decision: "upheld", remedy: "none", ruling: ethers.id("Order DSP-1 was never paid.") });
      expect((result.effects as { event: string }[])[0]).to.include({ event: "SaleRefunded", amount: 1_600n });
      expect((await settlement.claimable(addr(TAOBAO), await token.getAddress())) - before).to.equal(1_600n);
    });

    it("a licence dispute: suspended by the arbiter, then rejected, which reinstates it", async function () {
      const rulingFile = path.join(dir, "ruling.txt");
      fs.writeFileSync(rulingFile, "The terms were kept.\n");
      const opened = await run("dispute:open", {
        from: String(MCN),
        licence: "1",
        reason: "terms-breach",
        evidence: ethers.id("mcn's claim"),
      });
      expect(opened.result).to.include({ disputeId: 2n, kind: "licence", licenceId: 1n });
      const suspended = await run("dispute:suspend", { from: String(ARBITER), dispute: "2" });
      expect(suspended.result).to.include({ licenceId: 1n });
      expect(await settlement.licenceStatus(1)).to.equal(4n);
      const noRemedy = await refused("dispute:resolve", { from: String(ARBITER), dispute: "2", upheld: true, rulingFile });
      expect(noRemedy.message).to.equal("dispute 2 is on a licence: an upheld ruling needs --remedy suspend or --remedy terminate");
      const { result } = await run("dispute:resolve", { from: String(ARBITER), dispute: "2", rejected: true, rulingFile });
      expect(result).to.include({ decision: "rejected", ruling: ethers.keccak256(fs.readFileSync(rulingFile)) });
      expect((result.effects as { event: string }[]).map((e) => e.event)).to.deep.equal(["LicenceReinstated"]);
      expect(await settlement.licenceStatus(1)).to.equal(2n);
    });
  });

  describe("refusals", function () {
    it("a channel out of the licence's scope: one sentence, exit code 1", async function () {
      const r = await refused("sale:settle", { from: "pdd", licence: "1", order: "PDD-1", gross: "10.00" });
      expect(r.message).to.equal("channel pdd is not in the scope of licence 1, which covers taobao and jd");
      expect(r.exitCode).to.equal(1);
    });

    it("a missing role names the role and the admin action that grants it", async function () {
      const r = await refused("licence:register", {
        from: String(OUTSIDER),
        content: ethers.id("content:someone-else"),
        mcn: String(MCN),
        platform: String(PLATFORM),
        split: "15/35/50",
        commission: "20",
        channels: "taobao",
        days: "30",
      });
      expect(r.message).to.equal(
        `${addr(OUTSIDER)} does not hold the rights-holder role: a consortium admin grants it with \`member:grant --role rights-holder --account ${addr(OUTSIDER)}\``,
      );
      const admin = await refused("channel:add", { from: String(OUTSIDER), name: "kuaishou", reporter: String(OUTSIDER) });
      expect(admin.message).to.equal(
        `${addr(OUTSIDER)} is not a consortium admin: only an admin may do this (the deployment's admin is ${addr(ADMIN)}: send with --from ${addr(ADMIN)})`,
      );
      const party = await refused("licence:register", {
        from: String(RIGHTS_HOLDER),
        content: ethers.id("content:x"),
        mcn: String(OUTSIDER),
        platform: String(PLATFORM),
        split: "15/35/50",
        commission: "20",
        channels: "taobao",
        days: "30",
      });
      expect(party.message).to.equal(
        `${addr(OUTSIDER)} cannot be named as the MCN of a licence: it does not hold the MCN role (a consortium admin grants it with \`member:grant --role mcn --account ${addr(OUTSIDER)}\`)`,
      );
    });

    it("bad input is refused before anything is sent, exit code 2", async function () {
      const block = await ethers.provider.getBlockNumber();
      const decimals = await refused("sale:settle", { from: "taobao", licence: "1", order: "ORD-X", gross: "199.001" });
      expect(decimals.message).to.equal('"199.001" has 3 decimals but dCNY has only 2: the smallest amount is 0.01 dCNY');
      expect(decimals.exitCode).to.equal(2);
      const split = await refused("licence:register", {
        from: String(RIGHTS_HOLDER),
        content: ethers.id("content:y"),
        mcn: String(MCN),
        platform: String(PLATFORM),
        split: "15/35/40",
        commission: "20",
        channels: "taobao",
        days: "30",
      });
      expect(split.message).to.equal("the split 15/35/40 sums to 90 %, not 100 %");
      const channel = await refused("licence:register", {
        from: String(RIGHTS_HOLDER),
        content: ethers.id("content:y"),
        mcn: String(MCN),
        platform: String(PLATFORM),
        split: "15/35/50",
        commission: "20",
        channels: "taobao,douyin",
        days: "30",
      });
      expect(channel.message).to.equal("there is no channel named douyin (channels: taobao (1), jd (2), pdd (3))");
      const wrongChain = path.join(dir, "other-chain.json");
      fs.writeFileSync(wrongChain, JSON.stringify({ ...deployment, chainId: 1337 }));
      const chain = await refused("licence:show", { licence: "1", deployment: wrongChain });
      expect(chain.message).to.equal(`${wrongChain} is a deployment on chain 1337, but network hardhat is chain 31337`);
      expect(await ethers.provider.getBlockNumber()).to.equal(block, "nothing was sent");
    });

    it("the commission band, the window and unknown ids are explained with their values", async function () {
      const base = { from: String(RIGHTS_HOLDER), mcn: String(MCN), platform: String(PLATFORM), split: "15/35/50", channels: "taobao" };
      const band = await refused("licence:register", { ...base, content: ethers.id("content:z"), commission: "30", days: "30" });
      expect(band.message).to.equal("a commission of 30 % is outside the consortium's band of 15 % to 25 %");
      const unknown = await refused("licence:accept", { from: String(MCN), licence: "99" });
      expect(unknown.message).to.equal("there is no licence 99 (licences run from 1 to 2)");
      const status = await refused("licence:accept", { from: String(MCN), licence: "1" });
      expect(status.message).to.equal("licence 1 is active, which does not allow this");
      const dispute = await refused("dispute:evidence", { from: String(MCN), dispute: "9", evidence: ethers.id("e") });
      expect(dispute.message).to.equal("there is no dispute 9 (disputes run from 1 to 2)");
    });

    it("every custom error of the ABIs has an explanation, and each explains sample values", async function () {
      const fragments = await errorFragments(hre);
      const names = fragments.map((f) => f.name);
      expect(names).to.include.members([
        "LicenceRegistryChannelNotInScope",
        "AccessControlUnauthorizedAccount",
        "EnforcedPause",
        "ERC20InsufficientBalance",
      ]);
      const missing = names.filter((n) => !(n in EXPLANATIONS));
      expect(missing, "errors without an explanation").to.deep.equal([]);
      expect(
        Object.keys(EXPLANATIONS).filter((n) => !names.includes(n)),
        "explanations of errors no ABI has",
      ).to.deep.equal([]);

      const iface = new ethers.Interface(fragments);
      const ctx: ExplainContext = { provider: ethers.provider, settlement, disputes, defaultToken: await token.getAddress() };
      const sample = (type: string): unknown => {
        if (type === "address") return addr(OUTSIDER);
        if (type === "bytes32") return ethers.id("sample");
        if (type === "string") return "Sample!";
        if (type === "bool") return true;
        if (type === "uint8") return 1;
        return 2n;
      };
      for (const f of fragments) {
        const data = iface.encodeErrorResult(
          f,
          f.inputs.map((p) => sample(p.type)),
        );
        const sentence = await explainRevertData(data, iface, ctx);
        expect(sentence, f.name).to.be.a("string").and.not.equal("");
        expect(sentence, f.name).not.to.match(/undefined|NaN|\[object|refused with (an error this tool|[A-Z])/);
      }
    });
  });

  describe("command line", function () {
    let server: JsonRpcServer;

    after(async function () {
      await server?.close();
    });

    it("prints `error: <sentence>` to stderr and exits 1 for a refused transaction", async function () {
      server = (await hre.run(TASK_NODE_CREATE_SERVER, {
        hostname: "127.0.0.1",
        port: 0,
        provider: hre.network.provider,
      })) as JsonRpcServer;
      const { port } = await server.listen();
      const hardhat = path.join(__dirname, "..", "..", "node_modules", ".bin", "hardhat");
      const args = [
        "--network",
        "localhost",
        "sale:settle",
        "--deployment",
        deploymentFile,
        "--from",
        "pdd",
        "--licence",
        "1",
        "--order",
        "CLI-1",
        "--gross",
        "10.00",
      ];
      const child = spawn(hardhat, args, {
        cwd: path.join(__dirname, "..", ".."),
        env: { ...process.env, RPC_URL: `http://127.0.0.1:${port}`, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      expect(stderr).to.equal("error: channel pdd is not in the scope of licence 1, which covers taobao and jd\n");
      expect(stdout).to.equal("");
      expect(code).to.equal(1);
    });
  });
});
