// Which X-Forwarded-For value Astro may see. Astro's node adapter (astro 5.18) takes
// Astro.clientAddress from the FIRST entry of X-Forwarded-For, unchecked: any client could name its
// own address and so dodge the per-network sign-in throttle (and choose its network hash).

/**
 * The X-Forwarded-For to hand on to Astro, or undefined to remove the header (Astro then uses the
 * connection's address). Only behind a reverse proxy (RINGI_TRUST_PROXY=1) is one entry kept: the
 * last, the address the proxy itself saw and appended; anything before it came from the client.
 */
export function trustedForwardedFor(header: string | string[] | undefined, trustProxy: boolean): string | undefined {
  if (!trustProxy || header === undefined) return undefined;
  const entries = (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return entries.at(-1);
}

/** RINGI_TRUST_PROXY: "1" or "true" when a reverse proxy that appends X-Forwarded-For sits in front. */
export function trustProxyFromEnv(value: string | undefined): boolean {
  return value !== undefined && /^(?:1|true|yes)$/i.test(value.trim());
}
