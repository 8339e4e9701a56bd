/**
 * What every reelsplit task shares: the `--deployment`, `--from` and `--json` parameters, finding the
 * deployment and the contracts, resolving accounts, channels and tokens typed by humans, sending a
 * transaction and turning a refusal into one sentence, and printing sentences or one JSON document.
 *
 * A refusal (the chain said no, or the input was wrong) is a `TaskRefusal`. Run from the command line, the
 * task prints `error: <sentence>` to stderr and exits 1 (refused by the chain) or 2 (bad input or
 * configuration) with no stack trace; run with `hre.run(…)`, it throws the `TaskRefusal`.
 *
 * Nothing here imports `hardhat` itself or the typechain bindings at run time: the config loads this file
 * before anything is compiled.
 */
import fs from "node:fs";
import type { ContractTransactionReceipt, ContractTransactionResponse, LogDescription } from "ethers";
import { Interface, ethers } from "ethers";
import { task } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import type { ConfigurableTaskDefinition, HardhatRuntimeEnvironment } from "hardhat/types";
import { ArgumentsParser } from "hardhat/internal/cli/ArgumentsParser";
import { HARDHAT_PARAM_DEFINITIONS } from "hardhat/internal/core/params/hardhat-params";
import { getEnvHardhatArguments } from "hardhat/internal/core/params/env-variables";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { DemoStablecoin, DisputeRegistry, Settlement } from "../../typechain-types";
import { type Deployment, readDeployment } from "./deployment";
import { type DecodedRevert, type ExplainContext, decodeRevert, errorFragments, explainRevertData, findRevertData } from "./explain";
import { InputError, formatAmount, parseAmount } from "./units";

export const PLUGIN = "reelsplit";

/** Exit codes of a refused command. */
export const EXIT_REFUSED = 1;
export const EXIT_BAD_INPUT = 2;

/** A command that cannot go on, in one sentence. `exitCode` 1: the chain refused; 2: bad input or setup. */
export class TaskRefusal extends HardhatPluginError {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_REFUSED,
  ) {
    super(PLUGIN, message);
    // HardhatPluginError resets the prototype to its own, which would break `instanceof TaskRefusal`
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = "TaskRefusal";
  }
}

/** Where tasks write: sentences (or JSON) to `out`, refusals to `err`. Tests capture them. */
export const output = {
  out: (line: string) => void process.stdout.write(line + "\n"),
  err: (line: string) => void process.stderr.write(line + "\n"),
};

export function setTaskOutput(o: Partial<typeof output>): () => void {
  const previous = { ...output };
  Object.assign(output, o);
  return () => Object.assign(output, previous);
}

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

export interface CommonArgs {
  deployment?: string;
  from?: string;
  json: boolean;
}

/** A task with the parameters every reelsplit task takes. */
export function reelsplitTask(name: string, description: string): ConfigurableTaskDefinition {
  return task(name, description)
    .addOptionalParam("deployment", "Deployment file (default: env REELSPLIT_DEPLOYMENT, else deployments/<chainId>.json)")
    .addOptionalParam("from", "Sending account: address, account index (0 = first) or channel name (its reporter)")
    .addFlag("json", "Print one JSON document (bigints as decimal strings) instead of sentences");
}

let depth = 0;

/** Whether this task is the one the command line named (not one run by a test or another task). */
function isCommandLineTask(name: string): boolean {
  if (depth !== 1) return false;
  try {
    const parsed = new ArgumentsParser().parseHardhatArguments(
      HARDHAT_PARAM_DEFINITIONS,
      getEnvHardhatArguments(HARDHAT_PARAM_DEFINITIONS, process.env),
      process.argv.slice(2),
    );
    return parsed.scopeOrTaskName === name;
  } catch {
    return false;
  }
}

/** What a task body returns: the machine-readable result (the sentences were said along the way). */
export type TaskResult = Record<string, unknown>;

/**
 * The action of a reelsplit task: opens the context, runs the body, prints the JSON document if asked,
 * and turns refusals into one sentence. Returns the result (with bigints) to `hre.run` callers.
 */
