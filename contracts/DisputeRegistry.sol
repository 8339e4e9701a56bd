// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IDisputeRegistry} from "./interfaces/IDisputeRegistry.sol";
import {ILicenceRegistry} from "./interfaces/ILicenceRegistry.sol";
import {ISettlement} from "./interfaces/ISettlement.sol";
import {Settlement} from "./Settlement.sol";

/// @title DisputeRegistry
/// @notice Disputes with evidence and arbiters' rulings, acting on `Settlement`'s sales and licences.
/// @dev Needs `DISPUTE_REGISTRY_ROLE` on the settlement contract. Arbiters are the accounts holding
/// `ARBITER_ROLE` there, so the consortium manages every role in one place.
contract DisputeRegistry is IDisputeRegistry {
    /// @notice The ledger whose licences and sales are disputed.
    Settlement public immutable settlement;

    mapping(uint256 disputeId => Dispute) private _disputes;
    mapping(uint256 disputeId => bytes32[]) private _evidence;
    mapping(bytes32 targetKey => uint256 disputeId) private _openDispute;
    uint256 private _disputeCount;

    constructor(Settlement settlement_) {
        settlement = settlement_;
    }

    /// @inheritdoc IDisputeRegistry
    function openLicenceDispute(uint256 licenceId, uint8 reason, bytes32 evidence) external returns (uint256 disputeId) {
        if (!_isLicenceSide(licenceId, msg.sender)) revert DisputeRegistryNotParty(msg.sender);
        disputeId = _open(TargetKind.Licence, bytes32(licenceId), reason, evidence);
    }

    /// @inheritdoc IDisputeRegistry
    function openSaleDispute(bytes32 saleId, uint8 reason, bytes32 evidence) external returns (uint256 disputeId) {
        ISettlement.SaleView memory sale = settlement.getSale(saleId);
        if (!_isSaleSide(sale, msg.sender)) revert DisputeRegistryNotParty(msg.sender);
        disputeId = _open(TargetKind.Sale, saleId, reason, evidence);
        if (sale.status == ISettlement.SaleStatus.Escrowed && block.timestamp < sale.releaseAt) {
            settlement.freezeSale(saleId, disputeId);
        }
    }

    /// @inheritdoc IDisputeRegistry
    function addEvidence(uint256 disputeId, bytes32 evidence) external {
        Dispute storage d = _openDisputeById(disputeId);
        if (evidence == bytes32(0)) revert DisputeRegistryZeroHash();
        if (!_isParty(d, msg.sender)) revert DisputeRegistryNotParty(msg.sender);
        _addEvidence(disputeId, d, evidence);
    }

    /// @inheritdoc IDisputeRegistry
    function suspendLicence(uint256 disputeId) external {
        Dispute storage d = _openDisputeById(disputeId);
        _checkArbiter(disputeId, d);
        if (d.kind != TargetKind.Licence) revert DisputeRegistryNotLicenceDispute(disputeId);
        d.suspendedLicence = true;
        settlement.suspendLicence(uint256(d.target), disputeId);
        emit LicenceSuspendedPendingRuling(disputeId, uint256(d.target), msg.sender);
    }

    /// @inheritdoc IDisputeRegistry
    function resolve(uint256 disputeId, bool upheld, bytes32 ruling, LicenceRemedy remedy) external {
        Dispute storage d = _openDisputeById(disputeId);
        _checkArbiter(disputeId, d);
        if (ruling == bytes32(0)) revert DisputeRegistryZeroHash();
        bool licenceUpheld = upheld && d.kind == TargetKind.Licence;
        if (licenceUpheld != (remedy != LicenceRemedy.None)) revert DisputeRegistryInvalidRemedy(disputeId, remedy);

        d.status = upheld ? DisputeStatus.Upheld : DisputeStatus.Rejected;
        d.remedy = remedy;
        d.ruling = ruling;
        d.resolvedBy = msg.sender;
        d.resolvedAt = uint40(block.timestamp);
        delete _openDispute[_targetKey(d.kind, d.target)];
        emit DisputeResolved(disputeId, d.status, remedy, ruling, msg.sender, uint40(block.timestamp));

        if (d.kind == TargetKind.Sale) _applySaleRuling(disputeId, d.target, upheld);
        else _applyLicenceRuling(disputeId, uint256(d.target), remedy, d.suspendedLicence);
    }

    /// @inheritdoc IDisputeRegistry
    function getDispute(uint256 disputeId) external view returns (Dispute memory) {
        return _dispute(disputeId);
    }

    /// @inheritdoc IDisputeRegistry
    function evidenceOf(uint256 disputeId) external view returns (bytes32[] memory) {
        _dispute(disputeId);
        return _evidence[disputeId];
    }

    /// @inheritdoc IDisputeRegistry
    function openDisputeOn(TargetKind kind, bytes32 target) external view returns (uint256) {
        return _openDispute[_targetKey(kind, target)];
    }

    /// @inheritdoc IDisputeRegistry
    function disputeCount() external view returns (uint256) {
        return _disputeCount;
    }

    function _open(TargetKind kind, bytes32 target, uint8 reason, bytes32 evidence) private returns (uint256 disputeId) {
        if (reason > uint8(type(Reason).max)) revert DisputeRegistryInvalidReason(reason);
        if (evidence == bytes32(0)) revert DisputeRegistryZeroHash();
        bytes32 key = _targetKey(kind, target);
        uint256 existing = _openDispute[key];
        if (existing != 0) revert DisputeRegistryAlreadyOpen(existing);

        disputeId = ++_disputeCount;
        _openDispute[key] = disputeId;
        Dispute storage d = _disputes[disputeId];
        d.kind = kind;
        d.status = DisputeStatus.Open;
        d.reason = Reason(reason);
        d.openedAt = uint40(block.timestamp);
        d.openedBy = msg.sender;
        d.target = target;
        emit DisputeOpened(disputeId, kind, target, msg.sender, Reason(reason), evidence, uint40(block.timestamp));
        _addEvidence(disputeId, d, evidence);
    }

    function _addEvidence(uint256 disputeId, Dispute storage d, bytes32 evidence) private {
        _evidence[disputeId].push(evidence);
        ++d.evidenceCount;
        emit EvidenceAdded(disputeId, msg.sender, evidence, uint40(block.timestamp));
    }

    function _applySaleRuling(uint256 disputeId, bytes32 saleId, bool upheld) private {
        // Only a sale frozen by this dispute moves money; a ruling on a paid-out sale is a record.
        if (settlement.getSale(saleId).status != ISettlement.SaleStatus.Frozen) return;
        if (upheld) settlement.refundFrozenSale(saleId, disputeId);
        else settlement.unfreezeSale(saleId, disputeId);
    }

    /// @dev A ruling on a licence that no longer takes sales (superseded, terminated) is a record only. A
    /// rejection lifts only the suspension this dispute made, never one an earlier ruling ordered.
    function _applyLicenceRuling(uint256 disputeId, uint256 licenceId, LicenceRemedy remedy, bool suspendedByThis) private {
        ILicenceRegistry.LicenceStatus status = settlement.licenceStatus(licenceId);
        bool suspended = status == ILicenceRegistry.LicenceStatus.Suspended;
        bool active = status == ILicenceRegistry.LicenceStatus.Active || status == ILicenceRegistry.LicenceStatus.Expired;
        if (remedy == LicenceRemedy.Terminate) {
            if (active || suspended) settlement.terminateLicence(licenceId, disputeId);
        } else if (remedy == LicenceRemedy.Suspend) {
            if (active) settlement.suspendLicence(licenceId, disputeId);
        } else if (suspended && suspendedByThis) {
            settlement.reinstateLicence(licenceId, disputeId);
        }
    }

    function _checkArbiter(uint256 disputeId, Dispute storage d) private view {
        bytes32 role = settlement.ARBITER_ROLE();
        if (!settlement.hasRole(role, msg.sender)) revert IAccessControl.AccessControlUnauthorizedAccount(msg.sender, role);
        if (_isParty(d, msg.sender)) revert DisputeRegistryArbiterIsParty(disputeId, msg.sender);
    }

    function _isParty(Dispute storage d, address account) private view returns (bool) {
        if (d.kind == TargetKind.Licence) return _isLicenceSide(uint256(d.target), account);
        return _isSaleSide(settlement.getSale(d.target), account);
    }

    /// @dev The licence's three parties, or the reporter of a channel in its scope.
    function _isLicenceSide(uint256 licenceId, address account) private view returns (bool) {
        if (settlement.isLicenceParty(licenceId, account)) return true;
        uint8 channelId = settlement.channelOfReporter(account);
        return channelId != 0 && settlement.isInScope(licenceId, channelId);
    }

    /// @dev The three parties of the sale's licence, or the reporter of the channel that reported it.
    function _isSaleSide(ISettlement.SaleView memory sale, address account) private view returns (bool) {
        if (settlement.isLicenceParty(sale.licenceId, account)) return true;
        (, address reporter, ) = settlement.channel(sale.channelId);
        return account == reporter;
    }

    function _openDisputeById(uint256 disputeId) private view returns (Dispute storage d) {
        d = _dispute(disputeId);
        if (d.status != DisputeStatus.Open) revert DisputeRegistryNotOpen(disputeId);
    }

    function _dispute(uint256 disputeId) private view returns (Dispute storage d) {
        d = _disputes[disputeId];
        if (d.status == DisputeStatus.None) revert DisputeRegistryUnknownDispute(disputeId);
    }

    function _targetKey(TargetKind kind, bytes32 target) private pure returns (bytes32) {
        return keccak256(abi.encode(kind, target));
    }
}
