// Archive search benchmark — `npm run bench:search` (builds first). Never part of `npm test` or CI.
//
// Method
//   1. An SQLite database of ARTICLES (1,000,000) articles is generated once and kept under
//      bench/.cache/, named by GENERATOR_VERSION, the article count and the schema's migrations,
//      so later runs reuse it (delete the folder, or bump the version, to make it again). It is
//      migrated through the compiled migrations (dist/), then filled by direct bulk inserts in
//      transactions of 20,000 with prepared statements: `articles` and `article_search_docs`,
//      whose triggers feed the FTS5 index, as a save through the app would.
//   2. Text is drawn with a Zipf distribution from the words of the demo newsroom (its stories,
//      dist/seed): headline 8, standfirst 20, teaser 40 words; section, access and a date from
//      1997 to 2026 at random; a fixed seed, so every run builds the same archive.
//   3. A bounded set of queries (QUERIES below: common and rare words, one and two words, with
//      and without a section filter) runs through the content service's `search` — the code
//      path of `/archive?q=` and `GET /api/v1/articles?q=` — for a warm-up round, then ROUNDS
//      measured rounds. p50/p95/p99 are printed per kind and overall, and written to
//      bench/results/search-latest.json. The target: p95 under 50 ms.
//
// Options: `--articles=N` for a smaller archive (a separate cached file).
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import { createServices } from '../dist/app.js';
import { loadConfig } from '../dist/config/config.js';
import { openDatabase } from '../dist/db/database.js';
import { migrateToLatest } from '../dist/db/migrate.js';
import { bodyFormat } from '../dist/modules/content/body.js';
import { demoArticles } from '../dist/seed/demo.js';

const GENERATOR_VERSION = 1;
const ROUNDS = 5;
const BATCH = 20_000;
const root = fileURLToPath(new URL('..', import.meta.url));
const cacheDir = join(root, 'bench', '.cache');
const resultsDir = join(root, 'bench', 'results');
const sections = ['politics', 'markets', 'world', 'opinion', 'technology'];

const { values: options } = parseArgs({ options: { articles: { type: 'string', default: '1000000' } } });
const ARTICLES = Number(options.articles);
if (!Number.isSafeInteger(ARTICLES) || ARTICLES < 1000) throw new Error('--articles must be at least 1000');

/** A small, fast, seeded generator (mulberry32): the same archive on every machine. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The demo's words, most frequent first (ties alphabetical): the vocabulary of the archive. */
function vocabulary() {
  const counts = new Map();
  for (const article of demoArticles) {
    const text = [article.headline, article.standfirst, ...article.paragraphs].join(' ').toLowerCase();
    for (const word of text.match(/[a-z]{3,}/g) ?? []) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([word]) => word);
}

const words = vocabulary();

/** Zipf (s = 1) over the vocabulary's ranks, by inverse transform on the cumulative weights. */
function zipfSampler(next) {
  const cumulative = new Float64Array(words.length);
  let sum = 0;
  for (let i = 0; i < words.length; i++) cumulative[i] = sum += 1 / (i + 1);
  return () => {
    const x = next() * sum;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return words[lo];
  };
}

function cacheFile() {
  return join(cacheDir, `search-v${GENERATOR_VERSION}-${ARTICLES}.db`);
}

