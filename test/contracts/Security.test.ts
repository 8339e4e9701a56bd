/**
 * The security review of issue #7, as tests: one `describe` per failure class of split and escrow
 * contracts, named exactly as the class's section in docs/security.md, which also cites the tests of the
 * other files that prove the class. The last block reads docs/security.md and fails if it cites a test
 * that does not exist, so the review cannot drift from the suite.
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ParamType } from "ethers";
import {
  BPS,
  DAY,
  activeLicence,
  deployConsortium,
  deployWithLicences,
  exampleTerms,
  expectVaultBalanced,
  ids,
  saleIdOf,
} from "./fixtures";
import type { Consortium } from "./fixtures";

type World = Awaited<ReturnType<typeof deployWithLicences>>;

const SaleStatus = { None: 0n, Escrowed: 1n, Frozen: 2n, Claimable: 3n, Refunded: 4n } as const;
const LicenceStatus = { Proposed: 1n, Active: 2n, Superseded: 3n, Cancelled: 6n } as const;
const Reason = { RefundAbuse: 4 } as const;
const Remedy = { None: 0 } as const;

/** 199.00 dCNY at 20 % is 39.80 of commission, split 15 / 35 / 50. */
const GROSS = 19_900n;
const COMMISSION = 3_980n;
const SHARES = { rightsHolder: 597n, mcn: 1_393n, platform: 1_990n } as const;
const HOLD = 7 * DAY;
const MAX_HOLD = 90 * DAY;
const MAX_UINT128 = 2n ** 128n - 1n;
const EVIDENCE = ids.evidence("security-review");
const RULING = ethers.id("ruling:security-review");

const ROOT = path.resolve(__dirname, "..", "..");

/** What a sale of `gross` pays each party, computed independently of the contract. */
function expectedSplit(gross: bigint, rightsHolderBps = 1500n, mcnBps = 3500n, commissionBps = 2000n) {
  const commission = (gross * commissionBps) / BPS;
  const rightsHolder = (commission * rightsHolderBps) / BPS;
  const mcn = (commission * mcnBps) / BPS;
  return { commission, rightsHolder, mcn, platform: commission - rightsHolder - mcn };
}

/** Settles one sale as `reporter` (taobao by default) in `token` (dCNY by default); returns its id. */
async function sell(c: World, licenceId: bigint, name: string, gross = GROSS, reporter = c.accounts.taobao, token?: string) {
  const orderRef = ids.order(name);
  const channelId = Number(await c.settlement.channelOfReporter(reporter.address));
  await c.settlement.connect(reporter).settleSale(licenceId, orderRef, token ?? (await c.token.getAddress()), gross);
  return saleIdOf(channelId, orderRef);
}

/** Claimable balances of `accounts` in `token` (dCNY by default), in order. */
async function claimables(c: Pick<Consortium, "settlement" | "token">, accounts: { address: string }[], token?: string): Promise<bigint[]> {
  const t = token ?? (await c.token.getAddress());
  return Promise.all(accounts.map((a) => c.settlement.claimable(a.address, t)));
}

/** Allows `token` on the vault, mints `amount` to taobao and has taobao approve the vault without limit. */
async function fundTaobao(
  c: World,
  token: { getAddress(): Promise<string>; mint(to: string, amount: bigint): Promise<unknown> },
  amount = 10n ** 12n,
) {
  const address = await token.getAddress();
  await c.settlement.connect(c.accounts.admin).allowToken(address);
  await token.mint(c.accounts.taobao.address, amount);
  const erc20 = await ethers.getContractAt("IERC20", address);
  await erc20.connect(c.accounts.taobao).approve(c.settlement, ethers.MaxUint256);
  return address;
}

/** Lets `account` act as the dispute registry (DISPUTE_REGISTRY_ROLE), as the registry contract would. */
async function asRegistry(c: World, account: HardhatEthersSigner) {
  await c.settlement.connect(c.accounts.admin).grantRole(await c.settlement.DISPUTE_REGISTRY_ROLE(), account.address);
  return c.settlement.connect(account);
}

/** The Solidity sources of the deployed contracts (everything under contracts/ but the test mocks). */
function contractSources(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "test") walk(full);
      } else if (entry.name.endsWith(".sol")) {
        out.set(path.relative(ROOT, full), fs.readFileSync(full, "utf8"));
      }
    }
  };
  walk(path.join(ROOT, "contracts"));
  return out;
}

/** `file:function` for every line of the contract sources that contains `needle`. */
function usesOf(needle: string): string[] {
  const uses = new Set<string>();
  for (const [file, source] of contractSources()) {
    let fn = "(contract level)";
    for (const line of source.split("\n")) {
      const decl = /^\s*(?:function|modifier|constructor)\s*(\w*)/.exec(line);
      if (decl) fn = decl[1] || "constructor";
      if (line.includes(needle) && !line.trim().startsWith("//") && !line.trim().startsWith("///")) {
        uses.add(`${path.basename(file)}:${fn}`);
      }
    }
  }
  return [...uses].sort();
}

