/**
 * What a user sees and does on the Raft Lab screen, in terms of the page: reading each node's
 * role, term, vote and commit from the cluster view and the log headers, and the controls.
 * Shared by the browser spec and the Electron spec (same renderer, different host).
 */
import { mkdirSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';

export interface SeenNode {
  readonly id: number;
  readonly role: string;
  readonly life: string;
  readonly term: number;
  readonly vote: number;
  readonly commit: number;
}

export interface SeenLog {
  readonly id: number;
  readonly last: number;
  readonly commit: number;
  readonly applied: number;
}

export const SHOT_DIR = 'test-results/e2e';

export class LabPage {
  readonly errors: string[] = [];

  constructor(readonly page: Page, readonly shotPrefix: string) {
    mkdirSync(SHOT_DIR, { recursive: true });
    page.on('console', (m) => { if (m.type() === 'error') this.errors.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => this.errors.push(`page error: ${e.message}`));
  }

  async shot(name: string): Promise<void> {
    await this.page.screenshot({ path: `${SHOT_DIR}/${this.shotPrefix}-${name}.png` });
  }

  /** Every node as the cluster view draws it. */
  async nodes(): Promise<SeenNode[]> {
    return this.page.locator('[data-testid="cluster-view"] [data-node]').evaluateAll((els) => els.map((el) => ({
      id: Number(el.getAttribute('data-node')),
      role: el.getAttribute('data-role') ?? '',
      life: el.getAttribute('data-life') ?? '',
      term: Number(el.getAttribute('data-term') || 0),
      vote: Number(el.getAttribute('data-vote') || 0),
      commit: Number(el.getAttribute('data-commit') || 0),
    })));
  }

  async node(id: number): Promise<SeenNode> {
    const n = (await this.nodes()).find((x) => x.id === id);
    if (!n) throw new Error(`node ${id} is not on screen`);
    return n;
  }

  /** Each node's log summary from the log table's header. */
  async logs(): Promise<SeenLog[]> {
    return this.page.locator('[data-testid^="log-head-"]').evaluateAll((els) => els.map((el) => ({
      id: Number(el.getAttribute('data-testid')?.slice('log-head-'.length)),
      last: Number(el.getAttribute('data-last')),
      commit: Number(el.getAttribute('data-commit')),
      applied: Number(el.getAttribute('data-applied')),
    })));
  }

  /** Running leaders on screen (an isolated old leader still counts until it hears a newer term). */
  async leaders(): Promise<SeenNode[]> {
    return (await this.nodes()).filter((n) => n.role === 'leader' && n.life === 'running');
  }

  /** Wait until exactly one running leader is shown, and every expected node is running. */
  async waitForOneLeader(nodeCount: number): Promise<SeenNode> {
    await expect.poll(async () => {
      const ns = await this.nodes();
      const running = ns.filter((n) => n.life === 'running').length;
      const leaders = ns.filter((n) => n.role === 'leader' && n.life === 'running').length;
      return `${running} running, ${leaders} leader(s)`;
    }, { timeout: 60_000, message: 'one leader among running nodes' }).toBe(`${nodeCount} running, 1 leader(s)`);
    const [leader] = await this.leaders();
    if (!leader) throw new Error('leader vanished');
    return leader;
  }

  /** The form's pace defaults to watch; specs get real pace unless they ask (they run faster so). */
  async createCluster(opts: { nodes: 3 | 5 | 7; preVote?: boolean; checkQuorum?: boolean; pace?: 'watch' | 'real'; startPaused?: boolean }): Promise<void> {
    const p = this.page;
    const form = p.getByRole('form', { name: 'Create cluster' });
    if (!(await form.isVisible())) await p.getByRole('button', { name: 'New cluster…' }).click();
    await form.getByRole('radio', { name: String(opts.nodes), exact: true }).check();
    await form.getByRole('checkbox', { name: 'PreVote' }).setChecked(opts.preVote ?? true);
    await form.getByRole('checkbox', { name: 'CheckQuorum' }).setChecked(opts.checkQuorum ?? true);
    await form.getByTestId(`create-pace-${opts.pace ?? 'real'}`).check();
    await form.getByTestId('start-paused').setChecked(opts.startPaused ?? false);
    await form.getByTestId('create-cluster').click();
    await expect(p.locator('[data-testid="cluster-view"] [data-node]')).toHaveCount(opts.nodes, { timeout: 60_000 });
  }

  async tab(name: 'Inspector' | 'Step' | 'Client' | 'Network' | 'Members' | 'Events'): Promise<void> {
    await this.page.getByRole('tab', { name, exact: false }).click();
  }

  async setPaused(paused: boolean): Promise<void> {
    const button = this.page.getByTestId('play-pause');
    const pressed = (await button.getAttribute('aria-pressed')) === 'true'; // pressed = running
    if (pressed === paused) await button.click();
    await expect(button).toHaveAttribute('aria-pressed', paused ? 'false' : 'true');
  }

  /**
   * Send one client request through the Client tab (to the leader, or to node `to`; a get read
   * through the log unless `read` says otherwise); returns the result line shown.
   */
  async submit(type: 'put' | 'get' | 'delete', key: string, value = '', to: number | 'leader' = 'leader', read: 'log' | 'read-index' | 'lease' = 'log'): Promise<string> {
    await this.tab('Client');
    const p = this.page;
    await p.getByTestId('op-target').selectOption(to === 'leader' ? 'leader' : `node ${to}`);
    await p.getByTestId('op-type').selectOption(type);
    await p.getByTestId('op-key').fill(key);
    if (type === 'put') await p.getByTestId('op-value').fill(value);
    if (type === 'get') await p.getByTestId(`read-mode-${read}`).check();
    const result = p.getByTestId('op-result');
    const before = (await result.count()) > 0 ? await result.textContent() : null;
    await p.getByTestId('op-submit').click();
    await expect(p.getByTestId('op-submit')).toBeEnabled({ timeout: 60_000 });
    await expect.poll(async () => ((await result.count()) > 0 ? await result.textContent() : null), { timeout: 60_000 }).not.toBe(before);
    return (await result.textContent()) ?? '';
  }

  async selectNode(id: number): Promise<void> {
    await this.page.locator(`[data-testid="cluster-view"] [data-node="${id}"]`).click();
    await expect(this.page.getByTestId('inspector').getByRole('heading', { name: new RegExp(`^Node ${id}\\b`) })).toBeVisible();
  }
}
