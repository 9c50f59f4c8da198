// A daily time series as an SVG chart: pure (a string from plain data), accessible (a title and
// description the chart is labelled by, axis labels, a <title> on every point a screen reader
// or a hover can read), and every piece of text escaped.

export interface ChartSeries {
  readonly name: string;
  /** One value per day, in the order of `days`. */
  readonly values: readonly number[];
}

export interface DailyChart {
  /** Makes the ids of the title and description unique on a page with several charts. */
  readonly id: string;
  readonly title: string;
  /** YYYY-MM-DD, one per point. */
  readonly days: readonly string[];
  readonly series: readonly ChartSeries[];
  readonly kind?: 'line' | 'bar';
  readonly yLabel?: string;
  readonly width?: number;
  readonly height?: number;
}

/** Escapes text for SVG (XML) character data and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Distinguishable in greyscale too: the series also differ by marker (circle, square, diamond). */
const palette = ['#1f5fa8', '#c2571a', '#2e7d32', '#6a1b9a', '#455a64'];

const round = (n: number) => Math.round(n * 100) / 100;

/** A round maximum for the y axis: 1, 2 or 5 times a power of ten, at least `max`. */
export function niceCeiling(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

function marker(shape: number, x: number, y: number, color: string, label: string): string {
  const title = `<title>${escapeXml(label)}</title>`;
  switch (shape % 3) {
    case 0:
      return `<circle cx="${round(x)}" cy="${round(y)}" r="3.5" fill="${color}">${title}</circle>`;
    case 1:
      return `<rect x="${round(x - 3.5)}" y="${round(y - 3.5)}" width="7" height="7" fill="${color}">${title}</rect>`;
    default:
      return `<path d="M${round(x)} ${round(y - 4.5)}l4.5 4.5-4.5 4.5-4.5-4.5z" fill="${color}">${title}</path>`;
  }
}

/** The chart as an SVG document fragment (embed inline, or serve as image/svg+xml). */
export function renderDailyChart(chart: DailyChart): string {
  const width = chart.width ?? 720;
  const height = chart.height ?? 280;
  const kind = chart.kind ?? 'line';
  const pad = { left: 56, right: 16, top: 40, bottom: 56 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const n = chart.days.length;
  const max = niceCeiling(Math.max(0, ...chart.series.flatMap((s) => s.values)));
  const y = (value: number) => pad.top + plotH - (value / max) * plotH;
  const slot = n === 0 ? plotW : plotW / n;
  const x = (i: number) => pad.left + slot * (i + 0.5);
  const titleId = `${chart.id}-title`;
  const descId = `${chart.id}-desc`;
  const totals = chart.series
    .map((s) => `${s.name}: ${s.values.reduce((sum, v) => sum + v, 0)} in total`)
    .join('; ');
  const range = n === 0 ? 'no days' : `${chart.days[0]} to ${chart.days[n - 1]}`;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${escapeXml(titleId)} ${escapeXml(descId)}" font-family="system-ui, sans-serif" font-size="12">`,
    `<title id="${escapeXml(titleId)}">${escapeXml(chart.title)}</title>`,
    `<desc id="${escapeXml(descId)}">${escapeXml(`Daily, ${range}. ${totals}.`)}</desc>`,
    `<text x="${pad.left}" y="20" font-size="14" font-weight="600">${escapeXml(chart.title)}</text>`,
  ];
  // Axes, with four gridlines and their values.
  parts.push('<g aria-hidden="true" stroke="#d0d4d9">');
  for (let i = 0; i <= 4; i++) {
    const gy = round(pad.top + (plotH * i) / 4);
    parts.push(`<line x1="${pad.left}" x2="${width - pad.right}" y1="${gy}" y2="${gy}"/>`);
  }
  parts.push('</g><g aria-hidden="true" fill="#4a4f55" text-anchor="end">');
  for (let i = 0; i <= 4; i++) {
    const value = (max * (4 - i)) / 4;
    parts.push(
      `<text x="${pad.left - 6}" y="${round(pad.top + (plotH * i) / 4 + 4)}">${round(value)}</text>`,
    );
  }
  parts.push('</g>');
  // Day labels: at most about eight, so they never overlap.
  const every = Math.max(1, Math.ceil(n / 8));
  parts.push('<g aria-hidden="true" fill="#4a4f55" text-anchor="middle">');
  chart.days.forEach((day, i) => {
    if (i % every === 0)
      parts.push(
        `<text x="${round(x(i))}" y="${height - pad.bottom + 18}">${escapeXml(day.slice(5))}</text>`,
      );
  });
  parts.push('</g>');
  parts.push(
    `<text x="${round(pad.left + plotW / 2)}" y="${height - 22}" text-anchor="middle" fill="#4a4f55">${escapeXml('Day (UTC)')}</text>`,
    `<text transform="translate(14 ${round(pad.top + plotH / 2)}) rotate(-90)" text-anchor="middle" fill="#4a4f55">${escapeXml(chart.yLabel ?? 'Count')}</text>`,
  );
  // The series.
  const barW = (slot / Math.max(1, chart.series.length)) * 0.8;
  chart.series.forEach((series, s) => {
    const color = palette[s % palette.length]!;
    parts.push(`<g aria-label="${escapeXml(series.name)}">`);
    if (kind === 'line' && n > 1) {
      const points = series.values.map((v, i) => `${round(x(i))},${round(y(v))}`).join(' ');
      parts.push(
        `<polyline points="${points}" fill="none" stroke="${color}" stroke-width="2" aria-hidden="true"/>`,
      );
    }
    series.values.forEach((value, i) => {
      const day = chart.days[i] ?? '';
      const label = `${day}: ${value} ${series.name}`;
      if (kind === 'bar') {
        const bx = x(i) - (barW * chart.series.length) / 2 + barW * s;
        parts.push(
          `<rect x="${round(bx)}" y="${round(y(value))}" width="${round(barW)}" height="${round(pad.top + plotH - y(value))}" fill="${color}"><title>${escapeXml(label)}</title></rect>`,
        );
      } else parts.push(marker(s, x(i), y(value), color, label));
    });
    parts.push('</g>');
  });
  // The legend, text beside each colour.
  let lx = pad.left;
  chart.series.forEach((series, s) => {
    const color = palette[s % palette.length]!;
    parts.push(
      `<g aria-hidden="true"><rect x="${lx}" y="${height - 12}" width="10" height="10" fill="${color}"/><text x="${lx + 14}" y="${height - 3}">${escapeXml(series.name)}</text></g>`,
    );
    lx += 24 + series.name.length * 7;
  });
  parts.push('</svg>');
  return parts.join('');
}