describe("Security", function () {
  describe("rounding dust", function () {
    it("leaves no dust in the vault once every sale is released and every party has withdrawn", async function () {
      const c = await loadFixture(deployWithLicences);
      const { taobao, rightsHolder, mcn, platform } = c.accounts;
      const amounts = [1n, 4n, 7n, 33n, 99n, 101n, 333n, 1_001n, 19_901n, 77_777n, 123_457n, 9_999_999n];
      const paidBefore = await c.token.balanceOf(taobao.address);
      const escrowed: string[] = [];
      let commission = 0n;
      for (const [i, gross] of amounts.entries()) {
        const licenceId = i % 2 === 0 ? c.instantLicenceId : c.escrowLicenceId;
        const saleId = await sell(c, licenceId, `dust-${i}`, gross);
        if (licenceId === c.escrowLicenceId) escrowed.push(saleId);
        commission += expectedSplit(gross).commission;
      }
      expect(paidBefore - (await c.token.balanceOf(taobao.address))).to.equal(commission);
      await time.increase(HOLD);
      await c.settlement.releaseSales(escrowed);
      let withdrawn = 0n;
      for (const party of [rightsHolder, mcn, platform]) {
        const amount = await c.settlement.claimable(party.address, c.token);
        withdrawn += amount;
        await c.settlement.connect(party).withdraw(c.token, party.address);
      }
      expect(withdrawn).to.equal(commission);
      expect(await c.token.balanceOf(c.settlement)).to.equal(0n);
      await expectVaultBalanced(c);
    });

    it("splitting an order in two saves the channel at most one unit of commission", async function () {
      const harness = await ethers.deployContract("SplitMathHarness");
      let seed = 0x2545f491n;
      const next = () => (seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n) % 10_000_000n;
      for (const bps of [1500n, 2000n, 2500n]) {
        for (let i = 0; i < 24; i++) {
          const [a, b] = [next() + 1n, next() + 1n];
          const whole = await harness.commission(a + b, bps);
          const parts = (await harness.commission(a, bps)) + (await harness.commission(b, bps));
          expect(whole - parts, `${a} + ${b} at ${bps} bps`).to.be.oneOf([0n, 1n]);
        }
      }
    });
  });

  describe("reentrancy", function () {
    /** A reentrant token allowed and funded, with an instant and an escrowed 199.00 sale settled in it. */
    async function withReentrantToken() {
      const c = await deployWithLicences();
      const ree = await ethers.deployContract("ReentrantToken");
      const token = await fundTaobao(c, ree);
      await sell(c, c.instantLicenceId, "ree-instant", GROSS, c.accounts.taobao, token);
      const escrowSaleId = await sell(c, c.escrowLicenceId, "ree-escrow", GROSS, c.accounts.taobao, token);
      return { ...c, ree, reeAddress: token, escrowSaleId };
    }

    it("a view read from inside a withdrawal's transfer already shows the withdrawn balance at zero (read-only reentrancy)", async function () {
      const c = await loadFixture(withReentrantToken);
      const { mcn } = c.accounts;
      expect(await c.settlement.claimable(mcn.address, c.ree)).to.equal(SHARES.mcn);
      await c.ree.arm(c.settlement, c.settlement.interface.encodeFunctionData("claimable", [mcn.address, c.reeAddress]));
      await expect(c.settlement.connect(mcn).withdraw(c.ree, mcn.address)).to.changeTokenBalance(c.ree, mcn, SHARES.mcn);
      expect(await c.ree.reentered()).to.equal(true);
      const [seen] = ethers.AbiCoder.defaultAbiCoder().decode(["uint256"], await c.ree.reentryError());
      expect(seen).to.equal(0n);
      await expectVaultBalanced(c, c.reeAddress);
    });

    it("a release made from inside a withdrawal's transfer keeps the books exact (cross-function reentrancy)", async function () {
      const c = await loadFixture(withReentrantToken);
      const { mcn } = c.accounts;
      await time.increase(HOLD);
      await c.ree.arm(c.settlement, c.settlement.interface.encodeFunctionData("releaseSales", [[c.escrowSaleId]]));
      await expect(c.settlement.connect(mcn).withdraw(c.ree, mcn.address)).to.changeTokenBalance(c.ree, mcn, SHARES.mcn);
      expect(await c.ree.reentered()).to.equal(true);
      expect((await c.settlement.getSale(c.escrowSaleId)).status).to.equal(SaleStatus.Claimable);
      // the withdrawal paid the first share; the release, made during it, credited the second
      expect(await c.settlement.claimable(mcn.address, c.ree)).to.equal(SHARES.mcn);
      await expectVaultBalanced(c, c.reeAddress);
    });
  });

  describe("fee-on-transfer and non-standard tokens", function () {
    it("settles, refunds and pays out a token whose transfers return nothing (USDT)", async function () {
      const c = await loadFixture(deployWithLicences);
      const { taobao, mcn } = c.accounts;
      const usdt = await ethers.deployContract("NoReturnToken");
      const token = await fundTaobao(c, usdt);
      await sell(c, c.instantLicenceId, "usdt-instant", GROSS, taobao, token);
      const escrowed = await sell(c, c.escrowLicenceId, "usdt-escrow", GROSS, taobao, token);
      expect(await usdt.balanceOf(c.settlement)).to.equal(2n * COMMISSION);
      await c.settlement.connect(taobao).refundSale(escrowed);
      await expect(c.settlement.connect(mcn).withdraw(token, mcn.address)).to.changeTokenBalances(
        usdt,
        [c.settlement, mcn],
        [-SHARES.mcn, SHARES.mcn],
      );
      await expect(c.settlement.connect(taobao).withdraw(token, taobao.address)).to.changeTokenBalances(
        usdt,
        [c.settlement, taobao],
        [-COMMISSION, COMMISSION],
      );
      await expectVaultBalanced(c, token);
    });

    it("refuses a settlement whose transferFrom returns false, and records nothing", async function () {
      const c = await loadFixture(deployWithLicences);
      const { taobao, mcn } = c.accounts;
      const falsy = await ethers.deployContract("FalseReturnToken");
      const token = await fundTaobao(c, falsy);
      await falsy.setRefusing(true);
      const ref = ids.order("false-pull");
      await expect(c.settlement.connect(taobao).settleSale(c.instantLicenceId, ref, token, GROSS))
        .to.be.revertedWithCustomError(c.settlement, "SafeERC20FailedOperation")
        .withArgs(token);
      await expect(c.settlement.getSale(saleIdOf(c.channel.taobao, ref))).to.be.revertedWithCustomError(
        c.settlement,
        "SettlementUnknownSale",
      );
      expect(await c.settlement.claimable(mcn.address, token)).to.equal(0n);
      await expectVaultBalanced(c, token);
    });

    it("keeps the balance of a withdrawal whose transfer returns false", async function () {
      const c = await loadFixture(deployWithLicences);
      const { taobao, mcn } = c.accounts;
      const falsy = await ethers.deployContract("FalseReturnToken");
      const token = await fundTaobao(c, falsy);
      await sell(c, c.instantLicenceId, "false-push", GROSS, taobao, token);
      await falsy.setRefusing(true);
      await expect(c.settlement.connect(mcn).withdraw(token, mcn.address))
        .to.be.revertedWithCustomError(c.settlement, "SafeERC20FailedOperation")
        .withArgs(token);
      expect(await c.settlement.claimable(mcn.address, token)).to.equal(SHARES.mcn);
      await falsy.setRefusing(false);
      await expect(c.settlement.connect(mcn).withdraw(token, mcn.address)).to.changeTokenBalance(falsy, mcn, SHARES.mcn);
      await expectVaultBalanced(c, token);
    });

    it("settles an 18-decimal token exactly at a billion-token order", async function () {
      const c = await loadFixture(deployWithLicences);
      const { taobao, rightsHolder, mcn, platform } = c.accounts;
      const dec18 = await ethers.deployContract("DecimalsToken", [18]);
      const token = await fundTaobao(c, dec18, 10n ** 30n);
      const gross = 10n ** 9n * 10n ** 18n;
      const split = expectedSplit(gross);
      expect(split).to.deep.equal({
        commission: 2n * 10n ** 26n,
        rightsHolder: 3n * 10n ** 25n,
        mcn: 7n * 10n ** 25n,
        platform: 10n ** 26n,
      });
      await sell(c, c.instantLicenceId, "a-billion", gross, taobao, token);
      expect(await claimables(c, [rightsHolder, mcn, platform], token)).to.deep.equal([split.rightsHolder, split.mcn, split.platform]);
      for (const party of [rightsHolder, mcn, platform]) await c.settlement.connect(party).withdraw(token, party.address);
      expect(await dec18.balanceOf(c.settlement)).to.equal(0n);
    });

    it("does not detect a rebase between transactions, so rebasing tokens must never be allowed (residual)", async function () {
      const c = await loadFixture(deployWithLicences);
      const { taobao, rightsHolder, mcn, platform } = c.accounts;
      const reb = await ethers.deployContract("RebasingToken");
      const token = await fundTaobao(c, reb);
      // the pull itself is exact, so the settlement goes through
      await sell(c, c.instantLicenceId, "rebasing", GROSS, taobao, token);
      await expectVaultBalanced(c, token);
      // a 10 % negative rebase shrinks the vault's balance behind the ledger's back
      await reb.rebase(9n * 10n ** 17n);
      expect(await reb.balanceOf(c.settlement)).to.equal((COMMISSION * 9n) / 10n);
      await c.settlement.connect(rightsHolder).withdraw(token, rightsHolder.address);
      await c.settlement.connect(mcn).withdraw(token, mcn.address);
      // the last party to withdraw is short
      await expect(c.settlement.connect(platform).withdraw(token, platform.address)).to.be.revertedWithCustomError(
        reb,
        "RebasingTokenInsufficient",
      );
      expect(await c.settlement.claimable(platform.address, token)).to.equal(SHARES.platform);
    });
  });

  describe("blocklisting tokens", function () {
    it("a ruling that refunds a sale to a blocklisted channel goes through, and the channel withdraws elsewhere", async function () {
      const c = await loadFixture(deployWithLicences);
      const { taobao, mcn, arbiter, outsider, rightsHolder } = c.accounts;
      const blk = await ethers.deployContract("BlocklistToken");
      const token = await fundTaobao(c, blk);
      await sell(c, c.instantLicenceId, "blk-paid", GROSS, taobao, token);
      const disputed = await sell(c, c.escrowLicenceId, "blk-disputed", GROSS, taobao, token);
      await c.disputes.connect(mcn).openSaleDispute(disputed, Reason.RefundAbuse, EVIDENCE);
      await blk.setBlocked(taobao.address, true);
      await expect(c.disputes.connect(arbiter).resolve(1n, true, RULING, Remedy.None))
        .to.emit(c.settlement, "SaleRefunded")
        .withArgs(disputed, c.escrowLicenceId, taobao.address, COMMISSION, 1n);
      await expect(c.settlement.connect(taobao).withdraw(token, taobao.address))
        .to.be.revertedWithCustomError(blk, "BlocklistTokenBlocked")
        .withArgs(taobao.address);
      await expect(c.settlement.connect(rightsHolder).withdraw(token, rightsHolder.address)).to.changeTokenBalance(
        blk,
        rightsHolder,
        SHARES.rightsHolder,
      );
      await expect(c.settlement.connect(taobao).withdraw(token, outsider.address)).to.changeTokenBalance(blk, outsider, COMMISSION);
      await expectVaultBalanced(c, token);
    });
  });

  describe("unbounded loops and gas griefing", function () {
    it("settles a worst-case batch of 200 orders, each under its own licence with three fresh parties, within a 30M-gas block", async function () {
      const c = await loadFixture(deployConsortium);
      const roles = [await c.settlement.RIGHTS_HOLDER_ROLE(), await c.settlement.MCN_ROLE(), await c.settlement.PLATFORM_ROLE()];
      const deals = Array.from({ length: 200 }, () => roles.map(() => ethers.Wallet.createRandom().connect(ethers.provider)));
      // the 600 fresh accounts hold no ether: blocks of one set-up transaction keep a zero base fee at zero
      await network.provider.send("hardhat_setNextBlockBaseFeePerGas", ["0x0"]);
      const free = { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n, chainId: (await ethers.provider.getNetwork()).chainId, nonce: 0 };
      for (const [i, party] of deals.flat().entries()) {
        await c.settlement.grantRole(roles[i % 3]!, party.address, { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n, gasLimit: 100_000 });
      }
      const base = await exampleTerms(c);
      const first = (await c.settlement.licenceCount()) + 1n;
      const licenceIds = deals.map((_, i) => first + BigInt(i));
      for (const [i, [rightsHolder, mcn, platform]] of deals.entries()) {
        const terms = { ...base, contentId: ids.content(`worst-${i}`), mcn: mcn!.address, platform: platform!.address };
        await c.settlement.connect(rightsHolder!).registerLicence(terms, { ...free, gasLimit: 500_000 });
      }
      for (const [i, [, mcn, platform]] of deals.entries()) {
        await c.settlement.connect(mcn!).acceptLicence(licenceIds[i]!, { ...free, gasLimit: 200_000 });
        await c.settlement.connect(platform!).acceptLicence(licenceIds[i]!, { ...free, gasLimit: 200_000 });
      }
      for (const [i, [rightsHolder]] of deals.entries()) {
        const licence = await c.settlement.getLicence(licenceIds[i]!);
        expect([licence.status, licence.rightsHolder]).to.deep.equal([LicenceStatus.Active, rightsHolder!.address]);
      }

      const orders = licenceIds.map((licenceId, i) => ({ licenceId, orderRef: ids.order(`worst-${i}`), gross: GROSS }));
      // an explicit limit: the estimate would stop at the 2^24 per-transaction cap of newer hardforks
      const tx = await c.settlement.connect(c.accounts.taobao).settleSales(c.token, orders, { gasLimit: 30_000_000 });
      const receipt = await tx.wait();
      expect(receipt!.gasUsed).to.be.lessThan(25_000_000n);
      expect(await c.token.balanceOf(c.settlement)).to.equal(200n * COMMISSION);
      for (const [rightsHolder, mcn, platform] of [deals[0]!, deals[199]!]) {
        expect(await claimables(c, [rightsHolder!, mcn!, platform!])).to.deep.equal([SHARES.rightsHolder, SHARES.mcn, SHARES.platform]);
      }
    });

    it("a release list front-run by another caller fails as a whole, and nothing is lost", async function () {
      const c = await loadFixture(deployWithLicences);
      const { outsider, rightsHolder, mcn, platform } = c.accounts;
      const sales = [
        await sell(c, c.escrowLicenceId, "r-a"),
        await sell(c, c.escrowLicenceId, "r-b"),
        await sell(c, c.escrowLicenceId, "r-c"),
      ];
      await time.increase(HOLD);
      // the griefer releases one sale of the keeper's list first: that sale's parties are paid
      await c.settlement.connect(outsider).releaseSales([sales[1]!]);
      await expect(c.settlement.releaseSales(sales))
        .to.be.revertedWithCustomError(c.settlement, "SettlementWrongSaleStatus")
        .withArgs(sales[1]!, SaleStatus.Claimable);
      await c.settlement.releaseSales([sales[0]!, sales[2]!]);
      expect(await claimables(c, [rightsHolder, mcn, platform])).to.deep.equal([
        3n * SHARES.rightsHolder,
        3n * SHARES.mcn,
        3n * SHARES.platform,
      ]);
      await expectVaultBalanced(c);
    });
  });

  describe("signature replay", function () {
    it("no function of either contract takes a signature and no contract source recovers a signer", async function () {
      const c = await loadFixture(deployConsortium);
      const suspicious: string[] = [];
      const visit = (fn: string, p: ParamType) => {
        if (p.type === "bytes" || /^(v|r|s|sig|signature|deadline|nonce)$/i.test(p.name)) suspicious.push(`${fn}(${p.name}: ${p.type})`);
        for (const child of p.components ?? []) visit(fn, child);
        if (p.arrayChildren) visit(fn, p.arrayChildren);
      };
      for (const contract of [c.settlement, c.disputes]) {
        contract.interface.forEachFunction((f) => f.inputs.forEach((p) => visit(f.name, p)));
      }
      expect(suspicious).to.deep.equal([]);
      for (const [file, source] of contractSources()) {
        expect(source, file).not.to.match(/ecrecover|ECDSA|SignatureChecker|EIP712|permit\s*\(/i);
      }
    });
  });

  describe("front-running of licence changes", function () {
    it("a party's acceptance binds the terms it reviewed: the rights holder can only cancel or propose anew", async function () {
      const c = await loadFixture(deployConsortium);
      const { rightsHolder, mcn, platform } = c.accounts;
      const reviewedTerms = await exampleTerms(c);
      await c.settlement.connect(rightsHolder).registerLicence(reviewedTerms);
      const reviewed = await c.settlement.getLicence(1n);
      // the rights holder "changes" the deal just before the MCN's acceptance: it can only make another licence
      await c.settlement
        .connect(rightsHolder)
        .registerLicence(await exampleTerms(c, { rightsHolderBps: 6000, mcnBps: 1000, platformBps: 3000 }));
      await c.settlement.connect(mcn).acceptLicence(1n);
      await c.settlement.connect(platform).acceptLicence(1n);
      const accepted = await c.settlement.getLicence(1n);
      expect([accepted.rightsHolderBps, accepted.mcnBps, accepted.platformBps, accepted.commissionBps, accepted.termsHash]).to.deep.equal([
        reviewed.rightsHolderBps,
        reviewed.mcnBps,
        reviewed.platformBps,
        reviewed.commissionBps,
        reviewed.termsHash,
      ]);
      expect(accepted.status).to.equal(LicenceStatus.Active);
      const other = await c.settlement.getLicence(2n);
      expect([other.status, other.mcnAccepted, other.platformAccepted]).to.deep.equal([LicenceStatus.Proposed, false, false]);

      // a cancellation that lands before an acceptance makes the acceptance fail, never bind other terms
      await c.settlement.connect(rightsHolder).cancelLicence(2n);
      await expect(c.settlement.connect(mcn).acceptLicence(2n))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
        .withArgs(2n, LicenceStatus.Cancelled);
    });

    it("a sale reported under a licence superseded meanwhile is refused, never charged at the new licence's rate", async function () {
      const c = await loadFixture(deployWithLicences);
      const { rightsHolder, mcn, platform, taobao } = c.accounts;
      const { licenceId: newId } = await activeLicence(c, { supersedes: c.instantLicenceId, commissionBps: 2500 }, rightsHolder);
      expect(await c.settlement.licenceStatus(c.instantLicenceId)).to.equal(LicenceStatus.Superseded);
      const before = await c.token.balanceOf(taobao.address);
      await expect(sell(c, c.instantLicenceId, "raced"))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
        .withArgs(c.instantLicenceId, LicenceStatus.Superseded);
      expect(await c.token.balanceOf(taobao.address)).to.equal(before);
      // the channel re-reports under the licence it now names, at that licence's rate
      await sell(c, newId, "raced");
      expect(before - (await c.token.balanceOf(taobao.address))).to.equal((GROSS * 2500n) / BPS);
      expect(await claimables(c, [rightsHolder, mcn, platform])).to.deep.equal(
        Object.values(expectedSplit(GROSS, 1500n, 3500n, 2500n)).slice(1) as bigint[],
      );
    });

    it("a fingerprint claimed first, even by a front-runner, stays claimed after its licence is cancelled (residual)", async function () {
      const c = await loadFixture(deployConsortium);
      const { admin, rightsHolder, rightsHolder2 } = c.accounts;
      const terms = await exampleTerms(c);
      // rightsHolder2 copies the fingerprint of rightsHolder's pending registration and gets mined first
      await c.settlement.connect(rightsHolder2).registerLicence(terms);
      await c.settlement.connect(rightsHolder2).cancelLicence(1n);
      await c.settlement.connect(admin).revokeRole(await c.settlement.RIGHTS_HOLDER_ROLE(), rightsHolder2.address);
      await expect(c.settlement.connect(rightsHolder).registerLicence(terms))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryContentOwnedByAnother")
        .withArgs(terms.contentId, rightsHolder2.address);
      expect((await c.settlement.contentRecord(terms.contentId)).rightsHolder).to.equal(rightsHolder2.address);
    });
  });

  describe("role mistakes", function () {
    it("no account, not even an admin holding every role, can move another account's credited balance", async function () {
      const c = await loadFixture(deployWithLicences);
      const { admin, rightsHolder, mcn, platform } = c.accounts;
      const paid = await sell(c, c.instantLicenceId, "credited");
      const registry = await asRegistry(c, admin);
      for (const role of ["ARBITER_ROLE", "RIGHTS_HOLDER_ROLE", "MCN_ROLE", "PLATFORM_ROLE"] as const) {
        await c.settlement.grantRole(await c.settlement[role](), admin.address);
      }
      await expect(c.settlement.connect(admin).withdraw(c.token, admin.address))
        .to.be.revertedWithCustomError(c.settlement, "SettlementNothingToWithdraw")
        .withArgs(admin.address, await c.token.getAddress());
      await expect(registry.freezeSale(paid, 1n)).to.be.revertedWithCustomError(c.settlement, "SettlementWrongSaleStatus");
      await expect(registry.refundFrozenSale(paid, 1n)).to.be.revertedWithCustomError(c.settlement, "SettlementWrongSaleStatus");
      await expect(c.settlement.connect(admin).refundSale(paid)).to.be.revertedWithCustomError(c.settlement, "SettlementNotSaleChannel");
      await expect(c.disputes.connect(admin).openSaleDispute(paid, Reason.RefundAbuse, EVIDENCE)).to.be.revertedWithCustomError(
        c.disputes,
        "DisputeRegistryNotParty",
      );
      expect(await claimables(c, [rightsHolder, mcn, platform])).to.deep.equal([SHARES.rightsHolder, SHARES.mcn, SHARES.platform]);
      await expectVaultBalanced(c);
    });

    it("the admin can redirect a channel's escrowed commissions by rotating its reporter, never a credited balance (residual)", async function () {
      const c = await loadFixture(deployWithLicences);
      const { admin, taobao, rightsHolder, mcn, platform } = c.accounts;
      await sell(c, c.instantLicenceId, "paid-at-once");
      const escrowed = await sell(c, c.escrowLicenceId, "in-escrow");
      const refunded = await sell(c, c.escrowLicenceId, "refunded-to-taobao");
      await c.settlement.connect(taobao).refundSale(refunded);
      await c.settlement.connect(admin).setChannelReporter(c.channel.taobao, admin.address);
      await expect(c.settlement.connect(admin).refundSale(escrowed))
        .to.emit(c.settlement, "SaleRefunded")
        .withArgs(escrowed, c.escrowLicenceId, admin.address, COMMISSION, 0n);
      // what was already credited stays with its owners: the parties' shares and the old reporter's refund
      expect(await claimables(c, [rightsHolder, mcn, platform, taobao, admin])).to.deep.equal([
        SHARES.rightsHolder,
        SHARES.mcn,
        SHARES.platform,
        COMMISSION,
        COMMISSION,
      ]);
      await expectVaultBalanced(c);
    });

    it("a member whose role is revoked keeps its credits, keeps being paid under licences it accepted, and can withdraw", async function () {
      const c = await loadFixture(deployWithLicences);
      const { admin, mcn } = c.accounts;
      await sell(c, c.instantLicenceId, "before-revoke");
      await c.settlement.connect(admin).revokeRole(await c.settlement.MCN_ROLE(), mcn.address);
      await sell(c, c.instantLicenceId, "after-revoke");
      expect(await c.settlement.claimable(mcn.address, c.token)).to.equal(2n * SHARES.mcn);
      await expect(c.settlement.connect(mcn).withdraw(c.token, mcn.address)).to.changeTokenBalance(c.token, mcn, 2n * SHARES.mcn);
    });

    it("a member can renounce only its own role, and the admin's renouncement is final but leaves withdrawals open (residual)", async function () {
      const c = await loadFixture(deployWithLicences);
      const { admin, mcn, platform } = c.accounts;
      const adminRole = await c.settlement.DEFAULT_ADMIN_ROLE();
      await expect(
        c.settlement.connect(mcn).renounceRole(await c.settlement.PLATFORM_ROLE(), platform.address),
      ).to.be.revertedWithCustomError(c.settlement, "AccessControlBadConfirmation");
      await sell(c, c.instantLicenceId, "before-renounce");
      await c.settlement.connect(admin).pause();
      await c.settlement.connect(admin).renounceRole(adminRole, admin.address);
      await expect(c.settlement.connect(admin).unpause())
        .to.be.revertedWithCustomError(c.settlement, "AccessControlUnauthorizedAccount")
        .withArgs(admin.address, adminRole);
      await expect(sell(c, c.instantLicenceId, "after-renounce")).to.be.revertedWithCustomError(c.settlement, "EnforcedPause");
      await expect(c.settlement.connect(mcn).withdraw(c.token, mcn.address)).to.changeTokenBalance(c.token, mcn, SHARES.mcn);
    });
  });

  describe("pause scope", function () {
    it("refunds, disputes, freezes, rulings, releases and withdrawals all go through while settlements are paused", async function () {
      const c = await loadFixture(deployWithLicences);
      const { admin, taobao, mcn, arbiter, rightsHolder, platform } = c.accounts;
      const [a, b, d] = [
        await sell(c, c.escrowLicenceId, "p-a"),
        await sell(c, c.escrowLicenceId, "p-b"),
        await sell(c, c.escrowLicenceId, "p-d"),
      ];
      await c.settlement.connect(admin).pause();
      await expect(c.settlement.connect(taobao).refundSale(a)).to.emit(c.settlement, "SaleRefunded");
      await expect(c.disputes.connect(mcn).openSaleDispute(b, Reason.RefundAbuse, EVIDENCE)).to.emit(c.settlement, "SaleFrozen");
      await expect(c.disputes.connect(arbiter).resolve(1n, false, RULING, Remedy.None)).to.emit(c.settlement, "SaleUnfrozen");
      await time.increase(HOLD);
      await expect(c.settlement.releaseSales([b, d])).to.emit(c.settlement, "SaleReleased");
      for (const who of [taobao, rightsHolder, mcn, platform]) {
        await expect(c.settlement.connect(who).withdraw(c.token, who.address)).to.emit(c.settlement, "Withdrawn");
      }
      expect(await c.settlement.paused()).to.equal(true);
      expect(await c.token.balanceOf(c.settlement)).to.equal(0n);
    });
  });

  describe("integer overflow of packed sale fields", function () {
    it("stores a sale with every packed field at its largest value and reads each back unchanged", async function () {
      const c = await loadFixture(deployWithLicences);
      const { admin, outsider, mcn, platform, rightsHolder } = c.accounts;
      // channel 63, the last id, reported by `outsider`
      for (let id = Number(await c.settlement.channelCount()) + 1; id < 63; id++) {
        await c.settlement.connect(admin).addChannel(`ch-${id}`, ethers.zeroPadValue(ethers.toBeHex(0x5e11e700 + id), 20));
      }
      await c.settlement.connect(admin).addChannel("ch-63", outsider.address);
      // token 255, the last id
      for (let id = 2; id < 255; id++) {
        await c.settlement.connect(admin).allowToken(ethers.zeroPadValue(ethers.toBeHex(0x70c3e700 + id), 20));
      }
      const dec = await ethers.deployContract("DecimalsToken", [18]);
      await expect(c.settlement.connect(admin).allowToken(dec))
        .to.emit(c.settlement, "TokenAllowed")
        .withArgs(await dec.getAddress(), 255);
      await expect(c.settlement.connect(admin).allowToken(ethers.Wallet.createRandom().address)).to.be.revertedWithCustomError(
        c.settlement,
        "SettlementTokenLimitReached",
      );
      await dec.mint(outsider.address, MAX_UINT128);
      await dec.connect(outsider).approve(c.settlement, ethers.MaxUint256);
      // a 100 % commission, so the commission field is full, on the longest hold
      await c.settlement.connect(admin).setCommissionBand(1, 10_000);
      const { licenceId } = await activeLicence(c, {
        contentId: ids.content("largest-sale"),
        commissionBps: 10_000,
        holdSeconds: MAX_HOLD,
        channels: [63],
      });
      const ref = ids.order("largest-sale");
      const tx = await c.settlement.connect(outsider).settleSale(licenceId, ref, dec, MAX_UINT128);
      const minedAt = BigInt((await ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp);
      const saleId = saleIdOf(63, ref);
      const expected = [licenceId, 63n, await dec.getAddress(), SaleStatus.Escrowed, minedAt + BigInt(MAX_HOLD), MAX_UINT128];
      expect(Array.from(await c.settlement.getSale(saleId))).to.deep.equal(expected);
      await c.settlement.connect(outsider).refundSale(saleId);
      expected[3] = SaleStatus.Refunded;
      expect(Array.from(await c.settlement.getSale(saleId))).to.deep.equal(expected);
      expect(await claimables(c, [outsider, rightsHolder, mcn, platform], await dec.getAddress())).to.deep.equal([MAX_UINT128, 0n, 0n, 0n]);
      await expect(c.settlement.connect(outsider).withdraw(dec, outsider.address)).to.changeTokenBalance(dec, outsider, MAX_UINT128);
    });
  });

  describe("timestamp dependence", function () {
    it("every use of block.timestamp is in a function this review covers", async function () {
      expect(usesOf("block.timestamp")).to.deep.equal(
        [
          // decisions: validity windows and the refund window, each compared at one-second precision
          "LicenceRegistry.sol:acceptLicence",
          "LicenceRegistry.sol:_settleableLicence",
          "LicenceRegistry.sol:_statusOf",
          "LicenceRegistry.sol:_checkTerms",
          "Settlement.sol:refundSale",
          "Settlement.sol:releaseSales",
          "Settlement.sol:freezeSale",
          "Settlement.sol:unfreezeSale",
          "Settlement.sol:_record",
          "DisputeRegistry.sol:openSaleDispute",
          // records: timestamps written into state and events
          "LicenceRegistry.sol:registerLicence",
          "LicenceRegistry.sol:_activate",
          "LicenceRegistry.sol:_claimContent",
          "DisputeRegistry.sol:resolve",
          "DisputeRegistry.sol:_open",
          "DisputeRegistry.sol:_addEvidence",
        ].sort(),
      );
      expect(usesOf("block.number")).to.deep.equal([]);
      expect(usesOf("blockhash")).to.deep.equal([]);
      expect(usesOf("block.prevrandao")).to.deep.equal([]);
    });

    it("at no timestamp is an escrowed sale both refundable and releasable", async function () {
      const c = await loadFixture(deployWithLicences);
      const { taobao } = c.accounts;
      const saleId = await sell(c, c.escrowLicenceId, "boundary");
      const releaseAt = Number((await c.settlement.getSale(saleId)).releaseAt);
      const snapshot = await takeSnapshot();
      for (const t of [releaseAt - 1, releaseAt]) {
        await time.setNextBlockTimestamp(t);
        const refund = c.settlement.connect(taobao).refundSale(saleId);
        if (t < releaseAt) await expect(refund).to.emit(c.settlement, "SaleRefunded");
        else await expect(refund).to.be.revertedWithCustomError(c.settlement, "SettlementRefundWindowClosed");
        await snapshot.restore();

        await time.setNextBlockTimestamp(t);
        const release = c.settlement.releaseSales([saleId]);
        if (t < releaseAt) await expect(release).to.be.revertedWithCustomError(c.settlement, "SettlementStillInEscrow");
        else await expect(release).to.emit(c.settlement, "SaleReleased");
        await snapshot.restore();
      }
    });
  });

  describe("token allow-list", function () {
    it("an address without code allowed by mistake cannot take a settlement", async function () {
      const c = await loadFixture(deployWithLicences);
      const notAToken = ethers.Wallet.createRandom().address;
      await c.settlement.connect(c.accounts.admin).allowToken(notAToken);
      await expect(c.settlement.connect(c.accounts.taobao).settleSale(c.instantLicenceId, ids.order("no-code"), notAToken, GROSS)).to.be
        .reverted;
      expect(await c.settlement.claimable(c.accounts.mcn.address, notAToken)).to.equal(0n);
    });
  });

  describe("stray funds", function () {
    it("a donation to the vault credits nobody and does not disturb later settlements", async function () {
      const c = await loadFixture(deployWithLicences);
      const { admin, outsider, rightsHolder, mcn, platform } = c.accounts;
      await c.token.connect(admin).mint(outsider.address, 1_000n);
      await c.token.connect(outsider).transfer(c.settlement, 1_000n);
      expect(await claimables(c, [outsider, rightsHolder, mcn, platform])).to.deep.equal([0n, 0n, 0n, 0n]);
      await sell(c, c.instantLicenceId, "after-donation");
      expect(await claimables(c, [rightsHolder, mcn, platform])).to.deep.equal([SHARES.rightsHolder, SHARES.mcn, SHARES.platform]);
      expect(await c.token.balanceOf(c.settlement)).to.equal(COMMISSION + 1_000n);
    });

    it("neither contract accepts ether", async function () {
      const c = await loadFixture(deployConsortium);
      for (const to of [c.settlement, c.disputes]) {
        await expect(c.accounts.outsider.sendTransaction({ to, value: 1n })).to.be.reverted;
        expect(await ethers.provider.getBalance(to)).to.equal(0n);
      }
    });
  });

  describe("denial of service via dust sales", function () {
    it("a batch of 200 dust sales records them all, moves no money and leaves every other channel free to settle", async function () {
      const c = await loadFixture(deployWithLicences);
      const { taobao, jd, rightsHolder, mcn, platform } = c.accounts;
      const orders = Array.from({ length: 200 }, (_, i) => ({
        licenceId: c.instantLicenceId,
        orderRef: ids.order(`dust-${i}`),
        gross: 4n,
      }));
      const before = await c.token.balanceOf(taobao.address);
      await c.settlement.connect(taobao).settleSales(c.token, orders);
      expect(await c.token.balanceOf(taobao.address)).to.equal(before);
      const last = await c.settlement.getSale(saleIdOf(c.channel.taobao, ids.order("dust-199")));
      expect([last.status, last.commission]).to.deep.equal([SaleStatus.Claimable, 0n]);
      expect(await claimables(c, [rightsHolder, mcn, platform])).to.deep.equal([0n, 0n, 0n]);
      await sell(c, c.instantLicenceId, "jd-after-dust", GROSS, jd);
      expect(await claimables(c, [rightsHolder, mcn, platform])).to.deep.equal([SHARES.rightsHolder, SHARES.mcn, SHARES.platform]);
      await expectVaultBalanced(c);
    });
  });

  describe("dispute griefing", function () {
    it("repeated disputes hold a sale no longer than its refund window and the pending ruling", async function () {
      const c = await loadFixture(deployWithLicences);
      const { mcn, rightsHolder, arbiter, platform } = c.accounts;
      const saleId = await sell(c, c.escrowLicenceId, "griefed");
      const releaseAt = Number((await c.settlement.getSale(saleId)).releaseAt);
      await c.disputes.connect(mcn).openSaleDispute(saleId, Reason.RefundAbuse, EVIDENCE);
      await c.disputes.connect(arbiter).resolve(1n, false, RULING, Remedy.None);
      // disputed again at once, and the ruling comes only after the window
      await expect(c.disputes.connect(rightsHolder).openSaleDispute(saleId, Reason.RefundAbuse, EVIDENCE)).to.emit(
        c.settlement,
        "SaleFrozen",
      );
      await time.increaseTo(releaseAt + DAY);
      await expect(c.disputes.connect(arbiter).resolve(2n, false, RULING, Remedy.None))
        .to.emit(c.settlement, "SaleReleased")
        .withArgs(saleId, c.escrowLicenceId);
      // a third dispute is a record only: the money has moved to the parties
      await expect(c.disputes.connect(platform).openSaleDispute(saleId, Reason.RefundAbuse, EVIDENCE)).not.to.emit(
        c.settlement,
        "SaleFrozen",
      );
      expect((await c.settlement.getSale(saleId)).status).to.equal(SaleStatus.Claimable);
      expect(await claimables(c, [rightsHolder, mcn, platform])).to.deep.equal([SHARES.rightsHolder, SHARES.mcn, SHARES.platform]);
    });
  });

  describe("self-dealing", function () {
    it("a channel reporter that is also the licence's platform is paid its share once and refunds only what it paid", async function () {
      const c = await loadFixture(deployWithLicences);
      const { admin, taobao, rightsHolder, mcn } = c.accounts;
      await c.settlement.connect(admin).grantRole(await c.settlement.PLATFORM_ROLE(), taobao.address);
      const { licenceId } = await activeLicence(c, { contentId: ids.content("self-dealt"), platform: taobao.address, holdSeconds: HOLD });
      const paidBefore = await c.token.balanceOf(taobao.address);
      const refunded = await sell(c, licenceId, "self-refunded");
      const kept = await sell(c, licenceId, "self-kept");
      await c.settlement.connect(taobao).refundSale(refunded);
      await expect(c.settlement.connect(taobao).refundSale(refunded)).to.be.revertedWithCustomError(
        c.settlement,
        "SettlementWrongSaleStatus",
      );
      await time.increase(HOLD);
      await c.settlement.releaseSales([kept]);
      expect(await claimables(c, [taobao, rightsHolder, mcn])).to.deep.equal([
        COMMISSION + SHARES.platform,
        SHARES.rightsHolder,
        SHARES.mcn,
      ]);
      await c.settlement.connect(taobao).withdraw(c.token, taobao.address);
      // net, the channel paid exactly the two other parties' shares of the sale it kept
      expect(paidBefore - (await c.token.balanceOf(taobao.address))).to.equal(SHARES.rightsHolder + SHARES.mcn);
      await expectVaultBalanced(c);
    });

    it("a licence naming one account as both MCN and platform needs both its acceptances and splits exactly", async function () {
      const c = await loadFixture(deployWithLicences);
      const { admin, mcn } = c.accounts;
      await c.settlement.connect(admin).grantRole(await c.settlement.PLATFORM_ROLE(), mcn.address);
      const terms = await exampleTerms(c, { contentId: ids.content("one-hand"), platform: mcn.address });
      await c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms);
      const licenceId = await c.settlement.licenceCount();
      await c.settlement.connect(mcn).acceptLicence(licenceId);
      expect(await c.settlement.licenceStatus(licenceId)).to.equal(LicenceStatus.Proposed);
      await c.settlement.connect(mcn).acceptLicence(licenceId);
      expect(await c.settlement.licenceStatus(licenceId)).to.equal(LicenceStatus.Active);
      await expect(c.settlement.connect(mcn).acceptLicence(licenceId)).to.be.revertedWithCustomError(
        c.settlement,
        "LicenceRegistryWrongStatus",
      );
      await sell(c, licenceId, "one-hand");
      expect(await c.settlement.claimable(mcn.address, c.token)).to.equal(SHARES.mcn + SHARES.platform);
      await expectVaultBalanced(c);
    });
  });

  describe("refund after release", function () {
    it("a paid, released or refunded sale refuses every further release, refund, freeze and ruling", async function () {
      const c = await loadFixture(deployWithLicences);
      const { taobao, outsider } = c.accounts;
      const paid = await sell(c, c.instantLicenceId, "done-paid");
      const released = await sell(c, c.escrowLicenceId, "done-released");
      const refunded = await sell(c, c.escrowLicenceId, "done-refunded");
      await c.settlement.connect(taobao).refundSale(refunded);
      await time.increase(HOLD);
      await c.settlement.releaseSales([released]);
      const registry = await asRegistry(c, outsider);
      for (const [saleId, status] of [
        [paid, SaleStatus.Claimable],
        [released, SaleStatus.Claimable],
        [refunded, SaleStatus.Refunded],
      ] as const) {
        const attempts = [
          () => c.settlement.releaseSales([saleId]),
          () => c.settlement.connect(taobao).refundSale(saleId),
          () => registry.freezeSale(saleId, 9n),
          () => registry.unfreezeSale(saleId, 9n),
          () => registry.refundFrozenSale(saleId, 9n),
        ];
        for (const attempt of attempts) {
          await expect(attempt()).to.be.revertedWithCustomError(c.settlement, "SettlementWrongSaleStatus").withArgs(saleId, status);
        }
      }
      await expectVaultBalanced(c);
    });
  });

  describe("double settlement of an order", function () {
    it("a channel's new reporter cannot settle an order its old reporter already reported", async function () {
      const c = await loadFixture(deployWithLicences);
      const { admin, outsider } = c.accounts;
      const saleId = await sell(c, c.instantLicenceId, "rotated");
      await c.settlement.connect(admin).setChannelReporter(c.channel.taobao, outsider.address);
      await c.token.connect(admin).mint(outsider.address, 10n ** 9n);
      await c.token.connect(outsider).approve(c.settlement, ethers.MaxUint256);
      await expect(sell(c, c.instantLicenceId, "rotated", GROSS, outsider))
        .to.be.revertedWithCustomError(c.settlement, "SettlementDuplicateOrder")
        .withArgs(c.channel.taobao, ids.order("rotated"), saleId);
    });

    it("a refunded order can never be reported again", async function () {
      const c = await loadFixture(deployWithLicences);
      const saleId = await sell(c, c.escrowLicenceId, "refunded-once");
      await c.settlement.connect(c.accounts.taobao).refundSale(saleId);
      for (const licenceId of [c.escrowLicenceId, c.instantLicenceId]) {
        await expect(sell(c, licenceId, "refunded-once"))
          .to.be.revertedWithCustomError(c.settlement, "SettlementDuplicateOrder")
          .withArgs(c.channel.taobao, ids.order("refunded-once"), saleId);
      }
    });
  });

  describe("allowance abuse", function () {
    it("settling draws only on the caller's approval, never on another channel's unlimited one", async function () {
      const c = await loadFixture(deployWithLicences);
      const { taobao, jd, pdd } = c.accounts;
      const others = async () => [await c.token.balanceOf(jd.address), await c.token.balanceOf(pdd.address)];
      const before = await others();
      expect(await c.token.allowance(jd.address, c.settlement)).to.equal(ethers.MaxUint256);
      await expect(
        c.settlement
          .connect(taobao)
          .settleSales(c.token, [{ licenceId: c.instantLicenceId, orderRef: ids.order("allowance"), gross: GROSS }]),
      ).to.changeTokenBalances(c.token, [taobao, c.settlement], [-COMMISSION, COMMISSION]);
      expect(await others()).to.deep.equal(before);
    });

    it("every pull in the contracts' source takes msg.sender as the payer", async function () {
      const pulls: string[] = [];
      for (const [file, source] of contractSources()) {
        for (const m of source.matchAll(/\.(?:safeT|t)ransferFrom\(([^,]*),/g)) pulls.push(`${path.basename(file)}: ${m[1]!.trim()}`);
      }
      expect(pulls).to.deep.equal(["Settlement.sol: msg.sender"]);
    });
  });
});

/**
 * docs/security.md cites tests as list items of the form
 *   - [`File.test.ts`](../test/contracts/File.test.ts): Outer > inner > test name
 * Each cited path must exist in that file: every title as a `describe`/`it` string (template literals
 * match any value of their placeholders), each one opened after the previous.
 */
describe("docs/security.md", function () {
  let doc = "";
  before(function () {
    doc = fs.readFileSync(path.join(ROOT, "docs", "security.md"), "utf8");
  });
  const CITATION = /^\s*- \[`(\w+\.test\.ts)`\]\(\.\.\/test\/contracts\/(\w+\.test\.ts)\): (.+)$/gm;

  /** The class sections: `### name` headings under `## Classes`, with their text. */
  function classSections(): Map<string, string> {
    const body = doc.split(/^## /m).find((s) => s.startsWith("Classes"));
    expect(body, "docs/security.md has a '## Classes' section").to.not.equal(undefined);
    const sections = new Map<string, string>();
    for (const part of body!.split(/^### /m).slice(1)) {
      const [heading, ...rest] = part.split("\n");
      sections.set(heading!.trim(), rest.join("\n"));
    }
    return sections;
  }

  /** Offsets in `source` where a describe or it with `title` opens (`kind` is "describe" or "it"). */
  function openings(source: string, kind: "describe" | "it", title: string): number[] {
    const out: number[] = [];
    const literal = new RegExp(`\\b${kind}\\(\\s*(["'\`])((?:\\\\.|(?!\\1).)*)\\1`, "g");
    for (const m of source.matchAll(literal)) {
      const text = m[2]!;
      const matches =
        m[1] === "`"
          ? new RegExp(
              `^${text
                .split(/\$\{[^}]*\}/)
                .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
                .join(".+")}$`,
            ).test(title)
          : text.replace(/\\(.)/g, "$1") === title;
      if (matches) out.push(m.index);
    }
    return out;
  }

  it("cites only tests that exist, by their full describe > it path", async function () {
    const citations = [...doc.matchAll(CITATION)];
    expect(citations.length).to.be.greaterThan(40);
    const missing: string[] = [];
    for (const [, label, file, titlePath] of citations) {
      expect(label, "link text and target name the same file").to.equal(file);
      const source = fs.readFileSync(path.join(ROOT, "test", "contracts", file!), "utf8");
      const titles = titlePath!.split(" > ");
      let at = -1;
      for (const [i, title] of titles.entries()) {
        const kind = i === titles.length - 1 ? "it" : "describe";
        const next = openings(source, kind, title).find((offset) => offset > at);
        if (next === undefined) {
          missing.push(`${file}: ${titlePath} (no ${kind} "${title}")`);
          break;
        }
        at = next;
      }
    }
    expect(missing).to.deep.equal([]);
  });

  it("has a section citing at least one test for every class the Security tests cover, and no other", async function () {
    const sections = classSections();
    for (const [name, text] of sections) {
      expect([...text.matchAll(CITATION)].length, `section "${name}" cites a test`).to.be.greaterThan(0);
    }
    const source = fs.readFileSync(__filename, "utf8");
    const securityBlock = source.slice(source.indexOf('describe("Security"'), source.indexOf('describe("docs/security.md"'));
    const classes = [...securityBlock.matchAll(/^ {2}describe\("([^"]+)"/gm)].map((m) => m[1]!);
    expect(classes.length).to.be.greaterThan(10);
    expect([...sections.keys()], "one section per Security describe, in the same order").to.deep.equal(classes);
    for (const name of classes) {
      expect(sections.get(name), `section "${name}" cites its Security tests`).to.include(`Security > ${name} > `);
    }
  });
});
