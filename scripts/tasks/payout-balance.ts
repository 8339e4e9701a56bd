/** payout:balance — what an account can withdraw from the vault now, and what its wallet holds. */
import { type CommonArgs, action, reelsplitTask } from "../lib/task-context";

interface Args extends CommonArgs {
  account?: string;
  token?: string;
}

reelsplitTask("payout:balance", "Show what an account can withdraw from the vault")
  .addOptionalParam("account", "Address, account index or channel name (default: --from, else the first account)")
  .addOptionalParam("token", "Token address (default: the deployment's demo stablecoin)")
  .setAction(
    action<Args>("payout:balance", async (args, ctx) => {
      const account = args.account !== undefined ? await ctx.address(args.account, "--account") : (await ctx.signer(args.from)).address;
      const token = await ctx.token(args.token);
      const claimable = await ctx.settlement.claimable(account, token.address);
      const wallet = await token.contract.balanceOf(account);
      ctx.say(`${account} can withdraw ${ctx.format(claimable, token)} from the vault (its wallet holds ${ctx.format(wallet, token)})`);
      return {
        account,
        token: token.address,
        symbol: token.symbol,
        decimals: token.decimals,
        claimable,
        wallet,
        formatted: { claimable: ctx.format(claimable, token), wallet: ctx.format(wallet, token) },
      };
    }),
  );
