// netlens page viewer, drawing: matrices, the 2D and 3D cameras, the WebGL2 shaders and
// the textures that hold a value per node or per edge.

// Texels a row of every per-node and per-edge texture.
const TEX_W = 4096;
// Edge layer weight below which a pixel counts as uncovered (COVERED in shaders/tone.wgsl),
// and the side of the squares the layer is measured in.
const COVERED = '0.02', MEASURE_BLOCK = 16;

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
  pixelsPerUnit() { return this.scale; }
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
  pixelsPerUnit(height) { return 0.5 * height / Math.tan(Math.PI / 8); }
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
  int id = gl_VertexID / 6, corner_index = gl_VertexID % 6;
  vec4 p = texelFetch(u_pos, at(id), 0);
  vec4 color = texelFetch(u_color, at(id), 0);
  float hops = texelFetch(u_hops, at(id), 0).r;
  // Two triangles: corners 0 1 2, 2 1 3 of the quad (x: bit 0, y: bit 1).
  const int CORNERS[6] = int[6](0, 1, 2, 2, 1, 3);
  int c = CORNERS[corner_index];
  vec2 corner = vec2(float(c & 1), float(c >> 1)) * 2.0 - 1.0;
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
uniform highp usampler2D u_ends;
uniform mat4 u_clip_from_world; uniform vec2 u_viewport; uniform int u_points;
uniform float u_k; uniform bool u_selecting; uniform int u_coloring; uniform vec3 u_ramp[6]; uniform vec2 u_weight_range;
out vec4 v_color; flat out float v_plain;
ivec2 at(int id) { return ivec2(id % ${TEX_W}, id / ${TEX_W}); }
vec3 ramp(float t) { float x = clamp(t, 0.0, 1.0) * 5.0; int i = min(int(x), 4); return mix(u_ramp[i], u_ramp[i + 1], x - float(i)); }
void main() {
  // Vertex 2s + i ends span s of an edge; an edge has u_points - 1 spans.
  int spans = u_points - 1, span = gl_VertexID / 2, k = span % spans + (gl_VertexID & 1);
  uvec4 ends = texelFetch(u_ends, at(span / spans), 0);
  int e = int(ends.w);
  int a = int(ends.x), b = int(ends.y);
  float weight = uintBitsToFloat(ends.z);
  float t = float(k) / float(spans);
  vec3 pa = texelFetch(u_pos, at(a), 0).xyz, pb = texelFetch(u_pos, at(b), 0).xyz;
  vec3 p = u_points == 2 ? mix(pa, pb, t) : texelFetch(u_path, at(e * u_points + k), 0).xyz;
  vec4 ca = texelFetch(u_color, at(a), 0), cb = texelFetch(u_color, at(b), 0);
  vec3 rgb = mix(ca.rgb, cb.rgb, t);
  // What the edge adds to the edge layer: its colour and its weight (see EDGE_FS).
  float alpha = 1.0;
  if (u_coloring == 1) {
    vec4 qa = u_clip_from_world * vec4(pa, 1.0), qb = u_clip_from_world * vec4(pb, 1.0);
    vec2 d = (qb.xy / qb.w - qa.xy / qa.w) * u_viewport;
    float h = (atan(d.y, d.x) / 6.2831853 + 1.0) * 6.0;
    vec3 k = mod(vec3(5.0, 3.0, 1.0) + h, 6.0);
    rgb = 1.0 - 0.75 * clamp(min(k, 4.0 - k), 0.0, 1.0);
  } else if (u_coloring == 2) {
    float w = clamp((abs(weight) - u_weight_range.x) / max(u_weight_range.y - u_weight_range.x, 1e-12), 0.0, 1.0);
    rgb = ramp(w); alpha = mix(0.04, 1.0, w);
  }
  v_plain = alpha;
  if (u_selecting) {
    // As the native edge layer: edges inside the neighbourhood weigh four times as much,
    // the rest darken toward the background (the layer's mean is measured on v_plain).
    float ha = texelFetch(u_hops, at(a), 0).r, hb = texelFetch(u_hops, at(b), 0).r;
    if (ha <= u_k && hb <= u_k) alpha *= 4.0; else rgb *= 0.25;
  }
  gl_Position = u_clip_from_world * vec4(p, 1.0);
  v_color = vec4(rgb, alpha);
}`;

// Edges add into a float edge layer: colour times weight, and weight; and into a second
// target their weight without the selection's emphasis.
const EDGE_FS = `#version 300 es
precision highp float;
in vec4 v_color; flat in float v_plain;
layout(location = 0) out vec4 out_color; layout(location = 1) out vec4 out_plain;
void main() { out_color = vec4(v_color.rgb * v_color.a, v_color.a); out_plain = vec4(v_plain, 0.0, 0.0, 0.0); }`;

// The edge layer onto the frame, as shaders/tone.wgsl does it: each pixel's opacity is
// k s / (1 + k s) of s, the square root of its weight over the mean weight of a covered
// pixel, so that the mean pixel has opacity u_alpha; its colour is the mean of its edges'. Edges
// coloured by weight (u_absolute) show their weights as they are: 1 - exp(-3 x) of the
// weight itself.
const FULL_VS = `#version 300 es
void main() { gl_Position = vec4(vec2(gl_VertexID & 1, gl_VertexID >> 1) * 4.0 - 1.0, 0.0, 1.0); }`;

const TONE_FS = `#version 300 es
precision highp float;
uniform highp sampler2D u_layer; uniform float u_mean; uniform float u_alpha; uniform bool u_absolute;
out vec4 out_color;
void main() {
  vec4 here = texelFetch(u_layer, ivec2(gl_FragCoord.xy), 0);
  if (here.a <= ${COVERED}) discard;
  float s = sqrt(here.a / max(u_mean, ${COVERED})), k = u_alpha / (1.0 - u_alpha);
  out_color = vec4(clamp(here.rgb / here.a, 0.0, 1.0), u_absolute ? 1.0 - exp(-3.0 * here.a) : k * s / (1.0 + k * s));
}`;

// The edge layer measured: for each MEASURE_BLOCK-pixel square, the plain weight of its
// covered pixels and how many there are.
const MEASURE_FS = `#version 300 es
precision highp float;
uniform highp sampler2D u_plain;
out vec4 out_color;
void main() {
  ivec2 size = textureSize(u_plain, 0), origin = ivec2(gl_FragCoord.xy) * ${MEASURE_BLOCK};
  vec2 sum = vec2(0.0);
  for (int y = 0; y < ${MEASURE_BLOCK}; y++) for (int x = 0; x < ${MEASURE_BLOCK}; x++) {
    ivec2 p = origin + ivec2(x, y);
    if (p.x >= size.x || p.y >= size.y) continue;
    float w = texelFetch(u_plain, p, 0).r;
    if (w > ${COVERED}) sum += vec2(w, 1.0);
  }
  out_color = vec4(sum, 0.0, 1.0);
}`;

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
