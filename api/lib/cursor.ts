/**
 * Opaque cursors: the sort key of the last row of a page, base64url-encoded JSON. A cursor that does not
 * decode to the shape a list expects is a 400, never a silent first page.
 */
export class BadCursorError extends Error {
  constructor() {
    super("cursor is not one this API issued: pass the nextCursor of the previous page unchanged, or omit it for the first page");
  }
}

export function encodeCursor(key: (number | string)[]): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

/** Decodes a cursor whose key has the given element types. */
export function decodeCursor<T extends ("number" | "string")[]>(
  cursor: string | undefined,
  types: T,
): { [K in keyof T]: T[K] extends "number" ? number : string } | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new BadCursorError();
  }
  if (!Array.isArray(key) || key.length !== types.length) throw new BadCursorError();
  key.forEach((v, i) => {
    const ok = types[i] === "number" ? Number.isSafeInteger(v) && v >= 0 : typeof v === "string" && v.length <= 100;
    if (!ok) throw new BadCursorError();
  });
  return key as never;
}
