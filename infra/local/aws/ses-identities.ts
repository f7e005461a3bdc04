import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './event-bus.ts';

/**
 * The SES v2 identity and tenant calls the code makes, answered as SES answers them, since the
 * emulator behind the SES front knows none of them:
 *
 * - CreateEmailIdentity / GetEmailIdentity / DeleteEmailIdentity. An address identity gets what SES
 *   sends: a verification email (into the mail store) whose link, followed, verifies the address.
 *   A domain identity gets three DKIM tokens; it is verified when a developer says its records are
 *   published: `POST /_local/identities/{domain}/verify` on the SES front (there is no DNS here).
 * - CreateTenant, CreateTenantResourceAssociation, DeleteTenant (SES's per-tenant reputation).
 * - SendEmail is refused, as SES refuses it (400 MessageRejected), when its From address is not a
 *   verified identity (the address, or its domain or a parent domain), or when it names a tenant
 *   the identity is not associated with.
 *
 * The state lives in memory, and in `stateFile` when given (`npm start` keeps it in .funnel/).
 */
export interface LocalIdentity {
  identity: string;
  type: 'EMAIL_ADDRESS' | 'DOMAIN';
  verified: boolean;
  token: string;
  dkimTokens: string[];
  tags: Array<{ Key: string; Value: string }>;
  configurationSet?: string;
}

export interface SesAnswer {
  status: number;
  body: unknown;
  errorType?: string;
}

/** Sends a mail through the emulator (the address verification mail). */
export type LocalMailer = (mail: {
  from: string;
  to: string;
  subject: string;
  text: string;
}) => Promise<void>;

const IDENTITIES = '/v2/email/identities';

export class LocalSesIdentities {
  private readonly identities = new Map<string, LocalIdentity>();
  private readonly tenants = new Map<string, { arn: string; id: string; resources: Set<string> }>();

  constructor(
    private readonly options: {
      /** The front's own URL, for the links of verification mails. */
      url: () => string;
      mail: LocalMailer;
      /** Identities verified from the start (the operator's own sender). */
      preverified?: string[];
      stateFile?: string;
    },
  ) {
    if (options.stateFile && existsSync(options.stateFile)) {
      const state = JSON.parse(readFileSync(options.stateFile, 'utf8')) as {
        identities: LocalIdentity[];
        tenants: Array<{ name: string; arn: string; id: string; resources: string[] }>;
      };
      for (const identity of state.identities) this.identities.set(identity.identity, identity);
      for (const t of state.tenants)
        this.tenants.set(t.name, { arn: t.arn, id: t.id, resources: new Set(t.resources) });
    }
    for (const identity of options.preverified ?? []) this.create(identity, [], true);
  }

  private save(): void {
    if (!this.options.stateFile) return;
    const tenants = [...this.tenants].map(([name, t]) => ({
      name,
      arn: t.arn,
      id: t.id,
      resources: [...t.resources],
    }));
    writeFileSync(
      this.options.stateFile,
      JSON.stringify({ identities: [...this.identities.values()], tenants }),
    );
  }

  /** Answers an identity, tenant or local-only call; undefined for everything else. */
  async answer(
    method: string,
    path: string,
    query: URLSearchParams,
    body: Buffer,
  ): Promise<SesAnswer | undefined> {
    const answer = await this.route(method, path, query, body);
    if (answer && (method !== 'GET' || path === '/_local/identities/confirm')) this.save();
    return answer;
  }

