import { CsvError, parse } from 'csv-parse/sync';

/** A partner offer as staff manage it. Its codes are never part of it: only their counts. */
export interface PartnerOffer {
  readonly id: string;
  readonly name: string;
  /** The partner publication or service ("The Crossword Club"). */
  readonly partner: string;
  /** Plain text: how a reader uses the code at the partner. */
  readonly instructions: string;
  /** An inactive offer takes no new claims; readers who claimed keep seeing their code. */
  readonly active: boolean;
  /** Staff are warned when the unclaimed codes fall to this many. */
  readonly lowCodeThreshold: number;
  readonly codes: CodeCounts;
  /** When staff were warned that codes run low; null while they have not been since the last top-up. */
  readonly lowWarnedAt: string | null;
  readonly createdAt: string;
}

export interface CodeCounts {
  readonly total: number;
  readonly claimed: number;
  /** Unclaimed: what readers can still get. */
  readonly remaining: number;
}

/** Whether an offer's codes run low: at or under its threshold. */
export const runsLow = (offer: Pick<PartnerOffer, 'lowCodeThreshold' | 'codes'>): boolean =>
  offer.codes.remaining <= offer.lowCodeThreshold;

/** One reader's code of an offer. Only ever shown to that reader. */
export interface ClaimedCode {
  readonly code: string;
  readonly claimedAt: string;
}

/**
 * An offer as one reader sees it: `claimed` (their code is in `claimed`), `available` (they may
 * claim), `subscription_required` (their subscription does not include partner access) or
 * `none_left` (every code is taken).
 */
export type ReaderOfferStatus = 'claimed' | 'available' | 'subscription_required' | 'none_left';

export interface ReaderOffer {
  readonly id: string;
  readonly name: string;
  readonly partner: string;
  readonly instructions: string;
  readonly status: ReaderOfferStatus;
  readonly claimed: ClaimedCode | null;
}

/** Why a claim gave no code. Expected outcomes, so values, not exceptions. */
export type ClaimRefusal = 'not_found' | 'subscription_required' | 'none_left';

export type ClaimOutcome =
  | { readonly ok: true; readonly code: string; readonly claimedAt: string }
  | { readonly ok: false; readonly reason: ClaimRefusal };

/** The status an offer has for a reader, from what is known of them and of it. */
export function readerStatus(input: {
  readonly claimed: boolean;
  readonly entitled: boolean;
  readonly remaining: number;
}): ReaderOfferStatus {
  if (input.claimed) return 'claimed';
  if (!input.entitled) return 'subscription_required';
  return input.remaining > 0 ? 'available' : 'none_left';
}

// ---- Code files ----

/** At most this many lines in one upload; a larger file is refused whole (split it). */
export const maxLinesPerUpload = 20_000;
/** At most this many bytes in one upload. */
export const maxUploadBytes = 1024 * 1024;

/** Printable ASCII without spaces: what activation codes (and activation links) are made of. */
const codePattern = /^[\x21-\x7e]+$/;
const minCodeLength = 4;
const maxCodeLength = 200;

/** A row of a code file that was not taken, by its line number (the first line is 1). */
export interface RejectedRow {
  readonly line: number;
  readonly reason: string;
}

export interface CodeFile {
  /** The codes to add, each once, with the line it was first on. */
  readonly codes: readonly { readonly line: number; readonly code: string }[];
  /** Codes that appear again further down the file. */
  readonly repeated: number;
  readonly rejected: readonly RejectedRow[];
}

/** The file has more lines than one upload takes. */
export class TooManyLinesError extends Error {
  constructor(readonly lines: number) {
    super(`The file has ${lines} lines; upload at most ${maxLinesPerUpload} at a time.`);
    this.name = 'TooManyLinesError';
  }
}

