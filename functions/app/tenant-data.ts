/**
 * Every module's registration of the tenant's data (shared/platform/tenant-data.ts), imported for
 * its effect by the functions that export or delete a tenant. The order is the order of a walk,
 * and of a deletion: what lists records through another module's items comes before that module
 * (survey invitations are listed per contact; tasks and quotes per member), tenancy comes last.
 */
// biome-ignore format: one module per line keeps merges of parallel work trivial
import '../../shared/cases/tenant-data.ts';
import '../../shared/documents/tenant-data.ts';
import '../../shared/surveys/tenant-data.ts';
import '../../shared/tasks/tenant-data.ts';
import '../../shared/sales/tenant-data.ts';
import '../../shared/automation/tenant-data.ts';
import '../../shared/marketing/tenant-data.ts';
import '../../shared/invoicing/tenant-data.ts';
import '../../shared/subscriptions/tenant-data.ts';
import '../../shared/webhooks/tenant-data.ts';
import '../../shared/analytics/tenant-data.ts';
import '../../shared/reports/tenant-data.ts';
import '../../shared/warehouse/tenant-data.ts';
import '../../shared/identity/tenant-data.ts';
import '../../shared/senders/tenant-data.ts';
import '../../shared/contacts/tenant-data.ts';
import '../../shared/tenant-exit/tenant-data.ts';
import '../../shared/tenancy/tenant-data.ts';
