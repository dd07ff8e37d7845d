import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';

/**
 * Headless Chromium for the rendering tests (playwright-core driving the system Chromium), and the layout
 * checks a person would make by looking: nothing scrolls sideways, no text leaves its box or sits on another
 * text, and every series a legend names has marks that are visible (topmost at some point of the mark).
 */

export const CHROMIUM = process.env.LLMR_CHROMIUM ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** Layout problems of the loaded page, as readable strings (empty = none). */
export async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth + 1) out.push(`page scrolls sideways: ${doc.scrollWidth} > ${doc.clientWidth}`);
    const within = (a: DOMRect, b: DOMRect, tol = 1) =>
      a.left >= b.left - tol && a.right <= b.right + tol && a.top >= b.top - tol && a.bottom <= b.bottom + tol;
    const hit = (a: DOMRect, b: DOMRect) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    const name = (el: Element) => (el.closest('[data-plot]')?.getAttribute('data-plot') ?? el.closest('table')?.className ?? el.tagName) as string;
    // tables and their cells
    for (const t of Array.from(document.querySelectorAll('table'))) {
      const parent = t.parentElement!.getBoundingClientRect();
      const r = t.getBoundingClientRect();
      if (r.right > parent.right + 1 || r.right > doc.clientWidth)
        out.push(`table.${t.className} overflows its container (${Math.round(r.right)} > ${Math.round(Math.min(parent.right, doc.clientWidth))})`);
      for (const c of Array.from(t.querySelectorAll('td, th')) as HTMLElement[])
        if (c.scrollWidth > c.clientWidth + 1)
          out.push(`table.${t.className}: cell "${c.textContent?.slice(0, 40)}" overflows (${c.scrollWidth} > ${c.clientWidth})`);
    }
    // SVG text: inside its SVG, and not on top of another text of the same chart
    for (const svg of Array.from(document.querySelectorAll('svg'))) {
      const box = svg.getBoundingClientRect();
      const texts = Array.from(svg.querySelectorAll('text'));
      const rects = texts.map((t) => t.getBoundingClientRect());
      texts.forEach((t, i) => {
        if (!within(rects[i]!, box)) out.push(`${name(svg)}: text "${t.textContent}" leaves its chart`);
      });
      // labels that are meant to be read: titles, legend entries, point labels, axis titles
      for (let i = 0; i < texts.length; i++)
        for (let j = i + 1; j < texts.length; j++) {
          if (!texts[i]!.textContent || !texts[j]!.textContent) continue;
          if (texts[i]!.parentElement?.tagName === 'rect' || texts[j]!.parentElement?.tagName === 'rect') continue;
          if (hit(rects[i]!, rects[j]!)) out.push(`${name(svg)}: "${texts[i]!.textContent}" overlaps "${texts[j]!.textContent}"`);
        }
    }
    // every legend entry's series has at least one mark that is topmost somewhere
    for (const svg of Array.from(document.querySelectorAll('svg[data-plot]'))) {
      const groups = Array.from(svg.querySelectorAll('g.series'));
      for (const entry of Array.from(svg.querySelectorAll('g.legend-entry'))) {
        const id = entry.getAttribute('data-series');
        if (!id) continue;
        const g = groups.find((x) => x.getAttribute('data-series') === id);
        if (!g) {
          out.push(`${name(svg)}: legend names "${id}" but no series has marks`);
          continue;
        }
        g.scrollIntoView({ block: 'center' });
        const ctm = (el: SVGGraphicsElement) => el.getScreenCTM()!;
        const samples: [number, number, Element][] = [];
        const toScreen = (el: SVGGraphicsElement, x: number, y: number) => {
          const p = new DOMPoint(x, y).matrixTransform(ctm(el));
          samples.push([p.x, p.y, el]);
        };
        for (const el of Array.from(g.querySelectorAll('circle, rect, path, polygon, polyline')) as SVGGraphicsElement[]) {
          if (el instanceof SVGPolylineElement) {
            const pts = Array.from(el.points);
            pts.forEach((p, k) => {
              toScreen(el, p.x, p.y);
              if (k) toScreen(el, (p.x + pts[k - 1]!.x) / 2, (p.y + pts[k - 1]!.y) / 2);
            });
          } else if (el instanceof SVGCircleElement && el.getAttribute('fill') === 'none')
            toScreen(el, el.cx.baseVal.value + el.r.baseVal.value, el.cy.baseVal.value);
          else if (el instanceof SVGRectElement && el.getAttribute('fill') === 'none')
            toScreen(el, el.x.baseVal.value, el.y.baseVal.value + el.height.baseVal.value / 2);
          else {
            const b = el.getBBox();
            toScreen(el, b.x + b.width / 2, b.y + b.height / 2);
          }
        }
        const visible = samples.some(([x, y, el]) => {
          const top = document.elementFromPoint(x, y);
          return !!top && (top === el || top.closest('g.series') === g);
        });
        if (!visible) out.push(`${name(svg)}: series "${id}" has no visible mark (${samples.length} sampled, all covered)`);
      }
    }
    return out;
  });
}
