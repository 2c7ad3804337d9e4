/** Debian's chromium, and the flags it needs headless in a container with no network. */
export const CHROMIUM_PATH = process.env['RAFT_LAB_CHROMIUM'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
] as const;
