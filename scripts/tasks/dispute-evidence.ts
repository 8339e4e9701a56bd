/** dispute:evidence — a party adds the keccak256 hash of another evidence document to an open dispute. */
import { type CommonArgs, action, hashInput, parseId, reelsplitTask, txFields, txLine } from "../lib/task-context";

interface Args extends CommonArgs {
  dispute: string;
  evidence?: string;
  evidenceFile?: string;
}

reelsplitTask("dispute:evidence", "Party or channel: add evidence to an open dispute")
  .addParam("dispute", "Dispute id")
  .addOptionalParam("evidenceFile", "Evidence document: its keccak256 hash is recorded")
  .addOptionalParam("evidence", "Or the evidence hash itself: 0x and 64 hex digits")
  .setAction(
    action<Args>("dispute:evidence", async (args, ctx) => {
      const disputeId = parseId(args.dispute, "dispute", "--dispute");
      const evidence = hashInput({ hex: args.evidence, file: args.evidenceFile }, "evidence", "--evidence-file <file> or --evidence 0x…");
      const signer = await ctx.signer(args.from);
      const receipt = await ctx.send(() => ctx.disputes.connect(signer).addEvidence(disputeId, evidence.hash));
      const count = (await ctx.disputes.getDispute(disputeId)).evidenceCount;
      ctx.say(
        `Evidence ${evidence.hash}${evidence.source === "given" ? "" : ` (${evidence.source})`} added to dispute ${disputeId} by ${signer.address}`,
      );
      ctx.say(`  the dispute now holds ${count} piece${count === 1n ? "" : "s"} of evidence`);
      ctx.say(txLine(receipt));
      return {
        ...txFields(receipt),
        disputeId,
        evidence: evidence.hash,
        evidenceSource: evidence.source,
        by: signer.address,
        evidenceCount: count,
      };
    }),
  );
