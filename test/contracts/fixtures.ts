import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { DemoStablecoin, DisputeRegistry, IERC20, Settlement } from "../../typechain-types";
import type { ILicenceRegistry } from "../../typechain-types/contracts/Settlement";

export const DAY = 24 * 60 * 60;
export const BPS = 10_000n;

/** The 15 % / 35 % / 50 % split of the brief, at a 20 % commission. */
export const EXAMPLE_SPLIT = { rightsHolderBps: 1500, mcnBps: 3500, platformBps: 5000, commissionBps: 2000 } as const;

export const ids = {
  content: (name: string) => ethers.id(`content:${name}`),
  order: (name: string | number) => ethers.id(`order:${name}`),
  evidence: (name: string) => ethers.id(`evidence:${name}`),
};

export type Terms = ILicenceRegistry.LicenceTermsStruct;

/**
 * The consortium as it runs: admin, two rights holders, two MCNs, two platforms, an arbiter, three
 * channels (taobao, jd, pdd) each with its reporter, the 2-decimal demo stablecoin allowed and funded, and
 * the dispute registry wired in. Nothing is registered yet.
 */
export async function deployConsortium() {
  const signers = await ethers.getSigners();
  const [admin, rightsHolder, rightsHolder2, mcn, mcn2, platform, platform2, arbiter, taobao, jd, pdd, outsider] = signers as [
    HardhatEthersSigner,
    ...HardhatEthersSigner[],
  ] as HardhatEthersSigner[];
  const settlement: Settlement = await ethers.deployContract("Settlement", [admin!.address]);
  const disputes: DisputeRegistry = await ethers.deployContract("DisputeRegistry", [await settlement.getAddress()]);
  const token: DemoStablecoin = await ethers.deployContract("DemoStablecoin", [admin!.address]);

  await settlement.grantRole(await settlement.DISPUTE_REGISTRY_ROLE(), await disputes.getAddress());
  for (const a of [rightsHolder, rightsHolder2]) await settlement.grantRole(await settlement.RIGHTS_HOLDER_ROLE(), a!.address);
  for (const a of [mcn, mcn2]) await settlement.grantRole(await settlement.MCN_ROLE(), a!.address);
  for (const a of [platform, platform2]) await settlement.grantRole(await settlement.PLATFORM_ROLE(), a!.address);
  await settlement.grantRole(await settlement.ARBITER_ROLE(), arbiter!.address);
  await settlement.addChannel("taobao", taobao!.address);
  await settlement.addChannel("jd", jd!.address);
  await settlement.addChannel("pdd", pdd!.address);
  await settlement.allowToken(await token.getAddress());
  for (const reporter of [taobao, jd, pdd]) {
    await token.mint(reporter!.address, 10n ** 15n);
    await token.connect(reporter!).approve(await settlement.getAddress(), ethers.MaxUint256);
  }
  const channel = { taobao: 1, jd: 2, pdd: 3 } as const;
  return {
    settlement,
    disputes,
    token,
    channel,
    accounts: {
      admin: admin!,
      rightsHolder: rightsHolder!,
      rightsHolder2: rightsHolder2!,
      mcn: mcn!,
      mcn2: mcn2!,
      platform: platform!,
      platform2: platform2!,
      arbiter: arbiter!,
      taobao: taobao!,
      jd: jd!,
      pdd: pdd!,
      outsider: outsider!,
    },
  };
}

export type Consortium = Awaited<ReturnType<typeof deployConsortium>>;

/** Terms for the brief's example licence: 15/35/50 at 20 %, taobao and jd, a year long, paid at once. */
export async function exampleTerms(c: Consortium, overrides: Partial<Terms> = {}): Promise<Terms> {
  const now = await time.latest();
  return {
    contentId: ids.content("the-return-of-the-heiress"),
    mcn: c.accounts.mcn.address,
    platform: c.accounts.platform.address,
    ...EXAMPLE_SPLIT,
    channels: [c.channel.taobao, c.channel.jd],
    validFrom: now,
    validUntil: now + 365 * DAY,
    holdSeconds: 0,
    supersedes: 0,
    termsHash: ethers.id("terms:v1"),
    termsURI: "ipfs://bafy-terms-v1",
    ...overrides,
  };
}

/** Registers a licence as the rights holder and has the MCN and the platform accept it. */
export async function activeLicence(c: Consortium, overrides: Partial<Terms> = {}, rightsHolder = c.accounts.rightsHolder) {
  const terms = await exampleTerms(c, overrides);
  const licenceId = (await c.settlement.licenceCount()) + 1n;
  await c.settlement.connect(rightsHolder).registerLicence(terms);
  const mcn = await ethers.getSigner(String(terms.mcn));
  const platform = await ethers.getSigner(String(terms.platform));
  await c.settlement.connect(mcn).acceptLicence(licenceId);
  await c.settlement.connect(platform).acceptLicence(licenceId);
  return { licenceId, terms };
}

/** The consortium with the example licence active (paid at once) and a 7-day-hold licence active. */
export async function deployWithLicences() {
  const c = await deployConsortium();
  const instant = await activeLicence(c);
  const escrow = await activeLicence(c, { contentId: ids.content("seven-day-drama"), holdSeconds: 7 * DAY });
  return { ...c, instantLicenceId: instant.licenceId, escrowLicenceId: escrow.licenceId };
}

/** The sale id a channel's order gets: keccak256(abi.encode(channelId, orderRef)). */
export function saleIdOf(channelId: number, orderRef: string): string {
  return ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint8", "bytes32"], [channelId, orderRef]));
}

const ESCROWED = 1n;
const FROZEN = 2n;

/**
 * The vault's books balance for a token (default the demo stablecoin): its balance equals the commission of
 * every escrowed or frozen sale plus the claimable balance of every account that could ever have been
 * credited (every signer, every licence party, every channel reporter, and `extra`).
 */
export async function expectVaultBalanced(c: Pick<Consortium, "settlement" | "token">, tokenAddress?: string, extra: string[] = []) {
  const { settlement } = c;
  const token = tokenAddress ?? (await c.token.getAddress());
  let owed = 0n;
  for (const e of await settlement.queryFilter(settlement.filters.SaleSettled())) {
    if (e.args.token !== token) continue;
    const sale = await settlement.getSale(e.args.saleId);
    if (sale.status === ESCROWED || sale.status === FROZEN) owed += sale.commission;
  }
  const accounts = new Set<string>(extra);
  for (const s of await ethers.getSigners()) accounts.add(s.address);
  for (let id = 1n; id <= (await settlement.licenceCount()); id++) {
    const l = await settlement.getLicence(id);
    for (const a of [l.rightsHolder, l.mcn, l.platform]) accounts.add(a);
  }
  for (let id = 1n; id <= (await settlement.channelCount()); id++) accounts.add((await settlement.channel(id)).reporter);
  for (const a of accounts) owed += await settlement.claimable(a, token);
  const erc20 = (await ethers.getContractAt("IERC20", token)) as unknown as IERC20;
  expect(await erc20.balanceOf(await settlement.getAddress())).to.equal(owed, "vault balance != escrowed + claimable");
}
