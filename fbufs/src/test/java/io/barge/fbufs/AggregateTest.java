package io.barge.fbufs;

import io.barge.core.Domain;
import io.barge.core.transport.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The mbuf operations against a byte-array model, on generated inputs; every reference is dropped at the end.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AggregateTest extends FbufFixture
{
    private FbufRegion region;
    private IoPath path;

    @BeforeEach
    void createRegion()
    {
        region = new FbufRegion(kernel, 2048);
        path = region.createPath(new Domain[]{ a, b }, new FbufMode(true, true, true), 1024);
    }

    private long filledFbuf(final SplittableRandom random, final int bytes)
    {
        final long handle = path.allocate(bytes);
        final long address = region.address(handle);
        for (int i = 0; i < bytes; i++)
        {
            a.addressSpace().putByte(address + i, (byte)random.nextInt());
        }
        return handle;
    }

    private byte[] bytesOf(final Aggregate aggregate)
    {
        final UnsafeBuffer copy = new UnsafeBuffer(new byte[aggregate.length()]);
        aggregate.getBytes(0, copy, 0, aggregate.length());
        return copy.byteArray();
    }

    private byte[] pieceBytes(final long address, final int length)
    {
        final UnsafeBuffer copy = new UnsafeBuffer(new byte[length]);
        a.addressSpace().getBytes(address, copy, 0, length);
        return copy.byteArray();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = { 1, 2, 3, 42, 1234, 99999, 314159, 271828 })
    void operationsMatchTheByteModel(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final Aggregate aggregate = new Aggregate(region, a);
        final Aggregate other = new Aggregate(region, a);
        final Aggregate tail = new Aggregate(region, a);
        byte[] model = new byte[0];
        for (int step = 0; step < 200; step++)
        {
            final int op = random.nextInt(6);
            if (op == 0 || aggregate.pieceCount() == 0)
            {
                final int bytes = 1 + random.nextInt(6000);
                final long handle = filledFbuf(random, bytes);
                final int offset = random.nextInt(bytes);
                final int length = random.nextInt(bytes - offset + 1);
                aggregate.append(handle, region.address(handle) + offset, length);
                path.release(handle);
                model = concat(model, pieceBytes(region.address(handle) + offset, length));
            }
            else if (op == 1)
            {
                final int at = random.nextInt(model.length + 1);
                aggregate.split(at, tail);
                assertArrayEquals(Arrays.copyOfRange(model, at, model.length), bytesOf(tail), "seed=" + seed);
                model = Arrays.copyOf(model, at);
                if (random.nextBoolean())
                {
                    aggregate.append(tail);
                    model = concat(model, bytesOf(tail));
                }
                tail.close();
            }
            else if (op == 2)
            {
                final int n = random.nextInt(model.length + 1);
                aggregate.clipHead(n);
                model = Arrays.copyOfRange(model, n, model.length);
            }
            else if (op == 3)
            {
                final int n = random.nextInt(model.length + 1);
                aggregate.clipTail(n);
                model = Arrays.copyOf(model, model.length - n);
            }
            else if (op == 4)
            {
                final byte[] header = new byte[1 + random.nextInt(64)];
                random.nextBytes(header);
                assertEquals(Status.OK, aggregate.prependHeader(path, new UnsafeBuffer(header), 0, header.length));
                model = concat(header, model);
            }
            else
            {
                other.close();
                final long handle = filledFbuf(random, 100);
                other.appendOwned(handle, region.address(handle), 100);
                aggregate.append(other);
                model = concat(model, bytesOf(other));
            }
            assertEquals(model.length, aggregate.length(), "seed=" + seed + " step=" + step);
            assertArrayEquals(model, bytesOf(aggregate), "seed=" + seed + " step=" + step);
            if (model.length > 0)
            {
                final int i = random.nextInt(model.length);
                assertEquals(model[i], aggregate.getByte(i), "seed=" + seed + " index=" + i);
            }
        }
        aggregate.close();
        other.close();
        assertEquals(0, region.heldFbufs(), "seed=" + seed + ": every reference dropped");
        region.close();
        assertEquals(freeFramesAtStart, kernel.freeFrames());
    }

    @Test
    void piecesOutsideTheirFbufAreRefused()
    {
        final long handle = path.allocate(100);
        final Aggregate aggregate = new Aggregate(region, a);
        final long address = region.address(handle);
        assertThrows(IllegalArgumentException.class, () -> aggregate.append(handle, address + 4000, 200));
        assertThrows(IllegalArgumentException.class, () -> aggregate.append(handle, address - 1, 10));
        assertThrows(IllegalArgumentException.class, () -> aggregate.append(handle, address, -1));
        path.release(handle);
        region.close();
        assertEquals(freeFramesAtStart, kernel.freeFrames());
    }

    @Test
    void aggregatesAreLocalToTheirDomain()
    {
        final Aggregate mine = new Aggregate(region, a);
        final Aggregate theirs = new Aggregate(region, b);
        assertThrows(IllegalArgumentException.class, () -> mine.append(theirs));
        region.close();
    }

    private static byte[] concat(final byte[] left, final byte[] right)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(left);
        out.writeBytes(right);
        return out.toByteArray();
    }
}
