/**
 * Real chains for the indexer tests: a Hardhat node or anvil started as a child process on a free
 * loopback port, the contracts deployed to it from the compiled artifacts, and the consortium set up as
 * in the contract fixtures (roles, taobao/jd/pdd, the demo stablecoin funded and approved).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { ethers, HDNodeWallet, JsonRpcProvider, NonceManager, type Signer } from "ethers";
import { DemoStablecoin__factory, DisputeRegistry__factory, Settlement__factory } from "../../typechain-types";
import type { DemoStablecoin, DisputeRegistry, Settlement } from "../../typechain-types";
import type { Deployment } from "../../scripts/lib/deployment";
import { createIndexer, type IndexerConfig } from "../../indexer/indexer";
import { silentLogger } from "../../indexer/log";

const ROOT = path.join(__dirname, "..", "..");
const MNEMONIC = "test test test test test test test test test test test junk"; // both nodes' default accounts

export type NodeKind = "hardhat" | "anvil";

export interface TestChain {
  kind: NodeKind;
  url: string;
  provider: JsonRpcProvider;
  /** The node's 20 default accounts, index 0 first. */
  wallet(index: number): HDNodeWallet;
  /** JSON-RPC call to the node (evm_snapshot, anvil_reorg, evm_mine, …). */
  send(method: string, params?: unknown[]): Promise<unknown>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a node and resolves once it says it is listening (its own output, not a timer). */
