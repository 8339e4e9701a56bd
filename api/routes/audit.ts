import { Readable } from "node:stream";
import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { BlockNumber, Bytes32, Cursor, ErrorResponses, Limit, Problem, NoQuery, StringEnum } from "../schemas/common";
import type { EventRow } from "../repositories";
import { checksum } from "../lib/format";
import { problem } from "../plugins/problems";

const CSV_COLUMNS = [
  "chain_id",
  "block_number",
  "log_index",
  "timestamp",
  "block_hash",
  "tx_hash",
  "contract",
  "contract_name",
  "event",
  "args",
];

function csvField(value: string | number): string {
  const s = String(value);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function csvLine(r: EventRow): string {
  const ts = new Date(r.block_timestamp * 1000).toISOString();
  return (
    [r.chain_id, r.block_number, r.log_index, ts, r.block_hash, r.tx_hash, r.contract, r.contract_name, r.event_name, r.args]
      .map(csvField)
      .join(",") + "\n"
  );
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/audit/events",
    {
      config: { access: "auditor" },
      schema: {
        tags: ["audit"],
        summary: "The raw event trail in chain order; format=csv streams all matching rows as CSV",
        description: "With format=csv there is no paging: every row matching the filters is exported (limit does not apply).",
        querystring: Type.Object(
          {
            fromBlock: Type.Optional(BlockNumber),
            toBlock: Type.Optional(BlockNumber),
            contract: Type.Optional(
              Type.String({
                pattern: "^(0x[0-9a-fA-F]{40}|Settlement|DisputeRegistry)$",
                description: "a contract address, or Settlement or DisputeRegistry",
              }),
            ),
            event: Type.Optional(Type.String({ pattern: "^[A-Z][A-Za-z]{1,63}$", description: "event name, e.g. SaleSettled" })),
            format: Type.Optional(StringEnum(["json", "csv"], { default: "json" })),
            limit: Limit,
            cursor: Type.Optional(Cursor),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref("AuditEventPage"), 400: ErrorResponses[400] },
      },
    },
    async (req, reply) => {
      const { format, limit, cursor, ...filters } = req.query;
      const f = { ...filters, contract: filters.contract?.startsWith("0x") ? checksum(filters.contract) : filters.contract };
      if (format !== "csv") return app.repos.audit.events({ ...f, limit, cursor });
      if (cursor)
        return problem(reply, 400, "format=csv exports every matching row: drop the cursor (and limit) and narrow with fromBlock/toBlock");
      const rows = app.repos.audit.iterate(f);
      const stream = Readable.from(
        (function* () {
          yield CSV_COLUMNS.join(",") + "\n";
          for (const r of rows) yield csvLine(r);
        })(),
      );
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", 'attachment; filename="reelsplit-events.csv"')
        .send(stream);
    },
  );

  app.get(
    "/audit/sales/:saleId/verify",
    {
      config: { access: "auditor" },
      schema: {
        tags: ["audit"],
        summary: "Proves a sale against the chain: re-reads its receipt now and compares every field",
        params: Type.Object({ saleId: Bytes32 }),
        querystring: NoQuery,
        response: { 200: Type.Ref("Verification"), ...ErrorResponses, 502: Type.Ref(Problem), 503: Type.Ref(Problem) },
      },
    },
    async (req, reply) => {
      if (!app.verifier)
        return problem(reply, 503, "this API was started without an RPC URL: start it with --rpc <url> to verify against the chain");
      const sale = app.repos.sales.row(req.params.saleId);
      if (!sale) return problem(reply, 404, `there is no sale ${req.params.saleId}`);
      const event = app.repos.audit.settledEvent(sale.block_number, sale.log_index);
      let checks;
      try {
        checks = await app.verifier.verifySale(sale, event);
      } catch (err) {
        req.log.warn({ err }, "verification could not reach the chain");
        return problem(reply, 502, `the chain could not be read to verify this sale (${(err as Error).message.split("\n")[0]}); try again`);
      }
      return { saleId: sale.sale_id, verified: checks.length > 0 && checks.every((c) => c.equal), checks };
    },
  );
};
export default routes;