  private async route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: Buffer,
  ): Promise<SesAnswer | undefined> {
    const input = () =>
      body.byteLength ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    if (method === 'POST' && path === IDENTITIES) return this.createIdentity(input());
    if (path.startsWith(`${IDENTITIES}/`) && !path.slice(IDENTITIES.length + 1).includes('/')) {
      const name = decodeURIComponent(path.slice(IDENTITIES.length + 1)).toLowerCase();
      if (method === 'GET') return this.getIdentity(name);
      if (method === 'DELETE') {
        this.identities.delete(name);
        for (const tenant of this.tenants.values()) tenant.resources.delete(this.arn(name));
        return { status: 200, body: {} };
      }
    }
    if (method === 'POST' && path === '/v2/email/tenants') return this.createTenant(input());
    if (method === 'POST' && path === '/v2/email/tenants/resources') return this.associate(input());
    if (method === 'POST' && path === '/v2/email/tenants/delete') {
      this.tenants.delete(String(input().TenantName));
      return { status: 200, body: {} };
    }
    if (method === 'GET' && path === '/_local/identities/confirm') return this.confirm(query);
    const domain = /^\/_local\/identities\/([^/]+)\/verify$/.exec(path)?.[1];
    if (method === 'POST' && domain) return this.verifyDomain(decodeURIComponent(domain).toLowerCase());
    return undefined;
  }

  /** Why SES would refuse this SendEmail, or undefined when it would take it. */
  refusal(request: { FromEmailAddress?: string; TenantName?: string }): SesAnswer | undefined {
    const from = /<([^>]+)>\s*$/.exec(request.FromEmailAddress ?? '')?.[1] ?? request.FromEmailAddress ?? '';
    const identity = this.verifiedIdentityOf(from.trim().toLowerCase());
    if (!identity)
      return rejected(`Email address is not verified. The following identities failed the check: ${from}`);
    if (request.TenantName) {
      const tenant = this.tenants.get(request.TenantName);
      if (!tenant)
        return {
          status: 404,
          errorType: 'NotFoundException',
          body: { message: `Tenant ${request.TenantName} does not exist.` },
        };
      if (!tenant.resources.has(this.arn(identity.identity)))
        return rejected(`Identity ${identity.identity} is not associated with tenant ${request.TenantName}.`);
    }
    return undefined;
  }

  private verifiedIdentityOf(address: string): LocalIdentity | undefined {
    const exact = this.identities.get(address);
    if (exact?.verified) return exact;
    const labels = (address.split('@')[1] ?? '').split('.');
    for (let i = 0; i < labels.length - 1; i++) {
      const domain = this.identities.get(labels.slice(i).join('.'));
      if (domain?.verified) return domain;
    }
    return undefined;
  }

  private create(identity: string, tags: LocalIdentity['tags'], verified: boolean): LocalIdentity {
    const name = identity.toLowerCase();
    const created: LocalIdentity = {
      identity: name,
      type: name.includes('@') ? 'EMAIL_ADDRESS' : 'DOMAIN',
      verified,
      token: randomBytes(16).toString('hex'),
      dkimTokens: name.includes('@') ? [] : [1, 2, 3].map(() => randomBytes(16).toString('hex')),
      tags,
    };
    this.identities.set(name, created);
    return created;
  }

  private async createIdentity(input: Record<string, unknown>): Promise<SesAnswer> {
    const name = String(input.EmailIdentity ?? '')
      .trim()
      .toLowerCase();
    if (!name) return badRequest('EmailIdentity is required.');
    if (this.identities.has(name))
      return {
        status: 400,
        errorType: 'AlreadyExistsException',
        body: { message: `Email identity ${name} already exist.` },
      };
    const identity = this.create(name, (input.Tags as LocalIdentity['tags']) ?? [], false);
    if (typeof input.ConfigurationSetName === 'string')
      identity.configurationSet = input.ConfigurationSetName;
    if (identity.type === 'EMAIL_ADDRESS') {
      const link = `${this.options.url()}/_local/identities/confirm?identity=${encodeURIComponent(name)}&token=${identity.token}`;
      await this.options.mail({
        from: 'no-reply-aws@amazon.com',
        to: name,
        subject: `Amazon Web Services – Email Address Verification Request in region ${LOCAL_REGION}`,
        text: `Dear Amazon Web Services Customer,\n\nWe have received a request to authorize this email address for use with Amazon SES in region ${LOCAL_REGION}. If you requested this verification, please go to the following URL to confirm that you are authorized to use this email address:\n\n${link}\n\nYour request will not be processed unless you confirm the address using this URL.\n`,
      });
    }
    return { status: 200, body: describe(identity, false) };
  }

  private getIdentity(name: string): SesAnswer {
    const identity = this.identities.get(name);
    if (!identity)
      return {
        status: 404,
        errorType: 'NotFoundException',
        body: { message: `Email identity ${name} does not exist.` },
      };
    return { status: 200, body: describe(identity, true) };
  }

  private confirm(query: URLSearchParams): SesAnswer {
    const identity = this.identities.get((query.get('identity') ?? '').toLowerCase());
    if (!identity || identity.token !== query.get('token'))
      return { status: 404, body: 'This verification link is not valid.' };
    identity.verified = true;
    return {
      status: 200,
      body: `Congratulations! You have successfully verified ${identity.identity}. You can now start sending email from this address.`,
    };
  }

  private verifyDomain(name: string): SesAnswer {
    const identity = this.identities.get(name);
    if (identity?.type !== 'DOMAIN')
      return {
        status: 404,
        errorType: 'NotFoundException',
        body: { message: `No domain identity ${name}.` },
      };
    identity.verified = true;
    return { status: 200, body: describe(identity, true) };
  }

  private createTenant(input: Record<string, unknown>): SesAnswer {
    const name = String(input.TenantName ?? '');
    if (!name) return badRequest('TenantName is required.');
    if (this.tenants.has(name))
      return {
        status: 400,
        errorType: 'AlreadyExistsException',
        body: { message: `Tenant ${name} already exists.` },
      };
    const id = randomBytes(8).toString('hex');
    const arn = `arn:aws:ses:${LOCAL_REGION}:${LOCAL_ACCOUNT}:tenant/${name}/${id}`;
    this.tenants.set(name, { arn, id, resources: new Set() });
    return {
      status: 200,
      body: {
        TenantName: name,
        TenantId: id,
        TenantArn: arn,
        CreatedTimestamp: Date.now() / 1000,
        SendingStatus: 'ENABLED',
        Tags: input.Tags ?? [],
      },
    };
  }

  private associate(input: Record<string, unknown>): SesAnswer {
    const tenant = this.tenants.get(String(input.TenantName ?? ''));
    if (!tenant)
      return {
        status: 404,
        errorType: 'NotFoundException',
        body: { message: `Tenant ${String(input.TenantName)} does not exist.` },
      };
    tenant.resources.add(String(input.ResourceArn ?? ''));
    return { status: 200, body: {} };
  }

  private arn(identity: string): string {
    return `arn:aws:ses:${LOCAL_REGION}:${LOCAL_ACCOUNT}:identity/${identity}`;
  }
}

function describe(identity: LocalIdentity, full: boolean) {
  const status = identity.verified ? 'SUCCESS' : 'PENDING';
  return {
    IdentityType: identity.type,
    VerifiedForSendingStatus: identity.verified,
    ...(identity.type === 'DOMAIN'
      ? {
          DkimAttributes: {
            SigningEnabled: true,
            Status: status,
            Tokens: identity.dkimTokens,
            SigningAttributesOrigin: 'AWS_SES',
          },
        }
      : { DkimAttributes: { SigningEnabled: false, Status: 'NOT_STARTED', Tokens: [] } }),
    ...(full
      ? {
          VerificationStatus: status,
          FeedbackForwardingStatus: true,
          Tags: identity.tags,
          ...(identity.configurationSet ? { ConfigurationSetName: identity.configurationSet } : {}),
        }
      : {}),
  };
}

const rejected = (message: string): SesAnswer => ({
  status: 400,
  errorType: 'MessageRejected',
  body: { message },
});
const badRequest = (message: string): SesAnswer => ({
  status: 400,
  errorType: 'BadRequestException',
  body: { message },
});
