/**
 * `system.*`: liveness, status, health, the method catalogue, and shutdown.
 */
import { z } from 'zod';
import { defineMethod, describeMethod } from './method.js';

const empty = z.strictObject({}).prefault({});

export const systemMethods = [
  defineMethod({
    name: 'system.ping',
    description:
      'Answers `pong` with the server time. `delayMs` (≤ 10 s) delays the answer, for testing client timeouts and shutdown.',
    params: z
      .strictObject({ delayMs: z.number().int().min(0).max(10_000).optional() })
      .prefault({}),
    access: 'public',
    async handler({ delayMs }) {
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      return { pong: true as const, time: new Date().toISOString() };
    },
  }),
  defineMethod({
    name: 'system.status',
    description:
      'Version, pid, uptime, socket, data dir, database size, connections, and request and error counts per method.',
    params: empty,
    access: 'public',
    mcpTool: 'system_status',
    handler: (_p, { services }) => services.system.status(),
  }),
  defineMethod({
    name: 'system.health',
    description:
      'Checks that the daemon can read and write its database; `ok` is false with reasons otherwise.',
    params: empty,
    access: 'public',
    mcpTool: 'system_health',
    handler: (_p, { services }) => services.system.health(),
  }),
  defineMethod({
    name: 'system.methods',
    description:
      'Lists every method with its description, access and the JSON Schema of its params.',
    params: empty,
    access: 'public',
    handler: (_p, { methods }) => ({ methods: methods.map(describeMethod) }),
  }),
  defineMethod({
    name: 'system.shutdown',
    description:
      'Stops the daemon gracefully after answering: in-flight requests finish, the socket is removed.',
    params: empty,
    access: 'local',
    handler: (_p, { services }) => services.system.shutdown(),
  }),
  defineMethod({
    name: 'config.reload',
    description: 'Re-reads the configuration file (as SIGHUP does) and reports what changed.',
    params: empty,
    access: 'local',
    handler: (_p, { services }) => services.system.reloadConfig(),
  }),
];
