import { it } from 'vitest';
import { startServer } from './support.js';
it('scratch', async () => {
  const s = await startServer();
  const get = async (path: string, cookie = '') => {
    const r = await fetch(s.baseUrl + path, { headers: cookie ? { cookie } : {} });
    return { status: r.status, cookie: r.headers.get('set-cookie'), text: await r.text() };
  };
  for (const p of ['/login', '/favicon.ico', '/subscribe?plan=smart-quarterly&returnTo=%2Farticle%2Fx']) {
    const r = await get(p);
    console.log(p, r.status, r.text.slice(0, 200).replace(/\n/g, ' '));
  }
  const first = await get('/article/stop-calling-delhis-smog-a-seasonal-problem');
  const cookie = (first.cookie ?? '').split(';')[0]!;
  const metered = [
    'monsoon-session-opens-with-fight-over-water-bill',
    'states-press-for-a-bigger-share-of-central-taxes-as-budget-debate-begins',
    'indian-ocean-states-sign-pact-to-protect-undersea-internet-cables',
    'indian-sailors-return-home-after-seven-weeks-on-detained-tanker',
  ];
  for (const m of metered) await get('/article/' + m, cookie);
  const reread = await get('/article/stop-calling-delhis-smog-a-seasonal-problem', cookie);
  console.log('reread banner:', reread.text.match(/<aside class="meter-banner"[^]*?<\/aside>/)?.[0]);
  const mid = await get('/article/monsoon-session-opens-with-fight-over-water-bill', cookie);
  console.log('reread banner 2:', mid.text.match(/<aside class="meter-banner"[^]*?<\/aside>/)?.[0]);
  const print = await get('/article/sensex-ends-flat-as-metal-stocks-weigh/print', cookie);
  console.log('print status', print.status, print.text.includes('paywall'));
  const api = await get('/api/v1/articles/sensex-ends-flat-as-metal-stocks-weigh', cookie);
  console.log('api', api.status, api.text.slice(0, 400));
  const sub = await get('/subscribe');
  console.log('subscribe has returnTo usage', sub.text.includes('returnTo'));
  await s.close();
});
