/** The dashboard's sign-in: what `GET /api/session` answers and `POST /api/session` takes. */
import { type Static, Type } from '@sinclair/typebox';
import { TOKEN_SCOPES } from '../types/access.ts';
import { StringEnum } from './common.ts';

/** The token a browser signed in with: its name and scope, never its secret. */
export const SignedInToken = Type.Object({ name: Type.String(), scope: StringEnum(TOKEN_SCOPES) });

/** `GET /api/session`: whether the collector wants a token, and whose this browser holds. */
export const SessionInfo = Type.Object({
  auth: Type.Boolean({ description: 'tokens are required here' }),
  publicRead: Type.Boolean({ description: 'anonymous clients may read' }),
  signedIn: Type.Boolean(),
  token: Type.Union([SignedInToken, Type.Null()]),
});
export type SessionInfo = Static<typeof SessionInfo>;

export const SignIn = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export type SignIn = Static<typeof SignIn>;
