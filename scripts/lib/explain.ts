/**
 * Refused transactions explained in one sentence. The revert data is found wherever ethers or the node put
 * it, decoded with the contracts' ABIs (ours and the OpenZeppelin errors they inherit), and every custom
 * error has an explainer that looks up what the raw values mean on chain: channel names, licence parties,
 * token amounts in human units, dates in ISO 8601, roles in words with the admin action that grants them.
 *
 * `EXPLANATIONS` must name every error of the ABIs: test/tasks/tasks.test.ts iterates over them.
 */
import { Contract, Interface, ethers, type ErrorFragment, type Provider, type Result } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { DisputeRegistry, Settlement } from "../../typechain-types";
import { formatAmount, formatBps, formatDate, formatDuration } from "./units";

/** The artifacts whose errors a refused transaction may carry. */
export const ERROR_SOURCES = ["Settlement", "DisputeRegistry", "DemoStablecoin"] as const;

export const LICENCE_STATUS = ["none", "proposed", "active", "superseded", "suspended", "terminated", "cancelled", "expired"] as const;
export const SALE_STATUS = ["none", "escrowed", "frozen", "claimable", "refunded"] as const;
export const DISPUTE_STATUS = ["none", "open", "upheld", "rejected"] as const;
export const DISPUTE_KIND = ["licence", "sale"] as const;
export const REASONS = ["other", "ownership-claim", "unlicensed-channel", "misreported-sale", "refund-abuse", "terms-breach"] as const;
export const REMEDIES = ["none", "suspend", "terminate"] as const;

/** The member roles by the names the tasks use, with the constant's name on chain. */
export const ROLES = {
  "rights-holder": { constant: "RIGHTS_HOLDER_ROLE", words: "the rights-holder role" },
  mcn: { constant: "MCN_ROLE", words: "the MCN role" },
  platform: { constant: "PLATFORM_ROLE", words: "the platform role" },
  arbiter: { constant: "ARBITER_ROLE", words: "the arbiter role" },
  admin: { constant: "DEFAULT_ADMIN_ROLE", words: "the consortium admin role" },
} as const;
export type RoleName = keyof typeof ROLES;

export function roleHash(name: RoleName): string {
  return name === "admin" ? ethers.ZeroHash : ethers.id(ROLES[name].constant);
}

const DISPUTE_REGISTRY_ROLE = ethers.id("DISPUTE_REGISTRY_ROLE");

/** The role of a hash, by its task name, or undefined for a role we do not know. */
export function roleName(hash: string): RoleName | undefined {
  return (Object.keys(ROLES) as RoleName[]).find((n) => roleHash(n) === hash.toLowerCase());
}

/** What the explainers may look up, with the contracts of the deployment. */
export interface ExplainContext {
  provider: Provider;
  settlement: Settlement;
  disputes: DisputeRegistry;
  /** The token the command was about, used when an error names an amount but not its token. */
  defaultToken?: string;
  /** The consortium admin the deployment names. */
  admin?: string;
}

interface TokenInfo {
  symbol: string;
  decimals: number;
}

/** Best-effort on-chain lookups: a failing lookup falls back to the raw value, never to an exception. */
export class Lookup {
  private readonly tokens = new Map<string, Promise<TokenInfo | undefined>>();

  constructor(readonly ctx: ExplainContext) {}

  private async attempt<T>(f: () => Promise<T>): Promise<T | undefined> {
    try {
      return await f();
    } catch {
      return undefined;
    }
  }

  /** `taobao`, or `#7` for an id no channel has. */
  async channel(id: bigint | number): Promise<string> {
    const c = await this.attempt(() => this.ctx.settlement.channel(id));
    return c ? c.name : `#${id}`;
  }

  /** `taobao, jd and pdd`. */
  async channelNames(ids: readonly (bigint | number)[]): Promise<string> {
    return listWords(await Promise.all(ids.map((id) => this.channel(id))));
  }

  async allChannels(): Promise<string> {
    const count = await this.attempt(() => this.ctx.settlement.channelCount());
    if (!count) return "no channel is registered yet";
    const ids = Array.from({ length: Number(count) }, (_, i) => i + 1);
    const names = await Promise.all(ids.map(async (id) => `${await this.channel(id)} (${id})`));
    return `channels: ${names.join(", ")}`;
  }

