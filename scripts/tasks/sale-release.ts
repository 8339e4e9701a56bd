/**
 * sale:release — credits the shares of escrowed sales whose refund window has passed. Anyone may do it:
 * name the sales, or let `--due` find every escrowed sale that is due (optionally of one licence).
 */
import type { TaskContext } from "../lib/task-context";
import { type CommonArgs, action, parseId, parseSaleId, reelsplitTask } from "../lib/task-context";
import { InputError } from "../lib/units";

interface Args extends CommonArgs {
  sale?: string;
  due: boolean;
  licence?: string;
}

const ESCROWED = 1n;
/** Sales per releaseSales transaction. */
const CHUNK = 100;
/** Blocks per eth_getLogs request when looking for due sales (Besu's default limit is 1000). */
const LOG_RANGE = 1000;

reelsplitTask("sale:release", "Anyone: release escrowed sales whose refund window has passed, crediting the parties")
  .addOptionalParam("sale", "Sale ids, comma-separated")
  .addFlag("due", "Find every escrowed sale whose window has passed")
  .addOptionalParam("licence", "With --due: only this licence's sales")
  .setAction(
    action<Args>("sale:release", async (args, ctx) => {
      if ((args.sale === undefined) === !args.due) throw new InputError("give the sales with --sale <id,id,…>, or --due to find them");
      if (args.licence !== undefined && !args.due) throw new InputError("--licence goes with --due");
      const signer = await ctx.signer(args.from);
      const saleIds = args.sale !== undefined ? args.sale.split(",").map((s) => parseSaleId(s)) : await dueSales(ctx, args.licence);
      if (saleIds.length === 0) {
        ctx.say("No escrowed sale is due for release");
        return { released: [], count: 0, commission: 0n, transactions: [] };
      }
      let commission = 0n;
      let token: string | undefined;
      for (const id of saleIds) {
        const s = await ctx.read(() => ctx.settlement.getSale(id));
        commission += s.commission;
        token ??= s.token;
      }
      const t = await ctx.token(token);
      const transactions: { txHash: string; blockNumber: number; sales: number }[] = [];
      for (let i = 0; i < saleIds.length; i += CHUNK) {
        const chunk = saleIds.slice(i, i + CHUNK);
        const receipt = await ctx.send(() => ctx.settlement.connect(signer).releaseSales(chunk));
        transactions.push({ txHash: receipt.hash, blockNumber: receipt.blockNumber, sales: chunk.length });
        ctx.say(`Released ${chunk.length} sales: tx ${receipt.hash} in block ${receipt.blockNumber}`);
      }
      ctx.say(`  ${ctx.format(commission, t)} of commission credited to the licences' parties (withdraw with payout:withdraw)`);
      return {
        released: saleIds,
        count: saleIds.length,
        commission,
        symbol: t.symbol,
        formatted: { commission: ctx.format(commission, t) },
        transactions,
      };
    }),
  );

/** Escrowed sales whose release time has passed, from the SaleSettled events since the deployment. */
async function dueSales(ctx: TaskContext, licence?: string): Promise<string[]> {
  const licenceId = licence !== undefined ? parseId(licence, "licence", "--licence") : undefined;
  const filter = ctx.settlement.filters.SaleSettled(undefined, licenceId);
  const head = await ctx.hre.ethers.provider.getBlockNumber();
  const now = BigInt(await ctx.blockTime());
  const due: string[] = [];
  for (let from = ctx.deployment.deploymentBlock; from <= head; from += LOG_RANGE) {
    const events = await ctx.settlement.queryFilter(filter, from, Math.min(from + LOG_RANGE - 1, head));
    for (const e of events) {
      if (e.args.releaseAt === 0n || e.args.releaseAt > now) continue;
      const sale = await ctx.settlement.getSale(e.args.saleId);
      if (sale.status === ESCROWED) due.push(e.args.saleId);
    }
  }
  return due;
}
