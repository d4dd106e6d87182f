"""Writes left_edges.csv: the left hemisphere of the larval Drosophila mushroom body
connectome (Eichler et al. 2017, Nature 548:175-182) as shipped in graspologic 3.4.4
(graspologic/datasets/drosophila/left_adjacency.csv and left_cell_labels.csv, MIT
licence), as an edge list with a header and string ids: one row per connected ordered
pair of neurons, `source,target,synapses`, each neuron named by its cell type (K Kenyon
cell, P projection neuron, O output neuron, I input neuron) and its row number.

    pip download --no-deps -d /tmp/gr graspologic==3.4.4
    unzip -o /tmp/gr/graspologic-3.4.4-py3-none-any.whl 'graspologic/datasets/*' -d /tmp/gr
    python3 make_edges.py /tmp/gr/graspologic/datasets/drosophila
"""
import csv
import pathlib
import sys

source = pathlib.Path(sys.argv[1])
labels = [line.strip() for line in (source / "left_cell_labels.csv").read_text().split("\n") if line.strip()]
rows = [[int(v) for v in line.split()] for line in (source / "left_adjacency.csv").read_text().split("\n") if line.strip()]
assert len(rows) == len(labels) and all(len(r) == len(labels) for r in rows)
names = [f"{label}{i}" for i, label in enumerate(labels)]
with open(pathlib.Path(__file__).with_name("left_edges.csv"), "w", newline="") as out:
    writer = csv.writer(out)
    writer.writerow(["source", "target", "synapses"])
    for i, row in enumerate(rows):
        for j, synapses in enumerate(row):
            if synapses > 0:
                writer.writerow([names[i], names[j], synapses])
