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
import { ethers, network } from "hardhat";
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

interface StructLog {
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
}

/**
 * Attributes a transaction's gas from an opcode trace: the intrinsic cost, storage, the calls to the
 * token (balance checks and the pull), the event, and everything else the contract executes.
 */
async function gasBreakdown(txHash: string): Promise<Record<string, number>> {
  const receipt = await ethers.provider.getTransactionReceipt(txHash);
  const trace = (await network.provider.send("debug_traceTransaction", [txHash, { disableStorage: true, disableMemory: true }])) as {
    structLogs: StructLog[];
  };
  const logs = trace.structLogs;
  const parts = { storageWrites: 0, storageReads: 0, tokenCalls: 0, event: 0, execution: 0 };
  for (let i = 0; i < logs.length; i++) {
    const log = logs[i]!;
    if (log.depth !== 1) continue;
    if (log.op === "CALL" || log.op === "STATICCALL") {
      let j = i + 1;
      while (j < logs.length && logs[j]!.depth !== 1) j++;
      parts.tokenCalls += log.gas - logs[j]!.gas;
    } else if (log.op === "SSTORE") parts.storageWrites += log.gasCost;
    else if (log.op === "SLOAD") parts.storageReads += log.gasCost;
    else if (log.op.startsWith("LOG")) parts.event += log.gasCost;
    else parts.execution += log.gasCost;
  }
  const executed = Object.values(parts).reduce((a, b) => a + b, 0);
  return {
    "intrinsic (21,000 + calldata)": Number(receipt!.gasUsed) - executed,
    "storage writes (sale record, 3 credits)": parts.storageWrites,
    "storage reads (pause, channel, token, licence, sale, credits)": parts.storageReads,
    "token calls (2 balance checks, transferFrom)": parts.tokenCalls,
    "SaleSettled event": parts.event,
    "other execution": parts.execution,
  };
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

  rows.push({
    action: "settle one sale, instant (first sale to fresh parties)",
    gas: await gasOf(taobao.settleSale(c.instantLicenceId, next(), tokenAddress, gross)),
  });
  const instantTx = await taobao.settleSale(c.instantLicenceId, next(), tokenAddress, gross);
  rows.push({ action: "settle one sale, instant", gas: await gasOf(Promise.resolve(instantTx)), target: 90_000 });
  const breakdown = await gasBreakdown(instantTx.hash);
  rows.push({ action: "settle one sale, escrow", gas: await gasOf(taobao.settleSale(c.escrowLicenceId, next(), tokenAddress, gross)) });

  const batch = Array.from({ length: 100 }, () => ({ licenceId: c.instantLicenceId, orderRef: next(), gross }));
  const batchGas = await gasOf(taobao.settleSales(tokenAddress, batch));
  rows.push({ action: "settle a batch of 100, instant (per sale)", gas: Math.round(batchGas / 100), target: 30_000 });
  const escrowBatch = Array.from({ length: 100 }, () => ({ licenceId: c.escrowLicenceId, orderRef: next(), gross }));
  rows.push({
    action: "settle a batch of 100, escrow (per sale)",
    gas: Math.round((await gasOf(taobao.settleSales(tokenAddress, escrowBatch))) / 100),
  });

  const refundRef = next();
  await taobao.settleSale(c.escrowLicenceId, refundRef, tokenAddress, gross);
  rows.push({ action: "refund (escrowed sale)", gas: await gasOf(taobao.refundSale(saleIdOf(channel.taobao, refundRef))) });

  const releaseRefs = [next(), next()];
  for (const r of releaseRefs) await taobao.settleSale(c.escrowLicenceId, r, tokenAddress, gross);
  await time.increase(7 * DAY);
  rows.push({
    action: "release one escrowed sale",
    gas: await gasOf(settlement.releaseSales([saleIdOf(channel.taobao, releaseRefs[0]!)])),
  });
  const due = escrowBatch.map((o) => saleIdOf(channel.taobao, o.orderRef));
  rows.push({ action: "release 100 escrowed sales (per sale)", gas: Math.round((await gasOf(settlement.releaseSales(due))) / 100) });

  // The MCN withdraws to its own account, which already holds some of the token.
  await token.mint(accounts.mcn.address, 1n);
  rows.push({
    action: "withdraw",
    gas: await gasOf(settlement.connect(accounts.mcn).withdraw(tokenAddress, accounts.mcn.address)),
    target: 45_000,
  });
  await taobao.settleSale(c.instantLicenceId, next(), tokenAddress, gross);
  rows.push({
    action: "withdraw to an account that never held the token",
    gas: await gasOf(settlement.connect(accounts.mcn).withdraw(tokenAddress, ethers.Wallet.createRandom().address)),
  });

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

  const width = Math.max(...rows.map((r) => r.action.length), ...Object.keys(breakdown).map((k) => k.length + 2));
  console.log(`${"action".padEnd(width)}  ${"gas".padStart(9)}  target`);
  for (const r of rows) {
    const verdict = r.target === undefined ? "" : `≤ ${r.target.toLocaleString("en")} ${r.gas <= r.target ? "met" : "MISSED"}`;
    console.log(`${r.action.padEnd(width)}  ${r.gas.toLocaleString("en").padStart(9)}  ${verdict}`);
  }
  console.log(`\nWhere the gas of one instant settlement goes:`);
  for (const [part, gas] of Object.entries(breakdown)) console.log(`  ${part.padEnd(width - 2)}  ${gas.toLocaleString("en").padStart(9)}`);
  const out = path.join(__dirname, "..", "..", "bench-results");
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, "gas.json"), JSON.stringify({ measuredAt: new Date().toISOString(), rows, breakdown }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
