/**
 * The vault's books, checked against random use: a generator of operation sequences (plain data, so
 * fast-check can print and shrink a counter-example), a runner that plays a sequence against a fresh chain
 * and keeps a model of every account's credits and withdrawals from the decoded events, and the checks
 * run after every step. Shared by test/contracts/Invariants.test.ts (200 sequences), scripts/fuzz (10,000
 * in `npm run fuzz`) and scripts/bench/invariants.ts.
 *
 * Three settlement tokens: the 2-decimal demo yuan, a second 2-decimal one and an 18-decimal one; gross
 * amounts from 0 to past the 2^128 − 1 the vault accepts. After every step, for each token:
 *   token.balanceOf(vault) == Σ commission of known sales that getSale says are Escrowed or Frozen
 *                           + Σ claimable(account, token) over every account ever credited;
 * for each (account, token): claimable == credited − withdrawn, withdrawn ≤ credited; every known sale is,
 * field by field, what the events say (so a frozen sale never moves while frozen); and every licence still
 * has the terms it was registered with (so an active licence's terms never change). Every SaleSettled
 * is checked as it is decoded: its three shares sum to its commission, the commission is
 * floor(gross × commissionBps / 10,000) and the shares are the licence's split (platform takes the rest).
 *
 * An operation whose precondition does not hold is refused by the contracts; that is fine, but the refusal
 * must be one of their custom errors (decoded with their ABIs): a panic, an `Error(string)` or a revert
 * without data fails the run.
 */
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { Interface } from "ethers";
import type { ErrorDescription, ErrorFragment, LogDescription, ParamType, Result } from "ethers";
import { EVM_VERSION } from "../../hardhat.config";
import type { DecimalsToken, DemoStablecoin } from "../../typechain-types";
import { BPS, DAY, deployConsortium, ids } from "./fixtures";
import type { Terms } from "./fixtures";

const HOUR = 60 * 60;

/** Accounts a withdrawal may be made by or to: rights holders 0..1, MCNs 0..1, platforms 0..1, reporters 0..2, arbiter, outsider. */
const PARTICIPANTS = 11;

/** Settlement tokens: the fixture's dCNY (2 decimals), a second DemoStablecoin (2), a DecimalsToken (18). */
export const TOKENS = 3;

/** The largest gross the vault accepts: a sale's commission is stored in 128 bits. */
export const MAX_GROSS = 2n ** 128n - 1n;

/** What each reporter holds of each token: enough for any sequence of sales at the largest gross. */
const FLOAT = 2n ** 250n;

/** Sale status numbers of ISettlement.SaleStatus. */
export const SaleStatus = { None: 0, Escrowed: 1, Frozen: 2, Claimable: 3, Refunded: 4 } as const;

// ------------------------------------------------------------------------------------------------------
// Operations, as data
// ------------------------------------------------------------------------------------------------------

/**
 * One step of a sequence. Licences, sales and disputes are named by a pick (any natural number) that the
 * runner resolves against what exists at that point (`list[pick % list.length]`), so a sequence stays
 * meaningful while fast-check shrinks it. Accounts are indices: rights holders, MCNs and platforms 0..1,
 * reporters 0..2 (taobao, jd, pdd), tokens 0..2 (see TOKENS).
 */
export type Op =
  | {
      kind: "register";
      rightsHolder: number;
      mcn: number;
      platform: number;
      split: readonly [number, number, number];
      commissionBps: number;
      channels: number[];
      holdSeconds: number;
      content: number;
      validDays: number;
      /** Supersede an existing licence (same rights holder, content, MCN and platform), or not. */
      supersede: number | null;
    }
  | { kind: "accept"; licence: number; by: "mcn" | "platform" | "rightsHolder" }
  | { kind: "cancel"; licence: number }
  | { kind: "settle"; reporter: number; licence: number; anyLicence: boolean; token: number; gross: bigint; reuseOrder: number | null }
  | { kind: "settleBatch"; reporter: number; token: number; anyLicence: boolean; orders: { licence: number; gross: bigint }[] }
  | { kind: "refund"; sale: number; byOwnChannel: boolean }
  | {
      kind: "release";
      sales: number[];
      /** Pick among escrowed sales whose window has passed (in the model), else among escrowed ones, else any. */
      dueOnly: boolean;
    }
  | { kind: "advanceTime"; seconds: number }
  | {
      kind: "withdraw";
      /** Among the accounts with something to withdraw (in the model), unless `anyAccount`. */
      account: number;
      anyAccount: boolean;
      token: number;
      to: number | null;
    }
  | {
      kind: "openSaleDispute";
      /** Among escrowed sales (which the dispute freezes) unless `anySale`. */
      sale: number;
      anySale: boolean;
      party: number;
      reason: number;
    }
  | { kind: "openLicenceDispute"; licence: number; party: number; reason: number }
  | { kind: "addEvidence"; dispute: number; party: number }
  | { kind: "suspendLicence"; dispute: number; byArbiter: boolean }
  | { kind: "resolve"; dispute: number; upheld: boolean; terminate: boolean; fittingRemedy: boolean; remedy: number; byArbiter: boolean }
  /**
   * The consortium admin switches settlement (pause), a token (allow) or a channel (active) to the other
   * state than the model says it is in — or, when `toggle` is false, asks for the state it is already in.
   */
  | { kind: "admin"; target: "pause" | "token" | "channel"; toggle: boolean; token: number; channel: number }
  /** The consortium admin moves the commission band (which must never change a registered licence). */
  | { kind: "band"; minBps: number; maxBps: number };

export type OpKind = Op["kind"];
export const OP_KINDS: readonly OpKind[] = [
  "register",
  "accept",
  "cancel",
  "settle",
  "settleBatch",
  "refund",
  "release",
  "advanceTime",
  "withdraw",
  "openSaleDispute",
  "openLicenceDispute",
  "addEvidence",
  "suspendLicence",
  "resolve",
  "admin",
  "band",
];

const pickArb = fc.nat({ max: 1_000 });

/** A side of a dispute (see SequenceRunner.licenceSide/saleSide): mostly one that may take part. */
const partyArb = fc.oneof({ arbitrary: fc.nat({ max: 3 }), weight: 6 }, { arbitrary: fc.integer({ min: 4, max: 5 }), weight: 1 });

/** A dispute reason: mostly valid (0..5), sometimes the invalid 6. */
const reasonArb = fc.oneof({ arbitrary: fc.nat({ max: 5 }), weight: 8 }, { arbitrary: fc.constant(6), weight: 1 });

/** true with weight `yes`, false with weight `no`. */
function chance(yes: number, no: number): fc.Arbitrary<boolean> {
  return fc.oneof({ arbitrary: fc.constant(true), weight: yes }, { arbitrary: fc.constant(false), weight: no });
}

/** `arb` with weight `yes`, null with weight `no`. */
function sometimes<T>(arb: fc.Arbitrary<T>, yes: number, no: number): fc.Arbitrary<T | null> {
  return fc.oneof({ arbitrary: arb, weight: yes }, { arbitrary: fc.constant(null), weight: no });
}

/** Splits summing to 10,000: the extremes, the brief's example, and uniformly random cuts. */
const splitArb: fc.Arbitrary<readonly [number, number, number]> = fc.oneof(
  fc.constantFrom(
    [0, 0, 10_000] as const,
    [1, 1, 9_998] as const,
    [10_000, 0, 0] as const,
    [0, 10_000, 0] as const,
    [9_998, 1, 1] as const,
    [1, 9_998, 1] as const,
    [1_500, 3_500, 5_000] as const,
    [3_333, 3_333, 3_334] as const,
  ),
  fc
    .tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }))
    .map(([a, b]) => [Math.min(a, b), Math.abs(a - b), 10_000 - Math.max(a, b)] as const),
);

