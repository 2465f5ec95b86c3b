package io.barge.core;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link AddressSpace#sumLongs} reads runs of physically consecutive frames in one call: the same bytes give the
 * same sum whether the pages behind them are consecutive, scattered or mixed, and that sum is the touch routine over
 * each page's part of the range in order (the documented value), at any start and length.
 */
class AddressSpaceSumTest
{
    private static final int PAGE = PhysicalMemory.DEFAULT_FRAME_SIZE;
    private static final int PAGES = 8;

    @ParameterizedTest
    @ValueSource(longs = { 3L, 17L, 2026L })
    void theSumDependsOnTheBytesNotOnWhereTheFramesAre(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        try (PhysicalMemory memory = PhysicalMemory.allocateDirect(64); Kernel kernel = new Kernel(memory))
        {
            final Domain d = kernel.createDomain("d");
            final byte[] bytes = new byte[PAGES * PAGE];
            random.nextBytes(bytes);
            final int first = kernel.allocateContiguousFrames(d, PAGES, true);
            final long consecutive = mapped(kernel, d, bytes, i -> first + i);
            final int[] scattered = new int[PAGES];
            kernel.allocateFrames(d, PAGES, true, scattered);
            // Reversed, so that no two neighbouring pages are neighbouring frames.
            final long apart = mapped(kernel, d, bytes, i -> scattered[PAGES - 1 - i]);
            final int[] mixed = new int[PAGES];
            final int pair = kernel.allocateContiguousFrames(d, 2, true);
            kernel.allocateFrames(d, PAGES - 2, true, mixed);
            // Pages 3 and 4 on consecutive frames, the rest scattered: runs of one and of two pages.
            final long partly = mapped(kernel, d, bytes,
                i -> i == 3 ? pair : i == 4 ? pair + 1 : mixed[i < 3 ? i : i - 2]);
            assertEquals(PAGE, frameOffsetStep(kernel, d, consecutive), "the run's frames really are consecutive");
            final UnsafeBuffer copy = new UnsafeBuffer(bytes);
            for (int step = 0; step < 2000; step++)
            {
                // Word-aligned starts half of the time: those are the ranges read in runs.
                final int offset = random.nextBoolean() ? random.nextInt(bytes.length / 8) * 8 :
                    random.nextInt(bytes.length);
                final int length = random.nextInt(bytes.length - offset + 1);
                final long expected = pageOrderSum(copy, offset, length);
                final String where = "seed=" + seed + " offset=" + offset + " length=" + length;
                assertEquals(expected, d.addressSpace().sumLongs(consecutive + offset, length), where + " consecutive");
                assertEquals(expected, d.addressSpace().sumLongs(apart + offset, length), where + " scattered");
                assertEquals(expected, d.addressSpace().sumLongs(partly + offset, length), where + " mixed");
            }
        }
    }

    @Test
    void aRunWithAnUnreadablePageFaults()
    {
        try (PhysicalMemory memory = PhysicalMemory.allocateDirect(64); Kernel kernel = new Kernel(memory))
        {
            final Domain d = kernel.createDomain("d");
            final int first = kernel.allocateContiguousFrames(d, 3, true);
            final long base = kernel.reserve(d, 3);
            kernel.map(d, base, first, Rights.READ);
            kernel.map(d, base + 2L * PAGE, first + 2, Rights.READ);
            // The middle frame is consecutive with both neighbours but not mapped: the run must not read through it.
            final ProtectionFault fault = assertThrows(ProtectionFault.class,
                () -> d.addressSpace().sumLongs(base, 3 * PAGE));
            assertEquals(base + PAGE, fault.address());
            assertThrows(IllegalArgumentException.class, () -> d.addressSpace().sumLongs(base, -1));
            assertEquals(0, d.addressSpace().sumLongs(base, 0));
        }
    }

    /** The documented value: the touch routine over each page's part of the range, in order. */
    private static long pageOrderSum(final UnsafeBuffer bytes, final int offset, final int length)
    {
        long sum = 0;
        for (int at = offset; at < offset + length; )
        {
            final int chunk = Math.min(offset + length - at, PAGE - (at & (PAGE - 1)));
            sum += Touch.sumLongs(bytes, at, chunk);
            at += chunk;
        }
        return sum;
    }

    private static long mapped(final Kernel kernel, final Domain d, final byte[] bytes,
        final java.util.function.IntUnaryOperator frameOfPage)
    {
        final long base = kernel.reserve(d, PAGES);
        final UnsafeBuffer source = new UnsafeBuffer(bytes);
        for (int i = 0; i < PAGES; i++)
        {
            kernel.map(d, base + (long)i * PAGE, frameOfPage.applyAsInt(i), Rights.READ_WRITE);
        }
        d.addressSpace().putBytes(base, source, 0, bytes.length);
        return base;
    }

    private static int frameOffsetStep(final Kernel kernel, final Domain d, final long base)
    {
        return kernel.memory().frameOffset(d.addressSpace().frameAt(base + PAGE)) -
            kernel.memory().frameOffset(d.addressSpace().frameAt(base));
    }
}
