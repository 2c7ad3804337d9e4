// Navigation and IPC are allowed only for the app's own origin (and the dev server in dev).
import { describe, expect, it } from 'vitest';
import { APP_ORIGIN } from '../../electron/main/app-protocol';
import { allowedOrigins, isAllowedOrigin, isTrustedSender } from '../../electron/main/origins';

describe('trusted origins', () => {
  const built = allowedOrigins(undefined);
  const dev = allowedOrigins('http://localhost:5173/');

  it('accepts the app scheme and rejects everything else in the built app', () => {
    expect(isAllowedOrigin(`${APP_ORIGIN}/index.html`, built)).toBe(true);
    for (const url of [
      'https://example.invalid/', 'file:///etc/passwd', 'raft-lab://app.evil/index.html', 'raft-lab://other/',
      'http://localhost:5173/', 'data:text/html,hi', 'javascript:alert(1)', 'not a url',
    ]) expect(isAllowedOrigin(url, built), url).toBe(false);
  });

  it('adds exactly the dev server origin in development', () => {
    expect(isAllowedOrigin('http://localhost:5173/src/main.ts', dev)).toBe(true);
    expect(isAllowedOrigin('http://localhost:5174/', dev)).toBe(false);
    expect(isAllowedOrigin('http://127.0.0.1:5173/', dev)).toBe(false);
  });

  it('trusts IPC only from a top-level frame of an allowed origin', () => {
    const top = { url: `${APP_ORIGIN}/index.html`, parent: null };
    expect(isTrustedSender(top, built)).toBe(true);
    expect(isTrustedSender(null, built)).toBe(false);
    expect(isTrustedSender({ url: 'https://example.invalid/', parent: null }, built)).toBe(false);
    // A sub-frame, even one claiming the app origin, is not the app's page.
    const sub = { url: `${APP_ORIGIN}/index.html`, parent: top } as unknown as Parameters<typeof isTrustedSender>[0];
    expect(isTrustedSender(sub, built)).toBe(false);
  });
});
