/** API tokens: a team's runners and people, each with a scope; only a hash of the secret is kept. */

import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import type { TokenScope } from '../../../common/types/access.ts';
import { at, createdAt } from './columns.ts';

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    name: text('name').notNull(),
    scope: text('scope').$type<TokenScope>().notNull(),
    /** SHA-256 of the secret: tokens are 256 random bits, so a slow hash would add nothing. */
    hash: text('hash').notNull(),
    createdAt: createdAt(),
    lastUsedAt: at('last_used_at'),
    /** Revoked tokens stay, so what they submitted keeps a name. */
    revokedAt: at('revoked_at'),
  },
  (t) => [
    uniqueIndex('api_tokens_hash_idx').on(t.hash),
    // One live token per name: `token revoke NAME` must mean one thing.
    uniqueIndex('api_tokens_live_name_idx').on(t.name).where(sql`${t.revokedAt} is null`),
    index('api_tokens_created_idx').on(t.createdAt),
  ],
);

/** Who created a row: the token's id (ownership) and its name (shown, kept after revocation). */
export const submitter = () => ({
  ownerTokenId: integer('owner_token_id'),
  submittedBy: text('submitted_by'),
});

/** The submitter columns' values: who created a row (nobody, with auth off and no token). */
export interface Submitter {
  ownerTokenId: number | null;
  submittedBy: string | null;
}

export const NO_SUBMITTER: Submitter = { ownerTokenId: null, submittedBy: null };