export function action<A extends CommonArgs>(name: string, body: (args: A, ctx: TaskContext) => Promise<TaskResult>) {
  return async (args: A, hre: HardhatRuntimeEnvironment): Promise<TaskResult | undefined> => {
    depth++;
    let ctx: TaskContext | undefined;
    try {
      ctx = await TaskContext.open(hre, args);
      const result = { task: name, ...(await body(args, ctx)) };
      if (args.json) output.out(toJson(result));
      return result;
    } catch (e) {
      const refusal = await toRefusal(e, ctx);
      if (!refusal) throw e;
      if (isCommandLineTask(name)) {
        output.err(`error: ${refusal.message}`);
        process.exitCode = refusal.exitCode;
        return undefined;
      }
      throw refusal;
    } finally {
      depth--;
    }
  };
}

/** A refusal for an error we can say in one sentence, or undefined for a bug (shown with its stack). */
async function toRefusal(e: unknown, ctx: TaskContext | undefined): Promise<TaskRefusal | undefined> {
  if (e instanceof TaskRefusal) return e;
  if (e instanceof InputError) return new TaskRefusal(e.message, EXIT_BAD_INPUT);
  const hh = e as { number?: unknown; errorDescriptor?: unknown; message?: unknown };
  if (hh && typeof hh.errorDescriptor === "object" && hh.number === 108) {
    return new TaskRefusal(`${String(hh.message).replace(/^.*?: /, "")} (start a local chain with \`npm start\`)`, EXIT_BAD_INPUT);
  }
  if (ctx) return ctx.refusal(e);
  return undefined;
}

export interface TokenInfo {
  address: string;
  symbol: string;
  decimals: number;
  contract: DemoStablecoin;
}

/** The deployment, the contracts, the sender and the helpers a task body uses. */
export class TaskContext {
  private readonly tokens = new Map<string, Promise<TokenInfo>>();
  private errorsInterface?: Interface;
  private signers?: HardhatEthersSigner[];
  /** The token the command is about; error explanations format amounts in it. */
  defaultToken?: string;

  private constructor(
    readonly hre: HardhatRuntimeEnvironment,
    readonly deployment: Deployment,
    readonly deploymentFile: string,
    readonly chainId: bigint,
    readonly settlement: Settlement,
    readonly disputes: DisputeRegistry,
    readonly json: boolean,
  ) {
    this.defaultToken = deployment.contracts.DemoStablecoin;
  }

  static async open(hre: HardhatRuntimeEnvironment, args: CommonArgs): Promise<TaskContext> {
    const { ethers: hethers } = hre;
    const chainId = (await hethers.provider.getNetwork()).chainId;
    const file = args.deployment ?? process.env.REELSPLIT_DEPLOYMENT;
    let deployment: Deployment | undefined;
    let where: string;
    if (file) {
      if (!fs.existsSync(file)) throw new InputError(`the deployment file ${file} does not exist`);
      try {
        deployment = JSON.parse(fs.readFileSync(file, "utf8")) as Deployment;
      } catch {
        throw new InputError(`the deployment file ${file} is not JSON`);
      }
      if (!deployment.contracts?.Settlement || !deployment.contracts.DisputeRegistry) {
        throw new InputError(`the deployment file ${file} names no Settlement and DisputeRegistry contracts`);
      }
      if (BigInt(deployment.chainId) !== chainId) {
        throw new InputError(`${file} is a deployment on chain ${deployment.chainId}, but network ${hre.network.name} is chain ${chainId}`);
      }
      where = file;
    } else {
      deployment = readDeployment(chainId);
      if (!deployment) {
        throw new InputError(
          `no deployment for chain ${chainId}: run \`npm start\` or \`npm run deploy -- --network ${hre.network.name}\` first` +
            ` (or pass --deployment <file>)`,
        );
      }
      where = `deployments/${chainId}.json`;
    }
    if ((await hethers.provider.getCode(deployment.contracts.Settlement)) === "0x") {
      const hint = hre.network.name === "hardhat" ? " (did you forget `--network localhost`?)" : " (was the chain restarted? deploy again)";
      throw new InputError(
        `there is no contract at ${deployment.contracts.Settlement} on network ${hre.network.name}, where ${where} says Settlement is${hint}`,
      );
    }
    if (!(await hre.artifacts.artifactExists("Settlement"))) await hre.run("compile", { quiet: true });
    const settlement = (await hethers.getContractAt("Settlement", deployment.contracts.Settlement)) as unknown as Settlement;
    const disputes = (await hethers.getContractAt("DisputeRegistry", deployment.contracts.DisputeRegistry)) as unknown as DisputeRegistry;
    return new TaskContext(hre, deployment, where, chainId, settlement, disputes, args.json);
  }

