import { describe, expect, it } from 'vitest';
import {
  articleStatus,
  moveTo,
  publicationMoment,
  sectionSlug,
  sniffImage,
} from '../../src/modules/content/domain.js';

describe('section slugs', () => {
  it('are made from the name', () => {
    expect(sectionSlug('Business & Markets')).toBe('business-markets');
    expect(sectionSlug('  Café Société ')).toBe('cafe-societe');
    expect(sectionSlug('!!!')).toBe('');
    expect(sectionSlug('x'.repeat(100))).toHaveLength(60);
  });
});

describe('section order', () => {
  const order = ['a', 'b', 'c', 'd'];
  it('moves one section and keeps the others in their order', () => {
    expect(moveTo(order, 'd', 0)).toEqual(['d', 'a', 'b', 'c']);
    expect(moveTo(order, 'a', 2)).toEqual(['b', 'c', 'a', 'd']);
    expect(moveTo(order, 'b', 1)).toEqual(order);
  });
  it('clamps a position past either end', () => {
    expect(moveTo(order, 'a', 99)).toEqual(['b', 'c', 'd', 'a']);
    expect(moveTo(order, 'c', -5)).toEqual(['c', 'a', 'b', 'd']);
  });
  it('places a new section listed anywhere', () => {
    expect(moveTo([...order, 'new'], 'new', 1)).toEqual(['a', 'new', 'b', 'c', 'd']);
  });
});

describe('article status', () => {
  const now = '2026-11-15T06:00:00.000Z';
  it('calls a published article whose time is ahead scheduled', () => {
    expect(articleStatus('published', '2026-11-16T00:00:00.000Z', now)).toBe('scheduled');
    expect(articleStatus('published', now, now)).toBe('published');
    expect(articleStatus('draft', '2026-11-16T00:00:00.000Z', now)).toBe('draft');
    expect(articleStatus('unpublished', '2026-01-01T00:00:00.000Z', now)).toBe('unpublished');
  });
  it('publishes a draft now, or at its planned moment if still ahead; a taken-down one at its date', () => {
    expect(
      publicationMoment({ status: 'draft', publishedAt: '2026-11-01T00:00:00.000Z' }, undefined, now),
    ).toBe(now);
    expect(
      publicationMoment({ status: 'draft', publishedAt: '2026-12-01T00:00:00.000Z' }, undefined, now),
    ).toBe('2026-12-01T00:00:00.000Z');
    expect(
      publicationMoment({ status: 'unpublished', publishedAt: '2026-11-01T00:00:00.000Z' }, undefined, now),
    ).toBe('2026-11-01T00:00:00.000Z');
    expect(publicationMoment({ status: 'draft', publishedAt: now }, '2027-01-01T00:00:00.000Z', now)).toBe(
      '2027-01-01T00:00:00.000Z',
    );
  });
});

describe('image sniffing', () => {
  const bytes = (...b: number[]) => Uint8Array.from([...b, 0, 0, 0, 0, 0, 0, 0, 0]);
  it('knows JPEG, PNG, GIF and WebP by their magic bytes', () => {
    expect(sniffImage(bytes(0xff, 0xd8, 0xff, 0xe0))).toBe('jpeg');
    expect(sniffImage(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a))).toBe('png');
    expect(sniffImage(Buffer.from('GIF89a......'))).toBe('gif');
    expect(sniffImage(Buffer.from('GIF87a......'))).toBe('gif');
    expect(sniffImage(Buffer.from('RIFF\u0000\u0000\u0000\u0000WEBPVP8 '))).toBe('webp');
  });
  it('refuses anything else, SVG and truncated files included', () => {
    expect(sniffImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
    expect(sniffImage(Buffer.from('RIFF\u0000\u0000\u0000\u0000WAVE'))).toBeUndefined();
    expect(sniffImage(Uint8Array.from([0xff, 0xd8]))).toBeUndefined();
    expect(sniffImage(new Uint8Array())).toBeUndefined();
  });
});
