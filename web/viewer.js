// netlens page viewer: reads the scene `netlens export -o view.html` put in the page (or
// `netlens serve` sends), draws it with WebGL2 and lets a person explore it: pan, zoom,
// orbit, hover, select, K-hop, search, colour, groups, labels, legend, PNG.
//
// How it draws: every per-node value (position and radius, colour, hops from the
// selection) lives in a texture indexed by node id, so nodes are one instanced quad and
// edges one instanced line (or line strip along a bundled path) that fetch their ends by
// id; a new selection or colouring rewrites one texture, and nothing is allocated per
// frame. Picking draws node ids into an offscreen target and reads one pixel.
//
// `window.netlens` is the page's API (README, "The browser view").

const TEX_W = 4096;
const api = {};
window.netlens = api;
let readyResolve, readyReject;
api.ready = new Promise((resolve, reject) => { readyResolve = resolve; readyReject = reject; });

// ---------------------------------------------------------------- the scene

async function loadScene() {
  const element = document.getElementById('netlens-data');
  let response;
  if (element.dataset.src) {
    const token = new URLSearchParams(location.search).get('token');
    const url = element.dataset.src + (token ? `?token=${encodeURIComponent(token)}` : '');
    response = await fetch(url);
    if (!response.ok) throw new Error(`${element.dataset.src}: the server answered ${response.status} ${response.statusText}`);
  } else {
    response = await fetch(`data:application/octet-stream;base64,${element.textContent.trim()}`);
  }
  const buffer = await new Response(response.body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
  const bytes = new Uint8Array(buffer);
  if (String.fromCharCode(...bytes.subarray(0, 4)) !== 'NLV1') throw new Error('the scene is not a netlens scene (NLV1)');
  const headerLength = new DataView(buffer).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  const base = (8 + headerLength + 3) & ~3;
  const types = { f32: Float32Array, u32: Uint32Array, i32: Int32Array, text: Uint8Array };
  const section = (name) => {
    const s = header.sections[name];
    if (!s) return null;
    const Type = types[s.type];
    const array = new Type(buffer, base + s.offset, s.bytes / Type.BYTES_PER_ELEMENT);
    return s.type === 'text' ? new TextDecoder().decode(array).split('\0') : array;
  };
  return { header, section };
}

// ---------------------------------------------------------------- small matrix helpers

function multiply(a, b) {
  const out = new Float32Array(16);
  for (let c = 0; c < 4; c++) for (let r = 0; r < 4; r++) {
    let sum = 0;
    for (let k = 0; k < 4; k++) sum += a[k * 4 + r] * b[c * 4 + k];
    out[c * 4 + r] = sum;
  }
  return out;
}

function perspective(fovY, aspect, near, far) {
  const f = 1 / Math.tan(fovY / 2), nf = 1 / (near - far);
  return new Float32Array([f / aspect, 0, 0, 0, 0, f, 0, 0, 0, 0, (far + near) * nf, -1, 0, 0, 2 * far * near * nf, 0]);
}

function lookAt(eye, target, up) {
  const sub = (a, b) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
  const norm = (a) => { const l = Math.hypot(...a) || 1; return a.map((x) => x / l); };
  const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
  const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const z = norm(sub(eye, target)), x = norm(cross(up, z)), y = cross(z, x);
  return new Float32Array([x[0], y[0], z[0], 0, x[1], y[1], z[1], 0, x[2], y[2], z[2], 0, -dot(x, eye), -dot(y, eye), -dot(z, eye), 1]);
}

// ---------------------------------------------------------------- cameras

// 2D: a centre and pixels per layout unit; y up.
class Camera2 {
  constructor(min, max) { this.fit(min, max); }
  fit(min, max) { this.min = min; this.max = max; this.pending = true; }
  place(width, height) {
    if (!this.pending) return;
    const w = Math.max(this.max[0] - this.min[0], 1e-6), h = Math.max(this.max[1] - this.min[1], 1e-6);
    this.scale = 0.92 * Math.min(width / w, height / h);
    this.center = [(this.min[0] + this.max[0]) / 2, (this.min[1] + this.max[1]) / 2];
    this.pending = false;
  }
  matrix(width, height) {
    const sx = 2 * this.scale / width, sy = 2 * this.scale / height;
    return new Float32Array([sx, 0, 0, 0, 0, sy, 0, 0, 0, 0, -1e-6, 0, -this.center[0] * sx, -this.center[1] * sy, 0, 1]);
  }
  drag(dx, dy) { this.center[0] -= dx / this.scale; this.center[1] += dy / this.scale; }
  zoom(factor, x, y, width, height) {
    // Keep the point under the cursor where it is.
    const wx = this.center[0] + (x - width / 2) / this.scale, wy = this.center[1] - (y - height / 2) / this.scale;
    this.scale *= factor;
    this.center = [wx - (x - width / 2) / this.scale, wy + (y - height / 2) / this.scale];
  }
}

// 3D: orbit about a target; W A S D move the target (fly).
class Camera3 {
  constructor(min, max) { this.fit(min, max); }
  fit(min, max) {
    this.target = [0, 1, 2].map((i) => (min[i] + max[i]) / 2);
    this.radius = 0.5 * Math.hypot(max[0] - min[0], max[1] - min[1], max[2] - min[2]) || 1;
    this.distance = this.radius / Math.sin(Math.PI / 8) * 1.05;
    this.yaw = 0.6; this.pitch = 0.35; this.pending = false;
  }
  place() {}
  eye() {
    const c = Math.cos(this.pitch);
    return [0, 1, 2].map((i) => this.target[i] + this.distance * [c * Math.sin(this.yaw), Math.sin(this.pitch), c * Math.cos(this.yaw)][i]);
  }
  matrix(width, height) {
    const near = Math.max(this.distance - 4 * this.radius, this.distance * 1e-3), far = this.distance + 4 * this.radius;
    return multiply(perspective(Math.PI / 4, width / height, near, far), lookAt(this.eye(), this.target, [0, 1, 0]));
  }
  drag(dx, dy) { this.yaw -= dx * 0.005; this.pitch = Math.max(-1.5, Math.min(1.5, this.pitch + dy * 0.005)); }
  pan(dx, dy) {
    const eye = this.eye(), f = [0, 1, 2].map((i) => this.target[i] - eye[i]);
    const right = [Math.cos(this.yaw), 0, -Math.sin(this.yaw)];
    const up = [f[1] * right[2] - f[2] * right[1], f[2] * right[0] - f[0] * right[2], f[0] * right[1] - f[1] * right[0]];
    const ul = Math.hypot(...up) || 1, k = this.distance * 0.0015;
    for (let i = 0; i < 3; i++) this.target[i] += (-dx * right[i] + dy * up[i] / ul) * k;
  }
  fly(forward, sideways) {
    const eye = this.eye(), f = [0, 1, 2].map((i) => this.target[i] - eye[i]), l = Math.hypot(...f) || 1;
    const right = [Math.cos(this.yaw), 0, -Math.sin(this.yaw)], step = this.radius * 0.03;
    for (let i = 0; i < 3; i++) this.target[i] += (forward * f[i] / l + sideways * right[i]) * step;
  }
  zoom(factor) { this.distance /= factor; }
}

// ---------------------------------------------------------------- WebGL

const NODE_VS = `#version 300 es
precision highp float; precision highp int;
uniform highp sampler2D u_pos; uniform lowp sampler2D u_color; uniform highp sampler2D u_hops;
uniform mat4 u_clip_from_world; uniform vec2 u_viewport; uniform float u_px_per_unit; uniform float u_min_px;
uniform float u_k; uniform bool u_selecting; uniform int u_hover;
out vec2 v_uv; out vec4 v_color; flat out int v_id; out float v_ring; out float v_px;
ivec2 at(int id) { return ivec2(id % ${TEX_W}, id / ${TEX_W}); }
void main() {
  int id = gl_InstanceID;
  vec4 p = texelFetch(u_pos, at(id), 0);
  vec4 color = texelFetch(u_color, at(id), 0);
  float hops = texelFetch(u_hops, at(id), 0).r;
  vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1)) * 2.0 - 1.0;
  vec4 clip = u_clip_from_world * vec4(p.xyz, 1.0);
  float px = max(p.w * u_px_per_unit / clip.w, u_min_px);
  v_ring = 0.0;
  if (u_selecting) {
    if (hops > u_k) { color.rgb = mix(vec3(0.063, 0.071, 0.094), color.rgb, 0.22); }
    else { px = max(px, u_min_px + 1.5); if (hops < 0.5) v_ring = 1.0; }
  }
  if (id == u_hover) { px += 2.0; v_ring = 1.0; }
  px += v_ring * 2.0;
  clip.xy += corner * px * 2.0 / u_viewport * clip.w;
  gl_Position = clip;
  v_uv = corner; v_color = color; v_id = id; v_px = px;
}`;

const NODE_FS = `#version 300 es
precision highp float; precision highp int;
uniform bool u_pick; uniform bool u_shaded;
in vec2 v_uv; in vec4 v_color; flat in int v_id; in float v_ring; in float v_px;
out vec4 out_color;
void main() {
  float d = length(v_uv);
  if (d > 1.0) discard;
  if (u_pick) {
    int n = v_id + 1;
    out_color = vec4(float(n & 255), float((n >> 8) & 255), float((n >> 16) & 255), float((n >> 24) & 255)) / 255.0;
    return;
  }
  vec3 rgb = v_color.rgb;
  if (u_shaded) { float z = sqrt(max(1.0 - d * d, 0.0)); rgb *= 0.35 + 0.65 * dot(normalize(vec3(-0.4, 0.5, 1.0)), vec3(v_uv.x, -v_uv.y, z)); }
  float edge = 1.0 - 2.0 / max(v_px, 1.0);
  if (v_ring > 0.5 && d > 1.0 - 2.5 / max(v_px, 1.0)) rgb = vec3(1.0);
  float alpha = clamp((1.0 - d) / max(1.0 - edge, 1e-3), 0.0, 1.0);
  out_color = vec4(rgb, alpha);
}`;

const EDGE_VS = `#version 300 es
precision highp float; precision highp int;
uniform highp sampler2D u_pos; uniform lowp sampler2D u_color; uniform highp sampler2D u_hops; uniform highp sampler2D u_path;
uniform mat4 u_clip_from_world; uniform vec2 u_viewport; uniform int u_points; uniform float u_alpha;
uniform float u_k; uniform bool u_selecting; uniform int u_coloring; uniform vec3 u_ramp[6]; uniform vec2 u_weight_range;
in uvec2 a_ends; in float a_weight;
out vec4 v_color;
ivec2 at(int id) { return ivec2(id % ${TEX_W}, id / ${TEX_W}); }
vec3 ramp(float t) { float x = clamp(t, 0.0, 1.0) * 5.0; int i = min(int(x), 4); return mix(u_ramp[i], u_ramp[i + 1], x - float(i)); }
void main() {
  int a = int(a_ends.x), b = int(a_ends.y);
  float t = float(gl_VertexID) / float(u_points - 1);
  vec3 pa = texelFetch(u_pos, at(a), 0).xyz, pb = texelFetch(u_pos, at(b), 0).xyz;
  vec3 p = u_points == 2 ? mix(pa, pb, t) : texelFetch(u_path, at(gl_InstanceID * u_points + gl_VertexID), 0).xyz;
  vec4 ca = texelFetch(u_color, at(a), 0), cb = texelFetch(u_color, at(b), 0);
  vec3 rgb = mix(ca.rgb, cb.rgb, t);
  float alpha = u_alpha;
  if (u_coloring == 1) {
    vec4 qa = u_clip_from_world * vec4(pa, 1.0), qb = u_clip_from_world * vec4(pb, 1.0);
    vec2 d = (qb.xy / qb.w - qa.xy / qa.w) * u_viewport;
    float h = (atan(d.y, d.x) / 6.2831853 + 1.0) * 6.0;
    vec3 k = mod(vec3(5.0, 3.0, 1.0) + h, 6.0);
    rgb = 1.0 - 0.75 * clamp(min(k, 4.0 - k), 0.0, 1.0);
  } else if (u_coloring == 2) {
    float w = clamp((a_weight - u_weight_range.x) / max(u_weight_range.y - u_weight_range.x, 1e-12), 0.0, 1.0);
    rgb = ramp(w); alpha = mix(u_alpha * 0.4, min(1.0, u_alpha * 2.5), w);
  }
  if (u_selecting) {
    float ha = texelFetch(u_hops, at(a), 0).r, hb = texelFetch(u_hops, at(b), 0).r;
    if (ha <= u_k && hb <= u_k) alpha = max(alpha, 0.7); else alpha *= 0.25;
  }
  gl_Position = u_clip_from_world * vec4(p, 1.0);
  v_color = vec4(rgb, alpha);
}`;

const EDGE_FS = `#version 300 es
precision highp float;
in vec4 v_color; out vec4 out_color;
void main() { out_color = v_color; }`;

function compile(gl, vs, fs) {
  const program = gl.createProgram();
  for (const [type, source] of [[gl.VERTEX_SHADER, vs], [gl.FRAGMENT_SHADER, fs]]) {
    const shader = gl.createShader(type);
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`shader: ${gl.getShaderInfoLog(shader)}`);
    gl.attachShader(program, shader);
  }
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`program: ${gl.getProgramInfoLog(program)}`);
  const uniforms = {};
  for (let i = 0; i < gl.getProgramParameter(program, gl.ACTIVE_UNIFORMS); i++) {
    const name = gl.getActiveUniform(program, i).name.replace('[0]', '');
    uniforms[name] = gl.getUniformLocation(program, name);
  }
  return { program, uniforms };
}

