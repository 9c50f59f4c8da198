import { describe, expect, it, vi } from 'vitest';
import { escapeXml, niceCeiling, renderDailyChart } from '../../src/modules/analytics/charts.js';
import { toCsv } from '../../src/modules/analytics/csv.js';
import { createBatchWriter } from '../../src/modules/analytics/writer.js';

const quietLog = () => ({ warn: vi.fn(), error: vi.fn() });

describe('the batched event writer', () => {
  it('a row is written in one batch after the flush interval, not when it is added', async () => {
    vi.useFakeTimers();
    try {
      const batches: number[][] = [];
      const writer = createBatchWriter<number>(async (rows) => void batches.push([...rows]), quietLog(), {
        flushMs: 1000,
      });
      writer.add(1);
      writer.add(2);
      expect(batches).toEqual([]);
      await vi.advanceTimersByTimeAsync(1000);
      expect(batches).toEqual([[1, 2]]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a full batch is written at once, as one insert of batchSize rows', async () => {
    const batches: number[][] = [];
    const writer = createBatchWriter<number>(async (rows) => void batches.push([...rows]), quietLog(), {
      batchSize: 3,
      flushMs: 60_000,
    });
    for (let i = 0; i < 7; i++) writer.add(i);
    await writer.close();
    expect(batches).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it('a failed write is logged and retried, then dropped after maxAttempts; add never throws', async () => {
    const log = quietLog();
    let calls = 0;
    const writer = createBatchWriter<number>(
      async () => {
        calls++;
        throw new Error('database down');
      },
      log,
      { maxAttempts: 3, flushMs: 60_000 },
    );
    expect(() => writer.add(1)).not.toThrow();
    await writer.flush(); // attempt 1
    expect(writer.pending).toBe(1);
    await writer.close(); // attempts 2 and 3, then dropped
    expect(calls).toBe(3);
    expect(writer.pending).toBe(0);
    expect(log.warn).toHaveBeenCalledTimes(2);
    expect(log.error).toHaveBeenCalledTimes(1);
  });

  it('a write that fails once succeeds on the retry, rows kept in order', async () => {
    const written: number[] = [];
    let failNext = true;
    const writer = createBatchWriter<number>(
      async (rows) => {
        if (failNext) {
          failNext = false;
          throw new Error('busy');
        }
        written.push(...rows);
      },
      quietLog(),
      { flushMs: 60_000 },
    );
    writer.add(1);
    await writer.flush();
    writer.add(2);
    await writer.close();
    expect(written).toEqual([1, 2]);
  });

  it('the buffer is bounded: beyond maxBuffered, rows are dropped and the drop logged', async () => {
    const log = quietLog();
    const written: number[] = [];
    const writer = createBatchWriter<number>(async (rows) => void written.push(...rows), log, {
      maxBuffered: 2,
      batchSize: 100,
      flushMs: 60_000,
    });
    writer.add(1);
    writer.add(2);
    writer.add(3);
    expect(writer.pending).toBe(2);
    await writer.close();
    expect(written).toEqual([1, 2]);
    expect(log.warn).toHaveBeenCalledWith({ rows: 1 }, expect.stringContaining('buffer was full'));
  });
});

describe('the SVG daily chart', () => {
  const chart = renderDailyChart({
    id: 'c1',
    title: 'Impressions <& "conversions">',
    days: ['2026-11-01', '2026-11-02', '2026-11-03'],
    series: [
      { name: 'paywall impressions', values: [3, 0, 7] },
      { name: 'new <b>subs</b>', values: [1, 0, 2] },
    ],
  });

  it('is labelled by its title and description, and titles every point', () => {
    expect(chart).toMatch(/^<svg [^>]*role="img" aria-labelledby="c1-title c1-desc"/);
    expect(chart).toContain('<title id="c1-title">Impressions &lt;&amp; &quot;conversions&quot;&gt;</title>');
    expect(chart).toContain(
      '<desc id="c1-desc">Daily, 2026-11-01 to 2026-11-03. paywall impressions: 10 in total;',
    );
    expect(chart).toContain('<title>2026-11-03: 7 paywall impressions</title>');
    expect(chart.match(/<title>/g)).toHaveLength(6);
  });

  it('has axis labels and escapes every text it was given', () => {
    expect(chart).toContain('>Day (UTC)</text>');
    expect(chart).toContain('>Count</text>');
    expect(chart).not.toContain('<b>');
    expect(chart).toContain('new &lt;b&gt;subs&lt;/b&gt;');
  });

  it('draws bars when asked, one rect with a title per value', () => {
    const bars = renderDailyChart({
      id: 'c2',
      title: 'Bars',
      kind: 'bar',
      days: ['2026-11-01', '2026-11-02'],
      series: [{ name: 'checkout starts', values: [2, 4] }],
    });
    expect(bars.match(/<rect [^>]*><title>/g)).toHaveLength(2);
    expect(bars).not.toContain('<polyline');
  });

  it('an empty or all-zero series still draws a valid chart', () => {
    const empty = renderDailyChart({ id: 'c3', title: 'Nothing', days: [], series: [] });
    expect(empty).toContain('</svg>');
    expect(empty).not.toContain('NaN');
    const zeros = renderDailyChart({
      id: 'c4',
      title: 'Zeros',
      days: ['2026-11-01'],
      series: [{ name: 'x', values: [0] }],
    });
    expect(zeros).not.toContain('NaN');
  });

  it('rounds the axis up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 1, 3, 7, 11, 180, 501].map(niceCeiling)).toEqual([1, 1, 5, 10, 20, 200, 1000]);
    expect(escapeXml(`<a href='x'>&</a>`)).toBe('&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('CSV', () => {
  it('quotes what needs it, doubles quotes, ends rows with CRLF, and defuses formulas', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['x, y', 'say "hi"'],
          [null, 3],
          ['=SUM(A1)', -5],
        ],
      ),
    ).toBe('a,b\r\n"x, y","say ""hi"""\r\n,3\r\n\'=SUM(A1),-5\r\n');
  });
});
