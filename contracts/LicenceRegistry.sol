// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ILicenceRegistry} from "./interfaces/ILicenceRegistry.sol";
import {Consortium} from "./Consortium.sol";
import {SplitMath} from "./libraries/SplitMath.sol";

/// @title LicenceRegistry
/// @notice Licences, their consent and status, content fingerprints and the consortium's commission band.
/// @dev Abstract: deployed as part of `Settlement`, so settling a sale reads the licence terms from local
/// storage instead of through an external call.
abstract contract LicenceRegistry is ILicenceRegistry, Consortium {
    /// @notice The longest refund window a licence may ask for.
    uint32 public constant MAX_HOLD_SECONDS = 90 days;

    /// @dev Packed so that settling a sale reads exactly three slots.
    struct Licence {
        // slot 0
        address rightsHolder;
        uint40 validFrom;
        uint40 validUntil;
        LicenceStatus status;
        // slot 1
        address mcn;
        uint16 rightsHolderBps;
        uint16 mcnBps;
        uint16 commissionBps;
        uint32 holdSeconds;
        bool mcnAccepted;
        // slot 2
        address platform;
        uint64 channelScope; // bit i set: channel i may sell under the licence
        bool platformAccepted;
        // slot 3..
        bytes32 contentId;
        bytes32 termsHash;
        uint64 supersedes;
        uint64 supersededBy;
        uint40 registeredAt;
    }

    struct ContentRecord {
        address rightsHolder;
        uint40 registeredAt;
    }

    mapping(uint256 licenceId => Licence) internal _licences;
    mapping(bytes32 contentId => ContentRecord) private _contents;
    uint64 private _licenceCount;
    uint16 private _minCommissionBps = 1500;
    uint16 private _maxCommissionBps = 2500;

    constructor() {
        emit CommissionBandSet(_minCommissionBps, _maxCommissionBps); // so the trail states the band from block one
    }

    /// @inheritdoc ILicenceRegistry
    function registerLicence(LicenceTerms calldata terms) external onlyRole(RIGHTS_HOLDER_ROLE) returns (uint256 licenceId) {
        _checkTerms(terms);
        _claimContent(terms.contentId);
        if (terms.supersedes != 0) _checkSupersession(terms);

        licenceId = ++_licenceCount;
        Licence storage licence = _licences[licenceId];
        licence.rightsHolder = msg.sender;
        licence.validFrom = terms.validFrom;
        licence.validUntil = terms.validUntil;
        licence.status = LicenceStatus.Proposed;
        licence.mcn = terms.mcn;
        licence.rightsHolderBps = terms.rightsHolderBps;
        licence.mcnBps = terms.mcnBps;
        licence.commissionBps = terms.commissionBps;
        licence.holdSeconds = terms.holdSeconds;
        licence.platform = terms.platform;
        licence.channelScope = _scopeOf(terms.channels);
        licence.contentId = terms.contentId;
        licence.termsHash = terms.termsHash;
        licence.supersedes = uint64(terms.supersedes);
        licence.registeredAt = uint40(block.timestamp);
        emit LicenceRegistered(licenceId, terms.contentId, msg.sender, terms);
    }

    /// @inheritdoc ILicenceRegistry
    function acceptLicence(uint256 licenceId) external {
        Licence storage licence = _licence(licenceId);
        if (licence.status != LicenceStatus.Proposed) revert LicenceRegistryWrongStatus(licenceId, _statusOf(licence));
        if (msg.sender == licence.mcn && !licence.mcnAccepted) {
            _checkRole(MCN_ROLE);
            licence.mcnAccepted = true;
        } else if (msg.sender == licence.platform && !licence.platformAccepted) {
            _checkRole(PLATFORM_ROLE);
            licence.platformAccepted = true;
        } else if (msg.sender == licence.mcn || msg.sender == licence.platform) {
            revert LicenceRegistryAlreadyAccepted(licenceId, msg.sender);
        } else {
            revert LicenceRegistryNotLicenceParty(licenceId, msg.sender);
        }
        // Consent to terms whose window is over would activate a licence that can never sell.
        if (block.timestamp > licence.validUntil) {
            revert LicenceRegistryInvalidWindow(licence.validFrom, licence.validUntil, block.timestamp);
        }
        emit LicenceAccepted(licenceId, msg.sender);
        if (licence.mcnAccepted && licence.platformAccepted) _activate(licenceId, licence);
    }

    /// @inheritdoc ILicenceRegistry
    function cancelLicence(uint256 licenceId) external {
        Licence storage licence = _licence(licenceId);
        if (msg.sender != licence.rightsHolder) revert LicenceRegistryNotLicenceParty(licenceId, msg.sender);
        if (licence.status != LicenceStatus.Proposed) revert LicenceRegistryWrongStatus(licenceId, _statusOf(licence));
        licence.status = LicenceStatus.Cancelled;
        emit LicenceCancelled(licenceId);
    }

    /// @inheritdoc ILicenceRegistry
    function setCommissionBand(uint16 minBps, uint16 maxBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (minBps == 0 || minBps > maxBps || maxBps > SplitMath.BPS) revert LicenceRegistryInvalidBand(minBps, maxBps);
        _minCommissionBps = minBps;
        _maxCommissionBps = maxBps;
        emit CommissionBandSet(minBps, maxBps);
    }

    /// @inheritdoc ILicenceRegistry
    function suspendLicence(uint256 licenceId, uint256 disputeId) external onlyRole(DISPUTE_REGISTRY_ROLE) {
        Licence storage licence = _licence(licenceId);
        if (licence.status != LicenceStatus.Active) revert LicenceRegistryWrongStatus(licenceId, _statusOf(licence));
        licence.status = LicenceStatus.Suspended;
        emit LicenceSuspended(licenceId, disputeId);
    }

    /// @inheritdoc ILicenceRegistry
    function reinstateLicence(uint256 licenceId, uint256 disputeId) external onlyRole(DISPUTE_REGISTRY_ROLE) {
        Licence storage licence = _licence(licenceId);
        if (licence.status != LicenceStatus.Suspended) revert LicenceRegistryWrongStatus(licenceId, _statusOf(licence));
        licence.status = LicenceStatus.Active;
        emit LicenceReinstated(licenceId, disputeId);
    }

    /// @inheritdoc ILicenceRegistry
    function terminateLicence(uint256 licenceId, uint256 disputeId) external onlyRole(DISPUTE_REGISTRY_ROLE) {
        Licence storage licence = _licence(licenceId);
        if (licence.status != LicenceStatus.Active && licence.status != LicenceStatus.Suspended) {
            revert LicenceRegistryWrongStatus(licenceId, _statusOf(licence));
        }
        licence.status = LicenceStatus.Terminated;
        emit LicenceTerminated(licenceId, disputeId);
    }

    /// @inheritdoc ILicenceRegistry
    function getLicence(uint256 licenceId) external view returns (LicenceView memory v) {
        Licence storage licence = _licence(licenceId);
        v.licenceId = licenceId;
        v.contentId = licence.contentId;
        v.rightsHolder = licence.rightsHolder;
        v.mcn = licence.mcn;
        v.platform = licence.platform;
        v.rightsHolderBps = licence.rightsHolderBps;
        v.mcnBps = licence.mcnBps;
        v.platformBps = uint16(SplitMath.BPS - licence.rightsHolderBps - licence.mcnBps);
        v.commissionBps = licence.commissionBps;
        v.channels = _channelsOf(licence.channelScope);
        v.validFrom = licence.validFrom;
        v.validUntil = licence.validUntil;
        v.holdSeconds = licence.holdSeconds;
        v.registeredAt = licence.registeredAt;
        v.status = _statusOf(licence);
        v.mcnAccepted = licence.mcnAccepted;
        v.platformAccepted = licence.platformAccepted;
        v.supersedes = licence.supersedes;
        v.supersededBy = licence.supersededBy;
        v.termsHash = licence.termsHash;
    }

    /// @inheritdoc ILicenceRegistry
    function licenceStatus(uint256 licenceId) external view returns (LicenceStatus) {
        return _statusOf(_licence(licenceId));
    }

    /// @inheritdoc ILicenceRegistry
    function isLicenceParty(uint256 licenceId, address account) external view returns (bool) {
        Licence storage licence = _licence(licenceId);
        return account == licence.rightsHolder || account == licence.mcn || account == licence.platform;
    }

    /// @inheritdoc ILicenceRegistry
    function isInScope(uint256 licenceId, uint256 channelId) public view returns (bool) {
        return channelId <= MAX_CHANNELS && (_licence(licenceId).channelScope >> channelId) & 1 == 1;
    }

    /// @inheritdoc ILicenceRegistry
    function contentRecord(bytes32 contentId) external view returns (address rightsHolder, uint40 registeredAt) {
        ContentRecord storage c = _contents[contentId];
        return (c.rightsHolder, c.registeredAt);
    }

    /// @inheritdoc ILicenceRegistry
    function commissionBand() external view returns (uint16 minBps, uint16 maxBps) {
        return (_minCommissionBps, _maxCommissionBps);
    }

    /// @inheritdoc ILicenceRegistry
    function licenceCount() external view returns (uint256) {
        return _licenceCount;
    }

    /// @dev The licence a sale by `channelId` may be settled under right now, or a revert saying why not.
    function _settleableLicence(uint256 licenceId, uint8 channelId) internal view returns (Licence storage licence) {
        licence = _licences[licenceId];
        if (licence.status != LicenceStatus.Active) {
            if (licence.status == LicenceStatus.None) revert LicenceRegistryUnknownLicence(licenceId);
            revert LicenceRegistryWrongStatus(licenceId, licence.status);
        }
        if (block.timestamp < licence.validFrom || block.timestamp > licence.validUntil) {
            revert LicenceRegistryOutsideWindow(licenceId, block.timestamp, licence.validFrom, licence.validUntil);
        }
        if ((licence.channelScope >> channelId) & 1 == 0) revert LicenceRegistryChannelNotInScope(licenceId, channelId);
    }

    function _licence(uint256 licenceId) internal view returns (Licence storage licence) {
        licence = _licences[licenceId];
        if (licence.status == LicenceStatus.None) revert LicenceRegistryUnknownLicence(licenceId);
    }

    function _statusOf(Licence storage licence) internal view returns (LicenceStatus) {
        LicenceStatus s = licence.status;
        if (s == LicenceStatus.Active && block.timestamp > licence.validUntil) return LicenceStatus.Expired;
        return s;
    }

    function _activate(uint256 licenceId, Licence storage licence) private {
        licence.status = LicenceStatus.Active;
        emit LicenceActivated(licenceId, uint40(block.timestamp));
        uint256 oldId = licence.supersedes;
        if (oldId != 0) {
            Licence storage old = _licences[oldId];
            if (old.status != LicenceStatus.Active) revert LicenceRegistryInvalidSupersession(oldId);
            old.status = LicenceStatus.Superseded;
            old.supersededBy = uint64(licenceId);
            emit LicenceSuperseded(oldId, licenceId);
        }
    }

    function _checkTerms(LicenceTerms calldata t) private view {
        if (t.contentId == bytes32(0)) revert LicenceRegistryZeroContentId();
        if (uint256(t.rightsHolderBps) + t.mcnBps + t.platformBps != SplitMath.BPS) {
            revert LicenceRegistrySplitNotWhole(t.rightsHolderBps, t.mcnBps, t.platformBps);
        }
        if (t.commissionBps < _minCommissionBps || t.commissionBps > _maxCommissionBps) {
            revert LicenceRegistryCommissionOutOfBand(t.commissionBps, _minCommissionBps, _maxCommissionBps);
        }
        if (t.validFrom > t.validUntil || t.validUntil <= block.timestamp) {
            revert LicenceRegistryInvalidWindow(t.validFrom, t.validUntil, block.timestamp);
        }
        if (t.holdSeconds > MAX_HOLD_SECONDS) revert LicenceRegistryHoldTooLong(t.holdSeconds, MAX_HOLD_SECONDS);
        if (!hasRole(MCN_ROLE, t.mcn)) revert LicenceRegistryPartyMissingRole(t.mcn, MCN_ROLE);
        if (!hasRole(PLATFORM_ROLE, t.platform)) revert LicenceRegistryPartyMissingRole(t.platform, PLATFORM_ROLE);
    }

    /// @dev The first registration of a fingerprint timestamps it for its rights holder, for good.
    function _claimContent(bytes32 contentId) private {
        ContentRecord storage c = _contents[contentId];
        if (c.rightsHolder == address(0)) {
            c.rightsHolder = msg.sender;
            c.registeredAt = uint40(block.timestamp);
            emit ContentRegistered(contentId, msg.sender, uint40(block.timestamp));
        } else if (c.rightsHolder != msg.sender) {
            revert LicenceRegistryContentOwnedByAnother(contentId, c.rightsHolder);
        }
    }

    /// @dev A change of terms stays between the same parties: the old licence's MCN and platform consent
    /// to the new one by accepting it, so nobody loses a deal they did not agree to end.
    function _checkSupersession(LicenceTerms calldata t) private view {
        Licence storage old = _licences[t.supersedes];
        if (
            old.status != LicenceStatus.Active ||
            old.rightsHolder != msg.sender ||
            old.contentId != t.contentId ||
            old.mcn != t.mcn ||
            old.platform != t.platform
        ) revert LicenceRegistryInvalidSupersession(t.supersedes);
    }

    function _scopeOf(uint8[] calldata channels) private view returns (uint64 scope) {
        if (channels.length == 0) revert LicenceRegistryEmptyScope();
        uint8 count = _channelCount;
        for (uint256 i; i < channels.length; ++i) {
            uint8 id = channels[i];
            if (id == 0 || id > count) revert ConsortiumUnknownChannel(id);
            uint64 bit = uint64(1) << id;
            if (scope & bit != 0) revert LicenceRegistryDuplicateChannel(id);
            scope |= bit;
        }
    }

    function _channelsOf(uint64 scope) private pure returns (uint8[] memory ids) {
        uint256 n;
        for (uint64 s = scope; s != 0; s &= s - 1) ++n;
        ids = new uint8[](n);
        n = 0;
        for (uint8 id = 1; id <= MAX_CHANNELS; ++id) {
            if ((scope >> id) & 1 == 1) ids[n++] = id;
        }
    }
}
