/**
 * Property test of the vault's books (see invariants.ts for the model and the checks): 200 random sequences
 * of licences, sales, escrow, refunds, releases, withdrawals, disputes and pauses over three tokens (2 and
 * 18 decimals, gross amounts from 0 to past the 128-bit bound), each on a fresh chain. Replay a failure
 * with the seed and path fast-check prints: FUZZ_SEED=<seed> FUZZ_PATH=<path> (`npm run fuzz` runs 10,000).
 */
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { ids } from "./fixtures";
import {
  InvariantViolation,
  OP_KINDS,
  classifyRefusal,
  formatStats,
  newStats,
  replayParameters,
  runSequence,
  runThenMeddle,
  sequenceArb,
} from "./invariants";
import type { Op } from "./invariants";

const SEQUENCES = 200;
const MIN_LENGTH = 5;
const MAX_LENGTH = 30;

/** A licence paid at once (0/0/10,000 at 20 %) and one held 3 days (1/1/9,998 at 25 %), both active. */
const twoActiveLicences: Op[] = [
  {
    kind: "register",
    rightsHolder: 0,
    mcn: 0,
    platform: 0,
    split: [0, 0, 10_000],
    commissionBps: 2_000,
    channels: [1, 2],
    holdSeconds: 0,
    content: 0,
    validDays: 365,
    supersede: null,
  },
  {
    kind: "register",
    rightsHolder: 1,
    mcn: 1,
    platform: 1,
    split: [1, 1, 9_998],
    commissionBps: 2_500,
    channels: [3, 1],
    holdSeconds: 3 * 24 * 3600,
    content: 1,
    validDays: 365,
    supersede: null,
  },
  { kind: "accept", licence: 0, by: "mcn" },
  { kind: "accept", licence: 0, by: "platform" },
  { kind: "accept", licence: 0, by: "mcn" },
  { kind: "accept", licence: 0, by: "platform" },
];

