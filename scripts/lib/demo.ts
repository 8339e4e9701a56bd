/**
 * The demo consortium `npm start` seeds: who is in it, the licences they agreed, a short history (sales,
 * a refund inside a hold window, a dispute opened, evidenced and resolved, a withdrawal), then a steady
 * stream of sales until it is stopped.
 *
 * Everything goes through the contracts as the parties would call them; nothing is written to the
 * database directly. Amounts are bigint in the demo stablecoin's smallest unit (fen: 2 decimals).
 */
import { ethers, type JsonRpcProvider, type Signer } from "ethers";
import {
  DemoStablecoin__factory,
  DisputeRegistry__factory,
  Settlement__factory,
  type DemoStablecoin,
  type DisputeRegistry,
  type Settlement,
} from "../../typechain-types";
import type { Deployment } from "./deployment";
import { prng } from "./prng";

/** The hardhat node's well-known accounts, by the part each plays in the demo. */
export const DEMO_ACCOUNTS = [
  { name: "admin", label: "consortium admin", role: null },
  { name: "rightsHolder", label: "rights holder · Jade Hall Pictures", role: "RIGHTS_HOLDER_ROLE" },
  { name: "rightsHolder2", label: "rights holder · Moonlit Novels IP", role: "RIGHTS_HOLDER_ROLE" },
  { name: "mcn", label: "MCN · Starlight Creators", role: "MCN_ROLE" },
  { name: "mcn2", label: "MCN · Bamboo Studio", role: "MCN_ROLE" },
  { name: "platform", label: "platform · ReelTok", role: "PLATFORM_ROLE" },
  { name: "platform2", label: "platform · QuickFlix", role: "PLATFORM_ROLE" },
  { name: "arbiter", label: "arbiter · Consortium Arbitration Panel", role: "ARBITER_ROLE" },
  { name: "taobao", label: "channel reporter · taobao", role: null },
  { name: "jd", label: "channel reporter · jd", role: null },
  { name: "pdd", label: "channel reporter · pdd", role: null },
] as const;
export type DemoAccount = (typeof DEMO_ACCOUNTS)[number]["name"];
export const CHANNELS = ["taobao", "jd", "pdd"] as const;
export type ChannelName = (typeof CHANNELS)[number];

const DAY = 86_400;
const YEAR = 365 * DAY;
/** dCNY has 2 decimals: 1 yuan = 100 fen. */
const YUAN = 100n;

/** The licences the demo agrees, in registration order (licence ids 1…4). */
export const DEMO_LICENCES = [
  {
    title: "The Substitute Bride (80 episodes)",
    rightsHolder: "rightsHolder",
    mcn: "mcn",
    platform: "platform",
    split: [1500, 3500, 5000],
    commissionBps: 2000,
    channels: ["taobao", "jd", "pdd"],
    holdSeconds: 0,
    accepted: ["mcn", "platform"],
  },
  {
    title: "Return of the Dragon Heir (60 episodes)",
    rightsHolder: "rightsHolder",
    mcn: "mcn2",
    platform: "platform2",
    split: [2000, 3000, 5000],
    commissionBps: 2500,
    channels: ["taobao", "jd", "pdd"],
    holdSeconds: 7 * DAY,
    accepted: ["mcn2", "platform2"],
  },
  {
    title: "My CEO Is a Time Traveller (100 episodes)",
    rightsHolder: "rightsHolder2",
    mcn: "mcn",
    platform: "platform2",
    split: [1000, 4000, 5000],
    commissionBps: 1500,
    channels: ["taobao", "jd"],
    holdSeconds: 0,
    accepted: ["mcn", "platform2"],
  },
  {
    title: "Snow Over the Forbidden City (40 episodes)",
    rightsHolder: "rightsHolder2",
    mcn: "mcn2",
    platform: "platform",
    split: [1500, 3500, 5000],
    commissionBps: 1800,
    channels: ["taobao"],
    holdSeconds: 0,
    accepted: ["mcn2"], // the platform has not consented yet
  },
] as const satisfies readonly {
  title: string;
  rightsHolder: DemoAccount;
  mcn: DemoAccount;
  platform: DemoAccount;
  split: readonly [number, number, number];
  commissionBps: number;
  channels: readonly ChannelName[];
  holdSeconds: number;
  accepted: readonly DemoAccount[];
}[];

/** The licences the stream sells under: active ones, with the channels each allows. */
const SELLING = DEMO_LICENCES.map((l, i) => ({
  licenceId: i + 1,
  channels: l.channels as readonly ChannelName[],
  accepted: l.accepted,
})).filter((l) => l.accepted.length === 2);

export interface Demo {
  accounts: Record<DemoAccount, Signer & { address: string }>;
  settlement: Settlement;
  disputes: DisputeRegistry;
  token: DemoStablecoin;
  /** Orders settled so far (history and stream). */
  sales(): number;
  /** Starts settling a few sales a second (some batched) until `stop()`. */
  startStream(options?: { salesPerSecond?: number; onError?: (err: Error) => void }): void;
  stop(): Promise<void>;
}

/**
 * The demo's parties as signers of a dev node that holds their keys (hardhat node, anvil). The node fills
 * in each transaction's nonce, so a Hardhat task sent from the same account while the stream runs does
 * not collide with it.
 */
export async function demoAccounts(provider: JsonRpcProvider): Promise<Demo["accounts"]> {
  const signers = await Promise.all(DEMO_ACCOUNTS.map((_, i) => provider.getSigner(i)));
  return Object.fromEntries(DEMO_ACCOUNTS.map(({ name }, i) => [name, signers[i]!])) as unknown as Demo["accounts"];
}

