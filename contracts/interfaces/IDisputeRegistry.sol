// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IDisputeRegistry
/// @notice Disputes on a licence or on a sale: opened with evidence by a party, decided by an arbiter.
/// @dev Who may take part in a dispute (open it, add evidence): the rights holder, MCN and platform of the
/// licence concerned, and the channel — for a sale, the channel that reported it; for a licence, any channel
/// in its scope. Evidence is a hash of a document kept off chain. Records are never deleted.
///
/// Effects: a dispute on a sale still inside its refund window freezes the sale until the ruling; upheld,
/// its commission is refunded to the channel; rejected, it is released on schedule. A dispute on a licence
/// does not stop sales by itself (no griefing), but an arbiter may suspend the licence meanwhile; upheld,
/// the licence is suspended or terminated as the ruling says; rejected, the suspension made during this
/// dispute (if any) is lifted — a suspension ordered by an earlier upheld ruling stays.
interface IDisputeRegistry {
    enum TargetKind {
        Licence,
        Sale
    }

    enum DisputeStatus {
        None,
        Open,
        Upheld,
        Rejected
    }

    /// @notice What is claimed. Stored as its number; `Other` covers anything the list lacks.
    enum Reason {
        Other,
        OwnershipClaim,
        UnlicensedChannel,
        MisreportedSale,
        RefundAbuse,
        TermsBreach
    }

    /// @notice What an upheld licence dispute does to the licence.
    enum LicenceRemedy {
        None,
        Suspend,
        Terminate
    }

    struct Dispute {
        TargetKind kind;
        DisputeStatus status;
        Reason reason;
        LicenceRemedy remedy;
        uint40 openedAt;
        uint40 resolvedAt;
        address openedBy;
        address resolvedBy;
        bytes32 target; // licence id as bytes32, or sale id
        bytes32 ruling;
        uint32 evidenceCount;
        bool suspendedLicence; // an arbiter suspended the licence while this dispute was open
    }

    /// @notice A dispute was opened on a licence (`target` is its id) or a sale (`target` is its id).
    event DisputeOpened(
        uint256 indexed disputeId,
        TargetKind kind,
        bytes32 indexed target,
        address indexed openedBy,
        Reason reason,
        bytes32 evidence,
        uint40 openedAt
    );
    /// @notice A party added evidence to an open dispute.
    event EvidenceAdded(uint256 indexed disputeId, address indexed by, bytes32 evidence, uint40 at);
    /// @notice An arbiter suspended the disputed licence until the ruling.
    event LicenceSuspendedPendingRuling(uint256 indexed disputeId, uint256 indexed licenceId, address indexed arbiter);
    /// @notice An arbiter decided the dispute. `ruling` is the hash of the written decision.
    event DisputeResolved(
        uint256 indexed disputeId,
        DisputeStatus status,
        LicenceRemedy remedy,
        bytes32 ruling,
        address indexed arbiter,
        uint40 resolvedAt
    );

    /// @notice No dispute has id `disputeId`.
    error DisputeRegistryUnknownDispute(uint256 disputeId);
    /// @notice `account` is not a party to the licence or sale in question.
    error DisputeRegistryNotParty(address account);
    /// @notice Evidence and rulings are hashes and must not be zero.
    error DisputeRegistryZeroHash();
    /// @notice The reason code `reason` is not one of `Reason`.
    error DisputeRegistryInvalidReason(uint8 reason);
    /// @notice Dispute `disputeId` on the same licence or sale is still open; add evidence to it instead.
    error DisputeRegistryAlreadyOpen(uint256 disputeId);
    /// @notice Dispute `disputeId` is already decided.
    error DisputeRegistryNotOpen(uint256 disputeId);
    /// @notice Arbiter `arbiter` is a party to dispute `disputeId` and may not decide it.
    error DisputeRegistryArbiterIsParty(uint256 disputeId, address arbiter);
    /// @notice That remedy does not fit this ruling: an upheld licence dispute needs `Suspend` or
    /// `Terminate`; any other ruling needs `None`.
    error DisputeRegistryInvalidRemedy(uint256 disputeId, LicenceRemedy remedy);
    /// @notice Only a licence dispute can suspend a licence.
    error DisputeRegistryNotLicenceDispute(uint256 disputeId);

    /// @notice Opens a dispute on a licence, with a reason and the hash of the first evidence.
    function openLicenceDispute(uint256 licenceId, uint8 reason, bytes32 evidence) external returns (uint256 disputeId);

    /// @notice Opens a dispute on a sale. If the sale is still in escrow, inside its refund window, it is
    /// frozen until the ruling.
    function openSaleDispute(bytes32 saleId, uint8 reason, bytes32 evidence) external returns (uint256 disputeId);

    /// @notice A party adds the hash of more evidence to an open dispute.
    function addEvidence(uint256 disputeId, bytes32 evidence) external;

    /// @notice An arbiter suspends the disputed licence until the ruling (no new sales meanwhile).
    function suspendLicence(uint256 disputeId) external;

    /// @notice An arbiter decides a dispute: `upheld` or rejected, with the hash of the written ruling and,
    /// for an upheld licence dispute, whether the licence is suspended or terminated.
    function resolve(uint256 disputeId, bool upheld, bytes32 ruling, LicenceRemedy remedy) external;

    /// @notice A dispute as stored.
    function getDispute(uint256 disputeId) external view returns (Dispute memory);

    /// @notice The evidence hashes of a dispute, in the order they were added.
    function evidenceOf(uint256 disputeId) external view returns (bytes32[] memory);

    /// @notice The open dispute on a licence or sale, or 0 if none.
    function openDisputeOn(TargetKind kind, bytes32 target) external view returns (uint256 disputeId);

    /// @notice How many disputes have been opened (ids run from 1 to this number).
    function disputeCount() external view returns (uint256);
}
