// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IConsortium
/// @notice The members of the consortium and the sales channels whose orders it settles.
/// @dev Membership is OpenZeppelin AccessControl: the consortium admin holds `DEFAULT_ADMIN_ROLE` and grants
/// the member roles below. A refused role check reverts with `AccessControlUnauthorizedAccount(account, role)`.
/// A sales channel (an e-commerce shop such as `taobao`, `jd` or `pdd`) is not a role but a record: a small
/// id (1..63, so a licence's channel scope fits one 64-bit word), a unique name, and the one account allowed
/// to report its sales.
interface IConsortium {
    /// @notice A channel was registered by the consortium admin.
    event ChannelAdded(uint8 indexed channelId, string name, address indexed reporter);
    /// @notice A channel's reporting account was replaced (for example a rotated key).
    event ChannelReporterChanged(uint8 indexed channelId, address indexed previousReporter, address indexed reporter);
    /// @notice A channel was switched off (no new sales) or on again.
    event ChannelActiveSet(uint8 indexed channelId, bool active);

    /// @notice `channelId` was never registered.
    error ConsortiumUnknownChannel(uint256 channelId);
    /// @notice All channel ids are taken; the consortium supports at most `maxChannels` channels.
    error ConsortiumChannelLimitReached(uint256 maxChannels);
    /// @notice A channel name must be 1 to 32 bytes of lowercase letters, digits, `-` or `_`.
    error ConsortiumInvalidChannelName(string name);
    /// @notice Another channel already uses `name`.
    error ConsortiumChannelNameTaken(string name, uint8 channelId);
    /// @notice `reporter` already reports for channel `channelId`; each channel needs its own account.
    error ConsortiumReporterInUse(address reporter, uint8 channelId);
    /// @notice The zero address was given where an account is required.
    error ConsortiumZeroAddress();
    /// @notice `account` is not the reporting account of an active channel.
    error ConsortiumNotChannelReporter(address account);

    /// @notice Registers a sales channel and the account that reports its sales. Consortium admin only.
    /// @param name Short lowercase name, unique in the consortium (`taobao`, `jd`, `pdd`).
    /// @param reporter The account that will call `settleSale` and `refundSale` for this channel.
    /// @return channelId The new channel's id, from 1 upwards.
    function addChannel(string calldata name, address reporter) external returns (uint8 channelId);

    /// @notice Replaces the reporting account of a channel. Consortium admin only.
    function setChannelReporter(uint8 channelId, address reporter) external;

    /// @notice Switches a channel off (its reporter can no longer settle new sales; it can still refund
    /// its escrowed sales) or on again. Consortium admin only.
    function setChannelActive(uint8 channelId, bool active) external;

    /// @notice A channel's name, reporting account and whether it may settle new sales.
    function channel(uint8 channelId) external view returns (string memory name, address reporter, bool active);

    /// @notice The active channel that `reporter` reports for, or 0 if none.
    function channelOfReporter(address reporter) external view returns (uint8 channelId);

    /// @notice The id of a channel by its name, or 0 if none.
    function channelIdByName(string calldata name) external view returns (uint8 channelId);

    /// @notice How many channels have been registered (ids run from 1 to this number).
    function channelCount() external view returns (uint8);
}
