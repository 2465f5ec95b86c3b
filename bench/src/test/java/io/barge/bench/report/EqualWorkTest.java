package io.barge.bench.report;

import io.barge.core.CounterType;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.copy.CopyTransportProvider;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Transport;
import io.barge.core.transport.TransportOptions;
import io.barge.core.transport.TransportProvider;
import io.barge.drivers.pipeline.PipelinePath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every ratio on the page compares equal work: the bare read runs in the transport's JVM interleaved with it and
 * only touching rows get a ratio; the copy baseline copies once in and once out per hop; "x Agrona" only at the
 * same size and placement, with consumers that do the same work; --compare marks only changes beyond the spread;
 * the progress line keeps its width.
 */
class EqualWorkTest
{
    private static final Settings TINY = MeasurementTest.TINY;

    private PhysicalMemory memory;
    private Kernel kernel;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(4096);
        kernel = new Kernel(memory);
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    @Test
    void bareReadIterationsAlternateWithTheTransportsWarmUpIncluded()
    {
        final StringBuilder order = new StringBuilder();
        final Harness harness = new Harness(2, 3, 1);
        final Harness.Measurement[] pair = harness.interleaved((n) -> mark(order, 'T'), 1, (n) -> mark(order, 'R'), 1,
            () -> order.append('|'));
        // Collapse each iteration's run of calls into one letter.
        final String iterations = order.toString().replaceAll("T+", "T").replaceAll("R+", "R");
        assertEquals("TRTR|TRTRTR", iterations);
        assertEquals(3, pair[0].rates().length);
        assertEquals(3, pair[1].rates().length);
    }