/**
 * A gross amount in the token's smallest unit: tiny ones that round, realistic ones for 2 and for 18
 * decimals, anything up to the 128-bit bound, right at it, and the refused 0 and past-the-bound ones.
 */
const grossArb = fc.oneof(
  { arbitrary: fc.constantFrom(1n, 3n, 33n, 9_999n, 19_900n), weight: 3 },
  { arbitrary: fc.bigInt({ min: 1n, max: 10n ** 12n }), weight: 4 },
  { arbitrary: fc.bigInt({ min: 10n ** 15n, max: 10n ** 24n }), weight: 3 },
  { arbitrary: fc.bigInt({ min: 1n, max: MAX_GROSS }), weight: 2 },
  { arbitrary: fc.bigInt({ min: MAX_GROSS - 10n ** 6n, max: MAX_GROSS }), weight: 1 },
  { arbitrary: fc.constantFrom(0n, MAX_GROSS + 1n, 2n ** 255n), weight: 1 },
);

const tokenArb = fc.nat({ max: TOKENS - 1 });

const registerArb = fc.record({
  kind: fc.constant("register" as const),
  rightsHolder: fc.nat({ max: 1 }),
  mcn: fc.nat({ max: 1 }),
  platform: fc.nat({ max: 1 }),
  split: splitArb,
  commissionBps: fc.oneof(fc.constantFrom(1_500, 2_000, 2_500), fc.integer({ min: 1_500, max: 2_500 })),
  channels: fc.shuffledSubarray([1, 2, 3], { minLength: 1 }),
  holdSeconds: fc.oneof({ arbitrary: fc.constant(0), weight: 2 }, { arbitrary: fc.integer({ min: HOUR, max: 3 * DAY }), weight: 2 }),
  content: fc.nat({ max: 5 }),
  validDays: fc.oneof({ arbitrary: fc.constant(365), weight: 5 }, { arbitrary: fc.constant(2), weight: 1 }),
  supersede: sometimes(pickArb, 1, 6),
});

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: registerArb, weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant("accept" as const),
      licence: pickArb,
      by: fc.constantFrom("mcn" as const, "platform" as const, "mcn" as const, "platform" as const, "rightsHolder" as const),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant("cancel" as const), licence: pickArb }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant("settle" as const),
      reporter: fc.nat({ max: 2 }),
      licence: pickArb,
      token: tokenArb,
      gross: grossArb,
      reuseOrder: sometimes(pickArb, 1, 12),
      anyLicence: chance(1, 10),
    }),
    weight: 6,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("settleBatch" as const),
      reporter: fc.nat({ max: 2 }),
      token: tokenArb,
      anyLicence: chance(1, 10),
      orders: fc.array(fc.record({ licence: pickArb, gross: grossArb }), { minLength: 1, maxLength: 10 }),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("refund" as const),
      sale: pickArb,
      byOwnChannel: chance(6, 1),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("release" as const),
      sales: fc.array(pickArb, { minLength: 1, maxLength: 3 }),
      dueOnly: chance(3, 1),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({ kind: fc.constant("advanceTime" as const), seconds: fc.integer({ min: HOUR, max: 8 * DAY }) }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("withdraw" as const),
      account: pickArb,
      anyAccount: chance(1, 6),
      token: tokenArb,
      to: sometimes(fc.nat({ max: PARTICIPANTS - 1 }), 1, 2),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("openSaleDispute" as const),
      sale: pickArb,
      anySale: fc.boolean(),
      party: partyArb,
      reason: reasonArb,
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("openLicenceDispute" as const),
      licence: pickArb,
      party: partyArb,
      reason: reasonArb,
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({ kind: fc.constant("addEvidence" as const), dispute: pickArb, party: partyArb }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("suspendLicence" as const),
      dispute: pickArb,
      byArbiter: chance(6, 1),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("resolve" as const),
      dispute: pickArb,
      upheld: fc.boolean(),
      terminate: fc.boolean(),
      fittingRemedy: chance(8, 1),
      remedy: fc.nat({ max: 2 }),
      byArbiter: chance(8, 1),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("admin" as const),
      target: fc.constantFrom("pause" as const, "token" as const, "channel" as const),
      toggle: chance(5, 1),
      token: tokenArb,
      channel: fc.integer({ min: 1, max: 3 }),
    }),
    weight: 1,
  },
  {
    // around the default 15-25 %, or refused (0, past 100 %, inverted)
    arbitrary: fc
      .oneof(
        {
          arbitrary: fc.record({ minBps: fc.integer({ min: 1_000, max: 2_000 }), maxBps: fc.integer({ min: 2_000, max: 3_000 }) }),
          weight: 6,
        },
        { arbitrary: fc.record({ minBps: fc.constantFrom(0, 1, 2_500), maxBps: fc.constantFrom(10_000, 10_001, 2_000) }), weight: 1 },
      )
      .map(({ minBps, maxBps }) => ({ kind: "band" as const, minBps, maxBps })),
    weight: 1,
  },
);

/**
 * A sequence of `minLength..maxLength` operations: first one or two licences registered and accepted by
 * their MCN and platform (so most sequences reach settlement; the terms are still random, and a
 * registration may still be refused), then random operations.
 */
export function sequenceArb(minLength = 5, maxLength = 25): fc.Arbitrary<Op[]> {
  const onboarding = fc
    .array(
      registerArb.map((r) => ({ ...r, supersede: null })),
      { minLength: 1, maxLength: 2 },
    )
    .map((registrations) =>
      registrations.flatMap((r): Op[] => [r, { kind: "accept", licence: 0, by: "mcn" }, { kind: "accept", licence: 0, by: "platform" }]),
    );
  return onboarding.chain((first) =>
    fc
      .array(opArb, { minLength: Math.max(0, minLength - first.length), maxLength: Math.max(0, maxLength - first.length), size: "max" })
      .map((rest) => [...first, ...rest]),
  );
}

/**
 * fast-check parameters from the environment: FUZZ_SEED (and FUZZ_PATH) replay a reported counter-example;
 * FC_SEED and FC_PATH are the older names.
 */
