/**
 * `http.status` on the wire: whether the HTTP front door is on, where it listens and
 * what it serves. `aistack http status` and `aistack mcp-config --http` read it, and
 * tests find the bound port through it (`http.port: 0` binds a free one).
 */
import { z } from 'zod';
import { defineMethod } from './method.js';

export const httpStatusSchema = z.strictObject({
  enabled: z.boolean().describe('config http.enabled.'),
  listening: z.boolean().describe('The listener is bound and serving.'),
  url: z.string().nullable().describe('Base URL, e.g. "http://127.0.0.1:7411".'),
  apiUrl: z.string().nullable().describe('The REST API, "<url>/api/v1".'),
  mcpUrl: z.string().nullable().describe('Where MCP over Streamable HTTP is served, "<url>/mcp".'),
  metricsUrl: z.string().nullable(),
  host: z.string().nullable().describe('The bound address.'),
  port: z.number().int().nullable().describe('The bound port.'),
  tls: z.boolean(),
  allowedHosts: z.array(z.string()).describe('Host header values accepted.'),
  allowedOrigins: z.array(z.string()).describe('Origin header values accepted.'),
  cors: z.boolean(),
});

export type HttpStatus = z.output<typeof httpStatusSchema>;

export const httpMethods = [
  defineMethod({
    name: 'http.status',
    description:
      'The HTTP front door: enabled, listening, URL (REST, MCP, metrics), bound address and port, TLS, and the Host and Origin allowlists.',
    params: z.strictObject({}).prefault({}),
    result: httpStatusSchema,
    access: 'public',
    scope: 'system:read',
  }),
];
