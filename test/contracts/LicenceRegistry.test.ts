import { expect } from "chai";
import { ethers } from "hardhat";
import { FunctionFragment } from "ethers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { DAY, activeLicence, deployConsortium, deployWithLicences, exampleTerms, ids, saleIdOf } from "./fixtures";
import type { Consortium, Terms } from "./fixtures";

/** Licence statuses, as ILicenceRegistry.LicenceStatus numbers them. */
const Status = { None: 0, Proposed: 1, Active: 2, Superseded: 3, Suspended: 4, Terminated: 5, Cancelled: 6, Expired: 7 } as const;
const MAX_HOLD = 90 * DAY;

/** Pins the timestamp of the next block (or of the next call's pending block) and returns it. */
async function nextTimestamp(ahead = 10): Promise<number> {
  const t = (await time.latest()) + ahead;
  await time.setNextBlockTimestamp(t);
  return t;
}

/** Settles one sale of `gross` as `reporter` (taobao by default). */
async function settle(c: Consortium, licenceId: bigint | number, order: string, gross = 10_000n, reporter?: HardhatEthersSigner) {
  const r = reporter ?? c.accounts.taobao;
  return c.settlement.connect(r).settleSale(licenceId, ids.order(order), await c.token.getAddress(), gross);
}

/** Registers `terms` as the rights holder; returns the new licence id. */
async function propose(c: Consortium, overrides: Partial<Terms> = {}, rightsHolder = c.accounts.rightsHolder) {
  const terms = await exampleTerms(c, overrides);
  const licenceId = (await c.settlement.licenceCount()) + 1n;
  await c.settlement.connect(rightsHolder).registerLicence(terms);
  return { licenceId, terms };
}

/** The state-changing (non-view, non-pure) functions in the deployed contract's ABI. */
function writersOf(c: Consortium): FunctionFragment[] {
  return c.settlement.interface.fragments
    .filter((f): f is FunctionFragment => FunctionFragment.isFragment(f))
    .filter((f) => f.stateMutability !== "view" && f.stateMutability !== "pure");
}

/** The terms of a stored licence (everything but status, acceptance and supersededBy). */
async function termsOf(c: Consortium, licenceId: bigint) {
  const v = await c.settlement.getLicence(licenceId);
  return {
    contentId: v.contentId,
    rightsHolder: v.rightsHolder,
    mcn: v.mcn,
    platform: v.platform,
    rightsHolderBps: v.rightsHolderBps,
    mcnBps: v.mcnBps,
    platformBps: v.platformBps,
    commissionBps: v.commissionBps,
    channels: Array.from(v.channels),
    validFrom: v.validFrom,
    validUntil: v.validUntil,
    holdSeconds: v.holdSeconds,
    registeredAt: v.registeredAt,
    supersedes: v.supersedes,
    termsHash: v.termsHash,
  };
}

