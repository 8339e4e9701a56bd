import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionReceipt } from "ethers";
import type { ISettlement } from "../../typechain-types/contracts/Settlement";
import type { SaleSettledEvent } from "../../typechain-types/contracts/Settlement";
import { BPS, DAY, activeLicence, deployWithLicences, expectVaultBalanced, ids, saleIdOf } from "./fixtures";
import type { Consortium } from "./fixtures";

type Deployed = Awaited<ReturnType<typeof deployWithLicences>>;

/** ISettlement.SaleStatus as the contract returns it. */
const Status = { None: 0n, Escrowed: 1n, Frozen: 2n, Claimable: 3n, Refunded: 4n } as const;

const HOLD = BigInt(7 * DAY);
const MAX_BATCH = 200n;

/** What a sale of `gross` pays each party under a licence, computed independently of the contract. */
function expectedSplit(gross: bigint, rightsHolderBps = 1500n, mcnBps = 3500n, commissionBps = 2000n) {
  const commission = (gross * commissionBps) / BPS;
  const rightsHolder = (commission * rightsHolderBps) / BPS;
  const mcn = (commission * mcnBps) / BPS;
  return { commission, rightsHolder, mcn, platform: commission - rightsHolder - mcn };
}

/** The SaleSettled events of a mined transaction, decoded from its receipt. */
function settledEvents(c: Consortium, receipt: ContractTransactionReceipt | null): SaleSettledEvent.OutputObject[] {
  if (receipt === null) throw new Error("transaction not mined");
  const out: SaleSettledEvent.OutputObject[] = [];
  for (const log of receipt.logs) {
    if (log.address !== c.settlement.target) continue;
    const parsed = c.settlement.interface.parseLog(log);
    if (parsed?.name === "SaleSettled") out.push(parsed.args.toObject() as SaleSettledEvent.OutputObject);
  }
  return out;
}

/** Claimable dCNY of each account, in order. */
async function claimables(c: Consortium, accounts: HardhatEthersSigner[]): Promise<bigint[]> {
  const token = await c.token.getAddress();
  return Promise.all(accounts.map((a) => c.settlement.claimable(a.address, token)));
}

/** Settles one dCNY sale and returns its id and its mined block's timestamp. */
async function settle(c: Deployed, licenceId: bigint, order: string, gross: bigint, reporter = c.accounts.taobao) {
  const tx = await c.settlement.connect(reporter).settleSale(licenceId, ids.order(order), await c.token.getAddress(), gross);
  const receipt = await tx.wait();
  const block = await ethers.provider.getBlock(receipt!.blockNumber);
  const channelId = Number(await c.settlement.channelOfReporter(reporter.address));
  return { tx, saleId: saleIdOf(channelId, ids.order(order)), minedAt: BigInt(block!.timestamp) };
}

/** A second instant licence between other parties, split 20 % / 30 % / 50 %. */
async function secondLicence(c: Deployed) {
  const { licenceId } = await activeLicence(
    c,
    {
      contentId: ids.content("the-ceo-s-runaway-bride"),
      mcn: c.accounts.mcn2.address,
      platform: c.accounts.platform2.address,
      rightsHolderBps: 2000,
      mcnBps: 3000,
      platformBps: 5000,
    },
    c.accounts.rightsHolder2,
  );
  return licenceId;
}