export function replayParameters(): { seed?: number; path?: string; endOnFailure?: boolean } {
  const seed = process.env.FUZZ_SEED || process.env.FC_SEED;
  const path = process.env.FUZZ_PATH || process.env.FC_PATH;
  const out: { seed?: number; path?: string; endOnFailure?: boolean } = {};
  if (seed !== undefined && seed !== "") {
    const n = Number(seed);
    if (!Number.isInteger(n)) throw new Error(`FUZZ_SEED must be an integer, got ${seed}`);
    out.seed = n;
  }
  if (path !== undefined && path !== "") {
    out.path = path;
    out.endOnFailure = true;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------------
// The chain a sequence runs on
// ------------------------------------------------------------------------------------------------------

/**
 * How the runner reaches the node for its transactions and its books reads (the fixture and the clock go
 * through hardhat's provider, as ever): by default the in-process Hardhat network; scripts/fuzz swaps in a
 * raw JSON-RPC client to anvil.
 */
export interface Transport {
  request(method: string, params: unknown[]): Promise<unknown>;
  /** Sends a transaction and resolves with its receipt once it is mined (or throws: Hardhat refuses a reverting one). */
  send(tx: { from: string; to: string; data: string; gas: string }): Promise<Receipt>;
}

export interface Receipt {
  transactionHash: string;
  status: string;
  logs: RawLog[];
}

/** A log as the node returns it. */
export interface RawLog {
  address: string;
  topics: readonly string[];
  data: string;
}

const hardhatRequest = (method: string, params: unknown[]) => hre.network.provider.request({ method, params });

let transport: Transport = {
  request: hardhatRequest,
  async send(tx) {
    const hash = await hardhatRequest("eth_sendTransaction", [tx]); // automine: mined when this returns
    return (await hardhatRequest("eth_getTransactionReceipt", [hash])) as Receipt;
  },
};

/** Gas of every transaction: a batch of 10 orders needs well under it; the block limit is 30M. */
const TX_GAS = "0x989680";

export function useTransport(t: Transport): void {
  transport = t;
}

/**
 * The consortium of fixtures.ts plus two more settlement tokens (a second 2-decimal one and an 18-decimal
 * one), every token allowed, minted to the three reporters (FLOAT each) and approved; and the books reader.
 */
export async function invariantFixture() {
  const c = await deployConsortium();
  const { admin, taobao, jd, pdd } = c.accounts;
  const vault = await c.settlement.getAddress();
  const second: DemoStablecoin = await ethers.deployContract("DemoStablecoin", [admin.address]);
  const token18: DecimalsToken = await ethers.deployContract("DecimalsToken", [18]);
  await c.settlement.allowToken(await second.getAddress());
  await c.settlement.allowToken(await token18.getAddress());
  for (const reporter of [taobao, jd, pdd]) {
    await c.token.mint(reporter.address, FLOAT);
    await second.mint(reporter.address, FLOAT);
    await token18.mint(reporter.address, FLOAT);
    await second.connect(reporter).approve(vault, ethers.MaxUint256);
    await token18.connect(reporter).approve(vault, ethers.MaxUint256);
  }
  const booksReader = await ethers.getSigner(admin.address);
  const books = await (await booksReader.sendTransaction({ data: compileBooks() })).wait();
  return {
    ...c,
    vault,
    disputesAddress: await c.disputes.getAddress(),
    booksAddress: books!.contractAddress!,
    tokens: [c.token, second, token18] as const,
    tokenAddresses: [await c.token.getAddress(), await second.getAddress(), await token18.getAddress()] as const,
  };
}

export type InvariantChain = Awaited<ReturnType<typeof invariantFixture>>;

const errorsOf = new WeakMap<InvariantChain, Interface>();

/** Every custom error the contracts (and the tokens they call) can revert with, by selector. */
function contractErrors(chain: InvariantChain): Interface {
  const seen = new Set<string>();
  const fragments: ErrorFragment[] = [];
  for (const iface of [chain.settlement.interface, chain.disputes.interface, chain.token.interface, chain.tokens[2].interface]) {
    iface.forEachError((fragment) => {
      if (seen.has(fragment.selector)) return;
      seen.add(fragment.selector);
      fragments.push(fragment);
    });
  }
  return new Interface(fragments);
}

// ------------------------------------------------------------------------------------------------------
// Reading the books in one call
// ------------------------------------------------------------------------------------------------------

/**
 * A reader deployed with the fixture. Its `snapshot`, one `eth_call` per check, returns the token balances
 * of the vault, `getSale` of every known sale, `claimable` of every known (account, token) and a digest of
 * every licence's terms (getLicence with the fields that may change — status, consent, successor — and
 * the registration time cleared); the runner compares it, as a string, with the same words built from its
 * model. Only when they differ are the values read one by one, to say which. One call per check instead of
 * ~50 keeps the runs fast. It is compiled here, with the project's solc and EVM version, against the real
 * interfaces.
 */
const BOOKS_SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ILicenceRegistry} from "contracts/interfaces/ILicenceRegistry.sol";
import {ISettlement} from "contracts/interfaces/ISettlement.sol";

interface IBalanceOf {
    function balanceOf(address account) external view returns (uint256);
}

contract VaultBooks {
    /// In order: the vault's balance of each token; licenceId, channelId, token, status, releaseAt and
    /// commission of each sale; each claimable; and each licence's terms digest (termsOf).
    function snapshot(
        address vault,
        address[] memory tokens,
        bytes32[] memory saleIds,
        address[] memory accounts,
        address[] memory accountTokens,
        uint256[] memory licenceIds
    ) external view returns (uint256[] memory words) {
        words = new uint256[](tokens.length + 6 * saleIds.length + accounts.length + licenceIds.length);
        uint256 k;
        for (uint256 i; i < tokens.length; ++i) words[k++] = IBalanceOf(tokens[i]).balanceOf(vault);
        for (uint256 i; i < saleIds.length; ++i) {
            ISettlement.SaleView memory s = ISettlement(vault).getSale(saleIds[i]);
            words[k++] = s.licenceId;
            words[k++] = s.channelId;
            words[k++] = uint160(s.token);
            words[k++] = uint8(s.status);
            words[k++] = s.releaseAt;
            words[k++] = s.commission;
        }
        for (uint256 i; i < accounts.length; ++i) words[k++] = ISettlement(vault).claimable(accounts[i], accountTokens[i]);
        for (uint256 i; i < licenceIds.length; ++i) words[k++] = uint256(termsOf(vault, licenceIds[i]));
    }

    function termsOf(address vault, uint256 licenceId) public view returns (bytes32) {
        ILicenceRegistry.LicenceView memory v = ILicenceRegistry(vault).getLicence(licenceId);
        v.licenceId = 0;
        v.registeredAt = 0;
        v.status = ILicenceRegistry.LicenceStatus.None;
        v.mcnAccepted = false;
        v.platformAccepted = false;
        v.supersededBy = 0;
        return keccak256(abi.encode(v));
    }

    function balancesOf(address vault, address[] calldata tokens) external view returns (uint256[] memory balances) {
        balances = new uint256[](tokens.length);
        for (uint256 i; i < tokens.length; ++i) balances[i] = IBalanceOf(tokens[i]).balanceOf(vault);
    }

    function salesOf(address vault, bytes32[] calldata saleIds) external view returns (ISettlement.SaleView[] memory sales) {
        sales = new ISettlement.SaleView[](saleIds.length);
        for (uint256 i; i < saleIds.length; ++i) sales[i] = ISettlement(vault).getSale(saleIds[i]);
    }

    function claimsOf(address vault, address[] calldata accounts, address[] calldata tokens) external view returns (uint256[] memory claims) {
        claims = new uint256[](accounts.length);
        for (uint256 i; i < accounts.length; ++i) claims[i] = ISettlement(vault).claimable(accounts[i], tokens[i]);
    }

    function termsOfAll(address vault, uint256[] calldata licenceIds) external view returns (bytes32[] memory terms) {
        terms = new bytes32[](licenceIds.length);
        for (uint256 i; i < licenceIds.length; ++i) terms[i] = termsOf(vault, licenceIds[i]);
    }
}
`;

const BOOKS_ABI = new Interface([
  "function snapshot(address vault, address[] tokens, bytes32[] saleIds, address[] accounts, address[] accountTokens, uint256[] licenceIds) view returns (uint256[])",
  "function balancesOf(address vault, address[] tokens) view returns (uint256[])",
  "function salesOf(address vault, bytes32[] saleIds) view returns (tuple(uint256 licenceId, uint8 channelId, address token, uint8 status, uint40 releaseAt, uint256 commission)[])",
  "function claimsOf(address vault, address[] accounts, address[] tokens) view returns (uint256[])",
  "function termsOfAll(address vault, uint256[] licenceIds) view returns (bytes32[])",
]);

let booksInitcode: string | undefined;

function compileBooks(): string {
  if (booksInitcode !== undefined) return booksInitcode;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { compile(input: string): string };
  const source = (name: string) => ({ content: fs.readFileSync(path.join(hre.config.paths.sources, "interfaces", name), "utf8") });
  const input = {
    language: "Solidity",
    sources: {
      "VaultBooks.sol": { content: BOOKS_SOURCE },
      "contracts/interfaces/ISettlement.sol": source("ISettlement.sol"),
      "contracts/interfaces/ILicenceRegistry.sol": source("ILicenceRegistry.sol"),
    },
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: { enabled: true, runs: 1 },
      outputSelection: { "VaultBooks.sol": { VaultBooks: ["evm.bytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts?: Record<string, Record<string, { evm: { bytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  const object = output.contracts?.["VaultBooks.sol"]?.["VaultBooks"]?.evm.bytecode.object;
  if (errors.length > 0 || !object) throw new Error(`cannot compile VaultBooks:\n${errors.map((e) => e.formattedMessage).join("\n")}`);
  booksInitcode = `0x${object}`;
  return booksInitcode;
}

interface SaleOnChain {
  licenceId: bigint;
  channelId: bigint;
  token: string;
  status: bigint;
  releaseAt: bigint;
  commission: bigint;
}

interface Books {
  balances: bigint[];
  sales: SaleOnChain[];
  claims: bigint[];
  terms: string[];
}

async function booksCall(chain: InvariantChain, fn: string, args: unknown[]): Promise<Result> {
  const data = BOOKS_ABI.encodeFunctionData(fn, args);
  const raw = (await transport.request("eth_call", [{ to: chain.booksAddress, data }, "latest"])) as string;
  return BOOKS_ABI.decodeFunctionResult(fn, raw);
}

/** The books value by value (four calls: only when the snapshot differs, to say what does). */
async function readBooks(
  chain: InvariantChain,
  saleIds: string[],
  pairs: readonly { account: string; token: string }[],
  licenceIds: bigint[],
): Promise<Books> {
  const [balances] = await booksCall(chain, "balancesOf", [chain.vault, [...chain.tokenAddresses]]);
  const [sales] = await booksCall(chain, "salesOf", [chain.vault, saleIds]);
  const [claims] = await booksCall(chain, "claimsOf", [chain.vault, pairs.map((p) => p.account), pairs.map((p) => p.token)]);
  const [terms] = await booksCall(chain, "termsOfAll", [chain.vault, licenceIds]);
  return {
    balances: [...(balances as bigint[])],
    sales: (sales as Result[]).map((s) => ({
      licenceId: s[0] as bigint,
      channelId: s[1] as bigint,
      token: s[2] as string,
      status: s[3] as bigint,
      releaseAt: s[4] as bigint,
      commission: s[5] as bigint,
    })),
    claims: [...(claims as bigint[])],
    terms: [...(terms as string[])],
  };
}

/** VaultBooks.snapshot, ABI-encoded as it comes back: compared as a string with the model's. */
async function readSnapshot(
  chain: InvariantChain,
  saleIds: string[],
  pairs: readonly { account: string; token: string }[],
  licenceIds: bigint[],
): Promise<string> {
  const data = BOOKS_ABI.encodeFunctionData("snapshot", [
    chain.vault,
    [...chain.tokenAddresses],
    saleIds,
    pairs.map((p) => p.account),
    pairs.map((p) => p.token),
    licenceIds,
  ]);
  return ((await transport.request("eth_call", [{ to: chain.booksAddress, data }, "latest"])) as string).toLowerCase();
}

function word(value: bigint): string {
  return value.toString(16).padStart(64, "0");
}

let licenceViewType: ParamType | undefined;

/** The digest VaultBooks.termsOf computes for a licence, from the terms it was registered with (LicenceRegistered). */
function termsDigest(chain: InvariantChain, rightsHolder: string, terms: Result): string {
  licenceViewType ??= chain.settlement.interface.getFunction("getLicence")!.outputs[0]!;
  const channels = (terms.channels as bigint[]).map(Number).sort((a, b) => a - b);
  const view = {
    licenceId: 0n,
    contentId: terms.contentId as string,
    rightsHolder,
    mcn: terms.mcn as string,
    platform: terms.platform as string,
    rightsHolderBps: terms.rightsHolderBps as bigint,
    mcnBps: terms.mcnBps as bigint,
    platformBps: terms.platformBps as bigint,
    commissionBps: terms.commissionBps as bigint,
    channels,
    validFrom: terms.validFrom as bigint,
    validUntil: terms.validUntil as bigint,
    holdSeconds: terms.holdSeconds as bigint,
    registeredAt: 0n,
    status: 0n,
    mcnAccepted: false,
    platformAccepted: false,
    supersedes: terms.supersedes as bigint,
    supersededBy: 0n,
    termsHash: terms.termsHash as string,
  };
  return ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode([licenceViewType], [view]));
}

// ------------------------------------------------------------------------------------------------------
// Refusals
// ------------------------------------------------------------------------------------------------------

/** A broken invariant (as opposed to a refusal, which is fine). */
export class InvariantViolation extends Error {
  override name = "InvariantViolation";
}

const PANIC_SELECTOR = "0x4e487b71";
const ERROR_STRING_SELECTOR = "0x08c379a0";

/** The revert data carried by an error from the Hardhat provider or ethers, if any. */
export function revertDataOf(error: unknown, depth = 0): string | undefined {
  if (depth > 4 || typeof error !== "object" || error === null) return undefined;
  const e = error as Record<string, unknown>;
  if (typeof e.data === "string" && ethers.isHexString(e.data)) return e.data;
  for (const key of ["error", "info", "cause", "data"]) {
    const found = revertDataOf(e[key], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The custom error a refused transaction reverted with. Throws an InvariantViolation for a panic, an
 * `Error(string)`, a revert without data, or a selector none of the contracts declares; rethrows an error
 * that is not a revert at all (a fault of the runner).
 */
export function classifyRefusal(error: unknown, errors: Interface): ErrorDescription {
  const data = revertDataOf(error);
  if (data === undefined) throw error;
  if (data === "0x") throw new InvariantViolation(`refused by a revert without data: ${messageOf(error)}`);
  const selector = data.slice(0, 10).toLowerCase();
  if (selector === PANIC_SELECTOR) {
    const [code] = ethers.AbiCoder.defaultAbiCoder().decode(["uint256"], ethers.dataSlice(data, 4));
    throw new InvariantViolation(`refused by a panic (code 0x${(code as bigint).toString(16)}): ${messageOf(error)}`);
  }
  if (selector === ERROR_STRING_SELECTOR) throw new InvariantViolation(`refused by Error(string), not a custom error: ${messageOf(error)}`);
  const parsed = errors.parseError(data);
  if (parsed === null) throw new InvariantViolation(`refused by an error no contract declares: ${data}`);
  return parsed;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
}

// ------------------------------------------------------------------------------------------------------
// Statistics
// ------------------------------------------------------------------------------------------------------

export interface RunStats {
  sequences: number;
  steps: number;
  refused: number;
  byKind: Record<OpKind, { ok: number; refused: number; errors: Record<string, number> }>;
  /** How many of each event the contracts emitted. */
  events: Record<string, number>;
}

export function newStats(): RunStats {
  const byKind = {} as RunStats["byKind"];
  for (const kind of OP_KINDS) byKind[kind] = { ok: 0, refused: 0, errors: {} };
  return { sequences: 0, steps: 0, refused: 0, byKind, events: {} };
}

export function formatStats(stats: RunStats): string {
  const lines = [`${stats.sequences} sequences, ${stats.steps} steps, ${stats.refused} refused`];
  for (const kind of OP_KINDS) {
    const k = stats.byKind[kind];
    const errors = Object.entries(k.errors)
      .sort((a, b) => b[1] - a[1])
      .map(([name, n]) => `${name}×${n}`)
      .join(", ");
    lines.push(
      `  ${kind.padEnd(18)} ok ${String(k.ok).padStart(6)}  refused ${String(k.refused).padStart(6)}${errors ? `  (${errors})` : ""}`,
    );
  }
  const events = Object.entries(stats.events)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name}×${n}`);
  lines.push(`  events: ${events.join(", ")}`);
  return lines.join("\n");
}

