/** The URLs the product is configured with: which are safe to use, and why not. */

/**
 * localhost, 127.0.0.0/8 and ::1 (with or without URL brackets): plain HTTP to these never
 * leaves the machine.
 */
export function isLoopback(host: string): boolean {
  return (
    host === 'localhost' ||
    host === '::1' ||
    host === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}

/**
 * An HTTP API's origin as configured: https, or plain http on a loopback host (the emulator)
 * or on a host the operator named in `plainHttpHosts` (ALLOW_PLAIN_HTTP_HOSTS: a private
 * network, such as the compose demo's), and scheme, host and port only. Answers the origin,
 * or what is wrong with it.
 */
export function checkApiOrigin(
  value: string,
  plainHttpHosts: readonly string[] | 'any' = [],
): { origin: string } | { problem: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: `"${value}" is not a URL` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return {
      problem: `has scheme ${url.protocol}, expected https: (or http: for a loopback host such as http://127.0.0.1:8080, e.g. the emulator)`,
    };
  }
  if (
    url.protocol === 'http:' &&
    !isLoopback(url.hostname) &&
    plainHttpHosts !== 'any' &&
    !plainHttpHosts.includes(url.hostname)
  ) {
    return {
      problem: `is plain http: on ${url.hostname}; use https: (plain http: only for a loopback host: localhost, 127.x.x.x, [::1], or a host named in ALLOW_PLAIN_HTTP_HOSTS)`,
    };
  }
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    return { problem: 'must be scheme, host and port only (no path or query)' };
  }
  return { origin: url.origin };
}
