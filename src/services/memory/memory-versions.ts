/**
 * Versions of an entry: `memory.history` (the kept earlier versions), `memory.restoreVersion`
 * (one of them made current again, as a new version) and `memory.append` (text added in
 * one step). Restores and appends read the entry and write it back inside one group-commit
 * transaction, so concurrent ones queue behind each other and none is lost; what a write
 * replaces goes into history there too (memory-store.ts).
 */
import { AppError } from '../../core/errors.js';
import { LIMITS } from '../../protocol/memory-schemas.js';
import { fitView, PREVIEW_CHARS } from '../../store/memory/entry-view.js';
import type { HistoryRow } from '../../store/memory/history-store.js';
import type { MemoryStore } from '../../store/memory/memory-store.js';
import { ReplyBudget } from '../../store/reply-budget.js';
import type { AccessControl, Credentials, Operation } from '../access/access-control.js';
import { noEntry } from './memory-graph.js';

interface KeyParams extends Credentials {
  key: string;
  namespace?: string | undefined;
}

/** Characters as SQLite's length() counts them (code points), as every `size` is. */
const codePoints = (s: string) =>
  s.length - (s.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0);

/** A history row as memory.history shows it. */
function versionView(row: HistoryRow, full: boolean, budget: ReplyBudget) {
  const view = fitView(row, full, budget, 64);
  if (!view) return undefined;
  return { ...view, change: row.change, replacedAt: new Date(row.replaced_at).toISOString() };
}

export class MemoryVersions {
  constructor(
    private readonly store: MemoryStore,
    private readonly access: AccessControl,
    private readonly replyBudgetBytes: () => number,
  ) {}

  history(p: KeyParams & { version?: number | undefined }, op: Operation, reserveBytes = 0) {
    const caller = this.access.caller(p, op);
    const namespace = p.namespace ?? caller.ownNamespace ?? 'default';
    this.access.assertNamespace(caller, namespace, op);
    const current = this.store.get(namespace, p.key)?.version ?? null;
    const history = this.store.history;
    const budget = new ReplyBudget(this.replyBudgetBytes(), reserveBytes + 512);
    const versions = [];
    if (p.version !== undefined) {
      const row = history.get(namespace, p.key, p.version);
      if (!row) throw this.notKept(namespace, p.key, p.version, current);
      versions.push(versionView(row, true, budget)!);
    } else {
      const rows = history.list(namespace, p.key, PREVIEW_CHARS);
      if (rows.length === 0 && current === null) throw noEntry(namespace, p.key);
      for (const row of rows) {
        const view = versionView(row, false, budget);
        if (!view) break;
        versions.push(view);
      }
    }
    return { namespace, key: p.key, current, versions, truncated: budget.truncated };
  }

  /** NOT_FOUND for a version that is not kept, naming those that are. */
  private notKept(namespace: string, key: string, version: number, current: number | null) {
    const versions = this.store.history.versions(namespace, key);
    if (versions.length === 0 && current === null) return noEntry(namespace, key);
    const kept = versions.length ? versions.join(', ') : 'none';
    return new AppError(
      'NOT_FOUND',
      `version ${version} of "${key}" in namespace ${namespace} is not kept (kept: ${kept}${current === null ? '; the entry is deleted' : `; current: ${current}`})`,
      { namespace, key, versions, current },
    );
  }

  restoreVersion(p: KeyParams & { version: number }, op: Operation) {
    const caller = this.access.sessionCaller(p, op);
    const namespace = this.access.writeNamespace(caller, p.namespace, op);
    return this.store.writeBatched(() => {
      const current = this.store.get(namespace, p.key);
      const kept = this.store.history.get(namespace, p.key, p.version);
      let source;
      if (kept) {
        source = {
          content: kept.text,
          metadata: JSON.parse(kept.metadata) as Record<string, unknown>,
          tags: JSON.parse(kept.tags) as string[],
          agentId: kept.agent_id,
        };
      } else if (current && current.version === p.version) {
        source = current;
      } else {
        throw this.notKept(namespace, p.key, p.version, current?.version ?? null);
      }
      const { entry } = this.store.putInTransaction({
        namespace,
        key: p.key,
        content: source.content,
        metadata: source.metadata,
        tags: source.tags,
        agentId: source.agentId,
        sessionId: caller.sessionId,
      });
      return { entry, restoredFrom: p.version };
    });
  }

  append(p: KeyParams & { content: string; separator: string }, op: Operation) {
    const caller = this.access.sessionCaller(p, op);
    const namespace = this.access.writeNamespace(caller, p.namespace, op);
    return this.store.writeBatched(() => {
      const current = this.store.get(namespace, p.key);
      const content = current ? current.content + p.separator + p.content : p.content;
      if (content.length > LIMITS.contentMax) {
        throw new AppError(
          'INVALID_PARAMS',
          `appending would make "${p.key}" ${content.length} characters long, past the limit of ${LIMITS.contentMax}`,
          {
            issues: [
              {
                path: ['content'],
                message: `the entry has ${current?.content.length ?? 0} characters; at most ${Math.max(0, LIMITS.contentMax - (current?.content.length ?? 0) - p.separator.length)} more fit`,
              },
            ],
          },
        );
      }
      const { entry, created } = this.store.putInTransaction({
        namespace,
        key: p.key,
        content,
        metadata: current?.metadata ?? {},
        tags: current?.tags ?? [],
        agentId: current?.agentId ?? null,
        sessionId: caller.sessionId,
      });
      const { content: text, ...head } = entry;
      return { entry: { ...head, size: codePoints(text) }, created };
    });
  }
}
