"""Benchmark: how well "for you" ranks, how long one reader's training takes, and what the page costs.

Fills a database of its own with bench/search.py's synthetic papers (100,000 by default), where
85 % of recommendations are filed under the topic the paper is about and the rest at random
(recommenders disagree). Then makes synthetic readers:

- each is interested in 2 or 3 topics;
- saves 5 to 20 featured papers of those topics from *older* issues, so that every paper of
  theirs in the ranked pool is held out; marks 0 to 3 papers of other topics "not interested";
- follows as readers do, partly and a little stale: each of their topics with probability 0.4,
  one topic outside them with probability 0.3, and the recommender of one saved paper.

Each reader is trained by the portal's own service (``reader_train``, the worker's code) on the
pool the page ranks (papers of the last ``--issues`` issues, about 1,000). A pool paper is
relevant when its topic is one of the reader's. Printed: precision@10 and nDCG@10 of the model
against two baselines on the same readers and pool (recency only; follows first, then recency),
training seconds per reader, and the /for-you/ page beside the issue page (both rendered for a
signed-in reader, interleaved, through Django's test client). Then, for honesty, the same for
readers who follow *all* their topics, where follows alone are much stronger.

    .venv/bin/python bench/for_you.py [--papers 100000] [--readers 200] [--seed 6] [--reuse]

Needs PostgreSQL as ``make test`` does; uses its own database ``paperdaily_bench_foryou``. Prints
FAIL against a missed target but exits 0: it is a measurement, not a test.
"""

