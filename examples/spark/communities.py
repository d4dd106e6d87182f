"""A graph too big to look at, reduced by Spark the way a cluster would, then seen in netlens.

Spark (PySpark in local mode here; the same code runs on a cluster) does the heavy part:
  1. generates a graph with communities: --nodes nodes in --communities groups on a ring,
     --edges edges, a share --inside of them within a group, 99% of the others to one
     of the 4 groups on either side (a planted partition with a large-scale shape); each
     edge has a weight (how often the two interacted: 1 to 10 within a group, 1 or 2
     across), as strong ties within communities have in real data;
  2. finds the communities as the connected components of the strong ties (edges of
     weight >= --min-weight), by min-label propagation until no label changes, in plain
     DataFrame operations (what GraphFrames' connectedComponents does, without its jar);
     label propagation, tried first on this generator (before it had weights), let one
     label take 224k to 306k of the million nodes in 5 or 6 rounds (ties to the smallest
     or a hashed label), or left 56k labels after 10 rounds and one of them on 206k nodes
     (hashed ties, half the nodes moving each round);
  3. writes, as folders of snappy Parquet part files:
       OUT/edges/                   the whole graph (src, dst, weight)
       OUT/communities/edges/       the quotient graph: one node per community, an edge
                                    per pair of communities that share edges (weight:
                                    the summed weights)
       OUT/communities/vertices/    id (0 = the largest), size (members), seed (the
                                    smallest member's id)
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
    parser.add_argument("--min-weight", type=int, default=3, help="weight of a strong tie")
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
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(os.path.join(args.out, "_checkpoints"))
    n, c = args.nodes, args.communities
    per = n // c

    # 1. A planted partition: node v lies in community v % c; communities lie on a ring.
    # Each random draw is a column first, so that dst and weight read the same one.
    draws = spark.range(args.edges).select(
        (F.rand(1) * n).cast("long").alias("src"),
        (F.rand(2) < args.inside).alias("inside"),
        ((F.rand(3) * per).cast("long") * c).alias("member"),
        ((F.rand(4) * 9).cast("long") - 4).alias("step"),
        (F.rand(5) < 0.99).alias("near"),
        (F.rand(6) * n).cast("long").alias("anywhere"),
        F.rand(7).alias("strength"),
    )
    home = F.col("src") % c
    dst = (
        F.when(F.col("inside"), F.col("member") + home)
        .when(F.col("near"), F.col("member") + (home + F.col("step") + c) % c)
        .otherwise(F.col("anywhere"))
    )
    weight = F.when(F.col("inside"), 1 + (F.col("strength") * 10).cast("int")).otherwise(
        1 + (F.col("strength") * 2).cast("int")
    )
    edges = draws.select("src", dst.alias("dst"), weight.alias("weight")).filter("src != dst and dst < %d" % n)
    edges.write.parquet(os.path.join(args.out, "edges"), compression="snappy")
    edges = spark.read.parquet(os.path.join(args.out, "edges"))
    log(started, f"graph written: {edges.count()} edges")

    # 2. Connected components of the strong ties: every node takes the smallest label among
    # itself and its neighbours until no label changes.
    strong = edges.filter(F.col("weight") >= args.min_weight).select("src", "dst")
    both = strong.union(strong.select(F.col("dst").alias("src"), F.col("src").alias("dst")))
    both = both.repartition(16, "dst").cache()
    labels = spark.range(n).select(F.col("id"), F.col("id").alias("label")).localCheckpoint()
    for round in range(1, 100):
        heard = both.join(labels, both.dst == labels.id).groupBy(both.src.alias("id")).agg(F.min("label").alias("heard"))
        updated = labels.join(heard, "id", "left").select(
            "id", F.least("label", F.coalesce("heard", "label")).alias("label"), (F.col("heard") < F.col("label")).alias("moved")
        ).localCheckpoint()
        moved = updated.filter("moved").count()
        labels = updated.select("id", "label")
        log(started, f"components round {round}: {moved} labels moved")
        if moved == 0:
            break

    # 3. The quotient graph, its communities numbered 0.. by size, and the largest one.
    sizes = labels.groupBy("label").agg(F.count("*").alias("size"))
    numbered = sizes.withColumn("id", F.row_number().over(Window.orderBy(F.desc("size"), "label")) - 1)
    numbered = numbered.localCheckpoint()
    community_of = labels.join(numbered.select("label", F.col("id").alias("community")), "label").select("id", "community")
    a = community_of.select(F.col("id").alias("src"), F.col("community").alias("cs"))
    b = community_of.select(F.col("id").alias("dst"), F.col("community").alias("cd"))
    quotient = (
        edges.join(a, "src").join(b, "dst").filter("cs != cd")
        .groupBy(F.col("cs").alias("src"), F.col("cd").alias("dst")).agg(F.sum("weight").alias("weight"))
    )
    quotient.write.parquet(os.path.join(args.out, "communities", "edges"), compression="snappy")
    numbered.select("id", "size", F.col("label").alias("seed")).write.parquet(
        os.path.join(args.out, "communities", "vertices")
    )
    log(started, f"quotient graph written: {numbered.count()} communities, {quotient.count()} edges between them")

    members = community_of.filter("community = 0").select("id")
    inner = edges.join(members.select(F.col("id").alias("src")), "src").join(members.select(F.col("id").alias("dst")), "dst")
    inner = inner.select(F.col("src").cast("string").alias("src"), F.col("dst").cast("string").alias("dst"), "weight")
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
