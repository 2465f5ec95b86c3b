package io.barge.bench.core;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static io.barge.bench.core.Placement.FAR;
import static io.barge.bench.core.Placement.MIXED;
import static io.barge.bench.core.Placement.NEAR;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The cross-process summary keeps placements apart: a stream's median only over its windows of one placement, a
 * ratio only from rounds in which both windows had that placement, mixed windows in no figure. Expected lines are
 * worked out by hand from the fixed rates below.
 */
class CrossProcessWindowsTest
{
    @Test
    void placementsAreClassifiedByBothProbes()
    {
        assertEquals(NEAR, Placement.of(190, 210, 400));
        assertEquals(FAR, Placement.of(620, 400, 400));
        assertEquals(MIXED, Placement.of(190, 620, 400));
        assertEquals(MIXED, Placement.of(620, 399, 400));
    }

    @Test
    void mediansAndRatiosAreTakenPerPlacementOnly()
    {
        final double[][] rates = {
            { 300, 100 },  // both near: ratio 3.00
            { 500, 200 },  // both near: ratio 2.50
            { 90, 60 },    // both far: ratio 1.50
            { 1000, 50 },  // a near window beside a far one: no ratio
            { 7000, 10 },  // a mixed window: nowhere
        };
        final Placement[][] placements = {
            { NEAR, NEAR },
            { NEAR, NEAR },
            { FAR, FAR },
            { NEAR, FAR },
            { MIXED, FAR },
        };

        final StringWriter text = new StringWriter();
        CrossProcessWindows.summary(List.of("rbufs", "aeron"), rates, placements, new PrintWriter(text));

        assertEquals(String.join(System.lineSeparator(),
            "median near:  rbufs 500 msg/s (3 windows)  aeron 150 msg/s (2 windows)",
            "near rbufs/aeron per round: median 2.75, range 2.50-3.00 over 2 rounds",
            "median far:  rbufs 90 msg/s (1 window)  aeron 50 msg/s (3 windows)",
            "far rbufs/aeron per round: median 1.50, range 1.50-1.50 over 1 round",
            "mixed windows (left out): 1 of 10", ""), text.toString());
    }

    @Test
    void aPlacementNoRoundSharedHasNoRatio()
    {
        final StringWriter text = new StringWriter();
        CrossProcessWindows.summary(List.of("fbufs", "fbufs-local"), new double[][]{ { 40, 80 } },
            new Placement[][]{ { FAR, NEAR } }, new PrintWriter(text));

        assertEquals(String.join(System.lineSeparator(),
            "median near:  fbufs n/a (0 windows)  fbufs-local 80 msg/s (1 window)",
            "near fbufs/fbufs-local per round: n/a (no round with both near)",
            "median far:  fbufs 40 msg/s (1 window)  fbufs-local n/a (0 windows)",
            "far fbufs/fbufs-local per round: n/a (no round with both far)",
            "mixed windows (left out): 0 of 2", ""), text.toString());
    }
}
