import { Type, type Static, type TSchema } from "@sinclair/typebox";

/**
 * A string from a fixed list, as JSON Schema `enum` (not a union of constants: validation errors then list
 * the allowed values, and the serialiser writes it without trying each alternative).
 */
export function StringEnum<T extends string>(values: readonly T[], options: { description?: string; default?: T } = {}) {
  return Type.Unsafe<T>({ type: "string", enum: [...values], ...options });
}

/** `schema` or null, as OpenAPI 3.0's `nullable` (understood by Ajv, fast-json-stringify and Swagger UI). */
export function Nullable<T extends TSchema>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, nullable: true });
}

/** An account or contract address; responses are EIP-55 checksummed, requests may use any case. */
export const Address = Type.String({
  pattern: "^0x[0-9a-fA-F]{40}$",
  description: "a 20-byte address: 0x and 40 hex digits",
  examples: ["0x90F79bf6EB2c4f870365E785982E1f101E93b906"],
});
export const Bytes32 = Type.String({ pattern: "^0x[0-9a-fA-F]{64}$", description: "a 32-byte hash or id: 0x and 64 hex digits" });
/** Integer amount in the token's smallest unit, as a decimal string (never a JSON number). */
export const Amount = Type.String({
  pattern: "^-?[0-9]+$",
  description: "integer in the token's smallest unit, decimal",
  examples: ["3980"],
});
export const IsoTime = Type.String({ format: "date-time", description: "an ISO-8601 date-time, e.g. 2026-12-02T08:00:00Z" });
export const BlockNumber = Type.Integer({ minimum: 0 });
export const Decimals = Nullable(Type.Integer({ minimum: 0, maximum: 255, description: "the token's decimals, null if it does not say" }));

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
  },
  { $id: "Problem", description: "RFC 9457 problem details" },
);

/** For routes that take no query parameters: any parameter is refused, never silently ignored. */
export const NoQuery = Type.Object({}, { additionalProperties: false });

export const Limit = Type.Integer({ minimum: 1, maximum: 500, default: 50, description: "page size, 1 to 500" });
export const Cursor = Type.String({ minLength: 1, maxLength: 200, description: "opaque: the nextCursor of the previous page" });

/** A page of `item`, with the cursor of the next page (null on the last page). */
export function Page<T extends TSchema>(item: T, name: string) {
  return Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) }, { $id: `${name}Page` });
}

export const ErrorResponses = {
  400: Type.Ref(Problem),
  404: Type.Ref(Problem),
} as const;

export type ProblemT = Static<typeof Problem>;
