import { describe, expect, it } from 'vitest';
import { isLoopbackAddress } from '../../src/web/loopback.js';

describe('isLoopbackAddress', () => {
  it.each(['127.0.0.1', '127.9.9.9', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '[::1]', ' 127.0.0.1 '])(
    '%s is this machine',
    (address) => expect(isLoopbackAddress(address)).toBe(true),
  );

  it.each(['10.0.0.1', '::ffff:10.0.0.1', '203.0.113.9', '::2', 'fe80::1', 'unknown', '', '127.0.0.1.evil'])(
    '%s is not',
    (address) => expect(isLoopbackAddress(address)).toBe(false),
  );

  it('undefined (a socket already closed) is not', () => expect(isLoopbackAddress(undefined)).toBe(false));
});
