/** licence:accept — the MCN or the platform of a proposed licence consents to its terms. */
import { LICENCE_STATUS } from "../lib/explain";
import { type CommonArgs, action, parseId, reelsplitTask, txFields, txLine } from "../lib/task-context";

interface Args extends CommonArgs {
  licence: string;
}

reelsplitTask("licence:accept", "MCN or platform: accept a proposed licence (it is active once both accepted)")
  .addParam("licence", "Licence id")
  .setAction(
    action<Args>("licence:accept", async (args, ctx) => {
      const licenceId = parseId(args.licence, "licence", "--licence");
      const signer = await ctx.signer(args.from);
      const before = await ctx.read(() => ctx.settlement.getLicence(licenceId));
      const receipt = await ctx.send(() => ctx.settlement.connect(signer).acceptLicence(licenceId));
      const as = signer.address.toLowerCase() === before.mcn.toLowerCase() ? "mcn" : "platform";
      const active = ctx.event(receipt, "LicenceActivated") !== undefined;
      const superseded = ctx.event(receipt, "LicenceSuperseded");
      const status = LICENCE_STATUS[Number(await ctx.settlement.licenceStatus(licenceId))]!;

      ctx.say(`Licence ${licenceId} accepted by ${signer.address} as its ${as === "mcn" ? "MCN" : "platform"}`);
      if (active) ctx.say("  both the MCN and the platform accepted: the licence is active and its channels may sell under it");
      else ctx.say(`  waiting for the ${as === "mcn" ? `platform ${before.platform}` : `MCN ${before.mcn}`} to accept`);
      if (superseded) ctx.say(`  licence ${superseded.args.licenceId} is superseded by it and takes no new sales`);
      ctx.say(txLine(receipt));
      return {
        ...txFields(receipt),
        licenceId,
        party: signer.address,
        as,
        active,
        status,
        superseded: superseded ? (superseded.args.licenceId as bigint) : null,
      };
    }),
  );
