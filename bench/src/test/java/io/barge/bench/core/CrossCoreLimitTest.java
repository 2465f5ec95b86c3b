package io.barge.bench.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two-thread references' mechanics on one thread: the cross-core limit's back pressure, order and return of
 * buffers; Aeron IPC's frame arithmetic, and its embedded driver starting, carrying a message and stopping with its
 * directory gone, within a bound.
 */
class CrossCoreLimitTest
{
    @Test
    void aPoolOfTwoTakesTwoMessagesThenPushesBackUntilOneIsReturned()
    {
        final CrossCoreLimit limit = new CrossCoreLimit(64, 2);
        final List<Long> firstWords = new ArrayList<>();
        final List<Integer> offsets = new ArrayList<>();
        final PayloadHandler record = (buffer, offset, length) ->
        {
            firstWords.add(buffer.getLong(offset));
            offsets.add(offset);
            assertEquals(64, length);
            assertEquals(7L, buffer.getLong(offset + 56), "word 7 holds 7 as filled");
        };
        assertTrue(limit.tryHandOver(11));
        assertTrue(limit.tryHandOver(12));
        assertFalse(limit.tryHandOver(13), "both buffers in flight");
        assertEquals(0, limit.freeBuffers());
        assertEquals(1, limit.poll(record, 1));
        assertTrue(limit.tryHandOver(13), "the returned buffer is used again");
        assertFalse(limit.tryHandOver(14));
        assertEquals(2, limit.poll(record, 64));
        assertEquals(2, limit.freeBuffers());
        assertEquals(List.of(11L, 12L, 13L), firstWords, "in order, each with its first word");
        assertEquals(offsets.get(0), offsets.get(2), "the buffer returned is the one taken next");
        assertEquals(0, limit.poll(record, 64), "nothing left");
    }

