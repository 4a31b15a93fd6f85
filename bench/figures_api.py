"""Benchmark: three figure uploads at once through POST /api/recommendations/ on gunicorn, and a worker's memory.

Fills a small database of its own (``paperdaily_bench_figures``, dropped and created afresh:
one topic, three recommenders with API tokens), starts gunicorn as docker-compose.yml does
(``--workers 3``; ``--threads`` for a threaded worker) with its address space capped at 4 GB,
warms every worker with a small figure, then for each file sends it three times at once, each
under another recommender, and prints the answers and, for each worker, its resident size
before, its peak (``VmHWM``, reset just before) and after.

    .venv/bin/python bench/figures_api.py [--workers 3] [--threads 1] [--code DIR]

``--code`` runs another checkout (an older commit, say, unpacked with ``git archive``) against
the same files. Needs PostgreSQL and Redis as ``make test`` does: the fetches that accepted
recommendations enqueue go to ``REDIS_URL`` (use your own database number), and the external
APIs point at a closed local port, so nothing leaves the machine.
"""

import argparse
import io
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
import requests
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import ADDRESS_SPACE, ENVIRONMENT, _encode, _figure  # noqa: E402 - bench/ is not a package

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/paperdaily_bench_figures"
PORT = 18733
NOWHERE = "http://127.0.0.1:9/"  # a closed port: no fetch leaves the machine
FILL = """
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from papers.models import Area, Tag
from recommendations.models import Recommender
area = Area.objects.create(code="CV", name="Computer Vision", position=1)
Tag.objects.create(slug="bench-figures", name="Bench figures", area=area, approved=True)
for i in range(3):
    user = get_user_model().objects.create_user(username=f"bench{i}", email=f"bench{i}@example.org")
    Recommender.objects.create(user=user, handle=f"bench{i}")
    print("token", Token.objects.create(user=user).key)
"""


def environment(database_url):
    return {
        **os.environ,
        **ENVIRONMENT,
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "MEDIA_ROOT": tempfile.mkdtemp(prefix="bench-figures-media-"),
        "PAPERDAILY_RATE_RECOMMEND_USER": "1000/h",
        "PAPERDAILY_RATE_RECOMMEND_IP": "1000/h",
        "PAPERDAILY_ARXIV_API_URL": NOWHERE,
        "PAPERDAILY_CROSSREF_API_URL": NOWHERE,
        "PAPERDAILY_SEMANTIC_SCHOLAR_API_URL": NOWHERE,
        "PAPERDAILY_GITHUB_API_URL": NOWHERE,
    }


def fill(database_url, env, code):
    """A fresh database, migrated, with a topic and three recommenders; returns their API tokens."""
    base, name = database_url.rsplit("/", 1)
    admin = psycopg2.connect(f"{base}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=code, env=env, check=True)  # noqa: S603
    out = subprocess.run(  # noqa: S603
        [*manage, "shell", "-c", FILL], cwd=code, env=env, check=True, capture_output=True, text=True
    ).stdout
    return [line.split()[1] for line in out.splitlines() if line.startswith("token ")]


def files():
    """(name, bytes): the 1.6 KB WebP of 16,000 x 2,490, and the largest WebP and PNG the fixed code accepts."""
    yield "webp-lossless-16000x2490.webp", _encode(Image.new("RGB", (16_000, 2_490), "white"), "WEBP", lossless=True)
    yield "webp-lossless-rgba-2828x2828.webp", _encode(_figure("RGBA", (2828, 2828)), "WEBP", lossless=True)
    yield "png-rgba-4000x4000.png", _encode(_figure("RGBA", (4000, 4000)), "PNG")


def status(pid, field):
    with open(f"/proc/{pid}/status") as lines:
        for line in lines:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for {pid}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--code", default=str(ROOT), help="the checkout to run (default: this one)")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args()
    env = environment(args.database_url)
    tokens = fill(args.database_url, env, args.code)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [
        "prlimit",
        f"--as={ADDRESS_SPACE}",
        str(gunicorn),
        "paperdaily.wsgi:application",
        f"--bind=127.0.0.1:{PORT}",
        f"--workers={args.workers}",
        f"--threads={args.threads}",
        "--timeout=60",
    ]
    master = subprocess.Popen(command, cwd=args.code, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        run(master.pid, tokens, args)
    finally:
        master.send_signal(signal.SIGTERM)
        master.wait(timeout=30)


def post(tokens, i, name, data):
    response = requests.post(
        f"http://127.0.0.1:{PORT}/api/recommendations/",
        headers={"Authorization": f"Token {tokens[i % len(tokens)]}"},
        data={
            "paper_link": f"https://arxiv.org/abs/2401.{random.randint(10_000, 99_999)}",  # noqa: S311
            "tag": "bench-figures",
            "writeup": "A figure upload measured for the memory it costs; nothing more to say about it.",
        },
        files={"figure": (name, data)},
        timeout=120,
    )
    return response.status_code, response.text


def run(master, tokens, args):
    for _ in range(150):
        try:
            if requests.get(f"http://127.0.0.1:{PORT}/healthz", timeout=5).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.2)
    # prlimit runs gunicorn in its own process: the workers are the master's children.
    workers = [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    small = io.BytesIO()
    Image.new("RGB", (640, 480), "teal").save(small, "PNG")
    with ThreadPoolExecutor(3 * len(workers)) as pool:
        list(pool.map(lambda i: post(tokens, i, "warm.png", small.getvalue()), range(3 * len(workers))))
    print(f"gunicorn --workers {args.workers} --threads {args.threads}, code from {args.code}")
    for name, data in files():
        rest = {}
        for pid in workers:
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM
            rest[pid] = status(pid, "VmRSS")
        with ThreadPoolExecutor(3) as pool:
            answers = list(pool.map(lambda i, data=data, name=name: post(tokens, i, name, data), range(3)))
        print(f"{name} ({len(data):,} bytes), 3 at once: HTTP {[code for code, _ in answers]}")
        refused = [text for code, text in answers if code == 400]
        if refused:
            print(f"  {refused[0][:200]}")
        for pid in workers:
            peak = status(pid, "VmHWM")
            print(
                f"  worker {pid}: rest {rest[pid]:.0f} MB, peak {peak:.0f} MB ({peak - rest[pid]:+.0f}), "
                f"after {status(pid, 'VmRSS'):.0f} MB"
            )


if __name__ == "__main__":
    main()
