import fs from "node:fs";
import { getAddress, type Hex } from "viem";
import { eventCatalogue, INDEXED_CONTRACTS, type ContractName } from "./abi";
import { EXIT, FatalIndexerError, isRetryable } from "./errors";
import { jsonSafe, type StoredEvent } from "./handlers";
import type { Logger } from "./log";
import { createRpc, type DecodedLog } from "./rpc";
import { openStore, type BlockRef, type Store } from "./store/store";
import { createHistoricalSync } from "./sync/historical";
import { findCommonAncestor } from "./sync/reconcile";
import type { Deployment } from "../scripts/lib/deployment";

export interface IndexerConfig {
  rpcUrl: string;
  dbPath: string;
  /** The deployment to index: a path, or the deployment itself; default deployments/<chainId>.json. */
  deployment?: string | Deployment;
  /** Stay this many blocks behind the head (0: index every block as soon as it is mined). */
  confirmations: number;
  /** The deepest reorg the indexer reconciles; a deeper one stops it. 0 on an instant-finality chain. */
  finalityDepth: number;
  pollIntervalMs: number;
  maxRange: number;
  concurrency: number;
  /** Catch up with the chain, then return instead of following it. */
  once: boolean;
  /** Delete the database first and index from the deployment block. */
  reset: boolean;
  log: Logger;
  /** Called after each committed range and each poll: the progress bar and the tests listen here. */
  onProgress?: (p: Progress) => void;
}

export interface Progress {
  phase: "backfill" | "live";
  indexedBlock: number;
  targetBlock: number;
  headBlock: number;
  events: number;
  eventsPerSecond: number;
  etaSeconds: number | null;
}

export interface Indexer {
  run(): Promise<void>;
  /** Asks the loop to stop after the range being applied; `run()` then resolves. */
  stop(): void;
}

export function defaultDeploymentPath(chainId: number): string {
  return `deployments/${chainId}.json`;
}