// ------------------------------------------------------------------------------------------------------
// The runner and its model
// ------------------------------------------------------------------------------------------------------

type LicenceState = "Proposed" | "Active" | "Cancelled" | "Superseded" | "Suspended" | "Terminated";

interface LicenceModel {
  id: bigint;
  contentId: string;
  rightsHolder: string;
  mcn: string;
  platform: string;
  rightsHolderBps: bigint;
  mcnBps: bigint;
  platformBps: bigint;
  commissionBps: bigint;
  channels: number[];
  state: LicenceState;
  /** The digest of the terms it was registered with (see termsDigest). */
  terms: string;
}

interface SaleModel {
  id: string;
  licenceId: bigint;
  channelId: number;
  token: string;
  commission: bigint;
  shares: readonly [bigint, bigint, bigint];
  parties: readonly [string, string, string];
  releaseAt: bigint;
  status: number;
}

interface DisputeModel {
  id: bigint;
  kind: "licence" | "sale";
  target: string;
  open: boolean;
}

interface LedgerEntry {
  account: string;
  token: string;
  credited: bigint;
  withdrawn: bigint;
}

export interface StepOutcome {
  step: number;
  kind: OpKind;
  status: "ok" | "refused";
  error?: string;
}

const TERMS_HASH = ethers.id("terms:invariants");
const UNKNOWN_SALE = ethers.id("sale:unknown");

