/**
 * Daemon answers as MCP tool results: a short text a model reads well, plus the whole
 * answer as `structuredContent`. Failures become tool errors (`isError`) with a clear
 * message — the daemon's own, which it has already sanitized, or a plain one for
 * connection trouble — and never a stack trace.
 *
 * Everything leaving here passes a scrubber: the session token is only ever sent to
 * the daemon, and this is the last line that makes sure of it.
 */
import { countOf, plural } from '../core/plural.js';
import type { EntryView } from '../protocol/memory-results.js';
import type { Entry } from '../protocol/memory-schemas.js';
import type { SessionInfo } from '../protocol/session.js';
import type { ResultOf } from '../protocol/table.js';
import { isCallFailure } from './caller.js';

export interface ToolResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export type Scrub = (text: string) => string;

/** A session token exactly (`ast_` + 32 random bytes in base64url), not a longer word. */
const TOKEN_SHAPE = /(?<![A-Za-z0-9_-])ast_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;

/** Masks the given secrets, and anything shaped like a session token, in a string. */
export function makeScrubber(secrets: () => readonly string[]): Scrub {
  return (text) => {
    let out = text;
    for (const s of secrets()) if (s && out.includes(s)) out = out.split(s).join('[redacted]');
    return out.replace(TOKEN_SHAPE, 'ast_[redacted]');
  };
}

const TEXT_MAX = 50_000;
const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
const quote = (s: string) => JSON.stringify(s);

function entryHead(e: Entry): string {
  const tags = e.tags.length ? `, tags ${e.tags.join(', ')}` : '';
  return `${quote(e.key)} in namespace ${e.namespace} (version ${e.version}, updated ${e.updatedAt}${tags})`;
}

type Render = (r: never) => string;

const ref = (r: { namespace: string; key: string }) => `${quote(r.key)} in ${r.namespace}`;

const sizeNote = (e: EntryView) =>
  `${e.size} chars${e.cut ? ', shown in part; memory_get reads it whole' : ''}`;

/** How to go on from a page that stopped early, or that has more after it. */
function continuation(r: { truncated: boolean; cursor: string | null }, tool: string): string[] {
  if (!r.cursor) return r.truncated ? ['(Cut to fit the reply size limit.)'] : [];
  const why = r.truncated ? 'This page was cut short to fit the reply size limit. ' : '';
  return [
    `${why}More follow: call ${tool} again with the same arguments and cursor ${quote(r.cursor)} (without offset).`,
  ];
}

/** Summaries for the tools whose answers have a known shape; others get their JSON. */
const RENDERERS: Record<string, Render> = {
  'memory.store': (r: ResultOf<'memory.store'>) =>
    `${r.created ? 'Stored' : 'Updated'} ${entryHead(r.entry)}.`,
  'memory.get': (r: ResultOf<'memory.get'>) => `${entryHead(r.entry)}:\n\n${r.entry.content}`,
  'memory.search': (r: ResultOf<'memory.search'>) =>
    r.results.length === 0
      ? 'No matches.'
      : [
          `${plural(r.count, 'match', 'matches')} (best first; memory_get reads an entry in full):`,
          ...r.results.map(
            (x, i) =>
              `${i + 1}. ${quote(x.entry.key)} in ${x.entry.namespace} (${sizeNote(x.entry)}) — ${oneLine(x.snippet)}`,
          ),
          ...continuation(r, 'memory_search'),
        ].join('\n'),
  'memory.list': (r: ResultOf<'memory.list'>) =>
    r.entries.length === 0
      ? `No entries (total ${r.total}).`
      : [
          `${countOf(r.entries.length, r.total, 'entry')}, newest first:`,
          ...r.entries.map(
            (e) =>
              `- ${quote(e.key)} in ${e.namespace} (updated ${e.updatedAt}, ${sizeNote(e)}): ${clip(oneLine(e.content ?? e.preview ?? ''), 100)}`,
          ),
          ...continuation(r, 'memory_list'),
        ].join('\n'),
  'memory.delete': (r: ResultOf<'memory.delete'>) =>
    r.deleted
      ? `Deleted ${quote(r.key)} from namespace ${r.namespace}.`
      : `No entry ${quote(r.key)} in namespace ${r.namespace}; nothing deleted.`,
  'memory.link': (r: ResultOf<'memory.link'>) =>
    `${r.created ? 'Linked' : 'Updated the link'} ${ref(r.link.from)} -[${r.link.type}]-> ${ref(r.link.to)}.`,
  'memory.unlink': (r: ResultOf<'memory.unlink'>) =>
    r.removed ? `Removed ${plural(r.removed, 'link')}.` : 'No such link; nothing removed.',
  'memory.related': (r: ResultOf<'memory.related'>) =>
    [
      `${plural(r.nodes.length, 'entry')} from ${ref(r.root)} (depth: links away; memory_get reads one in full):`,
      ...r.nodes.map((n) => `- [${n.depth}] ${ref(n)}: ${clip(oneLine(n.preview ?? ''), 100)}`),
      ...(r.edges.length ? ['Links:'] : []),
      ...r.edges.map((e) => `- ${ref(e.from)} -[${e.type}]-> ${ref(e.to)}`),
      ...(r.truncated
        ? ['(More are linked than shown: raise limit, or narrow by type or direction.)']
        : []),
    ].join('\n'),
  'memory.history': (r: ResultOf<'memory.history'>) =>
    [
      `${ref(r)}: ${r.current === null ? 'deleted' : `current version ${r.current}`}; ${plural(r.versions.length, 'earlier version')} kept (memory_restore_version makes one current):`,
      ...r.versions.map(
        (v) =>
          `- version ${v.version} (${v.change === 'deleted' ? 'deleted' : 'replaced'} ${v.replacedAt}, ${sizeNote(v)}): ${clip(oneLine(v.content ?? v.preview ?? ''), v.content === undefined ? 100 : TEXT_MAX)}`,
      ),
    ].join('\n'),
  'memory.restoreVersion': (r: ResultOf<'memory.restoreVersion'>) =>
    `Restored version ${r.restoredFrom} as ${entryHead(r.entry)}.`,
  'memory.append': (r: ResultOf<'memory.append'>) =>
    `${r.created ? 'Created' : 'Appended to'} ${ref(r.entry)} (version ${r.entry.version}, now ${r.entry.size} chars).`,
  'system.health': (r: ResultOf<'system.health'>) =>
    r.ok ? 'The aistack daemon is healthy.' : `Unhealthy: ${r.problems.join('; ')}`,
};

