"""The chart: template-bytes.png, template bytes against N for both constructs."""

from __future__ import annotations

from pathlib import Path

from bench.common import CFN_RESOURCE_LIMIT, CFN_TEMPLATE_BYTES_LIMIT, OURS, THEIRS
from bench.report import Results, machine_line


def plot(results: Results, path: Path) -> None:
    """Write template-bytes.png: template bytes vs N for both constructs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    templates = results.templates
    figure, axes = plt.subplots(figsize=(8, 5), dpi=110)
    for (kind, figures), color, marker in zip(
        templates.items(), ("tab:blue", "tab:orange"), ("o", "s"), strict=True
    ):
        xs = sorted(figures)
        ys = [figures[n].bytes for n in xs]
        axes.plot(xs, ys, color=color, marker=marker, label=kind)
        for x, y in zip(xs, ys, strict=True):
            entry = figures[x]
            if not entry.deployable:
                axes.scatter([x], [y], s=160, facecolors="white", edgecolors=color, zorder=3)
                axes.annotate(
                    f"{entry.resources} resources: over the {CFN_RESOURCE_LIMIT} limit\n"
                    "(synth fails; measured with the check lifted)",
                    (x, y),
                    textcoords="offset points",
                    xytext=(-12, 8),
                    ha="right",
                    va="bottom",
                    fontsize=8,
                    color=color,
                )
            if x < xs[-1] / 4:
                continue  # the small-N points crowd the origin; their figures are in the table
            axes.annotate(
                f"{y / 1000:,.0f} kB",
                (x, y),
                textcoords="offset points",
                xytext=(8, -12),
                fontsize=8,
                color=color,
            )
    per_resource = results.bytes_per_resource
    axes.set_title(
        "CloudFormation template bytes vs resources in one stack\n"
        f"per added resource: {OURS} {per_resource.ours.bytes_per_resource:,.0f} B, "
        f"{THEIRS} {per_resource.theirs.bytes_per_resource:,.0f} B "
        f"(ratio {per_resource.ratio:.3f})",
        fontsize=10,
    )
    axes.set_xlabel("N (resources declared in the stack)")
    axes.set_ylabel("template bytes (as CDK writes them)")
    largest = max(entry.bytes for _kind, figures in templates.items() for entry in figures.values())
    sizes_all = sorted({n for _kind, figures in templates.items() for n in figures})
    legend_top = 1.0
    if largest > CFN_TEMPLATE_BYTES_LIMIT / 2:
        axes.axhline(CFN_TEMPLATE_BYTES_LIMIT, color="grey", linestyle="--", linewidth=1)
        axes.annotate(
            "CloudFormation's template size limit (1 MB, through S3)",
            (sizes_all[-1], CFN_TEMPLATE_BYTES_LIMIT),
            textcoords="offset points",
            xytext=(0, 5),
            ha="right",
            fontsize=8,
            color="grey",
        )
        axes.set_ylim(top=CFN_TEMPLATE_BYTES_LIMIT * 1.08)
        legend_top = 0.9
    # Small N crowd the origin: label 1 and the N at or above a tenth of the largest.
    axes.set_xticks([n for n in sizes_all if n == sizes_all[0] or n >= sizes_all[-1] / 10])
    axes.set_ylim(bottom=0)
    axes.set_xlim(left=0)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value / 1000:,.0f} kB"))
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", bbox_to_anchor=(0, legend_top))
    figure.text(
        0.99,
        0.01,
        machine_line(results.machine).replace("`", ""),
        fontsize=6,
        ha="right",
        va="bottom",
        color="grey",
    )
    figure.tight_layout(rect=(0, 0.03, 1, 1))
    figure.savefig(path, metadata={"Software": None})
    plt.close(figure)
