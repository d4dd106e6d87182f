// The browser view in a real browser: pages `netlens export -o *.html` writes and the
// page `netlens serve` sends, driven in Debian's headless chromium by playwright-core.
// NETLENS (the binary, default target/release/netlens) and CHROMIUM (default
// /usr/bin/chromium) say what runs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const netlens = process.env.NETLENS || join(root, 'target', 'release', 'netlens');
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const cora = join(root, 'data', 'cora');
const shared = join(root, '..', 'shared', 'data', 'cora');
const work = mkdtempSync(join(tmpdir(), 'netlens-web-'));
let browser;

function run(...args) {
  return execFileSync(netlens, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

before(async () => {
  assert.ok(existsSync(netlens), `${netlens}: build it first (cargo build --release)`);
  assert.ok(existsSync(executablePath), `${executablePath}: install Debian's chromium (.ci/run does)`);
  // SwiftShader gives WebGL2 where there is no GPU.
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
});

after(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

// Opens `url`, waits for netlens.ready, and returns the page and the errors it logged.
async function open(url) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.evaluate(() => window.netlens.ready);
  return { page, errors };
}

// The RGBA pixels of a PNG screenshot, decoded by the page's own image decoder, reduced
// by `reduce` (a function's source, run in the page: (pixels) => value).
function decoded(page, png, reduce) {
  return page.evaluate(async ([data, reduce]) => {
    const image = new Image();
    image.src = `data:image/png;base64,${data}`;
    await image.decode();
    const c = new OffscreenCanvas(image.width, image.height), g = c.getContext('2d');
    g.drawImage(image, 0, 0);
    return eval(reduce)(g.getImageData(0, 0, image.width, image.height).data);
  }, [png.toString('base64'), reduce]);
}

// Pixels of a screenshot that are not the background, as a share of all.
async function inkShare(page) {
  const png = await page.screenshot({ clip: await canvasBox(page) });
  return decoded(page, png, `(px) => {
    let ink = 0;
    for (let i = 0; i < px.length; i += 4) if (Math.abs(px[i] - 16) + Math.abs(px[i + 1] - 18) + Math.abs(px[i + 2] - 24) > 24) ink++;
    return ink / (px.length / 4);
  }`);
}

// The brightest pixel (sum of r, g, b) within `radius` of a canvas point, from a screenshot.
async function brightest(page, at, radius = 6) {
  const box = await canvasBox(page);
  const png = await page.screenshot({ clip: { x: box.x + at.x - radius, y: box.y + at.y - radius, width: 2 * radius, height: 2 * radius } });
  return decoded(page, png, `(px) => {
    let best = 0;
    for (let i = 0; i < px.length; i += 4) best = Math.max(best, px[i] + px[i + 1] + px[i + 2]);
    return best;
  }`);
}

const canvasBox = (page) => page.locator('#gl').boundingBox();

// A node whose drawn disc is on top where it is drawn: pick(nodeToScreen(v)) is v.
async function pickable(page, pane = 0) {
  return page.evaluate((pane) => {
    const box = document.getElementById('gl').getBoundingClientRect();
    for (let v = 0; v < netlens.nodeCount; v++) {
      const at = netlens.nodeToScreen(v, pane);
      if (at && at.x > 20 && at.y > 20 && at.x < box.width - 20 && at.y < box.height - 20 && netlens.pick(at.x, at.y) === v) return v;
    }
    return null;
  }, pane);
}

function khop(graph, node, hops, extra = []) {
  return JSON.parse(run('khop', ...graph, '--node', String(node), '--hops', String(hops), '--json', '--list', ...extra)).nodes_by_hop;
}

test('Cora: the page draws, a click selects the node under it, K-hop matches netlens khop', async () => {
  const graph = [join(cora, 'edges.tsv'), '--labels', join(cora, 'labels.npy')];
  const html = join(work, 'cora.html');
  run('export', ...graph, '-o', html);
  const { page, errors } = await open(`file://${html}`);
  assert.deepEqual(await page.evaluate(() => [netlens.nodeCount, netlens.edgeCount]), [2708, 5278]);
  const ink = await inkShare(page);
  assert.ok(ink > 0.01, `the picture is blank: ${ink} of it differs from the background`);
  assert.ok((await page.evaluate(() => netlens.frameMs())) > 0);

  const v = await pickable(page);
  assert.notEqual(v, null, 'no node is pickable where nodeToScreen says it is');
  const at = await page.evaluate((v) => netlens.nodeToScreen(v), v);
  const box = await canvasBox(page);
  await page.mouse.click(box.x + at.x, box.y + at.y);
  assert.deepEqual((await page.evaluate(() => netlens.selection())).seeds, [v], 'a real click selects the node under it');

  for (const seed of [v, 0, 1701]) {
    const byHop = await page.evaluate((seed) => netlens.select([seed], 3).byHop, seed);
    assert.deepEqual(byHop, khop(graph, seed, 3), `node ${seed}: the page's hops against netlens khop`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('a model with groups: the group panel selects members, K-hop by name matches, directed hops', async () => {
  const graph = [join(root, 'data', 'gguf', 'tiny-llama.gguf')];
  const html = join(work, 'llama.html');
  run('export', ...graph, '-o', html);
  const { page, errors } = await open(`file://${html}`);
  assert.ok((await inkShare(page)) > 0.01);
  const names = await page.evaluate(() => Array.from({ length: netlens.nodeCount }, (_, v) => netlens.name(v)));
  for (const [name, direction] of [['tokens', 'out'], ['blk.0.attn_norm', 'both'], ['output', 'in']]) {
    const seed = names.indexOf(name);
    assert.ok(seed >= 0, `${name} is a node of the page`);
    const byHop = await page.evaluate(([seed, direction]) => netlens.select([seed], 3, direction).byHop, [seed, direction]);
    const expected = khop(graph, name, 3, ['--direction', direction]);
    assert.deepEqual(byHop.map((h) => h.map((v) => names[v]).sort()), expected.map((h) => [...h].sort()), `${name} along ${direction}`);
  }
  // The group `blk`: a click on its name selects its members.
  await page.locator('#group-tree [data-group]', { hasText: /^blk$/ }).first().click();
  const selected = await page.evaluate(() => netlens.selection().seeds.map((v) => netlens.name(v)));
  assert.ok(selected.length > 10 && selected.every((name) => name.startsWith('blk.')), `${selected}`);
  // Search by regular expression.
  await page.fill('#search', '^blk\\.0\\.attn_(q|k)$');
  await page.press('#search', 'Enter');
  assert.deepEqual((await page.evaluate(() => netlens.selection().seeds.map((v) => netlens.name(v)))).sort(), ['blk.0.attn_k', 'blk.0.attn_q']);
  // The PNG button saves the view, labels included.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#shot')]);
  const png = readFileSync(await download.path());
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.ok(png.length > 5000, `${png.length} bytes`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the linked embedding view highlights the same nodes in both panes', async () => {
  if (!existsSync(join(shared, 'gcn_hidden.npy'))) return test.skip?.('no ../shared/data/cora');
  const html = join(work, 'gnn.html');
  run('export', join(shared, 'edges.tsv'), '--labels', join(shared, 'labels.npy'), '--embedding', join(shared, 'gcn_hidden.npy'),
    '--pred', join(shared, 'gcn_pred.npy'), '--epochs', '200', '-o', html);
  const { page, errors } = await open(`file://${html}`);
  assert.equal(await page.evaluate(() => netlens.panes), 2);
  const v = await pickable(page, 1);
  assert.notEqual(v, null);
  // Nothing selected: the seed's disc is its class colour, never the white ring.
  const before = [await brightest(page, await page.evaluate((v) => netlens.nodeToScreen(v, 0), v)),
    await brightest(page, await page.evaluate((v) => netlens.nodeToScreen(v, 1), v))];
  // A real click in the embedding pane selects the node there and marks it in both.
  const at = await page.evaluate((v) => netlens.nodeToScreen(v, 1), v);
  const box = await canvasBox(page);
  await page.mouse.click(box.x + at.x, box.y + at.y);
  const selection = await page.evaluate(() => netlens.selection());
  assert.deepEqual(selection.seeds, [v]);
  await page.mouse.move(box.x + 2, box.y + box.height - 2);
  await page.waitForTimeout(100);
  for (const pane of [0, 1]) {
    const seen = await brightest(page, await page.evaluate(([v, pane]) => netlens.nodeToScreen(v, pane), [v, pane]));
    assert.ok(seen >= 700 && seen > before[pane], `pane ${pane}: the seed's ring is white (${before[pane]} -> ${seen})`);
  }
  // The tooltip tells the agreement and the prediction.
  const shown = await page.evaluate((v) => netlens.nodeToScreen(v, 1), v);
  await page.mouse.move(box.x + shown.x, box.y + shown.y);
  await page.waitForSelector('#tooltip:not([hidden])');
  const tip = await page.textContent('#tooltip');
  assert.match(tip, /agreement/);
  assert.match(tip, /prediction/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('netlens serve: the page over HTTP loads its scene as binary', async () => {
  const server = spawn(netlens, ['serve', join(cora, 'edges.tsv'), '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const url = await new Promise((resolve, reject) => {
      let text = '';
      server.stderr.on('data', (chunk) => {
        text += chunk;
        const found = text.match(/at (http:\/\/\S+)/);
        if (found) resolve(found[1]);
      });
      server.on('exit', (code) => reject(new Error(`netlens serve exited (${code}): ${text}`)));
    });
    const { page, errors } = await open(url);
    assert.deepEqual(await page.evaluate(() => [netlens.nodeCount, netlens.edgeCount]), [2708, 5278]);
    assert.ok((await inkShare(page)) > 0.01);
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    server.kill();
  }
});

test('3D and bundled pages: orbit view picks what it draws, bundled paths draw, labels never overlap', async () => {
  const fly = join(root, 'data', 'drosophila', 'left_edges.csv');
  run('export', fly, '--bundle', '-o', join(work, 'fly.html'));
  run('export', fly, '--dim', '3', '-o', join(work, 'fly3.html'));
  for (const name of ['fly.html', 'fly3.html']) {
    const { page, errors } = await open(`file://${join(work, name)}`);
    await page.waitForFunction(() => netlens.edgesDrawn() === netlens.edgeCount);
    assert.ok((await inkShare(page)) > 0.01, name);
    const v = await pickable(page);
    assert.notEqual(v, null, `${name}: no node is pickable where it is drawn`);
    const boxes = await page.evaluate(() => netlens._labelBoxes);
    assert.ok(boxes.length > 5, `${name}: ${boxes.length} labels`);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i], boxes[j]];
        assert.ok(a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1], `${name}: labels ${i} and ${j} overlap`);
      }
    }
    assert.deepEqual(errors, [], name);
    await page.close();
  }
});