export function createIndexer(config: IndexerConfig): Indexer {
  const { log } = config;
  const catalogue = eventCatalogue();
  // The RPC client logs a warning for each failed attempt before it retries (with back-off, for up to half a
  // minute, and then again for as long as the node stays away): while the database is open, each one is also recorded as the last error, so that /health shows
  // an unreachable node at once instead of a frozen head and no error.
  let onRpcFailure: ((fields: Record<string, unknown>) => void) | undefined;
  const rpcLog: Logger = {
    debug: (fields, msg) => log.debug(fields, msg),
    info: (fields, msg) => log.info(fields, msg),
    warn: (fields, msg) => {
      log.warn(fields, msg);
      onRpcFailure?.(fields);
    },
    error: (fields, msg) => log.error(fields, msg),
  };
  const rpc = createRpc({ url: config.rpcUrl, catalogue, log: rpcLog });
  let stopping = false;
  let wake: (() => void) | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  async function run() {
    const chainId = await rpc.chainId();
    const genesis = await rpc.header(0n);
    if (!genesis) throw new FatalIndexerError(`the node at ${config.rpcUrl} has no genesis block`);
    const deployment = loadDeployment(config.deployment, chainId);
    if (deployment.chainId !== chainId || deployment.genesisHash !== genesis.hash) {
      throw new FatalIndexerError(
        `the deployment file is for chain ${deployment.chainId} with genesis ${deployment.genesisHash}, but the node at ` +
          `${config.rpcUrl} is chain ${chainId} with genesis ${genesis.hash}: deploy to this chain (npm start does) or pass --deployment`,
      );
    }
    if (config.reset) removeDatabase(config.dbPath, log);
    const store = openStore(config.dbPath);
    onRpcFailure = (fields) =>
      store.setHealth({ lastError: `${String(fields.what)}: ${String(fields.error)}`, lastErrorAt: new Date().toISOString() });
    try {
      checkDatabaseMatches(store, chainId, genesis.hash, deployment, config.dbPath);
      await follow(store, deployment);
    } catch (err) {
      store.setHealth({ lastError: (err as Error).message, lastErrorAt: new Date().toISOString() });
      throw err;
    } finally {
      onRpcFailure = undefined;
      store.close();
    }
  }

  async function follow(store: Store, deployment: Deployment) {
    const addresses = INDEXED_CONTRACTS.map((name) => getAddress(deployment.contracts[name])) as Hex[];
    // Logs carry the address in whatever case the node sends; look each one up once, not per log.
    const contractOf = new Map<string, { address: string; name: ContractName }>(
      addresses.map((address, i) => [address.toLowerCase(), { address, name: INDEXED_CONTRACTS[i]! }]),
    );
    if (!store.checkpoint()) {
      const before = await rpc.header(BigInt(Math.max(0, deployment.deploymentBlock - 1)));
      store.initCheckpoint({ number: Number(before!.number), hash: before!.hash });
    }
    const historical = createHistoricalSync({ rpc, addresses, maxRange: config.maxRange, concurrency: config.concurrency });
    const started = Date.now();
    let indexedEvents = 0;
    let caughtUp = store.health()?.caughtUp ?? false;

    const commit = async (logs: DecodedLog[], timestamps: Map<bigint, bigint>, last: BlockRef) => {
      const tokens = store.knownTokens();
      const fresh = [...new Set(logs.filter((l) => l.eventName === "TokenAllowed").map((l) => String(l.args.token)))].filter(
        (t) => !tokens.has(t),
      );
      const tokenMetadata = await Promise.all(fresh.map(async (address) => ({ address, ...(await rpc.tokenMetadata(address as Hex)) })));
      const events: StoredEvent[] = logs.map((l) => ({
        blockNumber: Number(l.blockNumber),
        logIndex: l.logIndex,
        blockHash: l.blockHash,
        blockTimestamp: Number(timestamps.get(l.blockNumber) ?? 0n),
        txHash: l.transactionHash,
        contract: contractOf.get(l.address.toLowerCase())!.address,
        contractName: contractOf.get(l.address.toLowerCase())!.name,
        eventName: l.eventName,
        args: jsonSafe(l.args) as Record<string, unknown>,
      }));
      const blocks = [...new Map(logs.map((l) => [Number(l.blockNumber), l.blockHash as string])).entries()].map(([number, hash]) => ({
        number,
        hash,
      }));
      store.commitRange({ events, blocks, checkpoint: last, tokenMetadata, keepBlocks: config.finalityDepth });
      indexedEvents += events.length;
    };

    const progress = (phase: Progress["phase"], indexed: number, target: number, head: number) => {
      const seconds = (Date.now() - started) / 1000;
      const rate = seconds > 0 ? indexedEvents / seconds : 0;
      const blocksDone = indexed - (deployment.deploymentBlock - 1);
      const blocksPerSecond = seconds > 0 ? blocksDone / seconds : 0;
      config.onProgress?.({
        phase,
        indexedBlock: indexed,
        targetBlock: target,
        headBlock: head,
        events: indexedEvents,
        eventsPerSecond: rate,
        etaSeconds: blocksPerSecond > 0 ? Math.max(0, (target - indexed) / blocksPerSecond) : null,
      });
    };

    while (!stopping) {
      try {
        const head = Number(await rpc.headNumber());
        const target = head - config.confirmations;
        const finalized = head - config.finalityDepth;
        let cp = store.checkpoint()!;

        // Is what we indexed last still on the chain? A reorg may have replaced it or shortened the chain;
        // one header a pass also catches a reorg on a chain configured as instantly final.
        const now = await rpc.header(BigInt(cp.number));
        if (!now || now.hash !== cp.hash) cp = await reconcile(store, cp, head, deployment);

        if (cp.number < target) {
          const backfillTo = Math.min(target, finalized);
          if (cp.number < backfillTo) {
            for await (const range of historical.ranges(BigInt(cp.number + 1), BigInt(backfillTo))) {
              await commit(range.logs, range.timestamps, { number: Number(range.to), hash: range.last.hash });
              store.setHealth({ headBlock: head, indexedBlock: Number(range.to) });
              progress("backfill", Number(range.to), target, head);
              if (stopping) break;
            }
          } else {
            // Unfinalized blocks, one at a time: each must be the child of the last one applied.
            for (let n = cp.number + 1; n <= target && !stopping; n++) {
              const header = await rpc.header(BigInt(n));
              if (!header) break;
              if (header.parentHash !== cp.hash) break; // the next pass finds the reorg and reconciles it
              // A reorg between the header and the logs: nodes that dropped the block (anvil, Hardhat after
              // evm_revert) refuse its hash. If it is no longer the block at this height, stop here like above.
              const logs = await rpc.logsOfBlock(addresses, header.hash).catch(async (err: unknown) => {
                if ((await rpc.header(BigInt(n)))?.hash === header.hash) throw err;
                return undefined;
              });
              if (!logs || logs.some((l) => l.blockHash !== header.hash)) break;
              cp = { number: n, hash: header.hash };
              await commit(logs, new Map([[header.number, header.timestamp]]), cp);
              store.setHealth({ headBlock: head, indexedBlock: n });
              progress("live", n, target, head);
            }
          }
          continue;
        }

        if (!caughtUp) {
          caughtUp = true;
          log.info({ indexedBlock: cp.number, events: store.eventCount() }, "caught up with the chain");
        }
        store.setHealth({ headBlock: head, indexedBlock: cp.number, caughtUp: true, lastError: null });
        progress("live", cp.number, target, head);
        if (config.once) return;
        await sleep(config.pollIntervalMs);
      } catch (err) {
        // Following the chain, a node that stays away is waited for: the RPC client has already backed off
        // through its retries; the indexer says so in /health and tries again, however long it takes.
        // Catching up once (`--once`) gives up instead, with exit code 3.
        const unreachable = err instanceof FatalIndexerError && err.exitCode === EXIT.RPC_UNAVAILABLE && !config.once;
        if (!unreachable && (err instanceof FatalIndexerError || !isRetryable(err))) throw err;
        const message = (err as Error).message.split("\n")[0];
        store.setHealth({ lastError: message, lastErrorAt: new Date().toISOString() });
        log.warn({ error: message }, unreachable ? "the node is unreachable; waiting for it" : "sync pass failed, retrying");
        await sleep(unreachable ? Math.max(config.pollIntervalMs, 1000) : config.pollIntervalMs);
      }
    }
  }

  async function reconcile(store: Store, cp: BlockRef, head: number, deployment: Deployment): Promise<BlockRef> {
    // Final is what lies finality-depth below the newer of the checkpoint and the head: after downtime the
    // head may have moved far on, but the blocks we indexed last are still the ones that can be replaced.
    const floor = Math.max(deployment.deploymentBlock - 1, Math.min(cp.number, head) - config.finalityDepth);
    const ancestor = await findCommonAncestor(store.blocksDesc(cp.number), async (n) => (await rpc.header(BigInt(n)))?.hash, floor);
    if (!ancestor) {
      throw new FatalIndexerError(
        `the chain replaced block ${cp.number}, and no block at or above ${floor} (finality depth ${config.finalityDepth}) is still ` +
          `the one indexed: the reorg is deeper than finality. Run the indexer with --reset to index the chain again from the deployment.`,
        EXIT.NEEDS_RESET,
      );
    }
    const { removedEvents } = store.revertTo(ancestor);
    log.info({ reorgDepth: cp.number - ancestor.number, commonAncestor: ancestor.number, removedEvents }, "reconciled reorg");
    return ancestor;
  }

  return {
    run,
    stop() {
      stopping = true;
      wake?.();
    },
  };
}

