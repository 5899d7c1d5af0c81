/**
 * Handlers of `memory.*`: each hands the call to the memory service with the request's
 * operation, so access control knows who asks. Reads that can be slow (search, list,
 * export) get the request's signal: the read pool drops or stops them when it aborts. A
 * reindex reports progress as notifications to the caller and stops when it aborts.
 */
import type { RequestContext } from '../context.js';
import type { HandlerTable } from '../handler.js';

/**
 * What a reply's envelope (`{"jsonrpc":"2.0","id":…,"result":…}`) adds to its page: the
 * page itself stays within the reply budget less this, so the whole line does.
 */
export const envelopeBytes = (ctx: Pick<RequestContext, 'requestId'>) =>
  64 + Buffer.byteLength(JSON.stringify(ctx.requestId ?? null));

export const memoryHandlers = {
  'memory.store': (p, ctx) => ctx.services.memory.put(p, ctx.op),
  'memory.get': (p, ctx) => ctx.services.memory.get(p, ctx.op),
  'memory.search': (p, ctx) =>
    ctx.services.memory.searchWithMode(p, ctx.op, envelopeBytes(ctx), ctx.signal),
  'memory.list': (p, ctx) => ctx.services.memory.list(p, ctx.op, envelopeBytes(ctx), ctx.signal),
  'memory.delete': (p, ctx) => ctx.services.memory.delete(p, ctx.op),
  'memory.namespaces': (p, ctx) => ctx.services.memory.namespaces(p, ctx.op),
  'memory.export': (p, ctx) =>
    ctx.services.memory.exportPage(p, ctx.op, envelopeBytes(ctx), ctx.signal),
  'memory.reindex': (p, ctx) =>
    ctx.services.memory.reindex(
      p,
      (done, total) => void ctx.notify('memory.reindex.progress', { done, total }),
      ctx.signal,
    ),
  'memory.embeddingStatus': (_p, ctx) => ctx.services.memory.embeddingStatus(),
  'memory.import': (p, ctx) => ctx.services.memory.importBatch(p.entries),
  'memory.link': (p, ctx) => ctx.services.memory.graph.link(p, ctx.op),
  'memory.unlink': (p, ctx) => ctx.services.memory.graph.unlink(p, ctx.op),
  'memory.related': (p, ctx) =>
    ctx.services.memory.graph.related(p, ctx.op, envelopeBytes(ctx), ctx.signal),
  'memory.history': (p, ctx) => ctx.services.memory.versions.history(p, ctx.op, envelopeBytes(ctx)),
  'memory.restoreVersion': (p, ctx) => ctx.services.memory.versions.restoreVersion(p, ctx.op),
  'memory.append': (p, ctx) => ctx.services.memory.versions.append(p, ctx.op),
  'memory.storeMany': (p, ctx) => ctx.services.memory.batches.storeMany(p, ctx.op),
  'memory.getMany': (p, ctx) => ctx.services.memory.batches.getMany(p, ctx.op, envelopeBytes(ctx)),
  'memory.deleteMany': (p, ctx) => ctx.services.memory.batches.deleteMany(p, ctx.op),
  'memory.changes': (p, ctx) =>
    ctx.services.memory.batches.changes(p, ctx.op, envelopeBytes(ctx), ctx.signal),
} satisfies Partial<HandlerTable>;