function pick<T>(list: readonly T[], n: number): T | undefined {
  return list.length === 0 ? undefined : list[n % list.length];
}

function json(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
}

/** Plays one sequence against a fresh chain, checking the books after every step. */
class SequenceRunner {
  private readonly licences: LicenceModel[] = [];
  private readonly sales = new Map<string, SaleModel>();
  private readonly saleOrder: string[] = [];
  private readonly disputes: DisputeModel[] = [];
  private readonly ledger = new Map<string, LedgerEntry>();
  private readonly orderRefs: string[] = [];
  private paused = false;
  private readonly disallowedTokens = new Set<string>();
  private readonly channelsOff = new Set<number>();
  private orderCounter = 0;
  private readonly signers = new Map<string, HardhatEthersSigner>();
  private readonly participants: HardhatEthersSigner[];
  private readonly reporters: HardhatEthersSigner[];
  private readonly errors: Interface;
  private step = -1;
  private op: Op | undefined;

  constructor(
    private readonly chain: InvariantChain,
    private readonly stats?: RunStats,
  ) {
    const a = chain.accounts;
    this.reporters = [a.taobao, a.jd, a.pdd];
    this.participants = [
      a.rightsHolder,
      a.rightsHolder2,
      a.mcn,
      a.mcn2,
      a.platform,
      a.platform2,
      a.taobao,
      a.jd,
      a.pdd,
      a.arbiter,
      a.outsider,
    ];
    for (const s of [...this.participants, a.admin]) this.signers.set(s.address.toLowerCase(), s);
    this.errors = errorsOf.get(chain) ?? errorsOf.set(chain, contractErrors(chain)).get(chain)!;
  }

  async run(ops: readonly Op[]): Promise<StepOutcome[]> {
    const stats = this.stats;
    const outcomes: StepOutcome[] = [];
    await this.check();
    for (const [i, op] of ops.entries()) {
      this.step = i;
      this.op = op;
      const refusal = await this.execute(op);
      const outcome: StepOutcome = { step: i, kind: op.kind, status: refusal ? "refused" : "ok" };
      if (refusal) outcome.error = refusal.name;
      outcomes.push(outcome);
      if (stats) {
        stats.steps++;
        const k = stats.byKind[op.kind];
        if (refusal) {
          stats.refused++;
          k.refused++;
          k.errors[refusal.name] = (k.errors[refusal.name] ?? 0) + 1;
        } else {
          k.ok++;
        }
      }
      await this.check();
    }
    if (stats) stats.sequences++;
    return outcomes;
  }

  // ---- the checks ------------------------------------------------------------------------------------

  private fail(message: string): never {
    const where = this.step < 0 ? "before the first step" : `after step ${this.step} ${json(this.op)}`;
    throw new InvariantViolation(`${message} (${where})`);
  }

  /** The books on chain against the model, after every step. */
  async check(): Promise<void> {
    const pairs = [...this.ledger.values()];
    for (const entry of pairs) {
      if (entry.withdrawn > entry.credited) {
        this.fail(`${entry.account} withdrew ${entry.withdrawn} of ${entry.token} but was credited ${entry.credited}`);
      }
    }
    // Fast path: the chain's books are, word for word, what the model says (balance = Σ escrowed + Σ claimable).
    const licenceIds = this.licences.map((l) => l.id);
    const onChain = await readSnapshot(this.chain, this.saleOrder, pairs, licenceIds);
    if (onChain === this.expectedSnapshot(pairs)) return;
    await this.checkInDetail(pairs);
    this.fail(`the books snapshot is not the model's, yet every value read matches it:\n${onChain}\n${this.expectedSnapshot(pairs)}`);
  }

  /** What VaultBooks.snapshot returns (ABI-encoded) if the chain's books are the model's. */
  private expectedSnapshot(pairs: readonly LedgerEntry[]): string {
    const tokens = this.chain.tokenAddresses.map((t) => t.toLowerCase());
    const balances = tokens.map(() => 0n);
    const words: string[] = [];
    const sales = this.saleOrder.map((id) => this.sales.get(id)!);
    for (const s of sales) {
      if (s.status === SaleStatus.Escrowed || s.status === SaleStatus.Frozen)
        balances[tokens.indexOf(s.token.toLowerCase())]! += s.commission;
    }
    for (const e of pairs) balances[tokens.indexOf(e.token.toLowerCase())]! += e.credited - e.withdrawn;
    for (const b of balances) words.push(word(b));
    for (const s of sales) {
      words.push(
        word(s.licenceId),
        word(BigInt(s.channelId)),
        word(BigInt(s.token)),
        word(BigInt(s.status)),
        word(s.releaseAt),
        word(s.commission),
      );
    }
    for (const e of pairs) words.push(word(e.credited - e.withdrawn));
    for (const l of this.licences) words.push(l.terms.slice(2));
    return `0x${word(32n)}${word(BigInt(words.length))}${words.join("")}`.toLowerCase();
  }

