/** Says plainly which database suites run, so a skipped PostgreSQL or Redis suite is never silent. */
export default function setup(): void {
  if (process.env.DATABASE_URL?.startsWith('postgres')) {
    console.log(`Database suites run on SQLite and on PostgreSQL (${redact(process.env.DATABASE_URL)}).`);
  } else {
    console.log(
      'Database suites run on SQLite only: PostgreSQL suites are SKIPPED because DATABASE_URL is not set to postgres://…',
    );
  }
  if (process.env.REDIS_URL?.startsWith('redis')) {
    console.log(`Meter and rate-limit store suites run on Redis too (${redact(process.env.REDIS_URL)}).`);
  } else {
    console.log('Redis store suites are SKIPPED because REDIS_URL is not set to redis://…');
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}
