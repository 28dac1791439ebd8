import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, type Page } from './harness.ts';

/** axe-core's browser build, evaluated in each page (through the DevTools protocol, so the pages' CSP does not block it). */
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** WCAG 2.1 A and AA, the level every page must meet (docs/pages.md §1). */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
export const WIDTHS = [1280, 390] as const;
export const SCHEMES = ['light', 'dark'] as const;
/** Screenshots linked from the README: docs/screenshots/<name>-<width>.png, taken by the walkthroughs. */
export const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');

interface AxeResult {
  violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[]; failureSummary?: string }> }>;
}

/** The WCAG 2.1 AA violations axe finds on the page as it is now, one line each. */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const result = await page.evaluate(
    (tags) => (globalThis as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<AxeResult> } }).axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    TAGS,
  );
  return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${v.help} at ${n.target.join(' ')}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ')}`));
}

/**
 * Checks the current page at both widths in both themes and adds what axe finds to `found` (`name @width theme: …`).
 * With `shot`, also saves docs/screenshots/<shot>-<width>.png (light theme, the top of the page).
 */
export async function checkPage(page: Page, name: string, found: string[], shot?: string): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width < 600 ? 844 : 800 });
    for (const colorScheme of SCHEMES) {
      await page.emulateMedia({ colorScheme });
      for (const v of await axeViolations(page)) found.push(`${name} @${width} ${colorScheme}: ${v}`);
      if (shot && colorScheme === 'light') {
        mkdirSync(SCREENSHOTS, { recursive: true });
        await page.screenshot({ path: join(SCREENSHOTS, `${shot}-${width}.png`), fullPage: width < 600 });
      }
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
}
