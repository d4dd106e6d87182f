// netlens page viewer, the scene: reads what netlens put in the page (or serve sends),
// and the K-hop search over its edges that the selection runs.

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
