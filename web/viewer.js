// netlens page viewer: reads the scene `netlens export -o view.html` put in the page (or
// `netlens serve` sends), draws it with WebGL2 and lets a person explore it: pan, zoom,
// orbit, hover, select, K-hop, search, colour, groups, labels, legend, PNG.
//
// How it draws: every per-node value (position and radius, colour, hops from the
// selection) lives in a texture indexed by node id, and every edge's ends (and weight) in
// another indexed by edge; the draws have no vertex attributes at all: a vertex finds its
// node or edge from gl_VertexID (six a node's quad, two a line, two per span of a bundled
// path). Not instancing, because SwiftShader, Chrome's renderer without a GPU, draws an
// instanced call one instance at a time. A new selection or colouring rewrites one
// texture, and nothing is allocated per frame. Picking draws node ids into an offscreen
// target and reads one pixel.
//
// `window.netlens` is the page's API (README, "In the browser").

const api = {};
window.netlens = api;
let readyResolve, readyReject;
api.ready = new Promise((resolve, reject) => { readyResolve = resolve; readyReject = reject; });

// ---------------------------------------------------------------- the viewer

function parseHex(hex) { return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255); }
function escapeHtml(text) { return String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]); }

async function main() {
  const { header, section } = await loadScene();
  performance.mark('netlens:decoded');
  const n = header.nodes, edgeCount = header.edges, dim = header.dim;
  if (n === 0) throw new Error('the scene has no nodes');
  const canvas = document.getElementById('gl');
  // No multisampling: the edge layer is drawn in by a full-screen pass, and discs smooth
  // their own rims.
  const gl = canvas.getContext('webgl2', { antialias: false, alpha: false, preserveDrawingBuffer: false });
  if (!gl) throw new Error('this browser has no WebGL2: netlens needs it to draw');
  // Edges add up in a float layer (every desktop browser's WebGL2 has this extension).
  if (!gl.getExtension('EXT_color_buffer_float')) throw new Error('this browser cannot draw into float textures (EXT_color_buffer_float): netlens needs it for the edges');
  const status = document.getElementById('status');
  const say = (text, error = false) => { status.textContent = text; status.classList.toggle('error', error); };

  // Per-node data.
  const positions = section('positions'), radii = section('radii');
  const src = section('src'), dst = section('dst');
  const posData = new Float32Array(n * 4);
  for (let v = 0; v < n; v++) posData.set([positions[3 * v], positions[3 * v + 1], positions[3 * v + 2], radii[v]], 4 * v);
  const columns = header.columns.map((c) => ({ name: c.name, values: section(c.section) }));
  const column = (name) => columns.find((c) => c.name === name);
  const names = column('name') ? column('name').values : [];
  const nameOf = (v) => names[v] || `node ${v}`;
  const degree = new Uint32Array(n);
  for (let e = 0; e < edgeCount; e++) { degree[src[e]]++; degree[dst[e]]++; }

  const textures = {
    pos: nodeTexture(gl, gl.RGBA32F, gl.RGBA, gl.FLOAT, 4, n, posData),
    color: nodeTexture(gl, gl.RGBA8, gl.RGBA, gl.UNSIGNED_BYTE, 4, n, new Uint8Array(section(header.colorings[0].section).buffer, section(header.colorings[0].section).byteOffset, n * 4)),
    hops: nodeTexture(gl, gl.R32F, gl.RED, gl.FLOAT, 1, n, new Float32Array(n).fill(1e30)),
  };
  const paths = header.pathPoints ? section('paths') : null;
  if (paths) {
    const data = new Float32Array(edgeCount * header.pathPoints * 4);
    for (let i = 0; i < edgeCount * header.pathPoints; i++) data.set([paths[3 * i], paths[3 * i + 1], paths[3 * i + 2], 0], 4 * i);
    textures.path = nodeTexture(gl, gl.RGBA32F, gl.RGBA, gl.FLOAT, 4, edgeCount * header.pathPoints, data);
  }
  let embedding = null;
  if (header.embedding) {
    const points = section('embedding');
    const data = new Float32Array(n * 4);
    let lo = [Infinity, Infinity], hi = [-Infinity, -Infinity];
    for (let v = 0; v < n; v++) {
      const x = points[2 * v], y = points[2 * v + 1];
      lo = [Math.min(lo[0], x), Math.min(lo[1], y)]; hi = [Math.max(hi[0], x), Math.max(hi[1], y)];
      data.set([x, y, 0, 0], 4 * v);
    }
    // Discs a quarter of the mean spacing of the projection.
    const r = 0.25 * Math.sqrt((hi[0] - lo[0]) * (hi[1] - lo[1]) / n);
    for (let v = 0; v < n; v++) data[4 * v + 3] = r;
    embedding = { texture: nodeTexture(gl, gl.RGBA32F, gl.RGBA, gl.FLOAT, 4, n, data), points, lo, hi };
  }

  // Edges: one instance each, its ends (and weight) as instance attributes.
  const nodeProgram = compile(gl, NODE_VS, NODE_FS), edgeProgram = compile(gl, EDGE_VS, EDGE_FS);
  const toneProgram = compile(gl, FULL_VS, TONE_FS), measureProgram = compile(gl, FULL_VS, MEASURE_FS);
  // Each edge's ends, weight and index, a texel per edge, in a shuffled order (seeded), so
  // that any first part of it is a uniform sample of the edges.
  const weights = section('weights');
  const ends = new Uint32Array(edgeCount * 4);
  const weightBits = weights ? new Uint32Array(weights.buffer, weights.byteOffset, edgeCount) : null;
  let weightRange = [0, 1];
  const order = new Uint32Array(edgeCount);
  for (let e = 0; e < edgeCount; e++) order[e] = e;
  let seed = 0x9e3779b9;
  for (let i = edgeCount - 1; i > 0; i--) {
    seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
    const j = (seed >>> 0) % (i + 1), swap = order[i];
    order[i] = order[j]; order[j] = swap;
  }
  for (let i = 0; i < edgeCount; i++) {
    const e = order[i];
    ends[4 * i] = src[e]; ends[4 * i + 1] = dst[e]; ends[4 * i + 3] = e;
    if (weightBits) ends[4 * i + 2] = weightBits[e];
  }
  textures.ends = nodeTexture(gl, gl.RGBA32UI, gl.RGBA_INTEGER, gl.UNSIGNED_INT, 4, edgeCount, ends);
  if (weights) {
    let lo = Infinity, hi = -Infinity;
    for (const w of weights) if (Number.isFinite(w)) { lo = Math.min(lo, Math.abs(w)); hi = Math.max(hi, Math.abs(w)); }
    if (lo <= hi) weightRange = [lo, hi];
  }
  const emptyVao = gl.createVertexArray();
  performance.mark('netlens:uploaded');
  const coloring = { nodes: 0, direction: 1, weight: weights ? 2 : 0 }[header.style.edgeColoring] ?? 0;
  const rampStops = new Float32Array(18);
  const rampLegend = header.colorings.find((c) => c.legend && c.legend.kind === 'ramp');
  (rampLegend ? rampLegend.legend.stops : ['#483d8b', '#3b6ca8', '#21918c', '#35b779', '#90d743', '#fde725']).forEach((h, i) => rampStops.set(parseHex(h), 3 * i));

  // Picking target: node id + 1 per pixel. Edge layer: the graph pane's edges, added in a
  // chunk a frame, measured, and drawn under the nodes tone-mapped (TONE_FS).
  const pick = { framebuffer: gl.createFramebuffer(), color: gl.createRenderbuffer(), depth: gl.createRenderbuffer() };
  const layer = { framebuffer: gl.createFramebuffer(), color: gl.createTexture(), plain: gl.createTexture(), mean: 1 };
  const measure = { framebuffer: gl.createFramebuffer(), color: gl.createTexture(), sums: new Float32Array(0), w: 1, h: 1 };
  const floatTarget = (texture, internal, w, h) => {
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.texImage2D(gl.TEXTURE_2D, 0, internal, w, h, 0, internal === gl.R16F ? gl.RED : gl.RGBA, gl.FLOAT, null);
    for (const p of [gl.TEXTURE_MIN_FILTER, gl.TEXTURE_MAG_FILTER]) gl.texParameteri(gl.TEXTURE_2D, p, gl.NEAREST);
  };

  // Panes: the graph, and the embedding beside it.
  const bounds = header.bounds;
  const panes = [{ name: header.title, camera: dim === 3 ? new Camera3(bounds.min, bounds.max) : new Camera2(bounds.min, bounds.max), three: dim === 3, pos: textures.pos, edges: true }];
  if (embedding) panes.push({ name: header.embedding.name, camera: new Camera2(embedding.lo, embedding.hi), three: false, pos: embedding.texture, edges: false });
  document.getElementById('pane-names').innerHTML = panes.length > 1 ? panes.map((p) => `<div>${escapeHtml(p.name)}</div>`).join('') : '';

  // edgesDrawn: how many edges (in the shuffled order) the edge layer holds; a change of
  // view starts it again, and each frame adds a chunk: the first one small, so that a view
  // in motion stays quick, the next ones larger, sized by msPerEdge (measured as it draws).
  const state = { selecting: false, k: 1, direction: 'both', seeds: [], byHop: [], hover: -1, dirty: true, frameMs: 0, edgesDrawn: 0, chunks: 0, msPerEdge: 2e-3 };
  const FIRST_CHUNK_MS = 30, NEXT_CHUNK_MS = 200;
  const changed = () => { state.dirty = true; state.edgesDrawn = 0; };
  const hopsArray = new Float64Array(n);
  const hopsTexture = new Float32Array(n);
  const rows = {};
  const rowsFor = (direction) => (rows[direction] ??= adjacency(n, src, dst, direction));

  // Sizes in device pixels.
  let width = 1, height = 1, dpr = 1;
  const paneRect = (i) => { const w = Math.floor(width / panes.length); return [i * w, 0, i === panes.length - 1 ? width - i * w : w, height]; };
  function resize() {
    dpr = window.devicePixelRatio || 1;
    width = Math.max(1, Math.round(canvas.clientWidth * dpr));
    height = Math.max(1, Math.round(canvas.clientHeight * dpr));
    canvas.width = width; canvas.height = height;
    labelsCanvas.width = width; labelsCanvas.height = height;
    gl.bindRenderbuffer(gl.RENDERBUFFER, pick.color);
    gl.renderbufferStorage(gl.RENDERBUFFER, gl.RGBA8, width, height);
    gl.bindRenderbuffer(gl.RENDERBUFFER, pick.depth);
    gl.renderbufferStorage(gl.RENDERBUFFER, gl.DEPTH_COMPONENT24, width, height);
    gl.bindFramebuffer(gl.FRAMEBUFFER, pick.framebuffer);
    gl.framebufferRenderbuffer(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.RENDERBUFFER, pick.color);
    gl.framebufferRenderbuffer(gl.FRAMEBUFFER, gl.DEPTH_ATTACHMENT, gl.RENDERBUFFER, pick.depth);
    floatTarget(layer.color, gl.RGBA16F, width, height);
    floatTarget(layer.plain, gl.R16F, width, height);
    gl.bindFramebuffer(gl.FRAMEBUFFER, layer.framebuffer);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, layer.color, 0);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT1, gl.TEXTURE_2D, layer.plain, 0);
    gl.drawBuffers([gl.COLOR_ATTACHMENT0, gl.COLOR_ATTACHMENT1]);
    measure.w = Math.ceil(width / MEASURE_BLOCK); measure.h = Math.ceil(height / MEASURE_BLOCK);
    measure.sums = new Float32Array(4 * measure.w * measure.h);
    floatTarget(measure.color, gl.RGBA32F, measure.w, measure.h);
    gl.bindFramebuffer(gl.FRAMEBUFFER, measure.framebuffer);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, measure.color, 0);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    panes.forEach((p, i) => { const r = paneRect(i); p.camera.place(r[2], r[3]); });
    changed();
  }

  function bindNodeTextures(program, pos) {
    const bind = (unit, texture, name) => {
      gl.activeTexture(gl.TEXTURE0 + unit);
      gl.bindTexture(gl.TEXTURE_2D, texture);
      gl.uniform1i(program.uniforms[name], unit);
    };
    bind(0, pos.texture, 'u_pos');
    bind(1, textures.color.texture, 'u_color');
    bind(2, textures.hops.texture, 'u_hops');
    if (program.uniforms.u_ends) bind(3, textures.ends.texture, 'u_ends');
    if (textures.path && program.uniforms.u_path) bind(4, textures.path.texture, 'u_path');
  }

  // Pixels per layout unit at clip w = 1 (2D: the zoom; 3D: at unit distance).
  const pxPerUnit = (pane, rect) => pane.camera.pixelsPerUnit(rect[3]);

  // Draws edges [first, first + count) of the shuffled order into the edge layer.
  function drawEdges(first, count) {
    const pane = panes[0], rect = paneRect(0), matrix = pane.camera.matrix(rect[2], rect[3]), p = edgeProgram;
    gl.bindFramebuffer(gl.FRAMEBUFFER, layer.framebuffer);
    gl.viewport(...rect);
    gl.scissor(...rect);
    gl.disable(gl.DEPTH_TEST);
    if (first === 0) { gl.clearColor(0, 0, 0, 0); gl.clear(gl.COLOR_BUFFER_BIT); }
    gl.useProgram(p.program);
    bindNodeTextures(p, pane.pos);
    gl.uniformMatrix4fv(p.uniforms.u_clip_from_world, false, matrix);
    gl.uniform2f(p.uniforms.u_viewport, rect[2], rect[3]);
    const points = header.pathPoints || 2;
    gl.uniform1i(p.uniforms.u_points, points);
    gl.uniform1f(p.uniforms.u_k, state.k);
    gl.uniform1i(p.uniforms.u_selecting, state.selecting ? 1 : 0);
    gl.uniform1i(p.uniforms.u_coloring, coloring);
    gl.uniform3fv(p.uniforms.u_ramp, rampStops);
    gl.uniform2f(p.uniforms.u_weight_range, weightRange[0], weightRange[1]);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE);
    gl.bindVertexArray(emptyVao);
    gl.drawArrays(gl.LINES, 2 * (points - 1) * first, 2 * (points - 1) * count);
    gl.bindVertexArray(null);
  }

  // The mean weight of a covered pixel of the edge layer: squares of it summed on the GPU,
  // those sums on the CPU.
  function measureLayer() {
    gl.bindVertexArray(emptyVao);
    gl.bindFramebuffer(gl.FRAMEBUFFER, measure.framebuffer);
    gl.viewport(0, 0, measure.w, measure.h);
    gl.disable(gl.SCISSOR_TEST);
    gl.disable(gl.BLEND);
    gl.useProgram(measureProgram.program);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, layer.plain);
    gl.uniform1i(measureProgram.uniforms.u_plain, 0);
    gl.drawArrays(gl.TRIANGLES, 0, 3);
    gl.readPixels(0, 0, measure.w, measure.h, gl.RGBA, gl.FLOAT, measure.sums);
    let weight = 0, covered = 0;
    for (let i = 0; i < measure.sums.length; i += 4) { weight += measure.sums[i]; covered += measure.sums[i + 1]; }
    layer.mean = covered > 0 ? weight / covered : 1;
    gl.bindVertexArray(null);
  }

  // The edge layer onto pane 0 of the frame, tone-mapped against its mean.
  function drawLayer() {
    const rect = paneRect(0);
    gl.viewport(0, 0, width, height);
    gl.enable(gl.SCISSOR_TEST);
    gl.scissor(...rect);
    gl.disable(gl.DEPTH_TEST);
    gl.useProgram(toneProgram.program);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, layer.color);
    gl.uniform1i(toneProgram.uniforms.u_layer, 0);
    gl.uniform1f(toneProgram.uniforms.u_mean, layer.mean);
    gl.uniform1f(toneProgram.uniforms.u_alpha, Math.min(header.style.edgeAlpha, 0.95));
    gl.uniform1i(toneProgram.uniforms.u_absolute, coloring === 2 ? 1 : 0);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
    gl.bindVertexArray(emptyVao);
    gl.drawArrays(gl.TRIANGLES, 0, 3);
    gl.bindVertexArray(null);
  }

  // Draws pane i's nodes (their ids, when picking) within `scissor` (device pixels, y up).
  function drawPane(i, picking, scissor) {
    const pane = panes[i], rect = paneRect(i), matrix = pane.camera.matrix(rect[2], rect[3]);
    gl.viewport(...rect);
    gl.scissor(...(scissor || rect));
    if (pane.three) { gl.enable(gl.DEPTH_TEST); gl.depthFunc(gl.LEQUAL); } else gl.disable(gl.DEPTH_TEST);
    const p = nodeProgram;
    gl.useProgram(p.program);
    bindNodeTextures(p, pane.pos);
    gl.uniformMatrix4fv(p.uniforms.u_clip_from_world, false, matrix);
    gl.uniform2f(p.uniforms.u_viewport, rect[2], rect[3]);
    gl.uniform1f(p.uniforms.u_px_per_unit, pxPerUnit(pane, rect));
    gl.uniform1f(p.uniforms.u_min_px, 1.5 * dpr);
    gl.uniform1f(p.uniforms.u_k, state.k);
    gl.uniform1i(p.uniforms.u_selecting, state.selecting ? 1 : 0);
    gl.uniform1i(p.uniforms.u_hover, picking ? -1 : state.hover);
    gl.uniform1i(p.uniforms.u_pick, picking ? 1 : 0);
    gl.uniform1i(p.uniforms.u_shaded, pane.three ? 1 : 0);
    if (picking) gl.disable(gl.BLEND); else { gl.enable(gl.BLEND); gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA); }
    gl.bindVertexArray(emptyVao);
    gl.drawArrays(gl.TRIANGLES, 0, 6 * n);
    gl.bindVertexArray(null);
    return matrix;
  }

  const bg = header.style.background;
  const readback = new Uint8Array(4), layerPixel = new Float32Array(4);
  // A frame: the next chunk of edges into the edge layer (the first after a change of
  // view: a uniform sample, as the order is shuffled), the layer under the nodes.
  function draw() {
    const start = performance.now();
    const budget = (state.edgesDrawn === 0 ? FIRST_CHUNK_MS : NEXT_CHUNK_MS) / state.msPerEdge;
    const chunk = Math.min(Math.max(5000, Math.round(budget)), edgeCount - state.edgesDrawn);
    const newView = state.edgesDrawn === 0;
    if (chunk > 0 || newView) {
      drawEdges(state.edgesDrawn, chunk);
      // The layer's mean after the first chunk of a view (a uniform sample), every fourth
      // and the last; else one pixel back: either waits for the GPU, so the cost of an
      // edge is learnt from chunks large enough to time.
      state.chunks = newView ? 0 : state.chunks + 1;
      if (newView || state.chunks % 4 === 0 || state.edgesDrawn + chunk >= edgeCount) measureLayer();
      else gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.FLOAT, layerPixel); // the layer's own format
      const ms = performance.now() - start;
      if (chunk >= 5000) state.msPerEdge = 0.5 * state.msPerEdge + 0.5 * Math.max(ms, 0.1) / chunk;
    }
    state.edgesDrawn += chunk;
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.enable(gl.SCISSOR_TEST);
    gl.scissor(0, 0, width, height);
    gl.clearColor(bg[0], bg[1], bg[2], 1);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    if (edgeCount > 0) drawLayer();
    panes.forEach((pane, i) => { pane.matrix = drawPane(i, false); });
    // Wait for the GPU (one pixel back), so frameMs is the whole draw, not its submission.
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, readback);
    state.frameMs = performance.now() - start;
    if (state.edgesDrawn < edgeCount) state.dirty = true;
    if (newView) drawLabels();
  }

  // ------------------------------------------------------------ picking

  function screenOf(i, v) {
    const pane = panes[i], rect = paneRect(i), m = pane.matrix || pane.camera.matrix(rect[2], rect[3]);
    const t = pane.pos.padded, x = t[4 * v], y = t[4 * v + 1], z = t[4 * v + 2];
    const cx = m[0] * x + m[4] * y + m[8] * z + m[12], cy = m[1] * x + m[5] * y + m[9] * z + m[13], cw = m[3] * x + m[7] * y + m[11] * z + m[15];
    if (cw <= 0) return null;
    // x, y (device pixels, y down) and the node's radius in pixels.
    const r = Math.max(t[4 * v + 3] * pxPerUnit(pane, rect) / cw, 1.5 * dpr);
    return [rect[0] + (cx / cw * 0.5 + 0.5) * rect[2], height - (rect[1] + (cy / cw * 0.5 + 0.5) * rect[3]), r];
  }

  function paneAt(px) { for (let i = panes.length - 1; i >= 0; i--) if (px >= paneRect(i)[0]) return i; return 0; }

  // The node under device pixel (px, py), y down, or null.
  function pickAt(px, py) {
    if (px < 0 || py < 0 || px >= width || py >= height) return null;
    const y = height - 1 - Math.floor(py), x = Math.floor(px);
    gl.bindFramebuffer(gl.FRAMEBUFFER, pick.framebuffer);
    gl.enable(gl.SCISSOR_TEST);
    gl.scissor(x, y, 1, 1);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    drawPane(paneAt(px), true, [x, y, 1, 1]);
    gl.readPixels(x, y, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, readback);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    const id = readback[0] | (readback[1] << 8) | (readback[2] << 16) | (readback[3] << 24);
    return id > 0 ? id - 1 : null;
  }

  // ------------------------------------------------------------ selection

  function select(ids, k = state.k, direction = state.direction) {
    const seeds = [...new Set(ids.map(Number))].filter((v) => Number.isInteger(v) && v >= 0 && v < n);
    direction = header.directed ? direction : 'both';
    if (!['both', 'out', 'in'].includes(direction)) throw new Error(`direction '${direction}': use out, in or both`);
    state.k = Math.max(0, Math.min(64, Math.floor(k)));
    state.direction = direction;
    state.seeds = seeds;
    state.selecting = seeds.length > 0;
    state.byHop = state.selecting ? khop(rowsFor(direction), n, seeds, state.k, hopsArray) : [];
    state.labelFirst = state.byHop.flat().slice(0, 400);
    for (let v = 0; v < n; v++) hopsTexture[v] = state.selecting && hopsArray[v] !== Infinity ? hopsArray[v] : 1e30;
    updateTexture(gl, textures.hops, hopsTexture);
    document.getElementById('hops').value = state.k;
    document.getElementById('direction').value = direction;
    const within = state.byHop.reduce((s, h) => s + h.length, 0);
    say(state.selecting ? `${seeds.length === 1 ? nameOf(seeds[0]) : `${seeds.length} nodes`}: ${within} within ${state.k} hops (${state.byHop.map((h) => h.length).join(' + ')})` : `${n} nodes, ${edgeCount} edges`);
    changed();
    return selection();
  }

  function selection() {
    return { seeds: [...state.seeds], hops: state.k, direction: state.direction, byHop: state.byHop.map((h) => [...h]) };
  }

  // ------------------------------------------------------------ labels

  const labelsCanvas = document.getElementById('labels');
  const labels2d = labelsCanvas.getContext('2d');
  // Candidates in order of importance: degree, then id.
  const byImportance = Array.from({ length: n }, (_, v) => v).sort((a, b) => degree[b] - degree[a] || a - b).slice(0, 20000);
  // The group boxes of the graph pane as pictures draw them: the extent of each group's
  // nodes (three levels deep at most), padded, outlined (the scene lies under this canvas),
  // titled at the top left where the title is free; titles join `placed`.
  const groupOf = header.groups ? section('group_of') : null;
  const groupDepth = header.groups ? header.groups.map((g) => { let d = 0; for (let p = g.parent; p !== null; p = header.groups[p].parent) d++; return d; }) : [];
  const deepestFirst = groupDepth.map((_, g) => g).sort((a, b) => groupDepth[b] - groupDepth[a]);
  const extent = new Float32Array(4 * groupDepth.length);
  const groupSize = new Uint32Array(groupDepth.length);
  if (groupOf) for (let v = 0; v < n; v++) for (let g = groupOf[v]; g >= 0; g = header.groups[g].parent ?? -1) groupSize[g]++;
  function drawGroupBoxes(fontPx, placed, overlaps) {
    if (!groupOf) return;
    const groups = header.groups, rect = paneRect(0), pad = fontPx * 0.5, titleH = fontPx * 1.4;
    extent.fill(NaN);
    const grow = (g, x0, y0, x1, y1) => {
      const e = 4 * g;
      extent[e] = Number.isNaN(extent[e]) ? x0 : Math.min(extent[e], x0);
      extent[e + 1] = Number.isNaN(extent[e + 1]) ? y0 : Math.min(extent[e + 1], y0);
      extent[e + 2] = Number.isNaN(extent[e + 2]) ? x1 : Math.max(extent[e + 2], x1);
      extent[e + 3] = Number.isNaN(extent[e + 3]) ? y1 : Math.max(extent[e + 3], y1);
    };
    for (let v = 0; v < n; v++) {
      if (groupOf[v] < 0) continue;
      const at = screenOf(0, v);
      if (at) grow(groupOf[v], at[0] - at[2], at[1] - at[2], at[0] + at[2], at[1] + at[2]);
    }
    for (const g of deepestFirst) {
      const e = 4 * g;
      if (Number.isNaN(extent[e])) continue;
      extent[e] -= pad; extent[e + 1] -= pad + titleH; extent[e + 2] += pad; extent[e + 3] += pad;
      if (groups[g].parent !== null) grow(groups[g].parent, extent[e], extent[e + 1], extent[e + 2], extent[e + 3]);
    }
    labels2d.lineWidth = dpr;
    labels2d.strokeStyle = 'rgba(255,255,255,0.22)';
    labels2d.fillStyle = '#c8c8c8';
    for (const g of [...deepestFirst].reverse()) {
      const e = 4 * g, [x0, y0, x1, y1] = extent.subarray(e, e + 4);
      if (groupDepth[g] > 3 || groupSize[g] < 2 || Number.isNaN(x0) || x1 - x0 < fontPx || y1 - y0 < 2.5 * fontPx) continue;
      if (x1 < rect[0] || x0 > rect[0] + rect[2] || y1 < 0 || y0 > height) continue;
      labels2d.beginPath();
      labels2d.roundRect(x0, y0, x1 - x0, y1 - y0, 6 * dpr);
      labels2d.stroke();
      const title = groups[g].name, w = labels2d.measureText(title).width;
      const tx = Math.max(x0, rect[0]) + 0.3 * fontPx, ty = Math.max(y0, 0) + titleH / 2;
      const box = [tx - 2, ty - fontPx / 2 - 1, tx + w + 2, ty + fontPx / 2 + 1];
      if (box[2] > rect[0] + rect[2] || overlaps(box)) continue;
      placed.push(box);
      labels2d.fillText(title, tx, ty);
    }
    labels2d.lineWidth = 3 * dpr;
    labels2d.strokeStyle = `rgb(${bg.map((c) => Math.round(c * 255)).join(',')})`;
  }

  function drawLabels() {
    labels2d.clearRect(0, 0, width, height);
    const fontPx = Math.round(12 * dpr);
    labels2d.font = `${fontPx}px system-ui, sans-serif`;
    labels2d.textBaseline = 'middle';
    labels2d.lineJoin = 'round';
    labels2d.lineWidth = 3 * dpr;
    labels2d.strokeStyle = `rgb(${bg.map((c) => Math.round(c * 255)).join(',')})`;
    const placed = [];
    const overlaps = (b) => placed.some((p) => b[0] < p[2] && p[0] < b[2] && b[1] < p[3] && p[1] < b[3]);
    drawGroupBoxes(fontPx, placed, overlaps);
    if (!names.length) return;
    const selected = state.selecting ? state.labelFirst : [];
    const budget = Math.min(200, Math.floor(width * height / (fontPx * fontPx * 200)));
    panes.forEach((pane, i) => {
      const rect = paneRect(i);
      let shown = 0, tried = 0;
      candidates: for (const list of [selected, byImportance]) for (const v of list) {
        if (shown >= budget || tried++ > 4000) break candidates;
        if (state.selecting && hopsArray[v] > state.k) continue;
        const text = names[v];
        if (!text) continue;
        const at = screenOf(i, v);
        if (!at || at[0] < rect[0] || at[0] > rect[0] + rect[2] || at[1] < 0 || at[1] > height) continue;
        const label = text.length > 40 ? `${text.slice(0, 39)}…` : text;
        const w = labels2d.measureText(label).width, x = at[0] + at[2] + 4 * dpr, y = at[1];
        const box = [x - 2, y - fontPx / 2 - 1, x + w + 2, y + fontPx / 2 + 1];
        if (box[2] > rect[0] + rect[2] || overlaps(box)) continue;
        placed.push(box);
        labels2d.strokeText(label, x, y);
        labels2d.fillStyle = state.selecting && hopsArray[v] === 0 ? '#ffffff' : '#d8dce6';
        labels2d.fillText(label, x, y);
        shown++;
      }
    });
    api._labelBoxes = placed;
  }

  // ------------------------------------------------------------ panels

  const colorBy = document.getElementById('color-by');
  colorBy.innerHTML = header.colorings.map((c, i) => `<option value="${i}">${escapeHtml(c.name)}</option>`).join('');
  const legend = document.getElementById('legend');
  function recolor(i) {
    const c = header.colorings[i], packed = section(c.section);
    updateTexture(gl, textures.color, new Uint8Array(packed.buffer, packed.byteOffset, n * 4));
    const l = c.legend;
    if (!l) legend.innerHTML = '';
    else if (l.kind === 'categories') {
      const rows = l.entries.slice(0, 12).map(([name, color, count]) => `<div class="row"><span class="swatch" style="background:${color}"></span>${escapeHtml(name)}<span class="count">${count}</span></div>`);
      if (l.entries.length > 12) rows.push(`<div class="row count">and ${l.entries.length - 12} more</div>`);
      legend.innerHTML = `<div class="title">${escapeHtml(c.name)}</div>${rows.join('')}`;
    } else {
      const fmt = (x) => (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-2 && x !== 0) ? x.toExponential(2) : String(+x.toFixed(3)));
      legend.innerHTML = `<div class="title">${escapeHtml(c.name)}${l.log ? ' (log scale)' : ''}</div><div class="ramp" style="background:linear-gradient(to right,${l.stops.join(',')})"></div><div class="ends"><span>${fmt(l.low)}</span><span>${fmt(l.high)}</span></div>`;
    }
    changed();
  }
  colorBy.addEventListener('change', () => recolor(Number(colorBy.value)));
  recolor(0);

  if (header.groups) {
    const groups = header.groups, children = groups.map(() => []), counts = new Uint32Array(groups.length);
    groups.forEach((g, i) => { if (g.parent !== null) children[g.parent].push(i); });
    for (let v = 0; v < n; v++) for (let g = groupOf[v]; g >= 0; g = groups[g].parent ?? -1) counts[g]++;
    const membersOf = (g) => {
      const inside = new Uint8Array(groups.length);
      const mark = (x) => { inside[x] = 1; children[x].forEach(mark); };
      mark(g);
      const out = [];
      for (let v = 0; v < n; v++) if (groupOf[v] >= 0 && inside[groupOf[v]]) out.push(v);
      return out;
    };
    const item = (g) => {
      const label = `<span class="name" data-group="${g}">${escapeHtml(groups[g].name)}</span> <span class="count">${counts[g]}</span>`;
      return children[g].length ? `<details><summary>${label}</summary>${children[g].map(item).join('')}</details>` : `<div class="leaf">${label}</div>`;
    };
    const roots = groups.map((g, i) => i).filter((i) => groups[i].parent === null).slice(0, 5000);
    const tree = document.getElementById('group-tree');
    tree.innerHTML = roots.map(item).join('');
    tree.addEventListener('click', (event) => {
      const g = event.target.dataset && event.target.dataset.group;
      if (g === undefined) return;
      event.preventDefault();
      select(membersOf(Number(g)), 0);
    });
    document.getElementById('groups').hidden = false;
  }

  // ------------------------------------------------------------ tooltip

  const tooltip = document.getElementById('tooltip');
  const shown = columns.filter((c) => c.name !== 'name');
  function showTooltip(v, cssX, cssY) {
    if (v === null) { tooltip.hidden = true; return; }
    const value = (c) => {
      const x = c.values[v];
      if (typeof x === 'string') return x.length > 80 ? `${x.slice(0, 79)}…` : x;
      return Number.isInteger(x) ? String(x) : Number.isNaN(x) ? '' : String(+x.toPrecision(5));
    };
    const rowsHtml = [['id', v], ['degree', degree[v]], ...shown.map((c) => [c.name, value(c)])]
      .filter(([name, x], i, all) => x !== '' && all.findIndex((r) => r[0] === name) === i)
      .slice(0, 16)
      .map(([name, x]) => `<tr><td>${escapeHtml(name)}</td><td>${escapeHtml(x)}</td></tr>`);
    if (state.selecting) rowsHtml.push(`<tr><td>hops</td><td>${hopsArray[v] === Infinity ? `more than ${state.k}` : hopsArray[v]}</td></tr>`);
    tooltip.innerHTML = `<b>${escapeHtml(nameOf(v))}</b><table>${rowsHtml.join('')}</table>`;
    tooltip.hidden = false;
    const stage = tooltip.parentElement.getBoundingClientRect();
    tooltip.style.left = `${Math.min(cssX + 14, stage.width - tooltip.offsetWidth - 4)}px`;
    tooltip.style.top = `${Math.min(cssY + 14, stage.height - tooltip.offsetHeight - 4)}px`;
  }

  // ------------------------------------------------------------ input

  let drag = null, hoverAt = null;
  canvas.addEventListener('contextmenu', (e) => e.preventDefault());
  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    drag = { x: e.offsetX, y: e.offsetY, moved: 0, pane: paneAt(e.offsetX * dpr), button: e.button, shift: e.shiftKey };
  });
  canvas.addEventListener('pointermove', (e) => {
    if (drag) {
      const dx = (e.offsetX - drag.x) * dpr, dy = (e.offsetY - drag.y) * dpr, camera = panes[drag.pane].camera;
      drag.moved += Math.abs(dx) + Math.abs(dy);
      if (camera.pan && (drag.button === 2 || drag.button === 1)) camera.pan(dx, dy); else camera.drag(dx, dy);
      drag.x = e.offsetX; drag.y = e.offsetY;
      changed();
      tooltip.hidden = true;
    } else {
      hoverAt = [e.offsetX, e.offsetY];
      state.dirty = true;
    }
  });
  canvas.addEventListener('pointerup', (e) => {
    if (drag && drag.moved < 4 && drag.button === 0) {
      const v = pickAt(e.offsetX * dpr, e.offsetY * dpr);
      if (v !== null) select(e.shiftKey ? [...state.seeds, v] : [v]);
    }
    drag = null;
  });
  canvas.addEventListener('pointerleave', () => { hoverAt = null; state.hover = -1; tooltip.hidden = true; state.dirty = true; });
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    const factor = Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015));
    const i = paneAt(e.offsetX * dpr), rect = paneRect(i);
    panes[i].camera.zoom(factor, e.offsetX * dpr - rect[0], e.offsetY * dpr, rect[2], rect[3]);
    changed();
  }, { passive: false });
  window.addEventListener('keydown', (e) => {
    if (e.target.tagName === 'INPUT') return;
    const camera = panes[0].camera;
    const moves = { w: [1, 0], s: [-1, 0], a: [0, -1], d: [0, 1] };
    if (camera.fly && moves[e.key]) { camera.fly(...moves[e.key]); changed(); }
    else if (e.key === 'Escape') select([]);
    else if (e.key === 'f') fit();
  });
  function fit() {
    panes.forEach((p, i) => {
      if (i === 0) p.camera.fit(bounds.min, bounds.max); else p.camera.fit(embedding.lo, embedding.hi);
      const r = paneRect(i); p.camera.place(r[2], r[3]);
    });
    changed();
  }
  document.getElementById('fit').addEventListener('click', fit);
  document.getElementById('clear').addEventListener('click', () => select([]));
  document.getElementById('hops').addEventListener('change', (e) => select(state.seeds, Number(e.target.value)));
  document.getElementById('direction').addEventListener('change', (e) => select(state.seeds, state.k, e.target.value));
  document.getElementById('search').addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    let pattern;
    try { pattern = new RegExp(e.target.value, 'i'); } catch (error) { say(`search: ${error.message}`, true); return; }
    const found = [];
    for (let v = 0; v < n; v++) if (pattern.test(nameOf(v))) found.push(v);
    if (!found.length) { say(`no node name matches /${e.target.value}/`, true); return; }
    select(found);
  });
  document.getElementById('shot').addEventListener('click', () => {
    draw();
    const out = document.createElement('canvas');
    out.width = width; out.height = height;
    const g = out.getContext('2d');
    g.drawImage(canvas, 0, 0);
    g.drawImage(labelsCanvas, 0, 0);
    const link = document.createElement('a');
    link.download = `${header.title.replace(/[^\w.-]+/g, '_')}.png`;
    link.href = out.toDataURL('image/png');
    link.click();
  });
  new ResizeObserver(resize).observe(canvas);
  resize();

  // ------------------------------------------------------------ the loop: draws on change

  function frame() {
    if (hoverAt && !drag) {
      const v = pickAt(hoverAt[0] * dpr, hoverAt[1] * dpr);
      const hover = v === null ? -1 : v;
      if (hover !== state.hover) state.dirty = true;
      state.hover = hover;
      showTooltip(v, hoverAt[0], hoverAt[1]);
      hoverAt = null;
    }
    if (state.dirty) { state.dirty = false; draw(); }
    requestAnimationFrame(frame);
  }

  // ------------------------------------------------------------ the API

  Object.assign(api, {
    nodeCount: n,
    edgeCount,
    select: (ids, hops = state.k, direction = state.direction) => select(Array.isArray(ids) ? ids : [ids], hops, direction),
    selection,
    // The node under a point of the canvas, in CSS pixels from its top left (pane given by x).
    pick: (x, y) => pickAt(x * dpr, y * dpr),
    // Where a node is drawn, in CSS pixels from the canvas's top left (pane 0: the graph, 1: the embedding).
    nodeToScreen: (id, pane = 0) => { const at = screenOf(pane, id); return at && { x: at[0] / dpr, y: at[1] / dpr }; },
    frameMs: () => state.frameMs,
    // Edges in the picture now: all of them once the view has been still long enough.
    edgesDrawn: () => state.edgesDrawn,
    name: nameOf,
    panes: panes.length,
  });
  if (header.selection) select(header.selection.seeds, header.selection.hops, header.selection.direction);
  else say(`${n} nodes, ${edgeCount} edges`);
  draw();
  performance.mark('netlens:drawn');
  requestAnimationFrame(frame);
  return api;
}

main().then(readyResolve, (error) => {
  console.error(`netlens: ${error.message}`);
  const box = document.createElement('div');
  box.id = 'error';
  box.textContent = `netlens cannot show this view: ${error.message}`;
  document.body.prepend(box);
  readyReject(error);
});