  /** The books read value by value, against the model: names the first difference. */
  private async checkInDetail(pairs: readonly LedgerEntry[]): Promise<void> {
    const books = await readBooks(
      this.chain,
      this.saleOrder,
      pairs,
      this.licences.map((l) => l.id),
    );
    const tokens = this.chain.tokenAddresses.map((t) => t.toLowerCase());
    const escrowed = tokens.map(() => 0n);
    const claimable = tokens.map(() => 0n);

    books.sales.forEach((onChain, i) => {
      const model = this.sales.get(this.saleOrder[i]!)!;
      if (Number(onChain.status) !== model.status) {
        this.fail(`sale ${model.id}: getSale status ${onChain.status}, events say ${model.status}`);
      }
      if (onChain.commission !== model.commission || onChain.token.toLowerCase() !== model.token.toLowerCase()) {
        this.fail(
          `sale ${model.id}: getSale commission ${onChain.commission} in ${onChain.token}, SaleSettled said ${model.commission} in ${model.token}`,
        );
      }
      if (onChain.licenceId !== model.licenceId || Number(onChain.channelId) !== model.channelId || onChain.releaseAt !== model.releaseAt) {
        const what = model.status === SaleStatus.Frozen ? "frozen sale moved" : "sale changed";
        this.fail(
          `${what} ${model.id}: getSale licence ${onChain.licenceId} channel ${onChain.channelId} releaseAt ${onChain.releaseAt}, ` +
            `SaleSettled said licence ${model.licenceId} channel ${model.channelId} releaseAt ${model.releaseAt}`,
        );
      }
      if (onChain.status === BigInt(SaleStatus.Escrowed) || onChain.status === BigInt(SaleStatus.Frozen)) {
        const t = tokens.indexOf(onChain.token.toLowerCase());
        if (t < 0) this.fail(`sale ${model.id} is in unknown token ${onChain.token}`);
        escrowed[t]! += onChain.commission;
      }
    });

    pairs.forEach((entry, i) => {
      const onChain = books.claims[i]!;
      if (entry.withdrawn > entry.credited) {
        this.fail(`${entry.account} withdrew ${entry.withdrawn} of ${entry.token} but was credited ${entry.credited}`);
      }
      if (onChain !== entry.credited - entry.withdrawn) {
        this.fail(
          `claimable(${entry.account}, ${entry.token}) is ${onChain}, credited ${entry.credited} − withdrawn ${entry.withdrawn} = ${entry.credited - entry.withdrawn}`,
        );
      }
      claimable[tokens.indexOf(entry.token.toLowerCase())]! += onChain;
    });

    books.terms.forEach((digest, i) => {
      const l = this.licences[i]!;
      if (digest !== l.terms) this.fail(`licence ${l.id} (${l.state}): its terms on chain are no longer those it was registered with`);
    });

    tokens.forEach((token, t) => {
      const balance = books.balances[t]!;
      if (balance !== escrowed[t]! + claimable[t]!) {
        this.fail(
          `vault holds ${balance} of token ${token}, escrowed+frozen ${escrowed[t]} + claimable ${claimable[t]} = ${escrowed[t]! + claimable[t]!}`,
        );
      }
    });
  }

  // ---- the model, from events ------------------------------------------------------------------------

  private entry(account: string, token: string): LedgerEntry {
    const key = `${account.toLowerCase()}:${token.toLowerCase()}`;
    let e = this.ledger.get(key);
    if (!e) {
      e = { account, token, credited: 0n, withdrawn: 0n };
      this.ledger.set(key, e);
    }
    return e;
  }

  private licence(id: bigint): LicenceModel {
    const l = this.licences.find((x) => x.id === id);
    if (!l) this.fail(`event names licence ${id}, never registered`);
    return l;
  }

  private sale(id: string): SaleModel {
    const s = this.sales.get(id);
    if (!s) this.fail(`event names sale ${id}, never settled`);
    return s;
  }

  private apply(logs: readonly RawLog[]): void {
    const vault = this.chain.vault.toLowerCase();
    const disputes = this.chain.disputesAddress.toLowerCase();
    for (const log of logs) {
      const address = log.address.toLowerCase();
      let ev: LogDescription | null = null;
      if (address === vault) ev = this.chain.settlement.interface.parseLog({ topics: [...log.topics], data: log.data });
      else if (address === disputes) ev = this.chain.disputes.interface.parseLog({ topics: [...log.topics], data: log.data });
      if (ev) this.applyEvent(ev);
    }
  }

  private applyEvent(ev: LogDescription): void {
    const a = ev.args;
    if (this.stats) this.stats.events[ev.name] = (this.stats.events[ev.name] ?? 0) + 1;
    switch (ev.name) {
      case "LicenceRegistered": {
        const terms = a.terms as Result;
        this.licences.push({
          id: a.licenceId as bigint,
          contentId: a.contentId as string,
          rightsHolder: a.rightsHolder as string,
          mcn: terms.mcn as string,
          platform: terms.platform as string,
          rightsHolderBps: terms.rightsHolderBps as bigint,
          mcnBps: terms.mcnBps as bigint,
          platformBps: terms.platformBps as bigint,
          commissionBps: terms.commissionBps as bigint,
          channels: (terms.channels as bigint[]).map(Number),
          state: "Proposed",
          terms: termsDigest(this.chain, a.rightsHolder as string, terms),
        });
        break;
      }
      case "LicenceActivated":
        this.licence(a.licenceId as bigint).state = "Active";
        break;
      case "LicenceSuperseded":
        this.licence(a.licenceId as bigint).state = "Superseded";
        break;
      case "LicenceCancelled":
        this.licence(a.licenceId as bigint).state = "Cancelled";
        break;
      case "LicenceSuspended":
        this.licence(a.licenceId as bigint).state = "Suspended";
        break;
      case "LicenceReinstated":
        this.licence(a.licenceId as bigint).state = "Active";
        break;
      case "LicenceTerminated":
        this.licence(a.licenceId as bigint).state = "Terminated";
        break;
      case "SaleSettled":
        this.onSaleSettled(ev);
        break;
      case "SaleReleased": {
        const s = this.sale(a.saleId as string);
        if (s.status !== SaleStatus.Escrowed) this.fail(`SaleReleased for sale ${s.id} in status ${s.status}`);
        s.status = SaleStatus.Claimable;
        s.parties.forEach((party, i) => (this.entry(party, s.token).credited += s.shares[i]!));
        break;
      }
      case "SaleRefunded": {
        const s = this.sale(a.saleId as string);
        const amount = a.amount as bigint;
        if (s.status !== SaleStatus.Escrowed && s.status !== SaleStatus.Frozen)
          this.fail(`SaleRefunded for sale ${s.id} in status ${s.status}`);
        if (amount !== s.commission) this.fail(`SaleRefunded ${amount} for sale ${s.id} whose commission is ${s.commission}`);
        const reporter = this.reporters[s.channelId - 1]!.address;
        if ((a.to as string).toLowerCase() !== reporter.toLowerCase())
          this.fail(`SaleRefunded to ${a.to}, not the channel's reporter ${reporter}`);
        s.status = SaleStatus.Refunded;
        this.entry(a.to as string, s.token).credited += amount;
        break;
      }
      case "SaleFrozen": {
        const s = this.sale(a.saleId as string);
        if (s.status !== SaleStatus.Escrowed) this.fail(`SaleFrozen for sale ${s.id} in status ${s.status}`);
        s.status = SaleStatus.Frozen;
        break;
      }
      case "SaleUnfrozen": {
        const s = this.sale(a.saleId as string);
        if (s.status !== SaleStatus.Frozen) this.fail(`SaleUnfrozen for sale ${s.id} in status ${s.status}`);
        s.status = SaleStatus.Escrowed;
        break;
      }
      case "Withdrawn": {
        const e = this.entry(a.account as string, a.token as string);
        const amount = a.amount as bigint;
        if (amount !== e.credited - e.withdrawn) {
          this.fail(`Withdrawn ${amount} by ${a.account}, whose whole claimable balance should be ${e.credited - e.withdrawn}`);
        }
        e.withdrawn += amount;
        break;
      }
      case "DisputeOpened":
        this.disputes.push({
          id: a.disputeId as bigint,
          kind: (a.kind as bigint) === 0n ? "licence" : "sale",
          target: a.target as string,
          open: true,
        });
        break;
      case "Paused":
        this.paused = true;
        break;
      case "Unpaused":
        this.paused = false;
        break;
      case "TokenDisallowed":
        this.disallowedTokens.add((a.token as string).toLowerCase());
        break;
      case "TokenAllowed":
        this.disallowedTokens.delete((a.token as string).toLowerCase());
        break;
      case "ChannelActiveSet":
        if (a.active as boolean) this.channelsOff.delete(Number(a.channelId as bigint));
        else this.channelsOff.add(Number(a.channelId as bigint));
        break;
      case "DisputeResolved": {
        const d = this.disputes.find((x) => x.id === (a.disputeId as bigint));
        if (!d) this.fail(`DisputeResolved for unknown dispute ${a.disputeId}`);
        d.open = false;
        break;
      }
      default:
        break;
    }
  }