describe("Vault books under random operations (property)", function () {
  it(`stay exact after every step of ${SEQUENCES} random sequences over three tokens`, async function () {
    this.timeout(600_000);
    const stats = newStats();
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(sequenceArb(MIN_LENGTH, MAX_LENGTH), async (ops) => {
        await runSequence(ops, stats);
      }),
      { numRuns: SEQUENCES, ...replayParameters() },
    );
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `      ${formatStats(stats).replace(/\n/g, "\n      ")}\n      ${seconds.toFixed(1)} s, ${(stats.sequences / seconds).toFixed(1)} sequences/s`,
    );

    // The generator must reach the contracts' happy paths, not only their refusals.
    if (replayParameters().path === undefined) {
      for (const kind of OP_KINDS) expect(stats.byKind[kind].ok, `${kind} never succeeded`).to.be.greaterThan(0);
    }
  });

  it("plays every kind of operation through to success in a scripted sequence", async function () {
    // Sales: S0 instant (taobao, token 0); S1..S4 escrowed 3 days (pdd, token 1).
    const ops: Op[] = [
      ...twoActiveLicences,
      { kind: "settle", reporter: 0, licence: 0, anyLicence: false, token: 0, gross: 19_900n, reuseOrder: null },
      {
        kind: "settleBatch",
        reporter: 2,
        token: 1,
        anyLicence: false,
        orders: [
          { licence: 1, gross: 9_999n },
          { licence: 1, gross: 33n },
          { licence: 1, gross: 10n ** 12n },
          { licence: 1, gross: 1n },
        ],
      },
      // pdd refunds S2 itself; the MCN disputes S1 (frozen), upheld: refunded to pdd
      { kind: "refund", sale: 1, byOwnChannel: true },
      { kind: "openSaleDispute", sale: 1, anySale: true, party: 1, reason: 4 },
      { kind: "addEvidence", dispute: 0, party: 3 },
      { kind: "resolve", dispute: 0, upheld: true, terminate: false, fittingRemedy: true, remedy: 0, byArbiter: true },
      // a licence dispute with a suspension meanwhile, rejected: reinstated
      { kind: "openLicenceDispute", licence: 0, party: 0, reason: 1 },
      { kind: "suspendLicence", dispute: 0, byArbiter: true },
      { kind: "resolve", dispute: 0, upheld: false, terminate: false, fittingRemedy: true, remedy: 0, byArbiter: true },
      // S3 disputed (frozen) until past its window, rejected: unfrozen and released at once; S4 released
      { kind: "openSaleDispute", sale: 0, anySale: false, party: 2, reason: 3 },
      { kind: "advanceTime", seconds: 3 * 24 * 3600 },
      { kind: "resolve", dispute: 0, upheld: false, terminate: false, fittingRemedy: true, remedy: 0, byArbiter: true },
      { kind: "release", sales: [0], dueOnly: true },
      { kind: "withdraw", account: 5, anyAccount: true, token: 1, to: 10 },
      { kind: "withdraw", account: 8, anyAccount: true, token: 1, to: null },
      { kind: "withdraw", account: 0, anyAccount: false, token: 0, to: null },
      {
        kind: "register",
        rightsHolder: 0,
        mcn: 0,
        platform: 0,
        split: [1_500, 3_500, 5_000],
        commissionBps: 1_500,
        channels: [2],
        holdSeconds: 0,
        content: 0,
        validDays: 2,
        supersede: 0,
      },
      { kind: "cancel", licence: 2 },
      { kind: "band", minBps: 1_000, maxBps: 3_000 },
      { kind: "admin", target: "pause", toggle: true, token: 0, channel: 1 },
    ];
    const stats = newStats();
    const outcomes = await runSequence(ops, stats);
    expect(outcomes.filter((o) => o.status === "refused").map((o) => `${o.step} ${o.kind}: ${o.error}`)).to.deep.equal([]);
    expect(new Set(outcomes.map((o) => o.kind))).to.have.lengthOf(OP_KINDS.length);
    const { SaleSettled, SaleFrozen, SaleUnfrozen, SaleReleased, SaleRefunded, Withdrawn } = stats.events;
    expect({ SaleSettled, SaleFrozen, SaleUnfrozen, SaleReleased, SaleRefunded, Withdrawn }).to.deep.equal({
      SaleSettled: 5,
      SaleFrozen: 2,
      SaleUnfrozen: 1,
      SaleReleased: 2,
      SaleRefunded: 2,
      Withdrawn: 3,
    });
  });

  it("refuses an operation with the contract's custom error and goes on", async function () {
    const outcomes = await runSequence([
      ...twoActiveLicences,
      // pdd (channel 3) is outside the first licence's scope (taobao, jd)
      { kind: "settle", reporter: 2, licence: 0, anyLicence: true, token: 0, gross: 19_900n, reuseOrder: null },
      // taobao reports that order reference, then reports it again
      { kind: "settle", reporter: 0, licence: 0, anyLicence: false, token: 0, gross: 19_900n, reuseOrder: 0 },
      { kind: "settle", reporter: 0, licence: 0, anyLicence: false, token: 0, gross: 19_900n, reuseOrder: 0 },
      // the outsider was never credited
      { kind: "withdraw", account: 10, anyAccount: true, token: 0, to: null },
    ]);
    expect(outcomes.slice(6).map((o) => o.error ?? "ok")).to.deep.equal([
      "LicenceRegistryChannelNotInScope",
      "ok",
      "SettlementDuplicateOrder",
      "SettlementNothingToWithdraw",
    ]);
  });

  describe("the books check can fail", function () {
    const settled: Op[] = [
      ...twoActiveLicences,
      { kind: "settle", reporter: 0, licence: 0, anyLicence: false, token: 0, gross: 19_900n, reuseOrder: null },
    ];

    async function violation(meddle: Parameters<typeof runThenMeddle>[1]): Promise<Error> {
      try {
        await runThenMeddle(settled, meddle);
      } catch (error) {
        expect(error).to.be.instanceOf(InvariantViolation);
        return error as Error;
      }
      expect.fail("the books check passed");
    }

    it("when tokens reach the vault behind the ledger's back", async function () {
      const error = await violation(async (chain) => {
        await chain.token.connect(chain.accounts.jd).transfer(chain.vault, 1n);
      });
      expect(error.message).to.match(/vault holds 3981 of token .*escrowed\+frozen 0 \+ claimable 3980/);
    });

    it("when a payout happens that the model did not see", async function () {
      const error = await violation(async (chain) => {
        await chain.settlement.connect(chain.accounts.platform).withdraw(chain.tokenAddresses[0], chain.accounts.platform.address);
      });
      expect(error.message).to.match(/claimable\(0x[0-9a-fA-F]{40}, 0x[0-9a-fA-F]{40}\) is 0, credited 3980 − withdrawn 0/);
    });
  });

  it("treats a panic, an Error(string) or a revert without data as a failure, never as a refusal", async function () {
    const errors = new ethers.Interface(["error SettlementNothingToWithdraw(address account, address token)"]);
    const revert = (data: string) => Object.assign(new Error("reverted"), { data });
    const coder = ethers.AbiCoder.defaultAbiCoder();

    const custom = errors.encodeErrorResult("SettlementNothingToWithdraw", [ethers.ZeroAddress, ethers.ZeroAddress]);
    expect(classifyRefusal(revert(custom), errors).name).to.equal("SettlementNothingToWithdraw");
    expect(() => classifyRefusal(revert(ethers.concat(["0x4e487b71", coder.encode(["uint256"], [0x11])])), errors)).to.throw(
      InvariantViolation,
      /panic \(code 0x11\)/,
    );
    expect(() => classifyRefusal(revert(ethers.concat(["0x08c379a0", coder.encode(["string"], ["no"])])), errors)).to.throw(
      InvariantViolation,
      /Error\(string\)/,
    );
    expect(() => classifyRefusal(revert("0x"), errors)).to.throw(InvariantViolation, /without data/);
    expect(() => classifyRefusal(revert(ids.order("unknown").slice(0, 10)), errors)).to.throw(InvariantViolation, /no contract declares/);
    // An error that is not a revert at all is the runner's fault, and surfaces as itself.
    const notARevert = new Error("connection refused");
    expect(() => classifyRefusal(notARevert, errors)).to.throw(notARevert);
  });
});
