import { describe, expect, it } from 'vitest';
import { truncateText } from '../../src/kernel/text.js';

describe('truncateText', () => {
  it('keeps text within the limit as it is', () => {
    expect(truncateText('Markets', 7)).toBe('Markets');
    expect(truncateText('', 3)).toBe('');
  });

  it('cuts at the limit in code units', () => {
    expect(truncateText('Markets opened', 7)).toBe('Markets');
  });

  it('steps back rather than keep half of an emoji', () => {
    // '📈' is two code units; a limit of 3 falls between them.
    expect(truncateText('ab📈cd', 3)).toBe('ab');
    expect(truncateText('ab📈cd', 4)).toBe('ab📈');
    expect(truncateText('📈📈', 3)).toBe('📈');
  });
});