  private onSaleSettled(ev: LogDescription): void {
    const a = ev.args;
    const saleId = a.saleId as string;
    const l = this.licence(a.licenceId as bigint);
    const gross = a.gross as bigint;
    const commission = a.commission as bigint;
    const shares = [a.rightsHolderShare as bigint, a.mcnShare as bigint, a.platformShare as bigint] as const;
    const releaseAt = a.releaseAt as bigint;
    if (this.sales.has(saleId)) this.fail(`SaleSettled twice for sale ${saleId}`);
    if (commission !== (gross * l.commissionBps) / BPS) {
      this.fail(`SaleSettled commission ${commission} ≠ floor(${gross} × ${l.commissionBps} / 10000) = ${(gross * l.commissionBps) / BPS}`);
    }
    if (shares[0] + shares[1] + shares[2] !== commission) this.fail(`SaleSettled shares ${shares.join(" + ")} ≠ commission ${commission}`);
    const rh = (commission * l.rightsHolderBps) / BPS;
    const mcn = (commission * l.mcnBps) / BPS;
    if (shares[0] !== rh || shares[1] !== mcn) {
      this.fail(
        `SaleSettled shares ${shares.join("/")} are not the licence's ${l.rightsHolderBps}/${l.mcnBps}/${l.platformBps} split of ${commission}`,
      );
    }
    const sale: SaleModel = {
      id: saleId,
      licenceId: l.id,
      channelId: Number(a.channelId as bigint),
      token: a.token as string,
      commission,
      shares,
      parties: [l.rightsHolder, l.mcn, l.platform],
      releaseAt,
      status: releaseAt === 0n ? SaleStatus.Claimable : SaleStatus.Escrowed,
    };
    this.sales.set(saleId, sale);
    this.saleOrder.push(saleId);
    if (releaseAt === 0n) sale.parties.forEach((party, i) => (this.entry(party, sale.token).credited += shares[i]!));
  }

  // ---- executing operations --------------------------------------------------------------------------

  /**
   * Sends a transaction straight to the node (no estimate, no nonce look-up: the node signs for its own
   * accounts and mines it at once); applies its events, or returns the custom error it was refused with.
   */
  private async send(from: { address: string }, to: string, data: string): Promise<ErrorDescription | undefined> {
    let receipt: Receipt;
    try {
      receipt = await transport.send({ from: from.address, to, data, gas: TX_GAS });
    } catch (error) {
      return classifyRefusal(error, this.errors); // Hardhat refuses a reverting transaction, with its revert data
    }
    if (receipt.status !== "0x1") {
      // anvil mines a reverting transaction; its trace has the revert data
      const trace = (await transport.request("debug_traceTransaction", [receipt.transactionHash, { tracer: "callTracer" }])) as {
        output?: string;
        error?: string;
      };
      return classifyRefusal(Object.assign(new Error(`reverted: ${trace.error ?? "?"}`), { data: trace.output ?? "0x" }), this.errors);
    }
    this.apply(receipt.logs);
    return undefined;
  }

  private signer(address: string): HardhatEthersSigner {
    const s = this.signers.get(address.toLowerCase());
    if (!s) this.fail(`no signer for ${address}`);
    return s;
  }

  private licenceId(n: number, prefer?: (l: LicenceModel) => boolean): bigint {
    const preferred = prefer ? this.licences.filter(prefer) : [];
    return (pick(preferred, n) ?? pick(this.licences, n))?.id ?? BigInt(this.licences.length + 1);
  }

  /** A sale by pick: among those `prefer` accepts (the first such list that is not empty), else among all. */
  private saleId(n: number, prefer: ((s: SaleModel) => boolean) | ((s: SaleModel) => boolean)[] = []): string {
    const all = this.saleOrder.map((id) => this.sales.get(id)!);
    for (const p of Array.isArray(prefer) ? prefer : [prefer]) {
      const preferred = pick(all.filter(p), n);
      if (preferred) return preferred.id;
    }
    return pick(all, n)?.id ?? UNKNOWN_SALE;
  }

  private disputeOf(n: number, prefer?: (d: DisputeModel) => boolean): bigint {
    const preferred = prefer ? this.disputes.filter(prefer) : [];
    return (pick(preferred, n) ?? pick(this.disputes, n))?.id ?? BigInt(this.disputes.length + 1);
  }

  private freshOrderRef(): string {
    const ref = ethers.zeroPadValue(ethers.toBeHex(++this.orderCounter), 32);
    this.orderRefs.push(ref);
    return ref;
  }

  /** Who takes part in a licence's dispute: its three parties, an in-scope reporter, an out-of-scope one, an outsider. */
  private licenceSide(licenceId: bigint, party: number): HardhatEthersSigner {
    const outsider = this.chain.accounts.outsider;
    const l = this.licences.find((x) => x.id === licenceId);
    if (!l) return outsider;
    const inScope = this.reporters[(l.channels[0] ?? 1) - 1]!;
    const outOfScope = this.reporters.find((_r, i) => !l.channels.includes(i + 1)) ?? outsider;
    const sides = [this.signer(l.rightsHolder), this.signer(l.mcn), this.signer(l.platform), inScope, outOfScope, outsider];
    return sides[party % sides.length]!;
  }

  /** Who takes part in a sale's dispute: its licence's three parties, its channel, another channel, an outsider. */
  private saleSide(saleId: string, party: number): HardhatEthersSigner {
    const outsider = this.chain.accounts.outsider;
    const s = this.sales.get(saleId);
    if (!s) return outsider;
    const own = this.reporters[s.channelId - 1]!;
    const other = this.reporters[s.channelId % 3]!;
    const sides = [...s.parties.map((p) => this.signer(p)), own, other, outsider];
    return sides[party % sides.length]!;
  }

  private disputeSide(disputeId: bigint, party: number): HardhatEthersSigner {
    const d = this.disputes.find((x) => x.id === disputeId);
    if (!d) return this.chain.accounts.outsider;
    return d.kind === "licence" ? this.licenceSide(BigInt(d.target), party) : this.saleSide(d.target, party);
  }

