/** Access control's shapes: token scopes, and who a request acts as. */
import { type Static, Type } from '@sinclair/typebox';

/** What a token may do: read < submit (create and feed its own things) < admin (everything). */
export const TOKEN_SCOPES = ['read', 'submit', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** True when `have` covers `need`. */
export function scopeCovers(have: TokenScope, need: TokenScope): boolean {
  return TOKEN_SCOPES.indexOf(have) >= TOKEN_SCOPES.indexOf(need);
}

export const TokenInfo = Type.Object({
  name: Type.String(),
  scope: Type.Union(TOKEN_SCOPES.map((s) => Type.Literal(s))),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type TokenInfo = Static<typeof TokenInfo>;
