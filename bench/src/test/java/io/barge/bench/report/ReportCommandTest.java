package io.barge.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.barge.core.transport.TransportOptions;
import io.barge.core.transport.TransportProvider;
import io.barge.core.transport.Transports;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs {@code report} in-process with very short iterations, checks the outputs against the schema and that every
 * installed transport and mode appears, and checks each bad input.
 */
class ReportCommandTest
{
    /** Settings that make a whole run take a second or two. */
    private static final String[] TINY = {"--no-fork", "--no-progress", "--quick", "--sizes", "64,4K",
        "--iteration-millis", "2", "--iterations", "2", "--warmups", "1", "--hops", "1,2",
        "--two-thread-rounds", "1", "--two-thread-sizes", "64", "--memory-frames", "4096",
        "--probe-round-trips", "50"};

    /**
     * Every chart a tiny run always draws: the families side by side, then one per installed family. The two-thread
     * chart is drawn only when some window settled at near or far, which a loaded machine may never give.
     */
    static final List<String> CHARTS = charts();
    private static final String TWO_THREAD_CHART = "two-thread-64";

    private static List<String> charts()
    {
        final List<String> charts = new ArrayList<>(List.of("families-throughput", "families-relative",
            "families-descriptor-rate", "families-pipeline", "families-latency"));
        providers().forEach((p) -> charts.add("family-" + p.name().replaceAll("[^A-Za-z0-9_-]", "_")));
        return List.copyOf(charts);
    }

    @TempDir
    static Path shared;
    private static Path firstRun;
    private static Result first;

    /** Exit code and what the command printed. */
    record Result(int exit, String out, String err)
    {
    }

    @BeforeAll
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    static void runOnce()
    {
        firstRun = shared.resolve("first");
        first = run(firstRun);
    }

    /**
     * @return every installed transport plus the test ring (two modes), which exists only in this test.
     */
    static List<TransportProvider> providers()
    {
        final List<TransportProvider> providers = new ArrayList<>(Transports.installed());
        providers.add(new TestRingTransport());
        return providers;
    }

    static Result run(final Path out, final String... extra)
    {
        final List<String> args = new ArrayList<>(List.of(TINY));
        args.add("--out");
        args.add(out.toString());
        args.addAll(List.of(extra));
        return execute(new ReportCommand(ReportCommandTest::providers), args.toArray(new String[0]));
    }

    static Result execute(final String... args)
    {
        return execute(new ReportCommand(), args);
    }