function loadDeployment(source: string | Deployment | undefined, chainId: number): Deployment {
  if (source && typeof source === "object") return source;
  const file = source ?? defaultDeploymentPath(chainId);
  if (!fs.existsSync(file)) {
    throw new FatalIndexerError(`no deployment file at ${file}: deploy first (npm start, or npm run deploy) or pass --deployment <file>`);
  }
  return JSON.parse(fs.readFileSync(file, "utf8")) as Deployment;
}

function removeDatabase(file: string, log: Logger) {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (fs.existsSync(f)) fs.rmSync(f);
  log.info({ db: file }, "reset: deleted the database");
}

/** The database must be of this chain and this deployment; anything else needs --reset. */
function checkDatabaseMatches(store: Store, chainId: number, genesisHash: string, d: Deployment, file: string) {
  const expected: Record<string, string> = {
    chain_id: String(chainId),
    genesis_hash: genesisHash,
    settlement: getAddress(d.contracts.Settlement),
    dispute_registry: getAddress(d.contracts.DisputeRegistry),
    deployment_block: String(d.deploymentBlock),
  };
  const why: Record<string, string> = {
    chain_id: "another chain",
    genesis_hash: "another chain with the same id (a restarted development node?)",
    settlement: "another deployment of the contracts",
    dispute_registry: "another deployment of the contracts",
    deployment_block: "another deployment of the contracts",
  };
  for (const [key, value] of Object.entries(expected)) {
    const stored = store.getMeta(key);
    if (stored === undefined) store.setMeta(key, value);
    else if (stored !== value) {
      throw new FatalIndexerError(
        `the database ${file} was built from ${why[key]} (${key} ${stored}, now ${value}): run with --reset to delete it and index again`,
        EXIT.NEEDS_RESET,
      );
    }
  }
}
