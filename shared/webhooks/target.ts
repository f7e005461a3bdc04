import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { TargetPolicy } from './config.ts';
import { hostOf, RefusedTarget } from './target-url.ts';

export { hostOf, RefusedTarget, refusedUrl } from './target-url.ts';

/**
 * Server-side request forgery protection. A webhook URL is the tenant's to choose, so without it
 * a URL could make the CRM call its own network: the cloud metadata service, private services,
 * loopback. Only public unicast addresses are reachable (ipaddr.js classifies ranges: private,
 * loopback, link-local with 169.254.169.254, unique-local IPv6 with fd00:ec2::254, CGNAT with
 * 100.100.100.200, multicast, reserved, IPv4-mapped and NAT64/6to4/Teredo forms of them...),
 * and in IPv6 only global unicast (2000::/3): the IPv4-compatible ::/96 form is refused outright.
 * The check runs at creation (a 422 naming the field) and again at connect time, in the socket's
 * own DNS lookup, so a name that resolves differently later (DNS rebinding) cannot get through.
 */

/** Why an address may not be called, or undefined when it may. */
export function refusedAddress(address: string, policy: TargetPolicy): string | undefined {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address.`;
  const range = rangeOf(ipaddr.process(address));
  if (range === 'unicast') return undefined;
  if (range === 'loopback' && policy.allowLoopback) return undefined;
  // "in the … range" reads right before any range name ("a unspecified" did not): no article to choose.
  return `${address} is in the ${RANGE_NAMES[range] ?? `${range}`} range; webhooks go to public addresses only.`;
}

const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');

/**
 * ipaddr.js names the special ranges it knows and calls every other address `unicast`, including
 * IPv6 space that is not global unicast: the deprecated IPv4-compatible ::/96 (`::a00:1` is
 * 10.0.0.1 to a stack that still routes it; the mapped ::ffff:0:0/96 is turned into its IPv4
 * address by `process` and checked as one), and unassigned space. Only 2000::/3 is global unicast.
 */
function rangeOf(parsed: ipaddr.IPv4 | ipaddr.IPv6): string {
  const range = parsed.range();
  if (range !== 'unicast' || parsed.kind() !== 'ipv6') return range;
  if (parsed.match(IPV4_COMPATIBLE)) return 'ipv4Compatible';
  return parsed.match(GLOBAL_UNICAST) ? range : 'reserved';
}

const RANGE_NAMES: Record<string, string> = {
  ipv4Compatible: 'IPv4-compatible IPv6 (deprecated)',
  private: 'private',
  loopback: 'loopback',
  linkLocal: 'link-local (cloud metadata)',
  uniqueLocal: 'unique-local',
  carrierGradeNat: 'carrier-grade NAT',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'broadcast',
  reserved: 'reserved',
};

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );
}

/**
 * Resolves the URL's host and checks every address; throws RefusedTarget naming the problem. A
 * name with one refused address among others is refused whole: it says where its owner points it.
 */
export async function checkTarget(url: URL, policy: TargetPolicy): Promise<void> {
  const host = hostOf(url);
  if (isIP(host)) {
    const refused = refusedAddress(host, policy);
    if (refused) throw new RefusedTarget(refused);
    return;
  }
  let addresses: LookupAddress[];
  try {
    addresses = await resolveAll(host);
  } catch (error) {
    throw new RefusedTarget(
      `${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'DNS error'}).`,
    );
  }
  for (const { address } of addresses) {
    const refused = refusedAddress(address, policy);
    if (refused) throw new RefusedTarget(`${host} resolves to ${refused.replace(' is ', ', which is ')}`);
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for sockets: resolves like the default one, then refuses the connection when an
 * address is not allowed. Node calls it with `all: true` when it races IPv4 and IPv6.
 */
export function guardedLookup(policy: TargetPolicy) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback) => {
    resolveAll(hostname).then(
      (addresses) => {
        const wanted = options.family ? addresses.filter((a) => a.family === options.family) : addresses;
        for (const { address } of wanted) {
          const refused = refusedAddress(address, policy);
          if (refused) {
            callback(
              new RefusedTarget(`${hostname} resolves to ${refused.replace(' is ', ', which is ')}`),
              '',
            );
            return;
          }
        }
        const first = wanted[0];
        if (!first) {
          const error: NodeJS.ErrnoException = new Error(`${hostname} has no address of the family asked.`);
          error.code = 'ENOTFOUND';
          callback(error, '');
          return;
        }
        if (options.all) callback(null, wanted);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}
