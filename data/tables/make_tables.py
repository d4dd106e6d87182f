"""Writes the Parquet and Arrow test tables in this folder with pyarrow.

Versions used: Python 3.11, pyarrow 26.0.1, numpy 2.4.6. Run from this folder:
    python3 make_tables.py
Everything is seeded: the same versions write the same tables.

generated.tsv            a random graph (600 nodes, 2400 weighted directed edges, integer ids)
generated-parts/         the same edges as 4 snappy Parquet part files, as Spark writes
                         them (part-0000N-....snappy.parquet, plus _SUCCESS and .crc files
                         that readers skip), columns src, dst (int64), weight (float64)
generated.zstd.parquet   the same edges, one file, zstd, column names source/target/w and
                         the weight as float32
generated.gzip.parquet   the same edges, one file, gzip, int32 ids
generated.feather        the same edges as Feather v2 (Arrow IPC, lz4)
generated-vertices.parquet  a vertex table: id (int64, 620 vertices: 20 that no edge
                         names), name (text), community (int32), score (float64), kind
                         (dictionary-encoded text)
drosophila-parts/        ../drosophila/left_edges.csv as 3 snappy parts with text ids
                         (source, target, synapses)
drosophila-vertices.feather  a vertex table of those neurons: id, cell_type (text class)
no-ids.parquet           a table with only float columns: no usable id columns
null-id.parquet          an edge table with a missing (null) source
parts-differ/            two parts whose columns differ
duplicate-vertices.parquet  a vertex table that lists vertex 1 twice
"""
import os

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.feather as feather
import pyarrow.parquet as pq

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(19)

nodes, edges = 600, 2400
src = rng.integers(0, nodes, edges)
dst = rng.integers(0, nodes, edges)
dst[-1] = nodes - 1  # the last node appears, so every format counts 600 nodes
weight = np.round(rng.random(edges) * 10, 3)
table = pa.table({"src": pa.array(src, pa.int64()), "dst": pa.array(dst, pa.int64()), "weight": weight})

with open(os.path.join(here, "generated.tsv"), "w") as f:
    f.write("src\tdst\tweight\n")
    for a, b, w in zip(src, dst, weight):
        f.write(f"{a}\t{b}\t{w}\n")

parts = os.path.join(here, "generated-parts")
os.makedirs(parts, exist_ok=True)
for i, chunk in enumerate(np.array_split(np.arange(edges), 4)):
    name = f"part-{i:05d}-5d2c0e6a-1f4b-4c1e-9d1a-0c6b2f8e7a10-c000.snappy.parquet"
    pq.write_table(table.take(chunk), os.path.join(parts, name), compression="snappy")
    open(os.path.join(parts, f".{name}.crc"), "wb").write(b"\0" * 8)
open(os.path.join(parts, "_SUCCESS"), "w").close()

renamed = pa.table({
    "source": table["src"], "target": table["dst"], "w": pa.array(weight, pa.float32()),
})
pq.write_table(renamed, os.path.join(here, "generated.zstd.parquet"), compression="zstd")
int32 = pa.table({
    "src": pa.array(src, pa.int32()), "dst": pa.array(dst, pa.int32()), "weight": table["weight"],
})
pq.write_table(int32, os.path.join(here, "generated.gzip.parquet"), compression="gzip")
feather.write_feather(table, os.path.join(here, "generated.feather"), compression="lz4")

vertices = nodes + 20
ids = rng.permutation(vertices)
vertex_table = pa.table({
    "id": pa.array(ids, pa.int64()),
    "name": pa.array([f"v{i}" for i in ids]),
    "community": pa.array(ids % 5, pa.int32()),
    "score": pa.array(ids / vertices),
    "kind": pa.array(["even" if i % 2 == 0 else "odd" for i in ids]).dictionary_encode(),
})
pq.write_table(vertex_table, os.path.join(here, "generated-vertices.parquet"), compression="snappy")

connectome = pacsv.read_csv(os.path.join(here, "..", "drosophila", "left_edges.csv"))
parts = os.path.join(here, "drosophila-parts")
os.makedirs(parts, exist_ok=True)
rows = connectome.num_rows
for i, chunk in enumerate(np.array_split(np.arange(rows), 3)):
    pq.write_table(connectome.take(chunk), os.path.join(parts, f"part-{i:05d}.snappy.parquet"))
neurons = sorted(set(connectome["source"].to_pylist()) | set(connectome["target"].to_pylist()))
types = {"K": "Kenyon cell", "P": "projection neuron", "O": "output neuron", "I": "input neuron"}
feather.write_feather(
    pa.table({"id": neurons, "cell_type": [types[n[0]] for n in neurons]}),
    os.path.join(here, "drosophila-vertices.feather"),
)

pq.write_table(pa.table({"x": [0.5, 1.5], "y": [2.5, 3.5]}), os.path.join(here, "no-ids.parquet"))
pq.write_table(pa.table({"src": [0, 1, None], "dst": [1, 2, 0]}), os.path.join(here, "null-id.parquet"))
differ = os.path.join(here, "parts-differ")
os.makedirs(differ, exist_ok=True)
pq.write_table(pa.table({"src": [0, 1], "dst": [1, 2]}), os.path.join(differ, "part-00000.parquet"))
pq.write_table(pa.table({"a": [0, 1], "b": [1, 2]}), os.path.join(differ, "part-00001.parquet"))
pq.write_table(pa.table({"id": [0, 1, 1], "name": ["a", "b", "c"]}), os.path.join(here, "duplicate-vertices.parquet"))
