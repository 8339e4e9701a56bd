/** payout:withdraw — pays the sender's whole claimable balance of a token out of the vault. */
import { type CommonArgs, action, reelsplitTask, txFields, txLine } from "../lib/task-context";

interface Args extends CommonArgs {
  to?: string;
  token?: string;
}

reelsplitTask("payout:withdraw", "Withdraw your whole claimable balance from the vault (never paused)")
  .addOptionalParam("to", "Recipient: address or account index (default: the sender)")
  .addOptionalParam("token", "Token address (default: the deployment's demo stablecoin)")
  .setAction(
    action<Args>("payout:withdraw", async (args, ctx) => {
      const signer = await ctx.signer(args.from);
      const to = args.to !== undefined ? await ctx.address(args.to, "--to") : signer.address;
      const token = await ctx.token(args.token);
      const receipt = await ctx.send(() => ctx.settlement.connect(signer).withdraw(token.address, to));
      const amount = ctx.event(receipt, "Withdrawn")!.args.amount as bigint;
      ctx.say(`Withdrew ${ctx.format(amount, token)} for ${signer.address}${to === signer.address ? "" : ` to ${to}`}`);
      ctx.say(txLine(receipt));
      return {
        ...txFields(receipt),
        account: signer.address,
        to,
        token: token.address,
        symbol: token.symbol,
        amount,
        formatted: { amount: ctx.format(amount, token) },
      };
    }),
  );
