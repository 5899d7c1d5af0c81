/**
 * An entry as lists and searches show it: every field but the content, plus the content's
 * `size` and either a `preview` (its first PREVIEW_CHARS characters) or, for a small page
 * that asked, its `content`. Previews and sizes come from SQL (`substr`, `length`), so a
 * list never pulls whole contents into JS. `cut` says the text given is shorter than the
 * entry's content: always for a long entry's preview, and for a full content that alone
 * did not fit the reply budget (memory.get reads it whole).
 */
import { Buffer } from 'node:buffer';
import type { Entry } from './entry-row.js';
import {
  cutToJsonBytes,
  jsonStringBound,
  jsonStringBytes,
  type ReplyBudget,
} from '../reply-budget.js';

/** Characters of content in a preview. */
export const PREVIEW_CHARS = 200;
/** The largest page that may carry whole contents. */
export const FULL_CONTENT_LIMIT_MAX = 50;

export interface EntryView extends Omit<Entry, 'content'> {
  /** The content's length in characters (Unicode code points). */
  size: number;
  /** True when `preview` (or `content`) holds less than the whole content. */
  cut: boolean;
  preview?: string;
  content?: string;
}

/** A row read for a view: the entry without its content, plus the text to show and its size. */
export interface EntryViewRow {
  rowid: number;
  id: string;
  namespace: string;
  key: string;
  /** The preview (first PREVIEW_CHARS characters), or the whole content. */
  text: string;
  size: number;
  metadata: string;
  tags: string;
  agent_id: string | null;
  session_id: string | null;
  created_at: number;
  updated_at: number;
  version: number;
  /** Absent where the row has no expiry column (kept versions). */
  expires_at?: number | null;
}

/**
 * An entry already read (by a search, a batch) as a view row: `text` is what the view is to
 * show of its content, `size` the whole content's length in characters.
 */
export function viewRowOf(e: Entry, text: string, size: number): EntryViewRow {
  return {
    rowid: 0,
    id: e.id,
    namespace: e.namespace,
    key: e.key,
    text,
    size,
    metadata: JSON.stringify(e.metadata),
    tags: JSON.stringify(e.tags),
    agent_id: e.agentId,
    session_id: e.sessionId,
    created_at: Date.parse(e.createdAt),
    updated_at: Date.parse(e.updatedAt),
    version: e.version,
    expires_at: e.expiresAt !== undefined ? Date.parse(e.expiresAt) : null,
  };
}

/** Columns of an EntryViewRow with its preview as `text` (table alias `e`). */
export const VIEW_COLUMNS = `e.rowid, e.id, e.namespace, e.key, substr(e.content, 1, ${PREVIEW_CHARS}) AS text,
  length(e.content) AS size, e.metadata, e.tags, e.agent_id, e.session_id, e.created_at, e.updated_at, e.version, e.expires_at`;

/** Field names, punctuation, timestamps and numbers of a view: everything of fixed size. */
const VIEW_FIXED_BYTES = 360;

/** The JSON bytes of a view apart from its text (metadata and tags are stored as the JSON they are sent as). */
function fixedBytes(row: EntryViewRow): number {
  return (
    VIEW_FIXED_BYTES +
    jsonStringBound(row.id) +
    jsonStringBound(row.key) +
    jsonStringBound(row.namespace) +
    jsonStringBound(row.agent_id) +
    jsonStringBound(row.session_id) +
    Buffer.byteLength(row.metadata) +
    Buffer.byteLength(row.tags)
  );
}

function toView(row: EntryViewRow, text: string, full: boolean, cut: boolean): EntryView {
  return {
    id: row.id,
    key: row.key,
    namespace: row.namespace,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    tags: JSON.parse(row.tags) as string[],
    agentId: row.agent_id,
    sessionId: row.session_id,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    version: row.version,
    ...(row.expires_at != null ? { expiresAt: new Date(row.expires_at).toISOString() } : {}),
    size: row.size,
    cut,
    ...(full ? { content: text } : { preview: text }),
  };
}

/**
 * The view of `row` if it fits what is left of `budget` (and takes its bytes), else
 * undefined: the page stops before it. The first item of a page always fits: its text
 * is cut to the room left, and the view says so. `extraBytes`: what the item carries
 * beside the view (a search result's scores and snippet).
 */
export function fitView(
  row: EntryViewRow,
  full: boolean,
  budget: ReplyBudget,
  extraBytes = 0,
): EntryView | undefined {
  const fixed = fixedBytes(row) + extraBytes;
  const textBytes = jsonStringBytes(row.text);
  const cut = !full && row.size > PREVIEW_CHARS;
  if (budget.take(fixed + textBytes)) return toView(row, row.text, full, cut);
  if (!budget.empty) return undefined;
  const text = cutToJsonBytes(row.text, Math.max(2, budget.room - fixed));
  budget.take(Math.min(budget.room, fixed + jsonStringBound(text)));
  budget.truncated = true;
  return toView(row, text, full, true);
}
