import { getAddress } from "viem";

/** Unix seconds → ISO-8601 UTC; null stays null. */
export function iso(seconds: number | null | undefined): string | null {
  return seconds === null || seconds === undefined ? null : new Date(seconds * 1000).toISOString();
}

export function isoRequired(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** Any-case address → checksummed (the database stores checksummed addresses). */
export function checksum(address: string): string {
  return getAddress(address.toLowerCase());
}