const sessionLine = (s: SessionInfo) =>
  `Session ${s.id}: private namespace ${s.namespace}, started ${s.startedAt}, last activity ${s.lastActivityAt}, idle timeout ${s.idleTimeoutMinutes} min, ${plural(s.entries, 'entry')}.`;

const SESSION_RENDERERS: Record<string, Render> = {
  'session-start': (r: { started: boolean; session: SessionInfo }) =>
    `${r.started ? 'Started a new session.' : 'A session is already active (nothing was changed).'} ${sessionLine(r.session)}`,
  'session-status': (r: { session: SessionInfo }) => sessionLine(r.session),
  'session-active': (r: { active: boolean; session: SessionInfo | null }) =>
    r.session
      ? `Active. ${sessionLine(r.session)}`
      : 'No session is active; the next memory call opens one.',
  'session-end': (r: { ended: boolean; reason?: string; deletedEntries?: number }) =>
    r.ended
      ? `Ended this connection's session; ${plural(r.deletedEntries ?? 0, 'private entry', 'private entries')} ${r.deletedEntries === 1 ? 'was' : 'were'} deleted. The next call opens a fresh session.`
      : `Nothing to end: ${r.reason}.`,
};

function structured(result: unknown, scrub: Scrub): Record<string, unknown> {
  const value =
    result && typeof result === 'object' && !Array.isArray(result) ? result : { result };
  const json = JSON.stringify(value);
  const clean = scrub(json);
  return (clean === json ? value : JSON.parse(clean)) as Record<string, unknown>;
}

function withNotes(text: string, notes: string[]): string {
  return notes.length ? `${notes.join('\n')}\n\n${text}` : text;
}

/** A successful call as a tool result. */
export function resultFor(
  method: string,
  kind: string,
  result: unknown,
  notes: string[],
  scrub: Scrub,
): ToolResult {
  const render = SESSION_RENDERERS[kind] ?? RENDERERS[method];
  const summary = render
    ? render(result as never)
    : `${clip(JSON.stringify(result, null, 2), TEXT_MAX)}`;
  return {
    content: [{ type: 'text', text: scrub(withNotes(summary, notes)) }],
    structuredContent: structured(result, scrub),
  };
}

/** A tool error: what went wrong, in words a model can act on. */
export function errorResult(message: string, notes: string[], scrub: Scrub): ToolResult {
  return { content: [{ type: 'text', text: scrub(withNotes(message, notes)) }], isError: true };
}

const HINTS: Partial<Record<string, string>> = {
  ACCESS_DENIED:
    "That namespace is another connection's session namespace or another project's; use the default (this project, this session) or a shared one.",
  FEATURE_DISABLED: 'The user has to turn this feature on in the aistack configuration.',
  BUSY: 'The daemon is busy; try again shortly.',
};

/** What a failure means for the model, and the log line for the operator (if any). */
export interface FailureWords {
  message: string;
  log?: string;
}

/** A transport's words for its own failures (a lost connection, …); undefined: not one of them. */
export type DescribeOther = (tool: string, err: unknown) => FailureWords | undefined;

/** Turns any failure of a call into a message for the model (and a line for the log). */
export function describeFailure(
  tool: string,
  err: unknown,
  describeOther?: DescribeOther,
): FailureWords {
  if (isCallFailure(err)) {
    if (err.code === 'INVALID_PARAMS') {
      const issues = (err.data?.issues ?? []) as { path?: string; message?: string }[];
      const lines = issues.map((i) => `- ${i.path || '(arguments)'}: ${i.message}`);
      return {
        message: [`Invalid arguments for ${tool}:`, ...(lines.length ? lines : [err.message])].join(
          '\n',
        ),
      };
    }
    const hint = HINTS[err.code];
    return { message: `${tool} failed: ${err.message} [${err.code}]${hint ? ` ${hint}` : ''}` };
  }
  const other = describeOther?.(tool, err);
  if (other) return other;
  const text = err instanceof Error ? err.message : String(err);
  // Only the message, one line: a stack never reaches the model.
  return { message: `${tool} failed: ${clip(oneLine(text), 500)}`, log: text };
}
