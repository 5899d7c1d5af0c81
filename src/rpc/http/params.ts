/**
 * A REST request's params: path segments, then the query string (GET, DELETE) or the
 * JSON body (POST, PUT, PATCH), then the session from the `X-Aistack-Session: <id>:<token>`
 * header. Query-string values are strings, so each is coerced to the type the method's
 * params schema declares for that field (numbers, booleans, arrays); what does not
 * coerce is passed as it came and zod names it, as on the socket. A session token in the
 * URL is refused: URLs end up in logs, histories and proxies.
 */
import { jsonSchema, type HttpRoute, type MethodSpec } from '../../protocol/method.js';

export const SESSION_HEADER = 'x-aistack-session';

export class ParamsRefused extends Error {}

type FieldType = 'integer' | 'number' | 'boolean' | 'array' | 'other';

const fieldTypes = new WeakMap<MethodSpec, Map<string, { type: FieldType; items: FieldType }>>();

function typeOf(schema: Record<string, unknown> | undefined): FieldType {
  const t = schema?.type;
  return t === 'integer' || t === 'number' || t === 'boolean' || t === 'array' ? t : 'other';
}

function fieldsOf(spec: MethodSpec) {
  let fields = fieldTypes.get(spec);
  if (!fields) {
    const props = (jsonSchema(spec.params, 'input').properties ?? {}) as Record<
      string,
      Record<string, unknown>
    >;
    fields = new Map(
      Object.entries(props).map(([name, s]) => [
        name,
        { type: typeOf(s), items: typeOf(s.items as Record<string, unknown> | undefined) },
      ]),
    );
    fieldTypes.set(spec, fields);
  }
  return fields;
}

function coerceOne(value: string, type: FieldType): unknown {
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(value))
    return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/** The query string as params of `spec`, with aliases applied and values coerced. */
export function queryParams(
  spec: MethodSpec,
  route: HttpRoute,
  query: Record<string, string | string[]>,
): Record<string, unknown> {
  const fields = fieldsOf(spec);
  const out: Record<string, unknown> = {};
  for (const [raw, value] of Object.entries(query)) {
    const name = route.aliases?.[raw] ?? raw;
    if (name === 'sessionToken') {
      throw new ParamsRefused(
        'a session token may not travel in the URL: send it in the X-Aistack-Session header (<id>:<token>)',
      );
    }
    const field = fields.get(name);
    if (field?.type === 'array') {
      out[name] = (Array.isArray(value) ? value : [value]).map((v) => coerceOne(v, field.items));
    } else if (Array.isArray(value)) {
      out[name] = value; // repeated for a single value: zod says so
    } else {
      out[name] = coerceOne(value, field?.type ?? 'other');
    }
  }
  return out;
}

/** Adds what is not there yet; a value given twice, differently, is refused. */
export function merge(
  params: Record<string, unknown>,
  more: Record<string, unknown>,
  where: string,
): void {
  for (const [k, v] of Object.entries(more)) {
    if (k in params && params[k] !== v) {
      throw new ParamsRefused(`${k} is given both in ${where} and elsewhere, differently`);
    }
    params[k] = v;
  }
}

/** `sessionId` and `sessionToken` from the session header, for methods that take them. */
export function sessionFromHeader(
  spec: MethodSpec,
  header: string | string[] | undefined,
): Record<string, string> {
  if (header === undefined) return {};
  const value = Array.isArray(header) ? header[0]! : header;
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) {
    throw new ParamsRefused('X-Aistack-Session must be <session id>:<session token>');
  }
  if (!fieldsOf(spec).has('sessionId')) return {};
  const sessionId = value.slice(0, colon).trim();
  const sessionToken = value.slice(colon + 1).trim();
  return fieldsOf(spec).has('sessionToken') ? { sessionId, sessionToken } : { sessionId };
}
