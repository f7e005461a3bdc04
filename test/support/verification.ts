/**
 * Verifying like a user: the links are read from the mail store (the SES emulator's `/store`) and
 * followed, never bypassed. Used by the sign-up helpers of every suite.
 */
interface StoredMail {
  subject: string;
  destination: { to: string[] };
  body: { text?: string; html?: string };
}

/**
 * The newest link matching `pattern` in a mail to `to`, waiting briefly for the mail to land. Only
 * the last ten minutes of the store are read: it holds every mail of the test run.
 */
export async function linkMailedTo(mailStoreUrl: string, to: string, pattern: RegExp): Promise<string> {
  const since = Math.floor(Date.now() / 1000) - 600;
  for (let attempt = 0; attempt < 50; attempt++) {
    const store = (await (await fetch(`${mailStoreUrl}/store?since=${since}`)).json()) as {
      emails: StoredMail[];
    };
    for (const mail of store.emails.filter((m) => m.destination.to.some((t) => t.includes(to))).reverse()) {
      const link = pattern.exec(mail.body.text ?? '')?.[0];
      if (link) return link;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`No mail to ${to} with a link like ${pattern}.`);
}

export const TENANT_VERIFICATION_LINK = /https?:\/\/\S+\/v1\/tenant-verification\/[A-Za-z0-9._-]+/;
export const SES_VERIFICATION_LINK = /https?:\/\/\S+\/_local\/identities\/confirm\?\S+/;

/** Follows SES's verification link for an address, as its owner would in a browser. */
export async function confirmSesIdentity(mailStoreUrl: string, address: string): Promise<void> {
  const link = await linkMailedTo(mailStoreUrl, address, SES_VERIFICATION_LINK);
  const response = await fetch(link);
  if (!response.ok) throw new Error(`SES verification link answered ${response.status}.`);
}