describe("Settlement", function () {
  describe("settleSale", function () {
    describe("on a licence paid at once", function () {
      it("emits SaleSettled with the 15/35/50 split of a 199.00 dCNY sale", async function () {
        const c = await loadFixture(deployWithLicences);
        const ref = ids.order("tb-0001");
        const token = await c.token.getAddress();
        await expect(c.settlement.connect(c.accounts.taobao).settleSale(c.instantLicenceId, ref, token, 19_900n))
          .to.emit(c.settlement, "SaleSettled")
          .withArgs(saleIdOf(1, ref), c.instantLicenceId, 1, ref, token, 19_900n, 3_980n, 597n, 1_393n, 1_990n, 0n);
      });

      it("credits the rights holder, the MCN and the platform their exact shares", async function () {
        const c = await loadFixture(deployWithLicences);
        const { rightsHolder, mcn, platform } = c.accounts;
        await settle(c, c.instantLicenceId, "tb-0001", 19_900n);
        expect(await claimables(c, [rightsHolder, mcn, platform])).to.deep.equal([597n, 1_393n, 1_990n]);
        await expectVaultBalanced(c);
      });

      it("pulls the commission from the reporter into the vault and nothing else", async function () {
        const c = await loadFixture(deployWithLicences);
        const { taobao, rightsHolder, mcn, platform } = c.accounts;
        const tx = c.settlement.connect(taobao).settleSale(c.instantLicenceId, ids.order("tb-0001"), await c.token.getAddress(), 19_900n);
        await expect(tx).to.changeTokenBalances(
          c.token,
          [taobao, c.settlement, rightsHolder, mcn, platform],
          [-3_980n, 3_980n, 0n, 0n, 0n],
        );
        await expectVaultBalanced(c);
      });

      it("stores the sale as claimable, with no release time", async function () {
        const c = await loadFixture(deployWithLicences);
        const { saleId } = await settle(c, c.instantLicenceId, "tb-0001", 19_900n);
        const sale = await c.settlement.getSale(saleId);
        expect(sale.licenceId).to.equal(c.instantLicenceId);
        expect(sale.channelId).to.equal(1n);
        expect(sale.token).to.equal(await c.token.getAddress());
        expect(sale.status).to.equal(Status.Claimable);
        expect(sale.releaseAt).to.equal(0n);
        expect(sale.commission).to.equal(3_980n);
      });

      it("returns the sale id the channel can compute before the sale is mined", async function () {
        const c = await loadFixture(deployWithLicences);
        const ref = ids.order("tb-0001");
        const returned = await c.settlement
          .connect(c.accounts.taobao)
          .settleSale.staticCall(c.instantLicenceId, ref, await c.token.getAddress(), 19_900n);
        expect(returned).to.equal(saleIdOf(1, ref));
        expect(await c.settlement.saleIdOf(1, ref)).to.equal(saleIdOf(1, ref));
      });

      it("credits the rounding remainder to the platform", async function () {
        const c = await loadFixture(deployWithLicences);
        const { rightsHolder, mcn, platform } = c.accounts;
        const ref = ids.order("tb-0.33");
        // 0.33 dCNY → commission 0.066 → 0.06; shares 0.009 → 0, 0.021 → 0.02, remainder 0.04
        await expect(c.settlement.connect(c.accounts.taobao).settleSale(c.instantLicenceId, ref, await c.token.getAddress(), 33n))
          .to.emit(c.settlement, "SaleSettled")
          .withArgs(saleIdOf(1, ref), c.instantLicenceId, 1, ref, await c.token.getAddress(), 33n, 6n, 0n, 2n, 4n, 0n);
        expect(await claimables(c, [rightsHolder, mcn, platform])).to.deep.equal([0n, 2n, 4n]);
        await expectVaultBalanced(c);
      });

      it("records a 0.01 dCNY sale whose commission rounds to nothing", async function () {
        const c = await loadFixture(deployWithLicences);
        const ref = ids.order("tb-0.01");
        const token = await c.token.getAddress();
        await expect(c.settlement.connect(c.accounts.taobao).settleSale(c.instantLicenceId, ref, token, 1n))
          .to.emit(c.settlement, "SaleSettled")
          .withArgs(saleIdOf(1, ref), c.instantLicenceId, 1, ref, token, 1n, 0n, 0n, 0n, 0n, 0n);
        const sale = await c.settlement.getSale(saleIdOf(1, ref));
        expect(sale.status).to.equal(Status.Claimable);
        expect(sale.commission).to.equal(0n);
        await expect(c.settlement.connect(c.accounts.taobao).settleSale(c.instantLicenceId, ref, token, 1n))
          .to.be.revertedWithCustomError(c.settlement, "SettlementDuplicateOrder")
          .withArgs(1, ref, saleIdOf(1, ref));
        await expectVaultBalanced(c);
      });

      it("settles the same order reference on another channel as a different sale", async function () {
        const c = await loadFixture(deployWithLicences);
        const { rightsHolder, mcn, platform } = c.accounts;
        const onTaobao = await settle(c, c.instantLicenceId, "shared-ref", 19_900n, c.accounts.taobao);
        const onJd = await settle(c, c.instantLicenceId, "shared-ref", 19_900n, c.accounts.jd);
        expect(onJd.saleId).to.not.equal(onTaobao.saleId);
        expect((await c.settlement.getSale(onJd.saleId)).channelId).to.equal(2n);
        expect((await c.settlement.getSale(onTaobao.saleId)).channelId).to.equal(1n);
        expect(await claimables(c, [rightsHolder, mcn, platform])).to.deep.equal([1_194n, 2_786n, 3_980n]);
        await expectVaultBalanced(c);
      });
    });

    describe("on a licence with a 7-day refund window", function () {
      it("holds the commission in escrow until 7 days after the sale and credits nobody", async function () {
        const c = await loadFixture(deployWithLicences);
        const { taobao, rightsHolder, mcn, platform } = c.accounts;
        const ref = ids.order("tb-escrow-1");
        const token = await c.token.getAddress();
        const tx = c.settlement.connect(taobao).settleSale(c.escrowLicenceId, ref, token, 19_900n);
        await expect(tx).to.changeTokenBalances(c.token, [taobao, c.settlement], [-3_980n, 3_980n]);
        const minedAt = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
        await expect(tx)
          .to.emit(c.settlement, "SaleSettled")
          .withArgs(saleIdOf(1, ref), c.escrowLicenceId, 1, ref, token, 19_900n, 3_980n, 597n, 1_393n, 1_990n, minedAt + HOLD);
        const sale = await c.settlement.getSale(saleIdOf(1, ref));
        expect(sale.status).to.equal(Status.Escrowed);
        expect(sale.releaseAt).to.equal(minedAt + HOLD);
        expect(sale.commission).to.equal(3_980n);
        expect(await claimables(c, [rightsHolder, mcn, platform, taobao])).to.deep.equal([0n, 0n, 0n, 0n]);
        await expect(c.settlement.connect(mcn).withdraw(token, mcn.address))
          .to.be.revertedWithCustomError(c.settlement, "SettlementNothingToWithdraw")
          .withArgs(mcn.address, token);
        await expectVaultBalanced(c);
      });
    });

    describe("refusals", function () {
      it("refuses a caller that is not a channel reporter (MCN, outsider, admin)", async function () {
        const c = await loadFixture(deployWithLicences);
        const token = await c.token.getAddress();
        for (const caller of [c.accounts.mcn, c.accounts.outsider, c.accounts.admin]) {
          await expect(c.settlement.connect(caller).settleSale(c.instantLicenceId, ids.order("x"), token, 19_900n))
            .to.be.revertedWithCustomError(c.settlement, "ConsortiumNotChannelReporter")
            .withArgs(caller.address);
        }
      });

      it("refuses the reporter of a switched-off channel", async function () {
        const c = await loadFixture(deployWithLicences);
        await c.settlement.setChannelActive(1, false);
        await expect(c.settlement.connect(c.accounts.taobao).settleSale(c.instantLicenceId, ids.order("x"), c.token, 19_900n))
          .to.be.revertedWithCustomError(c.settlement, "ConsortiumNotChannelReporter")
          .withArgs(c.accounts.taobao.address);
      });

      it("refuses a token the consortium has not allowed", async function () {
        const c = await loadFixture(deployWithLicences);
        const other = await ethers.deployContract("DemoStablecoin", [c.accounts.admin.address]);
        await other.mint(c.accounts.taobao.address, 10n ** 9n);
        await other.connect(c.accounts.taobao).approve(c.settlement, ethers.MaxUint256);
        await expect(c.settlement.connect(c.accounts.taobao).settleSale(c.instantLicenceId, ids.order("x"), other, 19_900n))
          .to.be.revertedWithCustomError(c.settlement, "SettlementTokenNotAllowed")
          .withArgs(await other.getAddress());
      });

      it("refuses a zero gross amount and a zero order reference", async function () {
        const c = await loadFixture(deployWithLicences);
        const reporter = c.settlement.connect(c.accounts.taobao);
        const ref = ids.order("x");
        await expect(reporter.settleSale(c.instantLicenceId, ref, c.token, 0n))
          .to.be.revertedWithCustomError(c.settlement, "SettlementInvalidOrder")
          .withArgs(ref, 0n);
        await expect(reporter.settleSale(c.instantLicenceId, ethers.ZeroHash, c.token, 19_900n))
          .to.be.revertedWithCustomError(c.settlement, "SettlementInvalidOrder")
          .withArgs(ethers.ZeroHash, 19_900n);
      });

      it("refuses a gross of 2^128 units", async function () {
        const c = await loadFixture(deployWithLicences);
        await expect(c.settlement.connect(c.accounts.taobao).settleSale(c.instantLicenceId, ids.order("x"), c.token, 2n ** 128n))
          .to.be.revertedWithCustomError(c.settlement, "SettlementAmountTooLarge")
          .withArgs(2n ** 128n);
      });

      it("settles a gross of 2^128 - 1 units exactly when the reporter can pay", async function () {
        const c = await loadFixture(deployWithLicences);
        const { taobao, rightsHolder, mcn, platform } = c.accounts;
        const gross = 2n ** 128n - 1n;
        const split = expectedSplit(gross);
        await c.token.mint(taobao.address, split.commission);
        const tx = c.settlement.connect(taobao).settleSale(c.instantLicenceId, ids.order("huge"), c.token, gross);
        await expect(tx).to.changeTokenBalances(c.token, [taobao, c.settlement], [-split.commission, split.commission]);
        expect(await claimables(c, [rightsHolder, mcn, platform])).to.deep.equal([split.rightsHolder, split.mcn, split.platform]);
        expect(split.rightsHolder + split.mcn + split.platform).to.equal(split.commission);
        await expectVaultBalanced(c);
      });

      it("refuses an order the channel already reported, and nothing moves", async function () {
        const c = await loadFixture(deployWithLicences);
        const { taobao, rightsHolder, mcn, platform } = c.accounts;
        const ref = ids.order("tb-0001");
        await settle(c, c.instantLicenceId, "tb-0001", 19_900n);
        const claimBefore = await claimables(c, [rightsHolder, mcn, platform]);
        const reporterBefore = await c.token.balanceOf(taobao.address);
        const vaultBefore = await c.token.balanceOf(c.settlement);
        // the retry is refused even on another licence or with another amount
        for (const [licenceId, gross] of [
          [c.instantLicenceId, 19_900n],
          [c.escrowLicenceId, 500n],
        ] as const) {
          await expect(c.settlement.connect(taobao).settleSale(licenceId, ref, c.token, gross))
            .to.be.revertedWithCustomError(c.settlement, "SettlementDuplicateOrder")
            .withArgs(1, ref, saleIdOf(1, ref));
        }
        expect(await claimables(c, [rightsHolder, mcn, platform])).to.deep.equal(claimBefore);
        expect(await c.token.balanceOf(taobao.address)).to.equal(reporterBefore);
        expect(await c.token.balanceOf(c.settlement)).to.equal(vaultBefore);
        expect((await c.settlement.getSale(saleIdOf(1, ref))).licenceId).to.equal(c.instantLicenceId);
        await expectVaultBalanced(c);
      });

      it("refuses a sale by a channel outside the licence's scope (pdd)", async function () {
        const c = await loadFixture(deployWithLicences);
        await expect(c.settlement.connect(c.accounts.pdd).settleSale(c.instantLicenceId, ids.order("pdd-1"), c.token, 19_900n))
          .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryChannelNotInScope")
          .withArgs(c.instantLicenceId, 3);
      });

      it("refuses an unknown licence", async function () {
        const c = await loadFixture(deployWithLicences);
        await expect(c.settlement.connect(c.accounts.taobao).settleSale(99n, ids.order("x"), c.token, 19_900n))
          .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryUnknownLicence")
          .withArgs(99n);
      });

      it("fails with the token's ERC20InsufficientAllowance when the reporter has not approved the vault", async function () {
        const c = await loadFixture(deployWithLicences);
        await c.token.connect(c.accounts.taobao).approve(c.settlement, 0n);
        await expect(c.settlement.connect(c.accounts.taobao).settleSale(c.instantLicenceId, ids.order("x"), c.token, 19_900n))
          .to.be.revertedWithCustomError(c.token, "ERC20InsufficientAllowance")
          .withArgs(await c.settlement.getAddress(), 0n, 3_980n);
        await expect(c.settlement.getSale(saleIdOf(1, ids.order("x"))))
          .to.be.revertedWithCustomError(c.settlement, "SettlementUnknownSale")
          .withArgs(saleIdOf(1, ids.order("x")));
      });
    });
  });

  describe("pause", function () {
    it("refuses new sales and batches while paused", async function () {
      const c = await loadFixture(deployWithLicences);
      await c.settlement.connect(c.accounts.admin).pause();
      const reporter = c.settlement.connect(c.accounts.taobao);
      await expect(reporter.settleSale(c.instantLicenceId, ids.order("x"), c.token, 19_900n))
        .to.be.revertedWithCustomError(c.settlement, "EnforcedPause")
        .withArgs();
      await expect(reporter.settleSales(c.token, [{ licenceId: c.instantLicenceId, orderRef: ids.order("x"), gross: 19_900n }]))
        .to.be.revertedWithCustomError(c.settlement, "EnforcedPause")
        .withArgs();
    });

    it("keeps withdrawals and releases working while paused", async function () {
      const c = await loadFixture(deployWithLicences);
      const { rightsHolder, mcn, outsider } = c.accounts;
      await settle(c, c.instantLicenceId, "tb-1", 19_900n);
      const escrowed = await settle(c, c.escrowLicenceId, "tb-2", 19_900n);
      await c.settlement.connect(c.accounts.admin).pause();
      await expect(c.settlement.connect(rightsHolder).withdraw(c.token, rightsHolder.address)).to.changeTokenBalances(
        c.token,
        [c.settlement, rightsHolder],
        [-597n, 597n],
      );
      await time.increaseTo(escrowed.minedAt + HOLD);
      await expect(c.settlement.connect(outsider).releaseSales([escrowed.saleId]))
        .to.emit(c.settlement, "SaleReleased")
        .withArgs(escrowed.saleId, c.escrowLicenceId);
      expect(await c.settlement.claimable(mcn.address, c.token)).to.equal(2n * 1_393n);
      await expectVaultBalanced(c);
    });

    it("lets sales settle again after unpause", async function () {
      const c = await loadFixture(deployWithLicences);
      await c.settlement.connect(c.accounts.admin).pause();
      await c.settlement.connect(c.accounts.admin).unpause();
      const { saleId } = await settle(c, c.instantLicenceId, "tb-1", 19_900n);
      expect((await c.settlement.getSale(saleId)).status).to.equal(Status.Claimable);
      expect(await c.settlement.claimable(c.accounts.platform.address, c.token)).to.equal(1_990n);
      await expectVaultBalanced(c);
    });

    it("refuses pause and unpause by anyone but the consortium admin", async function () {
      const c = await loadFixture(deployWithLicences);
      for (const caller of [c.accounts.rightsHolder, c.accounts.arbiter, c.accounts.taobao]) {
        await expect(c.settlement.connect(caller).pause())
          .to.be.revertedWithCustomError(c.settlement, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, ethers.ZeroHash);
      }
      await c.settlement.connect(c.accounts.admin).pause();
      await expect(c.settlement.connect(c.accounts.outsider).unpause())
        .to.be.revertedWithCustomError(c.settlement, "AccessControlUnauthorizedAccount")
        .withArgs(c.accounts.outsider.address, ethers.ZeroHash);
    });
  });

  describe("releaseSales", function () {
    it("refuses to release a sale before its refund window ends", async function () {
      const c = await loadFixture(deployWithLicences);
      const { saleId, minedAt } = await settle(c, c.escrowLicenceId, "tb-1", 19_900n);
      await time.setNextBlockTimestamp(minedAt + HOLD - 1n);
      await expect(c.settlement.connect(c.accounts.outsider).releaseSales([saleId]))
        .to.be.revertedWithCustomError(c.settlement, "SettlementStillInEscrow")
        .withArgs(saleId, minedAt + HOLD);
    });

    it("lets an outsider release a sale at releaseAt, crediting exactly the SaleSettled shares", async function () {
      const c = await loadFixture(deployWithLicences);
      const { rightsHolder, mcn, platform, outsider } = c.accounts;
      const { tx, saleId, minedAt } = await settle(c, c.escrowLicenceId, "tb-1", 19_900n);
      const [settled] = settledEvents(c, await tx.wait());
      await time.setNextBlockTimestamp(minedAt + HOLD);
      await expect(c.settlement.connect(outsider).releaseSales([saleId]))
        .to.emit(c.settlement, "SaleReleased")
        .withArgs(saleId, c.escrowLicenceId);
      expect(await claimables(c, [rightsHolder, mcn, platform])).to.deep.equal([
        settled!.rightsHolderShare,
        settled!.mcnShare,
        settled!.platformShare,
      ]);
      expect(await claimables(c, [rightsHolder, mcn, platform])).to.deep.equal([597n, 1_393n, 1_990n]);
      expect((await c.settlement.getSale(saleId)).status).to.equal(Status.Claimable);
      expect(await c.settlement.claimable(outsider.address, c.token)).to.equal(0n);
      await expectVaultBalanced(c);
    });

    it("releases several due sales in one call, long after their window", async function () {
      const c = await loadFixture(deployWithLicences);
      const { rightsHolder, mcn, platform } = c.accounts;
      const a = await settle(c, c.escrowLicenceId, "tb-1", 19_900n);
      const b = await settle(c, c.escrowLicenceId, "tb-2", 33n);
      await time.increase(30 * DAY);
      const tx = c.settlement.connect(c.accounts.outsider).releaseSales([a.saleId, b.saleId]);
      await expect(tx).to.emit(c.settlement, "SaleReleased").withArgs(a.saleId, c.escrowLicenceId);
      await expect(tx).to.emit(c.settlement, "SaleReleased").withArgs(b.saleId, c.escrowLicenceId);
      expect(await claimables(c, [rightsHolder, mcn, platform])).to.deep.equal([597n, 1_395n, 1_994n]);
      await expectVaultBalanced(c);
    });

    it("releases nothing when one sale in the list is not yet due", async function () {
      const c = await loadFixture(deployWithLicences);
      const due = await settle(c, c.escrowLicenceId, "tb-1", 19_900n);
      await time.increaseTo(due.minedAt + HOLD);
      const notDue = await settle(c, c.escrowLicenceId, "tb-2", 19_900n);
      await expect(c.settlement.connect(c.accounts.outsider).releaseSales([due.saleId, notDue.saleId]))
        .to.be.revertedWithCustomError(c.settlement, "SettlementStillInEscrow")
        .withArgs(notDue.saleId, notDue.minedAt + HOLD);
      expect((await c.settlement.getSale(due.saleId)).status).to.equal(Status.Escrowed);
      expect(await c.settlement.claimable(c.accounts.platform.address, c.token)).to.equal(0n);
      await expectVaultBalanced(c);
    });

    it("refuses to release a sale twice", async function () {
      const c = await loadFixture(deployWithLicences);
      const { saleId, minedAt } = await settle(c, c.escrowLicenceId, "tb-1", 19_900n);
      await time.increaseTo(minedAt + HOLD);
      await c.settlement.releaseSales([saleId]);
      await expect(c.settlement.releaseSales([saleId]))
        .to.be.revertedWithCustomError(c.settlement, "SettlementWrongSaleStatus")
        .withArgs(saleId, Status.Claimable);
      expect(await c.settlement.claimable(c.accounts.platform.address, c.token)).to.equal(1_990n);
      await expectVaultBalanced(c);
    });

    it("refuses to release a sale that was paid at once", async function () {
      const c = await loadFixture(deployWithLicences);
      const { saleId } = await settle(c, c.instantLicenceId, "tb-1", 19_900n);
      await expect(c.settlement.releaseSales([saleId]))
        .to.be.revertedWithCustomError(c.settlement, "SettlementWrongSaleStatus")
        .withArgs(saleId, Status.Claimable);
    });

    it("refuses an unknown sale id", async function () {
      const c = await loadFixture(deployWithLicences);
      const unknown = saleIdOf(1, ids.order("never-sold"));
      await expect(c.settlement.releaseSales([unknown]))
        .to.be.revertedWithCustomError(c.settlement, "SettlementUnknownSale")
        .withArgs(unknown);
    });
  });

  describe("settleSales", function () {
    it("credits each party exactly the sum of its per-sale shares and pulls the total in one transfer", async function () {
      const c = await loadFixture(deployWithLicences);
      const { taobao, rightsHolder, mcn, platform, rightsHolder2, mcn2, platform2 } = c.accounts;
      const secondId = await secondLicence(c);
      const A = c.instantLicenceId;
      const E = c.escrowLicenceId;
      const B = secondId;
      const plan: [bigint, bigint][] = [
        [A, 19_900n],
        [A, 555n],
        [E, 10_000n],
        [B, 33_333n],
        [A, 1n],
        [B, 99_999n],
        [B, 7n],
        [E, 7_777n],
        [A, 12_345n],
        [A, 33n],
      ];
      const orders: ISettlement.OrderStruct[] = plan.map(([licenceId, gross], i) => ({
        licenceId,
        orderRef: ids.order(`batch-${i}`),
        gross,
      }));
      const ratios = new Map<bigint, [bigint, bigint]>([
        [A, [1500n, 3500n]],
        [E, [1500n, 3500n]],
        [B, [2000n, 3000n]],
      ]);
      const totalCommission = plan.reduce(
        (sum, [licenceId, gross]) => sum + expectedSplit(gross, ...ratios.get(licenceId)!).commission,
        0n,
      );

      expect(await c.settlement.connect(taobao).settleSales.staticCall(c.token, orders)).to.equal(totalCommission);
      const tx = await c.settlement.connect(taobao).settleSales(c.token, orders);
      const receipt = await tx.wait();
      await expect(tx).to.changeTokenBalances(c.token, [taobao, c.settlement], [-totalCommission, totalCommission]);

      // one SaleSettled per order, each with the split computed independently
      const events = settledEvents(c, receipt);
      expect(events.length).to.equal(plan.length);
      const credited = new Map<string, bigint>();
      const parties = new Map<bigint, HardhatEthersSigner[]>([
        [A, [rightsHolder, mcn, platform]],
        [B, [rightsHolder2, mcn2, platform2]],
      ]);
      events.forEach((e, i) => {
        const [licenceId, gross] = plan[i]!;
        const split = expectedSplit(gross, ...ratios.get(licenceId)!);
        expect(e.licenceId).to.equal(licenceId);
        expect(e.orderRef).to.equal(orders[i]!.orderRef);
        expect([e.commission, e.rightsHolderShare, e.mcnShare, e.platformShare]).to.deep.equal([
          split.commission,
          split.rightsHolder,
          split.mcn,
          split.platform,
        ]);
        if (e.releaseAt !== 0n) return;
        const [r, m, p] = parties.get(licenceId)!;
        for (const [who, share] of [
          [r!, e.rightsHolderShare],
          [m!, e.mcnShare],
          [p!, e.platformShare],
        ] as const) {
          credited.set(who.address, (credited.get(who.address) ?? 0n) + share);
        }
      });
      for (const who of [rightsHolder, mcn, platform, rightsHolder2, mcn2, platform2]) {
        expect(await c.settlement.claimable(who.address, c.token)).to.equal(credited.get(who.address), who.address);
      }

      // exactly one token Transfer: reporter → vault, the sum of commissions
      const transfers = receipt!.logs
        .filter((log) => log.address === c.token.target)
        .map((log) => c.token.interface.parseLog(log))
        .filter((parsed) => parsed?.name === "Transfer");
      expect(transfers.length).to.equal(1);
      expect(transfers[0]!.args.toArray()).to.deep.equal([taobao.address, await c.settlement.getAddress(), totalCommission]);

      // the escrowed orders are held, then released on their schedule
      const escrowedIds = events.filter((e) => e.releaseAt !== 0n).map((e) => e.saleId);
      expect(escrowedIds.length).to.equal(2);
      for (const id of escrowedIds) expect((await c.settlement.getSale(id)).status).to.equal(Status.Escrowed);
      await expectVaultBalanced(c);
      await time.increase(7 * DAY);
      await c.settlement.releaseSales(escrowedIds);
      const escrowSplits = [expectedSplit(10_000n), expectedSplit(7_777n)];
      expect(await c.settlement.claimable(mcn.address, c.token)).to.equal(
        credited.get(mcn.address)! + escrowSplits[0]!.mcn + escrowSplits[1]!.mcn,
      );
      await expectVaultBalanced(c);
    });

    it("refuses an empty batch and a batch of 201 orders", async function () {
      const c = await loadFixture(deployWithLicences);
      const reporter = c.settlement.connect(c.accounts.taobao);
      await expect(reporter.settleSales(c.token, []))
        .to.be.revertedWithCustomError(c.settlement, "SettlementBatchSize")
        .withArgs(0n, MAX_BATCH);
      const orders = Array.from({ length: 201 }, (_, i) => ({ licenceId: c.instantLicenceId, orderRef: ids.order(`o-${i}`), gross: 100n }));
      await expect(reporter.settleSales(c.token, orders))
        .to.be.revertedWithCustomError(c.settlement, "SettlementBatchSize")
        .withArgs(201n, MAX_BATCH);
    });

    it("settles a full batch of 200 orders", async function () {
      const c = await loadFixture(deployWithLicences);
      const { taobao, rightsHolder, mcn, platform } = c.accounts;
      const orders = Array.from({ length: 200 }, (_, i) => ({ licenceId: c.instantLicenceId, orderRef: ids.order(`o-${i}`), gross: 100n }));
      // each 1.00 dCNY order: commission 0.20 → 0.03 / 0.07 / 0.10
      await expect(c.settlement.connect(taobao).settleSales(c.token, orders)).to.changeTokenBalances(
        c.token,
        [taobao, c.settlement],
        [-4_000n, 4_000n],
      );
      expect(await claimables(c, [rightsHolder, mcn, platform])).to.deep.equal([600n, 1_400n, 2_000n]);
      expect((await c.settlement.getSale(saleIdOf(1, ids.order("o-199")))).status).to.equal(Status.Claimable);
      await expectVaultBalanced(c);
    });

    it("refuses the whole batch when one order is outside its licence's scope, and nothing changes", async function () {
      const c = await loadFixture(deployWithLicences);
      const { taobao, rightsHolder, mcn, platform } = c.accounts;
      await settle(c, c.instantLicenceId, "before", 19_900n);
      const { licenceId: jdOnly } = await activeLicence(c, { contentId: ids.content("jd-only"), channels: [c.channel.jd] });
      const claimBefore = await claimables(c, [rightsHolder, mcn, platform]);
      const balancesBefore = [await c.token.balanceOf(taobao.address), await c.token.balanceOf(c.settlement)];
      const orders = [
        { licenceId: c.instantLicenceId, orderRef: ids.order("b-1"), gross: 19_900n },
        { licenceId: c.escrowLicenceId, orderRef: ids.order("b-2"), gross: 19_900n },
        { licenceId: jdOnly, orderRef: ids.order("b-3"), gross: 19_900n },
      ];
      await expect(c.settlement.connect(taobao).settleSales(c.token, orders))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryChannelNotInScope")
        .withArgs(jdOnly, 1);
      expect(await claimables(c, [rightsHolder, mcn, platform])).to.deep.equal(claimBefore);
      expect([await c.token.balanceOf(taobao.address), await c.token.balanceOf(c.settlement)]).to.deep.equal(balancesBefore);
      await expect(c.settlement.getSale(saleIdOf(1, ids.order("b-1"))))
        .to.be.revertedWithCustomError(c.settlement, "SettlementUnknownSale")
        .withArgs(saleIdOf(1, ids.order("b-1")));
      await expectVaultBalanced(c);
    });

    it("refuses the whole batch when it reports the same order twice, and nothing changes", async function () {
      const c = await loadFixture(deployWithLicences);
      const { taobao, rightsHolder, mcn, platform } = c.accounts;
      const ref = ids.order("b-dup");
      const balancesBefore = [await c.token.balanceOf(taobao.address), await c.token.balanceOf(c.settlement)];
      const orders = [
        { licenceId: c.instantLicenceId, orderRef: ids.order("b-1"), gross: 19_900n },
        { licenceId: c.instantLicenceId, orderRef: ref, gross: 19_900n },
        { licenceId: c.escrowLicenceId, orderRef: ref, gross: 500n },
      ];
      await expect(c.settlement.connect(taobao).settleSales(c.token, orders))
        .to.be.revertedWithCustomError(c.settlement, "SettlementDuplicateOrder")
        .withArgs(1, ref, saleIdOf(1, ref));
      expect(await claimables(c, [rightsHolder, mcn, platform])).to.deep.equal([0n, 0n, 0n]);
      expect([await c.token.balanceOf(taobao.address), await c.token.balanceOf(c.settlement)]).to.deep.equal(balancesBefore);
      await expectVaultBalanced(c);
    });

    it("refuses a batch that repeats an order already settled", async function () {
      const c = await loadFixture(deployWithLicences);
      const ref = ids.order("tb-1");
      await settle(c, c.instantLicenceId, "tb-1", 19_900n);
      const orders = [
        { licenceId: c.instantLicenceId, orderRef: ids.order("tb-2"), gross: 19_900n },
        { licenceId: c.instantLicenceId, orderRef: ref, gross: 19_900n },
      ];
      await expect(c.settlement.connect(c.accounts.taobao).settleSales(c.token, orders))
        .to.be.revertedWithCustomError(c.settlement, "SettlementDuplicateOrder")
        .withArgs(1, ref, saleIdOf(1, ref));
      expect(await c.settlement.claimable(c.accounts.platform.address, c.token)).to.equal(1_990n);
      await expectVaultBalanced(c);
    });

    it("refuses a batch from an account that is not a channel reporter", async function () {
      const c = await loadFixture(deployWithLicences);
      const orders = [{ licenceId: c.instantLicenceId, orderRef: ids.order("x"), gross: 19_900n }];
      await expect(c.settlement.connect(c.accounts.mcn).settleSales(c.token, orders))
        .to.be.revertedWithCustomError(c.settlement, "ConsortiumNotChannelReporter")
        .withArgs(c.accounts.mcn.address);
    });
  });

  describe("refundSale", function () {
    it("lets the sale's channel refund inside the window, crediting the commission to its reporter", async function () {
      const c = await loadFixture(deployWithLicences);
      const { taobao, rightsHolder, mcn, platform } = c.accounts;
      const { saleId, minedAt } = await settle(c, c.escrowLicenceId, "tb-1", 19_900n);
      await time.setNextBlockTimestamp(minedAt + HOLD - 1n);
      await expect(c.settlement.connect(taobao).refundSale(saleId))
        .to.emit(c.settlement, "SaleRefunded")
        .withArgs(saleId, c.escrowLicenceId, taobao.address, 3_980n, 0n);
      expect((await c.settlement.getSale(saleId)).status).to.equal(Status.Refunded);
      expect(await claimables(c, [taobao, rightsHolder, mcn, platform])).to.deep.equal([3_980n, 0n, 0n, 0n]);
      await expectVaultBalanced(c);

      await expect(c.settlement.connect(taobao).withdraw(c.token, taobao.address)).to.changeTokenBalances(
        c.token,
        [c.settlement, taobao],
        [-3_980n, 3_980n],
      );
      expect(await c.settlement.claimable(taobao.address, c.token)).to.equal(0n);
      await expectVaultBalanced(c);
    });

    it("refuses a refund by another channel's reporter or by a licence party", async function () {
      const c = await loadFixture(deployWithLicences);
      const { saleId } = await settle(c, c.escrowLicenceId, "tb-1", 19_900n);
      for (const caller of [c.accounts.jd, c.accounts.pdd, c.accounts.rightsHolder, c.accounts.mcn, c.accounts.platform]) {
        await expect(c.settlement.connect(caller).refundSale(saleId))
          .to.be.revertedWithCustomError(c.settlement, "SettlementNotSaleChannel")
          .withArgs(saleId, caller.address);
      }
      expect((await c.settlement.getSale(saleId)).status).to.equal(Status.Escrowed);
    });

    it("refuses to refund a sale that was paid at once", async function () {
      const c = await loadFixture(deployWithLicences);
      const { saleId } = await settle(c, c.instantLicenceId, "tb-1", 19_900n);
      await expect(c.settlement.connect(c.accounts.taobao).refundSale(saleId))
        .to.be.revertedWithCustomError(c.settlement, "SettlementWrongSaleStatus")
        .withArgs(saleId, Status.Claimable);
    });

    it("refuses a refund at releaseAt and after", async function () {
      const c = await loadFixture(deployWithLicences);
      const { saleId, minedAt } = await settle(c, c.escrowLicenceId, "tb-1", 19_900n);
      await time.setNextBlockTimestamp(minedAt + HOLD);
      await expect(c.settlement.connect(c.accounts.taobao).refundSale(saleId))
        .to.be.revertedWithCustomError(c.settlement, "SettlementRefundWindowClosed")
        .withArgs(saleId, minedAt + HOLD);
      await time.increaseTo(minedAt + HOLD + BigInt(DAY));
      await expect(c.settlement.connect(c.accounts.taobao).refundSale(saleId))
        .to.be.revertedWithCustomError(c.settlement, "SettlementRefundWindowClosed")
        .withArgs(saleId, minedAt + HOLD);
      expect(await c.settlement.claimable(c.accounts.taobao.address, c.token)).to.equal(0n);
    });

    it("refuses to refund a released sale", async function () {
      const c = await loadFixture(deployWithLicences);
      const { saleId, minedAt } = await settle(c, c.escrowLicenceId, "tb-1", 19_900n);
      await time.increaseTo(minedAt + HOLD);
      await c.settlement.releaseSales([saleId]);
      await expect(c.settlement.connect(c.accounts.taobao).refundSale(saleId))
        .to.be.revertedWithCustomError(c.settlement, "SettlementWrongSaleStatus")
        .withArgs(saleId, Status.Claimable);
      await expectVaultBalanced(c);
    });

    it("refuses to refund a sale twice, and never releases a refunded sale", async function () {
      const c = await loadFixture(deployWithLicences);
      const { saleId, minedAt } = await settle(c, c.escrowLicenceId, "tb-1", 19_900n);
      await c.settlement.connect(c.accounts.taobao).refundSale(saleId);
      await expect(c.settlement.connect(c.accounts.taobao).refundSale(saleId))
        .to.be.revertedWithCustomError(c.settlement, "SettlementWrongSaleStatus")
        .withArgs(saleId, Status.Refunded);
      await time.increaseTo(minedAt + HOLD);
      await expect(c.settlement.releaseSales([saleId]))
        .to.be.revertedWithCustomError(c.settlement, "SettlementWrongSaleStatus")
        .withArgs(saleId, Status.Refunded);
      expect(await c.settlement.claimable(c.accounts.taobao.address, c.token)).to.equal(3_980n);
      expect(await c.settlement.claimable(c.accounts.platform.address, c.token)).to.equal(0n);
      await expectVaultBalanced(c);
    });

    it("refuses an unknown sale id", async function () {
      const c = await loadFixture(deployWithLicences);
      const unknown = saleIdOf(1, ids.order("never-sold"));
      await expect(c.settlement.connect(c.accounts.taobao).refundSale(unknown))
        .to.be.revertedWithCustomError(c.settlement, "SettlementUnknownSale")
        .withArgs(unknown);
    });
  });

  describe("withdraw", function () {
    it("pays the caller's whole balance to itself and zeroes it", async function () {
      const c = await loadFixture(deployWithLicences);
      const { rightsHolder } = c.accounts;
      await settle(c, c.instantLicenceId, "tb-1", 19_900n);
      await settle(c, c.instantLicenceId, "tb-2", 33n);
      await settle(c, c.instantLicenceId, "jd-1", 10_000n, c.accounts.jd);
      const total = 597n + 0n + 300n;
      expect(await c.settlement.connect(rightsHolder).withdraw.staticCall(c.token, rightsHolder.address)).to.equal(total);
      const tx = c.settlement.connect(rightsHolder).withdraw(c.token, rightsHolder.address);
      await expect(tx)
        .to.emit(c.settlement, "Withdrawn")
        .withArgs(rightsHolder.address, await c.token.getAddress(), rightsHolder.address, total);
      await expect(tx).to.changeTokenBalances(c.token, [c.settlement, rightsHolder], [-total, total]);
      expect(await c.settlement.claimable(rightsHolder.address, c.token)).to.equal(0n);
      await expectVaultBalanced(c);
    });

    it("pays to another address of the caller's choosing", async function () {
      const c = await loadFixture(deployWithLicences);
      const { mcn, outsider } = c.accounts;
      await settle(c, c.instantLicenceId, "tb-1", 19_900n);
      const tx = c.settlement.connect(mcn).withdraw(c.token, outsider.address);
      await expect(tx)
        .to.emit(c.settlement, "Withdrawn")
        .withArgs(mcn.address, await c.token.getAddress(), outsider.address, 1_393n);
      await expect(tx).to.changeTokenBalances(c.token, [c.settlement, mcn, outsider], [-1_393n, 0n, 1_393n]);
      expect(await c.settlement.claimable(mcn.address, c.token)).to.equal(0n);
      expect(await c.settlement.claimable(outsider.address, c.token)).to.equal(0n);
      await expectVaultBalanced(c);
    });

    it("refuses when there is nothing to withdraw, including a second withdrawal", async function () {
      const c = await loadFixture(deployWithLicences);
      const { outsider, platform } = c.accounts;
      const token = await c.token.getAddress();
      await expect(c.settlement.connect(outsider).withdraw(token, outsider.address))
        .to.be.revertedWithCustomError(c.settlement, "SettlementNothingToWithdraw")
        .withArgs(outsider.address, token);
      await settle(c, c.instantLicenceId, "tb-1", 19_900n);
      await c.settlement.connect(platform).withdraw(token, platform.address);
      await expect(c.settlement.connect(platform).withdraw(token, platform.address))
        .to.be.revertedWithCustomError(c.settlement, "SettlementNothingToWithdraw")
        .withArgs(platform.address, token);
      await expectVaultBalanced(c);
    });

    it("refuses to pay the zero address", async function () {
      const c = await loadFixture(deployWithLicences);
      await settle(c, c.instantLicenceId, "tb-1", 19_900n);
      await expect(c.settlement.connect(c.accounts.platform).withdraw(c.token, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(c.settlement, "ConsortiumZeroAddress")
        .withArgs();
      expect(await c.settlement.claimable(c.accounts.platform.address, c.token)).to.equal(1_990n);
    });

    it("refuses to pay the vault itself, where the money would be stranded", async function () {
      const c = await loadFixture(deployWithLicences);
      await settle(c, c.instantLicenceId, "tb-1", 19_900n);
      await expect(c.settlement.connect(c.accounts.platform).withdraw(c.token, await c.settlement.getAddress()))
        .to.be.revertedWithCustomError(c.settlement, "SettlementRecipientIsVault")
        .withArgs();
      expect(await c.settlement.claimable(c.accounts.platform.address, c.token)).to.equal(1_990n);
      await expectVaultBalanced(c);
    });
  });

  describe("allowToken / disallowToken", function () {
    it("allows a new token under the next token id", async function () {
      const c = await loadFixture(deployWithLicences);
      const usd = await ethers.deployContract("DemoStablecoin", [c.accounts.admin.address]);
      expect(await c.settlement.isTokenAllowed(usd)).to.equal(false);
      await expect(c.settlement.allowToken(usd))
        .to.emit(c.settlement, "TokenAllowed")
        .withArgs(await usd.getAddress(), 2);
      expect(await c.settlement.isTokenAllowed(usd)).to.equal(true);
      await usd.mint(c.accounts.taobao.address, 10n ** 9n);
      await usd.connect(c.accounts.taobao).approve(c.settlement, ethers.MaxUint256);
      await c.settlement.connect(c.accounts.taobao).settleSale(c.instantLicenceId, ids.order("usd-1"), usd, 19_900n);
      expect((await c.settlement.getSale(saleIdOf(1, ids.order("usd-1")))).token).to.equal(await usd.getAddress());
      expect(await c.settlement.claimable(c.accounts.platform.address, usd)).to.equal(1_990n);
      expect(await c.settlement.claimable(c.accounts.platform.address, c.token)).to.equal(0n);
      await expectVaultBalanced(c, await usd.getAddress());
      await expectVaultBalanced(c);
    });

    it("refuses to allow a token twice or the zero address", async function () {
      const c = await loadFixture(deployWithLicences);
      await expect(c.settlement.allowToken(c.token))
        .to.be.revertedWithCustomError(c.settlement, "SettlementTokenAlreadyAllowed")
        .withArgs(await c.token.getAddress());
      await expect(c.settlement.allowToken(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(c.settlement, "ConsortiumZeroAddress")
        .withArgs();
    });

    it("refuses to disallow a token that is not allowed", async function () {
      const c = await loadFixture(deployWithLicences);
      const unknown = await ethers.deployContract("DemoStablecoin", [c.accounts.admin.address]);
      await expect(c.settlement.disallowToken(unknown))
        .to.be.revertedWithCustomError(c.settlement, "SettlementTokenNotAllowed")
        .withArgs(await unknown.getAddress());
      await c.settlement.disallowToken(c.token);
      await expect(c.settlement.disallowToken(c.token))
        .to.be.revertedWithCustomError(c.settlement, "SettlementTokenNotAllowed")
        .withArgs(await c.token.getAddress());
    });

    it("stops new sales in a disallowed token but keeps its balances withdrawable and its escrow releasable", async function () {
      const c = await loadFixture(deployWithLicences);
      const { taobao, rightsHolder, mcn, platform } = c.accounts;
      const token = await c.token.getAddress();
      await settle(c, c.instantLicenceId, "tb-1", 19_900n);
      const escrowed = await settle(c, c.escrowLicenceId, "tb-2", 19_900n);
      await expect(c.settlement.disallowToken(token)).to.emit(c.settlement, "TokenDisallowed").withArgs(token);
      expect(await c.settlement.isTokenAllowed(token)).to.equal(false);

      await expect(c.settlement.connect(taobao).settleSale(c.instantLicenceId, ids.order("tb-3"), token, 19_900n))
        .to.be.revertedWithCustomError(c.settlement, "SettlementTokenNotAllowed")
        .withArgs(token);
      await expect(
        c.settlement.connect(taobao).settleSales(token, [{ licenceId: c.instantLicenceId, orderRef: ids.order("tb-3"), gross: 1n }]),
      )
        .to.be.revertedWithCustomError(c.settlement, "SettlementTokenNotAllowed")
        .withArgs(token);

      await expect(c.settlement.connect(rightsHolder).withdraw(token, rightsHolder.address)).to.changeTokenBalances(
        c.token,
        [c.settlement, rightsHolder],
        [-597n, 597n],
      );
      await time.increaseTo(escrowed.minedAt + HOLD);
      await expect(c.settlement.releaseSales([escrowed.saleId]))
        .to.emit(c.settlement, "SaleReleased")
        .withArgs(escrowed.saleId, c.escrowLicenceId);
      expect(await claimables(c, [rightsHolder, mcn, platform])).to.deep.equal([597n, 2n * 1_393n, 2n * 1_990n]);
      await expect(c.settlement.connect(mcn).withdraw(token, mcn.address)).to.changeTokenBalances(
        c.token,
        [c.settlement, mcn],
        [-2n * 1_393n, 2n * 1_393n],
      );
      await expectVaultBalanced(c);
    });

    it("lets a refund of an escrowed sale in a disallowed token go through", async function () {
      const c = await loadFixture(deployWithLicences);
      const { saleId } = await settle(c, c.escrowLicenceId, "tb-1", 19_900n);
      await c.settlement.disallowToken(c.token);
      await c.settlement.connect(c.accounts.taobao).refundSale(saleId);
      await expect(c.settlement.connect(c.accounts.taobao).withdraw(c.token, c.accounts.taobao.address)).to.changeTokenBalances(
        c.token,
        [c.settlement, c.accounts.taobao],
        [-3_980n, 3_980n],
      );
      await expectVaultBalanced(c);
    });

    it("keeps a token's id when it is allowed again", async function () {
      const c = await loadFixture(deployWithLicences);
      const token = await c.token.getAddress();
      const usd = await ethers.deployContract("DemoStablecoin", [c.accounts.admin.address]);
      await c.settlement.allowToken(usd);
      const { saleId } = await settle(c, c.escrowLicenceId, "tb-1", 19_900n);
      await c.settlement.disallowToken(token);
      expect((await c.settlement.getSale(saleId)).token).to.equal(token);
      await expect(c.settlement.allowToken(token)).to.emit(c.settlement, "TokenAllowed").withArgs(token, 1);
      await c.settlement.disallowToken(usd);
      await expect(c.settlement.allowToken(usd))
        .to.emit(c.settlement, "TokenAllowed")
        .withArgs(await usd.getAddress(), 2);
      expect((await c.settlement.getSale(saleId)).token).to.equal(token);
      await settle(c, c.instantLicenceId, "tb-2", 19_900n);
      await expectVaultBalanced(c);
    });

    it("refuses allowToken and disallowToken by anyone but the consortium admin", async function () {
      const c = await loadFixture(deployWithLicences);
      const usd = await ethers.deployContract("DemoStablecoin", [c.accounts.admin.address]);
      for (const caller of [c.accounts.rightsHolder, c.accounts.mcn, c.accounts.arbiter, c.accounts.taobao, c.accounts.outsider]) {
        await expect(c.settlement.connect(caller).allowToken(usd))
          .to.be.revertedWithCustomError(c.settlement, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, ethers.ZeroHash);
        await expect(c.settlement.connect(caller).disallowToken(c.token))
          .to.be.revertedWithCustomError(c.settlement, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, ethers.ZeroHash);
      }
      expect(await c.settlement.isTokenAllowed(c.token)).to.equal(true);
      expect(await c.settlement.isTokenAllowed(usd)).to.equal(false);
    });
  });

  describe("dispute registry hooks", function () {
    it("refuses freezeSale, unfreezeSale and refundFrozenSale from anyone but the dispute registry", async function () {
      const c = await loadFixture(deployWithLicences);
      const { saleId } = await settle(c, c.escrowLicenceId, "tb-1", 19_900n);
      const role = await c.settlement.DISPUTE_REGISTRY_ROLE();
      const { admin, arbiter, rightsHolder, mcn, platform, taobao, outsider } = c.accounts;
      for (const caller of [admin, arbiter, rightsHolder, mcn, platform, taobao, outsider]) {
        const as = c.settlement.connect(caller);
        await expect(as.freezeSale(saleId, 1n))
          .to.be.revertedWithCustomError(c.settlement, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
        await expect(as.unfreezeSale(saleId, 1n))
          .to.be.revertedWithCustomError(c.settlement, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
        await expect(as.refundFrozenSale(saleId, 1n))
          .to.be.revertedWithCustomError(c.settlement, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
      }
      expect((await c.settlement.getSale(saleId)).status).to.equal(Status.Escrowed);
      await expectVaultBalanced(c);
    });
  });
});
