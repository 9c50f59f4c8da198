/**
 * An in-process batched writer: `add` only pushes onto a bounded buffer, so a page view never
 * waits on the database; the buffer is written with one multi-row insert when it holds
 * `batchSize` rows or `flushMs` after the first row arrived, and on `close`. A failed write is
 * logged and its rows kept for the next flush, at most `maxAttempts` times; then dropped. It
 * never throws into its caller. The trade-off: rows still in the buffer when the process dies
 * unclosed are lost — acceptable for counts, not for money.
 */
export interface BatchWriter<Row> {
  add(row: Row): void;
  /** Writes what is buffered now (one insert per batch); resolves when done, never rejects. */
  flush(): Promise<void>;
  /** Stops the timer and writes everything buffered. */
  close(): Promise<void>;
  /** How many rows wait (for tests and the log). */
  readonly pending: number;
}

export interface BatchWriterLog {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface BatchWriterOptions {
  readonly batchSize?: number;
  readonly flushMs?: number;
  /** The most rows kept waiting; beyond it new rows are dropped (and counted in the log). */
  readonly maxBuffered?: number;
  /** How many times a batch is tried before it is dropped. */
  readonly maxAttempts?: number;
}

export function createBatchWriter<Row>(
  write: (rows: readonly Row[]) => Promise<void>,
  log: BatchWriterLog,
  options: BatchWriterOptions = {},
): BatchWriter<Row> {
  const batchSize = options.batchSize ?? 500;
  const flushMs = options.flushMs ?? 1000;
  const maxBuffered = options.maxBuffered ?? 20_000;
  const maxAttempts = options.maxAttempts ?? 3;
  let buffer: Row[] = [];
  /** Failed tries of the rows at the head of the buffer. */
  let attempts = 0;
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  function schedule(delay: number) {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, delay);
    // A pending flush never keeps the process alive; `close` writes what is left.
    timer.unref();
  }

  async function writeAll(): Promise<void> {
    while (buffer.length > 0) {
      const batch = buffer.slice(0, batchSize);
      try {
        await write(batch);
        buffer = buffer.slice(batch.length);
        attempts = 0;
      } catch (error) {
        attempts++;
        if (attempts >= maxAttempts) {
          buffer = buffer.slice(batch.length);
          attempts = 0;
          log.error({ err: error, rows: batch.length }, 'analytics events dropped after failed writes');
        } else {
          log.warn(
            { err: error, rows: batch.length, attempt: attempts },
            'analytics events not written; will retry',
          );
          // Tried again at the next flush, not in a tight loop.
          if (buffer.length > 0) schedule(flushMs);
          return;
        }
      }
    }
    if (dropped > 0) {
      log.warn({ rows: dropped }, 'analytics events dropped: the buffer was full');
      dropped = 0;
    }
  }

  function flush(): Promise<void> {
    if (!running) {
      running = writeAll().finally(() => {
        running = undefined;
      });
    }
    return running;
  }

  return {
    add(row) {
      if (buffer.length >= maxBuffered) {
        dropped++;
        return;
      }
      buffer.push(row);
      if (buffer.length >= batchSize) {
        if (timer) clearTimeout(timer);
        timer = undefined;
        if (!running) setImmediate(() => void flush());
      } else schedule(flushMs);
    },
    flush: async () => {
      // A flush already running may have started before the latest rows arrived.
      if (running) await running;
      await flush();
    },
    async close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (running) await running;
      // Every batch gets its attempts now; nothing is left for a timer that will not come.
      for (let i = 0; i < maxAttempts && buffer.length > 0; i++) await flush();
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
    get pending() {
      return buffer.length;
    },
  };
}
