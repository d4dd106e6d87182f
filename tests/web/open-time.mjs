// Opens browser views in headless chromium and prints how long each takes to be ready
// (navigation start to `netlens.ready`), the first frame's draw time, when the picture
// holds every edge, and the file size per edge: `node tests/web/open-time.mjs FILE.html...`. A measurement, not a test.

import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
});
for (const file of process.argv.slice(2)) {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  const start = Date.now();
  await page.goto(`file://${resolve(file)}`);
  const [nodes, edges, frameMs, marks] = await page.evaluate(async () => {
    await window.netlens.ready;
    const marks = performance.getEntriesByType('mark').map((m) => `${m.name.replace('netlens:', '')} ${(m.startTime / 1000).toFixed(2)} s`);
    return [netlens.nodeCount, netlens.edgeCount, netlens.frameMs(), marks];
  });
  const seconds = (Date.now() - start) / 1000;
  await page.waitForFunction(() => netlens.edgesDrawn() === netlens.edgeCount, null, { timeout: 600000, polling: 100 });
  const complete = (Date.now() - start) / 1000;
  const still = await page.evaluate(() => netlens.frameMs());
  const bytes = statSync(file).size;
  console.log(`${file}: ${nodes} nodes, ${edges} edges; ready in ${seconds.toFixed(2)} s (its first frame: ${frameMs.toFixed(0)} ms), every edge drawn after ${complete.toFixed(2)} s (its last frame: ${still.toFixed(0)} ms); ${(bytes / 1e6).toFixed(1)} MB, ${(bytes / Math.max(edges, 1)).toFixed(2)} bytes per edge (${marks.join(', ')})`);
  await page.close();
}
await browser.close();
