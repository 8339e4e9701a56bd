/**
 * The chaos run of issue #7 (`npm run chaos`), short, through the same code (scripts/lib/chaos.ts): the
 * indexer CLI follows an anvil chain through a TCP proxy while it is killed with SIGKILL during the backfill
 * and the live tail, the chain is reorganised (evm_snapshot / evm_revert with different replacement blocks,
 * one reverted while the indexer is still indexing the replaced blocks), and the RPC endpoint disappears
 * for 3 s while blocks keep coming. /health (the API, in-process) must report the failure and the lag, the
 * indexer must resume on its own, and its database must equal, row by row, a clean index of the final chain.
 */
import { expect } from "chai";
import { detailLines, runChaos, summaryLine } from "../../scripts/lib/chaos";

describe("indexer: chaos (SIGKILLs, reorgs and an RPC outage, then compared with a clean index)", function () {
  this.timeout(300_000);

  it("after 3 kills, 5 reorgs and a 3-second RPC outage nothing is lost, duplicated or stale, and /health reported the outage", async function () {
    const report = await runChaos({
      seed: 0x0c4a05,
      kills: 3,
      reorgs: 5,
      maxDepth: 10,
      outageSeconds: 3,
      backlogSales: 1_500,
      maxRange: 20,
    });
    const details = [...detailLines(report), ...report.violations.map((v) => `VIOLATION: ${v}`), summaryLine(report)].join("\n");
    console.log(`      ${summaryLine(report)}`);

    expect(report.violations, details).to.deep.equal([]);
    expect(report.comparison, details).to.include({ lost: 0, duplicated: 0, stale: 0 });
    expect(report.comparison.rows, "rows compared").to.be.greaterThan(5_000);
    expect(report.chain, details).to.include({ checkpointIsHead: true, staleBlockHashes: 0, balanceMismatches: 0 });

    expect(report.kills.map((k) => k.phase).sort(), details).to.deep.equal(["backfill", "live", "live"]);
    expect(
      report.exits.filter((e) => e.kind === "unexpected"),
      details,
    ).to.deep.equal([]);
    expect(report.reorgs.map((r) => r.depth).sort()).to.deep.equal([1, 2, 3, 4, 5]);
    expect(report.reorgs.filter((r) => r.race)).to.have.length(1);
    expect(report.reconciledByIndexer.length, "reorgs the indexer reconciled").to.be.at.least(4);

    const outage = report.outage!;
    expect(outage.errorReportedAfter, "/health reported the RPC failure during the outage").to.not.equal(null);
    expect(outage.blocksDuring, "blocks mined during the outage").to.be.greaterThan(0);
    expect(outage.maxLagReported, "/health reported a lag").to.be.greaterThan(0);
    expect(outage.caughtUpAfter, "the indexer caught up after the endpoint came back").to.not.equal(null);
  });
});
