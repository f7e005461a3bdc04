import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/ports.ts';

/** `npm start` as a newcomer runs it: a real child process group, stopped with Ctrl-C (SIGINT). */
interface Started {
  child: ChildProcess;
  output: () => string;
  /** npm re-raises the SIGINT it received once its child has stopped, so it ends by signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function npmStart(env: Record<string, string>, args: string[] = ['--in-memory']): Started {
  let output = '';
  const child = spawn('npm', ['start', '--', ...args], {
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  limitMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm start', () => {
  it('serves /health, the API and the console with a demo tenant whose admin signs in, and leaves nothing listening after Ctrl-C', async () => {
    const [api, dynamo, ses, aws, s3, smtp] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const started = npmStart({
      PORT: String(api),
      DYNAMODB_PORT: String(dynamo),
      SES_PORT: String(ses),
      LOCAL_AWS_PORT: String(aws),
      S3_PORT: String(s3),
      SMTP_PORT: String(smtp),
    });
    try {
      await until(
        () => started.output().includes('Press Ctrl-C to stop.') || started.child.exitCode !== null,
        'start-up',
        // The demo tenant is signed up and verified by mail on the first start.
        110_000,
      );
      expect(started.output()).toContain(`http://127.0.0.1:${api}/docs`);
      expect(started.output()).toContain(`http://127.0.0.1:${ses}`);
      const health = await fetch(`http://127.0.0.1:${api}/health`);
      expect(health.status).toBe(200);
      const key = /Demo API key\s+(\S+)/.exec(started.output())?.[1];
      expect(key).toMatch(/^fcrm_/);
      const me = await fetch(`http://127.0.0.1:${api}/v1/me`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(me.status).toBe(200);
      expect(((await me.json()) as { role: string }).role).toBe('admin');
      const viewer = await fetch(`http://127.0.0.1:${ses}/`);
      expect(viewer.status).toBe(200);

      // The console is served at /app, and the demo admin of the banner signs in.
      const app = await fetch(`http://127.0.0.1:${api}/app/`);
      expect(app.status).toBe(200);
      expect(await app.text()).toContain('<div id="root"></div>');
      expect(started.output()).toContain(`Console        http://127.0.0.1:${api}/app/`);
      const [, email, password] = /Sign in\s+(\S+) \/ (\S+)/.exec(started.output()) ?? [];
      const session = await fetch(`http://127.0.0.1:${api}/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      expect(session.status).toBe(200);
      const { idToken } = (await session.json()) as { idToken: string };
      const signedIn = await fetch(`http://127.0.0.1:${api}/v1/me`, {
        headers: { authorization: `Bearer ${idToken}` },
      });
      expect((await signedIn.json()) as { email: string; role: string }).toMatchObject({
        email,
        role: 'admin',
      });
    } finally {
      process.kill(-started.child.pid!, 'SIGINT');
    }
    const { code, signal } = await started.exited;
    expect(code === 0 || signal === 'SIGINT', `exit ${code} ${signal}`).toBe(true);
    expect(started.output()).toContain('Stopping Funnel CRM...');
    const ports = [api, dynamo, ses, aws, s3, smtp];
    await until(
      async () => (await Promise.all(ports.map(isListening))).every((open) => !open),
      'every port to close',
      15_000,
    );
    // Its own waits (a minute for start-up, 15 s for the ports) must fit in the test's time.
  }, 120_000);

  /**
   * npm beside this node, else the first on PATH: node from the npm registry's `node` package (CI's
   * Node 24 pass) comes without npm beside it.
   */
  const npmBinary = () =>
    [dirname(process.execPath), ...(process.env.PATH ?? '').split(delimiter)]
      .map((dir) => join(dir, 'npm'))
      .find((path) => existsSync(path)) ?? 'npm';

  it('says in one line how to install Java when it is missing', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'nojava-'));
    for (const tool of ['node', 'npm', 'sh']) {
      const found = tool === 'sh' ? '/bin/sh' : tool === 'node' ? process.execPath : npmBinary();
      symlinkSync(found, join(bin, tool));
    }
    const started = npmStart({ PATH: bin, PORT: String(await freePort()) });
    expect((await started.exited).code).toBe(1);
    const lines = started
      .output()
      .split('\n')
      .filter((l) => l.startsWith('Funnel CRM could not start'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Java 17/);
    expect(started.output()).not.toMatch(/\n\s+at /);
  });

  it('says in one line which port is taken', async () => {
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const [dynamo, ses, aws, s3, smtp] = await Promise.all([
        freePort(),
        freePort(),
        freePort(),
        freePort(),
        freePort(),
      ]);
      const started = npmStart({
        PORT: String(port),
        DYNAMODB_PORT: String(dynamo),
        SES_PORT: String(ses),
        LOCAL_AWS_PORT: String(aws),
        S3_PORT: String(s3),
        SMTP_PORT: String(smtp),
      });
      expect((await started.exited).code).toBe(1);
      expect(started.output()).toMatch(
        new RegExp(
          `Funnel CRM could not start: Cannot start the API on port ${port}: the port is already in use \\(set PORT`,
        ),
      );
      expect(started.output()).not.toMatch(/\n\s+at /);
      for (const other of [dynamo, ses, aws, s3]) expect(await isListening(other)).toBe(false);
    } finally {
      blocker.close();
    }
  }, 120_000);
});
