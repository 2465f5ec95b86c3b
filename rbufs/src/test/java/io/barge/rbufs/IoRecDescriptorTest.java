package io.barge.rbufs;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class IoRecDescriptorTest
{
    private static final long AREA = 4096;

    @Test
    void headerKeepsCountAndFlags()
    {
        final long header = IoRecDescriptor.header(7, IoRecDescriptor.FLAG_FREE);
        assertEquals(7, IoRecDescriptor.count(header));
        assertEquals(IoRecDescriptor.FLAG_FREE, IoRecDescriptor.flags(header));
        assertEquals(-1, IoRecDescriptor.count(IoRecDescriptor.header(-1, 0)));
    }

    @Test
    void recordsAreAlignedPairs()
    {
        assertEquals(32, IoRecDescriptor.recordLength(1));
        assertEquals(IoRecDescriptor.MAX_RECORD_LENGTH, IoRecDescriptor.recordLength(IoRecDescriptor.MAX_PAIRS));
        assertEquals(0, IoRecDescriptor.MAX_RECORD_LENGTH % IoRecDescriptor.ALIGNMENT);
    }

    @Test
    void pairChecks()
    {
        assertNotNull(IoRecDescriptor.checkPair(0, 0, AREA), "length 0");
        assertNotNull(IoRecDescriptor.checkPair(0, -5, AREA), "negative length");
        assertNotNull(IoRecDescriptor.checkPair(-1, 16, AREA), "base -1");
        assertNotNull(IoRecDescriptor.checkPair(AREA, 1, AREA), "past the end");
        assertNotNull(IoRecDescriptor.checkPair(AREA - 8, 16, AREA), "straddling the end");
        assertNotNull(IoRecDescriptor.checkPair(64, Long.MAX_VALUE - 32, AREA), "base+length overflow");
        assertNotNull(IoRecDescriptor.checkPair(Long.MAX_VALUE, Long.MAX_VALUE, AREA), "both huge");
        assertNull(IoRecDescriptor.checkPair(AREA - 16, 16, AREA), "exactly at the end");
        assertNull(IoRecDescriptor.checkPair(0, AREA, AREA), "the whole area");
    }

    @Test
    void ringCapacityHoldsEveryMessage()
    {
        assertEquals(ControlAreaDescriptor.MIN_CAPACITY, ControlAreaDescriptor.ringCapacityFor(2));
        assertEquals(64 * 32, ControlAreaDescriptor.ringCapacityFor(64));
        assertEquals(4096 * 32, ControlAreaDescriptor.ringCapacityFor(4096));
        assertEquals(2048, ControlAreaDescriptor.ringCapacityFor(33));
    }
}
