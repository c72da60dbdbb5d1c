import { lookup as dnsLookup, LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** The longest endpoint URL ases keeps. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * What is wrong with an endpoint URL, or null: http(s) only, with a host, no user or password
 * (the URL is shown by `GET /v1/webhooks`; a receiver authenticates ases by the signature), no
 * fragment, at most 2048 characters.
 */
export function webhookUrlProblem(value: string): string | null {
  if (value.length > MAX_WEBHOOK_URL_LENGTH) {
    return `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`;
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    return 'must be an http:// or https:// URL';
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a valid URL';
  }
  if (url.hostname === '') {
    return 'must name a host';
  }
  if (url.username !== '' || url.password !== '') {
    return 'must not carry a user or password (receivers verify the webhook-signature header)';
  }
  if (url.hash !== '') {
    return 'must not have a #fragment';
  }
  return null;
}

/**
 * Why ases must not call `address`, or null when it is a public unicast address: loopback,
 * private, link-local, unique-local, carrier-grade NAT, multicast and reserved ranges (and IPv6
 * forms that carry such an IPv4 address) would let an API caller reach the network ases runs in.
 */
export function blockedAddressReason(address: string): string | null {
  if (!ipaddr.isValid(address)) {
    return 'not an IP address';
  }
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  const range = parsed.range();
  return range === 'unicast' ? null : `${address} is a ${range} address`;
}

/** Thrown (as a lookup error) when an endpoint's host resolves to an address ases must not call. */
export class BlockedAddressError extends Error {
  readonly code = 'ASES_BLOCKED_ADDRESS';
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for `http.request` that resolves as Node does, then refuses the connection when any
 * address the host resolves to is one ases must not call: the check is made on the very addresses
 * the socket then connects to, so a DNS answer that changes between a check and the call
 * (rebinding) cannot slip through.
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, []);
        return;
      }
      const blocked = allowPrivate
        ? undefined
        : addresses
            .map(({ address }) => blockedAddressReason(address))
            .find((reason) => reason !== null);
      if (blocked) {
        callback(new BlockedAddressError(`${hostname} resolves to ${blocked}`), []);
      } else if (options.all === true) {
        callback(null, addresses);
      } else {
        callback(null, addresses[0].address, addresses[0].family);
      }
    });
  };
}

/** Why an endpoint whose host is an IP literal must not be called, or null (names are looked up later). */
export function literalHostProblem(hostname: string, allowPrivate: boolean): string | null {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (allowPrivate || isIP(host) === 0) {
    return null;
  }
  return blockedAddressReason(host);
}
