// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ISettlement
/// @notice The vault: settles every reported sale at once and exactly, holds commissions in escrow for a
/// licence's refund window, and pays every party by pull (`withdraw`).
/// @dev Money enters only through `settleSale`/`settleSales` and leaves only through `withdraw`. At all
/// times, for every token: `balanceOf(vault) == Σ escrowed + Σ claimable` (tokens sent to the vault by
/// plain transfer are the only surplus). A refund is credited to the channel's reporting account, which
/// withdraws it like any payout, so no transfer to a reverting account can block a refund or a ruling.
///
/// A sale's id is `keccak256(abi.encode(channelId, orderRef))`: a channel knows it before the sale is
/// mined, and reporting the same order twice is refused, so a retried report can never pay twice.
interface ISettlement {
    enum SaleStatus {
        None,
        Escrowed,
        Frozen,
        Claimable,
        Refunded
    }

    /// @notice One order in a batch (`settleSales`).
    struct Order {
        uint256 licenceId;
        bytes32 orderRef;
        uint256 gross;
    }

    /// @notice A settled sale as stored.
    /// @param releaseAt When the escrowed commission may be released; 0 for a sale paid at once.
    struct SaleView {
        uint256 licenceId;
        uint8 channelId;
        address token;
        SaleStatus status;
        uint40 releaseAt;
        uint256 commission;
    }

    /// @notice The consortium allowed `token` for settlement (or allowed it again).
    event TokenAllowed(address indexed token, uint8 tokenId);
    /// @notice The consortium stopped new settlements in `token`; balances in it can still be withdrawn.
    event TokenDisallowed(address indexed token);
    /// @notice A sale was settled. The shares sum to `commission`, which is `gross * commissionBps / 10,000`.
    /// `releaseAt` is 0 when the shares were credited at once, else the end of the refund window.
    event SaleSettled(
        bytes32 indexed saleId,
        uint256 indexed licenceId,
        uint8 indexed channelId,
        bytes32 orderRef,
        address token,
        uint256 gross,
        uint256 commission,
        uint256 rightsHolderShare,
        uint256 mcnShare,
        uint256 platformShare,
        uint40 releaseAt
    );
    /// @notice An escrowed sale's shares were credited to the three parties.
    event SaleReleased(bytes32 indexed saleId, uint256 indexed licenceId);
    /// @notice An escrowed sale was refunded: its commission was credited to the channel's account `to`.
    /// `disputeId` is the upheld dispute that ordered it, or 0 for a refund by the channel.
    event SaleRefunded(bytes32 indexed saleId, uint256 indexed licenceId, address indexed to, uint256 amount, uint256 disputeId);
    /// @notice An escrowed sale was frozen by dispute `disputeId`: no release, no refund until resolved.
    event SaleFrozen(bytes32 indexed saleId, uint256 indexed disputeId);
    /// @notice The dispute on a frozen sale was rejected: the sale is escrowed again on its schedule.
    event SaleUnfrozen(bytes32 indexed saleId, uint256 indexed disputeId);
    /// @notice `account` withdrew its whole claimable balance of `token` to `to`.
    event Withdrawn(address indexed account, address indexed token, address indexed to, uint256 amount);

