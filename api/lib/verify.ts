import { createPublicClient, decodeEventLog, http, type Hex, type PublicClient } from "viem";
import { readAbi } from "../../indexer/abi";
import type { SaleRow } from "../repositories";

export interface Check {
  field: string;
  indexed: string | null;
  onChain: string | null;
  equal: boolean;
}

/** The fields of an indexed sale that verification compares with the chain. */
export type IndexedSale = Pick<
  SaleRow,
  | "sale_id"
  | "licence_id"
  | "channel_id"
  | "order_ref"
  | "token"
  | "gross"
  | "commission"
  | "rights_holder_share"
  | "mcn_share"
  | "platform_share"
  | "release_at"
  | "block_number"
  | "log_index"
  | "tx_hash"
  | "timestamp"
>;

export interface IndexedEvent {
  block_hash: string;
  contract: string;
  event_name: string;
}

const settlementAbi = readAbi("Settlement");

export function createVerifier(rpcUrl: string) {
  const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 1, timeout: 10_000 }) }) as PublicClient;
  return {
    /**
     * Re-reads the sale's transaction receipt and block from the chain now, decodes the log at the indexed
     * position, and compares every field the API serves with it. Nothing is taken from the database as
     * proof: a tampered row shows up as a check that is not equal.
     */
    async verifySale(sale: IndexedSale, event: IndexedEvent | undefined): Promise<Check[]> {
      const checks: Check[] = [];
      const check = (field: string, indexed: unknown, onChain: unknown) => {
        const i = indexed === null || indexed === undefined ? null : String(indexed);
        const o = onChain === null || onChain === undefined ? null : String(onChain);
        checks.push({ field, indexed: i, onChain: o, equal: i !== null && i.toLowerCase() === o?.toLowerCase() });
      };
      const receipt = await client.getTransactionReceipt({ hash: sale.tx_hash as Hex }).catch((err: Error) => {
        if (/could not be found|not found/i.test(err.message)) return undefined;
        throw err;
      });
      if (!receipt) {
        check("transaction", sale.tx_hash, null);
        return checks;
      }
      check("transaction.status", "success", receipt.status);
      check("blockNumber", sale.block_number, receipt.blockNumber);
      check("blockHash", event?.block_hash, receipt.blockHash);
      const log = receipt.logs.find((l) => l.logIndex === sale.log_index);
      check("log.contract", event?.contract, log?.address);
      let args: Record<string, unknown> | undefined;
      let eventName: string | undefined;
      if (log) {
        try {
          const decoded = decodeEventLog({ abi: settlementAbi, data: log.data, topics: log.topics });
          eventName = decoded.eventName;
          args = decoded.args as unknown as Record<string, unknown>;
        } catch {
          eventName = undefined;
        }
      }
      check("log.event", event?.event_name ?? "SaleSettled", eventName ?? null);
      const block = await client.getBlock({ blockNumber: receipt.blockNumber });
      check("timestamp", sale.timestamp, block.timestamp);
      const onChain = (name: string) => (args && eventName === "SaleSettled" ? args[name] : null);
      check("saleId", sale.sale_id, onChain("saleId"));
      check("licenceId", sale.licence_id, onChain("licenceId"));
      check("channelId", sale.channel_id, onChain("channelId"));
      check("orderRef", sale.order_ref, onChain("orderRef"));
      check("token", sale.token, onChain("token"));
      check("grossAmount", sale.gross, onChain("gross"));
      check("commissionAmount", sale.commission, onChain("commission"));
      check("shares.rightsHolder", sale.rights_holder_share, onChain("rightsHolderShare"));
      check("shares.mcn", sale.mcn_share, onChain("mcnShare"));
      check("shares.platform", sale.platform_share, onChain("platformShare"));
      check("releaseAt", sale.release_at ?? 0, onChain("releaseAt"));
      return checks;
    },
  };
}

export type Verifier = ReturnType<typeof createVerifier>;
