package io.barge.rbufs;

import io.barge.core.Access;
import io.barge.core.ProtocolViolationException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayDeque;
import java.util.SplittableRandom;

import static io.barge.rbufs.IoRecDescriptor.FLAG_DATA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IoRecRingTest extends RbufsFixture
{
    private static final int CAPACITY = 1024;
    private SharedRegion area;
    private IoRecWriter writer;
    private IoRecReader reader;

    @BeforeEach
    void setUpRing()
    {
        area = RbufsChannel.controlArea(kernel, a, b, CAPACITY, FLAG_DATA);
        writer = new IoRecWriter(new RingView(a.addressSpace(), area.ownerAddress(), area.length(), Access.WRITE),
            CAPACITY);
        final RingView readView = new RingView(b.addressSpace(), area.addressIn(b), area.length(), Access.READ);
        ControlAreaDescriptor.checkHeader(readView.firstPage(), CAPACITY, FLAG_DATA);
        reader = new IoRecReader(readView, CAPACITY, FLAG_DATA);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 20261125})
    void variableRecordsRoundTripAcrossWrapsWithoutOverwriting(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final ArrayDeque<long[]> expected = new ArrayDeque<>();
        final IoRec rec = new IoRec();
        long next = 1;
        for (int round = 0; round < 2000; round++)
        {
            if (random.nextBoolean())
            {
                final int count = random.nextInt(1, IoRecDescriptor.MAX_PAIRS + 1);
                final int offset = writer.claim(count);
                if (offset < 0)
                {
                    final int length = IoRecDescriptor.recordLength(count);
                    final int index = (int)(writer.head() & (CAPACITY - 1));
                    final int pad = index + length > CAPACITY ? CAPACITY - index : 0;
                    assertTrue(writer.head() - writer.knownTail() + pad + length > CAPACITY,
                        "seed=" + seed + ": refused although room");
                    continue;
                }
                final long[] values = new long[count];
                for (int i = 0; i < count; i++)
                {
                    values[i] = next++;
                    writer.putPair(offset, i, values[i], values[i] * 3);
                }
                writer.finish(offset, count, FLAG_DATA);
                assertTrue(writer.head() - writer.knownTail() <= CAPACITY, "seed=" + seed + ": overran the tail");
                expected.add(values);
                reader.onHead(writer.head());
            }
            else if (reader.read(rec))
            {
                final long[] values = expected.poll();
                assertEquals(values.length, rec.count, "seed=" + seed);
                for (int i = 0; i < rec.count; i++)
                {
                    assertEquals(values[i], rec.bases[i], "seed=" + seed);
                    assertEquals(values[i] * 3, rec.lengths[i], "seed=" + seed);
                }
                writer.onTail(reader.tail());
            }
        }
    }

    @Test
    void fullRingRefusesWithoutOverwriting()
    {
        int written = 0;
        while (writer.write(FLAG_DATA, written, 1))
        {
            written++;
        }
        assertEquals(CAPACITY / 32, written);
        assertFalse(writer.hasRoom(1));
        reader.onHead(writer.head());
        final IoRec rec = new IoRec();
        for (int i = 0; i < written; i++)
        {
            assertTrue(reader.read(rec));
            assertEquals(i, rec.bases[0]);
        }
        assertFalse(reader.read(rec));
    }

    @Test
    void headBeyondRingSizeIsViolation()
    {
        assertThrows(ProtocolViolationException.class, () -> reader.onHead(CAPACITY + 16));
    }

    @Test
    void headBackwardsIsViolation()
    {
        writer.write(FLAG_DATA, 0, 1);
        writer.write(FLAG_DATA, 0, 1);
        reader.onHead(64);
        assertThrows(ProtocolViolationException.class, () -> reader.onHead(32));
    }

    @Test
    void misalignedHeadIsViolation()
    {
        assertThrows(ProtocolViolationException.class, () -> reader.onHead(8));
    }

    @Test
    void tailPastHeadOrBackwardsIsViolation()
    {
        writer.write(FLAG_DATA, 0, 1);
        assertThrows(ProtocolViolationException.class, () -> writer.onTail(64));
        writer.onTail(32);
        assertThrows(ProtocolViolationException.class, () -> writer.onTail(0));
    }

    @Test
    void recordWithBadCountIsViolation()
    {
        final int offset = writer.claim(1);
        writer.finish(offset, 1, FLAG_DATA);
        writer.view().putLong(offset, IoRecDescriptor.header(IoRecDescriptor.MAX_PAIRS + 1, FLAG_DATA));
        reader.onHead(writer.head());
        assertThrows(ProtocolViolationException.class, () -> reader.read(new IoRec()));
    }

    @Test
    void recordRunningPastHeadIsViolation()
    {
        final int offset = writer.claim(1);
        writer.finish(offset, 1, FLAG_DATA);
        writer.view().putLong(offset, IoRecDescriptor.header(3, FLAG_DATA));
        reader.onHead(writer.head());
        assertThrows(ProtocolViolationException.class, () -> reader.read(new IoRec()));
    }

    @Test
    void recordWithWrongFlagsIsViolation()
    {
        writer.write(IoRecDescriptor.FLAG_FREE, 0, 1);
        reader.onHead(writer.head());
        assertThrows(ProtocolViolationException.class, () -> reader.read(new IoRec()));
    }

    @Test
    void headerWithWrongMagicIsRejectedOnAttach()
    {
        writer.view().putLong(ControlAreaDescriptor.MAGIC_OFFSET, 42);
        final RingView view = new RingView(b.addressSpace(), area.addressIn(b), area.length(), Access.READ);
        assertThrows(ProtocolViolationException.class,
            () -> ControlAreaDescriptor.checkHeader(view.firstPage(), CAPACITY, FLAG_DATA));
        area.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }
}
