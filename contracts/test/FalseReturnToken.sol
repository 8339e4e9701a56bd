// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Test only: an ERC-20 that reports a failed transfer by returning `false` instead of reverting,
/// as some early tokens do. Besides a short balance or allowance, a transfer fails whenever `refusing` is
/// set, so a test can make one transfer fail without touching balances.
contract FalseReturnToken {
    uint256 public totalSupply;
    bool public refusing;
    mapping(address account => uint256) public balanceOf;
    mapping(address owner => mapping(address spender => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    function name() external pure returns (string memory) {
        return "False Return";
    }

    function symbol() external pure returns (string memory) {
        return "FALSE";
    }

    function decimals() external pure returns (uint8) {
        return 18;
    }

    function mint(address to, uint256 amount) external {
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function setRefusing(bool refusing_) external {
        refusing = refusing_;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        return _move(msg.sender, to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed < amount) return false;
        if (!_move(from, to, amount)) return false;
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - amount;
        return true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function _move(address from, address to, uint256 amount) private returns (bool) {
        if (refusing || balanceOf[from] < amount) return false;
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
        return true;
    }
}
