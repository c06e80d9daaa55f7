"""Transcript PDF speed: our transcript vs a bare WeasyPrint document of the same page count, and
cohort throughput with a process pool.

    .venv/bin/python bench/bench_pdf.py            # 2- and 10-page ratios + 1000-student cohort
    .venv/bin/python bench/bench_pdf.py --quick    # 50 students
    .venv/bin/python bench/bench_pdf.py --students 200 --workers 2 --repeat 7

Target (issue 5): transcript time ≤ 1.2 × the bare document with the same number of pages.
WeasyPrint is ~2× faster with HarfBuzz's subsetting library (Debian libharfbuzz-subset0); the bench
prints whether it is present.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from issuer.services.transcripts import (  # noqa: E402
    CohortJob,
    StoredCredential,
    generate_cohort,
    make_clr,
    render_transcript_pdf,
    transcript_links,
)
from tests.badges import test_transcript_data as data  # noqa: E402
from tests.conftest import NOW  # noqa: E402

SUBJECTS = ("Mathematics", "English", "Science", "History", "World Languages", "Arts")


def harfbuzz_subset() -> str:
    try:
        out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return "unknown (no ldconfig)"
    lines = [ln.strip() for ln in out.splitlines() if "harfbuzz-subset" in ln]
    return "present: " + lines[0] if lines else "ABSENT (install libharfbuzz-subset0 for ~2x faster PDFs)"


def synthetic_badges(n_competencies: int) -> dict[str, dict]:
    """n academic/habits competencies (one badge each, two for every third) plus two ELOs."""
    creds: dict[str, dict] = {}
    for i in range(n_competencies):
        area = "habits" if i % 5 == 4 else "academic"
        subject = SUBJECTS[i % len(SUBJECTS)] if area == "academic" else None
        code = f"{'HOW' if area == 'habits' else subject[:3].upper()}.{i + 1}"
        name = f"Competency {i + 1}: apply and explain ideas in context"
        for j in range(2 if i % 3 == 0 else 1):
            key = f"c{i}-{j}"
            creds[key] = data.badge(key, name=f"Badge {key}", area=area, subject=subject,
                                    competencies=[(code, name)], ratings=[3 + j, 3], evidence=1 + (i % 4),
                                    issued=NOW - timedelta(days=300 - i - j))
    for k in range(2):
        key = f"elo{k}"
        creds[key] = data.badge(key, name=f"Internship {k + 1}", area="elo", competencies=[(f"ELO.{k}", "Works with a partner")],
                                ratings=[3], extra_subject={"source": {"id": f"https://partner{k}.example",
                                                                       "type": ["Profile"], "name": f"Partner {k + 1}"}})
    for n, cred in enumerate(creds.values()):
        cred["id"] = f"{data.BASE}/badges/00000000-0000-4000-8000-{n + 1:012d}"
    return creds


def signed(creds: dict[str, dict]) -> list[StoredCredential]:
    from badges.signing import sign

    s = data.signer()
    return [StoredCredential(json.dumps(sign(c, signer=s, created=NOW), ensure_ascii=False)) for c in creds.values()]


def page_count(pdf: bytes) -> int:
    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def bare_html(paragraphs: int) -> str:
    body = "".join(f"<p>Paragraph {i}: the quick brown fox jumps over the lazy dog, again and again, "
                   f"so that the line wraps at least once on an A4 page.</p>" for i in range(paragraphs))
    return f"<!DOCTYPE html><html lang='en'><head><title>bare</title><style>@page {{ size: A4 }}</style></head><body>{body}</body></html>"


def render_bare(paragraphs: int) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=bare_html(paragraphs)).write_pdf()


def bare_matching(pages: int) -> int:
    """Paragraph count whose bare document has exactly ``pages`` pages (bisection)."""
    lo, hi = 1, 40 * pages
    while lo < hi:
        mid = (lo + hi) // 2
        if page_count(render_bare(mid)) < pages:
            lo = mid + 1
        else:
            hi = mid
    return lo


def timed(fns: dict, repeat: int) -> dict[str, float]:
    """Best-of-``repeat`` seconds per function, run interleaved so that load from other processes
    on a shared machine hits every variant alike (the minimum is the least disturbed run)."""
    for fn in fns.values():
        fn()  # warm-up: fonts, caches, imports
    samples: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for key, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            samples[key].append(time.perf_counter() - t0)
    return {k: min(v) for k, v in samples.items()}


def transcript_for_pages(target: int) -> tuple[object, object, int]:
    links = transcript_links(data.BASE, "00000000-0000-4000-8000-00000000beef")
    n = 2
    while True:
        creds = synthetic_badges(n)
        stored = signed(creds)
        made = make_clr(stored, learner=data.learner(), issuer=data.issuer_profile(), links=links,
                        signer=data.signer(), now=NOW)
        pages = page_count(render_transcript_pdf(made.clr_json, statuses=made.statuses, scale=data.SCALE,
                                                 base_url=data.BASE, links=links, now=NOW))
        if pages >= target:
            return made, links, pages
        n = max(n + 1, int(n * target / max(pages, 1) * 0.95))


def bench_pages(target: int, repeat: int) -> dict:
    from issuer.render.pdf import render_html_pdf
    from issuer.render.templating import TEMPLATES_DIR, render_template
    from issuer.services.transcripts import PDF_TEMPLATE, transcript_context

    made, links, pages = transcript_for_pages(target)

    def ours():
        return render_transcript_pdf(made.clr_json, statuses=made.statuses, scale=data.SCALE, base_url=data.BASE,
                                     links=links, now=NOW)

    # "floor": the very same HTML, CSS, fonts and images through WeasyPrint alone — no view building,
    # QR generation, attachment or tagging — i.e. what our pipeline adds on top of WeasyPrint.
    ctx = transcript_context(made.clr, statuses=made.statuses, scale=data.SCALE, base_url=data.BASE, links=links,
                             now=NOW)
    html = render_template(PDF_TEMPLATE, **ctx)

    def floor():
        return render_html_pdf(html, base_dir=TEMPLATES_DIR / "transcript", variant=None)

    paragraphs = bare_matching(pages)
    assert page_count(render_bare(paragraphs)) == pages == page_count(floor())
    t = timed({"ours": ours, "bare": lambda: render_bare(paragraphs), "floor": floor}, repeat)
    return {"target_pages": target, "pages": pages, "badges": len(made.clr["credentialSubject"]["verifiableCredential"]),
            "transcript_s": round(t["ours"], 3), "bare_s": round(t["bare"], 3), "floor_s": round(t["floor"], 3),
            "ratio": round(t["ours"] / t["bare"], 2), "ratio_floor": round(t["ours"] / t["floor"], 2),
            "per_page_ms": round(1000 * t["ours"] / pages, 1)}


def bench_cohort(students: int, workers: int | None, render: bool = True) -> dict:
    stored = tuple(signed(data.unsigned_badges()))
    jobs = [CohortJob(stem=f"student-{i:05d}", learner=data.learner(), credentials=stored,
                      transcript_uuid=f"00000000-0000-4000-8000-{i:012d}") for i in range(students)]
    signer = data.signer()
    last = [0.0]

    def progress(done: int, total: int, result) -> None:
        if not result.ok:
            print(f"  ! {result.stem}: {result.error}", file=sys.stderr)
        if time.perf_counter() - last[0] > 5 or done == total:
            last[0] = time.perf_counter()
            print(f"  cohort {done}/{total}", file=sys.stderr)

    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        results = generate_cohort(jobs, signer_seed=signer.private_bytes(), verification_method=signer.verification_method,
                                  issuer=data.issuer_profile(), base_url=data.BASE, scale=data.SCALE, now=NOW,
                                  out_dir=out, workers=workers, progress=progress, render=render)
        elapsed = time.perf_counter() - t0
    ok = sum(r.ok for r in results)
    return {"students": students, "ok": ok, "workers": workers or os.cpu_count(), "render_pdf": render,
            "seconds": round(elapsed, 1), "students_per_s": round(ok / elapsed, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="50 students, 3 repeats")
    parser.add_argument("--workers", type=int, default=None, help="default: every core")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-cohort", action="store_true")
    parser.add_argument("--skip-pages", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.students, args.repeat = 50, 3
    print(f"libharfbuzz-subset: {harfbuzz_subset()}")
    print(f"cores: {os.cpu_count()}")
    for target in () if args.skip_pages else (2, 10):
        r = bench_pages(target, args.repeat)
        verdict = "OK" if r["ratio"] <= 1.2 else "OVER TARGET"
        print(f"{r['pages']:>2}-page transcript ({r['badges']} badges): {r['transcript_s']:.3f} s "
              f"({r['per_page_ms']} ms/page)\n"
              f"    vs bare document (plain paragraphs, {r['pages']} pages) {r['bare_s']:.3f} s → ratio {r['ratio']} "
              f"(target ≤ 1.2: {verdict})\n"
              f"    vs WeasyPrint alone on the same HTML/CSS/fonts {r['floor_s']:.3f} s → ratio {r['ratio_floor']} "
              f"(pipeline overhead: view, QR codes, attachment, PDF/UA tags)")
    if not args.skip_cohort:
        r = bench_cohort(args.students, args.workers)
        print(f"cohort: {r['ok']}/{r['students']} transcripts (signed CLR + PDF) in {r['seconds']} s on "
              f"{r['workers']} workers → {r['students_per_s']} students/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
