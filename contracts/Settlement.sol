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

    /// @dev A sale, stored packed in one word (see `_pack`). The shares are not stored: the licence's split
    /// is immutable once active, so they are recomputed from `commission` on release.
    struct Sale {
        uint64 licenceId;
        uint8 channelId;
        uint8 tokenId;
        SaleStatus status;
        uint40 releaseAt;
        uint128 commission;
    }

    /// @dev What settling a sale needs of its licence, read once per licence in a batch.
    struct SaleTerms {
        uint256 licenceId;
        uint16 commissionBps;
        uint16 rightsHolderBps;
        uint16 mcnBps;
        uint32 holdSeconds;
    }

    struct TokenInfo {
        uint8 id;
        bool allowed;
    }

    mapping(bytes32 saleId => uint256 packedSale) private _sales;
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
        SaleTerms memory terms = _saleTerms(licenceId, channelId);
        uint256 commission;
        uint256[3] memory shares;
        (saleId, commission, shares[0], shares[1], shares[2]) = _record(terms, channelId, tokenId, token, orderRef, gross);
        if (terms.holdSeconds == 0) _credit(_licences[licenceId], token, shares);
        _pull(token, commission);
    }

    /// @inheritdoc ISettlement
    /// @dev Consecutive orders under the same licence share one check of the licence and one credit to
    /// each of its parties (the sum of their per-sale shares).
    function settleSales(address token, Order[] calldata orders) external whenNotPaused returns (uint256 commission) {
        if (orders.length == 0 || orders.length > MAX_BATCH) revert SettlementBatchSize(orders.length, MAX_BATCH);
        uint8 channelId = _callerChannel();
        uint8 tokenId = _allowedTokenId(token);
        SaleTerms memory terms; // of the licence of the previous order
        uint256[3] memory pending; // instant shares under `terms` not yet credited
        for (uint256 i; i < orders.length; ++i) {
            Order calldata order = orders[i];
            if (order.licenceId != terms.licenceId || terms.licenceId == 0) {
                _creditPending(terms, token, pending);
                terms = _saleTerms(order.licenceId, channelId);
            }
            (, uint256 c, uint256 rightsHolder, uint256 mcn, uint256 platform) = _record(
                terms,
                channelId,
                tokenId,
                token,
                order.orderRef,
                order.gross
            );
            commission += c;
            if (terms.holdSeconds == 0) {
                pending[0] += rightsHolder;
                pending[1] += mcn;
                pending[2] += platform;
            }
        }
        _creditPending(terms, token, pending);
        _pull(token, commission);
    }

    /// @inheritdoc ISettlement
    function refundSale(bytes32 saleId) external {
        Sale memory s = _sale(saleId);
        if (msg.sender != _channelReporter(s.channelId)) revert SettlementNotSaleChannel(saleId, msg.sender);
        if (s.status != SaleStatus.Escrowed) revert SettlementWrongSaleStatus(saleId, s.status);
        if (block.timestamp >= s.releaseAt) revert SettlementRefundWindowClosed(saleId, s.releaseAt);
        _refund(saleId, s, msg.sender, 0);
    }

    /// @inheritdoc ISettlement
    function releaseSales(bytes32[] calldata saleIds) external {
        for (uint256 i; i < saleIds.length; ++i) {
            bytes32 saleId = saleIds[i];
            Sale memory s = _sale(saleId);
            if (s.status != SaleStatus.Escrowed) revert SettlementWrongSaleStatus(saleId, s.status);
            if (block.timestamp < s.releaseAt) revert SettlementStillInEscrow(saleId, s.releaseAt);
            _release(saleId, s);
        }
    }

    /// @inheritdoc ISettlement
    function withdraw(address token, address to) external nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert ConsortiumZeroAddress();
        if (to == address(this)) revert SettlementRecipientIsVault();
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
        Sale memory s = _sale(saleId);
        if (s.status != SaleStatus.Escrowed) revert SettlementWrongSaleStatus(saleId, s.status);
        if (block.timestamp >= s.releaseAt) revert SettlementRefundWindowClosed(saleId, s.releaseAt);
        s.status = SaleStatus.Frozen;
        _sales[saleId] = _pack(s);
        emit SaleFrozen(saleId, disputeId);
    }

    /// @inheritdoc ISettlement
    function unfreezeSale(bytes32 saleId, uint256 disputeId) external onlyRole(DISPUTE_REGISTRY_ROLE) {
        Sale memory s = _sale(saleId);
        if (s.status != SaleStatus.Frozen) revert SettlementWrongSaleStatus(saleId, s.status);
        s.status = SaleStatus.Escrowed;
        _sales[saleId] = _pack(s);
        emit SaleUnfrozen(saleId, disputeId);
        if (block.timestamp >= s.releaseAt) _release(saleId, s);
    }

    /// @inheritdoc ISettlement
    function refundFrozenSale(bytes32 saleId, uint256 disputeId) external onlyRole(DISPUTE_REGISTRY_ROLE) {
        Sale memory s = _sale(saleId);
        if (s.status != SaleStatus.Frozen) revert SettlementWrongSaleStatus(saleId, s.status);
        _refund(saleId, s, _channelReporter(s.channelId), disputeId);
    }

    // ----------------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------------

    /// @inheritdoc ISettlement
    function getSale(bytes32 saleId) external view returns (SaleView memory) {
        Sale memory s = _sale(saleId);
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

    /// @dev Records one sale under licence terms already checked for this channel and this block; the
    /// caller credits instant shares and pulls the commission.
    function _record(
        SaleTerms memory terms,
        uint8 channelId,
        uint8 tokenId,
        address token,
        bytes32 orderRef,
        uint256 gross
    ) private returns (bytes32 saleId, uint256 commission, uint256 rightsHolder, uint256 mcn, uint256 platform) {
        if (gross == 0 || orderRef == bytes32(0)) revert SettlementInvalidOrder(orderRef, gross);
        if (gross > type(uint128).max) revert SettlementAmountTooLarge(gross);
        saleId = saleIdOf(channelId, orderRef);
        if (_sales[saleId] != 0) revert SettlementDuplicateOrder(channelId, orderRef, saleId);

        commission = SplitMath.commission(gross, terms.commissionBps);
        (rightsHolder, mcn, platform) = SplitMath.split(commission, terms.rightsHolderBps, terms.mcnBps);
        uint40 releaseAt = terms.holdSeconds == 0 ? 0 : uint40(block.timestamp) + terms.holdSeconds;
        SaleStatus status = terms.holdSeconds == 0 ? SaleStatus.Claimable : SaleStatus.Escrowed;
        _sales[saleId] = _pack(uint64(terms.licenceId), channelId, tokenId, status, releaseAt, uint128(commission));
        emit SaleSettled(saleId, terms.licenceId, channelId, orderRef, token, gross, commission, rightsHolder, mcn, platform, releaseAt);
    }

    /// @dev The terms a sale by `channelId` under `licenceId` is settled on, or a revert saying why it
    /// cannot be settled now.
    function _saleTerms(uint256 licenceId, uint8 channelId) private view returns (SaleTerms memory) {
        Licence storage licence = _settleableLicence(licenceId, channelId);
        return SaleTerms(licenceId, licence.commissionBps, licence.rightsHolderBps, licence.mcnBps, licence.holdSeconds);
    }

    function _creditPending(SaleTerms memory terms, address token, uint256[3] memory pending) private {
        if (terms.licenceId == 0 || terms.holdSeconds != 0) return;
        _credit(_licences[terms.licenceId], token, pending);
        (pending[0], pending[1], pending[2]) = (0, 0, 0);
    }

    function _release(bytes32 saleId, Sale memory s) private {
        Licence storage licence = _licences[s.licenceId];
        uint256[3] memory shares;
        (shares[0], shares[1], shares[2]) = SplitMath.split(s.commission, licence.rightsHolderBps, licence.mcnBps);
        s.status = SaleStatus.Claimable;
        _sales[saleId] = _pack(s);
        _credit(licence, _tokenById[s.tokenId], shares);
        emit SaleReleased(saleId, s.licenceId);
    }

    function _refund(bytes32 saleId, Sale memory s, address to, uint256 disputeId) private {
        s.status = SaleStatus.Refunded;
        _sales[saleId] = _pack(s);
        uint256 amount = s.commission;
        _claimable[to][_tokenById[s.tokenId]] += amount;
        emit SaleRefunded(saleId, s.licenceId, to, amount, disputeId);
    }

    /// @dev Credits `shares` (rights holder, MCN, platform) to the licence's parties.
    function _credit(Licence storage licence, address token, uint256[3] memory shares) private {
        _claimable[licence.rightsHolder][token] += shares[0];
        _claimable[licence.mcn][token] += shares[1];
        _claimable[licence.platform][token] += shares[2];
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

    function _sale(bytes32 saleId) private view returns (Sale memory) {
        uint256 word = _sales[saleId];
        if (word == 0) revert SettlementUnknownSale(saleId);
        return _unpack(word);
    }

    /// @dev Bits 0-63 licence id, 64-71 channel id, 72-79 token id, 80-87 status, 88-127 release time,
    /// 128-255 commission. One write per sale instead of one per field. A stored sale is never zero: its
    /// status is not `None`.
    function _pack(
        uint64 licenceId,
        uint8 channelId,
        uint8 tokenId,
        SaleStatus status,
        uint40 releaseAt,
        uint128 commission
    ) private pure returns (uint256) {
        return
            uint256(licenceId) |
            (uint256(channelId) << 64) |
            (uint256(tokenId) << 72) |
            (uint256(status) << 80) |
            (uint256(releaseAt) << 88) |
            (uint256(commission) << 128);
    }

    function _pack(Sale memory s) private pure returns (uint256) {
        return _pack(s.licenceId, s.channelId, s.tokenId, s.status, s.releaseAt, s.commission);
    }

    function _unpack(uint256 word) private pure returns (Sale memory) {
        return
            Sale({
                licenceId: uint64(word),
                channelId: uint8(word >> 64),
                tokenId: uint8(word >> 72),
                status: SaleStatus(uint8(word >> 80)),
                releaseAt: uint40(word >> 88),
                commission: uint128(word >> 128)
            });
    }
}
