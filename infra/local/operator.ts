import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from './dynamodb.ts';
import { verifyTenantByMail } from './verify-by-mail.ts';

/** The operator of this machine's service: its own tenant, and a key for the operator API. */
export interface LocalOperator {
  tenantId: string;
  /** An operator key (`fcrm_op_...`), printed beside the demo key; stored hashed in the table. */
  key: string;
}

const OPERATOR_SIGNUP = {
  name: 'Funnel Operator',
  timeZone: 'Europe/Paris',
  currency: 'EUR',
  sender: { name: 'Funnel billing', email: 'billing@operator.example' },
  postalAddress: { lines: ['1 Place de la Bourse'], city: 'Paris', postalCode: '75002', country: 'FR' },
  financeEmail: 'finance@operator.example',
  admin: { name: 'Operator Admin', email: 'admin@operator.example' },
};

/**
 * Signs the operator tenant up through the API, once per data directory, verifies it as a user
 * would, names it to the functions (`OPERATOR_TENANT_ID`) and issues an operator key with the same
 * service the CLI's `operator-key` command uses on AWS (docs/operator.md).
 */
export async function seedOperator(
  apiUrl: string,
  mailUrl: string,
  dataDir: string | null,
  settle: () => Promise<void>,
): Promise<LocalOperator> {
  const file = dataDir ? join(dataDir, 'operator.json') : undefined;
  const saved =
    file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalOperator>) : {};
  if (saved.tenantId && saved.key) {
    process.env.OPERATOR_TENANT_ID = saved.tenantId;
    return { tenantId: saved.tenantId, key: saved.key };
  }
  const response = await fetch(`${apiUrl}/v1/tenants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(OPERATOR_SIGNUP),
  });
  if (response.status !== 201)
    throw new StartupError(`Could not create the operator tenant: ${await response.text()}`);
  const created = (await response.json()) as { tenant: { id: string } };
  await verifyTenantByMail(
    { urls: { mailViewer: mailUrl }, settle },
    OPERATOR_SIGNUP.admin.email,
    OPERATOR_SIGNUP.sender.email,
  ).catch((error: unknown) => {
    throw new StartupError(`Could not verify the operator tenant: ${(error as Error).message}`);
  });
  process.env.OPERATOR_TENANT_ID = created.tenant.id;
  // Imported only now: the services read their configuration on import, which the runtime has set by now.
  const { issueOperatorKey } = await import('../../shared/operator/credentials.ts');
  const issued = await issueOperatorKey('local operator');
  const operator = { tenantId: created.tenant.id, key: issued.key };
  if (file) writeFileSync(file, JSON.stringify(operator, null, 2), { mode: 0o600 });
  return operator;
}
