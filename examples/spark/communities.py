"""A graph too big to look at, reduced by Spark the way a cluster would, then seen in netlens.

Spark (PySpark in local mode here; the same code runs on a cluster) does the heavy part:
  1. generates a graph with communities: --nodes nodes in --communities groups, --edges
     edges, a share --inside of them within a group (a planted partition);
  2. finds the communities by label propagation (as GraphFrames' labelPropagation: each
     node takes the label most of its neighbours carry, --iterations rounds, ties to the
     smallest label), in plain DataFrame operations;
  3. writes, as folders of snappy Parquet part files:
       OUT/edges/                   the whole graph (src, dst)
       OUT/communities/edges/       the quotient graph: one node per community, an edge
                                    per pair of communities that share edges (weight:
                                    how many)
       OUT/communities/vertices/    id, size (members), label (the propagated label)
       OUT/community/edges/         the largest community's own edges, node ids as text
       OUT/community/vertices/      its members: id, degree inside it
Then netlens opens the overview and the one community (the commands are printed at the
end, and run with --netlens PATH).

Versions used: Python 3.11, pyspark 3.5.3 (Java 17). It need not run in CI:
    pip install pyspark==3.5.3
    python3 examples/spark/communities.py --out /tmp/spark-graph --netlens target/release/netlens
"""
import argparse
import os
import subprocess
import sys
import time

from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F


def log(started, what):
    print(f"[{time.time() - started:7.1f} s] {what}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="output folder (created; must not exist)")
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--edges", type=int, default=10_000_000)
    parser.add_argument("--communities", type=int, default=1000)
    parser.add_argument("--inside", type=float, default=0.95, help="share of edges within a community")
    parser.add_argument("--iterations", type=int, default=5, help="label propagation rounds")
    parser.add_argument("--netlens", help="a netlens binary: open the results with it")
    args = parser.parse_args()
    if os.path.exists(args.out):
        sys.exit(f"{args.out} exists: give a new folder")

    started = time.time()
    spark = (
        SparkSession.builder.master("local[*]")
        .appName("netlens-communities")
        .config("spark.sql.shuffle.partitions", "16")
        .config("spark.driver.memory", "6g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(os.path.join(args.out, "_checkpoints"))
    n, c = args.nodes, args.communities
    per = n // c

    # 1. A planted partition: node v lies in community v % c.
    src = (F.rand(1) * n).cast("long")
    inside = F.rand(2) < args.inside
    other = (F.rand(3) * per).cast("long") * c + src % c
    edges = (
        spark.range(args.edges)
        .select(src.alias("src"), F.when(inside, other).otherwise((F.rand(4) * n).cast("long")).alias("dst"))
        .filter("src != dst and dst < %d" % n)
    )
    edges.write.parquet(os.path.join(args.out, "edges"), compression="snappy")
    edges = spark.read.parquet(os.path.join(args.out, "edges"))
    log(started, f"graph written: {edges.count()} edges")

    # 2. Label propagation over both directions of every edge.
    both = edges.select("src", "dst").union(edges.select(F.col("dst").alias("src"), F.col("src").alias("dst")))
    both = both.repartition(16, "dst").cache()
    labels = spark.range(n).select(F.col("id"), F.col("id").alias("label"))
    best_first = Window.partitionBy("id").orderBy(F.desc("count"), F.asc("label"))
    for round in range(args.iterations):
        heard = both.join(labels, both.dst == labels.id).select(both.src.alias("id"), "label")
        counts = heard.groupBy("id", "label").count()
        best = counts.withColumn("rank", F.row_number().over(best_first)).filter("rank = 1").select("id", "label")
        kept = labels.join(best.withColumnRenamed("label", "heard"), "id", "left")
        labels = kept.select("id", F.coalesce("heard", "label").alias("label")).localCheckpoint()
        log(started, f"label propagation round {round + 1}: {labels.select('label').distinct().count()} labels")

    # 3. The quotient graph, its communities numbered 0.. by size, and the largest one.
    sizes = labels.groupBy("label").agg(F.count("*").alias("size"))
    numbered = sizes.withColumn("id", F.row_number().over(Window.orderBy(F.desc("size"), "label")) - 1)
    numbered = numbered.localCheckpoint()
    community_of = labels.join(numbered.select("label", F.col("id").alias("community")), "label").select("id", "community")
    a = community_of.select(F.col("id").alias("src"), F.col("community").alias("cs"))
    b = community_of.select(F.col("id").alias("dst"), F.col("community").alias("cd"))
    quotient = (
        edges.join(a, "src").join(b, "dst").filter("cs != cd")
        .groupBy(F.col("cs").alias("src"), F.col("cd").alias("dst")).agg(F.count("*").alias("weight"))
    )
    quotient.write.parquet(os.path.join(args.out, "communities", "edges"), compression="snappy")
    numbered.select("id", "size", "label").write.parquet(os.path.join(args.out, "communities", "vertices"))
    log(started, f"quotient graph written: {numbered.count()} communities, {quotient.count()} edges between them")

    members = community_of.filter("community = 0").select("id")
    inner = edges.join(members.select(F.col("id").alias("src")), "src").join(members.select(F.col("id").alias("dst")), "dst")
    inner = inner.select(F.col("src").cast("string").alias("src"), F.col("dst").cast("string").alias("dst"))
    inner.write.parquet(os.path.join(args.out, "community", "edges"), compression="snappy")
    degree = inner.select(F.col("src").alias("id")).union(inner.select(F.col("dst").alias("id"))).groupBy("id").count()
    degree.withColumnRenamed("count", "degree").write.parquet(os.path.join(args.out, "community", "vertices"))
    log(started, f"largest community written: {members.count()} members, {inner.count()} edges")
    spark.stop()

    out = args.out
    commands = [
        ["info", f"{out}/edges"],
        ["render", f"{out}/communities/edges", "--nodes", f"{out}/communities/vertices", "-o", f"{out}/overview.png"],
        ["render", f"{out}/community/edges", "--nodes", f"{out}/community/vertices", "-o", f"{out}/community.png"],
    ]
    for command in commands:
        print("netlens " + " ".join(command))
        if args.netlens:
            start = time.time()
            subprocess.run([args.netlens, *command], check=True)
            print(f"  ({time.time() - start:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
