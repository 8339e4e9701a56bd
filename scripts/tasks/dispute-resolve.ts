/**
 * dispute:resolve — an arbiter decides a dispute: upheld or rejected, with the hash of the written ruling
 * and, for an upheld licence dispute, whether the licence is suspended or terminated.
 */
import { DISPUTE_KIND, REMEDIES } from "../lib/explain";
import { type CommonArgs, action, hashInput, parseId, reelsplitTask, txFields, txLine } from "../lib/task-context";
import { InputError } from "../lib/units";

interface Args extends CommonArgs {
  dispute: string;
  upheld: boolean;
  rejected: boolean;
  remedy?: string;
  ruling?: string;
  rulingFile?: string;
  rulingHash?: string;
}

reelsplitTask("dispute:resolve", "Arbiter: decide a dispute (upheld or rejected) with a ruling")
  .addParam("dispute", "Dispute id")
  .addFlag("upheld", "The claim is upheld")
  .addFlag("rejected", "The claim is rejected")
  .addOptionalParam("remedy", "For an upheld licence dispute: suspend or terminate")
  .addOptionalParam("rulingFile", "The written ruling: its keccak256 hash is recorded")
  .addOptionalParam("ruling", "Or the ruling's text: its keccak256 hash is recorded")
  .addOptionalParam("rulingHash", "Or the ruling's hash itself: 0x and 64 hex digits")
  .setAction(
    action<Args>("dispute:resolve", async (args, ctx) => {
      const disputeId = parseId(args.dispute, "dispute", "--dispute");
      if (args.upheld === args.rejected) throw new InputError("give the decision with exactly one of --upheld or --rejected");
      const ruling = hashInput(
        { hex: args.rulingHash, file: args.rulingFile, text: args.ruling },
        "ruling",
        "--ruling-file <file>, --ruling <text> or --ruling-hash 0x…",
      );
      const dispute = await ctx.read(() => ctx.disputes.getDispute(disputeId));
      const kind = DISPUTE_KIND[Number(dispute.kind)]!;
      let remedy = 0;
      if (args.remedy !== undefined) {
        remedy = (REMEDIES as readonly string[]).indexOf(args.remedy.trim().toLowerCase());
        if (remedy < 0) throw new InputError(`"${args.remedy}" is not a remedy: ${REMEDIES.join(", ")}`);
      }
      if (args.upheld && kind === "licence" && remedy === 0) {
        throw new InputError(`dispute ${disputeId} is on a licence: an upheld ruling needs --remedy suspend or --remedy terminate`);
      }
      if (remedy !== 0 && !(args.upheld && kind === "licence")) {
        throw new InputError(`--remedy ${REMEDIES[remedy]} only goes with an upheld licence dispute; dispute ${disputeId} is on a ${kind}`);
      }
      const signer = await ctx.signer(args.from);
      const receipt = await ctx.send(() => ctx.disputes.connect(signer).resolve(disputeId, args.upheld, ruling.hash, remedy));

      const effects: string[] = [];
      const effectsJson: Record<string, unknown>[] = [];
      for (const e of ctx.events(receipt)) {
        if (e.name === "SaleRefunded") {
          const token = await ctx.token((await ctx.settlement.getSale(e.args.saleId as string)).token);
          effects.push(
            `sale ${e.args.saleId} refunded: ${ctx.format(e.args.amount as bigint, token)} credited back to its channel (${e.args.to})`,
          );
          effectsJson.push({ event: e.name, saleId: e.args.saleId, to: e.args.to, amount: e.args.amount as bigint });
        } else if (e.name === "SaleUnfrozen") {
          effects.push(`sale ${e.args.saleId} unfrozen: back in escrow on its schedule`);
          effectsJson.push({ event: e.name, saleId: e.args.saleId });
        } else if (e.name === "SaleReleased") {
          effects.push(`sale ${e.args.saleId} released to the licence's parties (its window had passed)`);
          effectsJson.push({ event: e.name, saleId: e.args.saleId });
        } else if (e.name === "LicenceSuspended" || e.name === "LicenceTerminated" || e.name === "LicenceReinstated") {
          const what = { LicenceSuspended: "suspended", LicenceTerminated: "terminated", LicenceReinstated: "reinstated: active again" }[
            e.name
          ];
          effects.push(`licence ${e.args.licenceId} ${what}`);
          effectsJson.push({ event: e.name, licenceId: e.args.licenceId as bigint });
        }
      }
      const decision = args.upheld ? "upheld" : "rejected";
      ctx.say(`Dispute ${disputeId} ${decision} by arbiter ${signer.address}${remedy ? `, remedy ${REMEDIES[remedy]}` : ""}`);
      ctx.say(`  ruling ${ruling.hash}${ruling.source === "given" ? "" : ` (${ruling.source})`}`);
      for (const line of effects) ctx.say(`  ${line}`);
      if (effects.length === 0) ctx.say("  a record only: nothing held by the dispute had to move");
      ctx.say(txLine(receipt));
      return {
        ...txFields(receipt),
        disputeId,
        kind,
        decision,
        upheld: args.upheld,
        remedy: REMEDIES[remedy],
        ruling: ruling.hash,
        rulingSource: ruling.source,
        arbiter: signer.address,
        effects: effectsJson,
      };
    }),
  );
