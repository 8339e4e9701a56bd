// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Test only: an ERC-20 whose `transfer`, `transferFrom` and `approve` return nothing, as Tether
/// USD (USDT) does on Ethereum. A caller that decodes a `bool` from them reverts; SafeERC20 accepts them.
contract NoReturnToken {
    uint256 public totalSupply;
    mapping(address account => uint256) public balanceOf;
    mapping(address owner => mapping(address spender => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    error NoReturnTokenInsufficient(address account, uint256 needed);

    function name() external pure returns (string memory) {
        return "No Return USD";
    }

    function symbol() external pure returns (string memory) {
        return "NRUSD";
    }

    function decimals() external pure returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function transfer(address to, uint256 amount) external {
        _move(msg.sender, to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) external {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed < amount) revert NoReturnTokenInsufficient(from, amount);
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - amount;
        _move(from, to, amount);
    }

    function approve(address spender, uint256 amount) external {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
    }

    function _move(address from, address to, uint256 amount) private {
        if (balanceOf[from] < amount) revert NoReturnTokenInsufficient(from, amount);
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}