/**
 * Seeds the demo on a fresh deployment: roles, channels, funded reporters, four licences (the brief's
 * 15/35/50; one with a 7-day hold; one not allowed on pdd; one still waiting for the platform's consent),
 * about thirty sales, a refund inside the hold window, a dispute opened, evidenced and resolved, and a
 * withdrawal by an MCN.
 */
export async function seedDemo(provider: JsonRpcProvider, deployment: Deployment, log: (line: string) => void = () => {}): Promise<Demo> {
  if (!deployment.contracts.DemoStablecoin) throw new Error("the demo needs the demo stablecoin: deploy with DEMO_TOKEN=1");
  const accounts = await demoAccounts(provider);
  const as = <T extends { connect(s: Signer): unknown }>(c: T, who: DemoAccount) => c.connect(accounts[who]) as ReturnType<T["connect"]>;
  const settlement = Settlement__factory.connect(deployment.contracts.Settlement, accounts.admin);
  const disputes = DisputeRegistry__factory.connect(deployment.contracts.DisputeRegistry, accounts.admin);
  const token = DemoStablecoin__factory.connect(deployment.contracts.DemoStablecoin, accounts.admin);
  const tokenAddress = deployment.contracts.DemoStablecoin;
  const send = async (tx: Promise<ethers.ContractTransactionResponse>) => (await (await tx).wait())!;
  const random = prng(20261202);

  log("granting roles and adding the channels taobao, jd and pdd");
  for (const { name, role } of DEMO_ACCOUNTS) {
    if (role) await send(settlement.grantRole(await settlement[role](), accounts[name].address));
  }
  for (const channel of CHANNELS) await send(settlement.addChannel(channel, accounts[channel].address));
  for (const channel of CHANNELS) {
    await send(token.mint(accounts[channel].address, 100_000_000n * YUAN));
    await send(as(token, channel).approve(deployment.contracts.Settlement, ethers.MaxUint256));
  }

  log("registering four licences (the parties accept three)");
  const now = (await provider.getBlock("latest"))!.timestamp;
  for (const l of DEMO_LICENCES) {
    await send(
      as(settlement, l.rightsHolder).registerLicence({
        contentId: ethers.id(`content fingerprint: ${l.title}`),
        mcn: accounts[l.mcn].address,
        platform: accounts[l.platform].address,
        rightsHolderBps: l.split[0],
        mcnBps: l.split[1],
        platformBps: l.split[2],
        commissionBps: l.commissionBps,
        channels: l.channels.map((c) => CHANNELS.indexOf(c) + 1),
        validFrom: now - 60,
        validUntil: now + YEAR,
        holdSeconds: l.holdSeconds,
        supersedes: 0,
        termsHash: ethers.id(`terms: ${l.title}`),
        termsURI: `https://terms.reelsplit.example/${encodeURIComponent(l.title)}`,
      }),
    );
  }
  for (const [i, l] of DEMO_LICENCES.entries()) {
    for (const party of l.accepted) await send(as(settlement, party).acceptLicence(i + 1));
  }

  let orders = 0;
  const orderRef = () => ethers.id(`demo order ${++orders}`);
  const gross = () => BigInt(990 + Math.floor(random() * 59_000)); // 9.90 … 599.89 yuan, in fen
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  /** Settles one order; resolves with its order reference. */
  const settleOne = async (licenceId: number, channel: ChannelName) => {
    const ref = orderRef();
    await send(as(settlement, channel).settleSale(licenceId, ref, tokenAddress, gross()));
    return ref;
  };
  const settleBatch = async (channel: ChannelName, size: number) => {
    const licences = SELLING.filter((l) => l.channels.includes(channel));
    const batch = Array.from({ length: size }, () => ({ licenceId: pick(licences).licenceId, orderRef: orderRef(), gross: gross() }));
    await send(as(settlement, channel).settleSales(tokenAddress, batch));
  };
  const settleRandom = async () => {
    const channel = pick(CHANNELS);
    if (random() < 0.3) return settleBatch(channel, 2 + Math.floor(random() * 5));
    const licence = pick(SELLING.filter((l) => l.channels.includes(channel)));
    await settleOne(licence.licenceId, channel);
  };

  log("settling the first sales");
  const refundable = await settlement.saleIdOf(CHANNELS.indexOf("jd") + 1, await settleOne(2, "jd"));
  const disputed = await settlement.saleIdOf(CHANNELS.indexOf("taobao") + 1, await settleOne(2, "taobao"));
  for (let i = 0; i < 12; i++) await settleRandom();

  log("refunding a sale inside its 7-day hold window; an MCN withdraws");
  await send(as(settlement, "jd").refundSale(refundable));
  await send(as(settlement, "mcn").withdraw(tokenAddress, accounts.mcn.address));

  log("a dispute: opened by the MCN, evidenced by the channel, resolved by the arbiter");
  await send(as(disputes, "mcn2").openSaleDispute(disputed, 3, ethers.id("evidence: the order was reported at half its price")));
  const disputeId = await disputes.disputeCount();
  await send(as(disputes, "taobao").addEvidence(disputeId, ethers.id("evidence: taobao order log 2026-12-02")));
  await send(as(disputes, "arbiter").resolve(disputeId, false, ethers.id("ruling: the reported price matches the order log"), 0));
  for (let i = 0; i < 8; i++) await settleRandom();

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  return {
    accounts,
    settlement,
    disputes,
    token,
    sales: () => orders,
    startStream({ salesPerSecond = 2, onError = () => {} } = {}) {
      if (salesPerSecond <= 0) return;
      const tick = () => {
        if (stopped) return;
        running = settleRandom()
          .catch((err: Error) => onError(err))
          .finally(() => {
            if (!stopped) timer = setTimeout(tick, (1000 / salesPerSecond) * (0.5 + random()));
          });
      };
      tick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
