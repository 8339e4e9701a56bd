/**
 * sale:settle — a channel reports sales and pays their commission in: one order (`--licence --order
 * --gross`), or a CSV file of orders settled in batches with `settleSales` (at most 200 per transaction).
 * The vault is approved for exactly the commission due when its allowance is short.
 */
import fs from "node:fs";
import type { ContractTransactionReceipt, LogDescription } from "ethers";
import { formatOrderRef } from "../lib/explain";
import {
  type CommonArgs,
  type TaskContext,
  type TokenInfo,
  TaskRefusal,
  action,
  parseId,
  parseOrderRef,
  reelsplitTask,
  saleIdOf,
  txFields,
  txLine,
} from "../lib/task-context";
import { InputError, formatDate, parseAmount } from "../lib/units";

interface Args extends CommonArgs {
  licence?: string;
  order?: string;
  gross?: string;
  csv?: string;
  batchSize?: string;
  token?: string;
  resume: boolean;
}

reelsplitTask("sale:settle", "Channel: settle one order, or a CSV file of orders in batches, paying the commission in")
  .addOptionalParam("licence", "Licence the order was sold under (one order)")
  .addOptionalParam("order", "The channel's order reference (one order)")
  .addOptionalParam("gross", "The order's gross amount in token units: 199.00 (one order)")
  .addOptionalParam("csv", "CSV file of orders with columns licence,order,gross (header optional)")
  .addOptionalParam("batchSize", "Orders per transaction for --csv (1 to 200; default 200)")
  .addOptionalParam("token", "Settlement token address (default: the deployment's demo stablecoin)")
  .addFlag("resume", "With --csv: skip orders this channel already settled (to finish an interrupted file)")
  .setAction(
    action<Args>("sale:settle", async (args, ctx) => {
      const token = await ctx.token(args.token);
      if (args.csv !== undefined) {
        if (args.licence !== undefined || args.order !== undefined || args.gross !== undefined) {
          throw new InputError("give either --csv <file> or --licence, --order and --gross, not both");
        }
        return settleCsv(ctx, args, token);
      }
      if (args.batchSize !== undefined || args.resume) throw new InputError("--batch-size and --resume go with --csv");
      if (args.order === undefined || args.gross === undefined) {
        throw new InputError("give --licence, --order and --gross for one order, or --csv <file> for many");
      }
      return settleOne(ctx, args, token);
    }),
  );

function shares(e: LogDescription) {
  return {
    saleId: e.args.saleId as string,
    licenceId: e.args.licenceId as bigint,
    channelId: Number(e.args.channelId),
    orderRef: e.args.orderRef as string,
    gross: e.args.gross as bigint,
    commission: e.args.commission as bigint,
    rightsHolderShare: e.args.rightsHolderShare as bigint,
    mcnShare: e.args.mcnShare as bigint,
    platformShare: e.args.platformShare as bigint,
    releaseAt: e.args.releaseAt as bigint,
  };
}

async function settleOne(ctx: TaskContext, args: Args, token: TokenInfo) {
  const licenceId = parseId(args.licence, "licence", "--licence");
  const orderRef = parseOrderRef(args.order!);
  const gross = ctx.parseAmount(args.gross!, token);
  const signer = await ctx.signer(args.from);
  const settlement = ctx.settlement.connect(signer);

  const approval = await ctx.approveIfNeeded(signer, token, () =>
    settlement.settleSale.staticCall(licenceId, orderRef, token.address, gross),
  );
  const receipt = await ctx.send(() => settlement.settleSale(licenceId, orderRef, token.address, gross));
  const s = shares(ctx.event(receipt, "SaleSettled")!);
  const channel = await ctx.channelName(s.channelId);
  const f = (v: bigint) => ctx.format(v, token);
  const escrowed = s.releaseAt !== 0n;

  ctx.say(`Sale ${s.saleId} settled by channel ${channel} under licence ${licenceId}: order ${args.order}, gross ${f(gross)}`);
  ctx.say(`  commission ${f(s.commission)}: rights holder ${f(s.rightsHolderShare)}, MCN ${f(s.mcnShare)}, platform ${f(s.platformShare)}`);
  ctx.say(escrowed ? `  in escrow until ${formatDate(s.releaseAt)} (refundable until then)` : "  credited to the three parties at once");
  ctx.say(txLine(receipt));
  return {
    ...txFields(receipt),
    ...s,
    channel,
    order: formatOrderRef(orderRef),
    token: token.address,
    symbol: token.symbol,
    decimals: token.decimals,
    status: escrowed ? "escrowed" : "claimable",
    releaseAtIso: escrowed ? formatDate(s.releaseAt) : null,
    formatted: {
      gross: f(s.gross),
      commission: f(s.commission),
      rightsHolderShare: f(s.rightsHolderShare),
      mcnShare: f(s.mcnShare),
      platformShare: f(s.platformShare),
    },
    approval: approval ?? null,
  };
}