  async reporterChannel(account: string): Promise<string | undefined> {
    const id = await this.attempt(() => this.ctx.settlement.channelOfReporter(account));
    return id ? this.channel(id) : undefined;
  }

  async licence(id: bigint) {
    return this.attempt(() => this.ctx.settlement.getLicence(id));
  }

  async licenceCount(): Promise<bigint> {
    return (await this.attempt(() => this.ctx.settlement.licenceCount())) ?? 0n;
  }

  async sale(id: string) {
    return this.attempt(() => this.ctx.settlement.getSale(id));
  }

  async dispute(id: bigint) {
    return this.attempt(() => this.ctx.disputes.getDispute(id));
  }

  async disputeCount(): Promise<bigint> {
    return (await this.attempt(() => this.ctx.disputes.disputeCount())) ?? 0n;
  }

  async token(address?: string): Promise<TokenInfo | undefined> {
    const a = address ?? this.ctx.defaultToken;
    if (!a) return undefined;
    let info = this.tokens.get(a.toLowerCase());
    if (!info) {
      const erc20 = new Contract(
        a,
        ["function symbol() view returns (string)", "function decimals() view returns (uint8)"],
        this.ctx.provider,
      );
      info = this.attempt(async () => ({
        symbol: String(await erc20.getFunction("symbol")()),
        decimals: Number(await erc20.getFunction("decimals")()),
      }));
      this.tokens.set(a.toLowerCase(), info);
    }
    return info;
  }

  /** `199.00 dCNY`, or `19900 units` when the token cannot be read. */
  async amount(value: bigint, token?: string): Promise<string> {
    const t = await this.token(token);
    return t ? formatAmount(value, t.decimals, t.symbol) : `${value} units`;
  }

  /** `dCNY (0x…)` or the address alone. */
  async tokenName(address: string): Promise<string> {
    const t = await this.token(address);
    return t ? `${t.symbol} (${address})` : address;
  }

  async now(): Promise<number> {
    const block = await this.attempt(() => this.ctx.provider.getBlock("latest"));
    return block ? block.timestamp : Math.floor(Date.now() / 1000);
  }
}

