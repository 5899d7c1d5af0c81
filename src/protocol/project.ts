/**
 * Projects on the wire. A session may be bound to one project when it starts
 * (`session.start {project: {name?, root?}}`); the project's namespace `project:<slug>`
 * persists across sessions and is read only by sessions bound to it and by the owner.
 * `project.*` lists, shows and renames projects (the owner's tools).
 */
import { z } from 'zod';
import { defineMethod } from './method.js';
import { namespaceSchema } from './memory-schemas.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export const PROJECT_LIMITS = { nameMax: 200, rootMax: 4096, slugMax: 40 } as const;

const projectName = z
  .string()
  .trim()
  .min(1)
  .max(PROJECT_LIMITS.nameMax)
  .refine((n) => !CONTROL.test(n), 'project name must not contain control characters');

/** What a client says about the project it works in: a name, a root folder, or both. */
export const projectRefSchema = z
  .strictObject({
    name: projectName
      .optional()
      .describe('Its display name; the slug is derived from it (default: the root folder name).'),
    root: z
      .string()
      .min(1)
      .max(PROJECT_LIMITS.rootMax)
      .refine((r) => r.startsWith('/'), 'root must be an absolute path')
      .refine((r) => !CONTROL.test(r), 'root must not contain control characters')
      .optional()
      .describe(
        'The absolute path of its root folder (the git top level, or the folder the client works in). One root is one project.',
      ),
  })
  .refine((p) => p.name !== undefined || p.root !== undefined, 'give a name, a root or both');

export type ProjectRef = z.output<typeof projectRefSchema>;

export const projectSlugSchema = z
  .string()
  .min(1)
  .max(PROJECT_LIMITS.slugMax + 20)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'a project slug is lower-case letters, digits and -');

/** A project as `project.list` and `project.show` show it. */
export const projectInfoSchema = z.strictObject({
  slug: projectSlugSchema,
  namespace: namespaceSchema.describe('Its namespace, "project:<slug>" (never changes).'),
  name: z.string().describe('Its display name (rename changes only this).'),
  root: z.string().nullable().describe('The root folder it was bound from, if any.'),
  createdAt: z.iso.datetime(),
  entries: z.number().int().min(0).describe('Entries in its namespace now.'),
  activeSessions: z.number().int().min(0).describe('Active sessions bound to it now.'),
});

export type ProjectInfo = z.output<typeof projectInfoSchema>;

/** The project a session is bound to, as session.start and session.status name it. */
export const boundProjectSchema = z
  .strictObject({ slug: projectSlugSchema, namespace: namespaceSchema, name: z.string() })
  .nullable()
  .describe('The project this session is bound to (null: none).');

const projectParam = z
  .string()
  .min(1)
  .max(PROJECT_LIMITS.nameMax + 8)
  .describe('The project: its slug, "project:<slug>", or its display name.');

export const projectMethods = [
  defineMethod({
    name: 'project.list',
    description:
      'Every project: slug, namespace, display name, root folder, when it was first seen, entries and active sessions.',
    params: z.strictObject({}).prefault({}),
    result: z.strictObject({ projects: z.array(projectInfoSchema) }),
    access: 'local',
    scope: 'admin',
    http: { method: 'GET', path: '/projects' },
  }),
  defineMethod({
    name: 'project.show',
    description: 'One project by slug, namespace or display name; NOT_FOUND when none matches.',
    params: z.strictObject({ project: projectParam }),
    result: z.strictObject({ project: projectInfoSchema }),
    access: 'local',
    scope: 'admin',
    http: { method: 'GET', path: '/projects/:project' },
  }),
  defineMethod({
    name: 'project.rename',
    description:
      "Changes a project's display name. Its slug and namespace stay the same, so no entry moves, is lost or is copied; sessions bound to it stay bound.",
    params: z.strictObject({ project: projectParam, name: projectName }),
    result: z.strictObject({ project: projectInfoSchema, previousName: z.string() }),
    access: 'local',
    scope: 'admin',
    http: { method: 'POST', path: '/projects/:project/rename' },
  }),
];