import argparse
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search import bench_environment, prepare, use_database  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/paperdaily_bench_foryou"
TOPIC_AGREEMENT = 0.85
NDCG_GAIN_TARGET = 0.30  # the model's nDCG@10 over each baseline's, relative
TRAIN_SECONDS_TARGET = 2.0  # p95 of one reader's training
PAGE_TARGET = 1.5  # /for-you/ median within this multiple of the issue page's
K = 10


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--issues", type=int, default=50, help="issues in the ranked pool (20 papers each)")
    parser.add_argument("--requests", type=int, default=100, help="measured requests per page")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--reuse", action="store_true", help="keep a database already filled at this size")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args()

    os.environ.update(bench_environment(args.database_url))
    os.environ["PAPERDAILY_FOR_YOU_ISSUES"] = str(args.issues)
    os.environ["PAPERDAILY_FOR_YOU_POOL"] = str(args.issues * 20)
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperdaily.settings")
    django.setup()
    base, name = args.database_url.rsplit("/", 1)
    print(f"for-you benchmark: {args.papers:,} papers, {args.readers} readers, seed {args.seed}")
    use_database(name)
    prepare(base, name, papers=args.papers, seed=args.seed, reuse=args.reuse, topic_agreement=TOPIC_AGREEMENT)
    clear_readers()

    rng = random.Random(args.seed)
    world = World.load()
    print(f"pool: {len(world.pool):,} papers of the last {args.issues} issues; {len(world.topics)} topics")
    readers = [world.make_reader(rng, index) for index in range(args.readers)]
    create(readers)
    rows = evaluate(world, readers)
    report(rows, title="Readers as they follow (partly)")
    timing(rows)
    pages(readers, requests=args.requests, rng=rng)

    # Sensitivity: the same readers following every topic of theirs (a subset, retrained).
    subset = readers[: max(20, args.readers // 4)]
    follow_all(subset, world)
    report(evaluate(world, subset), title=f"The first {len(subset)} readers, following all their topics", gate=False)


# --- The world and its readers


class World:
    """The pool the page ranks, each featured paper's topic and recommenders, and older papers by topic."""

    @classmethod
    def load(cls):
        from recommendations.foryou.services import candidate_ids
        from recommendations.models import Recommendation
        from recommendations.visibility import published_recommendations_q

        world = cls()
        world.pool = candidate_ids()
        pool = set(world.pool)
        world.topic, world.recommender = {}, {}
        rows = Recommendation.objects.filter(published_recommendations_q()).order_by("pk")
        for paper_id, tag_id, recommender_id in rows.values_list("paper_id", "tag_id", "recommender_id"):
            world.topic.setdefault(paper_id, tag_id)
            world.recommender.setdefault(paper_id, recommender_id)
        world.older = {}
        for paper_id, tag_id in world.topic.items():
            if paper_id not in pool:
                world.older.setdefault(tag_id, []).append(paper_id)
        world.topics = sorted(world.older)
        return world

    def make_reader(self, rng, index):
        interests = rng.sample(self.topics, rng.choice((2, 3)))
        candidates = [paper for topic in interests for paper in self.older[topic]]
        saved = rng.sample(candidates, rng.randint(5, 20))
        others = [topic for topic in self.topics if topic not in interests]
        dismissed = [rng.choice(self.older[rng.choice(others)]) for _ in range(rng.randint(0, 3))]
        follows = {"tags": [topic for topic in interests if rng.random() < 0.4], "recommenders": []}
        if rng.random() < 0.3:
            follows["tags"].append(rng.choice(others))
        follows["recommenders"].append(self.recommender[rng.choice(saved)])
        return {
            "name": f"bench-reader-{index:04d}",
            "interests": set(interests),
            "saved": saved,
            "dismissed": [paper for paper in dict.fromkeys(dismissed) if paper not in saved],
            "follows": follows,
        }


def clear_readers():
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username__startswith="bench-reader-").delete()


def create(readers):
    from django.contrib.auth import get_user_model

    from recommendations.models import Follow, LibraryItem

    users = get_user_model().objects
    for reader in readers:
        user = users.create_user(reader["name"], f"{reader['name']}@example.org", "bench-only-password")
        reader["user_id"] = user.pk
        LibraryItem.objects.bulk_create(
            [LibraryItem(user=user, paper_id=paper) for paper in reader["saved"]]
            + [LibraryItem(user=user, paper_id=paper, state="not_interested") for paper in reader["dismissed"]]
        )
        Follow.objects.bulk_create(
            [Follow(user=user, tag_id=tag) for tag in dict.fromkeys(reader["follows"]["tags"])]
            + [Follow(user=user, recommender_id=rec) for rec in dict.fromkeys(reader["follows"]["recommenders"])]
        )


def follow_all(readers, world):
    from recommendations.models import Follow

    for reader in readers:
        missing = reader["interests"] - set(reader["follows"]["tags"])
        Follow.objects.bulk_create([Follow(user_id=reader["user_id"], tag_id=tag) for tag in missing])
        reader["follows"]["tags"] = [*reader["follows"]["tags"], *missing]


# --- Measuring


def evaluate(world, readers):
    from recommendations.foryou.services import rank_by_follows, reader_train
    from recommendations.models import ForYouPick

    rows = []
    for reader in readers:
        started = time.perf_counter()
        reader_train(user_id=reader["user_id"], force=True)
        seconds = time.perf_counter() - started
        labelled = set(reader["saved"]) | set(reader["dismissed"])
        relevant = {paper for paper in world.pool if world.topic.get(paper) in reader["interests"]} - labelled
        model = list(
            ForYouPick.objects.filter(user_id=reader["user_id"]).order_by("rank").values_list("paper_id", flat=True)[:K]
        )
        recency = [paper for paper in world.pool if paper not in labelled][:K]
        follows = [
            pick.paper_id
            for pick in rank_by_follows(user_id=reader["user_id"], candidates=world.pool, exclude=labelled)
        ][:K]
        rows.append(
            {
                "seconds": seconds,
                "relevant": len(relevant),
                **{
                    method: (precision(ranked, relevant), ndcg(ranked, relevant))
                    for method, ranked in (("model", model), ("recency", recency), ("follows", follows))
                },
            }
        )
    return rows


def precision(ranked, relevant):
    return sum(paper in relevant for paper in ranked[:K]) / K


def ndcg(ranked, relevant):
    dcg = sum(1 / math.log2(i + 2) for i, paper in enumerate(ranked[:K]) if paper in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(K, len(relevant))))
    return dcg / ideal if ideal else 0.0


