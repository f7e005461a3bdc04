import { writeFileSync } from 'node:fs';
import { generatedDocs, PATHS } from './history.ts';

/**
 * npm run bench:docs: rewrites the generated section of docs/performance.md (every budget, its
 * target, the latest figure and the last runs) from bench/budgets.json and bench/history.jsonl.
 * With --check it only says whether the section is up to date (exit 1 when not).
 */
const { current, generated } = generatedDocs();
if (process.argv.includes('--check')) {
  if (current !== generated) {
    console.error('docs/performance.md is not up to date with bench/history.jsonl: run npm run bench:docs.');
    process.exit(1);
  }
} else {
  writeFileSync(PATHS.docs, generated);
  console.log('docs/performance.md: the budgets and their history are up to date.');
}
