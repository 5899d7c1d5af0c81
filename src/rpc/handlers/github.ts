/**
 * Handlers of `github.*`: each goes to the GitHub service, which validates, time-limits
 * and audits the `gh` call.
 */
import type { HandlerTable } from '../handler.js';

export const githubHandlers = {
  'github.issue.create': (p, { services }) => services.github.issueCreate(p),
  'github.issue.list': (p, { services }) => services.github.issueList(p),
  'github.pr.list': (p, { services }) => services.github.prList(p),
  'github.repo.view': (p, { services }) => services.github.repoView(p),
} satisfies Partial<HandlerTable>;
