"""The benchmark's synthetic manuals are valid manuals, and its report states each target."""


from safeguarding_manual.tools import bench
from safeguarding_manual.content.corpus import Settings, load, check_references


def test_a_synthetic_manual_is_valid_and_mirrored_for_plain_material(tmp_path):
    full, plain = bench.generate(tmp_path, 60)
    content = load(Settings.from_mkdocs_yml(full))
    assert [f for f in content.findings + check_references(content) if f.severity == "error"] == []
    assert len(content.manual.published) == 60
    assert len(list((plain / "docs").rglob("*.md"))) == 60 + 1  # + its home page
    words = len((full / "procedures/assessment/procedure-0001.md").read_text().split())
    assert 1000 < words < 2500


def test_the_report_says_which_targets_are_met():
    row = {"n": 500, "build_s": 15.0, "plain_material_s": 29.0, "checks_s": 0.8, "preview_s": 1.4,
           "page_bytes": 40_000, "search_index_bytes": 5_000_000, "search_index_gzip_bytes": 5_000_000,
           "cold_page_bytes": 100 * 1024, "search_bytes": 120 * 1024}
    row.update(build_ratio=15 / 29, checks_ratio=0.8 / 15, cold_build_s=18.0, cold_ratio=18 / 29)
    small = dict(row, n=100, build_s=5.0, build_ratio=1.3)
    page = bench.markdown_report({"machine": {"platform": "Linux", "cpus": 2, "python": "3.11"},
                                  "repeat": 3, "sizes": [small, row],
                                  "growth": {"n_ratio": 5, "build_time_ratio": 3}})
    assert "| Full strict build ≤ 0.5 × plain Material | 0.52 × (15.0 s against 29.0 s) | **no** |" in page
    assert "| Preview after saving one procedure ≤ 1 s | 1.40 s | **no** |" in page
    assert "| Both checks ≤ 1 s and ≤ 0.1 × the build | 0.80 s, 0.053 × | yes |" in page
    assert "| Cold procedure page + one search ≤ 250 KB | 100 + 120 = 220 KB | yes |" in page
    assert "| The first build, nothing cached (new content, or a cleared cache) | 0.62 × (18.0 s) | — |" in page
    assert "no worse than linear" in page
