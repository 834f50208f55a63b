import type { IncomingMessage } from 'node:http';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { TrustProxy } from '@voicedesk/config';
import type { Context } from 'hono';
import ipaddr from 'ipaddr.js';
import proxyAddr from 'proxy-addr';

type TrustFn = (addr: string, hop: number) => boolean;
const compiled = new WeakMap<object, TrustFn>();

/** proxy-addr's trust function for TRUST_PROXY, compiled once per config. */
function trustFor(trust: Exclude<TrustProxy, false>): TrustFn {
  let fn = compiled.get(trust);
  if (!fn) {
    const hops = 'hops' in trust ? trust.hops : undefined;
    // `hop` counts from the socket peer (0) leftwards through X-Forwarded-For.
    fn =
      hops !== undefined
        ? (_addr, hop) => hop < hops
        : proxyAddr.compile('addresses' in trust ? trust.addresses : []);
    compiled.set(trust, fn);
  }
  return fn;
}

function socketAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    // In-process requests (app.request in tests) have no socket.
    return undefined;
  }
}

/**
 * The client's address. X-Forwarded-For is read right to left and only as far as TRUST_PROXY
 * allows (a hop count, or hops from listed proxies): everything left of that was written by
 * the client and proves nothing.
 */
export function clientIp(c: Context, trust: TrustProxy): string {
  const peer = socketAddress(c);
  if (!peer) return 'unknown';
  if (trust === false) return peer;
  const forwardedFor = c.req.header('x-forwarded-for');
  const req = {
    socket: { remoteAddress: peer },
    headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
  };
  return proxyAddr(req as unknown as IncomingMessage, trustFor(trust));
}

/**
 * Who a rate limit counts: an IPv4 address, or an IPv6 /64. One IPv6 subscriber usually holds
 * a whole /64 and can rotate through it freely, so counting single addresses limits nobody.
 */
export function rateLimitSubject(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv4') return addr.toString();
  const v6 = addr as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  const prefix = v6.parts.slice(0, 4).map((p) => p.toString(16));
  return `${prefix.join(':')}::/64`;
}