    @Test
    void theBufferReturnedLastIsReusedFirst()
    {
        final CrossCoreLimit limit = new CrossCoreLimit(64, 4);
        final List<Integer> offsets = new ArrayList<>();
        final PayloadHandler record = (buffer, offset, length) -> offsets.add(offset);
        for (int i = 0; i < 3; i++)
        {
            assertTrue(limit.tryHandOver(i));
        }
        assertEquals(3, limit.poll(record, 64));
        // Returned in the order 0, 1, 2 of the three taken: the next message reuses the third, the warmest.
        assertTrue(limit.tryHandOver(3));
        assertTrue(limit.tryHandOver(4));
        assertEquals(2, limit.poll(record, 64));
        assertEquals(offsets.get(2), offsets.get(3));
        assertEquals(offsets.get(1), offsets.get(4));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void steadyStateOfferAndPollAllocateNothing()
    {
        final long[] sum = new long[1];
        final PayloadHandler touch = (buffer, offset, length) -> sum[0] += buffer.getLong(offset + length - 8);
        final CrossCoreLimit limit = new CrossCoreLimit(4096, 64);
        try (AeronIpc small = new AeronIpc(64, 64);
            AeronIpc large = new AeronIpc(4096, 64))
        {
            // Made once: a capturing lambda made in the loop would itself allocate.
            final BooleanSupplier limitOffer = () -> limit.tryHandOver(1);
            final IntSupplier limitPoll = () -> limit.poll(touch, 64);
            final BooleanSupplier smallOffer = () -> small.offer(1);
            final IntSupplier smallPoll = () -> small.poll(touch);
            final BooleanSupplier largeOffer = () -> large.offer(1);
            final IntSupplier largePoll = () -> large.poll(touch);
            for (int round = 0; round < 2; round++)
            {
                // Round 0 warms up (class loading, JIT, the assembler's buffer); round 1 is measured.
                final long before = allocatedBytes();
                for (int i = 0; i < 50_000; i++)
                {
                    deliver(limitOffer, limitPoll, "cross-core limit");
                    deliver(smallOffer, smallPoll, "aeron ipc 64 B");
                    deliver(largeOffer, largePoll, "aeron ipc 4 KiB");
                }
                final long allocated = allocatedBytes() - before;
                if (round == 1)
                {
                    assertTrue(allocated < 16 * 1024, "allocated " + allocated + " bytes for 150,000 messages");
                }
            }
        }
        assertTrue(sum[0] != 0, "the handler read the messages' last words");
    }

    private static void deliver(final BooleanSupplier offer, final IntSupplier poll, final String what)
    {
        int attempts = 0;
        while (!offer.getAsBoolean())
        {
            poll.getAsInt();
            if (++attempts > 1_000_000)
            {
                throw new IllegalStateException(what + ": back pressured with nothing taken");
            }
        }
        while (poll.getAsInt() == 0)
        {
            if (++attempts > 1_000_000)
            {
                throw new IllegalStateException(what + ": offered but never polled");
            }
        }
    }

    private static long allocatedBytes()
    {
        return ((com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean())
            .getCurrentThreadAllocatedBytes();
    }

    @Test
    void badSizesAndCapacitiesAreRefused()
    {
        assertThrows(IllegalArgumentException.class, () -> new CrossCoreLimit(4, 2));
        assertThrows(IllegalArgumentException.class, () -> new CrossCoreLimit(64, 1));
        assertThrows(IllegalArgumentException.class, () -> new CrossCoreLimit(64, 48));
        assertThrows(IllegalArgumentException.class, () -> new AeronIpc(4, 2));
        assertThrows(IllegalArgumentException.class, () -> new AeronIpc(64, 0));
    }

    @Test
    void theReportsCapacityKeepsAMebibyteInFlightAtMost()
    {
        assertEquals(64, TwoThreadRuns.capacity(64));
        assertEquals(64, TwoThreadRuns.capacity(4096));
        assertEquals(16, TwoThreadRuns.capacity(65536));
        assertEquals(2, TwoThreadRuns.capacity(1048576));
    }

    @Test
    void aeronFramesAndTermsAreSizedForTheWindow()
    {
        // 32-byte header per frame, frames aligned to 32, 1408-byte frames (1376 bytes of payload).
        assertEquals(96, AeronIpc.framedLength(64, 1408));
        assertEquals(1408 + 1408 + 1376, AeronIpc.framedLength(4096, 1408));
        assertEquals(47 * 1408 + 896, AeronIpc.framedLength(65536, 1408));
        assertEquals(64 * 1024, AeronIpc.termLength(64, 64 * 96));
        assertEquals(4 << 20, AeronIpc.termLength(65536, 16 * (47 * 1408 + 896)));
        assertEquals(8 << 20, AeronIpc.termLength(1048576, 2 * (762 * 1408 + 96)));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anEmbeddedDriverStartsCarriesAndStopsWithNothingLeft()
    {
        final Path[] directory = new Path[1];
        assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
        {
            for (final int size : new int[]{ 64, 4096 })
            {
                try (AeronIpc ipc = new AeronIpc(size, 4))
                {
                    directory[0] = ipc.directory();
                    assertTrue(Files.isDirectory(directory[0]));
                    assertEquals(size == 64, ipc.claims(), "tryClaim only for a message that fits a frame");
                    final long[] seen = new long[2];
                    final PayloadHandler handler = (buffer, offset, length) ->
                    {
                        seen[0] = buffer.getLong(offset);
                        seen[1] = length;
                    };
                    while (!ipc.offer(42))
                    {
                        Thread.onSpinWait();
                    }
                    while (seen[1] == 0)
                    {
                        ipc.poll(handler);
                    }
                    assertEquals(42, seen[0]);
                    assertEquals(size, seen[1], "the whole message, reassembled");
                }
                assertFalse(Files.exists(directory[0]), "directory deleted: " + directory[0]);
            }
        });
    }
}