  /** A sentence for the human reader; silent under `--json`. */
  say(line: string): void {
    if (!this.json) output.out(line);
  }

  // ---- accounts -----------------------------------------------------------------------------------

  async allSigners(): Promise<HardhatEthersSigner[]> {
    this.signers ??= await this.hre.ethers.getSigners();
    return this.signers;
  }

  /** An address from `0x…`, an account index or a channel name (that channel's reporting account). */
  async address(text: string, what = "account"): Promise<string> {
    const t = text.trim();
    if (/^0x[0-9a-fA-F]{40}$/.test(t)) {
      try {
        return ethers.getAddress(t);
      } catch {
        throw new InputError(`${what} ${t} has a wrong checksum: check the address for typos`);
      }
    }
    if (/^\d+$/.test(t)) {
      const signers = await this.allSigners();
      const s = signers[Number(t)];
      if (!s)
        throw new InputError(
          `there is no account ${t}: network ${this.hre.network.name} has ${signers.length} accounts (0 to ${signers.length - 1})`,
        );
      return s.address;
    }
    if (/^[a-z0-9_-]{1,32}$/.test(t)) {
      const id = await this.settlement.channelIdByName(t);
      if (id !== 0n) return (await this.settlement.channel(id)).reporter;
    }
    throw new InputError(`"${text}" is not a ${what}: give an address (0x…), an account index or a channel name`);
  }

  /** The signer for `--from` (default: the first account). */
  async signer(from?: string): Promise<HardhatEthersSigner> {
    const signers = await this.allSigners();
    if (from === undefined) {
      const first = signers[0];
      if (!first) throw new InputError(`network ${this.hre.network.name} has no accounts to send from`);
      return first;
    }
    const address = await this.address(from, "--from account");
    const s = signers.find((x) => x.address.toLowerCase() === address.toLowerCase());
    if (!s) {
      throw new InputError(
        `network ${this.hre.network.name} cannot sign for ${address}: it is not one of its accounts (for --network consortium, add its key to CONSORTIUM_PRIVATE_KEYS)`,
      );
    }
    return s;
  }

  // ---- channels -----------------------------------------------------------------------------------

  async channelList(): Promise<{ id: number; name: string; reporter: string; active: boolean }[]> {
    const count = Number(await this.settlement.channelCount());
    const list = [];
    for (let id = 1; id <= count; id++) {
      const c = await this.settlement.channel(id);
      list.push({ id, name: c.name, reporter: c.reporter, active: c.active });
    }
    return list;
  }

  private async channelsHint(): Promise<string> {
    const list = await this.channelList();
    return list.length ? `channels: ${list.map((c) => `${c.name} (${c.id})`).join(", ")}` : "no channel is registered yet";
  }

  /** A channel id from its name or its id. */
  async channelId(text: string): Promise<number> {
    const t = text.trim();
    if (/^\d+$/.test(t)) {
      const id = Number(t);
      if (id < 1 || id > Number(await this.settlement.channelCount())) {
        throw new InputError(`there is no channel with id ${t} (${await this.channelsHint()})`);
      }
      return id;
    }
    const id = Number(await this.settlement.channelIdByName(t));
    if (id === 0) throw new InputError(`there is no channel named ${t} (${await this.channelsHint()})`);
    return id;
  }

  async channelName(id: bigint | number): Promise<string> {
    try {
      return (await this.settlement.channel(id)).name;
    } catch {
      return `#${id}`;
    }
  }

  // ---- tokens -------------------------------------------------------------------------------------

  /** The token of `--token`, else the deployment's demo stablecoin; sets it as the default token. */
  async token(address?: string): Promise<TokenInfo> {
    const a = address ? await this.address(address, "--token") : this.deployment.contracts.DemoStablecoin;
    if (!a) {
      throw new InputError(`${this.deploymentFile} has no demo stablecoin: name the settlement token with --token 0x…`);
    }
    this.defaultToken = a;
    let info = this.tokens.get(a.toLowerCase());
    if (!info) {
      info = (async () => {
        if ((await this.hre.ethers.provider.getCode(a)) === "0x") throw new InputError(`there is no token contract at ${a}`);
        const contract = (await this.hre.ethers.getContractAt("DemoStablecoin", a)) as unknown as DemoStablecoin;
        try {
          return { address: a, symbol: await contract.symbol(), decimals: Number(await contract.decimals()), contract };
        } catch {
          throw new InputError(`${a} is not an ERC-20 token with a symbol and decimals`);
        }
      })();
      this.tokens.set(a.toLowerCase(), info);
    }
    return info;
  }

