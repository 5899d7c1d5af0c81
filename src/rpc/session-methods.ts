/**
 * `session.*`: start, end, inspect and list sessions. The token is returned by
 * `session.start` only and is never listed.
 */
import { z } from 'zod';
import { AppError } from '../core/errors.js';
import { defineMethod, type CallContext } from './method.js';
import { metadataSchema } from './memory-schemas.js';

const op = (method: string, ctx: CallContext) => ({ method, connection: ctx.connection.id });
const sessionId = z.string().min(1).max(100).describe('The session id.');
const sessionToken = z.string().min(1).max(200).describe('The session token (secret).');

export const sessionMethods = [
  defineMethod({
    name: 'session.start',
    description:
      'Starts a session: returns a public id, a secret token (shown only here) and the session namespace "session:<id>", which only this session can read or write. Ending it deletes that namespace.',
    params: z
      .strictObject({
        metadata: metadataSchema.optional(),
        idleTimeoutMinutes: z
          .number()
          .min(0.01)
          .max(7 * 24 * 60)
          .optional()
          .describe('End the session after this long without a call (default from config, 120).'),
      })
      .prefault({}),
    access: 'public',
    mcpTool: 'session_start',
    handler: (p, ctx) => ctx.services.sessions.start(p, ctx.connection.id),
  }),
  defineMethod({
    name: 'session.end',
    description:
      'Ends a session: deletes its namespace, stops its agents, invalidates its token. Needs the token, or force: true (local user only).',
    params: z.strictObject({
      sessionId,
      sessionToken: sessionToken.optional(),
      force: z.boolean().optional(),
    }),
    access: 'public',
    mcpTool: 'session_end',
    handler: (p, ctx) => {
      if (p.force)
        return ctx.services.sessions.end(p.sessionId, 'forced', { connection: ctx.connection.id });
      if (!p.sessionToken)
        throw new AppError('SESSION_REQUIRED', 'session.end needs sessionToken (or force: true)');
      ctx.services.access.sessionCaller(p, op('session.end', ctx));
      return ctx.services.sessions.end(p.sessionId, 'ended', { connection: ctx.connection.id });
    },
  }),
  defineMethod({
    name: 'session.status',
    description: 'Your session: namespace, start, last activity, idle timeout and entry count.',
    params: z.strictObject({ sessionId, sessionToken }),
    access: 'public',
    mcpTool: 'session_status',
    handler: (p, ctx) => {
      ctx.services.access.sessionCaller(p, op('session.status', ctx));
      return { session: ctx.services.sessions.info(p.sessionId) };
    },
  }),
  defineMethod({
    name: 'session.list',
    description:
      'Sessions with last activity and entry counts (never tokens). Active only unless includeEnded.',
    params: z.strictObject({ includeEnded: z.boolean().optional() }).prefault({}),
    access: 'local',
    handler: (p, ctx) => ({ sessions: ctx.services.sessions.list(p.includeEnded) }),
  }),
];
