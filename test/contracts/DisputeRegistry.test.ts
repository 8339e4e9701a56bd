import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyUint } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { DAY, activeLicence, deployWithLicences, expectVaultBalanced, ids, saleIdOf } from "./fixtures";

type World = Awaited<ReturnType<typeof deployWithLicences>>;

const Kind = { Licence: 0n, Sale: 1n } as const;
const Status = { None: 0n, Open: 1n, Upheld: 2n, Rejected: 3n } as const;
const Reason = { Other: 0, OwnershipClaim: 1, UnlicensedChannel: 2, MisreportedSale: 3, RefundAbuse: 4, TermsBreach: 5 } as const;
const Remedy = { None: 0, Suspend: 1, Terminate: 2 } as const;
const SaleStatus = { None: 0n, Escrowed: 1n, Frozen: 2n, Claimable: 3n, Refunded: 4n } as const;
const LicenceStatus = { Active: 2n, Superseded: 3n, Suspended: 4n, Terminated: 5n } as const;

/** 19,900 fen at 20 % is 3,980 fen of commission, split 15 / 35 / 50. */
const GROSS = 19_900n;
const COMMISSION = 3980n;
const RIGHTS_HOLDER_SHARE = 597n;
const MCN_SHARE = 1393n;
const PLATFORM_SHARE = 1990n;
const HOLD = 7 * DAY;

const EVIDENCE = ids.evidence("screenshot-of-the-order");
const RULING = ethers.id("ruling:decision-1");
const ZERO = ethers.ZeroHash;

/** Pins the timestamp of the next mined block and returns it, so events can be asserted exactly. */
async function nextBlockAt(secondsFromNow = 1): Promise<number> {
  const t = (await time.latest()) + secondsFromNow;
  await time.setNextBlockTimestamp(t);
  return t;
}

/** A licence id as a dispute's `target`. */
function licenceTarget(licenceId: bigint): string {
  return ethers.toBeHex(licenceId, 32);
}

/** Settles one sale of `gross` under `licenceId`, reported by `reporter` (taobao by default). */
async function sell(c: World, licenceId: bigint, name: string, reporter: HardhatEthersSigner = c.accounts.taobao, gross = GROSS) {
  const orderRef = ids.order(name);
  const channelId = Number(await c.settlement.channelOfReporter(reporter.address));
  await c.settlement.connect(reporter).settleSale(licenceId, orderRef, await c.token.getAddress(), gross);
  return saleIdOf(channelId, orderRef);
}

async function claimableOf(c: World, account: HardhatEthersSigner): Promise<bigint> {
  return c.settlement.claimable(account.address, await c.token.getAddress());
}

async function partyBalances(c: World): Promise<[bigint, bigint, bigint]> {
  return [await claimableOf(c, c.accounts.rightsHolder), await claimableOf(c, c.accounts.mcn), await claimableOf(c, c.accounts.platform)];
}

/** An escrowed taobao sale under the 7-day-hold licence, disputed (and frozen) by the MCN. */
async function frozenSale() {
  const c = await loadFixture(deployWithLicences);
  const saleId = await sell(c, c.escrowLicenceId, "frozen");
  const { releaseAt } = await c.settlement.getSale(saleId);
  await c.disputes.connect(c.accounts.mcn).openSaleDispute(saleId, Reason.RefundAbuse, EVIDENCE);
  return { ...c, saleId, releaseAt: Number(releaseAt) };
}

/** A dispute opened by the MCN on the instant licence. */
async function licenceDispute() {
  const c = await loadFixture(deployWithLicences);
  await c.disputes.connect(c.accounts.mcn).openLicenceDispute(c.instantLicenceId, Reason.TermsBreach, EVIDENCE);
  return { ...c, licenceId: c.instantLicenceId };
}