describe("LicenceRegistry", function () {
  describe("registerLicence", function () {
    it("timestamps the content fingerprint for its first rights holder", async function () {
      const c = await loadFixture(deployConsortium);
      const terms = await exampleTerms(c);
      expect(await c.settlement.contentRecord(terms.contentId)).to.deep.equal([ethers.ZeroAddress, 0n]);
      const t = await nextTimestamp();
      await expect(c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms))
        .to.emit(c.settlement, "ContentRegistered")
        .withArgs(terms.contentId, c.accounts.rightsHolder.address, t);
      expect(await c.settlement.contentRecord(terms.contentId)).to.deep.equal([c.accounts.rightsHolder.address, BigInt(t)]);
    });

    it("announces the licence with its id, content, rights holder and full terms", async function () {
      const c = await loadFixture(deployConsortium);
      const terms = await exampleTerms(c);
      expect(await c.settlement.connect(c.accounts.rightsHolder).registerLicence.staticCall(terms)).to.equal(1n);
      const tx = c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms);
      await expect(tx)
        .to.emit(c.settlement, "LicenceRegistered")
        .withArgs(1n, terms.contentId, c.accounts.rightsHolder.address, (t: unknown) => Array.isArray(t));
      const receipt = await (await tx).wait();
      const log = receipt!.logs.map((l) => c.settlement.interface.parseLog(l)).find((p) => p !== null && p.name === "LicenceRegistered");
      const emitted = log!.args.terms as Terms;
      expect(emitted.termsURI).to.equal("ipfs://bafy-terms-v1");
      expect(emitted.termsHash).to.equal(terms.termsHash);
      expect(emitted.mcn).to.equal(terms.mcn);
      expect(emitted.platform).to.equal(terms.platform);
      expect([emitted.rightsHolderBps, emitted.mcnBps, emitted.platformBps, emitted.commissionBps]).to.deep.equal([
        1500n,
        3500n,
        5000n,
        2000n,
      ]);
      expect(Array.from(emitted.channels)).to.deep.equal([1n, 2n]);
      expect(emitted.validFrom).to.equal(BigInt(terms.validFrom));
      expect(emitted.validUntil).to.equal(BigInt(terms.validUntil));
      expect(emitted.holdSeconds).to.equal(0n);
      expect(emitted.supersedes).to.equal(0n);
    });

    it("stores every term: getLicence returns the licence as proposed", async function () {
      const c = await loadFixture(deployConsortium);
      const terms = await exampleTerms(c, { holdSeconds: 7 * DAY });
      const t = await nextTimestamp();
      await c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms);
      const v = await c.settlement.getLicence(1);
      expect(v.licenceId).to.equal(1n);
      expect(v.contentId).to.equal(terms.contentId);
      expect(v.rightsHolder).to.equal(c.accounts.rightsHolder.address);
      expect(v.mcn).to.equal(c.accounts.mcn.address);
      expect(v.platform).to.equal(c.accounts.platform.address);
      expect(v.rightsHolderBps).to.equal(1500n);
      expect(v.mcnBps).to.equal(3500n);
      expect(v.platformBps).to.equal(5000n);
      expect(v.commissionBps).to.equal(2000n);
      expect(Array.from(v.channels)).to.deep.equal([1n, 2n]);
      expect(v.validFrom).to.equal(BigInt(terms.validFrom));
      expect(v.validUntil).to.equal(BigInt(terms.validUntil));
      expect(v.holdSeconds).to.equal(BigInt(7 * DAY));
      expect(v.registeredAt).to.equal(BigInt(t));
      expect(v.status).to.equal(Status.Proposed);
      expect(v.mcnAccepted).to.equal(false);
      expect(v.platformAccepted).to.equal(false);
      expect(v.supersedes).to.equal(0n);
      expect(v.supersededBy).to.equal(0n);
      expect(v.termsHash).to.equal(terms.termsHash);
      expect(await c.settlement.licenceStatus(1)).to.equal(Status.Proposed);
      expect(await c.settlement.licenceCount()).to.equal(1n);
    });

    it("lists the scope's channels in ascending order whatever order they were given in", async function () {
      const c = await loadFixture(deployConsortium);
      const { licenceId } = await propose(c, { channels: [c.channel.pdd, c.channel.taobao] });
      expect(Array.from((await c.settlement.getLicence(licenceId)).channels)).to.deep.equal([1n, 3n]);
      expect(await c.settlement.isInScope(licenceId, c.channel.taobao)).to.equal(true);
      expect(await c.settlement.isInScope(licenceId, c.channel.jd)).to.equal(false);
      expect(await c.settlement.isInScope(licenceId, c.channel.pdd)).to.equal(true);
    });

    it("lets the same rights holder license the same content again, to another MCN, platform and channels", async function () {
      const c = await loadFixture(deployConsortium);
      const first = await propose(c);
      const firstRecord = await c.settlement.contentRecord(first.terms.contentId);
      await time.increase(DAY);
      const terms = await exampleTerms(c, {
        mcn: c.accounts.mcn2.address,
        platform: c.accounts.platform2.address,
        channels: [c.channel.pdd],
      });
      await expect(c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms))
        .to.emit(c.settlement, "LicenceRegistered")
        .withArgs(2n, terms.contentId, c.accounts.rightsHolder.address, (t: unknown) => Array.isArray(t))
        .and.not.to.emit(c.settlement, "ContentRegistered");
      expect(await c.settlement.contentRecord(terms.contentId)).to.deep.equal(firstRecord);
      const v = await c.settlement.getLicence(2);
      expect([v.mcn, v.platform]).to.deep.equal([c.accounts.mcn2.address, c.accounts.platform2.address]);
      expect(Array.from(v.channels)).to.deep.equal([3n]);
      // the second licence lives independently of the first
      await c.settlement.connect(c.accounts.mcn2).acceptLicence(2);
      await c.settlement.connect(c.accounts.platform2).acceptLicence(2);
      await expect(settle(c, 2n, "pdd-sale", 10_000n, c.accounts.pdd))
        .to.emit(c.settlement, "SaleSettled")
        .withArgs(
          saleIdOf(3, ids.order("pdd-sale")),
          2n,
          3,
          ids.order("pdd-sale"),
          await c.token.getAddress(),
          10_000n,
          2_000n,
          300n,
          700n,
          1_000n,
          0,
        );
      expect(await c.settlement.licenceStatus(first.licenceId)).to.equal(Status.Proposed);
    });

    it("refuses another rights holder registering content somebody registered first", async function () {
      const c = await loadFixture(deployConsortium);
      const { terms } = await propose(c);
      const theirs = await exampleTerms(c, { mcn: c.accounts.mcn2.address, platform: c.accounts.platform2.address });
      await expect(c.settlement.connect(c.accounts.rightsHolder2).registerLicence(theirs))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryContentOwnedByAnother")
        .withArgs(terms.contentId, c.accounts.rightsHolder.address);
      expect(await c.settlement.licenceCount()).to.equal(1n);
    });

    it("refuses a zero content fingerprint", async function () {
      const c = await loadFixture(deployConsortium);
      const terms = await exampleTerms(c, { contentId: ethers.ZeroHash });
      await expect(c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms)).to.be.revertedWithCustomError(
        c.settlement,
        "LicenceRegistryZeroContentId",
      );
    });

    const badSplits: [string, number, number, number][] = [
      ["under", 1500, 3500, 4999],
      ["over", 1500, 3501, 5000],
      ["all zero", 0, 0, 0],
    ];
    for (const [label, rh, mcn, pf] of badSplits) {
      it(`refuses a split that sums ${label} 10,000 (${rh}/${mcn}/${pf})`, async function () {
        const c = await loadFixture(deployConsortium);
        const terms = await exampleTerms(c, { rightsHolderBps: rh, mcnBps: mcn, platformBps: pf });
        await expect(c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms))
          .to.be.revertedWithCustomError(c.settlement, "LicenceRegistrySplitNotWhole")
          .withArgs(rh, mcn, pf);
      });
    }

    it("accepts a split that gives one party everything", async function () {
      const c = await loadFixture(deployConsortium);
      const { licenceId } = await propose(c, { rightsHolderBps: 10_000, mcnBps: 0, platformBps: 0 });
      const v = await c.settlement.getLicence(licenceId);
      expect([v.rightsHolderBps, v.mcnBps, v.platformBps]).to.deep.equal([10_000n, 0n, 0n]);
    });

    for (const commission of [1499, 2501]) {
      it(`refuses a commission of ${commission} bps, outside the default band [1500, 2500]`, async function () {
        const c = await loadFixture(deployConsortium);
        const terms = await exampleTerms(c, { commissionBps: commission });
        await expect(c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms))
          .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryCommissionOutOfBand")
          .withArgs(commission, 1500, 2500);
      });
    }

    for (const commission of [1500, 2500]) {
      it(`accepts a commission of ${commission} bps, on the band's bound`, async function () {
        const c = await loadFixture(deployConsortium);
        const { licenceId } = await propose(c, { commissionBps: commission });
        expect((await c.settlement.getLicence(licenceId)).commissionBps).to.equal(commission);
      });
    }

    it("refuses a window that ends before it starts", async function () {
      const c = await loadFixture(deployConsortium);
      const now = await time.latest();
      const terms = await exampleTerms(c, { validFrom: now + 10 * DAY, validUntil: now + 5 * DAY });
      const t = await nextTimestamp();
      await expect(c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryInvalidWindow")
        .withArgs(now + 10 * DAY, now + 5 * DAY, t);
    });

    it("refuses a window that has already ended", async function () {
      const c = await loadFixture(deployConsortium);
      const now = await time.latest();
      const terms = await exampleTerms(c, { validFrom: now - 10 * DAY, validUntil: now - DAY });
      const t = await nextTimestamp();
      await expect(c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryInvalidWindow")
        .withArgs(now - 10 * DAY, now - DAY, t);
    });

    it("refuses a window that ends in the very block it is registered in", async function () {
      const c = await loadFixture(deployConsortium);
      const now = await time.latest();
      const t = now + 10;
      const terms = await exampleTerms(c, { validFrom: now, validUntil: t });
      await time.setNextBlockTimestamp(t);
      await expect(c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryInvalidWindow")
        .withArgs(now, t, t);
    });

    it("accepts a window of a single second in the future", async function () {
      const c = await loadFixture(deployConsortium);
      // Pin the registration block's time: after a fixture's snapshot is restored, Hardhat's clock may be
      // minutes past the latest block.
      const now = await time.latest();
      await time.setNextBlockTimestamp(now + 1);
      const until = now + 100;
      const { licenceId } = await propose(c, { validFrom: until, validUntil: until });
      const v = await c.settlement.getLicence(licenceId);
      expect([v.validFrom, v.validUntil]).to.deep.equal([BigInt(until), BigInt(until)]);
    });

    it("accepts a hold of exactly 90 days", async function () {
      const c = await loadFixture(deployConsortium);
      expect(await c.settlement.MAX_HOLD_SECONDS()).to.equal(MAX_HOLD);
      const { licenceId } = await propose(c, { holdSeconds: MAX_HOLD });
      expect((await c.settlement.getLicence(licenceId)).holdSeconds).to.equal(MAX_HOLD);
    });

    it("refuses a hold of 90 days and one second", async function () {
      const c = await loadFixture(deployConsortium);
      const terms = await exampleTerms(c, { holdSeconds: MAX_HOLD + 1 });
      await expect(c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryHoldTooLong")
        .withArgs(MAX_HOLD + 1, 7_776_000);
    });

    it("refuses an empty scope", async function () {
      const c = await loadFixture(deployConsortium);
      const terms = await exampleTerms(c, { channels: [] });
      await expect(c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms)).to.be.revertedWithCustomError(
        c.settlement,
        "LicenceRegistryEmptyScope",
      );
    });

    for (const unknown of [0, 4]) {
      it(`refuses unknown channel ${unknown} in the scope`, async function () {
        const c = await loadFixture(deployConsortium);
        const terms = await exampleTerms(c, { channels: [c.channel.taobao, unknown] });
        await expect(c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms))
          .to.be.revertedWithCustomError(c.settlement, "ConsortiumUnknownChannel")
          .withArgs(unknown);
      });
    }

    it("refuses a channel listed twice in the scope", async function () {
      const c = await loadFixture(deployConsortium);
      const terms = await exampleTerms(c, { channels: [c.channel.taobao, c.channel.jd, c.channel.taobao] });
      await expect(c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryDuplicateChannel")
        .withArgs(c.channel.taobao);
    });

    it("refuses an MCN that does not hold MCN_ROLE", async function () {
      const c = await loadFixture(deployConsortium);
      const mcnRole = await c.settlement.MCN_ROLE();
      for (const who of [c.accounts.outsider, c.accounts.platform]) {
        const terms = await exampleTerms(c, { mcn: who.address });
        await expect(c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms))
          .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryPartyMissingRole")
          .withArgs(who.address, mcnRole);
      }
    });

    it("refuses a platform that does not hold PLATFORM_ROLE", async function () {
      const c = await loadFixture(deployConsortium);
      const platformRole = await c.settlement.PLATFORM_ROLE();
      for (const who of [c.accounts.outsider, c.accounts.mcn2]) {
        const terms = await exampleTerms(c, { platform: who.address });
        await expect(c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms))
          .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryPartyMissingRole")
          .withArgs(who.address, platformRole);
      }
    });

    const notRightsHolders: [string, (c: Consortium) => HardhatEthersSigner][] = [
      ["an MCN", (c) => c.accounts.mcn],
      ["a platform", (c) => c.accounts.platform],
      ["an outsider", (c) => c.accounts.outsider],
      ["the consortium admin", (c) => c.accounts.admin],
      ["an arbiter", (c) => c.accounts.arbiter],
      ["a channel reporter", (c) => c.accounts.taobao],
    ];
    for (const [who, pick] of notRightsHolders) {
      it(`is refused to ${who} (no RIGHTS_HOLDER_ROLE)`, async function () {
        const c = await loadFixture(deployConsortium);
        const caller = pick(c);
        const terms = await exampleTerms(c);
        await expect(c.settlement.connect(caller).registerLicence(terms))
          .to.be.revertedWithCustomError(c.settlement, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, await c.settlement.RIGHTS_HOLDER_ROLE());
        expect(await c.settlement.contentRecord(terms.contentId)).to.deep.equal([ethers.ZeroAddress, 0n]);
      });
    }
  });

  describe("setCommissionBand", function () {
    it("states the default 15–25 % band in the trail from the deployment on", async function () {
      const c = await loadFixture(deployConsortium);
      const deployTx = c.settlement.deploymentTransaction()!;
      await expect(deployTx).to.emit(c.settlement, "CommissionBandSet").withArgs(1500, 2500);
      expect(await c.settlement.commissionBand()).to.deep.equal([1500n, 2500n]);
    });

    it("applies a new band to licences registered from then on", async function () {
      const c = await loadFixture(deployConsortium);
      expect(await c.settlement.commissionBand()).to.deep.equal([1500n, 2500n]);
      await expect(c.settlement.setCommissionBand(1000, 3000)).to.emit(c.settlement, "CommissionBandSet").withArgs(1000, 3000);
      expect(await c.settlement.commissionBand()).to.deep.equal([1000n, 3000n]);

      const low = await propose(c, { commissionBps: 1000 });
      const high = await propose(c, { commissionBps: 3000 });
      expect((await c.settlement.getLicence(low.licenceId)).commissionBps).to.equal(1000n);
      expect((await c.settlement.getLicence(high.licenceId)).commissionBps).to.equal(3000n);
      for (const commission of [999, 3001]) {
        const terms = await exampleTerms(c, { commissionBps: commission });
        await expect(c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms))
          .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryCommissionOutOfBand")
          .withArgs(commission, 1000, 3000);
      }
    });

    it("leaves an existing active licence at its commission, which it keeps settling at", async function () {
      const c = await loadFixture(deployWithLicences);
      const token = await c.token.getAddress();
      await c.settlement.setCommissionBand(1000, 3000);
      expect((await c.settlement.getLicence(c.instantLicenceId)).commissionBps).to.equal(2000n);
      await expect(settle(c, c.instantLicenceId, "after-band-1"))
        .to.emit(c.settlement, "SaleSettled")
        .withArgs(
          saleIdOf(1, ids.order("after-band-1")),
          c.instantLicenceId,
          1,
          ids.order("after-band-1"),
          token,
          10_000n,
          2_000n,
          300n,
          700n,
          1_000n,
          0,
        );

      // even a band that no longer contains the licence's commission leaves it untouched
      await c.settlement.setCommissionBand(2100, 3000);
      expect((await c.settlement.getLicence(c.instantLicenceId)).commissionBps).to.equal(2000n);
      await expect(settle(c, c.instantLicenceId, "after-band-2"))
        .to.emit(c.settlement, "SaleSettled")
        .withArgs(
          saleIdOf(1, ids.order("after-band-2")),
          c.instantLicenceId,
          1,
          ids.order("after-band-2"),
          token,
          10_000n,
          2_000n,
          300n,
          700n,
          1_000n,
          0,
        );
      expect(await c.settlement.claimable(c.accounts.platform.address, token)).to.equal(2_000n);
    });

    it("accepts the widest band [1, 10000]", async function () {
      const c = await loadFixture(deployConsortium);
      await expect(c.settlement.setCommissionBand(1, 10_000)).to.emit(c.settlement, "CommissionBandSet").withArgs(1, 10_000);
      await expect(c.settlement.setCommissionBand(10_000, 10_000)).to.emit(c.settlement, "CommissionBandSet").withArgs(10_000, 10_000);
    });

    const invalidBands: [string, number, number][] = [
      ["a zero minimum", 0, 2000],
      ["a minimum above the maximum", 2000, 1999],
      ["a maximum above 10,000", 1500, 10_001],
    ];
    for (const [label, min, max] of invalidBands) {
      it(`refuses ${label} (${min}, ${max})`, async function () {
        const c = await loadFixture(deployConsortium);
        await expect(c.settlement.setCommissionBand(min, max))
          .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryInvalidBand")
          .withArgs(min, max);
        expect(await c.settlement.commissionBand()).to.deep.equal([1500n, 2500n]);
      });
    }
  });

  describe("acceptLicence", function () {
    it("the MCN accepting first leaves the licence proposed", async function () {
      const c = await loadFixture(deployConsortium);
      const { licenceId } = await propose(c);
      await expect(c.settlement.connect(c.accounts.mcn).acceptLicence(licenceId))
        .to.emit(c.settlement, "LicenceAccepted")
        .withArgs(licenceId, c.accounts.mcn.address)
        .and.not.to.emit(c.settlement, "LicenceActivated");
      const v = await c.settlement.getLicence(licenceId);
      expect(v.status).to.equal(Status.Proposed);
      expect([v.mcnAccepted, v.platformAccepted]).to.deep.equal([true, false]);
    });

    it("the platform accepting second activates the licence", async function () {
      const c = await loadFixture(deployConsortium);
      const { licenceId } = await propose(c);
      await c.settlement.connect(c.accounts.mcn).acceptLicence(licenceId);
      const t = await nextTimestamp();
      await expect(c.settlement.connect(c.accounts.platform).acceptLicence(licenceId))
        .to.emit(c.settlement, "LicenceAccepted")
        .withArgs(licenceId, c.accounts.platform.address)
        .and.to.emit(c.settlement, "LicenceActivated")
        .withArgs(licenceId, t);
      const v = await c.settlement.getLicence(licenceId);
      expect(v.status).to.equal(Status.Active);
      expect([v.mcnAccepted, v.platformAccepted]).to.deep.equal([true, true]);
      await expect(settle(c, licenceId, "first-sale")).to.emit(c.settlement, "SaleSettled");
    });

    it("refuses consent to a licence whose validity window ended while it was proposed", async function () {
      const c = await loadFixture(deployConsortium);
      const { licenceId } = await propose(c);
      const v = await c.settlement.getLicence(licenceId);
      await c.settlement.connect(c.accounts.mcn).acceptLicence(licenceId);
      await time.increaseTo(v.validUntil + 1n);
      const t = await nextTimestamp();
      await expect(c.settlement.connect(c.accounts.platform).acceptLicence(licenceId))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryInvalidWindow")
        .withArgs(v.validFrom, v.validUntil, t);
      expect(await c.settlement.licenceStatus(licenceId)).to.equal(Status.Proposed);
    });

    it("activates just the same when the platform accepts first and the MCN second", async function () {
      const c = await loadFixture(deployConsortium);
      const { licenceId } = await propose(c);
      await expect(c.settlement.connect(c.accounts.platform).acceptLicence(licenceId))
        .to.emit(c.settlement, "LicenceAccepted")
        .withArgs(licenceId, c.accounts.platform.address)
        .and.not.to.emit(c.settlement, "LicenceActivated");
      expect(await c.settlement.licenceStatus(licenceId)).to.equal(Status.Proposed);
      const t = await nextTimestamp();
      await expect(c.settlement.connect(c.accounts.mcn).acceptLicence(licenceId))
        .to.emit(c.settlement, "LicenceActivated")
        .withArgs(licenceId, t);
      expect(await c.settlement.licenceStatus(licenceId)).to.equal(Status.Active);
    });

    it("a sale under a licence that is not yet active is refused", async function () {
      const c = await loadFixture(deployConsortium);
      const { licenceId } = await propose(c);
      await expect(settle(c, licenceId, "too-early"))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
        .withArgs(licenceId, Status.Proposed);
      await c.settlement.connect(c.accounts.mcn).acceptLicence(licenceId);
      await expect(settle(c, licenceId, "too-early"))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
        .withArgs(licenceId, Status.Proposed);
    });

    for (const who of ["outsider", "rightsHolder", "mcn2", "platform2"] as const) {
      it(`is refused to the ${who}, who is not the licence's MCN or platform`, async function () {
        const c = await loadFixture(deployConsortium);
        const { licenceId } = await propose(c);
        const caller = c.accounts[who];
        await expect(c.settlement.connect(caller).acceptLicence(licenceId))
          .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryNotLicenceParty")
          .withArgs(licenceId, caller.address);
      });
    }

    it("refuses the same party accepting twice", async function () {
      const c = await loadFixture(deployConsortium);
      const { licenceId } = await propose(c);
      await c.settlement.connect(c.accounts.mcn).acceptLicence(licenceId);
      await expect(c.settlement.connect(c.accounts.mcn).acceptLicence(licenceId))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryAlreadyAccepted")
        .withArgs(licenceId, c.accounts.mcn.address);
      const other = await propose(c, { contentId: ids.content("other") });
      await c.settlement.connect(c.accounts.platform).acceptLicence(other.licenceId);
      await expect(c.settlement.connect(c.accounts.platform).acceptLicence(other.licenceId))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryAlreadyAccepted")
        .withArgs(other.licenceId, c.accounts.platform.address);
    });

    it("refuses accepting a licence that is already active", async function () {
      const c = await loadFixture(deployWithLicences);
      for (const party of [c.accounts.mcn, c.accounts.platform, c.accounts.outsider]) {
        await expect(c.settlement.connect(party).acceptLicence(c.instantLicenceId))
          .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
          .withArgs(c.instantLicenceId, Status.Active);
      }
    });

    it("refuses an MCN whose MCN_ROLE was revoked after it was named", async function () {
      const c = await loadFixture(deployConsortium);
      const { licenceId } = await propose(c);
      const mcnRole = await c.settlement.MCN_ROLE();
      await c.settlement.revokeRole(mcnRole, c.accounts.mcn.address);
      await expect(c.settlement.connect(c.accounts.mcn).acceptLicence(licenceId))
        .to.be.revertedWithCustomError(c.settlement, "AccessControlUnauthorizedAccount")
        .withArgs(c.accounts.mcn.address, mcnRole);
    });

    it("refuses a platform whose PLATFORM_ROLE was revoked after it was named", async function () {
      const c = await loadFixture(deployConsortium);
      const { licenceId } = await propose(c);
      const platformRole = await c.settlement.PLATFORM_ROLE();
      await c.settlement.connect(c.accounts.mcn).acceptLicence(licenceId);
      await c.settlement.revokeRole(platformRole, c.accounts.platform.address);
      await expect(c.settlement.connect(c.accounts.platform).acceptLicence(licenceId))
        .to.be.revertedWithCustomError(c.settlement, "AccessControlUnauthorizedAccount")
        .withArgs(c.accounts.platform.address, platformRole);
      expect(await c.settlement.licenceStatus(licenceId)).to.equal(Status.Proposed);
    });

    for (const unknown of [0, 99]) {
      it(`refuses unknown licence ${unknown}`, async function () {
        const c = await loadFixture(deployWithLicences);
        await expect(c.settlement.connect(c.accounts.mcn).acceptLicence(unknown))
          .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryUnknownLicence")
          .withArgs(unknown);
      });
    }
  });

  describe("cancelLicence", function () {
    it("lets the rights holder withdraw a proposed licence, which can then never be accepted", async function () {
      const c = await loadFixture(deployConsortium);
      const { licenceId } = await propose(c);
      await c.settlement.connect(c.accounts.mcn).acceptLicence(licenceId);
      await expect(c.settlement.connect(c.accounts.rightsHolder).cancelLicence(licenceId))
        .to.emit(c.settlement, "LicenceCancelled")
        .withArgs(licenceId);
      expect(await c.settlement.licenceStatus(licenceId)).to.equal(Status.Cancelled);
      expect((await c.settlement.getLicence(licenceId)).status).to.equal(Status.Cancelled);
      await expect(c.settlement.connect(c.accounts.platform).acceptLicence(licenceId))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
        .withArgs(licenceId, Status.Cancelled);
      await expect(settle(c, licenceId, "cancelled"))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
        .withArgs(licenceId, Status.Cancelled);
    });

    it("refuses cancelling twice", async function () {
      const c = await loadFixture(deployConsortium);
      const { licenceId } = await propose(c);
      await c.settlement.connect(c.accounts.rightsHolder).cancelLicence(licenceId);
      await expect(c.settlement.connect(c.accounts.rightsHolder).cancelLicence(licenceId))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
        .withArgs(licenceId, Status.Cancelled);
    });

    for (const who of ["mcn", "platform", "outsider", "admin", "rightsHolder2"] as const) {
      it(`is refused to the ${who}`, async function () {
        const c = await loadFixture(deployConsortium);
        const { licenceId } = await propose(c);
        const caller = c.accounts[who];
        await expect(c.settlement.connect(caller).cancelLicence(licenceId))
          .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryNotLicenceParty")
          .withArgs(licenceId, caller.address);
        expect(await c.settlement.licenceStatus(licenceId)).to.equal(Status.Proposed);
      });
    }

    it("refuses cancelling a licence that is already active", async function () {
      const c = await loadFixture(deployWithLicences);
      await expect(c.settlement.connect(c.accounts.rightsHolder).cancelLicence(c.instantLicenceId))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
        .withArgs(c.instantLicenceId, Status.Active);
      await expect(settle(c, c.instantLicenceId, "still-active")).to.emit(c.settlement, "SaleSettled");
    });

    it("refuses an unknown licence", async function () {
      const c = await loadFixture(deployConsortium);
      await expect(c.settlement.connect(c.accounts.rightsHolder).cancelLicence(7))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryUnknownLicence")
        .withArgs(7);
    });
  });

  describe("supersession", function () {
    const NEW_SPLIT = { rightsHolderBps: 1500, mcnBps: 4000, platformBps: 4500 } as const;

    it("the old licence keeps settling while its replacement is only proposed", async function () {
      const c = await loadFixture(deployWithLicences);
      const { licenceId: newId } = await propose(c, { ...NEW_SPLIT, supersedes: c.instantLicenceId });
      expect((await c.settlement.getLicence(newId)).supersedes).to.equal(c.instantLicenceId);
      await expect(settle(c, c.instantLicenceId, "before-accept")).to.emit(c.settlement, "SaleSettled");
      await c.settlement.connect(c.accounts.mcn).acceptLicence(newId);
      await expect(settle(c, c.instantLicenceId, "half-accepted")).to.emit(c.settlement, "SaleSettled");
      expect(await c.settlement.licenceStatus(c.instantLicenceId)).to.equal(Status.Active);
    });

    it("once both parties accept, the old licence is superseded and sales split by the new ratios", async function () {
      const c = await loadFixture(deployWithLicences);
      const token = await c.token.getAddress();
      const oldTerms = await termsOf(c, c.instantLicenceId);
      const { licenceId: newId } = await propose(c, { ...NEW_SPLIT, supersedes: c.instantLicenceId });
      await c.settlement.connect(c.accounts.mcn).acceptLicence(newId);
      const t = await nextTimestamp();
      await expect(c.settlement.connect(c.accounts.platform).acceptLicence(newId))
        .to.emit(c.settlement, "LicenceActivated")
        .withArgs(newId, t)
        .and.to.emit(c.settlement, "LicenceSuperseded")
        .withArgs(c.instantLicenceId, newId);

      const old = await c.settlement.getLicence(c.instantLicenceId);
      expect(old.status).to.equal(Status.Superseded);
      expect(old.supersededBy).to.equal(newId);
      expect(await termsOf(c, c.instantLicenceId)).to.deep.equal(oldTerms);
      expect(await c.settlement.licenceStatus(newId)).to.equal(Status.Active);

      await expect(settle(c, c.instantLicenceId, "old-terms"))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
        .withArgs(c.instantLicenceId, Status.Superseded);
      await expect(settle(c, newId, "new-terms"))
        .to.emit(c.settlement, "SaleSettled")
        .withArgs(saleIdOf(1, ids.order("new-terms")), newId, 1, ids.order("new-terms"), token, 10_000n, 2_000n, 300n, 800n, 900n, 0);
      expect(await c.settlement.claimable(c.accounts.mcn.address, token)).to.equal(800n);
      expect(await c.settlement.claimable(c.accounts.platform.address, token)).to.equal(900n);
      expect(await c.settlement.claimable(c.accounts.rightsHolder.address, token)).to.equal(300n);
    });

    it("refuses to supersede a licence with a different MCN", async function () {
      const c = await loadFixture(deployWithLicences);
      const terms = await exampleTerms(c, { ...NEW_SPLIT, mcn: c.accounts.mcn2.address, supersedes: c.instantLicenceId });
      await expect(c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryInvalidSupersession")
        .withArgs(c.instantLicenceId);
    });

    it("refuses to supersede a licence with a different platform", async function () {
      const c = await loadFixture(deployWithLicences);
      const terms = await exampleTerms(c, { ...NEW_SPLIT, platform: c.accounts.platform2.address, supersedes: c.instantLicenceId });
      await expect(c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryInvalidSupersession")
        .withArgs(c.instantLicenceId);
    });

    it("refuses to supersede a licence for another content of the same rights holder", async function () {
      const c = await loadFixture(deployWithLicences);
      for (const contentId of [ids.content("seven-day-drama"), ids.content("brand-new-drama")]) {
        const terms = await exampleTerms(c, { ...NEW_SPLIT, contentId, supersedes: c.instantLicenceId });
        await expect(c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms))
          .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryInvalidSupersession")
          .withArgs(c.instantLicenceId);
      }
    });

    it("refuses another rights holder superseding a licence that is not theirs", async function () {
      const c = await loadFixture(deployWithLicences);
      const terms = await exampleTerms(c, { contentId: ids.content("their-drama"), supersedes: c.instantLicenceId });
      await expect(c.settlement.connect(c.accounts.rightsHolder2).registerLicence(terms))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryInvalidSupersession")
        .withArgs(c.instantLicenceId);
    });

    it("refuses to supersede a licence that is only proposed", async function () {
      const c = await loadFixture(deployConsortium);
      const { licenceId: proposed } = await propose(c);
      const terms = await exampleTerms(c, { ...NEW_SPLIT, supersedes: proposed });
      await expect(c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryInvalidSupersession")
        .withArgs(proposed);
    });

    it("refuses to supersede an unknown licence", async function () {
      const c = await loadFixture(deployWithLicences);
      const terms = await exampleTerms(c, { ...NEW_SPLIT, supersedes: 99 });
      await expect(c.settlement.connect(c.accounts.rightsHolder).registerLicence(terms))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryInvalidSupersession")
        .withArgs(99);
    });

    it("of two proposals superseding the same licence, only the first to activate wins", async function () {
      const c = await loadFixture(deployWithLicences);
      const a = await propose(c, { ...NEW_SPLIT, supersedes: c.instantLicenceId });
      const b = await propose(c, { rightsHolderBps: 2000, mcnBps: 3000, platformBps: 5000, supersedes: c.instantLicenceId });
      await c.settlement.connect(c.accounts.mcn).acceptLicence(a.licenceId);
      await c.settlement.connect(c.accounts.platform).acceptLicence(a.licenceId);

      await c.settlement.connect(c.accounts.mcn).acceptLicence(b.licenceId);
      await expect(c.settlement.connect(c.accounts.platform).acceptLicence(b.licenceId))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryInvalidSupersession")
        .withArgs(c.instantLicenceId);
      expect(await c.settlement.licenceStatus(b.licenceId)).to.equal(Status.Proposed);
      expect((await c.settlement.getLicence(c.instantLicenceId)).supersededBy).to.equal(a.licenceId);
      expect(await c.settlement.licenceStatus(a.licenceId)).to.equal(Status.Active);
    });
  });

  describe("validity window", function () {
    it("refuses a sale before validFrom", async function () {
      const c = await loadFixture(deployConsortium);
      const now = await time.latest();
      const from = now + 10 * DAY;
      const until = now + 100 * DAY;
      const { licenceId } = await activeLicence(c, { validFrom: from, validUntil: until });
      expect(await c.settlement.licenceStatus(licenceId)).to.equal(Status.Active);
      const t = await nextTimestamp();
      await expect(settle(c, licenceId, "early"))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryOutsideWindow")
        .withArgs(licenceId, t, from, until);
    });

    it("settles from exactly validFrom", async function () {
      const c = await loadFixture(deployConsortium);
      const now = await time.latest();
      const from = now + 10 * DAY;
      const { licenceId } = await activeLicence(c, { validFrom: from, validUntil: now + 100 * DAY });
      await time.setNextBlockTimestamp(from);
      await expect(settle(c, licenceId, "first-second")).to.emit(c.settlement, "SaleSettled");
    });

    it("settles at exactly validUntil", async function () {
      const c = await loadFixture(deployWithLicences);
      const until = (await c.settlement.getLicence(c.instantLicenceId)).validUntil;
      await time.setNextBlockTimestamp(until);
      await expect(settle(c, c.instantLicenceId, "last-second")).to.emit(c.settlement, "SaleSettled");
      expect(await c.settlement.licenceStatus(c.instantLicenceId)).to.equal(Status.Active);
    });

    it("after validUntil the licence reads Expired and refuses sales", async function () {
      const c = await loadFixture(deployWithLicences);
      const v = await c.settlement.getLicence(c.instantLicenceId);
      await time.increaseTo(v.validUntil + 1n);
      expect(await c.settlement.licenceStatus(c.instantLicenceId)).to.equal(Status.Expired);
      expect((await c.settlement.getLicence(c.instantLicenceId)).status).to.equal(Status.Expired);
      const t = await nextTimestamp();
      await expect(settle(c, c.instantLicenceId, "late"))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryOutsideWindow")
        .withArgs(c.instantLicenceId, t, v.validFrom, v.validUntil);
    });

    it("refuses a sale by a channel outside the licence's scope", async function () {
      const c = await loadFixture(deployWithLicences);
      await expect(settle(c, c.instantLicenceId, "pdd-order", 10_000n, c.accounts.pdd))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryChannelNotInScope")
        .withArgs(c.instantLicenceId, c.channel.pdd);
    });

    it("refuses a sale under an unknown licence", async function () {
      const c = await loadFixture(deployWithLicences);
      await expect(settle(c, 42n, "ghost"))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryUnknownLicence")
        .withArgs(42);
    });
  });

  describe("immutability", function () {
    /** Every state-changing function of the deployed contract, and who may call it. */
    const WRITERS: Record<string, string> = {
      // consortium admin (DEFAULT_ADMIN_ROLE)
      addChannel: "admin",
      setChannelReporter: "admin",
      setChannelActive: "admin",
      setCommissionBand: "admin",
      allowToken: "admin",
      disallowToken: "admin",
      pause: "admin",
      unpause: "admin",
      grantRole: "admin",
      revokeRole: "admin",
      // any role holder, for itself only
      renounceRole: "the role holder itself",
      // licences
      registerLicence: "RIGHTS_HOLDER_ROLE",
      acceptLicence: "the licence's MCN or platform",
      cancelLicence: "the licence's rights holder",
      // sales
      settleSale: "an active channel's reporter",
      settleSales: "an active channel's reporter",
      refundSale: "the sale's channel reporter",
      releaseSales: "anyone",
      withdraw: "any account with a claimable balance",
      // dispute registry
      suspendLicence: "DISPUTE_REGISTRY_ROLE",
      reinstateLicence: "DISPUTE_REGISTRY_ROLE",
      terminateLicence: "DISPUTE_REGISTRY_ROLE",
      freezeSale: "DISPUTE_REGISTRY_ROLE",
      unfreezeSale: "DISPUTE_REGISTRY_ROLE",
      refundFrozenSale: "DISPUTE_REGISTRY_ROLE",
    };

    it("the contract has exactly the state-changing functions written down, each with its caller", async function () {
      const c = await loadFixture(deployConsortium);
      const writers = writersOf(c).map((f) => f.name);
      expect(new Set(writers).size).to.equal(writers.length, "no overloaded writers");
      expect([...writers].sort()).to.deep.equal(Object.keys(WRITERS).sort());
    });

    it("the only writers that take a licence id change its status, never its terms", async function () {
      const c = await loadFixture(deployConsortium);
      const takesLicenceId = writersOf(c)
        .filter((f) => f.inputs.some((i) => i.name === "licenceId" || i.name === "terms" || i.name === "orders"))
        .map((f) => f.name)
        .sort();
      expect(takesLicenceId).to.deep.equal([
        "acceptLicence", // status: Proposed → Active
        "cancelLicence", // status: Proposed → Cancelled
        "registerLicence", // creates a new licence (and may supersede an old one: status only)
        "reinstateLicence", // status: Suspended → Active
        "settleSale", // records a sale
        "settleSales", // records sales
        "suspendLicence", // status: Active → Suspended
        "terminateLicence", // status: Active/Suspended → Terminated
      ]);
    });

    it("an active licence's terms stay exactly as accepted through everything that can happen to it", async function () {
      const c = await loadFixture(deployWithLicences);
      const id = c.instantLicenceId;
      const before = await termsOf(c, id);
      const registry = c.accounts.outsider; // stands in for the dispute registry contract
      await c.settlement.grantRole(await c.settlement.DISPUTE_REGISTRY_ROLE(), registry.address);

      await settle(c, id, "a");
      await c.settlement.setCommissionBand(1000, 3000);
      await c.settlement.setChannelActive(c.channel.jd, false);
      await c.settlement.connect(registry).suspendLicence(id, 1);
      await c.settlement.connect(registry).reinstateLicence(id, 1);
      await settle(c, id, "b");
      expect(await termsOf(c, id)).to.deep.equal(before);

      const next = await propose(c, { rightsHolderBps: 1500, mcnBps: 4000, platformBps: 4500, supersedes: id });
      await c.settlement.connect(c.accounts.mcn).acceptLicence(next.licenceId);
      await c.settlement.connect(c.accounts.platform).acceptLicence(next.licenceId);
      expect(await termsOf(c, id)).to.deep.equal(before);
      expect((await c.settlement.getLicence(id)).status).to.equal(Status.Superseded);
    });
  });

  describe("dispute-registry-only functions", function () {
    async function withRegistry() {
      const c = await deployWithLicences();
      const registry = c.accounts.outsider; // stands in for the dispute registry contract
      await c.settlement.grantRole(await c.settlement.DISPUTE_REGISTRY_ROLE(), registry.address);
      return { ...c, registry };
    }

    const callers = ["admin", "arbiter", "rightsHolder", "mcn", "platform", "taobao"] as const;
    const fns = ["suspendLicence", "reinstateLicence", "terminateLicence"] as const;
    for (const fn of fns) {
      for (const who of callers) {
        it(`${fn} is refused to the ${who}`, async function () {
          const c = await loadFixture(deployWithLicences);
          const caller = c.accounts[who];
          await expect(c.settlement.connect(caller)[fn](c.instantLicenceId, 1))
            .to.be.revertedWithCustomError(c.settlement, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, await c.settlement.DISPUTE_REGISTRY_ROLE());
        });
      }
    }

    it("the wired-in dispute registry contract holds DISPUTE_REGISTRY_ROLE", async function () {
      const c = await loadFixture(deployConsortium);
      expect(await c.settlement.hasRole(await c.settlement.DISPUTE_REGISTRY_ROLE(), await c.disputes.getAddress())).to.equal(true);
    });

    it("suspending stops sales, reinstating resumes them", async function () {
      const c = await loadFixture(withRegistry);
      const id = c.instantLicenceId;
      await expect(c.settlement.connect(c.registry).suspendLicence(id, 5)).to.emit(c.settlement, "LicenceSuspended").withArgs(id, 5);
      expect(await c.settlement.licenceStatus(id)).to.equal(Status.Suspended);
      await expect(settle(c, id, "suspended"))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
        .withArgs(id, Status.Suspended);
      await expect(c.settlement.connect(c.registry).suspendLicence(id, 6))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
        .withArgs(id, Status.Suspended);

      await expect(c.settlement.connect(c.registry).reinstateLicence(id, 5)).to.emit(c.settlement, "LicenceReinstated").withArgs(id, 5);
      expect(await c.settlement.licenceStatus(id)).to.equal(Status.Active);
      await expect(settle(c, id, "reinstated")).to.emit(c.settlement, "SaleSettled");
      await expect(c.settlement.connect(c.registry).reinstateLicence(id, 5))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
        .withArgs(id, Status.Active);
    });

    it("terminating ends an active or suspended licence for good", async function () {
      const c = await loadFixture(withRegistry);
      await expect(c.settlement.connect(c.registry).terminateLicence(c.instantLicenceId, 7))
        .to.emit(c.settlement, "LicenceTerminated")
        .withArgs(c.instantLicenceId, 7);
      await c.settlement.connect(c.registry).suspendLicence(c.escrowLicenceId, 8);
      await expect(c.settlement.connect(c.registry).terminateLicence(c.escrowLicenceId, 8))
        .to.emit(c.settlement, "LicenceTerminated")
        .withArgs(c.escrowLicenceId, 8);
      for (const id of [c.instantLicenceId, c.escrowLicenceId]) {
        expect(await c.settlement.licenceStatus(id)).to.equal(Status.Terminated);
        await expect(settle(c, id, `terminated-${id}`))
          .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
          .withArgs(id, Status.Terminated);
        await expect(c.settlement.connect(c.registry).reinstateLicence(id, 9))
          .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
          .withArgs(id, Status.Terminated);
        await expect(c.settlement.connect(c.registry).terminateLicence(id, 9))
          .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
          .withArgs(id, Status.Terminated);
      }
    });

    it("refuses to suspend or terminate a licence that is only proposed, or unknown", async function () {
      const c = await loadFixture(withRegistry);
      const { licenceId } = await propose(c, { contentId: ids.content("proposed-only") });
      await expect(c.settlement.connect(c.registry).suspendLicence(licenceId, 1))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
        .withArgs(licenceId, Status.Proposed);
      await expect(c.settlement.connect(c.registry).terminateLicence(licenceId, 1))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryWrongStatus")
        .withArgs(licenceId, Status.Proposed);
      for (const fn of fns) {
        await expect(c.settlement.connect(c.registry)[fn](99, 1))
          .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryUnknownLicence")
          .withArgs(99);
      }
    });
  });

  describe("views", function () {
    it("isLicenceParty names exactly the rights holder, the MCN and the platform", async function () {
      const c = await loadFixture(deployWithLicences);
      const id = c.instantLicenceId;
      for (const party of [c.accounts.rightsHolder, c.accounts.mcn, c.accounts.platform]) {
        expect(await c.settlement.isLicenceParty(id, party.address)).to.equal(true);
      }
      for (const other of [
        c.accounts.rightsHolder2,
        c.accounts.mcn2,
        c.accounts.platform2,
        c.accounts.admin,
        c.accounts.arbiter,
        c.accounts.taobao,
        c.accounts.outsider,
      ]) {
        expect(await c.settlement.isLicenceParty(id, other.address)).to.equal(false);
      }
      await expect(c.settlement.isLicenceParty(99, c.accounts.mcn.address))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryUnknownLicence")
        .withArgs(99);
    });

    it("isInScope answers for every channel id, false beyond 63 rather than reverting", async function () {
      const c = await loadFixture(deployWithLicences);
      const id = c.instantLicenceId;
      expect(await c.settlement.isInScope(id, c.channel.taobao)).to.equal(true);
      expect(await c.settlement.isInScope(id, c.channel.jd)).to.equal(true);
      expect(await c.settlement.isInScope(id, c.channel.pdd)).to.equal(false);
      expect(await c.settlement.isInScope(id, 0)).to.equal(false);
      expect(await c.settlement.isInScope(id, 63)).to.equal(false);
      expect(await c.settlement.isInScope(id, 64)).to.equal(false);
      expect(await c.settlement.isInScope(id, 65)).to.equal(false);
      expect(await c.settlement.isInScope(id, ethers.MaxUint256)).to.equal(false);
      await expect(c.settlement.isInScope(99, c.channel.taobao))
        .to.be.revertedWithCustomError(c.settlement, "LicenceRegistryUnknownLicence")
        .withArgs(99);
    });

    it("commissionBand starts at [1500, 2500]", async function () {
      const c = await loadFixture(deployConsortium);
      expect(await c.settlement.commissionBand()).to.deep.equal([1500n, 2500n]);
    });

    it("licenceCount counts registered licences, not refused ones", async function () {
      const c = await loadFixture(deployConsortium);
      expect(await c.settlement.licenceCount()).to.equal(0n);
      await propose(c);
      expect(await c.settlement.licenceCount()).to.equal(1n);
      const bad = await exampleTerms(c, { commissionBps: 9000 });
      await expect(c.settlement.connect(c.accounts.rightsHolder).registerLicence(bad)).to.be.revertedWithCustomError(
        c.settlement,
        "LicenceRegistryCommissionOutOfBand",
      );
      await propose(c, { contentId: ids.content("second") });
      expect(await c.settlement.licenceCount()).to.equal(2n);
      await c.settlement.connect(c.accounts.rightsHolder).cancelLicence(2);
      expect(await c.settlement.licenceCount()).to.equal(2n);
    });

    it("licenceStatus and getLicence refuse an unknown licence", async function () {
      const c = await loadFixture(deployWithLicences);
      await expect(c.settlement.licenceStatus(3)).to.be.revertedWithCustomError(c.settlement, "LicenceRegistryUnknownLicence").withArgs(3);
      await expect(c.settlement.getLicence(0)).to.be.revertedWithCustomError(c.settlement, "LicenceRegistryUnknownLicence").withArgs(0);
    });

    it("contentRecord is empty for a fingerprint nobody registered", async function () {
      const c = await loadFixture(deployWithLicences);
      expect(await c.settlement.contentRecord(ids.content("never-registered"))).to.deep.equal([ethers.ZeroAddress, 0n]);
    });
  });
});
