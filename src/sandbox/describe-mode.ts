/**
 * The one start-up line that says which WhatsApp the server talks to: the sandbox (with the console's address
 * and, when generated, the admin token) or Meta's Graph API (with its URL and version).
 */
export function describeMode(options: {
  sandbox: boolean;
  /** The base URL a browser on this machine can open, e.g. `http://localhost:3000`; null when not listening. */
  publicUrl: string | null;
  graphUrl: string;
  apiVersion: string;
  /** Printed only when generated for this run; a configured token is never logged. */
  generatedAdminToken?: string | undefined;
}): string {
  if (!options.sandbox) return `live mode: Graph API at ${options.graphUrl.replace(/\/+$/, '')}/${options.apiVersion}`;
  const where = options.publicUrl ? `; console at ${options.publicUrl}/console` : '';
  const token = options.generatedAdminToken
    ? `, admin token ${options.generatedAdminToken} (generated for this run; set ADMIN_TOKEN to choose one)`
    : ', admin token from ADMIN_TOKEN';
  return `sandbox mode: WhatsApp is simulated (no messages leave this machine)${where}${token}`;
}

/**
 * The server's own URLs once it listens: `loopback` for calls to itself (status webhooks, the simulator's
 * POST /webhook), `public` for people on this machine. A wildcard address (0.0.0.0, ::) becomes loopback.
 */
export function ownUrls(address: { address: string; family: string; port: number } | string | null): { loopback: string; public: string } | null {
  if (address === null || typeof address === 'string') return null;
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const ipv6 = address.family === 'IPv6' || address.family === '6';
  // `::` listens on IPv4 too (dual stack), and IPv6 loopback may be off (containers): 127.0.0.1 for both wildcards.
  const host = wildcard ? '127.0.0.1' : ipv6 ? `[${address.address}]` : address.address;
  return { loopback: `http://${host}:${address.port}`, public: `http://${wildcard ? 'localhost' : host}:${address.port}` };
}
