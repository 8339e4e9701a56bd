import fs from "node:fs";
import path from "node:path";
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

export const DEPLOYMENTS_DIR = path.join(__dirname, "..", "..", "deployments");

export function deploymentPath(chainId: number | bigint): string {
  return path.join(DEPLOYMENTS_DIR, `${chainId}.json`);
}

export function readDeployment(chainId: number | bigint): Deployment | undefined {
  const file = deploymentPath(chainId);
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, "utf8")) as Deployment;
}

export function writeDeployment(d: Deployment): string {
  fs.mkdirSync(DEPLOYMENTS_DIR, { recursive: true });
  const file = deploymentPath(d.chainId);
  fs.writeFileSync(file, JSON.stringify(d, null, 2) + "\n");
  return file;
}

/**
 * Deploys Settlement and DisputeRegistry (and, if asked, the demo stablecoin), wires the dispute registry
 * in, and allows the demo stablecoin. The deploying account becomes the consortium admin unless `admin`
 * names another; it keeps no other power.
 */
export async function deployConsortium(
  hre: HardhatRuntimeEnvironment,
  options: { admin?: string; demoToken?: boolean } = {},
): Promise<Deployment> {
  const { ethers } = hre;
  const [deployer] = await ethers.getSigners();
  if (!deployer) throw new Error("no account to deploy from: set CONSORTIUM_PRIVATE_KEYS for this network");
  const admin = options.admin ?? deployer.address;
  const network = await ethers.provider.getNetwork();
  const genesis = await ethers.provider.getBlock(0);

  const settlement = await ethers.deployContract("Settlement", [deployer.address]);
  const settlementReceipt = await settlement.deploymentTransaction()!.wait();
  const disputes = await ethers.deployContract("DisputeRegistry", [await settlement.getAddress()]);
  await disputes.waitForDeployment();
  await (await settlement.grantRole(await settlement.DISPUTE_REGISTRY_ROLE(), await disputes.getAddress())).wait();

  let demoToken: string | undefined;
  if (options.demoToken) {
    const token = await ethers.deployContract("DemoStablecoin", [admin]);
    await token.waitForDeployment();
    demoToken = await token.getAddress();
    await (await settlement.allowToken(demoToken)).wait();
  }
  if (admin.toLowerCase() !== deployer.address.toLowerCase()) {
    const adminRole = await settlement.DEFAULT_ADMIN_ROLE();
    await (await settlement.grantRole(adminRole, admin)).wait();
    await (await settlement.renounceRole(adminRole, deployer.address)).wait();
  }
  return {
    chainId: Number(network.chainId),
    genesisHash: genesis!.hash!,
    deploymentBlock: settlementReceipt!.blockNumber,
    deployedAt: new Date().toISOString(),
    admin,
    contracts: {
      Settlement: await settlement.getAddress(),
      DisputeRegistry: await disputes.getAddress(),
      ...(demoToken ? { DemoStablecoin: demoToken } : {}),
    },
  };
}
