package io.barge.bench.report;

import java.awt.Color;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The report's view by transport family: each family's modes, its best mode (the one that comes closest to bare
 * read at 64 KiB, the size the summary quotes), the one colour each family has on every chart, and the ratios the
 * summary takes, each only between rows of the same size and placement.
 */
final class Families
{
    /** The size the summary's "x bare read" is quoted at. */
    static final int SUMMARY_BYTES = 65536;
    /** The size the summary's two-thread rate is quoted at. */
    static final int TWO_THREAD_BYTES = 64;
    /** The pipeline length the summary's scaling is quoted at. */
    static final int SCALING_HOPS = 8;

    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd), new Color(0x8c564b),
        new Color(0xe377c2), new Color(0x17becf), new Color(0xbcbd22) };
    /** The colour of reference series (bare read, Agrona). */
    static final Color REFERENCE = new Color(0x333333);
    /** The copy baseline's colour: grey, so the zero-copy families stand out against it. */
    static final Color BASELINE = new Color(0x7f7f7f);

    private Families()
    {
    }

    /**
     * @param results a run.
     * @return family name to its rows, in first-seen order.
     */
    static Map<String, List<ReportModel.Row>> byFamily(final ReportModel.Results results)
    {
        final Map<String, List<ReportModel.Row>> families = new LinkedHashMap<>();
        results.results().forEach((r) -> families.computeIfAbsent(r.transport(), (k) -> new ArrayList<>()).add(r));
        return families;
    }

    /**
     * @param rows one family's rows.
     * @return its mode labels, in first-seen order.
     */
    static List<String> modes(final List<ReportModel.Row> rows)
    {
        return rows.stream().map(ReportModel.Row::mode).distinct().collect(Collectors.toList());
    }

    /**
     * The best mode: highest "x bare read" of a touched single-thread crossing at 64 KiB (or the largest size
     * measured below it), else the first mode.
     *
     * @param rows one family's rows.
     * @return its best mode's label.
     */
    static String bestMode(final List<ReportModel.Row> rows)
    {
        final List<ReportModel.Row> touched = rows.stream().filter((r) -> isCrossing(r) && r.touch() &&
            r.relativeToBareRead() != null).collect(Collectors.toList());
        final int size = touched.stream().mapToInt(ReportModel.Row::messageBytes).filter((s) -> s <= SUMMARY_BYTES)
            .max().orElse(touched.stream().mapToInt(ReportModel.Row::messageBytes).min().orElse(-1));
        return touched.stream().filter((r) -> r.messageBytes() == size)
            .max(Comparator.comparingDouble(ReportModel.Row::relativeToBareRead)).map(ReportModel.Row::mode)
            .orElse(rows.get(0).mode());
    }

    /**
     * @param row a row.
     * @return whether it is a single-thread crossing.
     */
    static boolean isCrossing(final ReportModel.Row row)
    {
        return "crossing".equals(row.scenario()) && row.threads() == 1;
    }

    /**
     * @param family   a family name.
     * @param families every family in the run, in order.
     * @return its colour, the same on every chart (copy is always grey).
     */
    static Color colour(final String family, final List<String> families)
    {
        if ("copy".equals(family))
        {
            return BASELINE;
        }
        final List<String> others = families.stream().filter((f) -> !"copy".equals(f)).collect(Collectors.toList());
        final int i = Math.max(0, others.indexOf(family));
        return PALETTE[i % PALETTE.length];
    }

    /**
     * @param base  a family's colour.
     * @param index a mode's index within the family.
     * @param count the family's modes.
     * @return a shade of the family colour, darkest first, so a family's modes stay recognisably its own.
     */
    static Color shade(final Color base, final int index, final int count)
    {
        final double t = count <= 1 ? 0 : 0.6 * index / (count - 1) - 0.25;
        return t < 0 ? mix(base, Color.BLACK, -t) : mix(base, Color.WHITE, t);
    }

    private static Color mix(final Color a, final Color b, final double t)
    {
        return new Color((int)Math.round(a.getRed() + (b.getRed() - a.getRed()) * t),
            (int)Math.round(a.getGreen() + (b.getGreen() - a.getGreen()) * t),
            (int)Math.round(a.getBlue() + (b.getBlue() - a.getBlue()) * t));
    }

    /**
     * Agrona's ring at the same message size and placement as a two-thread row; never across sizes or placements,
     * and never against a mixed window.
     *
     * @param row        a two-thread row.
     * @param references the run's references.
     * @return the matching Agrona reference, if one was measured.
     */
    static Optional<ReportModel.Reference> agrona(final ReportModel.Row row,
        final List<ReportModel.Reference> references)
    {
        return twoThreadReference(row, references, AgronaRingSubject.NAME);
    }

    /**
     * A two-thread reference at the same message size and placement as a two-thread row; never across sizes or
     * placements, and never against a mixed window.
     *
     * @param row        a two-thread row.
     * @param references the run's references.
     * @param name       the reference's name, e.g. {@link CrossCoreLimitSubject#NAME}.
     * @return the matching reference, if one was measured.
     */
    static Optional<ReportModel.Reference> twoThreadReference(final ReportModel.Row row,
        final List<ReportModel.Reference> references, final String name)
    {
        if (row.threads() != 2 || PlacementProbe.MIXED.equals(row.placement()))
        {
            return Optional.empty();
        }
        return references.stream().filter((r) -> r.threads() == 2 && r.name().equals(name) &&
            r.messageBytes() == row.messageBytes() && r.placement().equals(row.placement())).findFirst();
    }

    /**
     * @param bytes      a two-thread row's (or reference's) message size.
     * @param placement  its placement.
     * @param rate       its messages per second.
     * @param references the run's references.
     * @param name       a two-thread reference's name.
     * @return the rate over that reference's at the same size and placement, if measured (never for mixed).
     */
    static Optional<Double> ratioTo(final int bytes, final String placement, final double rate,
        final List<ReportModel.Reference> references, final String name)
    {
        if (PlacementProbe.MIXED.equals(placement))
        {
            return Optional.empty();
        }
        return references.stream().filter((r) -> r.threads() == 2 && r.name().equals(name) &&
            r.messageBytes() == bytes && r.placement().equals(placement)).findFirst()
            .map((r) -> rate / r.messagesPerSecond());
    }

    /**
     * @param rows  rows.
     * @param mode  a mode label.
     * @param hops  hops.
     * @return the pipeline row of that mode and length, if measured.
     */
    static Optional<ReportModel.Row> pipeline(final List<ReportModel.Row> rows, final String mode, final int hops)
    {
        return rows.stream().filter((r) -> "pipeline".equals(r.scenario()) && r.mode().equals(mode) &&
            r.hops() == hops).findFirst();
    }

    /**
     * A short name for a mode in legends and column heads: true flags by name, false ones left out, other options
     * by value ({@code cached=true,volatile=false,integrated=true} is {@code cached+integrated}, {@code mode=tmm} is
     * {@code tmm}).
     *
     * @param mode a mode label, "k=v,..." or "default".
     * @return its short name ("default" stays, all flags false is "plain").
     */
    static String shortMode(final String mode)
    {
        if ("default".equals(mode) || mode.isEmpty())
        {
            return "default";
        }
        final StringBuilder out = new StringBuilder();
        for (final String option : mode.split(","))
        {
            final int eq = option.indexOf('=');
            final String key = eq < 0 ? option : option.substring(0, eq);
            final String value = eq < 0 ? "" : option.substring(eq + 1);
            final String part = "true".equals(value) ? key : "false".equals(value) ? "" : value;
            if (!part.isEmpty())
            {
                out.append(out.length() > 0 ? "+" : "").append(part);
            }
        }
        return out.length() == 0 ? "plain" : out.toString();
    }

    /**
     * @param name a family name.
     * @return an HTML id for its detail section.
     */
    static String anchor(final String name)
    {
        return "family-" + name.replaceAll("[^A-Za-z0-9_-]", "_");
    }
}
