import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aBrowser, type Browser } from '../support/browser.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

const password = 'the owner knows this passphrase';
const start = '2026-11-15T06:00:00.000Z';

describe.each(dialects)(
  'attempt limits slow an attacker without locking the owner out, on $name',
  (dialect) => {
    let t: TestApp;
    let hosts = 0;
    let emails = 0;
    /** A client on an address of its own: the attacker has as many as they like. */
    const elsewhere = () => aBrowser(t.app, { remoteAddress: `203.0.113.${++hosts}` });
    const anEmail = () => `locked${++emails}-${dialect.name}@example.com`;

    beforeAll(async () => {
      t = await buildTestApp(dialect, { at: start });
    });
    afterAll(() => t.close());

    /** The owner signs up and confirms on their own device. */
    async function anOwner(): Promise<{ device: Browser; email: string }> {
      const email = anEmail();
      const device = aBrowser(t.app, { remoteAddress: `192.0.2.${++hosts}` });
      expect((await device.send('POST', '/api/v1/auth/register', { email, password })).statusCode).toBe(201);
      await device.send('POST', '/api/v1/auth/logout');
      expect(device.jar.has('mh_known')).toBe(true);
      return { device, email };
    }

    /** What the attack found: 11 bad sign-ins, 6 link and 6 reset requests, from 23 addresses. */
    async function attack(email: string) {
      for (let i = 0; i < 11; i++)
        await elsewhere().send('POST', '/api/v1/auth/login', { email, password: `guess ${i} at it` });
      for (let i = 0; i < 6; i++) await elsewhere().send('POST', '/api/v1/auth/link', { email });
      for (let i = 0; i < 6; i++) await elsewhere().send('POST', '/api/v1/auth/reset-request', { email });
    }

    async function newestLink(email: string) {
      await t.services.links.settled();
      const message = (await t.services.mail.list()).find(
        (m) => m.to === email && m.template === 'sign-in-link',
      );
      const url = new URL(/http:\/\/127\.0\.0\.1:3000\/\S+/.exec(message!.text)![0]);
      return `${url.pathname}${url.search}`;
    }

    it('the owner’s known device still signs in with the password, and gets a link and a reset', async () => {
      const { device, email } = await anOwner();
      await attack(email);

      // The attacker is still slowed: from yet another address even the right password is refused.
      const stranger = await elsewhere().send('POST', '/api/v1/auth/login', { email, password });
      expect(stranger.statusCode).toBe(429);
      expect(Number(stranger.headers['retry-after'])).toBeGreaterThan(0);

      const signedIn = await device.send('POST', '/api/v1/auth/login', { email, password });
      expect(signedIn.statusCode).toBe(200);
      expect((await device.get('/api/v1/me')).json().reader.email).toBe(email);
      await device.send('POST', '/api/v1/auth/logout');
      // The form works the same.
      expect((await device.post('/login', { email, password })).statusCode).toBe(303);

      expect((await device.send('POST', '/api/v1/auth/link', { email })).statusCode).toBe(202);
      expect((await device.send('POST', '/api/v1/auth/reset-request', { email })).statusCode).toBe(202);
      const path = await newestLink(email);
      const opened = await device.get(path);
      expect(opened.statusCode).toBe(200);
      const token = /name="token" value="([^"]+)"/.exec(opened.body)![1]!;
      expect((await device.post('/auth/link', { token })).statusCode).toBe(303);
    });

    it('keeps the emailed link open to the owner on a new device when others asked for it', async () => {
      const { email } = await anOwner();
      await attack(email);
      const phone = aBrowser(t.app, { remoteAddress: '192.0.2.250' });
      expect((await phone.send('POST', '/api/v1/auth/link', { email })).statusCode).toBe(202);
      expect((await phone.send('POST', '/api/v1/auth/reset-request', { email })).statusCode).toBe(202);
    });

    it('still stops one address guessing, known cookie or not, and many addresses guessing', async () => {
      const { device, email } = await anOwner();
      // The owner's own mistakes, from their own address, are limited too.
      for (let i = 0; i < 10; i++)
        expect(
          (await device.send('POST', '/api/v1/auth/login', { email, password: `typo ${i}!` })).statusCode,
        ).toBe(401);
      expect((await device.send('POST', '/api/v1/auth/login', { email, password })).statusCode).toBe(429);

      const other = (await anOwner()).email;
      for (let i = 0; i < 10; i++)
        expect(
          (await elsewhere().send('POST', '/api/v1/auth/login', { email: other, password: `x${i} guess` }))
            .statusCode,
        ).toBe(401);
      expect(
        (await elsewhere().send('POST', '/api/v1/auth/login', { email: other, password: 'x11 guess' }))
          .statusCode,
      ).toBe(429);
    });

    it('does not honour a known-device cookie from before the address was proven, nor a forged one', async () => {
      const email = anEmail();
      // Someone signs up with the address, and their device becomes known to the account.
      const squatter = elsewhere();
      await squatter.send('POST', '/api/v1/auth/register', {
        email,
        password: 'the squatter chose this one',
      });
      // The owner proves the address with a link, later.
      t.clock.set('2026-11-15T06:05:00.000Z');
      try {
        const owner = aBrowser(t.app, { remoteAddress: `192.0.2.${++hosts}` });
        await owner.send('POST', '/api/v1/auth/link', { email });
        const opened = await owner.get(await newestLink(email));
        const token = /name="token" value="([^"]+)"/.exec(opened.body)![1]!;
        expect((await owner.post('/auth/link', { token })).statusCode).toBe(303);
        // Others use up the per-account allowance; the squatter's old cookie does not get past it.
        for (let i = 0; i < 10; i++)
          await elsewhere().send('POST', '/api/v1/auth/login', { email, password: `guess ${i} again` });
        const old = await squatter.send('POST', '/api/v1/auth/login', { email, password: 'one more guess' });
        expect(old.statusCode).toBe(429);
        // Nor does a cookie made up without the server's secret.
        const forger = elsewhere();
        forger.jar.set('mh_known', squatter.jar.get('mh_known')!.replace(/\.[^.]+$/, '.forged'));
        expect(
          (await forger.send('POST', '/api/v1/auth/login', { email, password: 'a forged try' })).statusCode,
        ).toBe(429);
        // The owner's device, known since the proof, is let through.
        await owner.send('POST', '/api/v1/auth/logout');
        const reset = await owner.send('POST', '/api/v1/auth/reset-request', { email });
        expect(reset.statusCode).toBe(202);
      } finally {
        t.clock.set(start);
      }
    });
  },
);
