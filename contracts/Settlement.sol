// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ISettlement} from "./interfaces/ISettlement.sol";
import {Consortium} from "./Consortium.sol";
import {LicenceRegistry} from "./LicenceRegistry.sol";
import {SplitMath} from "./libraries/SplitMath.sol";

/// @title Settlement
/// @notice The consortium's ledger and vault: channels, licences and the money of every sale.
/// @dev One contract holds the licence terms and the funds, so a settlement reads the terms from its own
/// storage (three slots) and a sale is one storage slot. Disputes live in `DisputeRegistry`, which holds
/// `DISPUTE_REGISTRY_ROLE` here.
contract Settlement is ISettlement, LicenceRegistry, Pausable, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Most orders `settleSales` takes in one transaction.
    uint256 public constant MAX_BATCH = 200;

    /// @dev One slot per sale. The shares are not stored: the licence's split is immutable once active,
    /// so they are recomputed from `commission` on release.
    struct Sale {
        uint64 licenceId;
        uint8 channelId;
        uint8 tokenId;
        SaleStatus status;
        uint40 releaseAt;
        uint128 commission;
    }

    struct TokenInfo {
        uint8 id;
        bool allowed;
    }

    mapping(bytes32 saleId => Sale) private _sales;
    mapping(address token => TokenInfo) private _tokenInfo;
    mapping(uint8 tokenId => address token) private _tokenById;
    uint8 private _tokenCount;
    mapping(address account => mapping(address token => uint256 amount)) private _claimable;

    /// @param admin The consortium admin: grants member roles, registers channels, allows tokens, pauses.
    constructor(address admin) Consortium(admin) {}

    // ----------------------------------------------------------------------------------------------------
    // Settling
    // ----------------------------------------------------------------------------------------------------

    /// @inheritdoc ISettlement
    /// @dev No reentrancy guard: the only external calls are to an allowed token, after every effect, and
    /// the exact balance check in `_pull` refuses any settlement or withdrawal made from inside them.
    function settleSale(uint256 licenceId, bytes32 orderRef, address token, uint256 gross) external whenNotPaused returns (bytes32 saleId) {
        uint8 channelId = _callerChannel();
        uint8 tokenId = _allowedTokenId(token);
        Licence storage l = _settleableLicence(licenceId, channelId);
        uint256 commission;
        uint256 rightsHolder;
        uint256 mcn;
        uint256 platform;
        (saleId, commission, rightsHolder, mcn, platform) = _record(l, licenceId, channelId, tokenId, token, orderRef, gross);
        if (l.holdSeconds == 0) _credit(l, token, rightsHolder, mcn, platform);
        _pull(token, commission);
    }

    /// @inheritdoc ISettlement
    /// @dev Consecutive instant sales under the same licence are credited to its parties once, summed.
    function settleSales(address token, Order[] calldata orders) external whenNotPaused returns (uint256 commission) {
        if (orders.length == 0 || orders.length > MAX_BATCH) revert SettlementBatchSize(orders.length, MAX_BATCH);
        uint8 channelId = _callerChannel();
        uint8 tokenId = _allowedTokenId(token);
        // Instant shares not yet credited, all under licence `pendingId`.
        uint256 pendingId;
        uint256[3] memory pending;
        for (uint256 i; i < orders.length; ++i) {
            Order calldata o = orders[i];
            Licence storage l = _settleableLicence(o.licenceId, channelId);
            (, uint256 c, uint256 rightsHolder, uint256 mcn, uint256 platform) = _record(
                l,
                o.licenceId,
                channelId,
                tokenId,
                token,
                o.orderRef,
                o.gross
            );
            commission += c;
            if (l.holdSeconds != 0) continue;
            if (o.licenceId != pendingId) {
                if (pendingId != 0) _credit(_licences[pendingId], token, pending[0], pending[1], pending[2]);
                (pendingId, pending[0], pending[1], pending[2]) = (o.licenceId, 0, 0, 0);
            }
            pending[0] += rightsHolder;
            pending[1] += mcn;
            pending[2] += platform;
        }
        if (pendingId != 0) _credit(_licences[pendingId], token, pending[0], pending[1], pending[2]);
        _pull(token, commission);
    }

    /// @inheritdoc ISettlement
    function refundSale(bytes32 saleId) external {
        Sale storage s = _sale(saleId);
        if (msg.sender != _channelReporter(s.channelId)) revert SettlementNotSaleChannel(saleId, msg.sender);
        if (s.status != SaleStatus.Escrowed) revert SettlementWrongSaleStatus(saleId, s.status);
        if (block.timestamp >= s.releaseAt) revert SettlementRefundWindowClosed(saleId, s.releaseAt);
        _refund(saleId, s, msg.sender, 0);
    }

    /// @inheritdoc ISettlement
    function releaseSales(bytes32[] calldata saleIds) external {
        for (uint256 i; i < saleIds.length; ++i) {
            bytes32 saleId = saleIds[i];
            Sale storage s = _sale(saleId);
            if (s.status != SaleStatus.Escrowed) revert SettlementWrongSaleStatus(saleId, s.status);
            if (block.timestamp < s.releaseAt) revert SettlementStillInEscrow(saleId, s.releaseAt);
            _release(saleId, s);
        }
    }

    /// @inheritdoc ISettlement
    function withdraw(address token, address to) external nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert ConsortiumZeroAddress();
        amount = _claimable[msg.sender][token];
        if (amount == 0) revert SettlementNothingToWithdraw(msg.sender, token);
        delete _claimable[msg.sender][token];
        emit Withdrawn(msg.sender, token, to, amount);
        IERC20(token).safeTransfer(to, amount);
    }

    // ----------------------------------------------------------------------------------------------------
    // Consortium admin
    // ----------------------------------------------------------------------------------------------------

    /// @inheritdoc ISettlement
    function allowToken(address token) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (token == address(0)) revert ConsortiumZeroAddress();
        TokenInfo storage info = _tokenInfo[token];
        if (info.allowed) revert SettlementTokenAlreadyAllowed(token);
        if (info.id == 0) {
            if (_tokenCount == type(uint8).max) revert SettlementTokenLimitReached();
            info.id = ++_tokenCount;
            _tokenById[info.id] = token;
        }
        info.allowed = true;
        emit TokenAllowed(token, info.id);
    }

    /// @inheritdoc ISettlement
    function disallowToken(address token) external onlyRole(DEFAULT_ADMIN_ROLE) {
        TokenInfo storage info = _tokenInfo[token];
        if (!info.allowed) revert SettlementTokenNotAllowed(token);
        info.allowed = false;
        emit TokenDisallowed(token);
    }

    /// @inheritdoc ISettlement
    function pause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _pause();
    }

    /// @inheritdoc ISettlement
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    // ----------------------------------------------------------------------------------------------------
    // Dispute registry
    // ----------------------------------------------------------------------------------------------------

    /// @inheritdoc ISettlement
    function freezeSale(bytes32 saleId, uint256 disputeId) external onlyRole(DISPUTE_REGISTRY_ROLE) {
        Sale storage s = _sale(saleId);
        if (s.status != SaleStatus.Escrowed) revert SettlementWrongSaleStatus(saleId, s.status);
        if (block.timestamp >= s.releaseAt) revert SettlementRefundWindowClosed(saleId, s.releaseAt);
        s.status = SaleStatus.Frozen;
        emit SaleFrozen(saleId, disputeId);
    }

    /// @inheritdoc ISettlement
    function unfreezeSale(bytes32 saleId, uint256 disputeId) external onlyRole(DISPUTE_REGISTRY_ROLE) {
        Sale storage s = _sale(saleId);
        if (s.status != SaleStatus.Frozen) revert SettlementWrongSaleStatus(saleId, s.status);
        s.status = SaleStatus.Escrowed;
        emit SaleUnfrozen(saleId, disputeId);
        if (block.timestamp >= s.releaseAt) _release(saleId, s);
    }

    /// @inheritdoc ISettlement
    function refundFrozenSale(bytes32 saleId, uint256 disputeId) external onlyRole(DISPUTE_REGISTRY_ROLE) {
        Sale storage s = _sale(saleId);
        if (s.status != SaleStatus.Frozen) revert SettlementWrongSaleStatus(saleId, s.status);
        _refund(saleId, s, _channelReporter(s.channelId), disputeId);
    }

    // ----------------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------------

    /// @inheritdoc ISettlement
    function getSale(bytes32 saleId) external view returns (SaleView memory) {
        Sale storage s = _sale(saleId);
        return
            SaleView({
                licenceId: s.licenceId,
                channelId: s.channelId,
                token: _tokenById[s.tokenId],
                status: s.status,
                releaseAt: s.releaseAt,
                commission: s.commission
            });
    }

    /// @inheritdoc ISettlement
    function saleIdOf(uint8 channelId, bytes32 orderRef) public pure returns (bytes32) {
        return keccak256(abi.encode(channelId, orderRef));
    }

    /// @inheritdoc ISettlement
    function claimable(address account, address token) external view returns (uint256) {
        return _claimable[account][token];
    }

    /// @inheritdoc ISettlement
    function isTokenAllowed(address token) external view returns (bool) {
        return _tokenInfo[token].allowed;
    }

    // ----------------------------------------------------------------------------------------------------
    // Internals
    // ----------------------------------------------------------------------------------------------------

    /// @dev Records one sale under a settleable licence; the caller credits instant shares and pulls the
    /// commission.
    function _record(
        Licence storage l,
        uint256 licenceId,
        uint8 channelId,
        uint8 tokenId,
        address token,
        bytes32 orderRef,
        uint256 gross
    ) private returns (bytes32 saleId, uint256 commission, uint256 rightsHolder, uint256 mcn, uint256 platform) {
        if (gross == 0 || orderRef == bytes32(0)) revert SettlementInvalidOrder(orderRef, gross);
        if (gross > type(uint128).max) revert SettlementAmountTooLarge(gross);
        saleId = saleIdOf(channelId, orderRef);
        if (_sales[saleId].status != SaleStatus.None) revert SettlementDuplicateOrder(channelId, orderRef, saleId);

        commission = SplitMath.commission(gross, l.commissionBps);
        (rightsHolder, mcn, platform) = SplitMath.split(commission, l.rightsHolderBps, l.mcnBps);
        uint32 hold = l.holdSeconds;
        uint40 releaseAt = hold == 0 ? 0 : uint40(block.timestamp) + hold;
        _sales[saleId] = Sale({
            licenceId: uint64(licenceId),
            channelId: channelId,
            tokenId: tokenId,
            status: hold == 0 ? SaleStatus.Claimable : SaleStatus.Escrowed,
            releaseAt: releaseAt,
            commission: uint128(commission)
        });
        emit SaleSettled(saleId, licenceId, channelId, orderRef, token, gross, commission, rightsHolder, mcn, platform, releaseAt);
    }

    function _release(bytes32 saleId, Sale storage s) private {
        Licence storage l = _licences[s.licenceId];
        (uint256 rightsHolder, uint256 mcn, uint256 platform) = SplitMath.split(s.commission, l.rightsHolderBps, l.mcnBps);
        s.status = SaleStatus.Claimable;
        _credit(l, _tokenById[s.tokenId], rightsHolder, mcn, platform);
        emit SaleReleased(saleId, s.licenceId);
    }

    function _refund(bytes32 saleId, Sale storage s, address to, uint256 disputeId) private {
        s.status = SaleStatus.Refunded;
        uint256 amount = s.commission;
        _claimable[to][_tokenById[s.tokenId]] += amount;
        emit SaleRefunded(saleId, s.licenceId, to, amount, disputeId);
    }

    function _credit(Licence storage l, address token, uint256 rightsHolder, uint256 mcn, uint256 platform) private {
        _claimable[l.rightsHolder][token] += rightsHolder;
        _claimable[l.mcn][token] += mcn;
        _claimable[l.platform][token] += platform;
    }

    /// @dev Pulls `amount` from the caller and refuses anything but an exact arrival: a fee-on-transfer
    /// token, or a settlement or withdrawal made from inside the transfer, would break the vault's books.
    function _pull(address token, uint256 amount) private {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 balance = IERC20(token).balanceOf(address(this));
        if (balance != before + amount) {
            revert SettlementTransferMismatch(token, amount, balance > before ? balance - before : 0);
        }
    }

    function _callerChannel() private view returns (uint8 channelId) {
        channelId = _reporterChannel[msg.sender];
        if (channelId == 0) revert ConsortiumNotChannelReporter(msg.sender);
    }

    function _allowedTokenId(address token) private view returns (uint8) {
        TokenInfo memory info = _tokenInfo[token];
        if (!info.allowed) revert SettlementTokenNotAllowed(token);
        return info.id;
    }

    function _sale(bytes32 saleId) private view returns (Sale storage s) {
        s = _sales[saleId];
        if (s.status == SaleStatus.None) revert SettlementUnknownSale(saleId);
    }
}
