import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusedAddress, refusedUrl } from '../../../shared/webhooks/target.ts';
import { MAX_RESPONSE_BYTES, postWebhook } from '../../../shared/webhooks/transport.ts';

const strict = { allowHttp: false, allowLoopback: false };
const local = { allowHttp: true, allowLoopback: true };

describe('webhook targets', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['fd00:ec2::254', 'unique-local'],
    ['fe80::1', 'link-local (cloud metadata)'],
    ['100.100.100.200', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:a9fe:a9fe', 'link-local (cloud metadata)'],
    ['::a00:1', 'IPv4-compatible IPv6 (deprecated)'],
    ['::808:808', 'IPv4-compatible IPv6 (deprecated)'],
    ['::1:0:0:0', 'reserved'],
    ['4000::1', 'reserved'],
    ['224.0.0.1', 'multicast'],
  ])('refuse %s, in the %s range', (address, kind) => {
    expect(refusedAddress(address, strict)).toContain(`is in the ${kind} range;`);
  });

  it('name the range with no article to get wrong', () => {
    expect(refusedAddress('0.0.0.0', strict)).toBe(
      '0.0.0.0 is in the unspecified range; webhooks go to public addresses only.',
    );
  });

  it('refuse loopback in another form: NAT64 and 6to4 addresses are not public ones', () => {
    expect(refusedAddress('64:ff9b::7f00:1', strict)).toBeDefined();
    expect(refusedAddress('2002:7f00:1::', strict)).toBeDefined();
  });

  it('accept public addresses, and loopback only where the runtime allows it', () => {
    expect(refusedAddress('93.184.215.14', strict)).toBeUndefined();
    expect(refusedAddress('2606:4700::1111', strict)).toBeUndefined();
    // An IPv4-mapped address is the IPv4 address it maps, checked as such.
    expect(refusedAddress('::ffff:93.184.215.14', strict)).toBeUndefined();
    expect(refusedAddress('127.0.0.1', local)).toBeUndefined();
    expect(refusedAddress('10.0.0.1', local)).toBeDefined();
  });

  it('want https, no credentials and no fragment', () => {
    expect(refusedUrl('http://hooks.example.com/x', strict)).toBe('Use an https URL.');
    expect(refusedUrl('ftp://hooks.example.com/x', local)).toBe('Use an https or http URL.');
    expect(refusedUrl('https://user:pass@hooks.example.com/x', strict)).toMatch(/Credentials/);
    expect(refusedUrl('https://hooks.example.com/x#y', strict)).toMatch(/fragment/);
    expect(refusedUrl('not a url', strict)).toBe('Not a URL.');
    expect(refusedUrl('https://hooks.example.com:8443/x?y=1', strict)).toBeUndefined();
  });
});

describe('a webhook POST', () => {
  let server: Server;
  let base: string;
  const hits: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/moved') {
        res.writeHead(302, { location: '/target' }).end();
      } else if (req.url === '/large') {
        res.writeHead(200);
        res.end('x'.repeat(MAX_RESPONSE_BYTES * 4));
      } else {
        res.writeHead(200).end('{"ok":true}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('does not follow a redirect: the 3xx is the answer, and a failure', async () => {
    const outcome = await postWebhook(`${base}/moved`, {}, '{}', local);
    expect(outcome).toMatchObject({ ok: false, statusCode: 302, reason: 'status' });
    expect(hits).not.toContain('/target');
  });

  it('reads no more of an answer than it keeps, and logs its start', async () => {
    const outcome = await postWebhook(`${base}/large`, {}, '{}', local);
    expect(outcome).toMatchObject({ ok: true, statusCode: 200 });
    expect(outcome.response).toHaveLength(1000);
  });

  it('refuses at connect time a name that resolves to loopback, as a rebinding name would', async () => {
    const port = (server.address() as AddressInfo).port;
    const before = hits.length;
    const outcome = await postWebhook(`http://localhost:${port}/hooks`, {}, '{}', {
      ...local,
      allowLoopback: false,
    });
    expect(outcome).toMatchObject({ ok: false, reason: 'refused_address' });
    expect(outcome.error).toMatch(/localhost resolves to .* in the loopback range/);
    expect(hits.length).toBe(before);
  });

  it('refuses a loopback address written in the URL without connecting', async () => {
    const outcome = await postWebhook(`${base}/hooks`, {}, '{}', { allowHttp: true, allowLoopback: false });
    expect(outcome).toMatchObject({ ok: false, reason: 'refused_address', latencyMs: 0 });
  });

  it('reports a connection refused as such', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const outcome = await postWebhook(`http://127.0.0.1:${port}/`, {}, '{}', local);
    expect(outcome).toMatchObject({ ok: false, reason: 'connection', error: 'Connection refused.' });
  });
});
