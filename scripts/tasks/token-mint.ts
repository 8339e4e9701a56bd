/** token:mint — the demo stablecoin's owner mints tokens (to fund a channel's account on a demo chain). */
import { type CommonArgs, action, reelsplitTask, txFields, txLine } from "../lib/task-context";

interface Args extends CommonArgs {
  to: string;
  amount: string;
  token?: string;
}

reelsplitTask("token:mint", "Demo token owner: mint demo stablecoins to an account")
  .addParam("to", "Recipient: address, account index or channel name")
  .addParam("amount", "Amount in token units: 10000.00")
  .addOptionalParam("token", "Token address (default: the deployment's demo stablecoin)")
  .setAction(
    action<Args>("token:mint", async (args, ctx) => {
      const token = await ctx.token(args.token);
      const to = await ctx.address(args.to, "--to");
      const amount = ctx.parseAmount(args.amount, token);
      const signer = await ctx.signer(args.from);
      const receipt = await ctx.send(() => token.contract.connect(signer).mint(to, amount));
      const balance = await token.contract.balanceOf(to);
      ctx.say(`Minted ${ctx.format(amount, token)} to ${to} (its wallet now holds ${ctx.format(balance, token)})`);
      ctx.say(txLine(receipt));
      return {
        ...txFields(receipt),
        to,
        amount,
        balance,
        token: token.address,
        symbol: token.symbol,
        formatted: { amount: ctx.format(amount, token), balance: ctx.format(balance, token) },
      };
    }),
  );