    static Result execute(final ReportCommand command, final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        final int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void tinyRunWritesEveryOutput()
    {
        assertEquals(0, first.exit(), first.err());
        for (final String chart : CHARTS)
        {
            for (final String ext : List.of(".png", ".svg"))
            {
                assertTrue(Files.isRegularFile(firstRun.resolve(chart + ext)), chart + ext + " missing in " + firstRun);
            }
        }
        assertTrue(Files.isRegularFile(firstRun.resolve("index.html")));
        assertTrue(Files.isRegularFile(firstRun.resolve("results.json")));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void pageIsSelfContained() throws IOException
    {
        assertEquals(0, first.exit(), first.err());
        final String html = Files.readString(firstRun.resolve("index.html"));
        assertFalse(html.contains("http://") || html.contains("https://") || html.contains("<script"),
            "no network and no script");
        final int twoThread = html.contains("id=\"chart-" + TWO_THREAD_CHART + "\"") ? 1 : 0;
        assertEquals(CHARTS.size() + twoThread, html.split("src=\"data:image/png;base64,", -1).length - 1,
            "every chart inline");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void pageHasSummaryChartsWithImagesTablesAndUnits() throws IOException
    {
        assertEquals(0, first.exit(), first.err());
        final String html = Files.readString(firstRun.resolve("index.html"));
        final List<String> families = new ArrayList<>();
        providers().forEach((p) -> families.add(p.name()));
        final List<String> problems = ReportPageCheck.check(html, families);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertEquals(new java.util.TreeSet<>(CHARTS), new java.util.TreeSet<>(ReportPageCheck.charts(html).stream()
            .filter((c) -> !TWO_THREAD_CHART.equals(c)).toList()), "every chart");
        assertEquals(new HashSet<>(ReportPageCheck.charts(html)).size(), ReportPageCheck.charts(html).size(),
            "no chart twice");
        assertTrue(html.contains("descriptor only"), "rows that do not touch are labelled as descriptor rates");
    }

    /**
     * Opens the page in headless Chromium (when one is installed; CI may not have it) and checks what a reader would
     * see: the DOM Chromium built holds every chart with its image and table, and the screenshot is not blank and
     * shows the families' chart colours, so the inline images decoded. The screenshot stays in target/ to look at.
     */
    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void pageRendersInHeadlessChromium() throws IOException, InterruptedException
    {
        final String chromium = Chromium.find();
        org.junit.jupiter.api.Assumptions.assumeTrue(chromium != null, "no chromium binary (looked for " +
            Chromium.NAMES + " on PATH and $BARGE_CHROMIUM): skipping the browser check; the page's structure is " +
            "still checked by pageHasSummaryChartsWithImagesTablesAndUnits");
        assertEquals(0, first.exit(), first.err());
        final Path page = firstRun.resolve("index.html");
        final String dom = Chromium.dumpDom(chromium, page);
        assertTrue(ReportPageCheck.check(dom, List.of()).stream().noneMatch((p) -> p.startsWith("chart")),
            String.join("\n", ReportPageCheck.check(dom, List.of())));
        assertEquals(ReportPageCheck.charts(Files.readString(page)), ReportPageCheck.charts(dom),
            "Chromium's DOM holds every chart");
        final Path png = Path.of("target", "report-screenshot.png").toAbsolutePath();
        final java.awt.image.BufferedImage shot = Chromium.screenshot(chromium, page, png, 1280, 6000);
        assertTrue(shot.getWidth() >= 1000 && shot.getHeight() >= 3000, shot.getWidth() + "x" + shot.getHeight());
        final int firstFamilyColour = Families.colour("fbufs", List.of("fbufs")).getRGB();
        assertTrue(Chromium.hasColour(shot, firstFamilyColour, 300),
            "the first family's colour shows: the chart images decoded (" + png + ")");
        assertTrue(Chromium.distinctColours(shot) > 50, "the screenshot is not blank (" + png + ")");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void nicAndPipelineScalingRowsAreInTheJsonThePageAndTheSummary() throws IOException
    {
        assertEquals(0, first.exit(), first.err());
        final JsonNode results = new ObjectMapper().readTree(firstRun.resolve("results.json").toFile());
        final Set<String> paths = new HashSet<>();
        results.get("nic").forEach((r) -> paths.add(r.get("path").asText() + " " + r.get("frameBytes").asInt()));
        assertEquals(Set.of("copying 64", "xen-persistent 64", "rbufs 64", "fbufs 64"), paths,
            "a quick run measures 64 B frames on three paths beside the reference");
        results.get("nic").forEach((r) -> assertTrue(r.get("perPacket").get("DMA_BYTES").asDouble() > 0, r.toString()));
        final Set<String> scaling = new HashSet<>();
        results.get("pipelineScaling").forEach((r) -> scaling.add(r.get("chain").asText() + " " +
            r.get("hops").asInt() + "/" + r.get("threads").asInt()));
        final String fbufs = "fbufs[cached=true,volatile=true]";
        final String mixed = "xen[grants=persistent]," + fbufs + ",rbufs";
        assertEquals(Set.of("copy 1/2", "copy 2/3", fbufs + " 1/2", fbufs + " 2/3", mixed + " 1/2", mixed + " 2/3"),
            scaling, "a quick run: own threads, copy, fbufs and the mixed chain at the run's hops");
        final String page = Files.readString(firstRun.resolve("index.html"));
        assertTrue(page.contains("id=\"nic\"") && page.contains("id=\"pipeline-scaling\""));
        assertTrue(first.out().contains("nic xen-persistent") && first.out().contains("pipeline " + mixed),
            first.out());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void resultsMatchTheSchema() throws IOException
    {
        assertEquals(0, first.exit(), first.err());
        final ObjectMapper json = new ObjectMapper();
        final JsonNode schema;
        try (InputStream in = ReportCommand.class.getResourceAsStream("results.schema.json"))
        {
            schema = json.readTree(in);
        }
        final JsonNode results = json.readTree(firstRun.resolve("results.json").toFile());
        final List<String> errors = SchemaCheck.check(schema, results);
        assertTrue(errors.isEmpty(), String.join("\n", errors));
        final Set<String> references = new HashSet<>();
        results.get("references").forEach((r) -> references.add(r.get("name").asText()));
        assertEquals(Set.of("memory-read", "memory-copy", "agrona-one-to-one-ring-buffer", "cross-core-limit",
            "aeron-ipc", "fbuf-bytebuf-allocator",
            "netty-adaptive-allocator", "netty-pooled-allocator", "fbuf-path-allocator-raw-handle",
            "netty-composite-buffer"), references);
        assertEquals(ReportModel.SCHEMA, results.get("schema").asInt());
        assertEquals(8, results.get("overheads").size(), "every fbufs combination in the overhead table");
        assertTrue(results.get("references").findValues("placement").stream()
            .anyMatch((p) -> !"single-thread".equals(p.asText())), "the Agrona reference carries a placement");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyInstalledTransportAndModeAppears() throws IOException
    {
        assertEquals(0, first.exit(), first.err());
        final JsonNode results = new ObjectMapper().readTree(firstRun.resolve("results.json").toFile()).get("results");
        final String html = Files.readString(firstRun.resolve("index.html"));
        for (final TransportProvider provider : providers())
        {
            for (final Map<String, String> options : provider.modes())
            {
                final String label = TransportOptions.parse(provider.name(), provider.options(), options).mode();
                final String mode = label.isEmpty() ? "default" : label;
                int crossing = 0;
                int pipeline = 0;
                int twoThread = 0;
                for (final JsonNode row : results)
                {
                    if (row.get("transport").asText().equals(provider.name()) && row.get("mode").asText().equals(mode))
                    {
                        crossing += "crossing".equals(row.get("scenario").asText()) && row.get("threads").asInt() == 1
                            ? 1 : 0;
                        pipeline += "pipeline".equals(row.get("scenario").asText()) ? 1 : 0;
                        twoThread += row.get("threads").asInt() == 2 ? 1 : 0;
                    }
                }
                final String what = provider.name() + " [" + mode + "]";
                assertEquals(4, crossing, what + ": 2 sizes x touch/no touch");
                assertEquals(2, pipeline, what + ": hops 1 and 2");
                assertTrue(twoThread >= 1, what + ": a two-thread row");
                assertTrue(html.contains(HtmlReport.esc(provider.name())), what + " in index.html");
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void xenFamilyHasItsRowsGrantCountersColourAndSummary() throws IOException
    {
        assertEquals(0, first.exit(), first.err());
        final JsonNode results = new ObjectMapper().readTree(firstRun.resolve("results.json").toFile()).get("results");
        final Map<String, JsonNode> touched4k = new java.util.HashMap<>();
        for (final JsonNode row : results)
        {
            if ("xen".equals(row.get("transport").asText()) && "crossing".equals(row.get("scenario").asText()) &&
                row.get("threads").asInt() == 1 && row.get("touch").asBoolean() &&
                row.get("messageBytes").asInt() == 4096)
            {
                touched4k.put(row.get("mode").asText(), row.get("perMessage"));
            }
        }
        assertEquals(Set.of("grants=map", "grants=copy", "grants=persistent"), touched4k.keySet(), "xen's modes");
        final JsonNode map = touched4k.get("grants=map");
        final JsonNode copy = touched4k.get("grants=copy");
        final JsonNode persistent = touched4k.get("grants=persistent");
        assertTrue(map.get("grantMaps").asDouble() >= 1 && map.get("grantUnmaps").asDouble() >= 1,
            "grant map maps and unmaps every message: " + map);
        assertEquals(0, copy.get("grantMaps").asDouble(), "grant copy maps nothing: " + copy);
        assertTrue(copy.get("grantCopies").asDouble() >= 1, "grant copy copies every message: " + copy);
        assertTrue(persistent.get("grantMaps").asDouble() < map.get("grantMaps").asDouble(),
            "persistent grants are mapped once at open, not per message: " + persistent);

        final String html = Files.readString(firstRun.resolve("index.html"));
        final String summary = html.substring(html.indexOf("<section id=\"summary\">"));
        assertTrue(summary.substring(0, summary.indexOf("</section>")).contains("href=\"#family-xen\""),
            "the summary has a xen line");
        final int at = html.indexOf("<section id=\"family-xen\">");
        assertTrue(at >= 0, "a xen section");
        final String section = html.substring(at, html.indexOf("</section>", at));
        assertTrue(section.contains("Operations per message") && section.contains("<th>grant maps</th>") &&
            section.contains("<th>grant copies</th>") && section.contains("<th>TLB flushes</th>"),
            "xen's per-message counters in its section");
        for (final String mode : touched4k.keySet())
        {
            assertTrue(section.contains("<tr><td class=\"l\">" + mode + "</td>"), mode + " in the xen section");
        }
        final List<String> names = providers().stream().map(TransportProvider::name).toList();
        for (final String other : names)
        {
            if (!"xen".equals(other))
            {
                assertNotEquals(Families.colour("xen", names), Families.colour(other, names), "xen's colour vs " +
                    other);
            }
        }
    }

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void compareWithAnEarlierRunGivesRatios() throws IOException
    {
        assertEquals(0, first.exit(), first.err());
        final Path second = shared.resolve("second");
        // One transport is enough to have rows in common, and keeps the second run short on a loaded machine.
        final Result result = run(second, "--compare", firstRun.resolve("results.json").toString(), "--transports",
            TestRingTransport.NAME);
        assertEquals(0, result.exit(), result.err());
        final JsonNode comparison = new ObjectMapper().readTree(second.resolve("results.json").toFile())
            .get("comparison");
        assertTrue(comparison.get("rows").size() > 0, "rows in common: " + comparison);
        for (final JsonNode row : comparison.get("rows"))
        {
            assertEquals(row.get("newValue").asDouble() / row.get("oldValue").asDouble(), row.get("ratio").asDouble(),
                1e-9, row.toString());
            assertEquals(ResultsJson.change(row.get("ratio").asDouble(), row.get("oldSpread").asDouble(),
                row.get("newSpread").asDouble()), row.get("change").asText(), row.toString());
        }
        assertTrue(result.out().contains("compared with"), result.out());
        assertTrue(Files.readString(second.resolve("index.html")).contains("Compared with"));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void unknownTransportListsTheInstalledOnes(@TempDir final Path dir)
    {
        final Path out = dir.resolve("out");
        final Result result = run(out, "--transports", "no-such-transport");
        assertNotEquals(0, result.exit());
        assertTrue(result.err().contains("unknown transport 'no-such-transport'"), result.err());
        for (final TransportProvider provider : Transports.installed())
        {
            assertTrue(result.err().contains(provider.name()), "lists " + provider.name() + ": " + result.err());
        }
        assertFalse(Files.exists(out), "nothing written before the inputs are checked");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void unknownModeListsTheValidOnes(@TempDir final Path dir)
    {
        final Path out = dir.resolve("out");
        final Result result = run(out, "--mode", "no-such-mode");
        assertNotEquals(0, result.exit());
        assertTrue(result.err().contains("unknown mode 'no-such-mode'; valid modes"), result.err());
        for (final TransportProvider provider : Transports.installed())
        {
            assertTrue(result.err().contains(provider.name() + ":"), "lists " + provider.name() + ": " + result.err());
        }
        assertFalse(Files.exists(out));
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "0", "2M", "-64", "64,4Q", "1.5K"})
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void badSizeIsAClearMessage(final String sizes, @TempDir final Path dir)
    {
        final Path out = dir.resolve("out");
        final Result result = execute("--no-fork", "--no-progress", "--out", out.toString(), "--sizes", sizes);
        assertNotEquals(0, result.exit());
        assertTrue(result.err().contains("bad size"), result.err());
        assertFalse(Files.exists(out));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void unwritableOutIsReportedBeforeMeasuring(@TempDir final Path dir) throws IOException
    {
        // A path under a regular file cannot become a folder, even for root.
        final Path file = Files.writeString(dir.resolve("a-file"), "x");
        final Result result = execute("--no-fork", "--no-progress", "--out", file.resolve("report").toString());
        assertNotEquals(0, result.exit());
        assertTrue(result.err().contains("is not a writable folder") && result.err().contains("nothing was measured"),
            result.err());
        assertFalse(result.err().contains("%"), "no progress bar ran: " + result.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json at all", "[1, 2, 3]", "{\"hello\": 1}", "{\"schema\": 3, \"results\": []," +
        " \"references\": []}", "{\"schema\": 1}", "{\"schema\": 2, \"results\": [{\"transport\": []}], " +
        "\"references\": []}"})
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void compareWithANonBargeFileIsAClearMessage(final String content, @TempDir final Path dir) throws IOException
    {
        final Path other = Files.writeString(dir.resolve("other.json"), content);
        final Path out = dir.resolve("out");
        final Result result = execute("--no-fork", "--no-progress", "--out", out.toString(), "--compare",
            other.toString());
        assertNotEquals(0, result.exit());
        assertTrue(result.err().contains("is not a Barge results file"), result.err());
        assertFalse(Files.exists(out));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void compareWithAMissingFileIsAClearMessage(@TempDir final Path dir)
    {
        final Result result = execute("--no-fork", "--no-progress", "--out", dir.resolve("out").toString(),
            "--compare", dir.resolve("missing.json").toString());
        assertNotEquals(0, result.exit());
        assertTrue(result.err().contains("no such file"), result.err());
    }

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void aBrokenTransportIsReportedAndTheRestIsWritten(@TempDir final Path dir) throws IOException
    {
        final TransportProvider broken = new BrokenTransport();
        final Path out = dir.resolve("out");
        final List<String> args = new ArrayList<>(List.of(TINY));
        args.addAll(List.of("--out", out.toString(), "--transports", BrokenTransport.NAME));
        final Result result = execute(new ReportCommand(() -> List.of(broken)), args.toArray(new String[0]));
        assertEquals(1, result.exit(), result.err());
        assertTrue(result.err().contains("broken on purpose"), result.err());
        final JsonNode results = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertTrue(results.get("failures").size() > 0, results.get("failures").toString());
        assertTrue(results.get("references").size() > 0, "the references were still measured");
        assertTrue(results.get("references").findValuesAsText("name").contains("agrona-one-to-one-ring-buffer"),
            "the two-thread group went on without the broken transport");
        assertTrue(Files.readString(out.resolve("index.html")).contains("Failed measurements"));
    }

    @Test
    void helpWorks()
    {
        final Result result = execute("--help");
        assertEquals(0, result.exit());
        assertTrue(result.out().contains("--quick") && result.out().contains("--compare"), result.out());
    }
}
