// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ILicenceRegistry
/// @notice Licences: the terms under which a drama may sell goods through sales channels, and how the
/// commission on every sale is split between the rights holder, the MCN and the platform.
/// @dev Life of a licence:
/// `Proposed` (registered by the rights holder) → `Active` (once both the MCN and the platform accepted) →
/// `Superseded` (a new licence that names it became active), `Suspended` / `Terminated` (arbiter ruling),
/// or `Expired` (past `validUntil`; derived from time, never stored). A `Proposed` licence may be
/// `Cancelled` by its rights holder. Once `Active`, a licence's split, commission, scope, window and hold
/// can never change: a change of terms is a new licence that supersedes the old one.
interface ILicenceRegistry {
    enum LicenceStatus {
        None,
        Proposed,
        Active,
        Superseded,
        Suspended,
        Terminated,
        Cancelled,
        Expired
    }

    /// @notice The terms a rights holder proposes. The rights holder is the caller.
    /// @param contentId Fingerprint of the drama/IP (for example the SHA-256 of the master file).
    /// @param mcn The MCN that produces and promotes the drama; must hold `MCN_ROLE`.
    /// @param platform The video platform that brings the buyers; must hold `PLATFORM_ROLE`.
    /// @param rightsHolderBps The rights holder's share of the commission, in basis points.
    /// @param mcnBps The MCN's share of the commission, in basis points.
    /// @param platformBps The platform's share of the commission, in basis points. The three sum to 10,000.
    /// @param commissionBps The CPS commission on gross, in basis points, inside the consortium's band.
    /// @param channels Ids of the channels allowed to sell under the licence (the scope); no duplicates.
    /// @param validFrom First second (unix time) at which sales may be settled.
    /// @param validUntil Last second (unix time) at which sales may be settled; must be in the future.
    /// @param holdSeconds Refund window: how long each sale's commission stays in escrow (0 = paid at once).
    /// @param supersedes Id of the active licence this one replaces once active (0 = none). It must be the
    /// caller's, for the same content, MCN and platform.
    /// @param termsHash Hash of the signed terms document.
    /// @param termsURI Where the terms document can be fetched (kept in the event only).
    struct LicenceTerms {
        bytes32 contentId;
        address mcn;
        address platform;
        uint16 rightsHolderBps;
        uint16 mcnBps;
        uint16 platformBps;
        uint16 commissionBps;
        uint8[] channels;
        uint40 validFrom;
        uint40 validUntil;
        uint32 holdSeconds;
        uint256 supersedes;
        bytes32 termsHash;
        string termsURI;
    }

    /// @notice A licence as stored, with its status as of now.
    struct LicenceView {
        uint256 licenceId;
        bytes32 contentId;
        address rightsHolder;
        address mcn;
        address platform;
        uint16 rightsHolderBps;
        uint16 mcnBps;
        uint16 platformBps;
        uint16 commissionBps;
        uint8[] channels;
        uint40 validFrom;
        uint40 validUntil;
        uint32 holdSeconds;
        uint40 registeredAt;
        LicenceStatus status;
        bool mcnAccepted;
        bool platformAccepted;
        uint256 supersedes;
        uint256 supersededBy;
        bytes32 termsHash;
    }

    /// @notice A content fingerprint was registered for the first time: `registeredAt` is the proof of
    /// who had it first.
    event ContentRegistered(bytes32 indexed contentId, address indexed rightsHolder, uint40 registeredAt);
    /// @notice A rights holder proposed a licence. `terms` is everything the licence says.
    event LicenceRegistered(uint256 indexed licenceId, bytes32 indexed contentId, address indexed rightsHolder, LicenceTerms terms);
    /// @notice The MCN or the platform of a licence accepted its terms.
    event LicenceAccepted(uint256 indexed licenceId, address indexed party);
    /// @notice Both the MCN and the platform accepted: sales may now be settled under the licence.
    event LicenceActivated(uint256 indexed licenceId, uint40 activatedAt);
    /// @notice `licenceId` was replaced by `supersededBy`, which became active; it takes no new sales.
    event LicenceSuperseded(uint256 indexed licenceId, uint256 indexed supersededBy);
    /// @notice The rights holder withdrew a licence before it was accepted.
    event LicenceCancelled(uint256 indexed licenceId);
    /// @notice An arbiter suspended the licence while dispute `disputeId` is decided; no new sales.
    event LicenceSuspended(uint256 indexed licenceId, uint256 indexed disputeId);
    /// @notice An arbiter lifted a suspension: the licence is active again.
    event LicenceReinstated(uint256 indexed licenceId, uint256 indexed disputeId);
    /// @notice An arbiter ended the licence for good.
    event LicenceTerminated(uint256 indexed licenceId, uint256 indexed disputeId);
    /// @notice The consortium changed the commission band that new licences must respect.
    event CommissionBandSet(uint16 minBps, uint16 maxBps);

