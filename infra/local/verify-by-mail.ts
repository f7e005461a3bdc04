/**
 * Verifying as a person does, on this machine: the links are read from the mail store (the SES
 * emulator's `/store`) and followed. The demo tenant, the benchmark's tenants and the test suites'
 * tenants are all verified this way, never by writing to the table.
 */
interface StoredMail {
  destination: { to: string[] };
  body: { text?: string };
}

export const TENANT_VERIFICATION_LINK = /https?:\/\/\S+\/v1\/tenant-verification\/[A-Za-z0-9._-]+/;
export const SES_VERIFICATION_LINK = /https?:\/\/\S+\/_local\/identities\/confirm\?\S+/;

/**
 * The newest link matching `pattern` in a mail to `to`, waiting up to five seconds for the mail.
 * Only the last ten minutes of the store are read: in a long run it holds every mail sent.
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

/** Presses the button of the page the admin's verification link opens (a form POST). */
export async function confirmTenantByMail(mailStoreUrl: string, adminEmail: string): Promise<void> {
  const link = await linkMailedTo(mailStoreUrl, adminEmail, TENANT_VERIFICATION_LINK);
  const confirmed = await fetch(link, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'confirm=yes',
  });
  if (confirmed.status !== 200)
    throw new Error(`Verification failed: ${confirmed.status} ${await confirmed.text()}`);
}

/** Follows SES's verification link for an address, as its owner would in a browser. */
export async function confirmSesIdentity(mailStoreUrl: string, address: string): Promise<void> {
  const link = await linkMailedTo(mailStoreUrl, address, SES_VERIFICATION_LINK);
  const response = await fetch(link);
  if (!response.ok) throw new Error(`SES verification link answered ${response.status}.`);
}

/**
 * A new tenant verified end to end: the admin's link, then (once the verification has gone
 * through the runtime) the link SES mails the sign-up's sender.
 */
export async function verifyTenantByMail(
  runtime: { urls: { mailViewer: string }; settle(): Promise<void> },
  adminEmail: string,
  senderEmail: string,
): Promise<void> {
  // The mail leaves after the sign-up commits (outbox, stream, bus): once settled it is in the
  // store, however busy the machine, instead of within the few seconds linkMailedTo waits.
  await runtime.settle();
  await confirmTenantByMail(runtime.urls.mailViewer, adminEmail);
  await runtime.settle();
  await confirmSesIdentity(runtime.urls.mailViewer, senderEmail);
}
