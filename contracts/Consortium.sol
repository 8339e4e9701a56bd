// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";

/// @title Consortium
/// @notice Roles of the consortium's members and the registry of sales channels.
abstract contract Consortium is IConsortium, AccessControl {
    /// @notice Rights holders: may register licences for content they own.
    bytes32 public constant RIGHTS_HOLDER_ROLE = keccak256("RIGHTS_HOLDER_ROLE");
    /// @notice MCNs: may be named as the MCN of a licence.
    bytes32 public constant MCN_ROLE = keccak256("MCN_ROLE");
    /// @notice Video platforms: may be named as the platform of a licence.
    bytes32 public constant PLATFORM_ROLE = keccak256("PLATFORM_ROLE");
    /// @notice Arbiters: resolve disputes.
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
    /// @notice The dispute registry contract: freezes and refunds sales, suspends and terminates licences.
    bytes32 public constant DISPUTE_REGISTRY_ROLE = keccak256("DISPUTE_REGISTRY_ROLE");

    /// @notice Channel ids run from 1 to 63, so a licence's scope is one 64-bit word.
    uint8 public constant MAX_CHANNELS = 63;

    struct Channel {
        address reporter;
        bool active;
        string name;
    }

    mapping(uint8 channelId => Channel) private _channels;
    mapping(address reporter => uint8 channelId) internal _reporterChannel; // active channels only
    mapping(bytes32 nameHash => uint8 channelId) private _channelByName;
    uint8 internal _channelCount;

    constructor(address admin) {
        if (admin == address(0)) revert ConsortiumZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IConsortium
    function addChannel(string calldata name, address reporter) external onlyRole(DEFAULT_ADMIN_ROLE) returns (uint8 channelId) {
        if (_channelCount == MAX_CHANNELS) revert ConsortiumChannelLimitReached(MAX_CHANNELS);
        _checkChannelName(name);
        bytes32 nameHash = keccak256(bytes(name));
        uint8 taken = _channelByName[nameHash];
        if (taken != 0) revert ConsortiumChannelNameTaken(name, taken);
        _checkReporterFree(reporter, 0);

        channelId = ++_channelCount;
        _channels[channelId] = Channel({reporter: reporter, active: true, name: name});
        _channelByName[nameHash] = channelId;
        _reporterChannel[reporter] = channelId;
        emit ChannelAdded(channelId, name, reporter);
    }

    /// @inheritdoc IConsortium
    function setChannelReporter(uint8 channelId, address reporter) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Channel storage c = _channel(channelId);
        _checkReporterFree(reporter, channelId);
        address previous = c.reporter;
        c.reporter = reporter;
        if (c.active) {
            delete _reporterChannel[previous];
            _reporterChannel[reporter] = channelId;
        }
        emit ChannelReporterChanged(channelId, previous, reporter);
    }

    /// @inheritdoc IConsortium
    function setChannelActive(uint8 channelId, bool active) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Channel storage c = _channel(channelId);
        if (c.active == active) return;
        c.active = active;
        if (active) {
            _reporterChannel[c.reporter] = channelId;
        } else {
            delete _reporterChannel[c.reporter];
        }
        emit ChannelActiveSet(channelId, active);
    }

    /// @inheritdoc IConsortium
    function channel(uint8 channelId) external view returns (string memory name, address reporter, bool active) {
        Channel storage c = _channel(channelId);
        return (c.name, c.reporter, c.active);
    }

    /// @inheritdoc IConsortium
    function channelOfReporter(address reporter) external view returns (uint8) {
        return _reporterChannel[reporter];
    }

    /// @inheritdoc IConsortium
    function channelIdByName(string calldata name) external view returns (uint8) {
        return _channelByName[keccak256(bytes(name))];
    }

    /// @inheritdoc IConsortium
    function channelCount() external view returns (uint8) {
        return _channelCount;
    }

    /// @dev The channel's current reporting account (whether or not the channel is active).
    function _channelReporter(uint8 channelId) internal view returns (address) {
        return _channels[channelId].reporter;
    }

    function _channel(uint8 channelId) private view returns (Channel storage c) {
        if (channelId == 0 || channelId > _channelCount) revert ConsortiumUnknownChannel(channelId);
        return _channels[channelId];
    }

    /// @dev A reporter serves one channel only, active or not: `settleSale` finds the channel from the
    /// caller. At most 63 channels, so the scan is bounded.
    function _checkReporterFree(address reporter, uint8 exceptChannelId) private view {
        if (reporter == address(0)) revert ConsortiumZeroAddress();
        for (uint8 id = 1; id <= _channelCount; ++id) {
            if (id != exceptChannelId && _channels[id].reporter == reporter) revert ConsortiumReporterInUse(reporter, id);
        }
    }

    function _checkChannelName(string calldata name) private pure {
        bytes calldata b = bytes(name);
        if (b.length == 0 || b.length > 32) revert ConsortiumInvalidChannelName(name);
        for (uint256 i; i < b.length; ++i) {
            bytes1 ch = b[i];
            bool ok = (ch >= "a" && ch <= "z") || (ch >= "0" && ch <= "9") || ch == "-" || ch == "_";
            if (!ok) revert ConsortiumInvalidChannelName(name);
        }
    }
}