    /// @notice No licence has id `licenceId`.
    error LicenceRegistryUnknownLicence(uint256 licenceId);
    /// @notice `contentId` was first registered by `owner`; only that rights holder may license it.
    error LicenceRegistryContentOwnedByAnother(bytes32 contentId, address owner);
    /// @notice The content fingerprint must not be zero.
    error LicenceRegistryZeroContentId();
    /// @notice The three shares must sum to exactly 10,000 basis points.
    error LicenceRegistrySplitNotWhole(uint256 rightsHolderBps, uint256 mcnBps, uint256 platformBps);
    /// @notice The commission is outside the consortium's band `[minBps, maxBps]`.
    error LicenceRegistryCommissionOutOfBand(uint256 commissionBps, uint256 minBps, uint256 maxBps);
    /// @notice A band needs `0 < minBps <= maxBps <= 10,000`.
    error LicenceRegistryInvalidBand(uint256 minBps, uint256 maxBps);
    /// @notice The validity window must satisfy `validFrom <= validUntil` and `validUntil` in the future.
    error LicenceRegistryInvalidWindow(uint256 validFrom, uint256 validUntil, uint256 now_);
    /// @notice The hold window may not exceed `maxSeconds`.
    error LicenceRegistryHoldTooLong(uint256 holdSeconds, uint256 maxSeconds);
    /// @notice A licence needs at least one channel in its scope.
    error LicenceRegistryEmptyScope();
    /// @notice `channelId` appears twice in the scope.
    error LicenceRegistryDuplicateChannel(uint256 channelId);
    /// @notice `account` must hold `role` to be named as the MCN or platform of a licence.
    error LicenceRegistryPartyMissingRole(address account, bytes32 role);
    /// @notice `account` is not the party that may do this to licence `licenceId`.
    error LicenceRegistryNotLicenceParty(uint256 licenceId, address account);
    /// @notice `account` already accepted licence `licenceId`.
    error LicenceRegistryAlreadyAccepted(uint256 licenceId, address account);
    /// @notice Licence `licenceId` is `status`, which does not allow this.
    error LicenceRegistryWrongStatus(uint256 licenceId, LicenceStatus status);
    /// @notice Licence `supersedes` cannot be replaced by this licence: not active, not the caller's, or not
    /// for the same content, MCN and platform.
    error LicenceRegistryInvalidSupersession(uint256 supersedes);
    /// @notice The licence is not valid at `now_`: its window is `[validFrom, validUntil]`.
    error LicenceRegistryOutsideWindow(uint256 licenceId, uint256 now_, uint256 validFrom, uint256 validUntil);
    /// @notice Channel `channelId` is not in the scope of licence `licenceId`.
    error LicenceRegistryChannelNotInScope(uint256 licenceId, uint256 channelId);

    /// @notice Proposes a licence. Caller must hold `RIGHTS_HOLDER_ROLE`. The first registration of a
    /// content fingerprint timestamps it for its rights holder; nobody else may ever license it.
    /// @return licenceId The new licence's id, from 1 upwards.
    function registerLicence(LicenceTerms calldata terms) external returns (uint256 licenceId);

    /// @notice The MCN or the platform of a proposed licence accepts it. When both have, the licence is
    /// active (and the licence it supersedes, if any, is superseded).
    function acceptLicence(uint256 licenceId) external;

    /// @notice The rights holder withdraws a licence that is still proposed.
    function cancelLicence(uint256 licenceId) external;

    /// @notice Sets the commission band for licences registered from now on. Consortium admin only.
    /// Existing licences keep their commission.
    function setCommissionBand(uint16 minBps, uint16 maxBps) external;

    /// @notice Suspends an active licence during dispute `disputeId`. Dispute registry only.
    function suspendLicence(uint256 licenceId, uint256 disputeId) external;

    /// @notice Lifts the suspension of a licence. Dispute registry only.
    function reinstateLicence(uint256 licenceId, uint256 disputeId) external;

    /// @notice Ends an active or suspended licence for good. Dispute registry only.
    function terminateLicence(uint256 licenceId, uint256 disputeId) external;

    /// @notice A licence with its status as of now (`Expired` once past `validUntil`).
    function getLicence(uint256 licenceId) external view returns (LicenceView memory);

    /// @notice A licence's status as of now.
    function licenceStatus(uint256 licenceId) external view returns (LicenceStatus);

    /// @notice Whether `account` is the rights holder, the MCN or the platform of licence `licenceId`.
    function isLicenceParty(uint256 licenceId, address account) external view returns (bool);

    /// @notice Whether channel `channelId` is in the scope of licence `licenceId`.
    function isInScope(uint256 licenceId, uint256 channelId) external view returns (bool);

    /// @notice Who first registered a content fingerprint, and when (zero if never).
    function contentRecord(bytes32 contentId) external view returns (address rightsHolder, uint40 registeredAt);

    /// @notice The commission band new licences must respect.
    function commissionBand() external view returns (uint16 minBps, uint16 maxBps);

    /// @notice How many licences have been registered (ids run from 1 to this number).
    function licenceCount() external view returns (uint256);
}
