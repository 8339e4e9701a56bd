/**
 * findCommonAncestor on synthetic chains: the indexer's remembered blocks (highest first) against what a
 * node now says, with no node involved.
 */
import { expect } from "chai";
import type { BlockRef } from "../../indexer/store/store";
import { findCommonAncestor } from "../../indexer/sync/reconcile";

const hash = (branch: string, n: number) => `0x${branch}${n.toString(16).padStart(8, "0")}`;

/** A node whose canonical chain is `branch` up to `head` and `original` below `forkedAt`. */
function node(head: number, forkedAt = Infinity, branch = "b") {
  const asked: number[] = [];
  return {
    asked,
    remoteHash: async (n: number): Promise<string | undefined> => {
      asked.push(n);
      if (n > head) return undefined;
      return n >= forkedAt ? hash(branch, n) : hash("a", n);
    },
  };
}

/** Remembered blocks of the original chain "a", highest first. */
function remembered(numbers: number[]): BlockRef[] {
  return [...numbers].sort((x, y) => y - x).map((n) => ({ number: n, hash: hash("a", n) }));
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("indexer: findCommonAncestor", function () {
  it("returns the checkpoint itself when the chain was not reorganised, asking for one header only", async function () {
    const local = remembered(range(90, 100));
    const n = node(100);
    expect(await findCommonAncestor(local, n.remoteHash, 36)).to.deep.equal({ number: 100, hash: hash("a", 100) });
    expect(n.asked).to.deep.equal([100]);
  });

  it("returns the parent of the replaced block after a reorg of depth 1", async function () {
    const n = node(100, 100);
    expect(await findCommonAncestor(remembered(range(90, 100)), n.remoteHash, 36)).to.deep.equal({ number: 99, hash: hash("a", 99) });
    expect(n.asked).to.deep.equal([100, 99]);
  });

  it("walks down past every replaced block after a reorg of depth 3", async function () {
    const n = node(100, 98);
    expect(await findCommonAncestor(remembered(range(90, 100)), n.remoteHash, 36)).to.deep.equal({ number: 97, hash: hash("a", 97) });
    expect(n.asked).to.deep.equal([100, 99, 98, 97]);
  });

  it("with sparse remembered blocks, returns the highest remembered block below the fork, not the fork point", async function () {
    // Only blocks with events and range ends are remembered: 100, 95, 91, 80. The fork is at 93.
    const n = node(100, 93);
    const ancestor = await findCommonAncestor(remembered([80, 91, 95, 100]), n.remoteHash, 36);
    expect(ancestor).to.deep.equal({ number: 91, hash: hash("a", 91) });
    expect(n.asked).to.deep.equal([100, 95, 91]);
  });

  it("skips remembered blocks above the head of a chain that became shorter", async function () {
    // The node's chain now ends at 97 (a rewind); 98..100 are gone, 97 and below are unchanged.
    const n = node(97);
    expect(await findCommonAncestor(remembered(range(90, 100)), n.remoteHash, 36)).to.deep.equal({ number: 97, hash: hash("a", 97) });
    expect(n.asked).to.deep.equal([100, 99, 98, 97]);
  });

  it("finds the ancestor of a shorter chain that was also replaced below its new head", async function () {
    // Head at 96, blocks 95 and 96 replaced: the ancestor is 94.
    const n = node(96, 95);
    expect(await findCommonAncestor(remembered(range(90, 100)), n.remoteHash, 36)).to.deep.equal({ number: 94, hash: hash("a", 94) });
  });

  it("accepts an ancestor exactly at the floor", async function () {
    const n = node(100, 96);
    expect(await findCommonAncestor(remembered(range(90, 100)), n.remoteHash, 95)).to.deep.equal({ number: 95, hash: hash("a", 95) });
  });

  it("returns undefined when the reorg is deeper than the floor, without asking below it", async function () {
    const n = node(100, 95);
    expect(await findCommonAncestor(remembered(range(90, 100)), n.remoteHash, 96)).to.equal(undefined);
    expect(Math.min(...n.asked)).to.be.at.least(96);
  });

  it("returns undefined when no remembered block at or above the floor is still canonical (sparse blocks)", async function () {
    // Remembered 100 and 90; the fork is at 92; the floor 91 excludes 90 although 90 is canonical.
    const n = node(100, 92);
    expect(await findCommonAncestor(remembered([90, 100]), n.remoteHash, 91)).to.equal(undefined);
    expect(n.asked).to.deep.equal([100]);
  });

  it("returns undefined when every remembered block was replaced", async function () {
    const n = node(100, 0);
    expect(await findCommonAncestor(remembered(range(90, 100)), n.remoteHash, 0)).to.equal(undefined);
  });

  it("returns undefined for an empty list of remembered blocks", async function () {
    expect(await findCommonAncestor([], node(100).remoteHash, 0)).to.equal(undefined);
  });
});
