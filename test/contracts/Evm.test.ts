/**
 * The compiled artifacts on a second, independent EVM: anvil (foundry's revm), started with the hardfork the
 * contracts are compiled for (hardhat.config.ts EVM_VERSION, which a Besu QBFT consortium enables with
 * `shanghaiTime`). A real flow runs there from the Hardhat artifacts, and a Cancun-only opcode shows the
 * hardfork is really enforced: refused on the Shanghai anvil, accepted on a Cancun one (the control).
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { ContractFactory, JsonRpcProvider, Wallet, ethers } from "ethers";
import type { TransactionReceipt } from "ethers";
import { EVM_VERSION } from "../../hardhat.config";
import { DemoStablecoin__factory, DisputeRegistry__factory, Settlement__factory } from "../../typechain-types";

const ANVIL = path.join(hre.config.paths.root, "node_modules", ".bin", "anvil");
const READY_TIMEOUT_MS = 15_000;
const DAY = 24 * 60 * 60;

/** anvil's default dev accounts (mnemonic "test test … junk"), keys 0..5. */
const DEV_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
] as const;

/** Creation code `PUSH1 1 PUSH1 0 TSTORE STOP`: TSTORE (0x5d, EIP-1153) exists from Cancun on. */
const TSTORE_INITCODE = "0x600160005d00";

interface Anvil {
  hardfork: string;
  url: string;
  provider: JsonRpcProvider;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts anvil on a port the OS picks (`--port 0`; anvil prints the port it bound) and resolves once its
 * stdout says "Listening on", or fails with its output after READY_TIMEOUT_MS.
 */
async function startAnvil(hardfork: string): Promise<Anvil> {
  // Its own process group, so that stop() reaches both the npm wrapper and the anvil binary it spawns.
  const child: ChildProcess = spawn(ANVIL, ["--hardfork", hardfork, "--port", "0", "--host", "127.0.0.1"], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const kill = (signal: NodeJS.Signals) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const killOnExit = () => kill("SIGKILL");
  process.once("exit", killOnExit);

  const url = await new Promise<string>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      kill("SIGKILL");
      reject(new Error(`anvil --hardfork ${hardfork} ${why}; its output:\n${output}`));
    };
    const timer = setTimeout(() => fail(`did not report "Listening on" within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /Listening on ([\d.]+):(\d+)/.exec(output);
      if (listening) {
        clearTimeout(timer);
        resolve(`http://${listening[1]}:${listening[2]}`);
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", (error) => fail(`could not start: ${error.message}`));
    child.once("exit", (code, signal) => fail(`exited (${code ?? signal}) before listening`));
  });

  const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true, pollingInterval: 50, batchMaxCount: 1, cacheTimeout: -1 });
  return {
    hardfork,
    url,
    provider,
    output: () => output,
    async stop() {
      provider.destroy();
      kill("SIGTERM");
      const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 5_000).unref());
      if ((await Promise.race([exited, timeout])) === "timeout") {
        kill("SIGKILL");
        await exited;
      }
      process.off("exit", killOnExit);
    },
  };
}

/** Sends a contract creation with a fixed gas limit (no estimate, so a failing one is mined) and returns its receipt. */
async function create(wallet: Wallet, data: string): Promise<TransactionReceipt> {
  const tx = await wallet.sendTransaction({ data, gasLimit: 100_000 });
  try {
    await tx.wait();
  } catch {
    // a reverted transaction: its receipt says so below
  }
  const receipt = await wallet.provider!.getTransactionReceipt(tx.hash);
  if (!receipt) throw new Error(`no receipt for ${tx.hash}`);
  return receipt;
}

