/**
 * Handlers of `project.*`: list, show and rename projects (the owner's tools; the
 * binding of a session to a project happens in `session.start`).
 */
import type { HandlerTable } from '../handler.js';

export const projectHandlers = {
  'project.list': (_p, ctx) => ({ projects: ctx.services.projects.list() }),
  'project.show': (p, ctx) => ({ project: ctx.services.projects.show(p.project) }),
  'project.rename': (p, ctx) =>
    ctx.services.projects.rename(p.project, p.name, ctx.caller.connection),
} satisfies Partial<HandlerTable>;