/**
 * Reads a file of activation codes, as partners send them: CSV, one code per line, in the
 * first column — or in the column headed `code` when the first line is a header. Other
 * columns (an expiry, a batch number) are ignored; empty lines are skipped. A row that is
 * not CSV (a stray quote), has no code, or a code that cannot be one (spaces, control or
 * non-ASCII characters, under 4 or over 200 characters) is rejected with its line number and
 * why; the rest are taken. Codes are kept exactly as written (partners' codes may be
 * case-sensitive), so `abc1` and `ABC1` are two codes.
 *
 * Parsing is csv-parse's. A file that parses as a whole is read in one pass; one that does not
 * is read again line by line, so that each bad line is reported on its own and the good lines
 * around it are still taken. (csv-parse's own recovery loses the rows after a broken quote.)
 * A code cannot span lines, so reading line by line loses nothing a code file may hold.
 */
export function readCodeFile(text: string): CodeFile {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split(/\r\n|\n|\r/);
  if (lines.at(-1) === '') lines.pop();
  if (lines.length > maxLinesPerUpload) throw new TooManyLinesError(lines.length);

  const rows: { line: number; cells: string[] | null; problem?: string }[] = [];
  const whole = parseRows(body);
  if (whole && whole.every((row) => row.first === row.last)) {
    for (const row of whole) rows.push({ line: row.first, cells: row.cells });
  } else {
    lines.forEach((content, i) => {
      if (content.trim() === '') return;
      const parsed = parseLine(content);
      rows.push(
        typeof parsed === 'string'
          ? { line: i + 1, cells: null, problem: parsed }
          : { line: i + 1, cells: parsed },
      );
    });
  }

  const rejected: RejectedRow[] = [];
  const seen = new Set<string>();
  const codes: { line: number; code: string }[] = [];
  let repeated = 0;
  let column = 0;
  rows.forEach((row, index) => {
    if (row.cells === null) {
      rejected.push({ line: row.line, reason: row.problem ?? 'not CSV' });
      return;
    }
    if (row.cells.every((cell) => cell.trim() === '')) return;
    if (index === 0) {
      const header = row.cells.findIndex((cell) => cell.trim().toLowerCase() === 'code');
      if (header >= 0) {
        column = header;
        return;
      }
    }
    const code = (row.cells[column] ?? '').trim();
    const problem = codeProblem(code);
    if (problem) {
      rejected.push({ line: row.line, reason: problem });
      return;
    }
    if (seen.has(code)) {
      repeated += 1;
      return;
    }
    seen.add(code);
    codes.push({ line: row.line, code });
  });
  return { codes, repeated, rejected };
}

/** Why `code` cannot be an activation code, or undefined. */
export function codeProblem(code: string): string | undefined {
  if (code === '') return 'the code is empty';
  if (!codePattern.test(code)) return 'a code is printable ASCII without spaces';
  if (code.length < minCodeLength) return `a code has at least ${minCodeLength} characters`;
  if (code.length > maxCodeLength) return `a code has at most ${maxCodeLength} characters`;
  return undefined;
}

/** The whole file's rows with the lines each began and ended on, or null if it is not CSV. */
function parseRows(body: string): { first: number; last: number; cells: string[] }[] | null {
  try {
    // With `info`, csv-parse answers `{record, info}` per record; its types do not say so.
    const records = parse(body, {
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
    let previous = 0;
    return records.map(({ record, info }) => {
      // `info.lines` is the line a record ended on; it began after the previous one ended,
      // empty lines aside (a record spanning lines is read line by line instead).
      const row = { first: info.lines, last: info.lines, cells: record };
      if (info.lines - previous > 1 && record.some((cell) => /[\r\n]/.test(cell))) row.first = previous + 1;
      previous = info.lines;
      return row;
    });
  } catch (error) {
    if (error instanceof CsvError) return null;
    throw error;
  }
}

/** One line's cells, or why it is not CSV. */
function parseLine(content: string): string[] | string {
  try {
    const records = parse(content, { relax_column_count: true }) as string[][];
    return records[0] ?? [];
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    switch (error.code) {
      case 'CSV_QUOTE_NOT_CLOSED':
        return 'not CSV: a quote is opened and never closed';
      case 'CSV_INVALID_CLOSING_QUOTE':
        return 'not CSV: a quoted field goes on after its closing quote';
      case 'INVALID_OPENING_QUOTE':
        return 'not CSV: a quote inside a field that is not quoted (write it as "…""…")';
      default:
        return `not CSV (${error.code})`;
    }
  }
}