    private static long mark(final StringBuilder order, final char c)
    {
        order.append(c);
        return 1;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aTransportGroupMeasuresItsOwnBareReadAndOnlyTouchingRowsGetARatio()
    {
        final TransportProvider ring = new TestRingTransport();
        final ReportModel.GroupOutput output = GroupRunner.run(TINY, new Group(Group.TRANSPORT,
            List.of(new ModeSpec(TestRingTransport.NAME, Map.of(), "default"))), List.of(ring), (s) -> { });
        assertEquals(List.of(), output.failures());
        assertTrue(output.references().isEmpty(), "no reference group was needed for the ratio");
        assertFalse(output.results().isEmpty());
        for (final ReportModel.Row row : output.results())
        {
            if (row.touch())
            {
                assertNotNull(row.relativeToBareRead(), row.toString());
                assertNotNull(row.bareReadBytesPerSecond(), row.toString());
                assertEquals(row.bytesPerSecond() / row.bareReadBytesPerSecond(), row.relativeToBareRead(), 1e-9);
            }
            else
            {
                assertNull(row.relativeToBareRead(), "a descriptor-only row has no ratio to bare read: " + row);
                assertNull(row.bareReadBytesPerSecond(), row.toString());
            }
        }
    }

    @Test
    void assemblyAddsNoRatioToADescriptorOnlyRow()
    {
        final ReportModel.Row notTouching = row("crossing", 1, 4096, false, "single-thread", 1, 1e6, null);
        final ReportModel.Reference read = new ReportModel.Reference("memory-read", 4096, "single-thread", 1, 8e9, 2e6,
            500, spread(2e6), List.of());
        final ReportModel.Results results = Assembly.assemble(TINY, List.of(), List.of(),
            new ReportModel.GroupOutput(List.of(notTouching), List.of(read), List.of(), List.of()), false, null, null);
        assertNull(results.results().get(0).relativeToBareRead());
    }

    /** Bytes copied per message by the copy baseline: one copy in and one copy out per hop (fixed data). */
    @ParameterizedTest(name = "{0} hops")
    @CsvSource({ "1, 2000", "2, 4000", "4, 8000" })
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void copyBaselineCopiesOnceInAndOnceOutPerHop(final int hops, final long bytesPerMessage)
    {
        final CopyTransportProvider provider = new CopyTransportProvider();
        try (Transport copy = provider.create(kernel, TransportOptions.parse(provider.name(), provider.options(),
            Map.of()));
            PipelinePath path = new PipelinePath(kernel, copy, hops, ChannelConfig.defaults()
                .withMaxMessageLength(1000).withCapacity(8), 1000, true))
        {
            path.send(8);
            final long before = kernel.counters().total(CounterType.BYTES_COPIED);
            path.send(40);
            final long after = kernel.counters().total(CounterType.BYTES_COPIED);
            assertEquals(bytesPerMessage * 40, after - before, "bytes copied by 40 messages over " + hops + " hops");
        }
    }

    @Test
    void agronaRatioOnlyAtTheSameSizeAndPlacement()
    {
        final ReportModel.Row bulk = row("crossing", 1, 65536, true, "near", 2, 1e5, null);
        final ReportModel.Row small = row("crossing", 1, 64, true, "near", 2, 2e6, null);
        final ReportModel.Row far = row("crossing", 1, 64, true, "far", 2, 1e6, null);
        final ReportModel.Reference agronaSmall = agrona(56, "near", 8e6);
        final ReportModel.Reference agrona64 = agrona(64, "near", 4e6);
        final ReportModel.Results onlyOtherSize = results(List.of(bulk, far), List.of(agronaSmall));
        final String text = summarise(onlyOtherSize);
        assertFalse(text.contains("x Agrona"), "no Agrona at 64 KiB or at far: no ratio\n" + text);
        final String page = HtmlReport.render(onlyOtherSize, List.of());
        assertFalse(page.contains("<td>0.013</td>") || page.contains("<td>0.125</td>"),
            "the page divides neither 64 KiB nor far by Agrona at 56 B near");
        final String matched = summarise(results(List.of(small), List.of(agronaSmall, agrona64)));
        assertTrue(matched.contains("0.500 x Agrona"), matched);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void bothTwoThreadConsumersTouchEveryByteAndSampleTheSameLatencies()
    {
        final CopyTransportProvider provider = new CopyTransportProvider();
        try (Transport copy = provider.create(kernel, TransportOptions.parse(provider.name(), provider.options(),
            Map.of())))
        {
            final int size = 256;
            for (final TwoThreadSubject subject : List.of(new AgronaRingSubject(size, 16),
                new TransportSubject(kernel, copy, size), new CrossCoreLimitSubject(size, 16),
                new AeronIpcSubject(size, 16)))
            {
                try (subject)
                {
                    subject.recording(true);
                    subject.start();
                    subject.produce(320);
                    subject.stop();
                    final String what = subject.getClass().getSimpleName();
                    assertEquals(320L * size, subject.bytesTouched(), what + " touches every byte");
                    assertEquals(320 / TwoThreadSubject.STAMP_EVERY, subject.latencySamples(), what);
                    assertEquals(320 / TwoThreadSubject.STAMP_EVERY, subject.histogram().getTotalCount(), what);
                }
            }
        }
    }

    @Test
    void compareMarksOnlyChangesBeyondTheSpreadOfEitherRun()
    {
        assertEquals("within spread", ResultsJson.change(1.04, 0.05, 0.01));
        assertEquals("within spread", ResultsJson.change(0.92, 0.01, 0.10));
        assertEquals("faster", ResultsJson.change(1.30, 0.05, 0.10));
        assertEquals("slower", ResultsJson.change(0.70, 0.05, 0.10));
        final ReportModel.Row older = row("crossing", 1, 64, true, "single-thread", 1, 1e6, null);
        final ReportModel.Row newer = row("crossing", 1, 64, true, "single-thread", 1, 1.04e6, null);
        final ReportModel.Comparison comparison = ResultsJson.compare("old", results(List.of(older), List.of()),
            results(List.of(newer), List.of()));
        assertEquals("within spread", comparison.rows().get(0).change(), "spread 10%, change 4%");
        final String page = HtmlReport.render(new ReportModel.Results(ReportModel.SCHEMA, Map.of(), List.of(newer),
            List.of(), List.of(), comparison, List.of()), List.of());
        assertFalse(page.contains("class=\"faster\""), "a change inside the spread is not marked");
    }

    @Test
    void progressLineKeepsItsWidthWhateverTheStep()
    {
        final int width = ProgressLine.length();
        for (final String step : List.of("", "x", "fbufs[cached=true,volatile=false,integrated=true] crossing " +
            "1048576 B touched", "two-thread agrona 64 B round 1"))
        {
            for (final long done : new long[]{ 0, 1, 45, 92 })
            {
                final String line = ProgressLine.line(done, 92, Duration.ofSeconds(done * 7), step);
                assertEquals(width, line.length(), line);
                assertEquals(line.indexOf(']'), ProgressLine.line(0, 92, Duration.ZERO, "").indexOf(']'),
                    "the bar ends in the same column: " + line);
            }
        }
    }

    private static String summarise(final ReportModel.Results results)
    {
        final StringWriter text = new StringWriter();
        Assembly.summarise(results, java.nio.file.Path.of("out"), new PrintWriter(text));
        return text.toString();
    }

    private static ReportModel.Results results(final List<ReportModel.Row> rows,
        final List<ReportModel.Reference> references)
    {
        return new ReportModel.Results(ReportModel.SCHEMA, Map.of(), rows, references, List.of(), null, List.of());
    }

    private static ReportModel.Reference agrona(final int size, final String placement, final double rate)
    {
        return new ReportModel.Reference("agrona-one-to-one-ring-buffer", size, placement, 2, rate * size, rate,
            1e9 / rate, spread(rate), List.of());
    }

    static ReportModel.Row row(final String scenario, final int hops, final int size, final boolean touch,
        final String placement, final int threads, final double rate, final Double relative)
    {
        return new ReportModel.Row("t", "default", scenario, hops, size, touch, placement, threads, rate, rate * size,
            relative, null, new ReportModel.Latency(1, 2, 3, 4), new ReportModel.PerMessage(0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0), spread(rate), List.of());
    }

    static ReportModel.Spread spread(final double rate)
    {
        return new ReportModel.Spread(3, rate, rate * 0.95, rate * 1.05, rate * 0.03);
    }

    static List<String> names(final List<ReportModel.Reference> references)
    {
        final List<String> names = new ArrayList<>();
        references.forEach((r) -> names.add(r.name()));
        return names;
    }
}
