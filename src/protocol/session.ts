/**
 * `session.*` on the wire: start, end, inspect and list sessions. The token is returned
 * by `session.start` only and is never listed.
 */
import { z } from 'zod';
import { defineMethod } from './method.js';
import { metadataSchema, namespaceSchema } from './memory-schemas.js';
import { boundProjectSchema, projectRefSchema } from './project.js';

const sessionId = z.string().min(1).max(100).describe('The session id.');
const sessionToken = z.string().min(1).max(200).describe('The session token (secret).');
const iso = z.iso.datetime();
const count = z.number().int().min(0);

const END_REASONS = ['ended', 'forced', 'idle', 'restored'] as const;
export type EndReason = (typeof END_REASONS)[number];

/** A session as `session.status` and `session.list` show it (never its token). */
export const sessionInfoSchema = z.strictObject({
  id: z.string(),
  namespace: namespaceSchema.describe('Its private namespace, "session:<id>".'),
  metadata: z.record(z.string(), z.unknown()).describe('What the client gave at the start.'),
  startedAt: iso,
  lastActivityAt: iso,
  idleTimeoutMinutes: z.number().min(0),
  endedAt: iso.nullable(),
  endReason: z
    .enum(END_REASONS)
    .nullable()
    .describe(
      'ended (by its owner), forced (by the local user), idle (by the cleanup job) or restored (a backup that held it was restored).',
    ),
  entries: count.describe('Entries in its namespace now.'),
  project: boundProjectSchema,
});

export type SessionInfo = z.output<typeof sessionInfoSchema>;

export const sessionEndResult = z.strictObject({
  ended: z.literal(true),
  sessionId: z.string(),
  reason: z.enum(END_REASONS),
  deletedEntries: count,
  stoppedAgents: count,
  cancelledTasks: count,
});

export const sessionMethods = [
  defineMethod({
    name: 'session.start',
    description:
      'Starts a session: returns a public id, a secret token (shown only here) and the session namespace "session:<id>", which only this session can read or write. Ending it deletes that namespace. With `project`, the session is bound to that project (created on first use): its namespace "project:<slug>" persists, only sessions bound to it (and the owner) read it, and writes without a namespace land there.',
    params: z
      .strictObject({
        metadata: metadataSchema.optional(),
        idleTimeoutMinutes: z
          .number()
          .min(0.01)
          .max(7 * 24 * 60)
          .optional()
          .describe('End the session after this long without a call (default from config, 120).'),
        project: projectRefSchema
          .optional()
          .describe('Bind the session to this project (one root folder is one project).'),
      })
      .prefault({}),
    result: z.strictObject({
      session: z.strictObject({
        id: z.string(),
        token: z.string().describe('Secret: pass it as sessionToken; shown only here.'),
        namespace: namespaceSchema.describe('Its private namespace, "session:<id>".'),
        startedAt: iso,
        project: boundProjectSchema,
      }),
    }),
    access: 'public',
    scope: 'sessions',
    mcpTool: 'session_start',
    http: { method: 'POST', path: '/sessions' },
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
    result: sessionEndResult,
    access: 'public',
    scope: 'sessions',
    mcpTool: 'session_end',
    http: { method: 'DELETE', path: '/sessions/:sessionId' },
  }),
  defineMethod({
    name: 'session.status',
    description: 'Your session: namespace, start, last activity, idle timeout and entry count.',
    params: z.strictObject({ sessionId, sessionToken }),
    result: z.strictObject({ session: sessionInfoSchema }),
    access: 'public',
    scope: 'sessions',
    mcpTool: 'session_status',
    http: { method: 'GET', path: '/sessions/:sessionId' },
  }),
  defineMethod({
    name: 'session.list',
    description:
      'Sessions with last activity and entry counts (never tokens): active ones oldest first, or with includeEnded every one newest first. A page never exceeds daemon.replyBudgetBytes (truncated: true when it stopped early); the next offset is offset + the sessions shown.',
    params: z
      .strictObject({
        includeEnded: z.boolean().optional(),
        limit: z.number().int().min(1).max(1000).default(100),
        offset: z.number().int().min(0).max(1_000_000).default(0),
      })
      .prefault({}),
    result: z.strictObject({
      sessions: z.array(sessionInfoSchema),
      total: z.number().int().min(0).describe('Every session that matches, on all pages.'),
      truncated: z
        .boolean()
        .describe('True when the reply budget (daemon.replyBudgetBytes) ended this page early.'),
    }),
    access: 'local',
    scope: 'admin',
    http: { method: 'GET', path: '/sessions' },
  }),
];
