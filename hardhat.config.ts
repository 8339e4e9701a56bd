import path from "node:path";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-toolbox";
import "./scripts/tasks";

/**
 * The Solidity compiler comes from the `solc` npm package, pinned in package.json to exactly this
 * version. Hardhat's own compiler download is never attempted: the machines this runs on reach the npm
 * registry and nothing else.
 */
const SOLC_VERSION = "0.8.28";

/**
 * The EVM the contracts are compiled for. `shanghai` (PUSH0, no transient storage) is the milestone a
 * Hyperledger Besu QBFT consortium enables with `shanghaiTime` in its genesis; test/contracts/Evm.test.ts
 * proves the artifacts deploy on anvil started with `--hardfork shanghai`.
 */
export const EVM_VERSION = "shanghai";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper(args);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { version(): string };
  const longVersion = solc.version().replace(/\.Emscripten\.clang$/, "");
  if (!longVersion.startsWith(SOLC_VERSION)) {
    throw new Error(`the solc npm package is ${longVersion}, expected ${SOLC_VERSION}: run npm ci`);
  }
  return {
    compilerPath: path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion,
  };
});

const env = process.env;
const consortiumKeys = (env.CONSORTIUM_PRIVATE_KEYS ?? "")
  .split(",")
  .map((k) => k.trim())
  .filter(Boolean);

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: { enabled: true, runs: 10_000 },
      viaIR: true,
    },
  },
  networks: {
    hardhat: { hardfork: EVM_VERSION },
    localhost: { url: env.RPC_URL ?? "http://127.0.0.1:8545" },
    consortium: {
      url: env.CONSORTIUM_RPC_URL ?? "http://127.0.0.1:8545",
      chainId: env.CONSORTIUM_CHAIN_ID ? Number(env.CONSORTIUM_CHAIN_ID) : undefined,
      accounts: consortiumKeys,
      gasPrice: env.CONSORTIUM_GAS_PRICE ? Number(env.CONSORTIUM_GAS_PRICE) : "auto",
    },
  },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  mocha: { timeout: 120_000 },
  gasReporter: { enabled: false },
};

export default config;