function listWords(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** `sale 0x1234…abcd` is unreadable to nobody and still unique enough to grep for: ids are kept whole. */
function sale(id: string): string {
  return `sale ${id}`;
}

/** An order reference as the user typed it when it is a short string, else its hex. */
export function formatOrderRef(ref: string): string {
  try {
    const text = ethers.decodeBytes32String(ref);
    if (text && /^[\x20-\x7e]+$/.test(text)) return text;
  } catch {
    // not a bytes32 string: show the hex
  }
  return ref;
}

function describeRole(hash: string, account: string, admin?: string): string {
  const name = roleName(hash);
  if (hash.toLowerCase() === DISPUTE_REGISTRY_ROLE) {
    return `${account} is not the dispute registry: only the DisputeRegistry contract may do this`;
  }
  if (name === "admin") {
    return `${account} is not a consortium admin: only an admin may do this${admin ? ` (the deployment's admin is ${admin}: send with --from ${admin})` : ""}`;
  }
  if (name) {
    return (
      `${account} does not hold ${ROLES[name].words}: a consortium admin grants it with ` +
      `\`member:grant --role ${name} --account ${account}\``
    );
  }
  return `${account} does not hold the role ${hash} this needs`;
}

async function saleStatusWords(x: Lookup, saleId: string, status: bigint): Promise<string> {
  const s = SALE_STATUS[Number(status)] ?? `status ${status}`;
  const view = await x.sale(saleId);
  switch (s) {
    case "escrowed":
      return view ? `in escrow until ${formatDate(view.releaseAt)}` : "in escrow";
    case "frozen": {
      const d = await x.ctx.disputes.openDisputeOn(1, saleId).catch(() => 0n);
      return d ? `frozen by dispute ${d} until its ruling` : "frozen by a dispute until its ruling";
    }
    case "claimable":
      return "already paid out to the licence's parties";
    case "refunded":
      return "already refunded to its channel";
    default:
      return s;
  }
}

async function licenceStatusWords(x: Lookup, licenceId: bigint, status: bigint): Promise<string> {
  const s = LICENCE_STATUS[Number(status)] ?? `status ${status}`;
  const l = await x.licence(licenceId);
  if (s === "proposed" && l) {
    const missing = [!l.mcnAccepted && "the MCN", !l.platformAccepted && "the platform"].filter(Boolean) as string[];
    return `proposed, not active: ${listWords(missing)} ${missing.length > 1 ? "have" : "has"} not accepted it yet`;
  }
  if (s === "superseded" && l) return `superseded by licence ${l.supersededBy}`;
  if (s === "expired" && l) return `expired (its window ended ${formatDate(l.validUntil)})`;
  return s;
}

type Explainer = (args: Result, x: Lookup) => Promise<string> | string;

/** One sentence per custom error, keyed by the error's name. */
export const EXPLANATIONS: Record<string, Explainer> = {
  // ---- OpenZeppelin -------------------------------------------------------------------------------
  AccessControlUnauthorizedAccount: (a, x) => describeRole(String(a[1]), String(a[0]), x.ctx.admin),
  AccessControlBadConfirmation: () => "an account can only renounce a role for itself",
  EnforcedPause: () => "settlements are paused by the consortium admin (withdrawals still work)",
  ExpectedPause: () => "settlements are not paused",
  ReentrancyGuardReentrantCall: () => "the vault refused a call made from inside another of its calls (reentrancy)",
  SafeERC20FailedOperation: async (a, x) => `the token ${await x.tokenName(String(a[0]))} refused the transfer`,
  ERC20InsufficientBalance: async (a, x) =>
    `${a[0]}${await reporterSuffix(x, String(a[0]))} holds ${await x.amount(a[1] as bigint)} but ${await x.amount(a[2] as bigint)} are needed`,
  ERC20InsufficientAllowance: async (a, x) => {
    const vault = String(a[0]).toLowerCase() === (await x.ctx.settlement.getAddress()).toLowerCase();
    return (
      `${vault ? "the vault" : String(a[0])} may take only ${await x.amount(a[1] as bigint)} of the sender's tokens ` +
      `but ${await x.amount(a[2] as bigint)} are needed: approve it for more`
    );
  },
  ERC20InvalidApprover: (a) => `${a[0]} cannot approve token spending`,
  ERC20InvalidReceiver: (a) => `${a[0]} cannot receive tokens`,
  ERC20InvalidSender: (a) => `${a[0]} cannot send tokens`,
  ERC20InvalidSpender: (a) => `${a[0]} cannot be approved to spend tokens`,
  OwnableInvalidOwner: (a) => `${a[0]} cannot own the token`,
  OwnableUnauthorizedAccount: (a) => `${a[0]} is not the token's owner: only its owner may mint`,

  // ---- Consortium ---------------------------------------------------------------------------------
  ConsortiumUnknownChannel: async (a, x) => `there is no channel with id ${a[0]} (${await x.allChannels()})`,
  ConsortiumChannelLimitReached: (a) => `all ${a[0]} channel ids are taken: the consortium cannot register another channel`,
  ConsortiumInvalidChannelName: (a) => `"${a[0]}" is not a valid channel name: use 1 to 32 lowercase letters, digits, "-" or "_"`,
  ConsortiumChannelNameTaken: (a) => `the channel name ${a[0]} is already taken by channel ${a[1]}`,
  ConsortiumReporterInUse: async (a, x) =>
    `${a[0]} already reports for channel ${await x.channel(a[1] as bigint)}: each channel needs its own reporting account`,
  ConsortiumZeroAddress: () => "the zero address was given where an account is needed",
  ConsortiumNotChannelReporter: (a) =>
    `${a[0]} is not the reporting account of an active channel (a consortium admin registers one with \`channel:add\`)`,

  // ---- Licence registry ---------------------------------------------------------------------------
  LicenceRegistryUnknownLicence: async (a, x) => {
    const count = await x.licenceCount();
    return `there is no licence ${a[0]} (${count === 0n ? "none is registered yet" : `licences run from 1 to ${count}`})`;
  },
  LicenceRegistryContentOwnedByAnother: async (a, x) => {
    const record = await x.ctx.settlement.contentRecord(String(a[0])).catch(() => undefined);
    const since = record && record.registeredAt !== 0n ? ` on ${formatDate(record.registeredAt)}` : "";
    return `content ${a[0]} was first registered by ${a[1]}${since}; only that rights holder may license it`;
  },
  LicenceRegistryZeroContentId: () => "the content fingerprint must not be zero",
  LicenceRegistrySplitNotWhole: (a) => {
    const sum = (a[0] as bigint) + (a[1] as bigint) + (a[2] as bigint);
    const parts = [a[0], a[1], a[2]].map((b) => formatBps(b as bigint).replace(/ %$/, "")).join("/");
    return `the split ${parts} % sums to ${formatBps(sum)}, not 100 %`;
  },
  LicenceRegistryCommissionOutOfBand: (a) =>
    `a commission of ${formatBps(a[0] as bigint)} is outside the consortium's band of ${formatBps(a[1] as bigint)} to ${formatBps(a[2] as bigint)}`,
  LicenceRegistryInvalidBand: (a) =>
    `a commission band needs 0 < minimum ≤ maximum ≤ 100 %, not ${formatBps(a[0] as bigint)} to ${formatBps(a[1] as bigint)}`,
  LicenceRegistryInvalidWindow: (a) =>
    `the validity window ${formatDate(a[0] as bigint)} to ${formatDate(a[1] as bigint)} is not valid at ${formatDate(a[2] as bigint)}: ` +
    `it must start before it ends and end in the future`,
  LicenceRegistryHoldTooLong: (a) =>
    `a hold of ${formatDuration(a[0] as bigint)} is longer than the ${formatDuration(a[1] as bigint)} maximum`,
  LicenceRegistryEmptyScope: () => "a licence needs at least one channel in its scope",
  LicenceRegistryDuplicateChannel: async (a, x) => `channel ${await x.channel(a[0] as bigint)} appears twice in the scope`,
  LicenceRegistryPartyMissingRole: (a) => {
    const name = roleName(String(a[1]));
    const as = name === "mcn" ? "the MCN" : name === "platform" ? "the platform" : "a party";
    return (
      `${a[0]} cannot be named as ${as} of a licence: it does not hold ${name ? ROLES[name].words : `role ${a[1]}`}` +
      (name ? ` (a consortium admin grants it with \`member:grant --role ${name} --account ${a[0]}\`)` : "")
    );
  },
  LicenceRegistryNotLicenceParty: async (a, x) => {
    const l = await x.licence(a[0] as bigint);
    const parties = l ? `: its rights holder is ${l.rightsHolder}, its MCN ${l.mcn}, its platform ${l.platform}` : "";
    return `${a[1]} may not do this to licence ${a[0]}${parties}`;
  },
  LicenceRegistryAlreadyAccepted: (a) => `${a[1]} has already accepted licence ${a[0]}`,
  LicenceRegistryWrongStatus: async (a, x) =>
    `licence ${a[0]} is ${await licenceStatusWords(x, a[0] as bigint, a[1] as bigint)}, which does not allow this`,
  LicenceRegistryInvalidSupersession: (a) =>
    `licence ${a[0]} cannot be superseded by this one: it must be active, yours, and for the same content, MCN and platform`,
  LicenceRegistryOutsideWindow: (a) =>
    `licence ${a[0]} is not valid at ${formatDate(a[1] as bigint)}: its window is ${formatDate(a[2] as bigint)} to ${formatDate(a[3] as bigint)}`,
  LicenceRegistryChannelNotInScope: async (a, x) => {
    const l = await x.licence(a[0] as bigint);
    const covers = l ? `, which covers ${await x.channelNames(l.channels)}` : "";
    return `channel ${await x.channel(a[1] as bigint)} is not in the scope of licence ${a[0]}${covers}`;
  },

  // ---- Settlement ---------------------------------------------------------------------------------
  SettlementTokenNotAllowed: async (a, x) => `the token ${await x.tokenName(String(a[0]))} is not allowed for settlement`,
  SettlementTokenAlreadyAllowed: async (a, x) => `the token ${await x.tokenName(String(a[0]))} is already allowed`,
  SettlementTokenLimitReached: () => "the consortium already allows its maximum of 255 settlement tokens",
  SettlementInvalidOrder: async (a, x) =>
    `an order needs a non-zero gross amount and order reference: got order ${formatOrderRef(String(a[0]))} for ${await x.amount(a[1] as bigint)}`,
  SettlementAmountTooLarge: async (a, x) =>
    `a gross amount of ${await x.amount(a[0] as bigint)} is more than the ledger takes for one order (2^128 − 1 units)`,
  SettlementDuplicateOrder: async (a, x) =>
    `channel ${await x.channel(a[0] as bigint)} already reported order ${formatOrderRef(String(a[1]))}, as ${sale(String(a[2]))}`,
  SettlementBatchSize: (a) => `a batch holds 1 to ${a[1]} orders, not ${a[0]}`,
  SettlementTransferMismatch: async (a, x) =>
    `the vault received ${await x.amount(a[2] as bigint, String(a[0]))} where ${await x.amount(a[1] as bigint, String(a[0]))} were due: ` +
    `the token ${a[0]} takes a fee on transfer or rebases, so it cannot be settled`,
  SettlementUnknownSale: (a) => `there is no ${sale(String(a[0]))}`,
  SettlementWrongSaleStatus: async (a, x) =>
    `${sale(String(a[0]))} is ${await saleStatusWords(x, String(a[0]), a[1] as bigint)}, which does not allow this`,
  SettlementStillInEscrow: async (a, x) => {
    const left = Number(a[1] as bigint) - (await x.now());
    return `${sale(String(a[0]))} stays in escrow until ${formatDate(a[1] as bigint)}${left > 0 ? ` (${formatDuration(left)} from now)` : ""}`;
  },
  SettlementRefundWindowClosed: (a) => `the refund window of ${sale(String(a[0]))} closed at ${formatDate(a[1] as bigint)}`,
  SettlementNotSaleChannel: async (a, x) => {
    const s = await x.sale(String(a[0]));
    const by = s
      ? `channel ${await x.channel(s.channelId)}, which reported ${sale(String(a[0]))}`
      : `the channel that reported ${sale(String(a[0]))}`;
    return `${a[1]} is not the reporting account of ${by}`;
  },
  SettlementRecipientIsVault: () => "withdrawing to the vault itself would strand the funds: name another recipient",
  SettlementNothingToWithdraw: async (a, x) => {
    const t = await x.token(String(a[1]));
    return `${a[0]} has nothing to withdraw in ${t ? t.symbol : `token ${a[1]}`}`;
  },

  // ---- Dispute registry ---------------------------------------------------------------------------
  DisputeRegistryUnknownDispute: async (a, x) => {
    const count = await x.disputeCount();
    return `there is no dispute ${a[0]} (${count === 0n ? "none has been opened" : `disputes run from 1 to ${count}`})`;
  },
  DisputeRegistryNotParty: (a) =>
    `${a[0]} is not a party to this licence or sale: only its rights holder, MCN, platform and channel may open a dispute or add evidence`,
  DisputeRegistryZeroHash: () => "evidence and rulings are hashes and must not be zero",
  DisputeRegistryInvalidReason: (a) => `reason ${a[0]} is not a dispute reason (${REASONS.join(", ")})`,
  DisputeRegistryAlreadyOpen: (a) =>
    `dispute ${a[0]} on the same licence or sale is still open: add evidence to it instead (\`dispute:evidence --dispute ${a[0]}\`)`,
  DisputeRegistryNotOpen: async (a, x) => {
    const d = await x.dispute(a[0] as bigint);
    const how = d ? ` (${DISPUTE_STATUS[Number(d.status)]} on ${formatDate(d.resolvedAt)})` : "";
    return `dispute ${a[0]} is already decided${how}`;
  },
  DisputeRegistryArbiterIsParty: (a) => `arbiter ${a[1]} is a party to dispute ${a[0]} and may not decide it`,
  DisputeRegistryInvalidRemedy: (a) =>
    `the remedy ${REMEDIES[Number(a[1])] ?? String(a[1])} does not fit this ruling on dispute ${a[0]}: ` +
    `an upheld licence dispute needs suspend or terminate, any other ruling needs none`,
  DisputeRegistryNotLicenceDispute: (a) => `dispute ${a[0]} is on a sale: only a licence dispute can suspend a licence`,
};

async function reporterSuffix(x: Lookup, account: string): Promise<string> {
  const channel = await x.reporterChannel(account);
  return channel ? ` (channel ${channel})` : "";
}

const PANICS: Record<number, string> = {
  0x01: "an assertion failed",
  0x11: "an arithmetic overflow or underflow",
  0x12: "a division by zero",
  0x21: "a value out of an enum's range",
  0x22: "a corrupt storage byte array",
  0x31: "a pop from an empty array",
  0x32: "an array index out of bounds",
  0x41: "too much memory allocated",
  0x51: "a call to an uninitialised function",
};

/** Every custom error of the artifacts `ERROR_SOURCES`, deduplicated by selector. */
export async function errorFragments(hre: HardhatRuntimeEnvironment): Promise<ErrorFragment[]> {
  const bySelector = new Map<string, ErrorFragment>();
  for (const name of ERROR_SOURCES) {
    const artifact = await hre.artifacts.readArtifact(name);
    new Interface(artifact.abi).forEachError((e) => bySelector.set(e.selector, e));
  }
  return [...bySelector.values()];
}

/** The decoded revert of a refused call. */
export type DecodedRevert =
  | { kind: "custom"; name: string; args: Result }
  | { kind: "reason"; reason: string }
  | { kind: "panic"; code: number }
  | { kind: "empty" }
  | { kind: "unknown"; selector: string };

export function decodeRevert(data: string, iface: Interface): DecodedRevert {
  if (data === "0x" || data.length < 10) return { kind: "empty" };
  const selector = data.slice(0, 10).toLowerCase();
  const coder = ethers.AbiCoder.defaultAbiCoder();
  if (selector === "0x08c379a0") return { kind: "reason", reason: String(coder.decode(["string"], "0x" + data.slice(10))[0]) };
  if (selector === "0x4e487b71") return { kind: "panic", code: Number(coder.decode(["uint256"], "0x" + data.slice(10))[0]) };
  try {
    const parsed = iface.parseError(data);
    if (parsed) return { kind: "custom", name: parsed.name, args: parsed.args };
  } catch {
    // a known selector whose data does not decode: treat as unknown
  }
  return { kind: "unknown", selector };
}

/** One sentence for a refused call's revert data. */
export async function explainRevertData(data: string, iface: Interface, ctx: ExplainContext): Promise<string> {
  const decoded = decodeRevert(data, iface);
  switch (decoded.kind) {
    case "custom": {
      const explainer = EXPLANATIONS[decoded.name];
      if (!explainer) return `the contract refused with ${decoded.name}(${decoded.args.map(String).join(", ")})`;
      return explainer(decoded.args, new Lookup(ctx));
    }
    case "reason":
      return `the contract refused: ${decoded.reason}`;
    case "panic":
      return `the contract stopped on ${PANICS[decoded.code] ?? `panic code ${decoded.code}`}`;
    case "empty":
      return "the contract refused without giving a reason (a plain revert, or the call ran out of gas)";
    case "unknown":
      return `the contract refused with an error this tool does not know (selector ${decoded.selector})`;
  }
}

const HEX_DATA = /^0x(?:[0-9a-fA-F]{2})*$/;

/**
 * Finds the revert data in an error thrown by ethers, hardhat-ethers or a JSON-RPC node: `error.data`,
 * `error.info.error.data`, `error.error.data`, `error.cause…`, or a JSON `body`. Returns "0x" for a revert
 * that carries no data, undefined when the error is not a revert at all.
 */
export function findRevertData(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let empty = false;
  const visit = (e: unknown, depth: number): string | undefined => {
    if (e === null || typeof e !== "object" || seen.has(e) || depth > 8) return undefined;
    seen.add(e);
    const o = e as Record<string, unknown>;
    if (typeof o.data === "string" && HEX_DATA.test(o.data)) {
      if (o.data.length >= 10) return o.data;
      empty = true;
    }
    for (const key of ["data", "error", "info", "cause", "revert", "parent"]) {
      const found = visit(o[key], depth + 1);
      if (found) return found;
    }
    if (typeof o.body === "string") {
      try {
        const found = visit(JSON.parse(o.body), depth + 1);
        if (found) return found;
      } catch {
        // not JSON
      }
    }
    return undefined;
  };
  const data = visit(error, 0);
  if (data) return data;
  if (empty || isRevert(error)) return "0x";
  return undefined;
}

function isRevert(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const e = error as { code?: unknown; message?: unknown };
  if (e.code === "CALL_EXCEPTION") return true;
  return typeof e.message === "string" && /execution reverted|reverted with|VM Exception/i.test(e.message);
}
