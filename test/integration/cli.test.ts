import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// The real `masthead` command, compiled by `npm run build` (npm test builds first).
const run = promisify(execFile);
const bin = new URL('../../bin/masthead.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'masthead-cli-'));
const env = {
  ...process.env,
  DATABASE_URL: `sqlite:${join(dir, 'masthead.db')}`,
  DATA_DIR: dir,
  LOG_LEVEL: 'warn',
  NODE_ENV: 'development',
};

function masthead(...args: string[]) {
  return run(process.execPath, [bin, ...args], { env });
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each test starts the real command several times, each a fresh Node process.
describe('masthead command', { timeout: 60_000 }, () => {
  it('migrates, seeds the demo newsroom once, and creates an admin key printed last', async () => {
    expect((await masthead('migrate')).stdout).toMatch(/Applied 0001-initial|up to date/);
    expect((await masthead('seed', '--demo')).stdout).toContain(
      '54 articles, 3 plans and 2 e-paper editions added',
    );
    expect((await masthead('seed', '--demo')).stdout).toContain(
      '0 articles, 0 plans and 0 e-paper editions added',
    );
    const { stdout } = await masthead('api-key', 'create', '--name', 'ci', '--scope', 'admin');
    expect(stdout.trim().split('\n').at(-1)).toMatch(/^mh_admin_[A-Za-z0-9_-]{43}$/);
  });

  it('backs up the SQLite database to a file that opens as a copy', async () => {
    const copy = join(dir, 'backup.db');
    expect((await masthead('backup', copy)).stdout).toContain('Backed up');
    const { default: SQLite } = await import('better-sqlite3');
    const backup = new SQLite(copy, { readonly: true });
    try {
      expect(backup.prepare('select count(*) as n from articles').get()).toEqual({ n: 54 });
    } finally {
      backup.close();
    }
  });

  it('makes a staff account with admin create, and a key with a role', async () => {
    const made = await masthead(
      'admin',
      'create',
      '--email',
      'Chief@News.example',
      '--password',
      'a chief password',
    );
    expect(made.stdout).toMatch(/Created owner chief@news\.example \(stf_[0-9a-z]+\)/i);
    const again = await masthead(
      'admin',
      'create',
      '--email',
      'chief@news.example',
      '--password',
      'a chief password',
    ).catch((error: { code: number; stderr: string }) => error);
    expect(again).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('has this email address already'),
    });
    const badRole = await masthead(
      'admin',
      'create',
      '--email',
      'x@news.example',
      '--password',
      'a long password',
      '--role',
      'boss',
    ).catch((error: { code: number }) => error);
    expect(badRole).toMatchObject({ code: 2 });
    const key = await masthead(
      'api-key',
      'create',
      '--name',
      'desk',
      '--scope',
      'admin',
      '--role',
      'support',
    );
    expect(key.stdout).toContain('(desk, support)');
  });

  it('lists keys without their secrets and revokes one', async () => {
    const created = (await masthead('api-key', 'create', '--name', 'to-revoke', '--scope', 'admin')).stdout;
    const key = created.trim().split('\n').at(-1)!;
    const id = /Created API key (key_[0-9a-z]+)/.exec(created)![1]!;
    const listed = (await masthead('api-key', 'list')).stdout;
    expect(listed).toContain(`${id}  admin  owner  to-revoke`);
    expect(listed).not.toContain(key);
    expect((await masthead('api-key', 'revoke', id)).stdout).toContain(`Revoked API key ${id}`);
    expect((await masthead('api-key', 'list')).stdout).toMatch(new RegExp(`${id}.*revoked`));
    const again = await masthead('api-key', 'revoke', id).catch((error: { code: number }) => error);
    expect(again).toMatchObject({ code: 2 });
  });

  it('shows the job queue, runs what is due, and refuses a bad state or a job that is not dead', async () => {
    expect((await masthead('queue', 'run')).stdout.trim()).toMatch(/^done \d+, to retry \d+, dead \d+$/);
    const status = (await masthead('queue', 'status')).stdout;
    expect(status).not.toMatch(/\tqueued\t/);
    const bad = await masthead('queue', 'list', '--status', 'lost').catch((error: { code: number }) => error);
    expect(bad).toMatchObject({ code: 2 });
    const notDead = await masthead('queue', 'retry', 'job_none').catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(notDead).toMatchObject({ code: 2, stderr: expect.stringContaining('job_none is not a dead job') });
  });

  it('runs one billing sweep as of a given moment, and refuses a moment that is not ISO 8601', async () => {
    const { stdout } = await masthead('billing', 'run', '--at', '2027-11-15T06:00:00Z');
    expect(stdout.trim().split('\n')).toEqual([
      'reconciled 0, reminded 0, priceNotices 0, charged 0, succeeded 0, failed 0, unanswered 0, expired 0, errors 0, checkoutsClosed 0, refundsSettled 0, refundsDeclined 0, refundsStillPending 0',
      'queued mail: delivered 0, to retry 0, given up 0',
    ]);
    const bad = await masthead('billing', 'run', '--at', 'next tuesday').catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining('--at takes an ISO 8601 moment') });
  });

  it('prunes meter reads of old months', async () => {
    expect((await masthead('meter', 'prune', '--keep-months', '2')).stdout).toMatch(
      /^Forgot \d+ meter reads of periods before \d{4}-\d{2}\.$/m,
    );
    const failure = await masthead('meter', 'prune', '--keep-months', '0').catch(
      (error: { code: number }) => error,
    );
    expect(failure).toMatchObject({ code: 2 });
  });

  it('lists the timed jobs and runs them once, one by name or all', async () => {
    const { stdout: listed } = await masthead('jobs', 'list');
    expect(listed).toMatch(/^billing:sweep\tevery 5 min$/m);
    expect(listed).toMatch(/^rate-limit:prune\tevery 1 h$/m);
    const { stdout: one } = await masthead('jobs', 'run', 'rate-limit:prune');
    expect(one.trim()).toMatch(/^rate-limit:prune: \{"windows":\d+\}$/);
    const { stdout: all } = await masthead('jobs', 'run');
    expect(
      all
        .trim()
        .split('\n')
        .map((line) => line.split(':').slice(0, 2).join(':')),
    ).toEqual(
      listed
        .trim()
        .split('\n')
        .map((line) => line.split('\t')[0]),
    );
    const unknown = await masthead('jobs', 'run', 'nightly').catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('No job is named nightly') });
  });

  it('explains a usage mistake and exits 2', async () => {
    const failure = await masthead('api-key', 'create', '--name', 'x', '--scope', 'root').catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain('--scope admin');
  });

  it('stops on a bad configuration value with one line naming it', async () => {
    const failure = await run(process.execPath, [bin, 'migrate'], { env: { ...env, PORT: 'http' } }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr.trim()).toBe(
      'masthead: PORT: expected a port number from 0 to 65535',
    );
  });

  it('starts, serves the seeded newsroom, and the key works against the admin API', async () => {
    const { stdout } = await masthead('api-key', 'create', '--name', 'start-test', '--scope', 'admin');
    const key = stdout.trim().split('\n').at(-1)!;
    const server = spawn(process.execPath, [bin, 'start'], {
      env: { ...env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        server.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /running at (http:\/\/[\d.:]+)/.exec(out);
          if (match?.[1] && out.includes('Mail outbox')) resolve(match[1]);
        });
        server.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
      });
      // The outbox holds one-time links: start-up says who may read it.
      expect(out).toMatch(/Mail outbox: http:\/\/\S+\/dev\/outbox, for browsers on this machine only/);
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
      const front = await (await fetch(`${url}/`)).text();
      expect(front).toContain('The Daily Ledger');
      const settings = await fetch(`${url}/api/admin/v1/settings`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(settings.status).toBe(200);
    } finally {
      server.kill('SIGTERM');
    }
  });
});
