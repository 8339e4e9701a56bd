/** dispute:suspend — an arbiter suspends a disputed licence until the ruling (no new sales meanwhile). */
import { type CommonArgs, action, parseId, reelsplitTask, txFields, txLine } from "../lib/task-context";

interface Args extends CommonArgs {
  dispute: string;
}

reelsplitTask("dispute:suspend", "Arbiter: suspend the licence of an open licence dispute until the ruling")
  .addParam("dispute", "Dispute id")
  .setAction(
    action<Args>("dispute:suspend", async (args, ctx) => {
      const disputeId = parseId(args.dispute, "dispute", "--dispute");
      const signer = await ctx.signer(args.from);
      const receipt = await ctx.send(() => ctx.disputes.connect(signer).suspendLicence(disputeId));
      const licenceId = ctx.event(receipt, "LicenceSuspendedPendingRuling")!.args.licenceId as bigint;
      ctx.say(`Licence ${licenceId} suspended by arbiter ${signer.address} pending the ruling on dispute ${disputeId}: no new sales`);
      ctx.say(`  a rejection lifts the suspension; an upheld ruling suspends or terminates the licence`);
      ctx.say(txLine(receipt));
      return { ...txFields(receipt), disputeId, licenceId, arbiter: signer.address };
    }),
  );
