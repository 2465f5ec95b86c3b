package io.barge.bench.report;

import io.barge.fbufs.OverheadTable;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static io.barge.bench.report.HtmlReport.esc;
import static io.barge.bench.report.HtmlReport.num;

/**
 * The page's summary (each family's best mode: x bare read at 64 KiB, two-thread 64 B rate against Agrona at the
 * same size and placement, two-thread 64 KiB against the cross-core limit and Aeron IPC, 8-hop scaling, each with
 * its spread, linked to the family's detail) and the overhead
 * table (the seed's list beside the measured counts).
 */
final class HtmlSummary
{
    private HtmlSummary()
    {
    }

    /** The summary's figures for one family. */
    record Figures(String family, String bestMode, String bareRead, String twoThread, String twoThreadBulk,
        String scaling)
    {
    }

    /**
     * @param results the run.
     * @return one line of figures per family.
     */
    static List<Figures> figures(final ReportModel.Results results)
    {
        final Map<String, List<ReportModel.Row>> families = Families.byFamily(results);
        return families.entrySet().stream().map((e) -> figures(e.getKey(), e.getValue(), results.references()))
            .toList();
    }

    private static Figures figures(final String family, final List<ReportModel.Row> rows,
        final List<ReportModel.Reference> references)
    {
        final String best = Families.bestMode(rows);
        final String bareRead = rows.stream().filter((r) -> Families.isCrossing(r) && r.touch() &&
                r.mode().equals(best) && r.messageBytes() == Families.SUMMARY_BYTES && r.relativeToBareRead() != null)
            .findFirst().map((r) -> num(r.relativeToBareRead()) + " (" + num(r.spread().min() * r.messageBytes() /
                r.bareReadBytesPerSecond()) + " to " + num(r.spread().max() * r.messageBytes() /
                r.bareReadBytesPerSecond()) + ")").orElse("not measured");
        // Two-thread rows that exist but never settled at one placement get no ratio; say so rather than "not measured".
        String twoThread = rows.stream().anyMatch((r) -> r.threads() == 2 && r.mode().equals(best) &&
            r.messageBytes() == Families.TWO_THREAD_BYTES) ? "no window settled at near or far (mixed only): no " +
            "ratio" : "not measured";
        for (final String placement : List.of(PlacementProbe.NEAR, PlacementProbe.FAR))
        {
            final Optional<ReportModel.Row> row = rows.stream().filter((r) -> r.threads() == 2 &&
                r.mode().equals(best) && r.messageBytes() == Families.TWO_THREAD_BYTES &&
                r.placement().equals(placement)).findFirst();
            final Optional<ReportModel.Reference> agrona = row.flatMap((r) -> Families.agrona(r, references));
            if (row.isPresent() && agrona.isPresent())
            {
                final ReportModel.Row r = row.get();
                twoThread = num(r.messagesPerSecond()) + " msg/s = " + num(r.messagesPerSecond() /
                    agrona.get().messagesPerSecond()) + " x Agrona, " + placement + " (" + num(r.spread().min()) +
                    " to " + num(r.spread().max()) + ")";
                break;
            }
        }
        final Optional<ReportModel.Row> one = Families.pipeline(rows, best, 1);
        final Optional<ReportModel.Row> eight = Families.pipeline(rows, best, Families.SCALING_HOPS);
        final String scaling = one.isPresent() && eight.isPresent() ?
            String.format(Locale.ROOT, "%s of 1 hop's rate (%s to %s)",
                num(eight.get().messagesPerSecond() / one.get().messagesPerSecond()),
                num(eight.get().spread().min() / one.get().messagesPerSecond()),
                num(eight.get().spread().max() / one.get().messagesPerSecond())) : "not measured";
        return new Figures(family, best, bareRead, twoThread, twoThreadBulk(rows, best, references), scaling);
    }

    /**
     * The best mode's two-thread rate at 64 KiB over the cross-core limit and over Aeron IPC, both at the same size
     * and placement (near first, else far).
     */
    private static String twoThreadBulk(final List<ReportModel.Row> rows, final String best,
        final List<ReportModel.Reference> references)
    {
        String text = rows.stream().anyMatch((r) -> r.threads() == 2 && r.mode().equals(best) &&
            r.messageBytes() == Families.SUMMARY_BYTES) ? "no window settled at near or far (mixed only): no ratio" :
            "not measured";
        for (final String placement : List.of(PlacementProbe.NEAR, PlacementProbe.FAR))
        {
            final Optional<ReportModel.Row> row = rows.stream().filter((r) -> r.threads() == 2 &&
                r.mode().equals(best) && r.messageBytes() == Families.SUMMARY_BYTES &&
                r.placement().equals(placement)).findFirst();
            if (row.isPresent())
            {
                final ReportModel.Row r = row.get();
                final Optional<Double> limit = Families.ratioTo(r.messageBytes(), placement, r.messagesPerSecond(),
                    references, CrossCoreLimitSubject.NAME);
                final Optional<Double> aeron = Families.ratioTo(r.messageBytes(), placement, r.messagesPerSecond(),
                    references, AeronIpcSubject.NAME);
                if (limit.isPresent() || aeron.isPresent())
                {
                    return num(r.bytesPerSecond() / 1e9) + " GB/s = " + limit.map(HtmlReport::num).orElse("-") +
                        " x cross-core limit, " + aeron.map(HtmlReport::num).orElse("-") + " x Aeron IPC, " +
                        placement;
                }
                text = "no reference settled at " + placement;
            }
        }
        return text;
    }

