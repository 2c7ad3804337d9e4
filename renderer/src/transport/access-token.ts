/**
 * The browser host's access token, as the page keeps it. `npm run web` prints an address that
 * carries it (`/?token=...`); the page stores it for this tab (sessionStorage, so a reload keeps
 * it), takes it out of the address bar (it should not end up in history or screenshots), and
 * presents it when opening the WebSocket. A page opened without it cannot reach the lab.
 */

const KEY = 'raft-lab-access-token';

/** The token for this tab: from the address if it carries one (then kept), else the kept one. */
export function pageAccessToken(): string | null {
  const here = new URL(window.location.href);
  const given = here.searchParams.get('token');
  if (given !== null && given !== '') {
    try {
      window.sessionStorage.setItem(KEY, given);
    } catch {
      // Storage refused (private mode limits): the token still works until the page reloads.
    }
    here.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', `${here.pathname}${here.search}${here.hash}`);
    return given;
  }
  try {
    return window.sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export const MISSING_TOKEN_MESSAGE =
  'this page has no access token for the lab host: open the address `npm run web` printed (it ends in ?token=…)';
