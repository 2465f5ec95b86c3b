package io.barge.fbufs;

import io.barge.core.Domain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeakDetectorTest extends FbufFixture
{
    @Test
    void paranoidDetectorReportsAnAggregateDroppedWhileHoldingFbufs()
    {
        final FbufRegion region = new FbufRegion(kernel, 256);
        region.leakDetector().level(LeakDetector.Level.PARANOID);
        region.leakDetector().reporter((line) -> { });
        final IoPath path = region.createPath(new Domain[]{ a, b }, new FbufMode(true, true, true), 64);
        leakOne(region, path);
        long found = 0;
        for (int attempt = 0; attempt < 200 && found == 0; attempt++)
        {
            System.gc();
            // Tracking another object polls the queue, as Netty's detector does on allocation.
            final Aggregate probe = new Aggregate(region, a);
            final long handle = path.allocate(10);
            probe.appendOwned(handle, region.address(handle), 10);
            probe.close();
            found = region.leakDetector().leakCount();
        }
        assertTrue(found >= 1, "leak reported");
        assertTrue(region.leakDetector().reports().get(0).contains("leakOne"), "creation record names the caller");
        region.close();
        assertEquals(freeFramesAtStart, kernel.freeFrames());
    }

    @Test
    void closedAggregatesAreNotReported()
    {
        final FbufRegion region = new FbufRegion(kernel, 256);
        region.leakDetector().level(LeakDetector.Level.PARANOID);
        final IoPath path = region.createPath(new Domain[]{ a, b }, new FbufMode(true, true, true), 64);
        for (int i = 0; i < 100; i++)
        {
            final Aggregate aggregate = new Aggregate(region, a);
            final long handle = path.allocate(10);
            aggregate.appendOwned(handle, region.address(handle), 10);
            aggregate.close();
        }
        System.gc();
        region.leakDetector().reportLeaks();
        assertEquals(0, region.leakDetector().leakCount());
        region.close();
    }

    private static void leakOne(final FbufRegion region, final IoPath path)
    {
        final Aggregate aggregate = new Aggregate(region, region.kernel().domain(1));
        final long handle = path.allocate(100);
        aggregate.appendOwned(handle, region.address(handle), 100);
    }
}