def mean_and_interval(values):
    mean = statistics.fmean(values)
    half = 1.96 * statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else 0.0
    return mean, half


def report(rows, *, title, gate=True):
    print(
        f"\n== {title}: {len(rows)} readers, "
        f"{statistics.fmean(r['relevant'] for r in rows):.0f} relevant pool papers each on average"
    )
    ndcgs = {method: statistics.fmean(r[method][1] for r in rows) for method in ("model", "recency", "follows")}
    print("| method | P@10 | nDCG@10 (95 % interval) | model's nDCG@10 vs this |")
    print("|---|---|---|---|")
    for method, label in (
        ("model", "for you (model + follows)"),
        ("follows", "follows, then recency"),
        ("recency", "recency only"),
    ):
        p_mean, p_half = mean_and_interval([r[method][0] for r in rows])
        n_mean, n_half = mean_and_interval([r[method][1] for r in rows])
        gain = (
            ""
            if method == "model"
            else f"{(ndcgs['model'] / ndcgs[method] - 1) * 100:+.0f} %"
            if ndcgs[method]
            else "n/a"
        )
        print(f"| {label} | {p_mean:.3f} ± {p_half:.3f} | {n_mean:.3f} ± {n_half:.3f} | {gain} |")
    if gate:
        for method in ("follows", "recency"):
            gain = ndcgs["model"] / ndcgs[method] - 1 if ndcgs[method] else math.inf
            verdict = "PASS" if gain >= NDCG_GAIN_TARGET else "FAIL"
            print(f"{verdict} model vs {method}: {gain * 100:+.0f} % nDCG@10 (target +{NDCG_GAIN_TARGET * 100:.0f} %)")


def timing(rows):
    seconds = sorted(r["seconds"] for r in rows)
    p95 = seconds[min(len(seconds) - 1, int(len(seconds) * 0.95))]
    verdict = "PASS" if p95 <= TRAIN_SECONDS_TARGET else "FAIL"
    print(
        f"\ntraining one reader (reader_train, all of it): median {statistics.median(seconds):.2f} s, "
        f"p95 {p95:.2f} s, max {seconds[-1]:.2f} s: {verdict} (target p95 <= {TRAIN_SECONDS_TARGET} s)"
    )


def pages(readers, *, requests, rng):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from recommendations.models import Issue

    latest = Issue.objects.published().order_by("-number").values_list("number", flat=True).first()
    clients = []
    for reader in readers[:10]:
        client = Client()
        client.force_login(get_user_model().objects.get(pk=reader["user_id"]))
        clients.append(client)
    paths = {"for you": "/for-you/", "issue page": f"/issues/{latest}/"}
    times = {label: [] for label in paths}
    for turn in range(requests + 10):
        for label, path in rng.sample(list(paths.items()), 2):
            client = clients[turn % len(clients)]
            started = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (path, response.status_code)
            if turn >= 10:  # the first ten warm up
                times[label].append(elapsed)
    print("\n| page (signed in, rendered) | median ms | p95 ms |")
    print("|---|---|---|")
    for label, values in times.items():
        values.sort()
        print(f"| {label} | {statistics.median(values):.1f} | {values[int(len(values) * 0.95) - 1]:.1f} |")
    ratio = statistics.median(times["for you"]) / statistics.median(times["issue page"])
    verdict = "PASS" if ratio <= PAGE_TARGET else "FAIL"
    print(f"{verdict} /for-you/ median = {ratio:.2f} x the issue page's (target <= {PAGE_TARGET} x)")


if __name__ == "__main__":
    main()
