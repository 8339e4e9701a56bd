// Formatting for people: amounts with their token's decimals (exact, with BigInt: an amount is never a
// JavaScript number), addresses and hashes shortened, basis points as percentages, times in UTC.

/** "1234567" → "1,234,567" */
export function groupDigits(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * An integer amount in the token's smallest unit (a decimal string, as the API gives it) → "1,234.56 dCNY".
 * At least two decimals are shown, more only when they are not zero; a token without decimals shows the
 * raw integer.
 */
export function formatAmount(amount, decimals, symbol) {
  const value = BigInt(amount);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  let text;
  if (decimals === null || decimals === undefined || decimals === 0) {
    text = groupDigits(abs.toString());
  } else {
    const base = 10n ** BigInt(decimals);
    const whole = groupDigits((abs / base).toString());
    let fraction = (abs % base).toString().padStart(decimals, "0");
    const keep = Math.min(decimals, 2);
    fraction = fraction.replace(/0+$/, "");
    if (fraction.length < keep) fraction = fraction.padEnd(keep, "0");
    text = fraction ? `${whole}.${fraction}` : whole;
  }
  return `${negative ? "-" : ""}${text}${symbol ? ` ${symbol}` : ""}`;
}

/** "0x1234567890abcdef…" → "0x1234…cdef" */
export function shortHex(hex, head = 6, tail = 4) {
  if (typeof hex !== "string" || hex.length <= head + tail + 1) return hex ?? "";
  return `${hex.slice(0, head)}…${hex.slice(-tail)}`;
}

/** 1500 → "15 %", 1250 → "12.5 %", 333 → "3.33 %" */
export function formatBps(bps) {
  const whole = Math.trunc(bps / 100);
  const rest = String(Math.abs(bps % 100))
    .padStart(2, "0")
    .replace(/0+$/, "");
  return `${whole}${rest ? `.${rest}` : ""} %`;
}

/** ISO time → "2026-07-07 17:47:03 UTC" */
export function formatTime(isoTime) {
  if (!isoTime) return "—";
  const d = new Date(isoTime);
  if (Number.isNaN(d.getTime())) return isoTime;
  return `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** ISO time → "2026-07-07" */
export function formatDate(isoTime) {
  return isoTime ? isoTime.slice(0, 10) : "—";
}

/** 612345 → "7d 02h 05m 45s" */
export function formatDuration(seconds) {
  let s = Math.max(0, Math.floor(seconds));
  const days = Math.floor(s / 86_400);
  s -= days * 86_400;
  const hours = Math.floor(s / 3600);
  s -= hours * 3600;
  const minutes = Math.floor(s / 60);
  s -= minutes * 60;
  const pad = (n) => String(n).padStart(2, "0");
  if (days > 0) return `${days}d ${pad(hours)}h ${pad(minutes)}m ${pad(s)}s`;
  if (hours > 0) return `${hours}h ${pad(minutes)}m ${pad(s)}s`;
  return `${minutes}m ${pad(s)}s`;
}

/** A hold in seconds → "none", "7 days", "3 h" */
export function formatHold(seconds) {
  if (!seconds) return "none (paid at once)";
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day${seconds === 86_400 ? "" : "s"}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  return formatDuration(seconds);
}

/** "1,234" for counts (plain integers, not amounts). */
export function formatCount(n) {
  return groupDigits(String(n));
}

export const ROLE_LABEL = { rightsHolder: "Rights holder", mcn: "MCN", platform: "Platform", channel: "Channel" };

/** "ownership-claim" → "Ownership claim" */
export function sentenceCase(kebab) {
  if (!kebab) return "";
  const words = String(kebab).replaceAll("-", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const isAddress = (s) => /^0x[0-9a-fA-F]{40}$/.test(s);
export const isBytes32 = (s) => /^0x[0-9a-fA-F]{64}$/.test(s);
