// The renderer's Content-Security-Policy: strict in the built app, opened only towards Vite's
// dev server while developing.
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../electron/main/content-policy';

function directives(policy: string): Map<string, string[]> {
  return new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...sources]) => [name!, sources]));
}

describe('content security policy', () => {
  it('allows in the built app only the app itself: no inline code, no eval, no remote hosts, no frames', () => {
    const policy = contentSecurityPolicy();
    const d = directives(policy);
    expect(d.get('default-src')).toEqual(["'none'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(d.get('style-src')).toEqual(["'self'"]);
    expect(d.get('connect-src')).toEqual(["'self'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|\*|http:|https:|ws:/);
  });

  it('in development admits inline styles and the dev server socket, and still no script exceptions', () => {
    const d = directives(contentSecurityPolicy({ devServerOrigin: 'http://localhost:5173' }));
    expect(d.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(d.get('connect-src')).toEqual(["'self'", 'ws://localhost:5173']);
    expect(d.get('script-src')).toEqual(["'self'"]);
  });
});
