/**
 * The layering rule: data flows client → transport → rpc → services → store, and an
 * import that runs against that flow fails `npm run lint`. Each folder under src/ is a
 * layer; ALLOWED says which layers each may import from (its own always). Relative
 * imports are resolved against the importing file, so `../../rpc/x.js` and `../rpc/x.js`
 * are judged by where they land, not by how they are spelled.
 */
import path from 'node:path';

/** For each layer, the other layers it may import. A layer not listed may import anything. */
export const ALLOWED = {
  core: [],
  protocol: ['core'],
  config: ['core'],
  store: ['core'],
  transport: ['core'],
  // The MCP tool layer, shared by the stdio shim (clients) and /mcp (daemon): no transport.
  mcp: ['core', 'protocol'],
  services: ['core', 'config', 'protocol', 'store'],
  rpc: ['core', 'config', 'protocol', 'services'],
  daemon: ['core', 'config', 'protocol', 'services', 'store', 'rpc', 'transport', 'mcp'],
  clients: ['core', 'config', 'protocol', 'transport', 'mcp'],
  bin: ['core', 'clients', 'daemon'],
};

/**
 * Named exceptions: `aistack daemon start -f` runs the daemon's entry point in its own
 * process; `aistack backup verify FILE` with no daemon running runs the daemon's own
 * read-only file check (services/backup/backup-verify.ts with the store's migrations).
 */
export const EXCEPTIONS = [
  { from: 'src/clients/cli/daemon-commands.ts', to: 'src/daemon/main.ts' },
  { from: 'src/clients/cli/backup-verify-local.ts', to: 'src/services/backup/backup-verify.ts' },
  { from: 'src/clients/cli/backup-verify-local.ts', to: 'src/store/schema.ts' },
];

function layerOf(file, root) {
  const rel = path.relative(root, file).split(path.sep);
  if (rel[0] !== 'src' || rel.length < 3) return undefined;
  return rel[1];
}

export const layersRule = {
  meta: {
    type: 'problem',
    docs: {
      description: 'imports must follow the layers: client → transport → rpc → services → store',
    },
    messages: {
      wrongWay:
        "'{{from}}' may not import from '{{to}}' ({{spec}}): a {{from}} module may import only {{allowed}}. See scripts/lint-layers.js.",
    },
    schema: [],
  },
  create(context) {
    const root = context.cwd;
    const file = context.filename;
    const from = layerOf(file, root);
    if (!from || !(from in ALLOWED)) return {};
    const check = (node, spec) => {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
      const to = layerOf(target, root);
      if (!to || to === from || ALLOWED[from].includes(to)) return;
      const relFrom = path.relative(root, file).split(path.sep).join('/');
      const relTo = path.relative(root, target).split(path.sep).join('/');
      if (EXCEPTIONS.some((e) => e.from === relFrom && e.to === relTo)) return;
      context.report({
        node,
        messageId: 'wrongWay',
        data: { from, to, spec, allowed: [from, ...ALLOWED[from]].join(', ') },
      });
    };
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) =>
        node.source.type === 'Literal' && check(node.source, node.source.value),
    };
  },
};