  parseAmount(text: string, t: TokenInfo): bigint {
    return parseAmount(text, t.decimals, t.symbol);
  }

  format(value: bigint, t: TokenInfo): string {
    return formatAmount(value, t.decimals, t.symbol);
  }

  // ---- sending ------------------------------------------------------------------------------------

  /** Sends a transaction and waits for it; a refusal becomes a `TaskRefusal` with one sentence. */
  async send(submit: () => Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
    let tx: ContractTransactionResponse;
    try {
      tx = await submit();
    } catch (e) {
      throw (await this.refusal(e)) ?? e;
    }
    let receipt: ContractTransactionReceipt | null;
    try {
      receipt = await tx.wait();
    } catch (e) {
      const r = await this.refusal(e);
      if (r) throw new TaskRefusal(`transaction ${tx.hash} was mined but reverted: ${r.message}`);
      throw e;
    }
    if (!receipt) throw new TaskRefusal(`transaction ${tx.hash} was dropped`);
    return receipt;
  }

  /** One sentence for a refused call, or undefined if `e` is not a refusal. */
  async refusal(e: unknown): Promise<TaskRefusal | undefined> {
    if (e instanceof TaskRefusal) return e;
    if (e instanceof InputError) return new TaskRefusal(e.message, EXIT_BAD_INPUT);
    const data = findRevertData(e);
    if (data !== undefined) return new TaskRefusal(await this.explain(data));
    const code = (e as { code?: unknown })?.code;
    const message = String((e as { message?: unknown })?.message ?? "");
    if (code === "INSUFFICIENT_FUNDS" || /insufficient funds/i.test(message)) {
      return new TaskRefusal("the sending account has not enough of the chain's native currency to pay for gas");
    }
    if (code === "NONCE_EXPIRED" || /nonce too low/i.test(message)) {
      return new TaskRefusal("the sending account's nonce was already used: another transaction from it was sent meanwhile; retry");
    }
    return undefined;
  }

  /** Every custom error our contracts can revert with. */
  async errors(): Promise<Interface> {
    this.errorsInterface ??= new Interface(await errorFragments(this.hre));
    return this.errorsInterface;
  }

  /** The sentence for revert data, with the deployment's contracts for lookups. */
  async explain(data: string): Promise<string> {
    const ctx: ExplainContext = {
      provider: this.hre.ethers.provider,
      settlement: this.settlement,
      disputes: this.disputes,
      defaultToken: this.defaultToken,
      admin: this.deployment.admin,
    };
    return explainRevertData(data, await this.errors(), ctx);
  }

  /** The sentence for a custom error we construct ourselves (a refusal found before sending). */
  async explainError(name: string, args: readonly unknown[]): Promise<TaskRefusal> {
    return new TaskRefusal(await this.explain((await this.errors()).encodeErrorResult(name, args)));
  }

  /** The decoded revert of a refused call, or undefined if `e` is not a revert. */
  async decode(e: unknown): Promise<DecodedRevert | undefined> {
    const data = findRevertData(e);
    return data === undefined ? undefined : decodeRevert(data, await this.errors());
  }