// A texture of one value (or vector) per node, TEX_W wide.
function nodeTexture(gl, internal, format, type, components, count, data) {
  const height = Math.max(1, Math.ceil(count / TEX_W));
  const Type = data.constructor;
  const padded = new Type(TEX_W * height * components);
  padded.set(data.subarray(0, count * components));
  const texture = gl.createTexture();
  gl.bindTexture(gl.TEXTURE_2D, texture);
  gl.texImage2D(gl.TEXTURE_2D, 0, internal, TEX_W, height, 0, format, type, padded);
  for (const p of [gl.TEXTURE_MIN_FILTER, gl.TEXTURE_MAG_FILTER]) gl.texParameteri(gl.TEXTURE_2D, p, gl.NEAREST);
  return { texture, height, components, padded, format, type };
}

function updateTexture(gl, t, data) {
  t.padded.set(data);
  gl.bindTexture(gl.TEXTURE_2D, t.texture);
  gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, TEX_W, t.height, t.format, t.type, t.padded);
}

// ---------------------------------------------------------------- K-hop

// Rows of the adjacency a step follows: out-neighbours, in-neighbours or both.
function adjacency(n, src, dst, direction) {
  const offsets = new Uint32Array(n + 1);
  const add = (from) => { for (let e = 0; e < from.length; e++) offsets[from[e] + 1]++; };
  if (direction !== 'in') add(src);
  if (direction !== 'out') add(dst);
  for (let v = 0; v < n; v++) offsets[v + 1] += offsets[v];
  const fill = offsets.slice(0, n), targets = new Uint32Array(offsets[n]);
  const put = (from, to) => { for (let e = 0; e < from.length; e++) targets[fill[from[e]]++] = to[e]; };
  if (direction !== 'in') put(src, dst);
  if (direction !== 'out') put(dst, src);
  return { offsets, targets };
}

