import { BlockList, isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** Whether `address` is this machine: 127.0.0.0/8 or ::1 (also as IPv4-mapped IPv6). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const plain = address
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/^::ffff:(?=\d+\.)/i, '');
  const family = isIP(plain);
  return family !== 0 && loopback.check(plain, family === 4 ? 'ipv4' : 'ipv6');
}

// Headers a reverse proxy uses to say whom it forwards for.
const forwardingHeaders = ['x-forwarded-for', 'x-real-ip', 'forwarded'] as const;

/**
 * Whether a request comes from this machine itself. Decided on the socket's own address, not on
 * `request.ip` (which, behind a trusted proxy, is whatever the proxy was told), and refused when
 * a proxy on this machine forwarded it for someone else: a reverse proxy in front of Masthead
 * connects from loopback for every visitor of the public site.
 */
export function isLoopbackRequest(request: FastifyRequest): boolean {
  if (!isLoopbackAddress(request.socket.remoteAddress)) return false;
  for (const name of forwardingHeaders) {
    const value = request.headers[name];
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(',') : value;
    const addresses =
      name === 'forwarded'
        ? [...text.matchAll(/for=("?)([^;,"]*)\1/gi)].map((match) => match[2] ?? '')
        : text.split(',');
    // A forwarding header that names no address, or any address not on this machine, is a
    // request from elsewhere.
    if (addresses.length === 0 || !addresses.every((address) => isLoopbackAddress(address))) return false;
  }
  return true;
}
