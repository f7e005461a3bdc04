/**
 * The getting-started guide of the reference (shown at the top of /docs). Its JavaScript snippets
 * are run, in order, as one program by test/e2e/getting-started.test.ts against a local runtime:
 * a guide whose steps stopped working fails the build.
 */
export const GETTING_STARTED = `## Getting started

Five steps, in Node.js 20 or later (\`fetch\` is built in). Set \`FUNNEL_URL\` to your deployment's address.

### 1. Sign up

Signing up creates your tenant (your company), its first admin member and an API key for that admin.
The key is shown once: keep it in your secrets store. Then follow the link emailed to the admin to
confirm the address; members can be added once it is confirmed.

\`\`\`js
const api = process.env.FUNNEL_URL ?? 'https://api.funnel.example';
const json = { 'content-type': 'application/json' };
const unique = Date.now().toString(36);
const signup = await fetch(\`\${api}/v1/tenants\`, {
  method: 'POST',
  headers: json,
  body: JSON.stringify({
    name: 'Acme Chairs',
    timeZone: 'Europe/Paris',
    currency: 'EUR',
    locale: 'en-US',
    sender: { name: 'Acme Chairs', email: \`hello-\${unique}@acme.example\` },
    postalAddress: { lines: ['1 Rue de la Paix'], city: 'Paris', postalCode: '75002', country: 'FR' },
    financeEmail: \`finance-\${unique}@acme.example\`,
    admin: { name: 'Ada Admin', email: \`ada-\${unique}@acme.example\` },
  }),
}).then((r) => r.json());
const adminKey = signup.apiKey.key; // fcrm_...
\`\`\`

### 2. Create an API key for your program

Give each program its own key, so you can revoke one without the others.

\`\`\`js
const auth = (key) => ({ ...json, authorization: \`Bearer \${key}\` });
const created = await fetch(\`\${api}/v1/api-keys\`, {
  method: 'POST',
  headers: auth(adminKey),
  body: JSON.stringify({ name: 'Shop integration' }),
}).then((r) => r.json());
const key = created.key; // shown once
\`\`\`

### 3. Create a contact

Send an \`Idempotency-Key\` so a retry after a timeout does not create the contact twice.
The answer is 201 with the contact, and \`Location\` says where to read it.

\`\`\`js
const response = await fetch(\`\${api}/v1/contacts\`, {
  method: 'POST',
  headers: { ...auth(key), 'idempotency-key': \`contact-\${unique}\` },
  body: JSON.stringify({ firstName: 'Grace', lastName: 'Hopper', email: \`grace-\${unique}@navy.example\` }),
});
const contact = await response.json();
console.log(response.status, response.headers.get('location')); // 201 /v1/contacts/01J...
\`\`\`

### 4. Subscribe a webhook

Your endpoint must be public HTTPS. Each endpoint has its own signing secret (\`whsec_...\`),
shown when you create it. Admins manage webhooks, so this step uses the admin's key.

\`\`\`js
const webhookUrl = process.env.WEBHOOK_URL ?? 'https://hooks.acme.example/funnel';
const endpoint = await fetch(\`\${api}/v1/webhooks\`, {
  method: 'POST',
  headers: auth(adminKey),
  body: JSON.stringify({ url: webhookUrl, events: [{ type: 'ContactCreated' }] }),
}).then((r) => r.json());
const secret = endpoint.secret;
\`\`\`

### 5. Verify a signature

Every delivery is signed per the Standard Webhooks specification: verify the raw body and the
\`webhook-id\`, \`webhook-timestamp\` and \`webhook-signature\` headers with the \`standardwebhooks\`
library before trusting it, and answer 2xx quickly. \`webhook-id\` is the same on every retry:
use it to ignore a delivery you already handled. Here the receiver runs, and a test event is sent to it.

\`\`\`js
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const verifier = new Webhook(secret);
const verified = new Promise((resolve, reject) => {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      try {
        const event = verifier.verify(body, req.headers); // throws when the signature is wrong
        res.writeHead(204).end();
        server.close();
        resolve(event);
      } catch (error) {
        res.writeHead(400).end();
        reject(error);
      }
    });
  });
  server.listen(Number(process.env.PORT ?? 8080));
});
await fetch(\`\${api}/v1/webhooks/\${endpoint.id}/test\`, { method: 'POST', headers: auth(adminKey) });
const event = await verified;
console.log('verified', event.type);
\`\`\`
`;

/** The snippets of the guide, in order: what the test runs. */
export function guideSnippets(guide: string = GETTING_STARTED): string[] {
  return [...guide.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
}
