// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Test only: an ERC-20 whose balances are shares times an index that `rebase` changes, so every
/// holder's balance grows or shrinks without a transfer, as rebasing and interest-bearing tokens do.
/// While the index is 1 (its initial value) every transfer is exact.
contract RebasingToken {
    uint256 private constant ONE = 1e18;

    /// @notice Balance per share, scaled by 1e18.
    uint256 public index = ONE;
    uint256 private _totalShares;
    mapping(address account => uint256) private _shares;
    mapping(address owner => mapping(address spender => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    error RebasingTokenInsufficient(address account, uint256 needed, uint256 available);

    function name() external pure returns (string memory) {
        return "Rebasing";
    }

    function symbol() external pure returns (string memory) {
        return "REB";
    }

    function decimals() external pure returns (uint8) {
        return 18;
    }

    function totalSupply() external view returns (uint256) {
        return (_totalShares * index) / ONE;
    }

    function balanceOf(address account) public view returns (uint256) {
        return (_shares[account] * index) / ONE;
    }

    function mint(address to, uint256 amount) external {
        uint256 shares = (amount * ONE) / index;
        _totalShares += shares;
        _shares[to] += shares;
        emit Transfer(address(0), to, amount);
    }

    /// @notice Changes every balance by the ratio `newIndex / index`.
    function rebase(uint256 newIndex) external {
        index = newIndex;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed < amount) revert RebasingTokenInsufficient(from, amount, allowed);
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - amount;
        _move(from, to, amount);
        return true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function _move(address from, address to, uint256 amount) private {
        uint256 shares = (amount * ONE) / index;
        if (_shares[from] < shares) revert RebasingTokenInsufficient(from, amount, balanceOf(from));
        _shares[from] -= shares;
        _shares[to] += shares;
        emit Transfer(from, to, amount);
    }
}
