import * as z from 'zod/mini';
import { lazy } from '../platform/lazy.ts';
import { Email, Id, IsoDateTime, named } from '../platform/schema.ts';

const Domain = lazy(() =>
  z.string().check(
    z.trim(),
    z.toLowerCase(),
    z.maxLength(253),
    z.regex(/^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
      message: 'Must be a domain name such as acme.example.',
    }),
  ),
);

export const DnsRecord = named(
  'DnsRecord',
  lazy(() => z.object({ type: z.literal('CNAME'), name: z.string(), value: z.string() })),
  "A record to publish in the domain's DNS (Easy DKIM).",
);

export const SenderIdentity = named(
  'SenderIdentity',
  lazy(() =>
    z.object({
      id: Id,
      type: z.enum(['domain', 'email_address']),
      /** The domain, or the single address. */
      identity: z.string(),
      status: z.enum(['pending', 'verified', 'failed']),
      /** Domains: the DKIM records to publish; the domain is verified once SES finds them. */
      dnsRecords: z.optional(z.array(DnsRecord)),
      createdAt: IsoDateTime,
      verifiedAt: z.optional(IsoDateTime),
      checkedAt: z.optional(IsoDateTime),
    }),
  ),
  'A domain or address the tenant may send from, once verified. A domain covers every address at it and at its subdomains.',
);
export type SenderIdentity = z.infer<typeof SenderIdentity>;

export const SenderIdentityCreate = named(
  'SenderIdentityCreate',
  lazy(() => z.union([z.object({ domain: Domain }), z.object({ email: Email })])),
  'Either `domain` (verified by the DKIM records the answer lists) or `email` (verified by the link mailed to it).',
);
export type SenderIdentityCreate = z.infer<typeof SenderIdentityCreate>;