    /**
     * @param html    the page so far.
     * @param results the run.
     */
    static void summary(final StringBuilder html, final ReportModel.Results results)
    {
        html.append("<section id=\"summary\"><h2>Summary</h2>\n<p>Each family's best mode (the one closest to bare ")
            .append("read at 64 KiB). In brackets: the slowest and fastest measured iteration. Every ratio is taken ")
            .append("between rows of the same message size and placement, measured in the same JVM.</p>\n")
            .append("<table class=\"summary\"><tr><th class=\"l\">family</th><th class=\"l\">best mode</th>")
            .append("<th>x bare read, 64 KiB, touched</th><th>two threads, 64 B</th>")
            .append("<th>two threads, 64 KiB, touched</th><th>8 hops at 64 KiB</th></tr>\n");
        final List<Figures> figures = figures(results);
        if (figures.isEmpty())
        {
            html.append("<tr><td class=\"l\" colspan=\"6\">no transport was measured</td></tr>\n");
        }
        for (final Figures f : figures)
        {
            html.append("<tr><td class=\"l\"><a href=\"#").append(Families.anchor(f.family())).append("\">")
                .append(esc(f.family())).append("</a></td><td class=\"l\">").append(esc(f.bestMode()))
                .append("</td><td>").append(f.bareRead()).append("</td><td>").append(f.twoThread())
                .append("</td><td>").append(f.twoThreadBulk()).append("</td><td>").append(f.scaling())
                .append("</td></tr>\n");
        }
        html.append("</table></section>\n");
    }

    /**
     * @param html      the page so far.
     * @param overheads the measured table (empty when fbufs was not measured).
     */
    static void overheads(final StringBuilder html, final List<ReportModel.Overhead> overheads)
    {
        html.append("<section id=\"overheads\"><h2>The seed's sources of fbuf overhead, measured</h2>\n");
        if (overheads.isEmpty())
        {
            html.append("<p>fbufs was not measured in this run.</p></section>\n");
            return;
        }
        final ReportModel.Overhead first = overheads.get(0);
        html.append("<p>Per combination of cached, volatile and integrated: the seed's list of the items that ")
            .append("remain (a fixed copy of seed 004's slides; items it strikes out are struck), and beside it ")
            .append("the operations per message Barge's counters show for each item, counted in the phase and ")
            .append("domain where the seed puts it (").append(HtmlReport.size(first.messageBytes()))
            .append(" messages, one page, one crossing, steady state). A shaded count is where Barge differs from ")
            .append("the seed; the last column says why.</p>\n<table class=\"overheads\"><tr>")
            .append("<th class=\"l\">combination</th><th class=\"l\">seed's list</th>");
        for (final String item : OverheadTable.ITEMS)
        {
            html.append("<th title=\"").append(esc(OverheadTable.ITEM_TEXT.get(item))).append("\">").append(item)
                .append("</th>");
        }
        html.append("<th class=\"l\">where Barge differs, and why</th></tr>\n");
        for (final ReportModel.Overhead o : overheads)
        {
            html.append("<tr><td class=\"l\">").append(esc(o.combination())).append("</td><td class=\"l\">");
            for (final String item : OverheadTable.ITEMS)
            {
                html.append(o.seedItems().contains(item) ? item : "<s>" + item + "</s>").append(' ');
            }
            html.append("<br><small>").append(esc(o.seedSource())).append("</small></td>");
            for (final String item : OverheadTable.ITEMS)
            {
                final boolean differs = o.seedItems().contains(item) != o.incurred().contains(item);
                html.append("<td").append(differs ? " class=\"differs\"" : "").append(">")
                    .append(num(o.measured().get(item))).append("</td>");
            }
            html.append("<td class=\"l why\">");
            for (final ReportModel.OverheadDifference d : o.differences())
            {
                html.append("<b>").append(d.item()).append(d.incurred() ? " incurred" : " not incurred")
                    .append("</b>: ").append(esc(d.why())).append("<br>");
            }
            html.append("</td></tr>\n");
        }
        html.append("</table>\n<p class=\"legend\">");
        OverheadTable.ITEM_TEXT.forEach((item, text) -> html.append("<b>").append(item).append("</b> ")
            .append(esc(text)).append(". "));
        html.append("</p>\n<h3>Every counter per message, by combination</h3>\n<table><tr>")
            .append("<th class=\"l\">combination</th>");
        first.counters().keySet().forEach((k) -> html.append("<th>").append(esc(k)).append("</th>"));
        html.append("</tr>\n");
        for (final ReportModel.Overhead o : overheads)
        {
            html.append("<tr><td class=\"l\">").append(esc(o.combination())).append("</td>");
            o.counters().values().forEach((v) -> html.append("<td>").append(num(v)).append("</td>"));
            html.append("</tr>\n");
        }
        html.append("</table></section>\n");
    }
}
