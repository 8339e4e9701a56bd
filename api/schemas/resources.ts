import { Type } from "@sinclair/typebox";
import { Address, Amount, BlockNumber, Bytes32, Decimals, IsoTime, Nullable, Page, StringEnum } from "./common";

export const LicenceStatus = StringEnum(["proposed", "active", "expired", "superseded", "suspended", "terminated", "cancelled"], {
  description: "expired: active but past validUntil",
});
export const SaleStatus = StringEnum(["escrowed", "frozen", "claimable", "refunded"]);
export const DisputeStatus = StringEnum(["open", "upheld", "rejected"]);

const ChannelRef = Type.Object({ channelId: Type.Integer(), name: Nullable(Type.String()) });

export const LicenceTotals = Type.Object(
  {
    token: Address,
    decimals: Decimals,
    sales: Type.Integer({ description: "sales settled in this token, refunded ones taken out" }),
    gross: Amount,
    commission: Amount,
    rightsHolder: Amount,
    mcn: Amount,
    platform: Amount,
  },
  { description: "totals per settlement token: amounts in different tokens are never added together" },
);

export const Licence = Type.Object(
  {
    licenceId: Type.Integer(),
    contentId: Bytes32,
    registeredAt: IsoTime,
    registeredBlock: BlockNumber,
    rightsHolder: Address,
    mcn: Address,
    platform: Address,
    splitBps: Type.Object({ rightsHolder: Type.Integer(), mcn: Type.Integer(), platform: Type.Integer() }),
    commissionBps: Type.Integer(),
    channels: Type.Array(ChannelRef),
    validFrom: IsoTime,
    validUntil: IsoTime,
    holdSeconds: Type.Integer(),
    status: LicenceStatus,
    accepted: Type.Object({ mcn: Type.Boolean(), platform: Type.Boolean() }),
    activatedAt: Nullable(IsoTime),
    supersedes: Nullable(Type.Integer()),
    supersededBy: Nullable(Type.Integer()),
    termsHash: Bytes32,
    termsURI: Type.String(),
    txHash: Bytes32,
    totals: Type.Array(LicenceTotals),
  },
  { $id: "Licence" },
);

export const Sale = Type.Object(
  {
    saleId: Bytes32,
    licenceId: Type.Integer(),
    channel: ChannelRef,
    orderRef: Bytes32,
    token: Address,
    decimals: Decimals,
    grossAmount: Amount,
    commissionAmount: Amount,
    shares: Type.Object({ rightsHolder: Amount, mcn: Amount, platform: Amount }, { description: "sum exactly to commissionAmount" }),
    status: SaleStatus,
    releaseAt: Nullable(IsoTime),
    releasedAt: Nullable(IsoTime),
    refundedAt: Nullable(IsoTime),
    refundedTo: Nullable(Address),
    txHash: Bytes32,
    blockNumber: BlockNumber,
    logIndex: Type.Integer(),
    timestamp: IsoTime,
    disputes: Type.Optional(Type.Array(Type.Object({ disputeId: Type.Integer(), status: DisputeStatus }))),
  },
  { $id: "Sale" },
);

export const Payouts = Type.Object(
  {
    party: Address,
    tokens: Type.Array(
      Type.Object({
        token: Address,
        symbol: Nullable(Type.String()),
        decimals: Decimals,
        claimable: Amount,
        escrowed: Amount,
        nextReleaseAt: Nullable(IsoTime),
        withdrawn: Amount,
        earned: Amount,
      }),
    ),
    licences: Type.Array(
      Type.Object({
        licenceId: Type.Integer(),
        role: StringEnum(["rightsHolder", "mcn", "platform", "channel"]),
        token: Address,
        decimals: Decimals,
        credited: Amount,
        escrowed: Amount,
      }),
    ),
    recentCredits: Type.Array(
      Type.Object({
        amount: Amount,
        token: Address,
        decimals: Decimals,
        reason: StringEnum(["sale", "release", "refund"]),
        saleId: Bytes32,
        licenceId: Type.Integer(),
        txHash: Bytes32,
        blockNumber: BlockNumber,
        timestamp: IsoTime,
      }),
    ),
  },
  { $id: "Payouts" },
);

export const Dispute = Type.Object(
  {
    disputeId: Type.Integer(),
    target: Type.Object({ kind: StringEnum(["licence", "sale"]), id: Type.String() }),
    licenceId: Nullable(Type.Integer()),
    openedBy: Address,
    reason: Type.String(),
    evidence: Type.Array(Type.Object({ hash: Bytes32, by: Address, at: IsoTime, blockNumber: BlockNumber })),
    status: DisputeStatus,
    remedy: Nullable(Type.String()),
    ruling: Nullable(Bytes32),
    resolvedBy: Nullable(Address),
    licenceSuspendedPendingRuling: Type.Boolean(),
    openedAt: IsoTime,
    openedBlock: BlockNumber,
    resolvedAt: Nullable(IsoTime),
    txHash: Bytes32,
  },
  { $id: "Dispute" },
);

export const AuditEvent = Type.Object(
  {
    chainId: Type.Integer(),
    blockNumber: BlockNumber,
    blockHash: Bytes32,
    logIndex: Type.Integer(),
    txHash: Bytes32,
    timestamp: IsoTime,
    contract: Address,
    contractName: Type.String(),
    event: Type.String(),
    args: Type.Record(Type.String(), Type.Unknown(), { description: "decoded arguments; uint256 as decimal strings" }),
  },
  { $id: "AuditEvent" },
);

export const Health = Type.Object(
  {
    status: StringEnum(["ok", "syncing"]),
    chainId: Nullable(Type.Integer()),
    headBlock: Nullable(BlockNumber),
    indexedBlock: Nullable(BlockNumber),
    lagBlocks: Nullable(Type.Integer()),
    lastError: Nullable(Type.String()),
    updatedAt: Nullable(Type.String()),
  },
  { $id: "Health" },
);

export const Verification = Type.Object(
  {
    saleId: Bytes32,
    verified: Type.Boolean({ description: "true only if every check is equal" }),
    checks: Type.Array(
      Type.Object({ field: Type.String(), indexed: Nullable(Type.String()), onChain: Nullable(Type.String()), equal: Type.Boolean() }),
    ),
  },
  { $id: "Verification" },
);

export const LicencePage = Page(Type.Ref(Licence), "Licence");
export const SalePage = Page(Type.Ref(Sale), "Sale");
export const DisputePage = Page(Type.Ref(Dispute), "Dispute");
export const AuditEventPage = Page(Type.Ref(AuditEvent), "AuditEvent");
