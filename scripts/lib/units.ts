/**
 * Human units for the command line: token amounts, percentages and splits, durations and dates. Every
 * parser refuses what it cannot represent exactly (a sub-cent amount, a sub-basis-point ratio) with a
 * sentence saying why, instead of rounding silently. Money is always bigint.
 */

/** Bad input from the user: a sentence for the terminal, never a stack trace. */
export class InputError extends Error {
  override name = "InputError";
}

/** Basis points in a whole (100 %). */
export const BPS = 10_000;

/**
 * Parses a decimal amount such as `199`, `199.5` or `199.00` into the token's smallest unit.
 * Refuses more decimals than the token has, signs, exponents and thousands separators.
 */
export function parseAmount(text: string, decimals: number, symbol = "the token"): bigint {
  const s = text.trim().replace(/_/g, "");
  const m = /^(\d+)(?:\.(\d*))?$/.exec(s) ?? /^()\.(\d+)$/.exec(s);
  if (!m) {
    throw new InputError(`"${text}" is not an amount: write it like 199 or 199.00 (no sign, no thousands separator)`);
  }
  const whole = m[1] || "0";
  const fraction = (m[2] ?? "").replace(/0+$/, "");
  if (fraction.length > decimals) {
    throw new InputError(
      `"${text}" has ${fraction.length} decimals but ${symbol} has only ${decimals}: ` +
        `the smallest amount is ${formatAmount(1n, decimals, symbol)}`,
    );
  }
  return BigInt(whole) * 10n ** BigInt(decimals) + BigInt((fraction || "0").padEnd(decimals, "0"));
}

/** Formats an amount in the token's smallest unit with all its decimals: `19900n, 2, "dCNY"` → `199.00 dCNY`. */
export function formatAmount(value: bigint, decimals: number, symbol?: string): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const base = 10n ** BigInt(decimals);
  const whole = (abs / base).toString();
  const fraction = decimals > 0 ? "." + (abs % base).toString().padStart(decimals, "0") : "";
  return `${negative ? "-" : ""}${whole}${fraction}${symbol ? ` ${symbol}` : ""}`;
}

/**
 * Parses a percentage (`20`, `12.5`, `12.5%`) into basis points. Refuses anything finer than a basis
 * point (0.01 %), negative values and more than 100 %.
 */
export function parsePercent(text: string, what = "percentage"): number {
  const s = text.trim().replace(/\s*%$/, "");
  const m = /^(\d+)(?:\.(\d*))?$/.exec(s);
  if (!m) throw new InputError(`"${text}" is not a ${what}: write it in percent, like 20 or 12.5`);
  const fraction = (m[2] ?? "").replace(/0+$/, "");
  if (fraction.length > 2) throw new InputError(`${what} ${text} % is finer than a basis point (0.01 %)`);
  const bps = Number(m[1]) * 100 + Number((fraction || "0").padEnd(2, "0"));
  if (bps > BPS) throw new InputError(`${what} ${text} % is more than 100 %`);
  return bps;
}

/** Basis points as a percentage: `1250` → `12.5 %`. */
export function formatBps(bps: number | bigint): string {
  const n = Number(bps);
  const whole = Math.trunc(n / 100);
  const fraction = (n % 100).toString().padStart(2, "0").replace(/0+$/, "");
  return `${whole}${fraction ? `.${fraction}` : ""} %`;
}

export interface Split {
  rightsHolderBps: number;
  mcnBps: number;
  platformBps: number;
}

/**
 * Parses a split `rights holder/MCN/platform` in percent (`15/35/50`, `12.5/37.5/50`) into basis points,
 * refusing one that does not sum to exactly 100 %.
 */
export function parseSplit(text: string): Split {
  const parts = text.split("/");
  if (parts.length !== 3) {
    throw new InputError(`"${text}" is not a split: give the rights holder's, the MCN's and the platform's percent, like 15/35/50`);
  }
  const [rightsHolderBps, mcnBps, platformBps] = parts.map((p) => parsePercent(p, "share")) as [number, number, number];
  const sum = rightsHolderBps + mcnBps + platformBps;
  if (sum !== BPS) throw new InputError(`the split ${text} sums to ${formatBps(sum)}, not 100 %`);
  return { rightsHolderBps, mcnBps, platformBps };
}

/** A split as `15/35/50 %`. */
export function formatSplit(s: Split): string {
  return [s.rightsHolderBps, s.mcnBps, s.platformBps].map((b) => formatBps(b).replace(/ %$/, "")).join("/") + " %";
}

const UNIT_SECONDS: Record<string, number> = { w: 604_800, d: 86_400, h: 3_600, m: 60, s: 1 };

/** Parses a duration: plain seconds (`604800`) or units (`7d`, `12h`, `30m`, `2w`, `1d12h`). */
export function parseDuration(text: string, what = "duration"): number {
  const s = text.trim().toLowerCase().replace(/\s+/g, "");
  if (/^\d+$/.test(s)) return Number(s);
  if (!/^(\d+[wdhms])+$/.test(s)) {
    throw new InputError(`"${text}" is not a ${what}: give seconds (604800) or units like 7d, 12h, 30m, 1d12h`);
  }
  let seconds = 0;
  for (const [, n, unit] of s.matchAll(/(\d+)([wdhms])/g)) seconds += Number(n) * UNIT_SECONDS[unit!]!;
  return seconds;
}

/** A duration in words: `604800` → `7 d`, `129600` → `1 d 12 h`, `0` → `0 s`. */
export function formatDuration(seconds: number | bigint): string {
  let rest = Number(seconds);
  if (rest === 0) return "0 s";
  const parts: string[] = [];
  for (const [unit, size] of Object.entries(UNIT_SECONDS)) {
    if (unit === "w") continue;
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)} ${unit}`);
      rest %= size;
    }
  }
  return parts.join(" ");
}

/** Parses an ISO 8601 date (`2026-12-31`, `2026-12-31T18:00:00Z`) or unix seconds into unix seconds. */
export function parseDate(text: string, what = "date"): number {
  const s = text.trim();
  if (/^\d+$/.test(s)) return Number(s);
  const ms = Date.parse(s);
  if (!/^\d{4}-\d{2}-\d{2}/.test(s) || Number.isNaN(ms)) {
    throw new InputError(`"${text}" is not a ${what}: give an ISO date like 2026-12-31 or 2026-12-31T18:00:00Z`);
  }
  return Math.floor(ms / 1000);
}

/** Unix seconds as an ISO 8601 UTC date without milliseconds: `2026-12-31T18:00:00Z`. */
export function formatDate(unixSeconds: number | bigint): string {
  return new Date(Number(unixSeconds) * 1000).toISOString().replace(/\.000Z$/, "Z");
}
