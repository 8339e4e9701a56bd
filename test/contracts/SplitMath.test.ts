import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { SplitMathHarness } from "../../typechain-types";
import { BPS } from "./fixtures";

const MAX_UINT256 = 2n ** 256n - 1n;

const AMOUNTS = [0n, 1n, 3n, 9_999n, 10_000n, 10n ** 30n, 2n ** 128n - 1n] as const;

/** [rightsHolderBps, mcnBps]; the platform's ratio is the rest of 10,000. */
const RATIOS: [bigint, bigint][] = [
  [1500n, 3500n],
  [0n, 0n],
  [10_000n, 0n],
  [0n, 10_000n],
  [3333n, 3333n],
  [1n, 1n],
  [5000n, 5000n],
  [1n, 9999n],
];

const COMMISSION_BPS = [0n, 1n, 1500n, 2000n, 2500n, 3333n, 9999n, 10_000n] as const;

async function deployHarness(): Promise<SplitMathHarness> {
  return ethers.deployContract("SplitMathHarness");
}

describe("SplitMath", function () {
  describe("split", function () {
    for (const [rightsHolderBps, mcnBps] of RATIOS) {
      const platformBps = BPS - rightsHolderBps - mcnBps;
      it(`splits every amount exactly at ${rightsHolderBps}/${mcnBps}/${platformBps} bps, the platform taking the remainder`, async function () {
        const harness = await loadFixture(deployHarness);
        for (const amount of AMOUNTS) {
          const [rightsHolder, mcn, platform] = await harness.split(amount, rightsHolderBps, mcnBps);
          const at = `amount ${amount}`;
          expect(rightsHolder + mcn + platform).to.equal(amount, `${at}: parts do not sum to the amount`);
          expect(rightsHolder).to.equal((amount * rightsHolderBps) / BPS, `${at}: rights holder share`);
          expect(mcn).to.equal((amount * mcnBps) / BPS, `${at}: MCN share`);
          expect(platform).to.equal(amount - rightsHolder - mcn, `${at}: platform share`);
          // the platform never gets less than its exact ratio, and less than 2 units more
          const excess = platform * BPS - amount * platformBps;
          expect(excess >= 0n, `${at}: platform below its ratio`).to.equal(true);
          expect(excess < 2n * BPS, `${at}: platform ${excess} / 10,000 units above its ratio`).to.equal(true);
        }
      });
    }

    it("pays the brief's 39.80 dCNY commission as 5.97 / 13.93 / 19.90", async function () {
      const harness = await loadFixture(deployHarness);
      expect(await harness.split(3_980n, 1500n, 3500n)).to.deep.equal([597n, 1_393n, 1_990n]);
    });

    it("gives the platform the rounding remainder of a 0.06 dCNY commission", async function () {
      const harness = await loadFixture(deployHarness);
      expect(await harness.split(6n, 1500n, 3500n)).to.deep.equal([0n, 2n, 4n]);
    });

    it("gives the platform just under 2 units above its ratio in the worst case", async function () {
      const harness = await loadFixture(deployHarness);
      // 9,999 × 1 / 10,000 = 0.9999 twice: both floors drop 0.9999, the platform gets 9,999 for 9,997.0002
      expect(await harness.split(9_999n, 1n, 1n)).to.deep.equal([0n, 0n, 9_999n]);
    });
  });

  describe("commission", function () {
    for (const commissionBps of COMMISSION_BPS) {
      it(`takes ${commissionBps} bps of every amount, rounded down`, async function () {
        const harness = await loadFixture(deployHarness);
        for (const gross of AMOUNTS) {
          const commission = await harness.commission(gross, commissionBps);
          const at = `gross ${gross}`;
          expect(commission).to.equal((gross * commissionBps) / BPS, at);
          // never more than the rate, and less than one unit below it
          expect(commission * BPS <= gross * commissionBps, `${at}: above the rate`).to.equal(true);
          expect(gross * commissionBps - commission * BPS < BPS, `${at}: a unit or more below the rate`).to.equal(true);
        }
      });
    }

    it("charges 39.80 dCNY on a 199.00 dCNY sale at 20 %", async function () {
      const harness = await loadFixture(deployHarness);
      expect(await harness.commission(19_900n, 2000n)).to.equal(3_980n);
    });
  });

  describe("overflow", function () {
    const limit = MAX_UINT256 / BPS;

    it("handles the largest amount whose product with 10,000 bps fits", async function () {
      const harness = await loadFixture(deployHarness);
      expect(await harness.commission(limit, BPS)).to.equal(limit);
      expect(await harness.split(limit, BPS, 0n)).to.deep.equal([limit, 0n, 0n]);
      expect(await harness.split(limit, 0n, BPS)).to.deep.equal([0n, limit, 0n]);
    });

    it("reverts with panic 0x11 instead of wrapping an amount above (2^256 - 1) / 10,000", async function () {
      const harness = await loadFixture(deployHarness);
      await expect(harness.commission(limit + 1n, BPS)).to.be.revertedWithPanic(0x11);
      await expect(harness.split(limit + 1n, BPS, 0n)).to.be.revertedWithPanic(0x11);
      await expect(harness.split(limit + 1n, 0n, BPS)).to.be.revertedWithPanic(0x11);
      await expect(harness.commission(MAX_UINT256, 2000n)).to.be.revertedWithPanic(0x11);
      await expect(harness.split(MAX_UINT256, 1500n, 3500n)).to.be.revertedWithPanic(0x11);
    });

    it("at a ratio below 10,000 bps either reverts with panic 0x11 or stays exact, never wraps", async function () {
      const harness = await loadFixture(deployHarness);
      for (const amount of [limit + 1n, MAX_UINT256 / 3500n, MAX_UINT256 / 3500n + 1n, MAX_UINT256 / 1500n + 1n]) {
        const exact = amount * 1500n <= MAX_UINT256 && amount * 3500n <= MAX_UINT256;
        if (exact) {
          const rightsHolder = (amount * 1500n) / BPS;
          const mcn = (amount * 3500n) / BPS;
          expect(await harness.split(amount, 1500n, 3500n)).to.deep.equal([rightsHolder, mcn, amount - rightsHolder - mcn]);
        } else {
          await expect(harness.split(amount, 1500n, 3500n)).to.be.revertedWithPanic(0x11);
        }
      }
    });
  });
});
