/**
 * `dashboard.link` on the wire: a one-time login link for the web dashboard, which
 * `aistack dashboard` opens (or prints with `--print-url`). The link signs in the first
 * browser that opens it, once, within its time; it needs the HTTP front door on.
 */
import { z } from 'zod';
import { defineMethod } from './method.js';

export const DASHBOARD_PATH = '/dashboard';
export const DASHBOARD_LOGIN_PATH = `${DASHBOARD_PATH}/login`;

export const dashboardMethods = [
  defineMethod({
    name: 'dashboard.link',
    description:
      'A one-time login link for the web dashboard (valid ttlSeconds, default 60; the first browser that opens it is signed in as the owner). Needs http.enabled.',
    params: z
      .strictObject({
        ttlSeconds: z
          .number()
          .int()
          .min(1)
          .max(600)
          .optional()
          .describe('How long the link works (default 60 s).'),
      })
      .prefault({}),
    result: z.strictObject({
      url: z.string().describe('The link; it works once.'),
      expiresAt: z.iso.datetime(),
    }),
    access: 'local',
    scope: 'admin',
  }),
];
