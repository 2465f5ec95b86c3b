package io.barge.core.machine;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

import java.util.SplittableRandom;

import static io.barge.core.machine.MachineFileDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Generated headers: each one either passes the check, and then its sections lie inside the file end to end with
 * rings of a power-of-two capacity, or fails with a {@link MachineFileException} and a reason, never another
 * exception.
 */
@Timeout(30)
class MachineFileHeaderGeneratedTest
{
    private static int plausible(final SplittableRandom random, final int good)
    {
        switch (random.nextInt(6))
        {
            case 0:
                return good;
            case 1:
                return random.nextInt();
            case 2:
                return good + PAGE_LENGTH * random.nextInt(-3, 4);
            case 3:
                return (1 << random.nextInt(12, 24)) + PAGE_LENGTH * random.nextInt(0, 2);
            case 4:
                return good + random.nextInt(-8, 9);
            default:
                return good * 2;
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 20261203})
    void aGeneratedHeaderPassesWholeOrFailsTyped(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final int values = countersValuesLength(16);
        final UnsafeBuffer good = new UnsafeBuffer(new byte[HEADER_FIELDS_LENGTH]);
        writeHeader(good, values, 1, 1, 1000);
        final long goodLength = newFileLength(values);
        int passed = 0;
        for (int i = 0; i < 20_000; i++)
        {
            final UnsafeBuffer header = new UnsafeBuffer(new byte[HEADER_FIELDS_LENGTH]);
            header.putBytes(0, good, 0, HEADER_FIELDS_LENGTH);
            for (final int offset : new int[]{HEADER_LENGTH_OFFSET, TO_KERNEL_RING_LENGTH_OFFSET,
                TO_DOMAINS_BUFFER_LENGTH_OFFSET, CLIENT_TABLE_LENGTH_OFFSET, COUNTERS_METADATA_LENGTH_OFFSET,
                COUNTERS_VALUES_LENGTH_OFFSET})
            {
                if (random.nextInt(3) == 0)
                {
                    header.putInt(offset, plausible(random, header.getInt(offset)));
                }
            }
            if (random.nextInt(20) == 0)
            {
                header.putInt(VERSION_OFFSET, random.nextInt(0, 4));
            }
            final long actual = random.nextInt(4) == 0 ? random.nextLong(0, 2 * goodLength) :
                fileLength(header) + random.nextInt(-1, 2);
            try
            {
                checkHeader(header, actual, "seed " + seed);
                passed++;
                assertEquals(actual, fileLength(header), "seed " + seed);
                final int toKernel = ringCapacity(header.getInt(TO_KERNEL_RING_LENGTH_OFFSET));
                final int toDomains = ringCapacity(header.getInt(TO_DOMAINS_BUFFER_LENGTH_OFFSET));
                assertTrue(Integer.bitCount(toKernel) == 1 && Integer.bitCount(toDomains) == 1, "seed " + seed);
                assertTrue(countersValuesOffset(header) + (long)header.getInt(COUNTERS_VALUES_LENGTH_OFFSET) ==
                    actual, "seed " + seed);
                assertTrue(clientTableOffset(header) > toDomainsBufferOffset(header), "seed " + seed);
            }
            catch (final MachineFileException ex)
            {
                assertNotNull(ex.reason(), "seed " + seed);
            }
            catch (final RuntimeException ex)
            {
                fail("seed " + seed + ": " + ex, ex);
            }
        }
        assertTrue(passed > 0, "seed " + seed + ": no generated header passed");
    }
}