interface CsvOrder {
  line: number;
  licenceId: bigint;
  order: string;
  orderRef: string;
  gross: bigint;
}

/** Splits one CSV line; fields may be double-quoted with "" for a quote. */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  const re = /\s*(?:"((?:[^"]|"")*)"|([^,]*))\s*(,|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null) {
    fields.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!.trim());
    if (m[3] === "") break;
  }
  return fields;
}

const COLUMNS: Record<string, "licence" | "order" | "gross"> = {
  licence: "licence",
  licence_id: "licence",
  licenceid: "licence",
  license: "licence",
  order: "order",
  order_ref: "order",
  orderref: "order",
  gross: "gross",
  amount: "gross",
};

export function readOrders(file: string, token: TokenInfo): CsvOrder[] {
  if (!fs.existsSync(file)) throw new InputError(`the CSV file ${file} does not exist`);
  const lines = fs.readFileSync(file, "utf8").split(/\r?\n/);
  let columns = { licence: 0, order: 1, gross: 2 };
  const orders: CsvOrder[] = [];
  const seen = new Map<string, number>();
  let first = true;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.trim();
    if (text === "" || text.startsWith("#")) continue;
    const fields = csvFields(text);
    const header = first && !/^\d+$/.test(fields[0] ?? "");
    first = false;
    if (header) {
      const named: Partial<typeof columns> = {};
      fields.forEach((f, idx) => {
        const c = COLUMNS[f.toLowerCase()];
        if (c) named[c] = idx;
      });
      if (named.licence === undefined || named.order === undefined || named.gross === undefined) {
        throw new InputError(`${file} line ${i + 1}: the header must name the columns licence, order and gross`);
      }
      columns = named as typeof columns;
      continue;
    }
    const at = `${file} line ${i + 1}`;
    const licence = fields[columns.licence];
    const order = fields[columns.order];
    const gross = fields[columns.gross];
    if (licence === undefined || order === undefined || gross === undefined) throw new InputError(`${at}: expected licence,order,gross`);
    if (!/^\d+$/.test(licence) || BigInt(licence) === 0n) throw new InputError(`${at}: licence "${licence}" is not an id`);
    let amount: bigint;
    try {
      amount = parseAmount(gross, token.decimals, token.symbol);
    } catch (e) {
      throw new InputError(`${at}: ${(e as Error).message}`);
    }
    const orderRef = parseOrderRef(order);
    const previous = seen.get(orderRef);
    if (previous !== undefined) throw new InputError(`${file} lines ${previous} and ${i + 1} both report order ${order}`);
    seen.set(orderRef, i + 1);
    orders.push({ line: i + 1, licenceId: BigInt(licence), order, orderRef, gross: amount });
  }
  if (orders.length === 0) throw new InputError(`${file} holds no orders`);
  return orders;
}

