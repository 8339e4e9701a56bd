/**
 * Deploys the consortium's contracts to the selected network and writes deployments/<chainId>.json.
 *
 *   npx hardhat run scripts/deploy.ts --network consortium
 *
 * Environment: CONSORTIUM_ADMIN (the consortium admin; default the deploying account),
 * DEMO_TOKEN=1 (also deploy and allow the 2-decimal demo stablecoin; default on for local chains).
 */
import hre from "hardhat";
import { deployConsortium, readDeployment, writeDeployment } from "./lib/deployment";

async function main() {
  const chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
  const local = chainId === 31337;
  const existing = readDeployment(chainId);
  if (existing && !local && process.env.FORCE_DEPLOY !== "1") {
    throw new Error(
      `chain ${chainId} already has a deployment (Settlement ${existing.contracts.Settlement}); ` +
        `set FORCE_DEPLOY=1 to deploy a second one and overwrite deployments/${chainId}.json`,
    );
  }
  const deployment = await deployConsortium(hre, {
    admin: process.env.CONSORTIUM_ADMIN,
    demoToken: process.env.DEMO_TOKEN ? process.env.DEMO_TOKEN === "1" : local,
  });
  const file = writeDeployment(deployment);
  console.log(`Deployed to chain ${deployment.chainId} at block ${deployment.deploymentBlock}:`);
  for (const [name, address] of Object.entries(deployment.contracts)) console.log(`  ${name.padEnd(16)} ${address}`);
  console.log(`Consortium admin: ${deployment.admin}`);
  console.log(`Wrote ${file}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