  /** The latest block's time. */
  private async latestTime(): Promise<bigint> {
    const block = (await transport.request("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
    return BigInt(block.timestamp);
  }

  private evidence(): string {
    return ids.evidence(`${this.step}:${this.orderCounter}`);
  }

  private async execute(op: Op): Promise<ErrorDescription | undefined> {
    const { accounts, vault, disputesAddress } = this.chain;
    const settlement = this.chain.settlement.interface;
    const disputes = this.chain.disputes.interface;
    switch (op.kind) {
      case "register": {
        const now = Number(await this.latestTime());
        let rightsHolder = [accounts.rightsHolder, accounts.rightsHolder2][op.rightsHolder % 2]!;
        let mcn = [accounts.mcn, accounts.mcn2][op.mcn % 2]!.address;
        let platform = [accounts.platform, accounts.platform2][op.platform % 2]!.address;
        let contentId = ids.content(`invariants-${op.content}`);
        let supersedes = 0n;
        const old = op.supersede === null ? undefined : pick(this.licences, op.supersede);
        if (old) {
          rightsHolder = this.signer(old.rightsHolder);
          mcn = old.mcn;
          platform = old.platform;
          contentId = old.contentId;
          supersedes = old.id;
        }
        const terms: Terms = {
          contentId,
          mcn,
          platform,
          rightsHolderBps: op.split[0],
          mcnBps: op.split[1],
          platformBps: op.split[2],
          commissionBps: op.commissionBps,
          channels: op.channels,
          validFrom: now,
          validUntil: now + op.validDays * DAY,
          holdSeconds: op.holdSeconds,
          supersedes,
          termsHash: TERMS_HASH,
          termsURI: "ipfs://reelsplit-invariants",
        };
        return this.send(rightsHolder, vault, settlement.encodeFunctionData("registerLicence", [terms]));
      }
      case "accept": {
        const id = this.licenceId(op.licence, (l) => l.state === "Proposed");
        const l = this.licences.find((x) => x.id === id);
        const by = l ? this.signer(op.by === "mcn" ? l.mcn : op.by === "platform" ? l.platform : l.rightsHolder) : accounts.mcn;
        return this.send(by, vault, settlement.encodeFunctionData("acceptLicence", [id]));
      }
      case "cancel": {
        const id = this.licenceId(op.licence, (l) => l.state === "Proposed");
        const l = this.licences.find((x) => x.id === id);
        return this.send(
          l ? this.signer(l.rightsHolder) : accounts.rightsHolder,
          vault,
          settlement.encodeFunctionData("cancelLicence", [id]),
        );
      }
      case "settle": {
        const reporter = this.reporters[op.reporter % 3]!;
        const ref = (op.reuseOrder === null ? undefined : pick(this.orderRefs, op.reuseOrder)) ?? this.freshOrderRef();
        const token = this.chain.tokenAddresses[op.token % TOKENS]!;
        const channelId = (op.reporter % 3) + 1;
        const licenceId = this.licenceId(
          op.licence,
          op.anyLicence ? undefined : (l) => l.state === "Active" && l.channels.includes(channelId),
        );
        return this.send(reporter, vault, settlement.encodeFunctionData("settleSale", [licenceId, ref, token, op.gross]));
      }
      case "settleBatch": {
        const reporter = this.reporters[op.reporter % 3]!;
        const token = this.chain.tokenAddresses[op.token % TOKENS]!;
        const channelId = (op.reporter % 3) + 1;
        const prefer = op.anyLicence ? undefined : (l: LicenceModel) => l.state === "Active" && l.channels.includes(channelId);
        const orders = op.orders.map((o) => ({
          licenceId: this.licenceId(o.licence, prefer),
          orderRef: this.freshOrderRef(),
          gross: o.gross,
        }));
        return this.send(reporter, vault, settlement.encodeFunctionData("settleSales", [token, orders]));
      }
      case "refund": {
        const id = this.saleId(op.sale, (s) => s.status === SaleStatus.Escrowed);
        const s = this.sales.get(id);
        const channel = s ? s.channelId - 1 : 0;
        const by = this.reporters[op.byOwnChannel ? channel : (channel + 1) % 3]!;
        return this.send(by, vault, settlement.encodeFunctionData("refundSale", [id]));
      }
      case "release": {
        const now = op.dueOnly ? (await this.latestTime()) + 1n : 0n;
        const due = (s: SaleModel) => s.status === SaleStatus.Escrowed && (!op.dueOnly || s.releaseAt <= now);
        const escrowed = (s: SaleModel) => s.status === SaleStatus.Escrowed;
        const picked = [...new Set(op.sales.map((n) => this.saleId(n, [due, escrowed])))];
        return this.send(accounts.outsider, vault, settlement.encodeFunctionData("releaseSales", [picked]));
      }
      case "advanceTime":
        // as Hardhat's time.increase does; anvil's evm_increaseTime is ignored once blocks are a second apart
        await transport.request("evm_setNextBlockTimestamp", [Number((await this.latestTime()) + BigInt(op.seconds))]);
        await transport.request("evm_mine", []);
        return undefined;
      case "withdraw": {
        const owed = [...this.ledger.values()].filter((e) => e.credited > e.withdrawn);
        const chosen = op.anyAccount ? undefined : pick(owed, op.account);
        const account = chosen ? this.signer(chosen.account) : this.participants[op.account % PARTICIPANTS]!;
        const token = chosen ? chosen.token : this.chain.tokenAddresses[op.token % TOKENS]!;
        const to = op.to === null ? account : this.participants[op.to % PARTICIPANTS]!;
        return this.send(account, vault, settlement.encodeFunctionData("withdraw", [token, to.address]));
      }
      case "openSaleDispute": {
        const id = this.saleId(op.sale, op.anySale ? [] : (s) => s.status === SaleStatus.Escrowed);
        const data = disputes.encodeFunctionData("openSaleDispute", [id, op.reason, this.evidence()]);
        return this.send(this.saleSide(id, op.party), disputesAddress, data);
      }
      case "openLicenceDispute": {
        const id = this.licenceId(op.licence);
        const data = disputes.encodeFunctionData("openLicenceDispute", [id, op.reason, this.evidence()]);
        return this.send(this.licenceSide(id, op.party), disputesAddress, data);
      }
      case "addEvidence": {
        const id = this.disputeOf(op.dispute, (d) => d.open);
        return this.send(
          this.disputeSide(id, op.party),
          disputesAddress,
          disputes.encodeFunctionData("addEvidence", [id, this.evidence()]),
        );
      }
      case "suspendLicence": {
        const id = this.disputeOf(op.dispute, (d) => d.open && d.kind === "licence");
        const by = op.byArbiter ? accounts.arbiter : accounts.outsider;
        return this.send(by, disputesAddress, disputes.encodeFunctionData("suspendLicence", [id]));
      }
      case "resolve": {
        const id = this.disputeOf(op.dispute, (d) => d.open);
        const d = this.disputes.find((x) => x.id === id);
        const fitting = op.upheld && d?.kind === "licence" ? (op.terminate ? 2 : 1) : 0;
        const remedy = op.fittingRemedy ? fitting : op.remedy;
        const by = op.byArbiter ? accounts.arbiter : accounts.outsider;
        const data = disputes.encodeFunctionData("resolve", [id, op.upheld, ethers.id(`ruling:${this.step}`), remedy]);
        return this.send(by, disputesAddress, data);
      }
      case "band":
        return this.send(accounts.admin, vault, settlement.encodeFunctionData("setCommissionBand", [op.minBps, op.maxBps]));
      case "admin": {
        const admin = (data: string) => this.send(accounts.admin, vault, data);
        const token = this.chain.tokenAddresses[op.token % TOKENS]!;
        const channel = ((op.channel - 1) % 3) + 1;
        switch (op.target) {
          case "pause": {
            const pause = this.paused !== op.toggle;
            return admin(pause ? settlement.encodeFunctionData("pause") : settlement.encodeFunctionData("unpause"));
          }
          case "token": {
            const allow = this.disallowedTokens.has(token.toLowerCase()) === op.toggle;
            return admin(
              allow ? settlement.encodeFunctionData("allowToken", [token]) : settlement.encodeFunctionData("disallowToken", [token]),
            );
          }
          case "channel": {
            const active = this.channelsOff.has(channel) === op.toggle;
            return admin(settlement.encodeFunctionData("setChannelActive", [channel, active]));
          }
        }
      }
    }
  }
}

/** Compiles the books reader and deploys the fixture once, so that a timed run starts warm. */
export async function warmUp(): Promise<void> {
  compileBooks();
  await loadFixture(invariantFixture);
}

/** Runs one sequence on a fresh chain (the fixture's snapshot), checking the books after every step. */
export async function runSequence(ops: readonly Op[], stats?: RunStats): Promise<StepOutcome[]> {
  compileBooks();
  const chain = await loadFixture(invariantFixture);
  return new SequenceRunner(chain, stats).run(ops);
}

/**
 * Runs a sequence, then `meddle`s with the chain behind the model's back, then checks the books again: for
 * tests that the check can fail.
 */
export async function runThenMeddle(ops: readonly Op[], meddle: (chain: InvariantChain) => Promise<void>): Promise<void> {
  compileBooks();
  const chain = await loadFixture(invariantFixture);
  const runner = new SequenceRunner(chain);
  await runner.run(ops);
  await meddle(chain);
  await runner.check();
}
