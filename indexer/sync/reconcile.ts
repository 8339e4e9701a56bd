import type { BlockRef } from "../store/store";

/**
 * Finds the highest remembered block that is still on the canonical chain: the common ancestor of what
 * was indexed and what the node now says. `local` is highest first and includes the checkpoint;
 * `remoteHash(n)` is the node's hash at height n (undefined if the chain is now shorter). Blocks below
 * `floor` are final: if no ancestor is found at or above it, the reorg is deeper than finality and the
 * result is undefined.
 */
export async function findCommonAncestor(
  local: BlockRef[],
  remoteHash: (number: number) => Promise<string | undefined>,
  floor: number,
): Promise<BlockRef | undefined> {
  for (const block of local) {
    if (block.number < floor) return undefined;
    if ((await remoteHash(block.number)) === block.hash) return block;
  }
  return undefined;
}
