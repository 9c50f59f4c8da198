import path from 'node:path';

const modulesDir = path.resolve(import.meta.dirname, '..', 'src', 'modules');

/** The module a path is in (`src/modules/<name>/…`), or undefined outside the modules. */
function moduleOf(file) {
  const relative = path.relative(modulesDir, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  const [name, ...rest] = relative.split(path.sep);
  return rest.length > 0 ? name : undefined;
}

const isIndex = (file, name) =>
  path.dirname(file) === path.join(modulesDir, name) && /^index\.(js|ts|tsx)$/.test(path.basename(file));

/**
 * A module is used only through its `index.ts`: an import that reaches into another module's
 * files (its routes, its queries, its gateway) is refused, wherever in `src/` it is written.
 */
export const moduleBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Import another module only through its index.ts' },
    schema: [],
    messages: {
      internal:
        "'{{source}}' reaches into the {{target}} module: import it through '{{target}}/index.js' (add what you need to its index and service).",
    },
  },
  create(context) {
    const file = context.filename;
    const own = moduleOf(file);
    function check(node) {
      const source = node?.value;
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = path.resolve(path.dirname(file), source);
      const name = moduleOf(target);
      if (name === undefined || name === own || isIndex(target, name)) return;
      context.report({ node, messageId: 'internal', data: { source, target: name } });
    }
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
    };
  },
};

export default { rules: { 'module-boundaries': moduleBoundaries } };
