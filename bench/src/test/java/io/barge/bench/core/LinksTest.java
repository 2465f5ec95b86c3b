package io.barge.bench.core;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class LinksTest
{
    private Machine machine;
    private int freeFrames;

    @BeforeEach
    void setUp()
    {
        machine = new Machine(1024);
        freeFrames = machine.kernel().freeFrames();
    }

    @AfterEach
    void tearDown()
    {
        machine.close();
    }

    private SpscLink open(final String impl, final int messages)
    {
        if ("floor".equals(impl))
        {
            return new SlotRingFloor(messages);
        }
        return "ump".equals(impl) ? Links.ump(machine, messages) : new AgronaLink(messages);
    }

    @ParameterizedTest
    @ValueSource(strings = { "agrona", "ump", "floor" })
    void linkDeliversInOrderAndPushesBackWhenFull(final String impl)
    {
        try (SpscLink link = open(impl, 8))
        {
            int sent = 0;
            while (link.offer(sent))
            {
                sent++;
            }
            // Agrona's ring may keep one record's room free (for a padding record at the wrap).
            assertTrue(sent == 8 || "agrona".equals(impl) && sent == 7, impl + " holds its capacity: " + sent);
            assertFalse(link.offer(sent), "still full");
            link.expect(0);
            assertEquals(sent, link.drain(100));
            assertEquals(sent - 1, link.lastWord());
            assertEquals(0, link.sequenceErrors());
            assertTrue(link.offer(sent), "room again after the drain");
            assertEquals(1, link.drain(100));
        }
        assertEquals(freeFrames, machine.kernel().freeFrames(), "closing the link returned its frames");
    }

    @ParameterizedTest
    @ValueSource(strings = { "agrona", "ump" })
    void sequenceCheckerSeesAGap(final String impl)
    {
        try (SpscLink link = open(impl, 8))
        {
            link.expect(0);
            link.offer(0);
            link.offer(2);
            link.drain(10);
            assertEquals(1, link.sequenceErrors());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "agrona", "ump", "floor" })
    void twoThreadThroughputWindowLosesNothing(final String impl)
    {
        try (SpscLink link = open(impl, 64); Partner partner = new Partner())
        {
            for (int window = 0; window < 3; window++)
            {
                // Throws if the consumer's count or sequence differs from what was sent.
                final double rate = TwoThreadRuns.throughput(link, partner, 5_000_000L);
                assertTrue(rate > 0, impl + " window " + window + " rate " + rate);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "agrona", "ump" })
    void pingPongRecordsEveryRoundTrip(final String impl)
    {
        final Histogram histogram = new Histogram(3);
        try (SpscLink ping = open(impl, 16);
            SpscLink pong = "ump".equals(impl) ? Links.umpReverse(machine, 16) : new AgronaLink(16);
            Partner partner = new Partner())
        {
            TwoThreadRuns.pingPong(ping, pong, partner, 500, histogram);
            assertEquals(500, histogram.getTotalCount());
            assertEquals(499, pong.lastWord(), "the echo of the last ping");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "agrona", "ump", "floor" })
    void oneWayRunRecordsEveryMessage(final String impl)
    {
        final Histogram histogram = new Histogram(3);
        try (SpscLink link = open(impl, 16); Partner partner = new Partner())
        {
            TwoThreadRuns.oneWay(link, partner, 500, histogram);
            assertEquals(500, histogram.getTotalCount());
            assertEquals(499, link.lastWord(), "the last message");
            assertEquals(0, link.sequenceErrors());
        }
    }

    @Test
    void oneWayComparisonNamesBothFigures()
    {
        final StringWriter text = new StringWriter();
        final ComparisonSettings settings = new ComparisonSettings(2, 5, 0, 50, 400, 64, 200, 0);

        final double[] ratios = UmpVsAgrona.oneWay(settings, new PrintWriter(text, true));

        assertEquals(2, ratios.length);
        final String out = text.toString();
        assertTrue(out.contains("ratio ump-1way/ump-rtt"), out);
        assertEquals(2, out.lines().filter((l) -> l.matches("^[01] +(ump-rtt|ump-1way) .*")).count(), out);
    }

    @Test
    void alternatingComparisonReportsPerPlacementAndDropsNothingSilently()
    {
        final StringWriter text = new StringWriter();
        final ComparisonSettings settings = new ComparisonSettings(4, 5, 1, 50, 400, 64, 100, 0);

        final double[] ratios = UmpVsAgrona.throughput(settings, new PrintWriter(text, true));

        final String out = text.toString();
        assertEquals(2, ratios.length);
        assertTrue(out.contains("summary ("), out);
        assertTrue(out.contains("near      ratio ump/agrona") && out.contains("far       ratio ump/agrona"), out);
        // Four measured windows, each either classified or counted as dropped.
        final long lines = out.lines().filter((l) -> l.matches("^[0-3] +(agrona|ump) .*")).count();
        assertEquals(4, lines, out);
    }

    @Test
    void floorComparisonNamesTheFloor()
    {
        final StringWriter text = new StringWriter();
        final ComparisonSettings settings = new ComparisonSettings(2, 5, 0, 50, 400, 64, 100, 0);

        UmpVsAgrona.throughput(settings, new PrintWriter(text, true), true);

        final String out = text.toString();
        assertTrue(out.contains("ratio ump/floor"), out);
        assertEquals(2, out.lines().filter((l) -> l.matches("^[01] +(floor|ump) .*")).count(), out);
    }

    @Test
    void pingPongComparisonPrintsPercentiles()
    {
        final StringWriter text = new StringWriter();
        final ComparisonSettings settings = new ComparisonSettings(2, 5, 0, 50, 400, 64, 200, 0);

        UmpVsAgrona.pingPong(settings, new PrintWriter(text, true));

        assertTrue(text.toString().contains("p99.9 ns"), text::toString);
    }

    @Test
    void settingsRejectNonsense()
    {
        final IllegalArgumentException ex = org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> new ComparisonSettings(1, 5, 0, 50, 400, 63, 200, 0.5));

        assertTrue(ex.getMessage().contains("windows=1") && ex.getMessage().contains("ringMessages=63"),
            ex.getMessage());
        assertFalse(ComparisonSettings.defaults().windows() < 2);
    }
}
