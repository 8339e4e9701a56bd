/**
 * dispute:open — a party of a licence (or a channel) opens a dispute on the licence or on one sale, with a
 * reason and the keccak256 hash of an evidence file. A sale still in escrow is frozen until the ruling.
 */
import { REASONS, formatOrderRef } from "../lib/explain";
import {
  type CommonArgs,
  action,
  hashInput,
  parseId,
  parseOrderRef,
  parseSaleId,
  reelsplitTask,
  saleIdOf,
  txFields,
  txLine,
} from "../lib/task-context";
import { InputError } from "../lib/units";

interface Args extends CommonArgs {
  licence?: string;
  sale?: string;
  order?: string;
  channel?: string;
  reason: string;
  evidence?: string;
  evidenceFile?: string;
}

export function parseReason(text: string): number {
  const t = text.trim().toLowerCase();
  const byName = (REASONS as readonly string[]).indexOf(t);
  if (byName >= 0) return byName;
  if (/^\d+$/.test(t) && Number(t) < REASONS.length) return Number(t);
  throw new InputError(`"${text}" is not a dispute reason: ${REASONS.join(", ")}`);
}

reelsplitTask("dispute:open", "Party or channel: open a dispute on a licence or a sale, with evidence")
  .addOptionalParam("licence", "Licence id (a licence dispute)")
  .addOptionalParam("sale", "Sale id (a sale dispute)")
  .addOptionalParam("order", "Or the order reference of the sale, with --channel")
  .addOptionalParam("channel", "Channel that reported --order (name or id)")
  .addOptionalParam("reason", `Reason: ${REASONS.join(", ")}`, "other")
  .addOptionalParam("evidenceFile", "Evidence document: its keccak256 hash is recorded")
  .addOptionalParam("evidence", "Or the evidence hash itself: 0x and 64 hex digits")
  .setAction(
    action<Args>("dispute:open", async (args, ctx) => {
      const targets = [args.licence, args.sale, args.order].filter((x) => x !== undefined).length;
      if (targets !== 1)
        throw new InputError("give what is disputed with exactly one of --licence <id>, --sale <id> or --order <ref> --channel <name>");
      const reason = parseReason(args.reason);
      const evidence = hashInput({ hex: args.evidence, file: args.evidenceFile }, "evidence", "--evidence-file <file> or --evidence 0x…");
      const signer = await ctx.signer(args.from);
      const disputes = ctx.disputes.connect(signer);

      let kind: "licence" | "sale";
      let licenceId: bigint;
      let saleId: string | null = null;
      let submit;
      if (args.licence !== undefined) {
        kind = "licence";
        licenceId = parseId(args.licence, "licence", "--licence");
        submit = () => disputes.openLicenceDispute(licenceId, reason, evidence.hash);
      } else {
        kind = "sale";
        if (args.sale !== undefined) {
          saleId = parseSaleId(args.sale);
        } else {
          if (args.channel === undefined) throw new InputError("--order needs the --channel that reported it");
          saleId = saleIdOf(await ctx.channelId(args.channel), parseOrderRef(args.order!));
        }
        const sale = await ctx.read(() => ctx.settlement.getSale(saleId!));
        licenceId = sale.licenceId;
        const id = saleId;
        submit = () => disputes.openSaleDispute(id, reason, evidence.hash);
      }
      const receipt = await ctx.send(submit);
      const opened = ctx.event(receipt, "DisputeOpened")!;
      const disputeId = opened.args.disputeId as bigint;
      const frozen = ctx.event(receipt, "SaleFrozen") !== undefined;

      const target = kind === "licence" ? `licence ${licenceId}` : `sale ${saleId} (licence ${licenceId})`;
      ctx.say(`Dispute ${disputeId} opened by ${signer.address} on ${target}, reason ${REASONS[reason]}`);
      ctx.say(`  evidence ${evidence.hash}${evidence.source === "given" ? "" : ` (${evidence.source})`}`);
      if (kind === "licence") {
        ctx.say(`  sales under the licence go on; an arbiter may suspend it meanwhile with \`dispute:suspend --dispute ${disputeId}\``);
      } else {
        ctx.say(
          frozen
            ? "  the sale is frozen in escrow until the ruling"
            : "  the sale is no longer in its refund window: the ruling will be a record only",
        );
      }
      ctx.say(txLine(receipt));
      return {
        ...txFields(receipt),
        disputeId,
        kind,
        target: opened.args.target as string,
        licenceId,
        saleId,
        order: args.order !== undefined ? formatOrderRef(parseOrderRef(args.order)) : null,
        reason: REASONS[reason],
        evidence: evidence.hash,
        evidenceSource: evidence.source,
        openedBy: signer.address,
        frozen,
      };
    }),
  );
