package io.barge.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks the structure of {@code index.html} a reader depends on: a summary at the top whose families link to a
 * detail section that exists, every chart an inline image followed by the table of its numbers, every chart's axes
 * named with a unit in brackets. Returns what is wrong, so a test can list it all.
 */
final class ReportPageCheck
{
    private static final Pattern FIGURE = Pattern.compile("<figure class=\"chart\" id=\"chart-([^\"]+)\">(.*?)</figure>",
        Pattern.DOTALL);
    private static final Pattern AXES = Pattern.compile("Axes: x ([^<]*?\\([^)]+\\)[^<]*?), y ([^<]*?\\([^)]+\\))");
    private static final Pattern SUMMARY_LINK = Pattern.compile("<a href=\"#(family-[^\"]+)\">");

    private ReportPageCheck()
    {
    }

    /**
     * @param html     the page.
     * @param families the families the run measured.
     * @return problems, empty if none.
     */
    static List<String> check(final String html, final List<String> families)
    {
        final List<String> problems = new ArrayList<>();
        final int summary = html.indexOf("<section id=\"summary\">");
        final int firstFigure = html.indexOf("<figure");
        if (summary < 0 || (firstFigure >= 0 && summary > firstFigure))
        {
            problems.add("no summary section before the charts");
        }
        else
        {
            final String summaryHtml = html.substring(summary, html.indexOf("</section>", summary));
            final Matcher links = SUMMARY_LINK.matcher(summaryHtml);
            final List<String> linked = new ArrayList<>();
            while (links.find())
            {
                linked.add(links.group(1));
                if (!html.contains("<section id=\"" + links.group(1) + "\">"))
                {
                    problems.add("summary links to #" + links.group(1) + ", which does not exist");
                }
            }
            for (final String family : families)
            {
                if (!linked.contains(Families.anchor(family)))
                {
                    problems.add("family " + family + " has no line in the summary");
                }
            }
        }
        final Matcher figures = FIGURE.matcher(html);
        int count = 0;
        while (figures.find())
        {
            count++;
            final String name = figures.group(1);
            final String body = figures.group(2);
            final int image = body.indexOf("<img alt=\"");
            final int table = body.indexOf("<table class=\"data\">");
            if (image < 0 || !body.contains("src=\"data:image/png;base64,"))
            {
                problems.add("chart " + name + " has no inline image");
            }
            if (table < 0 || table < image)
            {
                problems.add("chart " + name + " has no data table under its image");
            }
            else if (!body.substring(table).contains("<td>"))
            {
                problems.add("chart " + name + "'s data table is empty");
            }
            if (!AXES.matcher(body).find())
            {
                problems.add("chart " + name + " does not name both axes with a unit in brackets");
            }
        }
        if (count == 0)
        {
            problems.add("no chart at all");
        }
        if (!html.contains("<section id=\"overheads\">"))
        {
            problems.add("no overhead table");
        }
        return problems;
    }

    private static final Pattern ROW = Pattern.compile("<tr>(.*?)</tr>", Pattern.DOTALL);
    private static final Pattern CELL = Pattern.compile("<t[hd][^>]*>(.*?)</t[hd]>", Pattern.DOTALL);

    /**
     * @param html the page.
     * @param name a chart's name.
     * @return the cells of the data table under that chart, headings first, one list per table row; empty if the
     *         page has no such chart.
     */
    static List<List<String>> chartTable(final String html, final String name)
    {
        final List<List<String>> rows = new ArrayList<>();
        final Matcher figures = FIGURE.matcher(html);
        while (figures.find())
        {
            if (figures.group(1).equals(name))
            {
                final String body = figures.group(2);
                final int table = body.indexOf("<table class=\"data\">");
                final Matcher row = ROW.matcher(body.substring(Math.max(0, table)));
                while (table >= 0 && row.find())
                {
                    final List<String> cells = new ArrayList<>();
                    final Matcher cell = CELL.matcher(row.group(1));
                    while (cell.find())
                    {
                        cells.add(cell.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
                            .replace("&quot;", "\""));
                    }
                    rows.add(cells);
                }
            }
        }
        return rows;
    }

    /**
     * @param html the page.
     * @return the chart names, in page order.
     */
    static List<String> charts(final String html)
    {
        final List<String> names = new ArrayList<>();
        final Matcher figures = FIGURE.matcher(html);
        while (figures.find())
        {
            names.add(figures.group(1));
        }
        return names;
    }
}
