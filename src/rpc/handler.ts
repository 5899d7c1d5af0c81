/**
 * What a handler is: the code behind one method of the table. It gets the method's
 * params as its schema parsed them and the request's context, and answers a value its
 * result schema accepts (or that value already serialized, as a JsonText) — the compiler
 * checks both against `protocol/table.ts`.
 */
import type { z } from 'zod';
import type { JsonText } from '../core/json-text.js';
import type { MethodName, SpecOf } from '../protocol/table.js';
import type { RequestContext } from './context.js';

/** A handler's answer: its result, or its result already serialized (JsonText). */
type Answer<T> = T | JsonText<T>;

export type Handler<N extends MethodName> = (
  params: z.output<SpecOf<N>['params']>,
  ctx: RequestContext,
) => Answer<z.input<SpecOf<N>['result']>> | Promise<Answer<z.input<SpecOf<N>['result']>>>;

/** One handler for every method of the table: a missing one is a type error. */
export type HandlerTable = { [N in MethodName]: Handler<N> };

/** A handler as dispatch holds it (plugin methods are added at run time). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyHandler = (params: any, ctx: RequestContext) => unknown;
