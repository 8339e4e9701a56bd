/** sale:refund — a channel refunds one of its escrowed sales inside the refund window. */
import { type CommonArgs, action, parseOrderRef, parseSaleId, reelsplitTask, saleIdOf, txFields, txLine } from "../lib/task-context";
import { InputError } from "../lib/units";

interface Args extends CommonArgs {
  sale?: string;
  order?: string;
}

reelsplitTask("sale:refund", "Channel: refund an escrowed sale inside its refund window (commission back to the channel)")
  .addOptionalParam("sale", "Sale id (0x…)")
  .addOptionalParam("order", "Or the channel's order reference (the sale id is computed from the sender's channel)")
  .setAction(
    action<Args>("sale:refund", async (args, ctx) => {
      if ((args.sale === undefined) === (args.order === undefined))
        throw new InputError("give the sale with exactly one of --sale <id> or --order <ref>");
      const signer = await ctx.signer(args.from);
      let saleId: string;
      if (args.sale !== undefined) {
        saleId = parseSaleId(args.sale);
      } else {
        const channelId = await ctx.settlement.channelOfReporter(signer.address);
        if (channelId === 0n) throw await ctx.explainError("ConsortiumNotChannelReporter", [signer.address]);
        saleId = saleIdOf(channelId, parseOrderRef(args.order!));
      }
      const sale = await ctx.read(() => ctx.settlement.getSale(saleId));
      const token = await ctx.token(sale.token);
      const receipt = await ctx.send(() => ctx.settlement.connect(signer).refundSale(saleId));
      const ev = ctx.event(receipt, "SaleRefunded")!;
      const amount = ev.args.amount as bigint;
      const to = ev.args.to as string;
      const channel = await ctx.channelName(sale.channelId);

      ctx.say(`Sale ${saleId} under licence ${sale.licenceId} refunded by channel ${channel}`);
      ctx.say(`  ${ctx.format(amount, token)} credited back to ${to}: withdraw it with \`payout:withdraw --from ${channel}\``);
      ctx.say(txLine(receipt));
      return {
        ...txFields(receipt),
        saleId,
        licenceId: sale.licenceId,
        channelId: Number(sale.channelId),
        channel,
        to,
        amount,
        token: token.address,
        symbol: token.symbol,
        formatted: { amount: ctx.format(amount, token) },
      };
    }),
  );
