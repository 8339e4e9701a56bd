import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deployConsortium, deployWithLicences, ids, saleIdOf } from "./fixtures";
import type { Consortium as Deployed } from "./fixtures";

/** A distinct, never-used account address for the n-th extra channel. */
function reporterAddress(n: number): string {
  return ethers.getAddress(ethers.zeroPadValue(ethers.toBeHex(0x5e11e400 + n), 20));
}

/** Settles one sale of `gross` under `licenceId` as `reporter`. */
async function settle(c: Deployed, reporter: HardhatEthersSigner, licenceId: bigint, order: string, gross = 10_000n) {
  return c.settlement.connect(reporter).settleSale(licenceId, ids.order(order), await c.token.getAddress(), gross);
}

/** Funds a fresh reporting account with dCNY and lets it pay the vault. */
async function fundReporter(c: Deployed, reporter: HardhatEthersSigner) {
  await c.token.connect(c.accounts.admin).mint(reporter.address, 10n ** 12n);
  await c.token.connect(reporter).approve(await c.settlement.getAddress(), ethers.MaxUint256);
}

describe("Consortium", function () {
  describe("deployment", function () {
    it("refuses a zero consortium admin", async function () {
      const factory = await ethers.getContractFactory("Settlement");
      await expect(factory.deploy(ethers.ZeroAddress)).to.be.revertedWithCustomError(factory, "ConsortiumZeroAddress");
    });

    it("gives the consortium admin DEFAULT_ADMIN_ROLE and nobody else", async function () {
      const c = await loadFixture(deployConsortium);
      const adminRole = await c.settlement.DEFAULT_ADMIN_ROLE();
      expect(await c.settlement.hasRole(adminRole, c.accounts.admin.address)).to.equal(true);
      for (const a of [c.accounts.rightsHolder, c.accounts.mcn, c.accounts.platform, c.accounts.arbiter, c.accounts.taobao]) {
        expect(await c.settlement.hasRole(adminRole, a.address)).to.equal(false);
      }
    });
  });

  describe("addChannel", function () {
    it("numbers channels from 1 on a fresh consortium", async function () {
      const [admin, , , , , , , , taobao] = await ethers.getSigners();
      const settlement = await ethers.deployContract("Settlement", [admin!.address]);
      expect(await settlement.channelCount()).to.equal(0);
      expect(await settlement.addChannel.staticCall("taobao", taobao!.address)).to.equal(1);
      await expect(settlement.addChannel("taobao", taobao!.address))
        .to.emit(settlement, "ChannelAdded")
        .withArgs(1, "taobao", taobao!.address);
      expect(await settlement.channelCount()).to.equal(1);
    });

    it("registers the fixture's channels as taobao=1, jd=2, pdd=3 with their reporters", async function () {
      const c = await loadFixture(deployConsortium);
      const expected: [number, string, HardhatEthersSigner][] = [
        [1, "taobao", c.accounts.taobao],
        [2, "jd", c.accounts.jd],
        [3, "pdd", c.accounts.pdd],
      ];
      for (const [id, name, reporter] of expected) {
        expect(await c.settlement.channel(id)).to.deep.equal([name, reporter.address, true]);
        expect(await c.settlement.channelIdByName(name)).to.equal(id);
        expect(await c.settlement.channelOfReporter(reporter.address)).to.equal(id);
      }
      expect(await c.settlement.channelCount()).to.equal(3);
    });

    it("adds a fourth channel with the next id, its name, its reporter and active", async function () {
      const c = await loadFixture(deployConsortium);
      const reporter = c.accounts.outsider.address;
      expect(await c.settlement.addChannel.staticCall("douyin-shop_2", reporter)).to.equal(4);
      await expect(c.settlement.addChannel("douyin-shop_2", reporter))
        .to.emit(c.settlement, "ChannelAdded")
        .withArgs(4, "douyin-shop_2", reporter);
      expect(await c.settlement.channel(4)).to.deep.equal(["douyin-shop_2", reporter, true]);
      expect(await c.settlement.channelIdByName("douyin-shop_2")).to.equal(4);
      expect(await c.settlement.channelOfReporter(reporter)).to.equal(4);
      expect(await c.settlement.channelCount()).to.equal(4);
    });

    it("answers 0 for a name or a reporter that belongs to no channel", async function () {
      const c = await loadFixture(deployConsortium);
      expect(await c.settlement.channelIdByName("douyin")).to.equal(0);
      expect(await c.settlement.channelIdByName("TAOBAO")).to.equal(0);
      expect(await c.settlement.channelOfReporter(c.accounts.outsider.address)).to.equal(0);
      expect(await c.settlement.channelOfReporter(c.accounts.admin.address)).to.equal(0);
    });

    it("accepts a name of exactly 32 bytes", async function () {
      const c = await loadFixture(deployConsortium);
      const name = "a".repeat(32);
      await expect(c.settlement.addChannel(name, c.accounts.outsider.address))
        .to.emit(c.settlement, "ChannelAdded")
        .withArgs(4, name, c.accounts.outsider.address);
    });

    const invalidNames: [string, string][] = [
      ["an empty name", ""],
      ["an uppercase name", "Taobao"],
      ["a 33-byte name", "a".repeat(33)],
      ["a name with a space", "tao bao"],
      ["a unicode name", "淘宝"],
      ["a name with a dot", "jd.com"],
    ];
    for (const [label, name] of invalidNames) {
      it(`refuses ${label}`, async function () {
        const c = await loadFixture(deployConsortium);
        await expect(c.settlement.addChannel(name, c.accounts.outsider.address))
          .to.be.revertedWithCustomError(c.settlement, "ConsortiumInvalidChannelName")
          .withArgs(name);
        expect(await c.settlement.channelCount()).to.equal(3);
      });
    }

    it("refuses a name another channel already uses", async function () {
      const c = await loadFixture(deployConsortium);
      await expect(c.settlement.addChannel("jd", c.accounts.outsider.address))
        .to.be.revertedWithCustomError(c.settlement, "ConsortiumChannelNameTaken")
        .withArgs("jd", 2);
    });

    it("refuses a reporter that already reports for another channel", async function () {
      const c = await loadFixture(deployConsortium);
      await expect(c.settlement.addChannel("douyin", c.accounts.jd.address))
        .to.be.revertedWithCustomError(c.settlement, "ConsortiumReporterInUse")
        .withArgs(c.accounts.jd.address, 2);
    });

    it("refuses the reporter of a switched-off channel too", async function () {
      const c = await loadFixture(deployConsortium);
      await c.settlement.setChannelActive(c.channel.pdd, false);
      await expect(c.settlement.addChannel("douyin", c.accounts.pdd.address))
        .to.be.revertedWithCustomError(c.settlement, "ConsortiumReporterInUse")
        .withArgs(c.accounts.pdd.address, 3);
    });

    it("refuses a zero reporter", async function () {
      const c = await loadFixture(deployConsortium);
      await expect(c.settlement.addChannel("douyin", ethers.ZeroAddress)).to.be.revertedWithCustomError(
        c.settlement,
        "ConsortiumZeroAddress",
      );
    });

    it("takes channels up to id 63 and refuses the 64th", async function () {
      const c = await loadFixture(deployConsortium);
      for (let n = 4; n <= 63; n++) await c.settlement.addChannel(`shop-${n}`, reporterAddress(n));
      expect(await c.settlement.channelCount()).to.equal(63);
      expect(await c.settlement.channel(63)).to.deep.equal(["shop-63", reporterAddress(63), true]);
      await expect(c.settlement.addChannel("shop-64", reporterAddress(64)))
        .to.be.revertedWithCustomError(c.settlement, "ConsortiumChannelLimitReached")
        .withArgs(63);
      expect(await c.settlement.channelIdByName("shop-64")).to.equal(0);
    });
  });

  describe("channel", function () {
    for (const id of [0, 4]) {
      it(`refuses unknown channel id ${id}`, async function () {
        const c = await loadFixture(deployConsortium);
        await expect(c.settlement.channel(id)).to.be.revertedWithCustomError(c.settlement, "ConsortiumUnknownChannel").withArgs(id);
      });
    }
  });

  describe("setChannelReporter", function () {
    it("announces the change with the previous and the new reporter", async function () {
      const c = await loadFixture(deployConsortium);
      const fresh = c.accounts.outsider;
      await expect(c.settlement.setChannelReporter(c.channel.taobao, fresh.address))
        .to.emit(c.settlement, "ChannelReporterChanged")
        .withArgs(c.channel.taobao, c.accounts.taobao.address, fresh.address);
      expect(await c.settlement.channel(c.channel.taobao)).to.deep.equal(["taobao", fresh.address, true]);
      expect(await c.settlement.channelOfReporter(fresh.address)).to.equal(c.channel.taobao);
      expect(await c.settlement.channelOfReporter(c.accounts.taobao.address)).to.equal(0);
    });

    it("stops the old reporter from settling and lets the new one settle for the channel", async function () {
      const c = await loadFixture(deployWithLicences);
      const fresh = c.accounts.outsider;
      await fundReporter(c, fresh);
      await c.settlement.setChannelReporter(c.channel.taobao, fresh.address);

      await expect(settle(c, c.accounts.taobao, c.instantLicenceId, "old-key"))
        .to.be.revertedWithCustomError(c.settlement, "ConsortiumNotChannelReporter")
        .withArgs(c.accounts.taobao.address);
      const saleId = saleIdOf(c.channel.taobao, ids.order("new-key"));
      await expect(settle(c, fresh, c.instantLicenceId, "new-key"))
        .to.emit(c.settlement, "SaleSettled")
        .withArgs(
          saleId,
          c.instantLicenceId,
          c.channel.taobao,
          ids.order("new-key"),
          await c.token.getAddress(),
          10_000n,
          2_000n,
          300n,
          700n,
          1_000n,
          0,
        );
      expect(await c.token.balanceOf(await c.settlement.getAddress())).to.equal(2_000n);
    });

    it("hands the refund of the channel's escrowed sales to the new reporter", async function () {
      const c = await loadFixture(deployWithLicences);
      await settle(c, c.accounts.taobao, c.escrowLicenceId, "escrowed");
      const saleId = saleIdOf(c.channel.taobao, ids.order("escrowed"));
      await c.settlement.setChannelReporter(c.channel.taobao, c.accounts.outsider.address);

      await expect(c.settlement.connect(c.accounts.taobao).refundSale(saleId))
        .to.be.revertedWithCustomError(c.settlement, "SettlementNotSaleChannel")
        .withArgs(saleId, c.accounts.taobao.address);
      await expect(c.settlement.connect(c.accounts.outsider).refundSale(saleId))
        .to.emit(c.settlement, "SaleRefunded")
        .withArgs(saleId, c.escrowLicenceId, c.accounts.outsider.address, 2_000n, 0);
    });

    it("may keep the channel's own reporter (a no-op re-registration)", async function () {
      const c = await loadFixture(deployConsortium);
      await expect(c.settlement.setChannelReporter(c.channel.jd, c.accounts.jd.address))
        .to.emit(c.settlement, "ChannelReporterChanged")
        .withArgs(c.channel.jd, c.accounts.jd.address, c.accounts.jd.address);
      expect(await c.settlement.channelOfReporter(c.accounts.jd.address)).to.equal(c.channel.jd);
    });

    it("on a switched-off channel takes effect when the channel is switched on again", async function () {
      const c = await loadFixture(deployWithLicences);
      const fresh = c.accounts.outsider;
      await fundReporter(c, fresh);
      await c.settlement.setChannelActive(c.channel.taobao, false);
      await c.settlement.setChannelReporter(c.channel.taobao, fresh.address);
      expect(await c.settlement.channelOfReporter(fresh.address)).to.equal(0);
      await expect(settle(c, fresh, c.instantLicenceId, "while-off"))
        .to.be.revertedWithCustomError(c.settlement, "ConsortiumNotChannelReporter")
        .withArgs(fresh.address);

      await c.settlement.setChannelActive(c.channel.taobao, true);
      expect(await c.settlement.channelOfReporter(fresh.address)).to.equal(c.channel.taobao);
      expect(await c.settlement.channelOfReporter(c.accounts.taobao.address)).to.equal(0);
      await expect(settle(c, fresh, c.instantLicenceId, "back-on")).to.emit(c.settlement, "SaleSettled");
      await expect(settle(c, c.accounts.taobao, c.instantLicenceId, "old-key"))
        .to.be.revertedWithCustomError(c.settlement, "ConsortiumNotChannelReporter")
        .withArgs(c.accounts.taobao.address);
    });

    it("refuses a reporter already used by another channel", async function () {
      const c = await loadFixture(deployConsortium);
      await expect(c.settlement.setChannelReporter(c.channel.taobao, c.accounts.jd.address))
        .to.be.revertedWithCustomError(c.settlement, "ConsortiumReporterInUse")
        .withArgs(c.accounts.jd.address, 2);
      expect(await c.settlement.channelOfReporter(c.accounts.jd.address)).to.equal(c.channel.jd);
    });

    it("refuses a zero reporter", async function () {
      const c = await loadFixture(deployConsortium);
      await expect(c.settlement.setChannelReporter(c.channel.taobao, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        c.settlement,
        "ConsortiumZeroAddress",
      );
    });

    for (const id of [0, 4]) {
      it(`refuses unknown channel id ${id}`, async function () {
        const c = await loadFixture(deployConsortium);
        await expect(c.settlement.setChannelReporter(id, c.accounts.outsider.address))
          .to.be.revertedWithCustomError(c.settlement, "ConsortiumUnknownChannel")
          .withArgs(id);
      });
    }
  });

  describe("setChannelActive", function () {
    it("switching a channel off stops its reporter settling and unlinks the reporter", async function () {
      const c = await loadFixture(deployWithLicences);
      await expect(c.settlement.setChannelActive(c.channel.taobao, false))
        .to.emit(c.settlement, "ChannelActiveSet")
        .withArgs(c.channel.taobao, false);
      expect(await c.settlement.channel(c.channel.taobao)).to.deep.equal(["taobao", c.accounts.taobao.address, false]);
      expect(await c.settlement.channelOfReporter(c.accounts.taobao.address)).to.equal(0);
      await expect(settle(c, c.accounts.taobao, c.instantLicenceId, "off"))
        .to.be.revertedWithCustomError(c.settlement, "ConsortiumNotChannelReporter")
        .withArgs(c.accounts.taobao.address);
      await expect(
        c.settlement
          .connect(c.accounts.taobao)
          .settleSales(await c.token.getAddress(), [{ licenceId: c.instantLicenceId, orderRef: ids.order("off-batch"), gross: 10_000n }]),
      )
        .to.be.revertedWithCustomError(c.settlement, "ConsortiumNotChannelReporter")
        .withArgs(c.accounts.taobao.address);
      // other channels are unaffected
      await expect(settle(c, c.accounts.jd, c.instantLicenceId, "jd-still-on")).to.emit(c.settlement, "SaleSettled");
    });

    it("lets a switched-off channel still refund its escrowed sale", async function () {
      const c = await loadFixture(deployWithLicences);
      await settle(c, c.accounts.taobao, c.escrowLicenceId, "escrowed", 50_000n);
      const saleId = saleIdOf(c.channel.taobao, ids.order("escrowed"));
      await c.settlement.setChannelActive(c.channel.taobao, false);

      await expect(c.settlement.connect(c.accounts.taobao).refundSale(saleId))
        .to.emit(c.settlement, "SaleRefunded")
        .withArgs(saleId, c.escrowLicenceId, c.accounts.taobao.address, 10_000n, 0);
      expect(await c.settlement.claimable(c.accounts.taobao.address, await c.token.getAddress())).to.equal(10_000n);
      expect((await c.settlement.getSale(saleId)).status).to.equal(4); // Refunded
    });

    it("switching the channel on again restores settling", async function () {
      const c = await loadFixture(deployWithLicences);
      await c.settlement.setChannelActive(c.channel.taobao, false);
      await expect(c.settlement.setChannelActive(c.channel.taobao, true))
        .to.emit(c.settlement, "ChannelActiveSet")
        .withArgs(c.channel.taobao, true);
      expect(await c.settlement.channel(c.channel.taobao)).to.deep.equal(["taobao", c.accounts.taobao.address, true]);
      expect(await c.settlement.channelOfReporter(c.accounts.taobao.address)).to.equal(c.channel.taobao);
      await expect(settle(c, c.accounts.taobao, c.instantLicenceId, "back-on")).to.emit(c.settlement, "SaleSettled");
    });

    it("setting the value a channel already has changes nothing and emits nothing", async function () {
      const c = await loadFixture(deployConsortium);
      await expect(c.settlement.setChannelActive(c.channel.taobao, true)).not.to.emit(c.settlement, "ChannelActiveSet");
      expect(await c.settlement.channelOfReporter(c.accounts.taobao.address)).to.equal(c.channel.taobao);
      await c.settlement.setChannelActive(c.channel.taobao, false);
      await expect(c.settlement.setChannelActive(c.channel.taobao, false)).not.to.emit(c.settlement, "ChannelActiveSet");
      expect(await c.settlement.channelOfReporter(c.accounts.taobao.address)).to.equal(0);
      expect((await c.settlement.channel(c.channel.taobao)).active).to.equal(false);
    });

    for (const id of [0, 4]) {
      it(`refuses unknown channel id ${id}`, async function () {
        const c = await loadFixture(deployConsortium);
        await expect(c.settlement.setChannelActive(id, false))
          .to.be.revertedWithCustomError(c.settlement, "ConsortiumUnknownChannel")
          .withArgs(id);
      });
    }
  });

  describe("admin-only functions", function () {
    const outsiders: [string, (c: Deployed) => HardhatEthersSigner][] = [
      ["a rights holder", (c) => c.accounts.rightsHolder],
      ["an MCN", (c) => c.accounts.mcn],
      ["a platform", (c) => c.accounts.platform],
      ["an arbiter", (c) => c.accounts.arbiter],
      ["a channel reporter", (c) => c.accounts.taobao],
      ["an outsider", (c) => c.accounts.outsider],
    ];
    const calls: [string, (c: Deployed, s: HardhatEthersSigner) => Promise<unknown>][] = [
      ["addChannel", (c, s) => c.settlement.connect(s).addChannel("douyin", reporterAddress(1))],
      ["setChannelReporter", (c, s) => c.settlement.connect(s).setChannelReporter(c.channel.taobao, reporterAddress(1))],
      ["setChannelActive", (c, s) => c.settlement.connect(s).setChannelActive(c.channel.taobao, false)],
      ["setCommissionBand", (c, s) => c.settlement.connect(s).setCommissionBand(1000, 3000)],
      ["allowToken", (c, s) => c.settlement.connect(s).allowToken(reporterAddress(2))],
      ["disallowToken", async (c, s) => c.settlement.connect(s).disallowToken(await c.token.getAddress())],
      ["pause", (c, s) => c.settlement.connect(s).pause()],
      ["unpause", (c, s) => c.settlement.connect(s).unpause()],
      ["grantRole", async (c, s) => c.settlement.connect(s).grantRole(await c.settlement.MCN_ROLE(), c.accounts.outsider.address)],
      ["revokeRole", async (c, s) => c.settlement.connect(s).revokeRole(await c.settlement.MCN_ROLE(), c.accounts.mcn.address)],
    ];

    for (const [fn, call] of calls) {
      for (const [who, pick] of outsiders) {
        it(`${fn} is refused to ${who}`, async function () {
          const c = await loadFixture(deployConsortium);
          const signer = pick(c);
          await expect(call(c, signer))
            .to.be.revertedWithCustomError(c.settlement, "AccessControlUnauthorizedAccount")
            .withArgs(signer.address, await c.settlement.DEFAULT_ADMIN_ROLE());
        });
      }
    }

    it("unpause is refused to non-admins while the vault is paused, too", async function () {
      const c = await loadFixture(deployConsortium);
      await c.settlement.pause();
      await expect(c.settlement.connect(c.accounts.arbiter).unpause())
        .to.be.revertedWithCustomError(c.settlement, "AccessControlUnauthorizedAccount")
        .withArgs(c.accounts.arbiter.address, await c.settlement.DEFAULT_ADMIN_ROLE());
      expect(await c.settlement.paused()).to.equal(true);
    });

    it("the admin's pause stops settling with EnforcedPause and unpause lets it resume", async function () {
      const c = await loadFixture(deployWithLicences);
      await c.settlement.pause();
      await expect(settle(c, c.accounts.taobao, c.instantLicenceId, "paused")).to.be.revertedWithCustomError(c.settlement, "EnforcedPause");
      await c.settlement.unpause();
      await expect(settle(c, c.accounts.taobao, c.instantLicenceId, "resumed")).to.emit(c.settlement, "SaleSettled");
    });

    it("the admin grants and revokes member roles", async function () {
      const c = await loadFixture(deployConsortium);
      const role = await c.settlement.MCN_ROLE();
      await expect(c.settlement.grantRole(role, c.accounts.outsider.address))
        .to.emit(c.settlement, "RoleGranted")
        .withArgs(role, c.accounts.outsider.address, c.accounts.admin.address);
      expect(await c.settlement.hasRole(role, c.accounts.outsider.address)).to.equal(true);
      await expect(c.settlement.revokeRole(role, c.accounts.outsider.address))
        .to.emit(c.settlement, "RoleRevoked")
        .withArgs(role, c.accounts.outsider.address, c.accounts.admin.address);
      expect(await c.settlement.hasRole(role, c.accounts.outsider.address)).to.equal(false);
    });

    it("every member role is administered by the consortium admin", async function () {
      const c = await loadFixture(deployConsortium);
      const adminRole = await c.settlement.DEFAULT_ADMIN_ROLE();
      for (const role of [
        await c.settlement.RIGHTS_HOLDER_ROLE(),
        await c.settlement.MCN_ROLE(),
        await c.settlement.PLATFORM_ROLE(),
        await c.settlement.ARBITER_ROLE(),
        await c.settlement.DISPUTE_REGISTRY_ROLE(),
        adminRole,
      ]) {
        expect(await c.settlement.getRoleAdmin(role)).to.equal(adminRole);
      }
    });
  });
});
