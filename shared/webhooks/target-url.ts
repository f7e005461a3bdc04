import type { TargetPolicy } from './config.ts';

/**
 * The checks of a webhook URL that need no address classification (shared/webhooks/target.ts has
 * those, with ipaddr.js): apart, so that the API's cold start loads the address ranges only on
 * the routes that check a target.
 */
export class RefusedTarget extends Error {
  override readonly name = 'RefusedTarget';
}

/** What is wrong with a URL itself (scheme, credentials, form), or undefined. */
export function refusedUrl(url: string, policy: TargetPolicy): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'Not a URL.';
  }
  const schemes = policy.allowHttp ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(parsed.protocol))
    return policy.allowHttp ? 'Use an https or http URL.' : 'Use an https URL.';
  if (parsed.username || parsed.password)
    return 'Credentials in the URL are not accepted: deliveries are signed, verify the signature instead.';
  if (parsed.hash) return 'A URL with a #fragment cannot be called.';
  return undefined;
}

/** The host as `lookup` and `isIP` want it (without IPv6 brackets). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}
