/**
 * Gas of every money-moving action, on Hardhat's in-process EVM (evm target as in hardhat.config.ts).
 * `npm run bench:gas` prints the table and writes it to bench-results/gas.json.
 *
 * Measured in the steady state a running consortium is in: the parties and the channel already hold
 * balances (so a credit updates a slot rather than creating one), and the channel approved the vault once
 * with an unlimited allowance. The first-ever sale to fresh parties is measured too, for comparison.
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithLicences, ids, DAY, saleIdOf } from "../../test/contracts/fixtures";

interface Row {
  action: string;
  gas: number;
  target?: number;
}

async function gasOf(tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>): Promise<number> {
  const receipt = await (await tx).wait();
  return Number(receipt!.gasUsed);
}

async function main() {
  const c = await deployWithLicences();
  const { settlement, token, channel, accounts } = c;
  const taobao = settlement.connect(accounts.taobao);
  const tokenAddress = await token.getAddress();
  const gross = 19_900n; // 199.00 yuan
  let n = 0;
  const next = () => ids.order(`bench-${n++}`);
  const rows: Row[] = [];

  rows.push({ action: "settle one sale, instant (first sale to fresh parties)", gas: await gasOf(taobao.settleSale(c.instantLicenceId, next(), tokenAddress, gross)) });
  rows.push({ action: "settle one sale, instant", gas: await gasOf(taobao.settleSale(c.instantLicenceId, next(), tokenAddress, gross)), target: 90_000 });
  rows.push({ action: "settle one sale, escrow", gas: await gasOf(taobao.settleSale(c.escrowLicenceId, next(), tokenAddress, gross)) });

  const batch = Array.from({ length: 100 }, () => ({ licenceId: c.instantLicenceId, orderRef: next(), gross }));
  const batchGas = await gasOf(taobao.settleSales(tokenAddress, batch));
  rows.push({ action: "settle a batch of 100, instant (per sale)", gas: Math.round(batchGas / 100), target: 30_000 });
  const escrowBatch = Array.from({ length: 100 }, () => ({ licenceId: c.escrowLicenceId, orderRef: next(), gross }));
  rows.push({ action: "settle a batch of 100, escrow (per sale)", gas: Math.round((await gasOf(taobao.settleSales(tokenAddress, escrowBatch))) / 100) });

  const refundRef = next();
  await taobao.settleSale(c.escrowLicenceId, refundRef, tokenAddress, gross);
  rows.push({ action: "refund (escrowed sale)", gas: await gasOf(taobao.refundSale(saleIdOf(channel.taobao, refundRef))) });

  const releaseRefs = [next(), next()];
  for (const r of releaseRefs) await taobao.settleSale(c.escrowLicenceId, r, tokenAddress, gross);
  await time.increase(7 * DAY);
  rows.push({ action: "release one escrowed sale", gas: await gasOf(settlement.releaseSales([saleIdOf(channel.taobao, releaseRefs[0]!)])) });
  const due = escrowBatch.map((o) => saleIdOf(channel.taobao, o.orderRef));
  rows.push({ action: "release 100 escrowed sales (per sale)", gas: Math.round((await gasOf(settlement.releaseSales(due))) / 100) });

  // The MCN withdraws to its own account, which already holds some of the token.
  await token.mint(accounts.mcn.address, 1n);
  rows.push({ action: "withdraw", gas: await gasOf(settlement.connect(accounts.mcn).withdraw(tokenAddress, accounts.mcn.address)), target: 45_000 });
  await taobao.settleSale(c.instantLicenceId, next(), tokenAddress, gross);
  rows.push({ action: "withdraw to an account that never held the token", gas: await gasOf(settlement.connect(accounts.mcn).withdraw(tokenAddress, ethers.Wallet.createRandom().address)) });

  const now = await time.latest();
  const terms = {
    contentId: ids.content("bench-licence"),
    mcn: accounts.mcn.address,
    platform: accounts.platform.address,
    rightsHolderBps: 1500,
    mcnBps: 3500,
    platformBps: 5000,
    commissionBps: 2000,
    channels: [channel.taobao, channel.jd],
    validFrom: now,
    validUntil: now + 365 * DAY,
    holdSeconds: 0,
    supersedes: 0,
    termsHash: ethers.id("terms"),
    termsURI: "ipfs://bafy-terms",
  };
  const licenceId = (await settlement.licenceCount()) + 1n;
  const register = await gasOf(settlement.connect(accounts.rightsHolder).registerLicence(terms));
  const accept1 = await gasOf(settlement.connect(accounts.mcn).acceptLicence(licenceId));
  const accept2 = await gasOf(settlement.connect(accounts.platform).acceptLicence(licenceId));
  rows.push({ action: "register a licence", gas: register });
  rows.push({ action: "register + accept (MCN and platform)", gas: register + accept1 + accept2 });

  const width = Math.max(...rows.map((r) => r.action.length));
  console.log(`${"action".padEnd(width)}  ${"gas".padStart(9)}  target`);
  for (const r of rows) {
    const verdict = r.target === undefined ? "" : `≤ ${r.target.toLocaleString("en")} ${r.gas <= r.target ? "met" : "MISSED"}`;
    console.log(`${r.action.padEnd(width)}  ${r.gas.toLocaleString("en").padStart(9)}  ${verdict}`);
  }
  const out = path.join(__dirname, "..", "..", "bench-results");
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, "gas.json"), JSON.stringify({ measuredAt: new Date().toISOString(), rows }, null, 2));
  if (rows.some((r) => r.target !== undefined && r.gas > r.target)) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
