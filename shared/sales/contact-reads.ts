/*
 * The reads of contacts and companies that sales' reference checks make, in a module that
 * references.ts imports lazily: a dynamic import of the contacts service itself would keep all of
 * it (esbuild cannot tree-shake what import() returns) in every bundle that also imports it.
 */
export { getCompany, getContact } from '../contacts/records.ts';
export { getContacts } from '../contacts/service.ts';