// Breadth-first hops from `seeds`, at most `k` (unreached: Infinity), and the nodes per hop.
function khop(rows, n, seeds, k, hops) {
  hops.fill(Infinity);
  let frontier = [...new Set(seeds)].sort((a, b) => a - b);
  for (const s of frontier) hops[s] = 0;
  const byHop = [frontier];
  for (let h = 1; h <= k && frontier.length; h++) {
    const next = [];
    for (const v of frontier) {
      for (let i = rows.offsets[v]; i < rows.offsets[v + 1]; i++) {
        const u = rows.targets[i];
        if (hops[u] === Infinity) { hops[u] = h; next.push(u); }
      }
    }
    next.sort((a, b) => a - b);
    byHop.push(next);
    frontier = next;
  }
  while (byHop.length <= k) byHop.push([]);
  return byHop;
}

// ---------------------------------------------------------------- the viewer

function hexColor(packed) { return `#${[0, 8, 16].map((s) => ((packed >> s) & 255).toString(16).padStart(2, '0')).join('')}`; }
function parseHex(hex) { return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255); }
function escapeHtml(text) { return String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]); }

async function main() {
  const { header, section } = await loadScene();
  const n = header.nodes, edgeCount = header.edges, dim = header.dim;
  if (n === 0) throw new Error('the scene has no nodes');
  const canvas = document.getElementById('gl');
  const gl = canvas.getContext('webgl2', { antialias: true, alpha: false, preserveDrawingBuffer: false });
  if (!gl) throw new Error('this browser has no WebGL2: netlens needs it to draw');
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
  const edgeVao = gl.createVertexArray();
  gl.bindVertexArray(edgeVao);
  const ends = new Uint32Array(edgeCount * 2);
  for (let e = 0; e < edgeCount; e++) { ends[2 * e] = src[e]; ends[2 * e + 1] = dst[e]; }
  const endsBuffer = gl.createBuffer();
  gl.bindBuffer(gl.ARRAY_BUFFER, endsBuffer);
  gl.bufferData(gl.ARRAY_BUFFER, ends, gl.STATIC_DRAW);
  let location = gl.getAttribLocation(edgeProgram.program, 'a_ends');
  gl.enableVertexAttribArray(location);
  gl.vertexAttribIPointer(location, 2, gl.UNSIGNED_INT, 0, 0);
  gl.vertexAttribDivisor(location, 1);
  const weights = section('weights');
  let weightRange = [0, 1];
  location = gl.getAttribLocation(edgeProgram.program, 'a_weight');
  if (weights && location >= 0) {
    const weightBuffer = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, weightBuffer);
    gl.bufferData(gl.ARRAY_BUFFER, weights, gl.STATIC_DRAW);
    gl.enableVertexAttribArray(location);
    gl.vertexAttribPointer(location, 1, gl.FLOAT, false, 0, 0);
    gl.vertexAttribDivisor(location, 1);
    let lo = Infinity, hi = -Infinity;
    for (const w of weights) if (Number.isFinite(w)) { lo = Math.min(lo, Math.abs(w)); hi = Math.max(hi, Math.abs(w)); }
    if (lo <= hi) weightRange = [lo, hi];
  }
  gl.bindVertexArray(null);
  const nodeVao = gl.createVertexArray();
  const coloring = { nodes: 0, direction: 1, weight: weights ? 2 : 0 }[header.style.edgeColoring] ?? 0;
  const rampStops = new Float32Array(18);
  const rampLegend = header.colorings.find((c) => c.legend && c.legend.kind === 'ramp');
  (rampLegend ? rampLegend.legend.stops : ['#483d8b', '#3b6ca8', '#21918c', '#35b779', '#90d743', '#fde725']).forEach((h, i) => rampStops.set(parseHex(h), 3 * i));

  // Picking target: node id + 1 per pixel.
  const pick = { framebuffer: gl.createFramebuffer(), color: gl.createRenderbuffer(), depth: gl.createRenderbuffer(), size: [0, 0] };

  // Panes: the graph, and the embedding beside it.
  const bounds = header.bounds;
  const panes = [{ name: header.title, camera: dim === 3 ? new Camera3(bounds.min, bounds.max) : new Camera2(bounds.min, bounds.max), three: dim === 3, pos: textures.pos, edges: true }];
  if (embedding) panes.push({ name: header.embedding.name, camera: new Camera2(embedding.lo, embedding.hi), three: false, pos: embedding.texture, edges: false });
  document.getElementById('pane-names').innerHTML = panes.length > 1 ? panes.map((p) => `<div>${escapeHtml(p.name)}</div>`).join('') : '';

  const state = { selecting: false, k: 1, direction: 'both', seeds: [], byHop: [], hover: -1, dirty: true, frameMs: 0 };
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
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    panes.forEach((p, i) => { const r = paneRect(i); p.camera.place(r[2], r[3]); });
    state.dirty = true;
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
    if (textures.path && program.uniforms.u_path) bind(3, textures.path.texture, 'u_path');
  }

  // Pixels per layout unit at depth w = 1 for a pane's projection.
  const pxPerUnit = (matrix, rect) => 0.5 * rect[3] * matrix[5];

  // Draws pane i (its node ids, when picking) within `scissor` (device pixels, y up).
  function drawPane(i, picking, scissor) {
    const pane = panes[i], rect = paneRect(i), matrix = pane.camera.matrix(rect[2], rect[3]);
    gl.viewport(...rect);
    gl.scissor(...(scissor || rect));
    if (pane.three) { gl.enable(gl.DEPTH_TEST); gl.depthFunc(gl.LEQUAL); } else gl.disable(gl.DEPTH_TEST);
    if (!picking && pane.edges && edgeCount > 0) {
      const p = edgeProgram;
      gl.useProgram(p.program);
      bindNodeTextures(p, pane.pos);
      gl.uniformMatrix4fv(p.uniforms.u_clip_from_world, false, matrix);
      gl.uniform2f(p.uniforms.u_viewport, rect[2], rect[3]);
      const points = header.pathPoints || 2;
      gl.uniform1i(p.uniforms.u_points, points);
      gl.uniform1f(p.uniforms.u_alpha, header.style.edgeAlpha);
      gl.uniform1f(p.uniforms.u_k, state.k);
      gl.uniform1i(p.uniforms.u_selecting, state.selecting ? 1 : 0);
      gl.uniform1i(p.uniforms.u_coloring, coloring);
      gl.uniform3fv(p.uniforms.u_ramp, rampStops);
      gl.uniform2f(p.uniforms.u_weight_range, weightRange[0], weightRange[1]);
      gl.enable(gl.BLEND);
      gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA);
      gl.depthMask(false);
      gl.bindVertexArray(edgeVao);
      gl.drawArraysInstanced(points === 2 ? gl.LINES : gl.LINE_STRIP, 0, points, edgeCount);
      gl.depthMask(true);
    }
    const p = nodeProgram;
    gl.useProgram(p.program);
    bindNodeTextures(p, pane.pos);
    gl.uniformMatrix4fv(p.uniforms.u_clip_from_world, false, matrix);
    gl.uniform2f(p.uniforms.u_viewport, rect[2], rect[3]);
    gl.uniform1f(p.uniforms.u_px_per_unit, pxPerUnit(matrix, rect));
    gl.uniform1f(p.uniforms.u_min_px, 1.5 * dpr);
    gl.uniform1f(p.uniforms.u_k, state.k);
    gl.uniform1i(p.uniforms.u_selecting, state.selecting ? 1 : 0);
    gl.uniform1i(p.uniforms.u_hover, picking ? -1 : state.hover);
    gl.uniform1i(p.uniforms.u_pick, picking ? 1 : 0);
    gl.uniform1i(p.uniforms.u_shaded, pane.three ? 1 : 0);
    if (picking) gl.disable(gl.BLEND); else { gl.enable(gl.BLEND); gl.blendFunc(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA); }
    gl.bindVertexArray(nodeVao);
    gl.drawArraysInstanced(gl.TRIANGLE_STRIP, 0, 4, n);
    gl.bindVertexArray(null);
    return matrix;
  }

  const bg = header.style.background;
  const readback = new Uint8Array(4);
  function draw() {
    const start = performance.now();
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.enable(gl.SCISSOR_TEST);
    gl.scissor(0, 0, width, height);
    gl.clearColor(bg[0], bg[1], bg[2], 1);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    panes.forEach((pane, i) => { pane.matrix = drawPane(i, false); });
    // Wait for the GPU (one pixel back), so frameMs is the whole draw, not its submission.
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, readback);
    state.frameMs = performance.now() - start;
    drawLabels();
  }

  // ------------------------------------------------------------ picking

  function screenOf(i, v) {
    const pane = panes[i], rect = paneRect(i), m = pane.matrix || pane.camera.matrix(rect[2], rect[3]);
    const t = pane.pos.padded, x = t[4 * v], y = t[4 * v + 1], z = t[4 * v + 2];
    const cx = m[0] * x + m[4] * y + m[8] * z + m[12], cy = m[1] * x + m[5] * y + m[9] * z + m[13], cw = m[3] * x + m[7] * y + m[11] * z + m[15];
    if (cw <= 0) return null;
    // x, y (device pixels, y down) and the node's radius in pixels.
    const r = Math.max(t[4 * v + 3] * pxPerUnit(m, rect) / cw, 1.5 * dpr);
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
    for (let v = 0; v < n; v++) hopsTexture[v] = state.selecting && hopsArray[v] !== Infinity ? hopsArray[v] : 1e30;
    updateTexture(gl, textures.hops, hopsTexture);
    document.getElementById('hops').value = state.k;
    document.getElementById('direction').value = direction;
    const within = state.byHop.reduce((s, h) => s + h.length, 0);
    say(state.selecting ? `${seeds.length === 1 ? nameOf(seeds[0]) : `${seeds.length} nodes`}: ${within} within ${state.k} hops (${state.byHop.map((h) => h.length).join(' + ')})` : `${n} nodes, ${edgeCount} edges`);
    state.dirty = true;
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
  function drawLabels() {
    labels2d.clearRect(0, 0, width, height);
    if (!names.length) return;
    const fontPx = Math.round(12 * dpr);
    labels2d.font = `${fontPx}px system-ui, sans-serif`;
    labels2d.textBaseline = 'middle';
    labels2d.lineJoin = 'round';
    labels2d.lineWidth = 3 * dpr;
    labels2d.strokeStyle = `rgb(${bg.map((c) => Math.round(c * 255)).join(',')})`;
    const placed = [];
    const overlaps = (b) => placed.some((p) => b[0] < p[2] && p[0] < b[2] && b[1] < p[3] && p[1] < b[3]);
    const selected = state.selecting ? state.byHop.flat().slice(0, 400) : [];
    const budget = Math.min(400, Math.floor(width * height / (fontPx * fontPx * 60)));
    panes.forEach((pane, i) => {
      const rect = paneRect(i);
      let shown = 0, tried = 0;
      for (const v of [...selected, ...byImportance]) {
        if (shown >= budget || tried++ > 4000) break;
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
    state.dirty = true;
  }
  colorBy.addEventListener('change', () => recolor(Number(colorBy.value)));
  recolor(0);

  if (header.groups) {
    const groupOf = section('group_of'), groups = header.groups, children = groups.map(() => []), counts = new Uint32Array(groups.length);
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
      state.dirty = true;
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
    state.dirty = true;
  }, { passive: false });
  window.addEventListener('keydown', (e) => {
    if (e.target.tagName === 'INPUT') return;
    const camera = panes[0].camera;
    const moves = { w: [1, 0], s: [-1, 0], a: [0, -1], d: [0, 1] };
    if (camera.fly && moves[e.key]) { camera.fly(...moves[e.key]); state.dirty = true; }
    else if (e.key === 'Escape') select([]);
    else if (e.key === 'f') fit();
  });
  function fit() {
    panes.forEach((p, i) => {
      if (i === 0) p.camera.fit(bounds.min, bounds.max); else p.camera.fit(embedding.lo, embedding.hi);
      const r = paneRect(i); p.camera.place(r[2], r[3]);
    });
    state.dirty = true;
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
    name: nameOf,
    panes: panes.length,
  });
  if (header.selection) select(header.selection.seeds, header.selection.hops, header.selection.direction);
  else say(`${n} nodes, ${edgeCount} edges`);
  draw();
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