export async function startChain(
  kind: NodeKind,
  options: { blockTimeSeconds?: number; /** anvil only: the genesis block's unix time */ genesisTimestamp?: number } = {},
): Promise<TestChain> {
  const port = await freePort();
  const args =
    kind === "anvil"
      ? [
          "--port",
          String(port),
          "--host",
          "127.0.0.1",
          "--hardfork",
          "shanghai",
          "--accounts",
          "20",
          ...(options.blockTimeSeconds ? ["--block-time", String(options.blockTimeSeconds)] : []),
          ...(options.genesisTimestamp ? ["--timestamp", String(options.genesisTimestamp)] : []),
        ]
      : ["node", "--hostname", "127.0.0.1", "--port", String(port)];
  const bin = path.join(ROOT, "node_modules", ".bin", kind === "anvil" ? "anvil" : "hardhat");
  const child = spawn(bin, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const ready = kind === "anvil" ? "Listening on" : "Started HTTP and WebSocket JSON-RPC server";
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`${kind} did not start within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} exited with ${code} before it was ready:\n${output}`));
    });
  });
  // Keep draining the node's output (it logs every transaction) so its pipe never fills and blocks it, without
  // keeping it.
  child.stdout!.removeAllListeners("data");
  child.stderr!.removeAllListeners("data");
  child.stdout!.resume();
  child.stderr!.resume();
  const url = `http://127.0.0.1:${port}`;
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
  return {
    kind,
    url,
    provider,
    wallet: (index) => HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`).connect(provider),
    send: (method, params = []) => provider.send(method, params),
    stop: () => stopProcess(child, provider),
  };
}

async function stopProcess(child: ChildProcess, provider: JsonRpcProvider) {
  provider.destroy();
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

export interface Consortium {
  chain: TestChain;
  deployment: Deployment;
  settlement: Settlement;
  disputes: DisputeRegistry;
  token: DemoStablecoin;
  tokenAddress: string;
  accounts: Record<AccountName, Signer & { address: string }>;
  channel: { taobao: 1; jd: 2; pdd: 3 };
  /** Connects a contract to one of the accounts (nonces managed per account). */
  as<T extends { connect(s: Signer): unknown }>(contract: T, who: AccountName): ReturnType<T["connect"]>;
}

export const ACCOUNT_NAMES = [
  "admin",
  "rightsHolder",
  "rightsHolder2",
  "mcn",
  "mcn2",
  "platform",
  "platform2",
  "arbiter",
  "taobao",
  "jd",
  "pdd",
  "outsider",
] as const;
export type AccountName = (typeof ACCOUNT_NAMES)[number];

/** Deploys and sets up the consortium on `chain`; returns its deployment record as the deploy script writes it. */
export async function deployConsortium(chain: TestChain): Promise<Consortium> {
  const accounts = Object.fromEntries(
    ACCOUNT_NAMES.map((name, i) => {
      const signer = new NonceManager(chain.wallet(i)) as NonceManager & { address: string };
      signer.address = chain.wallet(i).address;
      return [name, signer];
    }),
  ) as unknown as Consortium["accounts"];
  const admin = accounts.admin;
  const settlement = await new Settlement__factory(admin).deploy(admin.address);
  const settlementReceipt = await settlement.deploymentTransaction()!.wait();
  const disputes = await new DisputeRegistry__factory(admin).deploy(await settlement.getAddress());
  await disputes.waitForDeployment();
  const token = await new DemoStablecoin__factory(admin).deploy(admin.address);
  await token.waitForDeployment();
  const tokenAddress = await token.getAddress();
  const wait = async (tx: Promise<{ wait(): Promise<unknown> }>) => (await tx).wait();

  await wait(settlement.grantRole(await settlement.DISPUTE_REGISTRY_ROLE(), await disputes.getAddress()));
  for (const a of [accounts.rightsHolder, accounts.rightsHolder2])
    await wait(settlement.grantRole(await settlement.RIGHTS_HOLDER_ROLE(), a.address));
  for (const a of [accounts.mcn, accounts.mcn2]) await wait(settlement.grantRole(await settlement.MCN_ROLE(), a.address));
  for (const a of [accounts.platform, accounts.platform2]) await wait(settlement.grantRole(await settlement.PLATFORM_ROLE(), a.address));
  await wait(settlement.grantRole(await settlement.ARBITER_ROLE(), accounts.arbiter.address));
  await wait(settlement.addChannel("taobao", accounts.taobao.address));
  await wait(settlement.addChannel("jd", accounts.jd.address));
  await wait(settlement.addChannel("pdd", accounts.pdd.address));
  await wait(settlement.allowToken(tokenAddress));
  for (const reporter of [accounts.taobao, accounts.jd, accounts.pdd]) {
    await wait(token.mint(reporter.address, 10n ** 18n));
    await wait(token.connect(reporter).approve(await settlement.getAddress(), ethers.MaxUint256));
  }
  const genesis = await chain.provider.getBlock(0);
  const deployment: Deployment = {
    chainId: Number((await chain.provider.getNetwork()).chainId),
    genesisHash: genesis!.hash!,
    deploymentBlock: settlementReceipt!.blockNumber,
    deployedAt: new Date().toISOString(),
    admin: admin.address,
    contracts: { Settlement: await settlement.getAddress(), DisputeRegistry: await disputes.getAddress(), DemoStablecoin: tokenAddress },
  };
  return {
    chain,
    deployment,
    settlement,
    disputes,
    token,
    tokenAddress,
    accounts,
    channel: { taobao: 1, jd: 2, pdd: 3 },
    as: (contract, who) => contract.connect(accounts[who]) as never,
  };
}

/** Registers a licence (defaults: the brief's 15/35/50 at 20 %, taobao + jd, a year, paid at once) and has both parties accept. */
export async function activeLicence(
  c: Consortium,
  overrides: Partial<{
    contentId: string;
    holdSeconds: number;
    channels: number[];
    rightsHolder: AccountName;
    mcn: AccountName;
    platform: AccountName;
    split: [number, number, number];
  }> = {},
): Promise<bigint> {
  const now = (await c.chain.provider.getBlock("latest"))!.timestamp;
  const [rh, mcn, pf] = overrides.split ?? [1500, 3500, 5000];
  const rightsHolder = overrides.rightsHolder ?? "rightsHolder";
  const mcnName = overrides.mcn ?? "mcn";
  const platformName = overrides.platform ?? "platform";
  const terms = {
    contentId: overrides.contentId ?? ethers.id(`content:${Math.random()}`),
    mcn: c.accounts[mcnName].address,
    platform: c.accounts[platformName].address,
    rightsHolderBps: rh,
    mcnBps: mcn,
    platformBps: pf,
    commissionBps: 2000,
    channels: overrides.channels ?? [1, 2],
    validFrom: now - 60,
    validUntil: now + 365 * 24 * 3600,
    holdSeconds: overrides.holdSeconds ?? 0,
    supersedes: 0,
    termsHash: ethers.id("terms"),
    termsURI: "ipfs://terms",
  };
  const id = (await c.settlement.licenceCount()) + 1n;
  await (await c.as(c.settlement, rightsHolder).registerLicence(terms)).wait();
  await (await c.as(c.settlement, mcnName).acceptLicence(id)).wait();
  await (await c.as(c.settlement, platformName).acceptLicence(id)).wait();
  return id;
}

/** A temporary folder for a test's database and deployment file, removed by the returned function. */
export function tempDir(prefix = "reelsplit-indexer-"): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function writeDeploymentFile(dir: string, deployment: Deployment): string {
  const file = path.join(dir, "deployment.json");
  fs.writeFileSync(file, JSON.stringify(deployment, null, 2));
  return file;
}

export function saleIdOf(channelId: number, orderRef: string): string {
  return ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint8", "bytes32"], [channelId, orderRef]));
}

/** The indexer's configuration for a test: follows `rpcUrl` into `dbPath`, catches up once, logs nothing. */
export function testIndexerConfig(
  rpcUrl: string,
  dbPath: string,
  deployment: Deployment,
  overrides: Partial<IndexerConfig> = {},
): IndexerConfig {
  return {
    rpcUrl,
    dbPath,
    deployment,
    confirmations: 0,
    finalityDepth: 64,
    pollIntervalMs: 50,
    maxRange: 2000,
    concurrency: 3,
    once: true,
    reset: false,
    log: silentLogger,
    ...overrides,
  };
}

/** Runs the real indexer until it has caught up with the chain. */
export async function indexOnce(
  rpcUrl: string,
  dbPath: string,
  deployment: Deployment,
  overrides: Partial<IndexerConfig> = {},
): Promise<void> {
  await createIndexer(testIndexerConfig(rpcUrl, dbPath, deployment, overrides)).run();
}
