/**
 * `auth.hello` and `token.*`: how a connection authenticates, and the scoped tokens the
 * owner hands out. A connection starts with no authority at all; `auth.hello` with the
 * owner token (the 0600 file `owner.token` in the data dir) or a scoped token gives it
 * that token's scopes for the rest of its life. Tokens are shown once, at creation, and
 * kept only as SHA-256 hashes; a revoked token stops working on open connections too.
 */
import { z } from 'zod';
import { defineMethod } from './method.js';
import { SCOPE_NAMES, type Scope } from './scopes.js';

const scopeSchema = z.enum(SCOPE_NAMES as [Scope, ...Scope[]]);
const tokenName = z
  .string()
  .min(1)
  .max(64)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'letters, digits and . _ - (starting with a letter or digit)',
  )
  .describe('A name for the token (who or what holds it).');
const isoTime = z.iso.datetime();

export const tokenInfoSchema = z.strictObject({
  name: tokenName,
  scopes: z.array(scopeSchema),
  createdAt: isoTime,
  expiresAt: isoTime.nullable(),
  lastUsedAt: isoTime.nullable(),
  revokedAt: isoTime.nullable(),
  /** Hex prefix of the token's SHA-256, to tell tokens apart in logs; never the token. */
  fingerprint: z.string(),
});

export const authMethods = [
  defineMethod({
    name: 'auth.hello',
    description:
      'Authenticates this connection with a token: the owner token (the file owner.token in the data dir, 0600) or one made by token.create. Every other method needs it first; the answer lists the scopes this connection now holds.',
    params: z.strictObject({
      token: z.string().min(1).max(200).describe('The owner token or a scoped token (secret).'),
      client: z.string().max(100).optional().describe('What is connecting (for the audit log).'),
    }),
    result: z.strictObject({
      principal: z.enum(['owner', 'token']),
      name: z.string().describe('"owner", or the scoped token\'s name.'),
      scopes: z.array(scopeSchema),
    }),
    access: 'public',
    scope: 'none',
  }),
  defineMethod({
    name: 'token.create',
    description:
      'Creates a scoped token (shown only in this answer; kept as a hash). Scopes: system:read, memory:read, memory:write, sessions, agents, github, plugins, metrics:read, admin.',
    params: z.strictObject({
      name: tokenName,
      scopes: z.array(scopeSchema).min(1).max(8),
      expiresInDays: z.number().int().min(1).max(3650).optional(),
    }),
    result: z.strictObject({
      token: z.string().describe('The secret; it is not shown again.'),
      info: tokenInfoSchema,
    }),
    access: 'local',
    scope: 'admin',
  }),
  defineMethod({
    name: 'token.list',
    description:
      'Scoped tokens with their scopes, creation, last use, expiry and revocation (never the tokens).',
    params: z.strictObject({}).prefault({}),
    result: z.strictObject({ tokens: z.array(tokenInfoSchema) }),
    access: 'local',
    scope: 'admin',
  }),
  defineMethod({
    name: 'token.revoke',
    description:
      'Revokes a scoped token by name; connections using it lose their authority at once.',
    params: z.strictObject({ name: tokenName }),
    result: z.strictObject({ revoked: z.boolean(), info: tokenInfoSchema }),
    access: 'local',
    scope: 'admin',
  }),
];