  /** A read that may revert (an unknown licence, sale or dispute): the revert becomes a refusal. */
  async read<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw (await this.refusal(e)) ?? e;
    }
  }

  /**
   * For calls that pull tokens from the sender (settling): simulates the call; if the only thing missing
   * is the vault's allowance, approves exactly what the call needs, after checking the sender holds it.
   * Any other refusal is explained before anything is sent.
   */
  async approveIfNeeded(
    signer: HardhatEthersSigner,
    token: TokenInfo,
    simulate: () => Promise<unknown>,
  ): Promise<{ amount: bigint; txHash: string } | undefined> {
    try {
      await simulate();
      return undefined;
    } catch (e) {
      const decoded = await this.decode(e);
      if (decoded?.kind !== "custom" || decoded.name !== "ERC20InsufficientAllowance") throw (await this.refusal(e)) ?? e;
      const needed = decoded.args[2] as bigint;
      const balance = await token.contract.balanceOf(signer.address);
      if (balance < needed) throw await this.explainError("ERC20InsufficientBalance", [signer.address, balance, needed]);
      const vault = await this.settlement.getAddress();
      const receipt = await this.send(() => token.contract.connect(signer).approve(vault, needed));
      this.say(`Approved the vault to take ${this.format(needed, token)} from ${signer.address}`);
      this.say(txLine(receipt));
      return { amount: needed, txHash: receipt.hash };
    }
  }

  /** Our contracts' events in a receipt, decoded, in log order. */
  events(receipt: ContractTransactionReceipt): LogDescription[] {
    const settlement = this.deployment.contracts.Settlement.toLowerCase();
    const disputes = this.deployment.contracts.DisputeRegistry.toLowerCase();
    const out: LogDescription[] = [];
    for (const log of receipt.logs) {
      const a = log.address.toLowerCase();
      const iface = a === settlement ? this.settlement.interface : a === disputes ? this.disputes.interface : undefined;
      const parsed = iface?.parseLog(log);
      if (parsed) out.push(parsed);
    }
    return out;
  }

  event(receipt: ContractTransactionReceipt, name: string): LogDescription | undefined {
    return this.events(receipt).find((e) => e.name === name);
  }

  async blockTime(): Promise<number> {
    const block = await this.hre.ethers.provider.getBlock("latest");
    return block ? block.timestamp : Math.floor(Date.now() / 1000);
  }
}

/** The transaction fields of a result and its sentence. */
export function txFields(receipt: ContractTransactionReceipt) {
  return { txHash: receipt.hash, blockNumber: receipt.blockNumber };
}

export function txLine(receipt: ContractTransactionReceipt): string {
  return `  tx ${receipt.hash} in block ${receipt.blockNumber}`;
}

/** A 32-byte value given as hex, or the keccak256 of a file's bytes (for fingerprints, evidence, rulings). */
export function hashInput(
  opts: { hex?: string; file?: string; text?: string },
  what: string,
  flags: string,
): { hash: string; source: string } {
  const given = [opts.hex, opts.file, opts.text].filter((v) => v !== undefined);
  if (given.length !== 1) throw new InputError(`give exactly one ${what}: ${flags}`);
  if (opts.hex !== undefined) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(opts.hex))
      throw new InputError(`${what} ${opts.hex} is not a 32-byte hex value (0x and 64 hex digits)`);
    return { hash: opts.hex.toLowerCase(), source: "given" };
  }
  if (opts.file !== undefined) {
    if (!fs.existsSync(opts.file) || !fs.statSync(opts.file).isFile()) throw new InputError(`the file ${opts.file} does not exist`);
    return { hash: ethers.keccak256(fs.readFileSync(opts.file)), source: `keccak256 of ${opts.file}` };
  }
  return { hash: ethers.id(opts.text!), source: "keccak256 of the text" };
}

/** An order reference: 0x + 64 hex as is, a string of up to 31 bytes as a bytes32 string, else its keccak256. */
export function parseOrderRef(text: string): string {
  if (/^0x[0-9a-fA-F]{64}$/.test(text)) return text.toLowerCase();
  if (text.length === 0) throw new InputError("an order reference must not be empty");
  if (ethers.toUtf8Bytes(text).length <= 31) return ethers.encodeBytes32String(text);
  return ethers.id(text);
}

/** The sale id of a channel's order, as the contract computes it. */
export function saleIdOf(channelId: number | bigint, orderRef: string): string {
  return ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint8", "bytes32"], [channelId, orderRef]));
}

/** A licence id (a positive integer). */
export function parseId(text: string | undefined, what: string, flag: string): bigint {
  if (text === undefined) throw new InputError(`give the ${what} with ${flag}`);
  if (!/^\d+$/.test(text.trim()) || BigInt(text.trim()) === 0n) throw new InputError(`${what} "${text}" is not an id (1, 2, …)`);
  return BigInt(text.trim());
}

/** A sale id (32-byte hex). */
export function parseSaleId(text: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(text.trim())) throw new InputError(`"${text}" is not a sale id (0x and 64 hex digits)`);
  return text.trim().toLowerCase();
}
