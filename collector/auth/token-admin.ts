/** The token commands as requests, so the CLI and a running collector's control socket share them. */
import type { TokenInfo } from '../../common/types/access.ts';
import type { Db } from '../db/client.ts';
import { createToken, listTokens, revokeToken } from './tokens.ts';

export type TokenRequest =
  | { op: 'create'; name: string; scope: string }
  | { op: 'list' }
  | { op: 'revoke'; name: string };

export interface TokenResponse {
  secret?: string;
  token?: TokenInfo;
  tokens?: TokenInfo[];
  revokedId?: number;
  error?: { code: string; message: string };
}

/** Runs one token request against the database. */
export async function runTokenRequest(db: Db, req: TokenRequest): Promise<TokenResponse> {
  switch (req?.op) {
    case 'create':
      return createToken(db, String(req.name), String(req.scope));
    case 'list':
      return { tokens: await listTokens(db) };
    case 'revoke':
      return { revokedId: await revokeToken(db, String(req.name)) };
    default:
      return { error: { code: 'input.invalid', message: 'unknown token request' } };
  }
}
