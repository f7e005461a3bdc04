import {
  AlreadyExistsException,
  CreateEmailIdentityCommand,
  CreateTenantCommand,
  CreateTenantResourceAssociationCommand,
  DeleteEmailIdentityCommand,
  DeleteTenantCommand,
  GetEmailIdentityCommand,
  NotFoundException,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import { readEnv, required } from '../platform/config.ts';

/**
 * The SES v2 calls behind sender identities. SES is the registry that spans tenants: an identity
 * exists once per account and region, tagged with the tenant that created it, so "who owns
 * acme.example?" is answered by SES, not by a table item outside every tenant's partition.
 *
 * Each tenant is also an SES tenant (CreateTenant) with its identities and the configuration set
 * associated to it: SES then keeps reputation per tenant, can pause one tenant's sending without
 * touching the others, and refuses a send naming the tenant from an identity not associated to it.
 */
const env = readEnv({
  SES_CONFIGURATION_SET: required(),
  /** `<prefix><identity>` is an identity's ARN (`arn:aws:ses:<region>:<account>:identity/`). */
  SES_IDENTITY_ARN_PREFIX: required(),
});
const client = new SESv2Client({});

export const OWNER_TAG = 'funnel:tenant';

export interface SesIdentity {
  verified: boolean;
  failed: boolean;
  dkimTokens: string[];
  owner?: string;
}

/** The SES tenant that stands for a Funnel tenant (unique per stack: the configuration set is). */
export function sesTenantName(tenantId: string): string {
  return `${env.SES_CONFIGURATION_SET}-${tenantId}`;
}

export async function readIdentity(identity: string): Promise<SesIdentity | undefined> {
  try {
    const found = await client.send(new GetEmailIdentityCommand({ EmailIdentity: identity }));
    return {
      verified: found.VerifiedForSendingStatus === true,
      failed: found.VerificationStatus === 'FAILED',
      dkimTokens: found.DkimAttributes?.Tokens ?? [],
      owner: found.Tags?.find((t) => t.Key === OWNER_TAG)?.Value,
    };
  } catch (error) {
    if (error instanceof NotFoundException) return undefined;
    throw error;
  }
}

/**
 * Creates the identity tagged with its tenant (SES mails an address its verification link).
 * Returns undefined when SES already has it: the caller decides whose it is.
 */
export async function createIdentity(identity: string, tenantId: string): Promise<SesIdentity | undefined> {
  try {
    const created = await client.send(
      new CreateEmailIdentityCommand({
        EmailIdentity: identity,
        ConfigurationSetName: env.SES_CONFIGURATION_SET,
        Tags: [{ Key: OWNER_TAG, Value: tenantId }],
      }),
    );
    return {
      verified: created.VerifiedForSendingStatus === true,
      failed: false,
      dkimTokens: created.DkimAttributes?.Tokens ?? [],
      owner: tenantId,
    };
  } catch (error) {
    if (error instanceof AlreadyExistsException) return undefined;
    throw error;
  }
}

/**
 * Deletes the identity only if this tenant owns it (the tag it was created with): SES identities
 * are the account's, and a tenant's record can outlive its claim (the identity removed from SES
 * and claimed by another tenant since). Another tenant's is left alone; returns whether it went.
 */
export async function deleteOwnIdentity(identity: string, tenantId: string): Promise<boolean> {
  if ((await readIdentity(identity))?.owner !== tenantId) return false;
  await deleteIdentity(identity);
  return true;
}

export async function deleteIdentity(identity: string): Promise<void> {
  try {
    await client.send(new DeleteEmailIdentityCommand({ EmailIdentity: identity }));
  } catch (error) {
    if (!(error instanceof NotFoundException)) throw error;
  }
}

/** Associates the identity (and the configuration set) with the tenant's SES tenant, creating it once. */
export async function associateWithTenant(identity: string, tenantId: string): Promise<void> {
  const TenantName = sesTenantName(tenantId);
  try {
    await client.send(new CreateTenantCommand({ TenantName, Tags: [{ Key: OWNER_TAG, Value: tenantId }] }));
    await client.send(
      new CreateTenantResourceAssociationCommand({
        TenantName,
        ResourceArn: configurationSetArn(),
      }),
    );
  } catch (error) {
    if (!(error instanceof AlreadyExistsException)) throw error;
  }
  await client.send(
    new CreateTenantResourceAssociationCommand({
      TenantName,
      ResourceArn: `${env.SES_IDENTITY_ARN_PREFIX}${identity}`,
    }),
  );
}

export async function deleteSesTenant(tenantId: string): Promise<void> {
  try {
    await client.send(new DeleteTenantCommand({ TenantName: sesTenantName(tenantId) }));
  } catch (error) {
    if (!(error instanceof NotFoundException)) throw error;
  }
}

function configurationSetArn(): string {
  return `${env.SES_IDENTITY_ARN_PREFIX.replace(/identity\/$/, 'configuration-set/')}${env.SES_CONFIGURATION_SET}`;
}
