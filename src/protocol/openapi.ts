/**
 * The OpenAPI 3.1 document of the REST API, generated from the method table: each method
 * that declares an `http` route becomes an operation whose parameters, body and answer
 * are the JSON Schemas (2020-12, what OpenAPI 3.1 uses) of its zod params and result. Two
 * methods that share a route (`GET /memory` lists, `GET /memory?q=` searches) become one
 * operation whose answer is either result. Nothing here runs a request.
 */
import { ERROR_NUMBERS } from './error-codes.js';
import { jsonSchema, type HttpRoute, type MethodSpec } from './method.js';

type Schema = Record<string, unknown>;

export const API_PREFIX = '/api/v1';

/** `/memory/:key` → `/memory/{key}`. */
const openApiPath = (path: string) => API_PREFIX + path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
const pathParams = (path: string) => [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
const SESSION_FIELDS = new Set(['sessionId', 'sessionToken']);

function withoutDialect(schema: Schema): Schema {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

/** Methods with a route, grouped by verb and path (the default method first). */
export function routeGroups(methods: readonly MethodSpec[]) {
  const groups = new Map<string, { route: HttpRoute; specs: MethodSpec[] }>();
  for (const spec of methods) {
    if (!spec.http) continue;
    const key = `${spec.http.method} ${spec.http.path}`;
    const group = groups.get(key) ?? { route: spec.http, specs: [] };
    group.specs.push(spec);
    group.specs.sort((a, b) => Number(Boolean(a.http!.when)) - Number(Boolean(b.http!.when)));
    group.route = group.specs[0]!.http!;
    groups.set(key, group);
  }
  return [...groups.values()];
}

function operation(route: HttpRoute, specs: MethodSpec[]) {
  const inPath = pathParams(route.path);
  const parameters: Schema[] = inPath.map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const seen = new Set(inPath);
  let takesSession = false;
  let body: Schema | undefined;
  for (const spec of specs) {
    const input = withoutDialect(jsonSchema(spec.params, 'input'));
    const props = (input.properties ?? {}) as Record<string, Schema>;
    const required = new Set((input.required as string[] | undefined) ?? []);
    if ('sessionId' in props) takesSession = true;
    if (route.method === 'GET' || route.method === 'DELETE') {
      const aliasOf = Object.fromEntries(
        Object.entries(spec.http!.aliases ?? {}).map(([a, p]) => [p, a]),
      );
      for (const [name, schema] of Object.entries(props)) {
        if (SESSION_FIELDS.has(name) || inPath.includes(name)) continue;
        const queryName = aliasOf[name] ?? name;
        if (seen.has(queryName)) continue;
        seen.add(queryName);
        const selects = spec.http!.when === queryName ? ` Present: this is ${spec.name}.` : '';
        parameters.push({
          name: queryName,
          in: 'query',
          required: required.has(name) && specs.length === 1,
          description: `${String(schema.description ?? '')}${selects}`.trim() || undefined,
          schema: schema,
          ...(schema.type === 'array' ? { style: 'form', explode: true } : {}),
        });
      }
    } else {
      for (const p of inPath) delete props[p];
      body = {
        ...input,
        properties: props,
        required: [...required].filter((r) => !inPath.includes(r)),
      };
    }
  }
  if (takesSession) {
    parameters.push({
      name: 'X-Aistack-Session',
      in: 'header',
      required: false,
      description:
        'Session credentials, "<session id>:<session token>" (from POST /api/v1/sessions). Writes and deletes need one; reads without one see shared namespaces only.',
      schema: { type: 'string' },
    });
  }
  const results = specs.map((s) => withoutDialect(jsonSchema(s.result, 'output')));
  const main = specs[0]!;
  return {
    operationId: main.name,
    summary: specs.map((s) => s.name).join(' / '),
    description: specs.map((s) => `${s.name}: ${s.description}`).join('\n\n'),
    tags: [main.name.split('.')[0]!],
    'x-aistack-scope': main.scope,
    parameters,
    ...(body
      ? { requestBody: { required: true, content: { 'application/json': { schema: body } } } }
      : {}),
    responses: {
      '200': {
        description: 'The result.',
        content: {
          'application/json': { schema: results.length === 1 ? results[0] : { oneOf: results } },
        },
      },
      default: { $ref: '#/components/responses/Error' },
    },
  };
}

export function openApiDocument(
  methods: readonly MethodSpec[],
  options: { serverUrl: string; version: string },
) {
  const paths: Record<string, Record<string, unknown>> = {};
  const add = (path: string, verb: string, op: unknown) => {
    paths[path] = { ...paths[path], [verb]: op };
  };
  for (const { route, specs } of routeGroups(methods)) {
    add(openApiPath(route.path), route.method.toLowerCase(), operation(route, specs));
  }
  add(`${API_PREFIX}/rpc`, 'post', {
    operationId: 'rpc',
    summary: 'Any JSON-RPC 2.0 request or batch, answered as on the socket',
    requestBody: {
      required: true,
      content: { 'application/json': { schema: { type: ['object', 'array'] } } },
    },
    responses: {
      '200': {
        description: 'The JSON-RPC reply (or array of replies).',
        content: { 'application/json': { schema: { type: ['object', 'array'] } } },
      },
      '204': { description: 'Only notifications: no reply is due.' },
      default: { $ref: '#/components/responses/Error' },
    },
  });
  add(`${API_PREFIX}/openapi.json`, 'get', {
    operationId: 'openapi',
    summary: 'This document',
    'x-aistack-scope': 'system:read',
    responses: {
      '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: {} } } },
      default: { $ref: '#/components/responses/Error' },
    },
  });
  add('/metrics', 'get', {
    operationId: 'metrics',
    summary: 'Prometheus metrics (text exposition format)',
    'x-aistack-scope': 'metrics:read',
    responses: {
      '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
      default: { $ref: '#/components/responses/Error' },
    },
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'aistack',
      version: options.version,
      description:
        'The aistack daemon over HTTP. Every route needs `Authorization: Bearer <token>` (the owner token or one from `aistack token create`) holding the scope the operation names in x-aistack-scope.',
    },
    servers: [{ url: options.serverUrl }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      responses: {
        Error: {
          description: 'An error, as the error object of a JSON-RPC reply; data.code is stable.',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'data'],
              properties: {
                code: { type: 'integer', enum: Object.values(ERROR_NUMBERS) },
                message: { type: 'string' },
                data: {
                  type: 'object',
                  required: ['code'],
                  properties: { code: { type: 'string', enum: Object.keys(ERROR_NUMBERS) } },
                },
              },
            },
          },
        },
      },
    },
  };
}
