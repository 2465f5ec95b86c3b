package io.barge.bench.core;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stage message is accepted whole and refused torn, corrupt or mis-sized: generated sizes, sequences, runs and
 * damage (seeded; the seed is in every failure message).
 */
class StageMessageDescriptorTest
{
    private static final int MAX = 9000;

    @ParameterizedTest
    @ValueSource(longs = { 1L, 42L, 0x5EED_0001L, 0x5EED_0002L, 0x5EED_0003L })
    void wholeMessagesPassAndAnyChangedByteIsCaught(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[MAX + 16]);
        for (int round = 0; round < 200; round++)
        {
            final int length = random.nextInt(StageMessageDescriptor.HEADER_LENGTH, MAX);
            final int offset = random.nextInt(0, 16);
            final long sequence = random.nextLong(0, Long.MAX_VALUE);
            final long run = random.nextLong();
            final String where = "seed=" + seed + " round=" + round + " length=" + length;
            final UnsafeBuffer message = new UnsafeBuffer(buffer, offset, length);
            StageMessageDescriptor.write(message, sequence, run, length);
            assertNull(StageMessageDescriptor.check(buffer, offset, length, true), where);
            assertNull(StageMessageDescriptor.check(buffer, offset, length, false), where);
            assertEquals(sequence, StageMessageDescriptor.sequence(buffer, offset), where);
            assertEquals(run, StageMessageDescriptor.runId(buffer, offset), where);

            final int at = random.nextInt(0, length);
            final byte was = message.getByte(at);
            message.putByte(at, (byte)(was ^ (1 << random.nextInt(8))));
            assertNotNull(StageMessageDescriptor.check(buffer, offset, length, true), where + " flipped byte " + at);
            if (at < StageMessageDescriptor.HEADER_LENGTH)
            {
                assertNotNull(StageMessageDescriptor.check(buffer, offset, length, false), where + " header " + at);
            }
            message.putByte(at, was);
            assertNotNull(StageMessageDescriptor.check(buffer, offset, length - 1, true), where + " one short");
        }
    }

    @ParameterizedTest
    @ValueSource(longs = { 7L, 0xC0FFEEL, 0x5EED_0004L })
    void aTornMessageIsCaught(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 100; round++)
        {
            // Half of one message over the other: what a reader would see if it read a record being rewritten.
            final int length = random.nextInt(StageMessageDescriptor.HEADER_LENGTH + 16, MAX);
            final long sequence = random.nextLong(0, Long.MAX_VALUE - 1);
            final long run = random.nextLong();
            final UnsafeBuffer older = new UnsafeBuffer(new byte[length]);
            final UnsafeBuffer newer = new UnsafeBuffer(new byte[length]);
            StageMessageDescriptor.write(older, sequence, run, length);
            StageMessageDescriptor.write(newer, sequence + 1, run, length);
            final int cut = random.nextInt(StageMessageDescriptor.HEADER_LENGTH, length - 8);
            newer.putBytes(cut, older, cut, length - cut);
            final String where = "seed=" + seed + " round=" + round + " length=" + length + " cut=" + cut;
            final String found = StageMessageDescriptor.check(newer, 0, length, true);
            assertNotNull(found, where);
            assertTrue(found.contains("sequence " + (sequence + 1)), where + ": " + found);
            // The header-and-ends check still sees it whenever the last word came from the other message.
            if (cut <= length - 8 - (length - StageMessageDescriptor.HEADER_LENGTH) % 8)
            {
                assertNotNull(StageMessageDescriptor.check(newer, 0, length, false), where);
            }
        }
    }

    @Test
    void lengthsOutsideTheHeaderOrTheChannelAreRefused()
    {
        assertNotNull(StageMessageDescriptor.checkLength(StageMessageDescriptor.HEADER_LENGTH - 1, 1024));
        assertNotNull(StageMessageDescriptor.checkLength(1025, 1024));
        assertNull(StageMessageDescriptor.checkLength(StageMessageDescriptor.HEADER_LENGTH, 1024));
        assertNull(StageMessageDescriptor.checkLength(1024, 1024));
        final UnsafeBuffer shortOne = new UnsafeBuffer(new byte[StageMessageDescriptor.HEADER_LENGTH]);
        assertTrue(StageMessageDescriptor.check(shortOne, 0, StageMessageDescriptor.HEADER_LENGTH - 1, false)
            .contains("shorter than the 24-byte header"));
    }
}
