import fs from "node:fs";
import path from "node:path";
import type { Abi, AbiEvent } from "viem";
import { toEventSelector } from "viem";

/** The contracts whose events are indexed, by the name they have in the deployment file. */
export const INDEXED_CONTRACTS = ["Settlement", "DisputeRegistry"] as const;
export type ContractName = (typeof INDEXED_CONTRACTS)[number];

const ARTIFACTS = path.join(__dirname, "..", "artifacts", "contracts");

/** A contract's ABI from the Hardhat artifacts (never hand-copied). */
export function readAbi(name: string): Abi {
  const file = path.join(ARTIFACTS, `${name}.sol`, `${name}.json`);
  if (!fs.existsSync(file)) throw new Error(`no compiled artifact for ${name} at ${file}: run \`npm run build\` first`);
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { abi: Abi }).abi;
}

/** Every event the indexed contracts emit, keyed by topic0, with the contract that declares it. */
export interface EventCatalogue {
  abi: Abi;
  byTopic: Map<string, { contract: ContractName; event: AbiEvent }>;
}

export function eventCatalogue(): EventCatalogue {
  const byTopic = new Map<string, { contract: ContractName; event: AbiEvent }>();
  const abi: AbiEvent[] = [];
  for (const contract of INDEXED_CONTRACTS) {
    for (const item of readAbi(contract)) {
      if (item.type !== "event") continue;
      const topic = toEventSelector(item);
      if (byTopic.has(topic)) continue; // inherited events are declared once
      byTopic.set(topic, { contract, event: item });
      abi.push(item);
    }
  }
  return { abi, byTopic };
}
