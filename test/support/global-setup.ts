/** Says plainly which database suites run, so a skipped PostgreSQL suite is never silent. */
export default function setup(): void {
  if (process.env.DATABASE_URL?.startsWith('postgres')) {
    console.log(`Database suites run on SQLite and on PostgreSQL (${redact(process.env.DATABASE_URL)}).`);
  } else {
    console.log(
      'Database suites run on SQLite only: PostgreSQL suites are SKIPPED because DATABASE_URL is not set to postgres://…',
    );
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}
