package io.barge.core;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Random map/unmap/protect sequences against a plain model of what each page should allow.
 */
class AddressSpaceRandomTest
{
    @ParameterizedTest
    @ValueSource(longs = { 1L, 2L, 3L, 42L, 0xBA5EL })
    void accessesAgreeWithTheModel(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        try (PhysicalMemory memory = PhysicalMemory.allocateDirect(128); Kernel kernel = new Kernel(memory))
        {
            final Domain d = kernel.createDomain("d");
            final int pages = 32;
            final long base = kernel.reserve(d, pages);
            final int[] model = new int[pages];
            final int[] frames = new int[pages];
            java.util.Arrays.fill(model, -1);
            for (int step = 0; step < 2000; step++)
            {
                final int p = random.nextInt(pages);
                final long va = base + (long)p * 4096;
                switch (random.nextInt(4))
                {
                    case 0:
                        if (model[p] < 0)
                        {
                            frames[p] = kernel.allocateFrame(d, true);
                            final int rights = random.nextBoolean() ? Rights.READ : Rights.READ_WRITE;
                            kernel.map(d, va, frames[p], rights);
                            model[p] = rights;
                        }
                        break;
                    case 1:
                        if (model[p] >= 0)
                        {
                            kernel.unmap(d, va);
                            kernel.freeFrame(d, frames[p]);
                            model[p] = -1;
                        }
                        break;
                    case 2:
                        if (model[p] >= 0)
                        {
                            final int rights = random.nextBoolean() ? Rights.READ : Rights.READ_WRITE;
                            kernel.protect(d, va, rights);
                            model[p] = rights;
                        }
                        break;
                    default:
                        final long at = va + random.nextInt(4096 / 8) * 8L;
                        final boolean write = random.nextBoolean();
                        final boolean allowed = write ? model[p] == Rights.READ_WRITE : model[p] >= Rights.READ;
                        try
                        {
                            if (write)
                            {
                                d.addressSpace().putLong(at, step);
                            }
                            else
                            {
                                d.addressSpace().getLong(at);
                            }
                            assertTrue(allowed, "seed=" + seed + " step=" + step + ": access should have faulted");
                        }
                        catch (final ProtectionFault fault)
                        {
                            assertFalse(allowed, "seed=" + seed + " step=" + step + ": unexpected " + fault);
                        }
                }
            }
            final UnsafeBuffer sink = new UnsafeBuffer(new byte[8]);
            for (int p = 0; p < pages; p++)
            {
                assertEquals(model[p], d.addressSpace().rightsAt(base + (long)p * 4096), "seed=" + seed);
                if (model[p] >= 0)
                {
                    d.addressSpace().getBytes(base + (long)p * 4096, sink, 0, 8);
                }
            }
        }
    }
}