describe("DisputeRegistry", function () {
  describe("openSaleDispute", function () {
    it("freezes an escrowed sale so it can be neither released nor refunded", async function () {
      const c = await loadFixture(deployWithLicences);
      const { mcn, taobao } = c.accounts;
      const saleId = await sell(c, c.escrowLicenceId, "escrowed");
      const { releaseAt } = await c.settlement.getSale(saleId);

      const now = await nextBlockAt();
      const tx = c.disputes.connect(mcn).openSaleDispute(saleId, Reason.RefundAbuse, EVIDENCE);
      await expect(tx).to.emit(c.disputes, "DisputeOpened").withArgs(1n, Kind.Sale, saleId, mcn.address, Reason.RefundAbuse, EVIDENCE, now);
      await expect(tx).to.emit(c.disputes, "EvidenceAdded").withArgs(1n, mcn.address, EVIDENCE, now);
      await expect(tx).to.emit(c.settlement, "SaleFrozen").withArgs(saleId, 1n);

      expect((await c.settlement.getSale(saleId)).status).to.equal(SaleStatus.Frozen);
      expect(await c.disputes.openDisputeOn(Kind.Sale, saleId)).to.equal(1n);
      await expect(c.settlement.connect(taobao).refundSale(saleId))
        .to.be.revertedWithCustomError(c.settlement, "SettlementWrongSaleStatus")
        .withArgs(saleId, SaleStatus.Frozen);

      await time.increaseTo(releaseAt);
      await expect(c.settlement.releaseSales([saleId]))
        .to.be.revertedWithCustomError(c.settlement, "SettlementWrongSaleStatus")
        .withArgs(saleId, SaleStatus.Frozen);
      expect(await partyBalances(c)).to.deep.equal([0n, 0n, 0n]);
      await expectVaultBalanced(c);
    });

    it("freezes a sale disputed in the last second of its refund window, not one disputed at its end", async function () {
      const c = await loadFixture(deployWithLicences);
      const early = await sell(c, c.escrowLicenceId, "early");
      const late = await sell(c, c.escrowLicenceId, "late");
      const earlyReleaseAt = Number((await c.settlement.getSale(early)).releaseAt);

      await time.setNextBlockTimestamp(earlyReleaseAt - 1);
      await expect(c.disputes.connect(c.accounts.mcn).openSaleDispute(early, Reason.Other, EVIDENCE))
        .to.emit(c.settlement, "SaleFrozen")
        .withArgs(early, 1n);

      await time.setNextBlockTimestamp(Number((await c.settlement.getSale(late)).releaseAt));
      await expect(c.disputes.connect(c.accounts.mcn).openSaleDispute(late, Reason.Other, EVIDENCE)).not.to.emit(
        c.settlement,
        "SaleFrozen",
      );
      expect((await c.settlement.getSale(late)).status).to.equal(SaleStatus.Escrowed);
    });

    for (const who of ["rightsHolder", "mcn", "platform", "taobao"] as const) {
      it(`lets the sale's ${who === "taobao" ? "channel reporter (taobao)" : who} open a dispute on it`, async function () {
        const c = await loadFixture(deployWithLicences);
        const party = c.accounts[who];
        const saleId = await sell(c, c.escrowLicenceId, "any");
        const now = await nextBlockAt();
        await expect(c.disputes.connect(party).openSaleDispute(saleId, Reason.MisreportedSale, EVIDENCE))
          .to.emit(c.disputes, "DisputeOpened")
          .withArgs(1n, Kind.Sale, saleId, party.address, Reason.MisreportedSale, EVIDENCE, now)
          .and.to.emit(c.settlement, "SaleFrozen")
          .withArgs(saleId, 1n);
        expect((await c.disputes.getDispute(1n)).openedBy).to.equal(party.address);
      });
    }

    it("refuses another channel's reporter, an outsider, the arbiter, the admin and other licences' parties", async function () {
      const c = await loadFixture(deployWithLicences);
      const { jd, pdd, outsider, arbiter, admin, mcn2, rightsHolder2 } = c.accounts;
      const saleId = await sell(c, c.escrowLicenceId, "taobao-sale");
      for (const account of [jd, pdd, outsider, arbiter, admin, mcn2, rightsHolder2]) {
        await expect(c.disputes.connect(account).openSaleDispute(saleId, Reason.Other, EVIDENCE))
          .to.be.revertedWithCustomError(c.disputes, "DisputeRegistryNotParty")
          .withArgs(account.address);
      }
      expect(await c.disputes.disputeCount()).to.equal(0n);
      expect((await c.settlement.getSale(saleId)).status).to.equal(SaleStatus.Escrowed);
    });

    it("does not freeze a sale paid at once, and its ruling moves no money", async function () {
      const c = await loadFixture(deployWithLicences);
      const { taobao, arbiter } = c.accounts;
      const saleId = await sell(c, c.instantLicenceId, "instant");
      const paid = [RIGHTS_HOLDER_SHARE, MCN_SHARE, PLATFORM_SHARE];
      expect(await partyBalances(c)).to.deep.equal(paid);

      await expect(c.disputes.connect(taobao).openSaleDispute(saleId, Reason.RefundAbuse, EVIDENCE))
        .to.emit(c.disputes, "DisputeOpened")
        .and.not.to.emit(c.settlement, "SaleFrozen");
      expect((await c.settlement.getSale(saleId)).status).to.equal(SaleStatus.Claimable);

      await expect(c.disputes.connect(arbiter).resolve(1n, true, RULING, Remedy.None))
        .to.emit(c.disputes, "DisputeResolved")
        .and.not.to.emit(c.settlement, "SaleRefunded");
      expect((await c.settlement.getSale(saleId)).status).to.equal(SaleStatus.Claimable);
      expect(await partyBalances(c)).to.deep.equal(paid);
      expect(await claimableOf(c, taobao)).to.equal(0n);

      await c.disputes.connect(taobao).openSaleDispute(saleId, Reason.RefundAbuse, EVIDENCE);
      await expect(c.disputes.connect(arbiter).resolve(2n, false, RULING, Remedy.None))
        .to.emit(c.disputes, "DisputeResolved")
        .and.not.to.emit(c.settlement, "SaleUnfrozen")
        .and.not.to.emit(c.settlement, "SaleReleased");
      expect(await partyBalances(c)).to.deep.equal(paid);
      await expectVaultBalanced(c);
    });

    it("does not freeze an escrowed sale whose refund window has passed, which can still be released", async function () {
      const c = await loadFixture(deployWithLicences);
      const saleId = await sell(c, c.escrowLicenceId, "late");
      await time.increase(HOLD + DAY);

      await expect(c.disputes.connect(c.accounts.rightsHolder).openSaleDispute(saleId, Reason.MisreportedSale, EVIDENCE))
        .to.emit(c.disputes, "DisputeOpened")
        .and.not.to.emit(c.settlement, "SaleFrozen");
      expect((await c.settlement.getSale(saleId)).status).to.equal(SaleStatus.Escrowed);

      await expect(c.settlement.releaseSales([saleId]))
        .to.emit(c.settlement, "SaleReleased")
        .withArgs(saleId, c.escrowLicenceId);
      expect(await partyBalances(c)).to.deep.equal([RIGHTS_HOLDER_SHARE, MCN_SHARE, PLATFORM_SHARE]);

      await expect(c.disputes.connect(c.accounts.arbiter).resolve(1n, true, RULING, Remedy.None)).not.to.emit(c.settlement, "SaleRefunded");
      expect(await partyBalances(c)).to.deep.equal([RIGHTS_HOLDER_SHARE, MCN_SHARE, PLATFORM_SHARE]);
      await expectVaultBalanced(c);
    });

    it("refuses a dispute without evidence", async function () {
      const c = await loadFixture(deployWithLicences);
      const saleId = await sell(c, c.escrowLicenceId, "no-evidence");
      await expect(c.disputes.connect(c.accounts.mcn).openSaleDispute(saleId, Reason.Other, ZERO)).to.be.revertedWithCustomError(
        c.disputes,
        "DisputeRegistryZeroHash",
      );
      expect((await c.settlement.getSale(saleId)).status).to.equal(SaleStatus.Escrowed);
    });

    it("refuses a reason outside the list", async function () {
      const c = await loadFixture(deployWithLicences);
      const saleId = await sell(c, c.escrowLicenceId, "bad-reason");
      for (const reason of [6, 255]) {
        await expect(c.disputes.connect(c.accounts.mcn).openSaleDispute(saleId, reason, EVIDENCE))
          .to.be.revertedWithCustomError(c.disputes, "DisputeRegistryInvalidReason")
          .withArgs(reason);
      }
    });

    it("accepts every listed reason and stores it", async function () {
      const c = await loadFixture(deployWithLicences);
      for (const reason of Object.values(Reason)) {
        const saleId = await sell(c, c.escrowLicenceId, `reason-${reason}`);
        await expect(c.disputes.connect(c.accounts.platform).openSaleDispute(saleId, reason, EVIDENCE)).to.emit(
          c.disputes,
          "DisputeOpened",
        );
        const id = await c.disputes.disputeCount();
        expect((await c.disputes.getDispute(id)).reason).to.equal(BigInt(reason));
      }
      expect(await c.disputes.disputeCount()).to.equal(6n);
    });

    it("refuses a second dispute on a sale while one is open, whoever opens it", async function () {
      const c = await frozenSale();
      for (const account of [c.accounts.mcn, c.accounts.rightsHolder, c.accounts.taobao]) {
        await expect(c.disputes.connect(account).openSaleDispute(c.saleId, Reason.Other, ids.evidence("again")))
          .to.be.revertedWithCustomError(c.disputes, "DisputeRegistryAlreadyOpen")
          .withArgs(1n);
      }
      expect(await c.disputes.disputeCount()).to.equal(1n);
    });

    it("accepts a new dispute on a sale once the first is resolved, freezing it again", async function () {
      const c = await frozenSale();
      expect(await c.disputes.openDisputeOn(Kind.Sale, c.saleId)).to.equal(1n);
      await c.disputes.connect(c.accounts.arbiter).resolve(1n, false, RULING, Remedy.None);
      expect(await c.disputes.openDisputeOn(Kind.Sale, c.saleId)).to.equal(0n);
      expect((await c.settlement.getSale(c.saleId)).status).to.equal(SaleStatus.Escrowed);

      await expect(c.disputes.connect(c.accounts.taobao).openSaleDispute(c.saleId, Reason.MisreportedSale, ids.evidence("new")))
        .to.emit(c.disputes, "DisputeOpened")
        .withArgs(2n, Kind.Sale, c.saleId, c.accounts.taobao.address, Reason.MisreportedSale, ids.evidence("new"), anyUint)
        .and.to.emit(c.settlement, "SaleFrozen")
        .withArgs(c.saleId, 2n);
      expect(await c.disputes.openDisputeOn(Kind.Sale, c.saleId)).to.equal(2n);
    });

    it("refuses an unknown sale", async function () {
      const c = await loadFixture(deployWithLicences);
      const saleId = saleIdOf(c.channel.taobao, ids.order("never-sold"));
      await expect(c.disputes.connect(c.accounts.mcn).openSaleDispute(saleId, Reason.Other, EVIDENCE))
        .to.be.revertedWithCustomError(c.settlement, "SettlementUnknownSale")
        .withArgs(saleId);
    });
  });

  describe("resolve (sale dispute)", function () {
    it("refunds an upheld frozen sale to the channel that reported it, and the parties get nothing", async function () {
      const c = await frozenSale();
      const { arbiter, taobao } = c.accounts;
      const token = await c.token.getAddress();

      const now = await nextBlockAt(3600);
      const tx = c.disputes.connect(arbiter).resolve(1n, true, RULING, Remedy.None);
      await expect(tx).to.emit(c.disputes, "DisputeResolved").withArgs(1n, Status.Upheld, Remedy.None, RULING, arbiter.address, now);
      await expect(tx).to.emit(c.settlement, "SaleRefunded").withArgs(c.saleId, c.escrowLicenceId, taobao.address, COMMISSION, 1n);

      expect((await c.settlement.getSale(c.saleId)).status).to.equal(SaleStatus.Refunded);
      expect(await claimableOf(c, taobao)).to.equal(COMMISSION);
      expect(await partyBalances(c)).to.deep.equal([0n, 0n, 0n]);
      await expectVaultBalanced(c);

      await time.increaseTo(c.releaseAt);
      await expect(c.settlement.releaseSales([c.saleId]))
        .to.be.revertedWithCustomError(c.settlement, "SettlementWrongSaleStatus")
        .withArgs(c.saleId, SaleStatus.Refunded);
      expect(await partyBalances(c)).to.deep.equal([0n, 0n, 0n]);

      await expect(c.settlement.connect(taobao).withdraw(token, taobao.address)).to.changeTokenBalances(
        c.token,
        [taobao, c.settlement],
        [COMMISSION, -COMMISSION],
      );
      expect(await claimableOf(c, taobao)).to.equal(0n);
      await expectVaultBalanced(c);
    });

    it("returns a sale rejected before its release time to escrow, and releases it to the parties later", async function () {
      const c = await frozenSale();
      const { arbiter } = c.accounts;

      const now = await nextBlockAt(DAY);
      const tx = c.disputes.connect(arbiter).resolve(1n, false, RULING, Remedy.None);
      await expect(tx).to.emit(c.disputes, "DisputeResolved").withArgs(1n, Status.Rejected, Remedy.None, RULING, arbiter.address, now);
      await expect(tx).to.emit(c.settlement, "SaleUnfrozen").withArgs(c.saleId, 1n);
      await expect(tx).not.to.emit(c.settlement, "SaleReleased");
      await expect(tx).not.to.emit(c.settlement, "SaleRefunded");
      expect((await c.settlement.getSale(c.saleId)).status).to.equal(SaleStatus.Escrowed);
      expect(await partyBalances(c)).to.deep.equal([0n, 0n, 0n]);
      await expectVaultBalanced(c);

      await expect(c.settlement.releaseSales([c.saleId]))
        .to.be.revertedWithCustomError(c.settlement, "SettlementStillInEscrow")
        .withArgs(c.saleId, c.releaseAt);

      await time.increaseTo(c.releaseAt);
      await expect(c.settlement.releaseSales([c.saleId]))
        .to.emit(c.settlement, "SaleReleased")
        .withArgs(c.saleId, c.escrowLicenceId);
      expect(await partyBalances(c)).to.deep.equal([RIGHTS_HOLDER_SHARE, MCN_SHARE, PLATFORM_SHARE]);
      expect(await claimableOf(c, c.accounts.taobao)).to.equal(0n);
      await expectVaultBalanced(c);
    });

    it("releases a sale rejected after its release time to the parties in the same transaction", async function () {
      const c = await frozenSale();
      await time.increaseTo(c.releaseAt + DAY);

      const tx = c.disputes.connect(c.accounts.arbiter).resolve(1n, false, RULING, Remedy.None);
      await expect(tx).to.emit(c.settlement, "SaleUnfrozen").withArgs(c.saleId, 1n);
      await expect(tx).to.emit(c.settlement, "SaleReleased").withArgs(c.saleId, c.escrowLicenceId);
      expect((await c.settlement.getSale(c.saleId)).status).to.equal(SaleStatus.Claimable);
      expect(await partyBalances(c)).to.deep.equal([RIGHTS_HOLDER_SHARE, MCN_SHARE, PLATFORM_SHARE]);
      expect(await claimableOf(c, c.accounts.taobao)).to.equal(0n);
      await expectVaultBalanced(c);
    });

    it("refuses a licence remedy on a sale dispute", async function () {
      const c = await frozenSale();
      for (const [upheld, remedy] of [
        [true, Remedy.Suspend],
        [true, Remedy.Terminate],
        [false, Remedy.Suspend],
      ] as const) {
        await expect(c.disputes.connect(c.accounts.arbiter).resolve(1n, upheld, RULING, remedy))
          .to.be.revertedWithCustomError(c.disputes, "DisputeRegistryInvalidRemedy")
          .withArgs(1n, remedy);
      }
      expect((await c.disputes.getDispute(1n)).status).to.equal(Status.Open);
      expect((await c.settlement.getSale(c.saleId)).status).to.equal(SaleStatus.Frozen);
    });
  });

  describe("openLicenceDispute", function () {
    for (const who of ["rightsHolder", "mcn", "platform", "jd"] as const) {
      it(`lets the licence's ${who === "jd" ? "in-scope channel (jd)" : who} open a dispute on it`, async function () {
        const c = await loadFixture(deployWithLicences);
        const party = c.accounts[who];
        const now = await nextBlockAt();
        const tx = c.disputes.connect(party).openLicenceDispute(c.instantLicenceId, Reason.OwnershipClaim, EVIDENCE);
        await expect(tx)
          .to.emit(c.disputes, "DisputeOpened")
          .withArgs(1n, Kind.Licence, licenceTarget(c.instantLicenceId), party.address, Reason.OwnershipClaim, EVIDENCE, now);
        await expect(tx).to.emit(c.disputes, "EvidenceAdded").withArgs(1n, party.address, EVIDENCE, now);
        const d = await c.disputes.getDispute(1n);
        expect(d.kind).to.equal(Kind.Licence);
        expect(d.target).to.equal(licenceTarget(c.instantLicenceId));
        expect(await c.disputes.openDisputeOn(Kind.Licence, licenceTarget(c.instantLicenceId))).to.equal(1n);
      });
    }

    it("refuses a channel outside the licence scope, an outsider, the arbiter and other licences' parties", async function () {
      const c = await loadFixture(deployWithLicences);
      const { pdd, outsider, arbiter, admin, mcn2, platform2 } = c.accounts;
      for (const account of [pdd, outsider, arbiter, admin, mcn2, platform2]) {
        await expect(c.disputes.connect(account).openLicenceDispute(c.instantLicenceId, Reason.Other, EVIDENCE))
          .to.be.revertedWithCustomError(c.disputes, "DisputeRegistryNotParty")
          .withArgs(account.address);
      }
      expect(await c.disputes.disputeCount()).to.equal(0n);
    });

    it("lets sales continue while the dispute is open", async function () {
      const c = await licenceDispute();
      expect((await c.settlement.getSale(await sell(c, c.licenceId, "during-dispute"))).status).to.equal(SaleStatus.Claimable);
      expect(await c.settlement.licenceStatus(c.licenceId)).to.equal(LicenceStatus.Active);
      expect(await partyBalances(c)).to.deep.equal([RIGHTS_HOLDER_SHARE, MCN_SHARE, PLATFORM_SHARE]);
    });

    it("refuses a second dispute on a licence while one is open, zero evidence and a bad reason", async function () {
      const c = await licenceDispute();
      const { rightsHolder } = c.accounts;
      await expect(c.disputes.connect(rightsHolder).openLicenceDispute(c.licenceId, Reason.Other, ids.evidence("again")))
        .to.be.revertedWithCustomError(c.disputes, "DisputeRegistryAlreadyOpen")
        .withArgs(1n);
      await expect(
        c.disputes.connect(rightsHolder).openLicenceDispute(c.escrowLicenceId, Reason.Other, ZERO),
      ).to.be.revertedWithCustomError(c.disputes, "DisputeRegistryZeroHash");
      await expect(c.disputes.connect(rightsHolder).openLicenceDispute(c.escrowLicenceId, 6, EVIDENCE))
        .to.be.revertedWithCustomError(c.disputes, "DisputeRegistryInvalidReason")
        .withArgs(6);
    });

    it("refuses an unknown licence", async function () {
      const c = await loadFixture(deployWithLicences);
      await expect(c.disputes.connect(c.accounts.mcn).openLicenceDispute(99n, Reason.Other, EVIDENCE))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryUnknownLicence")
        .withArgs(99n);
    });
  });

  describe("suspendLicence", function () {
    it("suspends the disputed licence until the ruling, refusing new sales", async function () {
      const c = await licenceDispute();
      const { arbiter } = c.accounts;
      const tx = c.disputes.connect(arbiter).suspendLicence(1n);
      await expect(tx).to.emit(c.settlement, "LicenceSuspended").withArgs(c.licenceId, 1n);
      await expect(tx).to.emit(c.disputes, "LicenceSuspendedPendingRuling").withArgs(1n, c.licenceId, arbiter.address);
      expect(await c.settlement.licenceStatus(c.licenceId)).to.equal(LicenceStatus.Suspended);
      expect((await c.disputes.getDispute(1n)).status).to.equal(Status.Open);

      await expect(sell(c, c.licenceId, "while-suspended"))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
        .withArgs(c.licenceId, LicenceStatus.Suspended);
      expect((await c.settlement.getSale(await sell(c, c.escrowLicenceId, "other-licence"))).status).to.equal(SaleStatus.Escrowed);
    });

    it("refuses to suspend a licence twice", async function () {
      const c = await licenceDispute();
      await c.disputes.connect(c.accounts.arbiter).suspendLicence(1n);
      await expect(c.disputes.connect(c.accounts.arbiter).suspendLicence(1n))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
        .withArgs(c.licenceId, LicenceStatus.Suspended);
    });

    it("refuses to suspend through a sale dispute", async function () {
      const c = await frozenSale();
      await expect(c.disputes.connect(c.accounts.arbiter).suspendLicence(1n))
        .to.be.revertedWithCustomError(c.disputes, "DisputeRegistryNotLicenceDispute")
        .withArgs(1n);
      expect(await c.settlement.licenceStatus(c.escrowLicenceId)).to.equal(LicenceStatus.Active);
    });

    it("refuses an unknown or decided dispute", async function () {
      const c = await licenceDispute();
      await expect(c.disputes.connect(c.accounts.arbiter).suspendLicence(99n))
        .to.be.revertedWithCustomError(c.disputes, "DisputeRegistryUnknownDispute")
        .withArgs(99n);
      await c.disputes.connect(c.accounts.arbiter).resolve(1n, false, RULING, Remedy.None);
      await expect(c.disputes.connect(c.accounts.arbiter).suspendLicence(1n))
        .to.be.revertedWithCustomError(c.disputes, "DisputeRegistryNotOpen")
        .withArgs(1n);
      expect(await c.settlement.licenceStatus(c.licenceId)).to.equal(LicenceStatus.Active);
    });
  });

  describe("resolve (licence dispute)", function () {
    it("reinstates a suspended licence when the dispute is rejected, and sales work again", async function () {
      const c = await licenceDispute();
      const { arbiter } = c.accounts;
      await c.disputes.connect(arbiter).suspendLicence(1n);

      const now = await nextBlockAt();
      const tx = c.disputes.connect(arbiter).resolve(1n, false, RULING, Remedy.None);
      await expect(tx).to.emit(c.disputes, "DisputeResolved").withArgs(1n, Status.Rejected, Remedy.None, RULING, arbiter.address, now);
      await expect(tx).to.emit(c.settlement, "LicenceReinstated").withArgs(c.licenceId, 1n);
      expect(await c.settlement.licenceStatus(c.licenceId)).to.equal(LicenceStatus.Active);
      expect((await c.settlement.getSale(await sell(c, c.licenceId, "after-reinstatement"))).status).to.equal(SaleStatus.Claimable);
    });

    it("leaves an unsuspended licence active when the dispute is rejected", async function () {
      const c = await licenceDispute();
      await expect(c.disputes.connect(c.accounts.arbiter).resolve(1n, false, RULING, Remedy.None))
        .to.emit(c.disputes, "DisputeResolved")
        .and.not.to.emit(c.settlement, "LicenceReinstated");
      expect(await c.settlement.licenceStatus(c.licenceId)).to.equal(LicenceStatus.Active);
      expect((await c.settlement.getSale(await sell(c, c.licenceId, "after-rejection"))).status).to.equal(SaleStatus.Claimable);
    });

    it("terminates the licence when upheld with Terminate, refusing sales for good", async function () {
      const c = await licenceDispute();
      const { arbiter } = c.accounts;
      const now = await nextBlockAt();
      const tx = c.disputes.connect(arbiter).resolve(1n, true, RULING, Remedy.Terminate);
      await expect(tx).to.emit(c.disputes, "DisputeResolved").withArgs(1n, Status.Upheld, Remedy.Terminate, RULING, arbiter.address, now);
      await expect(tx).to.emit(c.settlement, "LicenceTerminated").withArgs(c.licenceId, 1n);
      expect(await c.settlement.licenceStatus(c.licenceId)).to.equal(LicenceStatus.Terminated);
      await expect(sell(c, c.licenceId, "after-termination"))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
        .withArgs(c.licenceId, LicenceStatus.Terminated);
    });

    it("terminates a licence suspended pending the ruling when upheld with Terminate", async function () {
      const c = await licenceDispute();
      await c.disputes.connect(c.accounts.arbiter).suspendLicence(1n);
      await expect(c.disputes.connect(c.accounts.arbiter).resolve(1n, true, RULING, Remedy.Terminate))
        .to.emit(c.settlement, "LicenceTerminated")
        .withArgs(c.licenceId, 1n);
      expect(await c.settlement.licenceStatus(c.licenceId)).to.equal(LicenceStatus.Terminated);
    });

    it("suspends the licence when upheld with Suspend", async function () {
      const c = await licenceDispute();
      await expect(c.disputes.connect(c.accounts.arbiter).resolve(1n, true, RULING, Remedy.Suspend))
        .to.emit(c.settlement, "LicenceSuspended")
        .withArgs(c.licenceId, 1n);
      expect(await c.settlement.licenceStatus(c.licenceId)).to.equal(LicenceStatus.Suspended);
      await expect(sell(c, c.licenceId, "after-suspension"))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
        .withArgs(c.licenceId, LicenceStatus.Suspended);
    });

    it("keeps a licence suspended pending the ruling suspended when upheld with Suspend", async function () {
      const c = await licenceDispute();
      await c.disputes.connect(c.accounts.arbiter).suspendLicence(1n);
      await expect(c.disputes.connect(c.accounts.arbiter).resolve(1n, true, RULING, Remedy.Suspend))
        .to.emit(c.disputes, "DisputeResolved")
        .and.not.to.emit(c.settlement, "LicenceReinstated");
      expect(await c.settlement.licenceStatus(c.licenceId)).to.equal(LicenceStatus.Suspended);
    });

    it("keeps a suspension ordered by an earlier upheld ruling when a later dispute is rejected", async function () {
      const c = await licenceDispute();
      const { arbiter, platform } = c.accounts;
      await c.disputes.connect(arbiter).resolve(1n, true, RULING, Remedy.Suspend);
      await c.disputes.connect(platform).openLicenceDispute(c.licenceId, Reason.TermsBreach, EVIDENCE);

      await expect(c.disputes.connect(arbiter).resolve(2n, false, RULING, Remedy.None))
        .to.emit(c.disputes, "DisputeResolved")
        .and.not.to.emit(c.settlement, "LicenceReinstated");
      expect(await c.settlement.licenceStatus(c.licenceId)).to.equal(LicenceStatus.Suspended);
      expect((await c.disputes.getDispute(2n)).suspendedLicence).to.equal(false);
    });

    it("records which dispute suspended the licence pending its ruling", async function () {
      const c = await licenceDispute();
      expect((await c.disputes.getDispute(1n)).suspendedLicence).to.equal(false);
      await c.disputes.connect(c.accounts.arbiter).suspendLicence(1n);
      expect((await c.disputes.getDispute(1n)).suspendedLicence).to.equal(true);
    });

    it("refuses a remedy that does not fit the ruling", async function () {
      const c = await licenceDispute();
      const { arbiter } = c.accounts;
      for (const [upheld, remedy] of [
        [true, Remedy.None],
        [false, Remedy.Terminate],
        [false, Remedy.Suspend],
      ] as const) {
        await expect(c.disputes.connect(arbiter).resolve(1n, upheld, RULING, remedy))
          .to.be.revertedWithCustomError(c.disputes, "DisputeRegistryInvalidRemedy")
          .withArgs(1n, remedy);
      }
      expect((await c.disputes.getDispute(1n)).status).to.equal(Status.Open);
      expect(await c.settlement.licenceStatus(c.licenceId)).to.equal(LicenceStatus.Active);
    });

    it("records a ruling on a licence superseded meanwhile without touching it", async function () {
      const c = await licenceDispute();
      const { licenceId: newLicenceId } = await activeLicence(c, { supersedes: c.licenceId, termsHash: ethers.id("terms:v2") });
      expect(await c.settlement.licenceStatus(c.licenceId)).to.equal(LicenceStatus.Superseded);

      await expect(c.disputes.connect(c.accounts.arbiter).resolve(1n, true, RULING, Remedy.Terminate))
        .to.emit(c.disputes, "DisputeResolved")
        .withArgs(1n, Status.Upheld, Remedy.Terminate, RULING, c.accounts.arbiter.address, anyUint)
        .and.not.to.emit(c.settlement, "LicenceTerminated");
      expect(await c.settlement.licenceStatus(c.licenceId)).to.equal(LicenceStatus.Superseded);
      expect(await c.settlement.licenceStatus(newLicenceId)).to.equal(LicenceStatus.Active);
      expect((await c.disputes.getDispute(1n)).status).to.equal(Status.Upheld);
      expect((await c.settlement.getSale(await sell(c, newLicenceId, "under-new-terms"))).status).to.equal(SaleStatus.Claimable);
    });

    it("records a Suspend ruling on a superseded licence without touching it", async function () {
      const c = await licenceDispute();
      await activeLicence(c, { supersedes: c.licenceId, termsHash: ethers.id("terms:v2") });
      await expect(c.disputes.connect(c.accounts.arbiter).resolve(1n, true, RULING, Remedy.Suspend)).not.to.emit(
        c.settlement,
        "LicenceSuspended",
      );
      expect(await c.settlement.licenceStatus(c.licenceId)).to.equal(LicenceStatus.Superseded);
    });
  });

  describe("addEvidence", function () {
    it("lets every party of a sale dispute add evidence, listed in the order added", async function () {
      const c = await frozenSale();
      const { rightsHolder, platform, taobao, mcn } = c.accounts;
      const hashes = [EVIDENCE];
      for (const [i, party] of [rightsHolder, platform, taobao, mcn].entries()) {
        const hash = ids.evidence(`more-${i}`);
        const now = await nextBlockAt(60);
        await expect(c.disputes.connect(party).addEvidence(1n, hash))
          .to.emit(c.disputes, "EvidenceAdded")
          .withArgs(1n, party.address, hash, now);
        hashes.push(hash);
      }
      expect(await c.disputes.evidenceOf(1n)).to.deep.equal(hashes);
      expect((await c.disputes.getDispute(1n)).evidenceCount).to.equal(5n);
    });

    it("lets a channel in scope add evidence to a licence dispute, not one outside it", async function () {
      const c = await licenceDispute();
      const { jd, pdd } = c.accounts;
      await expect(c.disputes.connect(jd).addEvidence(1n, ids.evidence("jd")))
        .to.emit(c.disputes, "EvidenceAdded")
        .withArgs(1n, jd.address, ids.evidence("jd"), anyUint);
      await expect(c.disputes.connect(pdd).addEvidence(1n, ids.evidence("pdd")))
        .to.be.revertedWithCustomError(c.disputes, "DisputeRegistryNotParty")
        .withArgs(pdd.address);
      expect(await c.disputes.evidenceOf(1n)).to.deep.equal([EVIDENCE, ids.evidence("jd")]);
    });

    it("refuses an outsider, another channel and the arbiter", async function () {
      const c = await frozenSale();
      for (const account of [c.accounts.outsider, c.accounts.jd, c.accounts.arbiter]) {
        await expect(c.disputes.connect(account).addEvidence(1n, ids.evidence("intruder")))
          .to.be.revertedWithCustomError(c.disputes, "DisputeRegistryNotParty")
          .withArgs(account.address);
      }
      expect((await c.disputes.getDispute(1n)).evidenceCount).to.equal(1n);
    });

    it("refuses a zero hash", async function () {
      const c = await frozenSale();
      await expect(c.disputes.connect(c.accounts.taobao).addEvidence(1n, ZERO)).to.be.revertedWithCustomError(
        c.disputes,
        "DisputeRegistryZeroHash",
      );
    });

    it("refuses evidence after the ruling", async function () {
      const c = await frozenSale();
      await c.disputes.connect(c.accounts.arbiter).resolve(1n, false, RULING, Remedy.None);
      await expect(c.disputes.connect(c.accounts.taobao).addEvidence(1n, ids.evidence("too-late")))
        .to.be.revertedWithCustomError(c.disputes, "DisputeRegistryNotOpen")
        .withArgs(1n);
      expect(await c.disputes.evidenceOf(1n)).to.deep.equal([EVIDENCE]);
    });

    it("refuses an unknown dispute", async function () {
      const c = await loadFixture(deployWithLicences);
      await expect(c.disputes.connect(c.accounts.mcn).addEvidence(99n, EVIDENCE))
        .to.be.revertedWithCustomError(c.disputes, "DisputeRegistryUnknownDispute")
        .withArgs(99n);
    });
  });

  describe("arbiters", function () {
    it("refuses a ruling from anyone without ARBITER_ROLE: each party, the reporter, the admin, an outsider", async function () {
      const c = await frozenSale();
      const role = await c.settlement.ARBITER_ROLE();
      const { rightsHolder, mcn, platform, taobao, admin, outsider } = c.accounts;
      for (const account of [rightsHolder, mcn, platform, taobao, admin, outsider]) {
        await expect(c.disputes.connect(account).resolve(1n, true, RULING, Remedy.None))
          .to.be.revertedWithCustomError(c.disputes, "AccessControlUnauthorizedAccount")
          .withArgs(account.address, role);
      }
      expect((await c.settlement.getSale(c.saleId)).status).to.equal(SaleStatus.Frozen);
    });

    it("refuses a suspension from anyone without ARBITER_ROLE", async function () {
      const c = await licenceDispute();
      const role = await c.settlement.ARBITER_ROLE();
      const { rightsHolder, mcn, platform, jd, admin, outsider } = c.accounts;
      for (const account of [rightsHolder, mcn, platform, jd, admin, outsider]) {
        await expect(c.disputes.connect(account).suspendLicence(1n))
          .to.be.revertedWithCustomError(c.disputes, "AccessControlUnauthorizedAccount")
          .withArgs(account.address, role);
      }
      expect(await c.settlement.licenceStatus(c.licenceId)).to.equal(LicenceStatus.Active);
    });

    it("refuses an arbiter who is a party to the dispute, but not one who is a party elsewhere", async function () {
      const c = await frozenSale();
      const role = await c.settlement.ARBITER_ROLE();
      const { admin, mcn, taobao, mcn2 } = c.accounts;
      for (const account of [mcn, taobao, mcn2]) await c.settlement.connect(admin).grantRole(role, account.address);
      for (const account of [mcn, taobao]) {
        await expect(c.disputes.connect(account).resolve(1n, true, RULING, Remedy.None))
          .to.be.revertedWithCustomError(c.disputes, "DisputeRegistryArbiterIsParty")
          .withArgs(1n, account.address);
      }
      await expect(c.disputes.connect(mcn2).resolve(1n, true, RULING, Remedy.None))
        .to.emit(c.disputes, "DisputeResolved")
        .withArgs(1n, Status.Upheld, Remedy.None, RULING, mcn2.address, anyUint);
    });

    it("refuses an arbiter who is a party to a licence dispute, including a channel in scope", async function () {
      const c = await licenceDispute();
      const role = await c.settlement.ARBITER_ROLE();
      const { admin, mcn, jd } = c.accounts;
      for (const account of [mcn, jd]) {
        await c.settlement.connect(admin).grantRole(role, account.address);
        await expect(c.disputes.connect(account).suspendLicence(1n))
          .to.be.revertedWithCustomError(c.disputes, "DisputeRegistryArbiterIsParty")
          .withArgs(1n, account.address);
        await expect(c.disputes.connect(account).resolve(1n, false, RULING, Remedy.None))
          .to.be.revertedWithCustomError(c.disputes, "DisputeRegistryArbiterIsParty")
          .withArgs(1n, account.address);
      }
      expect(await c.settlement.licenceStatus(c.licenceId)).to.equal(LicenceStatus.Active);
    });

    it("refuses a ruling without a hash", async function () {
      const c = await frozenSale();
      await expect(c.disputes.connect(c.accounts.arbiter).resolve(1n, true, ZERO, Remedy.None)).to.be.revertedWithCustomError(
        c.disputes,
        "DisputeRegistryZeroHash",
      );
      expect((await c.settlement.getSale(c.saleId)).status).to.equal(SaleStatus.Frozen);
    });

    it("refuses to decide a dispute twice", async function () {
      const c = await frozenSale();
      await c.disputes.connect(c.accounts.arbiter).resolve(1n, true, RULING, Remedy.None);
      await expect(c.disputes.connect(c.accounts.arbiter).resolve(1n, false, ethers.id("ruling:second"), Remedy.None))
        .to.be.revertedWithCustomError(c.disputes, "DisputeRegistryNotOpen")
        .withArgs(1n);
      expect((await c.disputes.getDispute(1n)).status).to.equal(Status.Upheld);
      expect(await claimableOf(c, c.accounts.taobao)).to.equal(COMMISSION);
      await expectVaultBalanced(c);
    });

    it("refuses an unknown dispute", async function () {
      const c = await loadFixture(deployWithLicences);
      await expect(c.disputes.connect(c.accounts.arbiter).resolve(99n, true, RULING, Remedy.None))
        .to.be.revertedWithCustomError(c.disputes, "DisputeRegistryUnknownDispute")
        .withArgs(99n);
    });
  });

  describe("records", function () {
    it("keeps every field of a resolved dispute and counts every dispute ever opened", async function () {
      const c = await loadFixture(deployWithLicences);
      const { rightsHolder, arbiter, platform } = c.accounts;
      const openedAt = await nextBlockAt();
      await c.disputes.connect(rightsHolder).openLicenceDispute(c.instantLicenceId, Reason.OwnershipClaim, EVIDENCE);
      await c.disputes.connect(platform).addEvidence(1n, ids.evidence("platform"));
      const resolvedAt = await nextBlockAt(DAY);
      await c.disputes.connect(arbiter).resolve(1n, true, RULING, Remedy.Suspend);
      const saleId = await sell(c, c.escrowLicenceId, "second");
      await c.disputes.connect(rightsHolder).openSaleDispute(saleId, Reason.MisreportedSale, EVIDENCE);

      const d = await c.disputes.getDispute(1n);
      expect({
        kind: d.kind,
        status: d.status,
        reason: d.reason,
        remedy: d.remedy,
        openedAt: d.openedAt,
        resolvedAt: d.resolvedAt,
        openedBy: d.openedBy,
        resolvedBy: d.resolvedBy,
        target: d.target,
        ruling: d.ruling,
        evidenceCount: d.evidenceCount,
      }).to.deep.equal({
        kind: Kind.Licence,
        status: Status.Upheld,
        reason: BigInt(Reason.OwnershipClaim),
        remedy: BigInt(Remedy.Suspend),
        openedAt: BigInt(openedAt),
        resolvedAt: BigInt(resolvedAt),
        openedBy: rightsHolder.address,
        resolvedBy: arbiter.address,
        target: licenceTarget(c.instantLicenceId),
        ruling: RULING,
        evidenceCount: 2n,
      });
      expect(await c.disputes.evidenceOf(1n)).to.deep.equal([EVIDENCE, ids.evidence("platform")]);

      const open = await c.disputes.getDispute(2n);
      expect([open.kind, open.status, open.resolvedAt, open.resolvedBy, open.ruling, open.target]).to.deep.equal([
        Kind.Sale,
        Status.Open,
        0n,
        ethers.ZeroAddress,
        ZERO,
        saleId,
      ]);
      expect(await c.disputes.disputeCount()).to.equal(2n);

      await c.disputes.connect(arbiter).resolve(2n, false, RULING, Remedy.None);
      await c.disputes.connect(c.accounts.mcn).openSaleDispute(saleId, Reason.Other, EVIDENCE);
      expect(await c.disputes.disputeCount()).to.equal(3n);
      expect((await c.disputes.getDispute(2n)).status).to.equal(Status.Rejected);
    });

    it("refuses to read an unknown dispute", async function () {
      const c = await loadFixture(deployWithLicences);
      await expect(c.disputes.getDispute(99n)).to.be.revertedWithCustomError(c.disputes, "DisputeRegistryUnknownDispute").withArgs(99n);
      await expect(c.disputes.evidenceOf(99n)).to.be.revertedWithCustomError(c.disputes, "DisputeRegistryUnknownDispute").withArgs(99n);
      await expect(c.disputes.getDispute(0n)).to.be.revertedWithCustomError(c.disputes, "DisputeRegistryUnknownDispute").withArgs(0n);
    });

    it("measures handling time as resolvedAt - openedAt", async function () {
      const c = await frozenSale();
      const HANDLING = 12 * 60 * 60;
      const { openedAt } = await c.disputes.getDispute(1n);
      await time.setNextBlockTimestamp(Number(openedAt) + HANDLING);
      await c.disputes.connect(c.accounts.arbiter).resolve(1n, false, RULING, Remedy.None);
      const d = await c.disputes.getDispute(1n);
      expect(d.resolvedAt - d.openedAt).to.equal(BigInt(HANDLING));
    });
  });
});
