package io.barge.drivers.nic;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The descriptor and register layouts as fixed data (the datasheet), and seeded round trips of every field.
 */
class NicDescriptorTest
{
    @Test
    void offsetsAreTheDatasheetOnes()
    {
        assertEquals(16, NicDescriptor.LENGTH);
        assertEquals(0, NicDescriptor.BUFFER_FRAME_OFFSET);
        assertEquals(4, NicDescriptor.BUFFER_OFFSET_OFFSET);
        assertEquals(6, NicDescriptor.BUFFER_LENGTH_OFFSET);
        assertEquals(8, NicDescriptor.SEQUENCE_OFFSET);
        assertEquals(12, NicDescriptor.COMPLETED_LENGTH_OFFSET);
        assertEquals(14, NicDescriptor.STATUS_OFFSET);
        assertEquals(15, NicDescriptor.ERROR_OFFSET);
        assertEquals(2, NicDescriptor.ringFrames(512, 4096));
        assertEquals(1, NicDescriptor.ringFrames(8, 4096));
        assertEquals(128, NicRegistersDescriptor.TX_TAIL_OFFSET);
        assertEquals(256, NicRegistersDescriptor.TX_HEAD_OFFSET);
        assertEquals(384, NicRegistersDescriptor.RX_TAIL_OFFSET);
        assertEquals(512, NicRegistersDescriptor.RX_HEAD_OFFSET);
    }

    @Test
    void aWriteBackHasTheDocumentedBytes()
    {
        final UnsafeBuffer ring = new UnsafeBuffer(new byte[NicDescriptor.LENGTH]);
        final UnsafeBuffer writeBack = new UnsafeBuffer(new byte[NicDescriptor.WRITE_BACK_LENGTH]);
        NicDescriptor.post(ring, 0, 0x01020304, 0x0506, 0x0708);
        NicDescriptor.writeBack(writeBack, 0, 0x0A0B0C0D, 0x0E0F, NicDescriptor.STATUS_DONE, 3);
        ring.putBytes(NicDescriptor.WRITE_BACK_OFFSET, writeBack, 0, NicDescriptor.WRITE_BACK_LENGTH);
        final byte[] expected = {0x04, 0x03, 0x02, 0x01, 0x06, 0x05, 0x08, 0x07, 0x0D, 0x0C, 0x0B, 0x0A, 0x0F, 0x0E,
            0x01, 0x03};
        for (int i = 0; i < expected.length; i++)
        {
            assertEquals(expected[i], ring.getByte(i), "byte " + i);
        }
    }

    @ParameterizedTest(name = "seed={0}")
    @ValueSource(longs = {1L, 99L, 0xC0FFEEL})
    void everyFieldRoundTrips(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final UnsafeBuffer ring = new UnsafeBuffer(new byte[NicDescriptor.LENGTH * 64]);
        final UnsafeBuffer writeBack = new UnsafeBuffer(new byte[NicDescriptor.WRITE_BACK_LENGTH]);
        for (int i = 0; i < 10_000; i++)
        {
            final int slot = random.nextInt(64);
            final int at = NicDescriptor.descriptorOffset(slot);
            final int frame = random.nextInt();
            final int offset = random.nextInt(NicDescriptor.MAX_FIELD + 1);
            final int length = random.nextInt(NicDescriptor.MAX_FIELD + 1);
            final int sequence = random.nextInt();
            final int completed = random.nextInt(NicDescriptor.MAX_FIELD + 1);
            final int status = random.nextInt(256);
            final int error = random.nextInt(256);
            NicDescriptor.post(ring, at, frame, offset, length);
            assertEquals(0, NicDescriptor.writeBackWord(ring, at), "seed=" + seed + " post clears the device half");
            NicDescriptor.writeBack(writeBack, 0, sequence, completed, status, error);
            ring.putBytes(at + NicDescriptor.WRITE_BACK_OFFSET, writeBack, 0, NicDescriptor.WRITE_BACK_LENGTH);
            final long word = NicDescriptor.writeBackWord(ring, at);
            assertEquals(frame, NicDescriptor.bufferFrame(ring, at), "seed=" + seed);
            assertEquals(offset, NicDescriptor.bufferOffset(ring, at), "seed=" + seed);
            assertEquals(length, NicDescriptor.bufferLength(ring, at), "seed=" + seed);
            assertEquals(sequence, NicDescriptor.sequence(word), "seed=" + seed);
            assertEquals(completed, NicDescriptor.completedLength(word), "seed=" + seed);
            assertEquals(status, NicDescriptor.status(word), "seed=" + seed);
            assertEquals(error, NicDescriptor.error(word), "seed=" + seed);
        }
    }
}
