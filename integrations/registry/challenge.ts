// WWW-Authenticate challenges (RFC 7235) and token scopes: distribution with htpasswd answers `Basic realm=…`, quay.io
// and docker hub answer `Bearer realm=…,service=…,scope=…` and hand out tokens per scope. Pure helpers.

export interface Challenge {
  /** Lowercase: 'basic', 'bearer', … */
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a WWW-Authenticate value into its challenges. Node joins repeated headers with ", ", so one value may hold
 * several (`Basic realm="a", Bearer realm="b"`); quoted values may contain commas (`scope="repository:x:pull,push"`).
 */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const text = Array.isArray(header) ? header.join(', ') : header;
  const challenges: Challenge[] = [];
  let i = 0;
  const skip = (re: RegExp) => {
    while (i < text.length && re.test(text[i]!)) i++;
  };
  const token = () => {
    const start = i;
    while (i < text.length && /[!#$%&'*+.^_`|~0-9A-Za-z-]/.test(text[i]!)) i++;
    return text.slice(start, i);
  };
  while (i < text.length) {
    skip(/[\s,]/);
    const scheme = token();
    if (!scheme) {
      i++; // not a token character: skip it rather than loop
      continue;
    }
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    for (;;) {
      const save = i;
      skip(/[\s,]/);
      const key = token();
      skip(/\s/);
      if (!key || text[i] !== '=') {
        i = save; // the next token starts a new challenge
        break;
      }
      i++; // '='
      skip(/\s/);
      let value = '';
      if (text[i] === '"') {
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < text.length) i++;
          value += text[i++];
        }
        i++; // closing quote
      } else {
        const start = i;
        while (i < text.length && !/[\s,]/.test(text[i]!)) i++;
        value = text.slice(start, i);
      }
      challenge.params[key.toLowerCase()] = value;
    }
  }
  return challenges;
}

/** The challenge we answer: Bearer when offered (it is what the registry prefers), else Basic, else none. */
export function pickChallenge(challenges: Challenge[]): Challenge | null {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic') ?? null;
}

export type Access = 'pull' | 'pull,push';

/** The token scope for a repository: `repository:ns/name:pull,push`. */
export const repoScope = (repo: string, access: Access): string => `repository:${repo}:${access}`;

/** Scopes are space separated in a challenge; a set of scopes is keyed by its sorted, deduplicated list. */
export function scopeKey(scopes: readonly string[]): string {
  return [...new Set(scopes.flatMap((s) => s.split(' ')).filter(Boolean))].sort().join(' ');
}

/** The query of a token request (one `scope` parameter per scope, as docker sends them). */
export function tokenQuery(challenge: Challenge, scopes: readonly string[]): URLSearchParams {
  const q = new URLSearchParams();
  if (challenge.params.service) q.append('service', challenge.params.service);
  for (const s of scopeKey(scopes).split(' ').filter(Boolean)) q.append('scope', s);
  return q;
}

/** A token answer: `token` (docker) or `access_token` (OAuth2); lifetime expires_in seconds, 60 when absent. */
export function parseTokenAnswer(body: unknown, nowMs: number): { token: string; expiresAt: number } | null {
  if (!body || typeof body !== 'object') return null;
  const b = body as { token?: unknown; access_token?: unknown; expires_in?: unknown };
  const token = typeof b.token === 'string' && b.token ? b.token : b.access_token;
  if (typeof token !== 'string' || token === '') return null;
  const lifetime = typeof b.expires_in === 'number' && b.expires_in > 0 ? b.expires_in : 60;
  // Renew a little early so a token does not expire between the check and the request.
  return { token, expiresAt: nowMs + Math.max(lifetime - 10, lifetime / 2) * 1000 };
}
