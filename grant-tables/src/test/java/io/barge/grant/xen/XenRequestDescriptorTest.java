package io.barge.grant.xen;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The request and response layout: the offsets are fixed data (a peer built elsewhere depends on them), fields
 * round-trip for generated values, and neighbouring fields do not overlap.
 */
class XenRequestDescriptorTest
{
    @Test
    void offsetsAreTheDocumentedOnes()
    {
        assertEquals(0, XenRequestDescriptor.ID_OFFSET);
        assertEquals(4, XenRequestDescriptor.FLAGS_OFFSET);
        assertEquals(8, XenRequestDescriptor.LENGTH_OFFSET);
        assertEquals(12, XenRequestDescriptor.SEGMENT_COUNT_OFFSET);
        assertEquals(16, XenRequestDescriptor.SEGMENTS_OFFSET);
        assertEquals(4, XenRequestDescriptor.STATUS_OFFSET);
        assertEquals(144, XenRequestDescriptor.SLOT_LENGTH);
        assertEquals(512, XenRequestDescriptor.SEGMENTS_PER_INDIRECT_PAGE);
        assertEquals(8, XenRequestDescriptor.RESPONSE_LENGTH);
        assertEquals(16, XenRequestDescriptor.FILLED_RESPONSE_LENGTH);
    }

    /** Flags, segment count, and the bytes of the slot the back end copies (fixed data: header 16, 8 a segment). */
    @ParameterizedTest
    @CsvSource({ "0, 1, 24", "0, 3, 40", "0, 16, 144", "0, 17, 144", "0, 0, 144", "0, -1, 144",
        "1, 2, 144", "2, 0, 144", "4, 1, 144" })
    void aRequestFillsItsHeaderAndSegmentsOrElseTheWholeSlot(final int flags, final int segments, final int bytes)
    {
        final UnsafeBuffer copy = new UnsafeBuffer(new byte[XenRequestDescriptor.SLOT_LENGTH]);
        XenRequestDescriptor.header(copy, 0, 7, flags, 100, segments);
        assertEquals(bytes, XenRequestDescriptor.REQUEST_LENGTH.of(copy, 0));
    }

    @ParameterizedTest
    @CsvSource({ "1, 0", "16, 0", "17, 1", "256, 1", "512, 1", "513, 2", "4096, 8" })
    void indirectPagesFor4KiBPages(final int segments, final int pages)
    {
        assertEquals(pages, XenRequestDescriptor.indirectPagesFor(segments, 4096));
    }

    @ParameterizedTest
    @ValueSource(longs = { 1L, 42L, 0xC0FFEEL })
    void fieldsRoundTripWithoutOverlap(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final UnsafeBuffer slot = new UnsafeBuffer(new byte[8 + XenRequestDescriptor.SLOT_LENGTH]);
        for (int round = 0; round < 200; round++)
        {
            final String context = "seed=" + seed + " round=" + round;
            final int base = 8 * random.nextInt(2);
            final int id = random.nextInt();
            final int flags = random.nextInt();
            final int length = random.nextInt();
            final int count = random.nextInt();
            XenRequestDescriptor.header(slot, base, id, flags, length, count);
            final int[] refs = new int[XenRequestDescriptor.DIRECT_SEGMENTS];
            final int[] offsets = new int[refs.length];
            final int[] bytes = new int[refs.length];
            for (int i = 0; i < refs.length; i++)
            {
                refs[i] = random.nextInt();
                offsets[i] = random.nextInt(1 << 16);
                bytes[i] = random.nextInt(1 << 16);
                XenRequestDescriptor.segment(slot,
                    XenRequestDescriptor.segmentOffset(base + XenRequestDescriptor.SEGMENTS_OFFSET, i), refs[i],
                    offsets[i], bytes[i]);
            }
            assertEquals(id, XenRequestDescriptor.id(slot, base), context);
            assertEquals(flags, XenRequestDescriptor.flags(slot, base), context);
            assertEquals(length, XenRequestDescriptor.length(slot, base), context);
            assertEquals(count, XenRequestDescriptor.segmentCount(slot, base), context);
            for (int i = 0; i < refs.length; i++)
            {
                final int at = XenRequestDescriptor.segmentOffset(base + XenRequestDescriptor.SEGMENTS_OFFSET, i);
                assertEquals(refs[i], XenRequestDescriptor.segmentRef(slot, at), context + " segment " + i);
                assertEquals(offsets[i], XenRequestDescriptor.segmentPageOffset(slot, at), context + " segment " + i);
                assertEquals(bytes[i], XenRequestDescriptor.segmentBytes(slot, at), context + " segment " + i);
                final long word = XenRequestDescriptor.segmentWord(slot, at);
                assertEquals(refs[i], XenRequestDescriptor.wordRef(word), context + " segment word " + i);
                assertEquals(offsets[i], XenRequestDescriptor.wordPageOffset(word), context + " segment word " + i);
                assertEquals(bytes[i], XenRequestDescriptor.wordBytes(word), context + " segment word " + i);
            }
            final int status = random.nextInt();
            XenRequestDescriptor.response(slot, base, id + 1, status);
            assertEquals(id + 1, XenRequestDescriptor.id(slot, base), context);
            assertEquals(status, XenRequestDescriptor.status(slot, base), context);
        }
    }
}
