import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { application } from '../../functions/app/index.ts';
import { ROLES } from '../../shared/platform/auth.ts';
import { isTenantRoute } from '../../shared/platform/http/route.ts';

/**
 * The roles table of docs/api-conventions.md, generated from the route declarations.
 * `npm run docs:roles` rewrites it; test/unit/app/roles-table.test.ts fails when it is stale.
 */
export const DOC = fileURLToPath(new URL('../../docs/api-conventions.md', import.meta.url));
const MARKERS = /<!-- roles-table:start -->\n([\s\S]*?)\n?<!-- roles-table:end -->/;

export function rolesTable(): string {
  const header = `| Route | ${ROLES.join(' | ')} |\n| --- |${ROLES.map(() => ' :-: |').join('')}`;
  // Operator routes admit no member (docs/operator.md).
  const rows = application.routes
    .filter((route) => route.access !== 'operator')
    .sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method))
    .map((route) => {
      const cells = ROLES.map((role) =>
        !isTenantRoute(route) ? 'public' : route.access.includes(role) ? '✓' : '',
      );
      return `| \`${route.method} ${route.path}\` | ${cells.join(' | ')} |`;
    });
  return [header, ...rows].join('\n');
}

export function documentedRolesTable(): string | undefined {
  return MARKERS.exec(readFileSync(DOC, 'utf8'))?.[1]?.trim();
}

if (process.argv.includes('--write')) {
  const doc = readFileSync(DOC, 'utf8');
  writeFileSync(
    DOC,
    doc.replace(MARKERS, `<!-- roles-table:start -->\n${rolesTable()}\n<!-- roles-table:end -->`),
  );
  console.log(`Updated the roles table in ${DOC}.`);
}