async function generate(file) {
  mkdirSync(cacheDir, { recursive: true });
  const partial = `${file}.partial`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(partial + suffix, { force: true });
  const started = performance.now();
  const handle = openDatabase(`sqlite:${partial}`);
  await migrateToLatest(handle);
  await handle.destroy();

  const sqlite = new SQLite(partial);
  sqlite.pragma('journal_mode = OFF');
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('cache_size = -262144');
  const sectionIds = sections.map((slug, i) => {
    const id = `sec_bench_${slug}`;
    sqlite
      .prepare('insert into sections (id, slug, name, position) values (?, ?, ?, ?)')
      .run(id, slug, slug, i);
    return id;
  });
  const insertArticle = sqlite.prepare(`insert into articles
    (id, slug, headline, standfirst, byline, section_id, access, syndicated_agency, teaser_html, body_html,
     search_text, body_format, published_at, created_at, updated_at)
    values (?, ?, ?, ?, '', ?, ?, null, ?, ?, '', ${bodyFormat}, ?, ?, ?)`);
  const insertDoc = sqlite.prepare(`insert into article_search_docs
    (article_id, section_id, published_at, headline, standfirst, teaser) values (?, ?, ?, ?, ?, ?)`);
  const next = random(20_261_202);
  const word = zipfSampler(next);
  const phrase = (n) => Array.from({ length: n }, word).join(' ');
  const from = Date.parse('1997-01-01T00:00:00.000Z');
  const span = Date.parse('2026-11-30T00:00:00.000Z') - from;
  const access = ['free', 'metered', 'metered', 'metered', 'premium'];
  const batch = sqlite.transaction((start, end) => {
    for (let n = start; n < end; n++) {
      const id = `art_bench_${String(n).padStart(8, '0')}`;
      const headline = phrase(8);
      const standfirst = phrase(20);
      const teaser = phrase(40);
      const sectionId = sectionIds[Math.floor(next() * sectionIds.length)];
      const at = new Date(from + Math.floor(next() * span)).toISOString();
      const teaserHtml = `<p>${teaser}</p>`;
      insertArticle.run(
        id,
        `bench-${n}`,
        headline,
        standfirst,
        sectionId,
        access[Math.floor(next() * access.length)],
        teaserHtml,
        `${teaserHtml}<p>${phrase(20)}</p>`,
        at,
        at,
        at,
      );
      insertDoc.run(id, sectionId, at, headline, standfirst, teaser);
    }
  });
  for (let start = 0; start < ARTICLES; start += BATCH) {
    batch(start, Math.min(ARTICLES, start + BATCH));
    if ((start / BATCH) % 10 === 0) process.stdout.write(`  ${start + BATCH} articles…\r`);
  }
  // One merged FTS5 b-tree answers queries faster than many segments.
  sqlite.exec(`insert into article_search(article_search) values ('optimize')`);
  sqlite.exec('analyze');
  sqlite.close();
  renameSync(partial, file);
  console.log(
    `Generated ${ARTICLES} articles in ${((performance.now() - started) / 1000).toFixed(0)} s: ${file}`,
  );
}

/** Common and rare words, one or two at a time, with and without a section. */
function queries() {
  const common = words.slice(100, 106);
  const middle = words.slice(300, 304);
  const rare = words.slice(-4);
  return [
    ...common.map((w) => ({ kind: 'common word', q: w })),
    ...middle.map((w) => ({ kind: 'mid-frequency word', q: w })),
    ...rare.map((w) => ({ kind: 'rare word', q: w })),
    { kind: 'two words', q: `${common[0]} ${middle[0]}` },
    { kind: 'two words', q: `${common[1]} ${common[2]}` },
    { kind: 'two words', q: `${middle[1]} ${rare[0]}` },
    ...common.slice(0, 3).map((w, i) => ({ kind: 'word + section', q: w, section: sections[i] })),
    ...middle.slice(0, 2).map((w, i) => ({ kind: 'word + section', q: w, section: sections[i + 3] })),
    {
      kind: 'word + dates',
      q: common[3],
      from: '2004-01-01T00:00:00.000Z',
      before: '2008-01-01T00:00:00.000Z',
    },
  ];
}

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const summary = (samples) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
};

async function main() {
  const file = cacheFile();
  if (existsSync(file)) console.log(`Reusing ${file}`);
  else await generate(file);
  const config = loadConfig({
    NODE_ENV: 'test',
    SESSION_SECRET: 'bench-search-secret-that-is-long-enough-0123',
    DATABASE_URL: `sqlite:${file}`,
    LOG_LEVEL: 'silent',
  });
  const database = openDatabase(config.databaseUrl);
  try {
    const { content } = createServices(config, { database });
    const set = queries();
    const run = async (query) => {
      const started = performance.now();
      const hits = await content.search({ ...query, limit: 20 });
      return { ms: performance.now() - started, hits: hits.length };
    };
    for (const query of set) await run(query); // warm-up: the page cache and prepared statements
    const byKind = new Map();
    const all = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const query of set) {
        const { ms } = await run(query);
        all.push(ms);
        byKind.set(query.kind, [...(byKind.get(query.kind) ?? []), ms]);
      }
    }
    const rows = [...byKind].map(([kind, samples]) => ({ kind, ...summary(samples) }));
    rows.push({ kind: 'all', ...summary(all) });
    console.log(
      `\nFull-text search over ${ARTICLES.toLocaleString('en')} articles (SQLite FTS5), 20 results a query`,
    );
    console.log(
      `cpus: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    console.log('| queries | n | p50 ms | p95 ms | p99 ms |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const row of rows) {
      console.log(
        `| ${row.kind} | ${row.n} | ${row.p50.toFixed(1)} | ${row.p95.toFixed(1)} | ${row.p99.toFixed(1)} |`,
      );
    }
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(
      join(resultsDir, 'search-latest.json'),
      JSON.stringify({ articles: ARTICLES, at: new Date().toISOString(), queries: set, rows }, null, 2),
    );
    const overall = rows.at(-1);
    if (overall.p95 >= 50) console.log(`p95 ${overall.p95.toFixed(1)} ms is over the 50 ms target`);
  } finally {
    await database.destroy();
  }
}

await main();
