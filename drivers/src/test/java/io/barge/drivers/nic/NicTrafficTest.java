package io.barge.drivers.nic;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A NIC drained by a traffic sink, and a generator feeding a sink through a rate-limited link on a manual clock.
 */
class NicTrafficTest
{
    @Test
    void aSinkDrainsWhatANicSendsAndChecksEveryCrc() throws Exception
    {
        try (NicRig rig = new NicRig(1500))
        {
            final NicDriver sender = rig.driver(rig.nicA, "driverA", 64, NicDriver.Mode.POLLING, 64,
                (b, o, l) -> { });
            final TrafficSink sink = new TrafficSink(rig.wire.a().tx()); // in place of nicB, which stays idle
            final UnsafeBuffer payload = new UnsafeBuffer(new byte[1500]);
            long sent = 0;
            for (int round = 0; round < 1000 && sink.frames() < 500; round++)
            {
                while (sent < 500 && sender.send(payload, 0, 1 + (int)(sent % 1500)))
                {
                    sent++;
                }
                rig.nicA.doWork();
                sink.doWork();
                sender.poll(64);
            }
            assertEquals(500, sink.frames());
            assertEquals(0, sink.crcErrors());
            assertEquals(500L * 501 / 2, sink.bytes(), "lengths 1..500");
        }
    }

    @Test
    void aGeneratorIntoASinkKeepsToTheRateAndTheSinkCountsCorruptFrames()
    {
        final org.agrona.concurrent.CachedNanoClock clock = new org.agrona.concurrent.CachedNanoClock();
        // 996 B + 4 B CRC = 8000 bits; at 1 Gbit/s one frame every 8 us; a bucket of two frames.
        final Link link = new Link("gen", 1500, 1_000_000_000L, 2000, 1 << 16, clock);
        final TrafficGenerator generator = new TrafficGenerator(link, 996, 1000, 4, 5L);
        final TrafficSink sink = new TrafficSink(link);
        assertEquals(2, generator.doWork(), "the bucket's two frames");
        for (int i = 0; i < 80; i++)
        {
            clock.advance(1_000);
            generator.doWork();
            sink.doWork();
        }
        sink.doWork();
        assertEquals(12, generator.sent(), "two, then one per 8 us for 80 us");
        assertEquals(12, sink.frames() + sink.crcErrors());
        assertEquals(3, sink.crcErrors(), "every fourth corrupted");
        assertEquals(9 * 996L, sink.bytes());
    }
}