    /// @notice `token` is not allowed for settlement.
    error SettlementTokenNotAllowed(address token);
    /// @notice `token` is already allowed.
    error SettlementTokenAlreadyAllowed(address token);
    /// @notice The consortium supports at most 255 settlement tokens.
    error SettlementTokenLimitReached();
    /// @notice A sale needs a non-zero gross amount and order reference.
    error SettlementInvalidOrder(bytes32 orderRef, uint256 gross);
    /// @notice `gross` exceeds 2^128 - 1 units, more than any real order.
    error SettlementAmountTooLarge(uint256 gross);
    /// @notice Channel `channelId` already reported order `orderRef`, as sale `saleId`.
    error SettlementDuplicateOrder(uint8 channelId, bytes32 orderRef, bytes32 saleId);
    /// @notice A batch holds 1 to `maxOrders` orders.
    error SettlementBatchSize(uint256 orders, uint256 maxOrders);
    /// @notice The vault received `received` units of the token where `expected` were due: fee-on-transfer
    /// tokens cannot be settled. Only the pull itself is checked: a token whose balances change between
    /// transactions (rebasing) is not detected and must never be allowed.
    error SettlementTransferMismatch(address token, uint256 expected, uint256 received);
    /// @notice No sale has id `saleId`.
    error SettlementUnknownSale(bytes32 saleId);
    /// @notice Sale `saleId` is `status`, which does not allow this.
    error SettlementWrongSaleStatus(bytes32 saleId, SaleStatus status);
    /// @notice Sale `saleId` stays in escrow until `releaseAt`.
    error SettlementStillInEscrow(bytes32 saleId, uint256 releaseAt);
    /// @notice The refund window of sale `saleId` closed at `releaseAt`.
    error SettlementRefundWindowClosed(bytes32 saleId, uint256 releaseAt);
    /// @notice `account` is not the reporting account of the channel that settled sale `saleId`.
    error SettlementNotSaleChannel(bytes32 saleId, address account);
    /// @notice Funds withdrawn to the vault itself would be stranded: name another recipient.
    error SettlementRecipientIsVault();
    /// @notice `account` has no claimable balance of `token`.
    error SettlementNothingToWithdraw(address account, address token);

    /// @notice Settles one sale reported by a channel's reporting account. The commission is pulled from
    /// the caller (who must have approved the vault) and split at once, or held in escrow for the licence's
    /// hold window.
    /// @param licenceId The licence the sale was made under: active, inside its window, channel in scope.
    /// @param orderRef The channel's order reference; unique per channel.
    /// @param token An allowed settlement token.
    /// @param gross The order's gross amount in the token's smallest unit.
    /// @return saleId `keccak256(abi.encode(channelId, orderRef))`.
    function settleSale(uint256 licenceId, bytes32 orderRef, address token, uint256 gross) external returns (bytes32 saleId);

    /// @notice Settles up to `MAX_BATCH` sales of the caller's channel in one transaction and one token
    /// transfer. All or nothing: one refused order refuses the batch.
    /// @return commission The total commission pulled from the caller.
    function settleSales(address token, Order[] calldata orders) external returns (uint256 commission);

    /// @notice The channel refunds an escrowed sale inside its refund window; the commission is credited
    /// to the caller's claimable balance.
    function refundSale(bytes32 saleId) external;

    /// @notice Credits the shares of escrowed sales whose refund window has passed. Anyone may call it.
    function releaseSales(bytes32[] calldata saleIds) external;

    /// @notice Pays the caller's whole claimable balance of `token` to `to`. Never paused.
    /// @return amount What was paid.
    function withdraw(address token, address to) external returns (uint256 amount);

    /// @notice Allows `token` for settlement. Consortium admin only.
    function allowToken(address token) external;

    /// @notice Stops new settlements in `token`. Consortium admin only. Balances stay withdrawable.
    function disallowToken(address token) external;

    /// @notice Stops new settlements in an emergency. Consortium admin only.
    function pause() external;

    /// @notice Lets settlements resume. Consortium admin only.
    function unpause() external;

    /// @notice Freezes an escrowed sale inside its refund window. Dispute registry only.
    function freezeSale(bytes32 saleId, uint256 disputeId) external;

    /// @notice Returns a frozen sale to escrow, releasing it at once if its window has passed. Dispute
    /// registry only.
    function unfreezeSale(bytes32 saleId, uint256 disputeId) external;

    /// @notice Refunds a frozen sale to its channel. Dispute registry only.
    function refundFrozenSale(bytes32 saleId, uint256 disputeId) external;

    /// @notice A sale as stored.
    function getSale(bytes32 saleId) external view returns (SaleView memory);

    /// @notice The id a sale of `orderRef` by channel `channelId` has (or would have).
    function saleIdOf(uint8 channelId, bytes32 orderRef) external pure returns (bytes32);

    /// @notice What `account` can withdraw in `token` now.
    function claimable(address account, address token) external view returns (uint256);

    /// @notice Whether `token` is allowed for new settlements.
    function isTokenAllowed(address token) external view returns (bool);
}
