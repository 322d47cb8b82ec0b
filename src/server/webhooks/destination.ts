// Where webhooks may go: http(s) URLs whose host is not on a loopback, private, link-local or other
// internal network (a registered endpoint must not become a way into the server's own network).
// The host is checked when the endpoint is registered AND every address the connection resolves to
// is checked when it connects, so a DNS name that later points inside (DNS rebinding) is refused too.
// RINGI_WEBHOOKS_ALLOW_PRIVATE=1 lifts the rule (tests, and receivers on the same private network).
import dns from 'node:dns';
import net from 'node:net';

export const MAX_ENDPOINT_URL_LENGTH = 2000;

const internal = new net.BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  internal.addSubnet(address, prefix, 'ipv4');
}
for (const [address, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  internal.addSubnet(address, prefix, 'ipv6');
}

/** Whether an IP address is loopback, private, link-local, shared, documentation, multicast or reserved. */
export function isInternalAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return internal.check(address, 'ipv4');
  if (family !== 6) return true; // not an address at all: never connect to it
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return internal.check(mapped[1]!, 'ipv4');
  return internal.check(address, 'ipv6');
}

export function privateDestinationsAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.RINGI_WEBHOOKS_ALLOW_PRIVATE === '1';
}

export type DestinationCheck = { ok: true; url: URL } | { ok: false; message: string };

/** The URL's form: http or https, a host, no user name or password in it. Pure. */
export function checkEndpointUrlForm(text: string): DestinationCheck {
  if (text.length > MAX_ENDPOINT_URL_LENGTH) return { ok: false, message: `The URL is longer than ${MAX_ENDPOINT_URL_LENGTH} characters.` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: 'Not a valid URL.' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, message: 'Only http and https URLs are accepted.' };
  if (url.username || url.password) return { ok: false, message: 'The URL must not contain a user name or password.' };
  if (!url.hostname) return { ok: false, message: 'The URL has no host.' };
  return { ok: true, url };
}

const bareHost = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/**
 * The URL, if webhooks may be sent there: its form, then (unless private destinations are allowed)
 * every address its host resolves to. A name that does not resolve is refused.
 */
export async function checkEndpointUrl(text: string, allowPrivate = privateDestinationsAllowed(), lookup = dns.promises.lookup): Promise<DestinationCheck> {
  const form = checkEndpointUrlForm(text);
  if (!form.ok || allowPrivate) return form;
  const host = bareHost(form.url);
  const refused = { ok: false as const, message: 'The URL points to a loopback, private or internal address; webhooks go to public addresses only.' };
  if (net.isIP(host)) return isInternalAddress(host) ? refused : form;
  if (host === 'localhost' || host.endsWith('.localhost')) return refused;
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host, { all: true, verbatim: true });
  } catch {
    return { ok: false, message: `The host ${host} cannot be resolved.` };
  }
  if (addresses.length === 0 || addresses.some((a) => isInternalAddress(a.address))) return refused;
  return form;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that refuses internal addresses: the check happens on the address the
 * socket connects to, not on an earlier answer.
 */
export function guardedLookup(allowPrivate = privateDestinationsAllowed()) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses as dns.LookupAddress[];
      const allowed = allowPrivate ? list : list.filter((a) => !isInternalAddress(a.address));
      if (allowed.length === 0) {
        const refusal: NodeJS.ErrnoException = new Error(`${hostname} resolves to an internal address only; refused`);
        refusal.code = 'EINTERNALADDRESS';
        return callback(refusal, []);
      }
      if (options.all) return callback(null, allowed);
      callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}
