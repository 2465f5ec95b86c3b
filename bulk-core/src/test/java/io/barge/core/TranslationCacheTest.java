package io.barge.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * White box: what the translation cache keeps and what a full flush drops. The page table is rewritten underneath
 * the cache (no invalidation, as no kernel path does), so a read shows whether it was served from a cached entry
 * (the old frame's bytes) or from a walk (the new frame's).
 */
class TranslationCacheTest
{
    /** A driver's pool of pages, as the NIC paths cycle through: half the cache, so every page keeps its slot. */
    private static final int POOL = 512;
    private static final long OLD = 0x0A0A_0A0AL;
    private static final long NEW = 0x0B0B_0B0BL;

    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain a;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(4 * POOL);
        kernel = new Kernel(memory);
        a = kernel.createDomain("a");
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        assertEquals(memory.frameCount(), memory.freeFrames(), "kernel close returns every frame");
        memory.close();
    }

    @Test
    void aPoolOfFiveHundredPagesStaysTranslatedUntilAFullFlushWhichOneStoreMakesEveryEntryMiss() throws Exception
    {
        final AddressSpace space = a.addressSpace();
        final int page = space.pageSize();
        final long pool = kernel.reserve(a, POOL);
        final long spare = kernel.reserve(a, POOL);
        final int[] poolFrames = new int[POOL];
        final int[] spareFrames = new int[POOL];
        for (int i = 0; i < POOL; i++)
        {
            poolFrames[i] = kernel.allocateFrame(a, true);
            spareFrames[i] = kernel.allocateFrame(a, true);
            kernel.map(a, pool + (long)i * page, poolFrames[i], Rights.READ_WRITE);
            kernel.map(a, spare + (long)i * page, spareFrames[i], Rights.READ_WRITE);
            space.putLong(pool + (long)i * page, OLD + i);
            space.putLong(spare + (long)i * page, NEW + i);
        }
        for (int i = 0; i < POOL; i++)
        {
            assertEquals(OLD + i, space.getLong(pool + (long)i * page)); // every pool page cached now
        }

        repoint(space, pool, spareFrames);
        for (int i = 0; i < POOL; i++)
        {
            assertEquals(OLD + i, space.getLong(pool + (long)i * page),
                "page " + i + " of " + POOL + " was walked again: the cache did not keep the pool");
        }

        kernel.flush(a);
        for (int i = 0; i < POOL; i++)
        {
            assertEquals(NEW + i, space.getLong(pool + (long)i * page),
                "page " + i + " served from an entry cached before the flush");
        }

        repoint(space, pool, poolFrames); // back to the real mappings, behind the entries the walks just cached
        for (int i = 0; i < POOL; i++)
        {
            assertEquals(NEW + i, space.getLong(pool + (long)i * page),
                "page " + i + ": an entry filled after the flush did not count");
        }
        kernel.flush(a);
        for (int i = 0; i < POOL; i++)
        {
            assertEquals(OLD + i, space.getLong(pool + (long)i * page), "page " + i + " after the second flush");
        }
        assertEquals(2, a.counter(CounterType.TLB_FLUSHES));
    }

    /** Points each page of the range at another frame, keeping its rights, without telling the cache. */
    private static void repoint(final AddressSpace space, final long base, final int[] frames) throws Exception
    {
        final Field field = AddressSpace.class.getDeclaredField("directory");
        field.setAccessible(true);
        final long[][] directory = (long[][])field.get(space);
        final long firstPage = base / space.pageSize();
        for (int i = 0; i < frames.length; i++)
        {
            final long vpn = firstPage + i;
            final long[] table = directory[(int)(vpn >>> AddressSpace.TABLE_BITS)];
            final int index = (int)vpn & AddressSpace.TABLE_MASK;
            final long rightsAndPresent = table[index] & ((1L << AddressSpace.PTE_FRAME_SHIFT) - 1);
            table[index] = ((long)frames[i] << AddressSpace.PTE_FRAME_SHIFT) | rightsAndPresent;
        }
    }
}