describe("EVM target: the artifacts on anvil --hardfork shanghai", function () {
  this.timeout(60_000);
  let shanghai: Anvil | undefined;
  let cancun: Anvil | undefined;

  before(async function () {
    const started = await Promise.allSettled([startAnvil(EVM_VERSION), startAnvil("cancun")]);
    [shanghai, cancun] = started.map((s) => (s.status === "fulfilled" ? s.value : undefined));
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  });

  after(async function () {
    await Promise.all([shanghai?.stop(), cancun?.stop()]);
  });

  function chain(): Anvil {
    if (!shanghai) throw new Error("anvil did not start");
    return shanghai;
  }

  it("runs the hardfork the contracts are compiled for", async function () {
    expect(EVM_VERSION).to.equal("shanghai");
    const info = (await chain().provider.send("anvil_nodeInfo", [])) as { hardFork: string };
    expect(info.hardFork.toLowerCase()).to.equal(EVM_VERSION);
    for (const name of ["Settlement", "DisputeRegistry", "DemoStablecoin"]) {
      const artifact = await hre.artifacts.readArtifact(name);
      const buildInfo = await hre.artifacts.getBuildInfo(`${artifact.sourceName}:${name}`);
      if (!buildInfo) throw new Error(`no build info for ${name}`);
      expect(buildInfo.input.settings.evmVersion, `${name} build input`).to.equal(EVM_VERSION);
      const compiled = buildInfo.output.contracts[artifact.sourceName]?.[name] as { metadata?: string } | undefined;
      if (!compiled?.metadata) throw new Error(`no metadata for ${name}`);
      const metadata = JSON.parse(compiled.metadata) as { settings: { evmVersion: string } };
      expect(metadata.settings.evmVersion, `${name} metadata`).to.equal(EVM_VERSION);
    }
  });

  it("deploys the artifacts and settles, splits, refunds by ruling and pays out exactly", async function () {
    const { provider } = chain();
    const [admin, rightsHolder, mcn, platform, arbiter, taobao] = DEV_KEYS.map((key) => new Wallet(key, provider)) as [
      Wallet,
      Wallet,
      Wallet,
      Wallet,
      Wallet,
      Wallet,
    ];
    expect(admin.address).to.equal("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

    const deploy = async (name: string, args: unknown[]) => {
      const artifact = await hre.artifacts.readArtifact(name);
      const contract = await new ContractFactory(artifact.abi, artifact.bytecode, admin).deploy(...args);
      await contract.waitForDeployment();
      const address = await contract.getAddress();
      return { address, artifact };
    };
    const s = await deploy("Settlement", [admin.address]);
    const d = await deploy("DisputeRegistry", [s.address]);
    const t = await deploy("DemoStablecoin", [admin.address]);
    // What runs on anvil is byte for byte what Hardhat compiled (neither has immutables).
    expect(await provider.getCode(s.address)).to.equal(s.artifact.deployedBytecode);
    expect(await provider.getCode(t.address)).to.equal(t.artifact.deployedBytecode);

    const settlement = Settlement__factory.connect(s.address, admin);
    const disputes = DisputeRegistry__factory.connect(d.address, admin);
    const token = DemoStablecoin__factory.connect(t.address, admin);
    const mined = async (tx: Promise<{ wait(): Promise<TransactionReceipt | null> }>) => {
      const receipt = await (await tx).wait();
      expect(receipt?.status).to.equal(1);
      return receipt!;
    };

    await mined(settlement.grantRole(await settlement.DISPUTE_REGISTRY_ROLE(), d.address));
    await mined(settlement.grantRole(await settlement.RIGHTS_HOLDER_ROLE(), rightsHolder.address));
    await mined(settlement.grantRole(await settlement.MCN_ROLE(), mcn.address));
    await mined(settlement.grantRole(await settlement.PLATFORM_ROLE(), platform.address));
    await mined(settlement.grantRole(await settlement.ARBITER_ROLE(), arbiter.address));
    await mined(settlement.addChannel("taobao", taobao.address));
    await mined(settlement.allowToken(t.address));
    await mined(token.mint(taobao.address, 1_000_000n));
    await mined(token.connect(taobao).approve(s.address, ethers.MaxUint256));

    const now = (await provider.getBlock("latest"))!.timestamp;
    const terms = (content: string, holdSeconds: number) => ({
      contentId: ethers.id(`content:${content}`),
      mcn: mcn.address,
      platform: platform.address,
      rightsHolderBps: 1_500,
      mcnBps: 3_500,
      platformBps: 5_000,
      commissionBps: 2_000,
      channels: [1],
      validFrom: now,
      validUntil: now + 365 * DAY,
      holdSeconds,
      supersedes: 0,
      termsHash: ethers.id(`terms:${content}`),
      termsURI: "ipfs://terms",
    });
    for (const [id, content, hold] of [
      [1n, "the-return-of-the-heiress", 0],
      [2n, "seven-day-drama", 7 * DAY],
    ] as const) {
      await mined(settlement.connect(rightsHolder).registerLicence(terms(content, hold)));
      await mined(settlement.connect(mcn).acceptLicence(id));
      await mined(settlement.connect(platform).acceptLicence(id));
      expect(await settlement.licenceStatus(id)).to.equal(2n); // Active
    }

    // 199.00 yuan at 20 %: 39.80 commission, split 15/35/50 → 5.97 / 13.93 / 19.90.
    const settled = await mined(settlement.connect(taobao).settleSale(1n, ethers.id("order:1"), t.address, 19_900n));
    const event = settled.logs.map((log) => settlement.interface.parseLog(log)).find((e) => e?.name === "SaleSettled");
    expect(event?.args.commission).to.equal(3_980n);
    expect([event?.args.rightsHolderShare, event?.args.mcnShare, event?.args.platformShare]).to.deep.equal([597n, 1_393n, 1_990n]);
    expect(await settlement.claimable(rightsHolder.address, t.address)).to.equal(597n);
    expect(await settlement.claimable(mcn.address, t.address)).to.equal(1_393n);
    expect(await settlement.claimable(platform.address, t.address)).to.equal(1_990n);

    // An escrowed sale, disputed by the MCN (frozen), refunded to the channel by the arbiter's ruling.
    const escrowSale = await settlement.saleIdOf(1, ethers.id("order:2"));
    await mined(settlement.connect(taobao).settleSale(2n, ethers.id("order:2"), t.address, 10_000n));
    await mined(disputes.connect(mcn).openSaleDispute(escrowSale, 4, ethers.id("evidence:refund-abuse")));
    expect((await settlement.getSale(escrowSale)).status).to.equal(2n); // Frozen
    await mined(disputes.connect(arbiter).resolve(1n, true, ethers.id("ruling:1"), 0));
    expect((await settlement.getSale(escrowSale)).status).to.equal(4n); // Refunded
    expect(await settlement.claimable(taobao.address, t.address)).to.equal(2_000n);

    await mined(settlement.connect(rightsHolder).withdraw(t.address, rightsHolder.address));
    await mined(settlement.connect(taobao).withdraw(t.address, taobao.address));
    expect(await token.balanceOf(rightsHolder.address)).to.equal(597n);
    expect(await token.balanceOf(taobao.address)).to.equal(1_000_000n - 3_980n - 2_000n + 2_000n);
    expect(await settlement.claimable(rightsHolder.address, t.address)).to.equal(0n);
    expect(await token.balanceOf(s.address)).to.equal(1_393n + 1_990n);
  });

  it("refuses a Cancun-only opcode (TSTORE) that a Cancun anvil accepts", async function () {
    if (!cancun) throw new Error("the cancun anvil did not start");
    const onShanghai = await create(new Wallet(DEV_KEYS[1], chain().provider), TSTORE_INITCODE);
    const onCancun = await create(new Wallet(DEV_KEYS[1], cancun.provider), TSTORE_INITCODE);
    expect(onShanghai.status, "TSTORE on shanghai").to.equal(0);
    expect(onCancun.status, "TSTORE on cancun").to.equal(1);
    expect(await chain().provider.getCode(onShanghai.contractAddress!)).to.equal("0x");
  });
});
