// The tenant read that SLA clocks need, in a module settings.ts imports lazily: a dynamic import of
// tenancy itself would keep all of it (esbuild cannot tree-shake what import() returns) in every
// bundle that also imports it.
export { getTenant } from '../tenancy/records.ts';