async function settleCsv(ctx: TaskContext, args: Args, token: TokenInfo) {
  const maxBatch = Number(await ctx.settlement.MAX_BATCH());
  const batchSize = args.batchSize === undefined ? maxBatch : Number(args.batchSize);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > maxBatch) {
    throw new InputError(`--batch-size ${args.batchSize} is not possible: a batch holds 1 to ${maxBatch} orders`);
  }
  let orders = readOrders(args.csv!, token);
  const signer = await ctx.signer(args.from);
  const settlement = ctx.settlement.connect(signer);
  const channelId = Number(await ctx.settlement.channelOfReporter(signer.address));
  if (channelId === 0) throw await ctx.explainError("ConsortiumNotChannelReporter", [signer.address]);
  const channel = await ctx.channelName(channelId);

  let skipped = 0;
  if (args.resume) {
    const pending: CsvOrder[] = [];
    for (const o of orders) {
      const settled = await ctx.settlement.getSale(saleIdOf(channelId, o.orderRef)).then(
        () => true,
        () => false,
      );
      if (!settled) pending.push(o);
    }
    skipped = orders.length - pending.length;
    orders = pending;
    ctx.say(`Skipping ${skipped} orders channel ${channel} already settled; ${orders.length} to go`);
  }

  const f = (v: bigint) => ctx.format(v, token);
  const totals = { gross: 0n, commission: 0n, rightsHolder: 0n, mcn: 0n, platform: 0n, escrowed: 0n };
  const batches: {
    index: number;
    orders: number;
    firstLine: number;
    lastLine: number;
    txHash: string;
    blockNumber: number;
    commission: bigint;
  }[] = [];
  const saleIds: string[] = [];
  const approvals: { amount: bigint; txHash: string }[] = [];
  const count = Math.ceil(orders.length / batchSize);
  for (let b = 0; b < count; b++) {
    const batch = orders.slice(b * batchSize, (b + 1) * batchSize);
    const payload = batch.map((o) => ({ licenceId: o.licenceId, orderRef: o.orderRef, gross: o.gross }));
    const where = `batch ${b + 1}/${count} (${args.csv} lines ${batch[0]!.line}–${batch[batch.length - 1]!.line})`;
    let receipt: ContractTransactionReceipt;
    try {
      const approval = await ctx.approveIfNeeded(signer, token, () => settlement.settleSales.staticCall(token.address, payload));
      if (approval) approvals.push(approval);
      receipt = await ctx.send(() => settlement.settleSales(token.address, payload));
    } catch (e) {
      if (!(e instanceof TaskRefusal)) throw e;
      const done = batches.length
        ? `; batches 1–${batches.length} (${batches.reduce((n, x) => n + x.orders, 0)} orders) were settled, rerun with --resume to settle the rest`
        : "";
      throw new TaskRefusal(`${where} was refused: ${e.message}${done}`, e.exitCode);
    }
    let commission = 0n;
    for (const ev of ctx.events(receipt)) {
      if (ev.name !== "SaleSettled") continue;
      const s = shares(ev);
      saleIds.push(s.saleId);
      commission += s.commission;
      totals.gross += s.gross;
      totals.commission += s.commission;
      totals.rightsHolder += s.rightsHolderShare;
      totals.mcn += s.mcnShare;
      totals.platform += s.platformShare;
      if (s.releaseAt !== 0n) totals.escrowed += s.commission;
    }
    batches.push({
      index: b + 1,
      orders: batch.length,
      firstLine: batch[0]!.line,
      lastLine: batch[batch.length - 1]!.line,
      txHash: receipt.hash,
      blockNumber: receipt.blockNumber,
      commission,
    });
    ctx.say(
      `Batch ${b + 1}/${count}: ${batch.length} orders, commission ${f(commission)}, tx ${receipt.hash} in block ${receipt.blockNumber}`,
    );
  }
  ctx.say(
    `Settled ${saleIds.length} sales for channel ${channel}: gross ${f(totals.gross)}, commission ${f(totals.commission)}` +
      ` → rights holder ${f(totals.rightsHolder)}, MCN ${f(totals.mcn)}, platform ${f(totals.platform)}` +
      (totals.escrowed ? `; ${f(totals.escrowed)} of it in escrow` : ""),
  );
  return {
    channel,
    channelId,
    token: token.address,
    symbol: token.symbol,
    decimals: token.decimals,
    orders: saleIds.length,
    skipped,
    batchSize,
    batches,
    totals,
    formatted: Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, f(v)])),
    saleIds,
    approvals,
  };
}
