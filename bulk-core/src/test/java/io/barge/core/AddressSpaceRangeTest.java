package io.barge.core;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Byte-range accesses (within one page, which take one translation, and across pages) against a model of each
 * page's rights: a range faults exactly when one of its pages lacks the right, and then no byte moves.
 */
class AddressSpaceRangeTest
{
    @ParameterizedTest
    @ValueSource(longs = { 7L, 11L, 2026L })
    void rangesFaultExactlyWhenAPageLacksTheRightAndMoveNothingThen(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        try (PhysicalMemory memory = PhysicalMemory.allocateDirect(64); Kernel kernel = new Kernel(memory))
        {
            final Domain d = kernel.createDomain("d");
            final int pages = 8;
            final long base = kernel.reserve(d, pages);
            final int[] rights = new int[pages];
            final byte[] shadow = new byte[pages * 4096];
            for (int p = 0; p < pages; p++)
            {
                rights[p] = random.nextInt(3) - 1; // -1 unmapped, READ, READ_WRITE
                if (rights[p] >= 0)
                {
                    kernel.map(d, base + (long)p * 4096, kernel.allocateFrame(d, true), rights[p] == 0 ?
                        Rights.READ : Rights.READ_WRITE);
                    rights[p] = rights[p] == 0 ? Rights.READ : Rights.READ_WRITE;
                }
            }
            final AddressSpace space = d.addressSpace();
            final byte[] bytes = new byte[9000];
            final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
            for (int step = 0; step < 3000; step++)
            {
                final int offset = random.nextInt(shadow.length);
                final int length = random.nextBoolean() ? random.nextInt(1, 4097 - (offset & 4095)) :
                    random.nextInt(1, Math.min(9000, shadow.length - offset) + 1);
                final boolean write = random.nextBoolean();
                final int need = write ? Rights.READ_WRITE : Rights.READ;
                boolean allowed = true;
                for (int p = offset / 4096; p <= (offset + length - 1) / 4096; p++)
                {
                    allowed &= rights[p] >= 0 && (rights[p] & need) == need;
                }
                final String where = "seed=" + seed + " step=" + step + " offset=" + offset + " length=" + length;
                try
                {
                    if (write)
                    {
                        random.nextBytes(bytes);
                        space.putBytes(base + offset, buffer, 0, length);
                        System.arraycopy(bytes, 0, shadow, offset, length);
                    }
                    else if (random.nextBoolean())
                    {
                        java.util.Arrays.fill(bytes, (byte)0);
                        space.getBytes(base + offset, buffer, 0, length);
                        assertArrayEquals(java.util.Arrays.copyOfRange(shadow, offset, offset + length),
                            java.util.Arrays.copyOf(bytes, length), where);
                    }
                    else
                    {
                        // The documented order: the touch routine over each page's part of the range.
                        final UnsafeBuffer copy = new UnsafeBuffer(shadow);
                        long expected = 0;
                        for (int at = offset; at < offset + length; )
                        {
                            final int chunk = Math.min(offset + length - at, 4096 - (at & 4095));
                            expected += Touch.sumLongs(copy, at, chunk);
                            at += chunk;
                        }
                        assertEquals(expected, space.sumLongs(base + offset, length), where);
                    }
                    assertTrue(allowed, where + ": should have faulted");
                }
                catch (final ProtectionFault fault)
                {
                    assertFalse(allowed, where + ": unexpected " + fault);
                }
            }
            // Nothing moved on a fault: every readable page still holds exactly what the model says.
            final UnsafeBuffer page = new UnsafeBuffer(new byte[4096]);
            for (int p = 0; p < pages; p++)
            {
                if (rights[p] >= 0)
                {
                    space.getBytes(base + (long)p * 4096, page, 0, 4096);
                    assertArrayEquals(java.util.Arrays.copyOfRange(shadow, p * 4096, (p + 1) * 4096),
                        page.byteArray(), "seed=" + seed + " page " + p);
                }
            }
        }
    }
}
