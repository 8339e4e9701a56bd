import fs from "node:fs";
import path from "node:path";
import { ContractFactory, Contract, type Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

/** What the deploy script records, and what the indexer and the tasks read: where each contract lives. */
export interface Deployment {
  chainId: number;
  /** Hash of block 0: a restarted development chain has the same chain id but a different genesis. */
  genesisHash: string;
  /** First block that can hold one of our events; the indexer starts here. */
  deploymentBlock: number;
  deployedAt: string;
  admin: string;
  contracts: {
    Settlement: string;
    DisputeRegistry: string;
    /** The 2-decimal demo stablecoin, when the deployment made one (never on a production chain). */
    DemoStablecoin?: string;
  };
}

const ROOT = path.join(__dirname, "..", "..");

/** Where deployment files live: deployments/, or REELSPLIT_DEPLOYMENTS_DIR (the end-to-end tests use a temporary one). */
export function deploymentsDir(): string {
  return process.env.REELSPLIT_DEPLOYMENTS_DIR ?? path.join(ROOT, "deployments");
}

export function deploymentPath(chainId: number | bigint): string {
  return path.join(deploymentsDir(), `${chainId}.json`);
}

export function readDeployment(chainId: number | bigint): Deployment | undefined {
  const file = deploymentPath(chainId);
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, "utf8")) as Deployment;
}

export function writeDeployment(d: Deployment): string {
  fs.mkdirSync(deploymentsDir(), { recursive: true });
  const file = deploymentPath(d.chainId);
  fs.writeFileSync(file, JSON.stringify(d, null, 2) + "\n");
  return file;
}

/** A compiled contract from Hardhat's artifacts (read at run time, so this module loads before the first compile). */
export function readArtifact(name: string): { abi: unknown[]; bytecode: string } {
  const file = path.join(ROOT, "artifacts", "contracts", `${name}.sol`, `${name}.json`);
  if (!fs.existsSync(file)) throw new Error(`no compiled artifact for ${name}: run \`npm run build\` first`);
  return JSON.parse(fs.readFileSync(file, "utf8")) as { abi: unknown[]; bytecode: string };
}

/** Connects to a deployed contract by its artifact name. */
export function contractAt(name: string, address: string, runner: Signer): Contract {
  return new Contract(address, readArtifact(name).abi as never, runner);
}

async function deploy(name: string, deployer: Signer, args: unknown[]) {
  const { abi, bytecode } = readArtifact(name);
  const contract = await new ContractFactory(abi as never, bytecode, deployer).deploy(...args);
  const receipt = await contract.deploymentTransaction()!.wait();
  return { contract: contract as Contract, address: await contract.getAddress(), blockNumber: receipt!.blockNumber };
}

/**
 * Deploys Settlement and DisputeRegistry (and, if asked, the demo stablecoin), wires the dispute registry
 * in, and allows the demo stablecoin. `deployer` becomes the consortium admin unless `admin` names another;
 * it keeps no other power.
 */
export async function deployContracts(deployer: Signer, options: { admin?: string; demoToken?: boolean } = {}): Promise<Deployment> {
  const provider = deployer.provider;
  if (!provider) throw new Error("the deploying account is not connected to a chain");
  const deployerAddress = await deployer.getAddress();
  const admin = options.admin ?? deployerAddress;
  const network = await provider.getNetwork();
  const genesis = await provider.getBlock(0);
  const send = async (tx: Promise<{ wait(): Promise<unknown> }>) => (await tx).wait();

  const settlement = await deploy("Settlement", deployer, [deployerAddress]);
  const disputes = await deploy("DisputeRegistry", deployer, [settlement.address]);
  const s = settlement.contract;
  await send(s.getFunction("grantRole")(await s.getFunction("DISPUTE_REGISTRY_ROLE")(), disputes.address));

  let demoToken: string | undefined;
  if (options.demoToken) {
    demoToken = (await deploy("DemoStablecoin", deployer, [admin])).address;
    await send(s.getFunction("allowToken")(demoToken));
  }
  if (admin.toLowerCase() !== deployerAddress.toLowerCase()) {
    const adminRole = await s.getFunction("DEFAULT_ADMIN_ROLE")();
    await send(s.getFunction("grantRole")(adminRole, admin));
    await send(s.getFunction("renounceRole")(adminRole, deployerAddress));
  }
  return {
    chainId: Number(network.chainId),
    genesisHash: genesis!.hash!,
    deploymentBlock: settlement.blockNumber,
    deployedAt: new Date().toISOString(),
    admin,
    contracts: {
      Settlement: settlement.address,
      DisputeRegistry: disputes.address,
      ...(demoToken ? { DemoStablecoin: demoToken } : {}),
    },
  };
}

/** `deployContracts` from the network's first account. */
export async function deployConsortium(
  hre: HardhatRuntimeEnvironment,
  options: { admin?: string; demoToken?: boolean } = {},
): Promise<Deployment> {
  const [deployer] = await hre.ethers.getSigners();
  if (!deployer) throw new Error("no account to deploy from: set CONSORTIUM_PRIVATE_KEYS for this network");
  return deployContracts(deployer, options);
}
