"""Edge crossings between adjacent ranks of a Graphviz drawing, counted the way
taskscope's layout counts its own (`Layout::crossings`), to compare the two.

    cargo run --release -p taskscope-exporters --example layout_bench -- \
        tutorial 1000 --dot /tmp/tutorial.dot
    dot -Tjson /tmp/tutorial.dot > /tmp/tutorial.json
    python3 benches/graphviz_crossings.py /tmp/tutorial.json

Ranks are the distinct heights of node centers. Each edge's spline (cubic Bezier pieces)
is sampled densely and read off where it meets each rank line strictly between its two
ends; at its own ends it takes the node centers, so edges that share an end never cross
(as in the order-based count). Two edges cross between ranks r and r+1 when their left
to right order at r is the reverse of their order at r+1. Quadratic in the edges per
rank pair: fine for a few thousand edges.
"""

import json
import sys


def bezier(points, steps=40):
    out = []
    for i in range(0, len(points) - 3, 3):
        p0, p1, p2, p3 = points[i : i + 4]
        for k in range(steps + 1):
            t = k / steps
            a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t**3
            out.append(
                (
                    a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
                    a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1],
                )
            )
    return out


def x_at(poly, y):
    for (x0, y0), (x1, y1) in zip(poly, poly[1:]):
        if min(y0, y1) - 1e-6 <= y <= max(y0, y1) + 1e-6:
            return x0 if y1 == y0 else x0 + (x1 - x0) * (y - y0) / (y1 - y0)
    return min(poly, key=lambda p: abs(p[1] - y))[0]


def main(path):
    g = json.load(open(path))
    nodes = {o["_gvid"]: tuple(map(float, o["pos"].split(","))) for o in g["objects"]}
    heights = sorted({round(p[1], 1) for p in nodes.values()}, reverse=True)
    rank_of = {y: i for i, y in enumerate(heights)}

    def rank(v):
        return rank_of[round(nodes[v][1], 1)]

    between = {}  # rank r -> [(x at r, x at r + 1)] of every edge passing r..r+1
    for e in g.get("edges", []):
        t, h = e["tail"], e["head"]
        rt, rh = rank(t), rank(h)
        if rt == rh:
            continue
        if rt > rh:
            t, h, rt, rh = h, t, rh, rt
        spline = [
            tuple(map(float, s.split(",")))
            for s in e["pos"].split()
            if not s.startswith(("e,", "s,"))
        ]
        poly = bezier(spline)
        xs = [nodes[t][0]] + [x_at(poly, heights[r]) for r in range(rt + 1, rh)]
        xs.append(nodes[h][0])
        for k, r in enumerate(range(rt, rh)):
            between.setdefault(r, []).append((xs[k], xs[k + 1]))

    crossings = 0
    for segments in between.values():
        for i, a in enumerate(segments):
            for b in segments[i + 1 :]:
                if (a[0] - b[0]) * (a[1] - b[1]) < -1e-9:
                    crossings += 1
    print(f"ranks {len(heights)}, edges {len(g.get('edges', []))}, crossings {crossings}")


if __name__ == "__main__":
    main(sys.argv[1])
