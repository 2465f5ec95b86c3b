package io.barge.core.transport;

import io.barge.core.AddressSpace;
import io.barge.core.BufferStateException;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.ProtectionFault;
import io.barge.core.Rights;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The views of {@link Claim#buffer()} and {@link Message#buffer(int)} over ranges this test maps itself: physically
 * consecutive frames (one run) and frames mapped in a shuffled order (split), every access compared with a private
 * Agrona buffer given the same writes.
 */
class SpaceViewTest
{
    private static final int PAGE = 4096;
    private static final int PAGES = 6;

    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain d;
    private long base;
    private int[] frames;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(64);
        kernel = new Kernel(memory, Kernel.DEFAULT_MAX_PAGES, 32); // 32 domains of counters, not 42 MB for 1024
        d = kernel.createDomain("d");
        base = kernel.reserve(d, PAGES + 1);
        frames = new int[PAGES];
        kernel.allocateFrames(d, PAGES, true, frames);
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    /** Maps the pages; scattered: page p gets frame order[p] of a shuffled order, so no two pages are adjacent. */
    private void map(final boolean scattered)
    {
        final int[] order = scattered ? new int[]{ 4, 1, 5, 2, 0, 3 } : new int[]{ 0, 1, 2, 3, 4, 5 };
        for (int p = 0; p < PAGES; p++)
        {
            kernel.map(d, base + (long)p * PAGE, frames[order[p]], Rights.READ_WRITE);
        }
    }

    private Claim claim(final int offset, final int length)
    {
        final Claim claim = new Claim();
        claim.wrap(d.addressSpace(), base + offset, length, 0, null);
        return claim;
    }

    private Message message(final int offset, final int length, final boolean zeroOnFault)
    {
        final Message message = new Message();
        message.begin(null, d.addressSpace(), 0, null, zeroOnFault);
        message.addPiece(base + offset, length);
        return message;
    }

    static Stream<Arguments> seedsAndMappings()
    {
        return Stream.of(1L, 42L, 2026L, 0xBADL).flatMap(seed -> Stream.of(Arguments.of(seed, true),
            Arguments.of(seed, false)));
    }

    @ParameterizedTest(name = "seed={0} scattered={1}")
    @MethodSource("seedsAndMappings")
    void everyOpRoundTripsOverEitherMapping(final long seed, final boolean scattered)
    {
        map(scattered);
        final SplittableRandom random = new SplittableRandom(seed);
        final int offset = random.nextInt(PAGE);
        final int length = PAGE + random.nextInt(PAGES * PAGE - offset - PAGE) + 1;
        final String where = "seed=" + seed + " scattered=" + scattered + " offset=" + offset + " length=" + length;
        final Claim claim = claim(offset, length);
        final MutableDirectBuffer view = claim.buffer();
        assertEquals(scattered, ((SpaceView)view).isSplit(), where);
        assertEquals(length, view.capacity());
        final UnsafeBuffer reference = new UnsafeBuffer(new byte[length]);
        final byte[] fill = new byte[length];
        random.nextBytes(fill);
        view.putBytes(0, fill);
        reference.putBytes(0, fill);
        for (int step = 0; step < 4000; step++)
        {
            final ViewOps op = ViewOps.random(random);
            final int index = random.nextBoolean() ? nearBoundary(random, offset, length, op.width) :
                random.nextInt(length - op.width + 1);
            op.put(view, reference, index, ViewOps.randomBits(random));
            op.assertSame(view, reference, index, where + " step=" + step);
        }
        final Message message = message(offset, length, false);
        final DirectBuffer read = message.buffer(0);
        final byte[] got = new byte[length];
        read.getBytes(0, got);
        assertArrayEquals(reference.byteArray(), got, where);
        for (int step = 0; step < 2000; step++)
        {
            final ViewOps op = ViewOps.random(random);
            final int index = nearBoundary(random, offset, length, op.width);
            op.assertSame(read, reference, index, where + " read step=" + step);
        }
        assertEquals(reference.getLong(8), message.getLong(8, ByteOrder.nativeOrder()), where);
        assertEquals(reference.getInt(5, ByteOrder.BIG_ENDIAN), message.getInt(5, ByteOrder.BIG_ENDIAN), where);
    }

    /** An index whose access of {@code width} bytes starts at most {@code width - 1} bytes before a page end. */
    private static int nearBoundary(final SplittableRandom random, final int offset, final int length, final int width)
    {
        final int boundaries = (offset + length) / PAGE;
        final int boundary = (1 + random.nextInt(boundaries)) * PAGE - offset;
        final int index = boundary - random.nextInt(width);
        return Math.max(0, Math.min(index, length - width));
    }

    @ParameterizedTest(name = "scattered={0}")
    @ValueSource(booleans = { true, false })
    void everyWidthAndOrderAcrossEveryPageBoundary(final boolean scattered)
    {
        map(scattered);
        final int offset = 100;
        final int length = PAGES * PAGE - offset;
        final MutableDirectBuffer view = claim(offset, length).buffer();
        final DirectBuffer read = message(offset, length, false).buffer(0);
        final UnsafeBuffer reference = new UnsafeBuffer(new byte[length]);
        final SplittableRandom random = new SplittableRandom(99);
        for (int boundary = PAGE - offset; boundary < length; boundary += PAGE)
        {
            for (final ViewOps op : ViewOps.values())
            {
                for (int before = 1; before < op.width; before++)
                {
                    final int index = boundary - before;
                    op.put(view, reference, index, ViewOps.randomBits(random));
                    final String where = "scattered=" + scattered + " boundary=" + boundary + " before=" + before;
                    op.assertSame(view, reference, index, where);
                    op.assertSame(read, reference, index, where);
                }
            }
        }
    }

    @ParameterizedTest(name = "scattered={0}")
    @ValueSource(booleans = { true, false })
    void compositeOpsAcrossPageBoundariesMatchAgrona(final boolean scattered)
    {
        map(scattered);
        final int length = 3 * PAGE;
        final MutableDirectBuffer view = claim(0, length).buffer();
        final DirectBuffer read = message(0, length, false).buffer(0);
        final UnsafeBuffer ref = new UnsafeBuffer(new byte[length]);
        final String utf8 = "h\u00e9llo \u2192 \u00fcber \uD83D\uDE00";
        final int utf8Length = utf8.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        // Each composite starts 3 bytes before the page boundary, so that it spans it; each is checked at once.
        final int at = PAGE - 3;
        composite(view, read, ref, b -> b.putStringAscii(at, "ascii across pages"), b ->
        {
            final StringBuilder sb = new StringBuilder();
            b.getStringAscii(at, sb);
            return b.getStringAscii(at) + b.getStringAscii(at, ByteOrder.nativeOrder()) + sb +
                b.getStringAscii(at, 18) + b.getStringWithoutLengthAscii(at + 4, 18);
        });
        composite(view, read, ref, b -> b.putStringAscii(at, "big endian", ByteOrder.BIG_ENDIAN),
            b -> b.getStringAscii(at, ByteOrder.BIG_ENDIAN));
        composite(view, read, ref, b -> b.putStringUtf8(at, utf8, ByteOrder.BIG_ENDIAN),
            b -> b.getStringUtf8(at, ByteOrder.BIG_ENDIAN));
        composite(view, read, ref, b -> b.putStringUtf8(at, utf8), b -> b.getStringUtf8(at) +
            b.getStringUtf8(at, utf8Length));
        composite(view, read, ref, b -> b.putStringWithoutLengthUtf8(at, utf8),
            b -> b.getStringWithoutLengthUtf8(at, utf8Length));
        composite(view, read, ref, b -> b.putStringWithoutLengthAscii(at, "plain\u00ff"),
            b -> b.getStringWithoutLengthAscii(at, 6));
        composite(view, read, ref, b -> b.putStringWithoutLengthAscii(at, "offset string", 2, 6),
            b -> b.getStringWithoutLengthAscii(at, 6));
        composite(view, read, ref, b -> b.putIntAscii(at, -123456789), b -> b.parseIntAscii(at, 10));
        composite(view, read, ref, b -> b.putLongAscii(at, Long.MIN_VALUE), b -> b.parseLongAscii(at, 20));
        composite(view, read, ref, b -> b.putNaturalLongAscii(at, 9876543210L),
            b -> b.parseNaturalLongAscii(at, 10));
        composite(view, read, ref, b -> b.putNaturalIntAscii(at, 424242), b -> b.parseNaturalIntAscii(at, 6));
        composite(view, read, ref, b ->
        {
            b.putNaturalPaddedIntAscii(at, 8, 1234);
            return 0;
        }, b -> b.parseNaturalIntAscii(at, 8));
        composite(view, read, ref, b -> b.putNaturalIntAsciiFromEnd(777777, PAGE + 3),
            b -> b.parseNaturalIntAscii(PAGE - 3, 6));
        composite(view, read, ref, b ->
        {
            b.setMemory(at - 7, 20, (byte)0x5A);
            return 0;
        }, b -> b.getLong(at - 7));
        composite(view, read, ref, b ->
        {
            b.putBytes(at, ByteBuffer.wrap(new byte[]{ 1, 2, 3, 4, 5 }), 0, 5);
            b.putBytes(at + 5, ByteBuffer.allocateDirect(7).put(0, (byte)9), 0, 7);
            return 0;
        }, b ->
        {
            final ByteBuffer heap = ByteBuffer.allocate(30);
            b.getBytes(at - 10, heap, 0, 30);
            final ByteBuffer direct = ByteBuffer.allocateDirect(30);
            b.getBytes(at - 10, direct, 0, 30);
            final byte[] both = new byte[60];
            heap.get(0, both, 0, 30);
            direct.get(0, both, 30, 30);
            return Arrays.toString(both);
        });
        for (final DirectBuffer b : new DirectBuffer[]{ view, read })
        {
            final ExpandableArrayBuffer out = new ExpandableArrayBuffer(length);
            b.getBytes(0, out, 0, length);
            assertEquals(0, ref.compareTo(new UnsafeBuffer(out.byteArray(), 0, length)));
            assertTrue(b.equals(ref), "content equality");
            assertEquals(ref.hashCode(), b.hashCode());
        }
        // view to view: a second claim over the last page takes bytes from the message view's first boundary
        final MutableDirectBuffer tail = claim(2 * PAGE + 1000, 2000).buffer();
        tail.putBytes(0, read, PAGE - 1000, 2000);
        ref.putBytes(2 * PAGE + 1000, ref, PAGE - 1000, 2000);
        assertArrayEquals(ref.byteArray(), copy(read, length), "bytes after view-to-view copy");
    }

    /** Runs a composite put on the view and on the reference, then compares every byte and the read-back. */
    private static void composite(final MutableDirectBuffer view, final DirectBuffer read, final UnsafeBuffer ref,
        final java.util.function.ToIntFunction<MutableDirectBuffer> put,
        final java.util.function.Function<DirectBuffer, Object> get)
    {
        final int expected = put.applyAsInt(ref);
        assertEquals(expected, put.applyAsInt(view), "what the put returns");
        assertArrayEquals(ref.byteArray(), copy(read, ref.capacity()), "bytes after the put");
        final Object want = get.apply(ref);
        assertEquals(want, get.apply(view), "claim view reads back");
        assertEquals(want, get.apply(read), "message view reads back");
    }

    private static byte[] copy(final DirectBuffer buffer, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    @Test
    void oneRunGivesItsAddressToAgronaAndASplitViewRefusesOne()
    {
        map(false);
        final MutableDirectBuffer run = claim(10, 2 * PAGE).buffer();
        run.putLong(PAGE - 4, 0x1122_3344_5566_7788L);
        final UnsafeBuffer copy = new UnsafeBuffer(new byte[2 * PAGE]);
        copy.putBytes(0, run, 0, 2 * PAGE); // Agrona's own copy, through the view's address
        assertEquals(0x1122_3344_5566_7788L, copy.getLong(PAGE - 4));
        kernel.unmap(d, base);
        kernel.map(d, base, frames[3], Rights.READ_WRITE); // page 0 now maps frame 3: not a run with page 1
        final MutableDirectBuffer split = claim(10, 2 * PAGE).buffer();
        assertTrue(((SpaceView)split).isSplit());
        assertThrows(UnsupportedOperationException.class, split::addressOffset);
        assertThrows(BufferStateException.class, run::addressOffset, "page 0 was remapped under the first view");
    }

    @Test
    void wrapIsRefusedOnBothViews()
    {
        map(true);
        final MutableDirectBuffer view = claim(0, PAGE).buffer();
        final DirectBuffer read = message(0, PAGE, false).buffer(0);
        final UnsafeBuffer other = new UnsafeBuffer(new byte[64]);
        for (final DirectBuffer b : new DirectBuffer[]{ view, read })
        {
            assertThrows(UnsupportedOperationException.class, () -> b.wrap(new byte[8]));
            assertThrows(UnsupportedOperationException.class, () -> b.wrap(new byte[8], 0, 8));
            assertThrows(UnsupportedOperationException.class, () -> b.wrap(ByteBuffer.allocateDirect(8)));
            assertThrows(UnsupportedOperationException.class, () -> b.wrap(ByteBuffer.allocateDirect(8), 0, 8));
            assertThrows(UnsupportedOperationException.class, () -> b.wrap(other));
            assertThrows(UnsupportedOperationException.class, () -> b.wrap(other, 0, 8));
            assertThrows(UnsupportedOperationException.class, () -> b.wrap(other.addressOffset(), 8));
            assertEquals(PAGE, b.capacity(), "still over the claimed range");
        }
    }

    @Test
    void everyPutOnAMessageViewIsRefusedAndWritesNothing() throws IllegalAccessException
    {
        map(true);
        final Claim claim = claim(PAGE - 50, 200);
        final MutableDirectBuffer view = claim.buffer();
        for (int i = 0; i < 200; i++)
        {
            view.putByte(i, (byte)i);
        }
        final DirectBuffer read = message(PAGE - 50, 200, false).buffer(0);
        final MutableDirectBuffer asMutable = (MutableDirectBuffer)read;
        int refused = 0;
        for (final Method method : MutableDirectBuffer.class.getMethods())
        {
            if (!method.getName().startsWith("put") && !method.getName().equals("setMemory"))
            {
                continue;
            }
            try
            {
                method.invoke(asMutable, arguments(method));
                fail(method + " was not refused");
            }
            catch (final InvocationTargetException ex)
            {
                assertInstanceOf(ReadOnlyBufferException.class, ex.getCause(), method.toString());
                refused++;
            }
        }
        assertTrue(refused >= 38, "refused " + refused + " puts");
        for (int i = 0; i < 200; i++)
        {
            assertEquals((byte)i, read.getByte(i), "byte " + i + " unchanged");
        }
    }

    private static Object[] arguments(final Method method)
    {
        final Class<?>[] types = method.getParameterTypes();
        final Object[] args = new Object[types.length];
        for (int i = 0; i < types.length; i++)
        {
            final Class<?> t = types[i];
            args[i] = t == int.class ? 1 : t == long.class ? 1L : t == byte.class ? (byte)1 : t == short.class ?
                (short)1 : t == char.class ? 'x' : t == float.class ? 1f : t == double.class ? 1d :
                t == byte[].class ? new byte[8] : t == ByteBuffer.class ? ByteBuffer.allocate(8) :
                t == DirectBuffer.class ? new UnsafeBuffer(new byte[8]) : t == ByteOrder.class ?
                ByteOrder.BIG_ENDIAN : "x";
        }
        return args;
    }

    @Test
    void everyUseAfterCommitAbortOrReleaseIsABufferStateException()
    {
        map(true);
        final Claim claim = claim(PAGE - 8, 64);
        final MutableDirectBuffer view = claim.buffer();
        view.putLong(0, 1L);
        final Message message = message(PAGE - 8, 64, false);
        final DirectBuffer read = message.buffer(0);
        assertEquals(1L, read.getLong(0));
        claim.complete(); // what commit and abort do to the flyweight
        message.end(); // what release does
        assertThrows(BufferStateException.class, () -> view.putLong(0, 2L));
        assertThrows(BufferStateException.class, () -> view.putLong(4, 2L), "a split access too");
        assertThrows(BufferStateException.class, () -> view.getLong(0));
        assertThrows(BufferStateException.class, () -> view.putByte(0, (byte)2));
        assertThrows(BufferStateException.class, () -> view.putStringAscii(0, "x"));
        assertThrows(BufferStateException.class, () -> view.putBytes(0, new byte[4]));
        assertThrows(BufferStateException.class, () -> view.setMemory(0, 4, (byte)2));
        assertThrows(BufferStateException.class, view::capacity);
        assertThrows(BufferStateException.class, claim::buffer);
        assertThrows(BufferStateException.class, () -> read.getLong(0));
        assertThrows(BufferStateException.class, () -> read.getByte(0));
        assertThrows(BufferStateException.class, () -> read.getStringAscii(0));
        assertThrows(BufferStateException.class, () -> read.getBytes(0, new byte[4]));
        assertThrows(BufferStateException.class, () -> message.buffer(0));
        assertThrows(BufferStateException.class, () -> ((MutableDirectBuffer)read).putLong(0, 3L));
        final Message again = message(PAGE - 8, 64, false);
        assertEquals(1L, again.buffer(0).getLong(0), "nothing was written after completion");
    }

    @Test
    void anUnmapOrDowngradeUnderALiveViewInvalidatesItButAnUnrelatedOneDoesNot()
    {
        map(false);
        final Claim claim = claim(0, 2 * PAGE);
        final MutableDirectBuffer view = claim.buffer();
        view.putLong(PAGE + 8, 5L);
        final int spare = kernel.allocateFrame(d, true);
        kernel.map(d, base + (long)PAGES * PAGE, spare, Rights.READ_WRITE);
        kernel.unmap(d, base + (long)PAGES * PAGE); // another page of the same space
        view.putLong(PAGE + 16, 6L);
        assertEquals(6L, view.getLong(PAGE + 16), "still valid after an unrelated unmap");
        kernel.protect(d, base + PAGE, Rights.READ);
        assertThrows(BufferStateException.class, () -> view.putLong(8, 7L), "downgraded page 1: whole view invalid");
        assertEquals(0L, d.addressSpace().getLong(base + 8), "nothing written");
        kernel.protect(d, base + PAGE, Rights.READ_WRITE);
        final MutableDirectBuffer fresh = claim(0, 2 * PAGE).buffer(); // checked again, and writable again
        fresh.putLong(8, 7L);
        assertEquals(7L, d.addressSpace().getLong(base + 8));
    }

    /**
     * A flyweight bound again over a range it bound before may reuse that translation only while nothing under the
     * space moved: a remap of a page, a downgrade, or another space at the same address each translates afresh.
     */
    @Test
    void aFlyweightBoundAgainSeesEveryRemapDowngradeAndSpaceChangeSinceItsLastBind()
    {
        map(false);
        final Claim claim = new Claim();
        final Message message = new Message();
        for (int round = 0; round < 3; round++) // bound, rebound (the cached translation), rebound again
        {
            claim.wrap(d.addressSpace(), base, 2 * PAGE, 0, null);
            claim.buffer().putLong(PAGE, 100 + round);
            message.begin(null, d.addressSpace(), 0, null, false);
            message.addPiece(base, 2 * PAGE);
            assertEquals(100 + round, message.buffer(0).getLong(PAGE));
            message.end();
        }
        // Page 1 now maps another frame: the next bind of the same range must reach it, not the old frame.
        final int old = frames[1];
        final int spare = kernel.allocateFrame(d, true);
        kernel.unmap(d, base + PAGE);
        kernel.map(d, base + PAGE, spare, Rights.READ_WRITE);
        claim.wrap(d.addressSpace(), base, 2 * PAGE, 0, null);
        claim.buffer().putLong(PAGE, 7L);
        kernel.map(d, base + (long)PAGES * PAGE, old, Rights.READ); // the old frame, to look at
        assertEquals(7L, d.addressSpace().getLong(base + PAGE), "written to the frame mapped now");
        assertEquals(102L, d.addressSpace().getLong(base + (long)PAGES * PAGE), "the old frame untouched");
        message.begin(null, d.addressSpace(), 0, null, false);
        message.addPiece(base, 2 * PAGE);
        assertEquals(7L, message.buffer(0).getLong(PAGE), "read from the frame mapped now");
        message.end();
        // A downgrade: the same claim flyweight over the same range faults instead of writing.
        kernel.protect(d, base, Rights.READ);
        claim.wrap(d.addressSpace(), base, 2 * PAGE, 0, null);
        assertThrows(ProtectionFault.class, claim::buffer);
        kernel.protect(d, base, Rights.READ_WRITE);
        // Another space mapping the same virtual address to other frames: the message flyweight reads that space's.
        final Domain e = kernel.createDomain("e");
        final long eBase = kernel.reserve(e, PAGES + 1);
        assertEquals(base, eBase, "both spaces reserve the same first range");
        final int[] eFrames = new int[2];
        kernel.allocateFrames(e, 2, true, eFrames);
        kernel.map(e, eBase, eFrames[0], Rights.READ_WRITE);
        kernel.map(e, eBase + PAGE, eFrames[1], Rights.READ_WRITE);
        e.addressSpace().putLong(eBase + PAGE, 55L);
        message.begin(null, e.addressSpace(), 0, null, false);
        message.addPiece(eBase, 2 * PAGE);
        assertEquals(55L, message.buffer(0).getLong(PAGE), "read in e's space, not d's cached translation");
        message.end();
    }

    /**
     * {@link Message#touch()} reads a multi-page piece of one run through its own cached translation: a touch after a
     * remap, a lost right or in another space at the same address must read what is mapped now, as a bound view does.
     */
    @Test
    void touchAgainSeesEveryRemapLostRightAndSpaceChangeSinceTheLastTouch()
    {
        map(false);
        final AddressSpace space = d.addressSpace();
        fillWords(space, base, 2 * PAGE, 1L);
        final Message message = new Message();
        for (int round = 0; round < 3; round++) // touched, then touched again from the cached translation
        {
            message.begin(null, space, 0, null, false);
            message.addPiece(base, 2 * PAGE);
            assertFalse(((SpaceView)message.buffer(0)).isSplit(), "the piece is one run of frames");
            assertEquals(2 * PAGE / 8, message.touch());
            message.end();
        }
        // Page 1 now maps a frame of 2s: the next touch of the same range must read it, not the old frame.
        final int spare = kernel.allocateFrame(d, true);
        kernel.unmap(d, base + PAGE);
        kernel.map(d, base + PAGE, spare, Rights.READ_WRITE);
        fillWords(space, base + PAGE, PAGE, 2L);
        message.begin(null, space, 0, null, false);
        message.addPiece(base, 2 * PAGE);
        assertEquals(PAGE / 8 + 2 * (PAGE / 8), message.touch(), "page 1 read from the frame mapped now");
        message.end();
        // Page 1 mapped consecutive again, then its READ right lost: the touch faults instead of reading it.
        kernel.unmap(d, base + PAGE);
        kernel.map(d, base + PAGE, frames[1], Rights.READ_WRITE);
        message.begin(null, space, 0, null, false);
        message.addPiece(base, 2 * PAGE);
        assertEquals(2 * PAGE / 8, message.touch(), "one run again");
        message.end();
        kernel.unmap(d, base + PAGE);
        message.begin(null, space, 0, null, false);
        message.addPiece(base, 2 * PAGE);
        assertThrows(ProtectionFault.class, message::touch);
        message.end();
        kernel.map(d, base + PAGE, frames[1], Rights.READ_WRITE);
        // Another space mapping the same virtual address to frames of 3s: the touch reads that space's.
        final Domain e = kernel.createDomain("e");
        final long eBase = kernel.reserve(e, PAGES + 1);
        assertEquals(base, eBase, "both spaces reserve the same first range");
        final int[] eFrames = new int[2];
        kernel.allocateFrames(e, 2, true, eFrames);
        kernel.map(e, eBase, eFrames[0], Rights.READ_WRITE);
        kernel.map(e, eBase + PAGE, eFrames[1], Rights.READ_WRITE);
        fillWords(e.addressSpace(), eBase, 2 * PAGE, 3L);
        message.begin(null, e.addressSpace(), 0, null, false);
        message.addPiece(eBase, 2 * PAGE);
        assertEquals(3 * (2 * PAGE / 8), message.touch(), "read in e's space, not d's cached translation");
        message.end();
    }

    private static void fillWords(final AddressSpace space, final long address, final int length, final long value)
    {
        for (int at = 0; at < length; at += 8)
        {
            space.putLong(address + at, value);
        }
    }

    @Test
    void aPageWithoutTheRightFaultsAtWrap()
    {
        map(true);
        kernel.protect(d, base + PAGE, Rights.READ);
        final Claim claim = claim(10, 2 * PAGE);
        final ProtectionFault fault = assertThrows(ProtectionFault.class, claim::buffer);
        assertEquals(d.id(), fault.domainId());
        final int frame = d.addressSpace().frameAt(base + 2 * PAGE);
        kernel.unmap(d, base + 2 * PAGE);
        assertThrows(ProtectionFault.class, () -> message(10, 3 * PAGE, false).buffer(0));
        kernel.protect(d, base + PAGE, Rights.READ_WRITE);
        kernel.map(d, base + 2 * PAGE, frame, Rights.READ_WRITE);
        claim.buffer().putLong(0, 1L); // the claim binds once the right is back
    }

    /**
     * A range of more pages than the TLB has slots, translated straight from the page table: each page reaches its
     * own frame, a fault deep in the range names that page, and the page table can change after it (a page-table
     * change waits for open walks: a translation that left one open would hang the unmap below).
     */
    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hung change spins, deaf to interrupts
    void aRangeLargerThanTheTlbTranslatesEveryPageAndAFaultDeepInItEndsTheWalk()
    {
        final int pages = 100;
        try (PhysicalMemory big = PhysicalMemory.allocateDirect(pages + 8); Kernel k = new Kernel(big))
        {
            final Domain owner = k.createDomain("big");
            final long at = k.reserve(owner, pages);
            final int[] held = new int[pages];
            k.allocateFrames(owner, pages, true, held);
            for (int p = 0; p < pages; p++)
            {
                k.map(owner, at + (long)p * PAGE, held[pages - 1 - p], Rights.READ_WRITE); // reversed: no runs
                owner.addressSpace().putLong(at + (long)p * PAGE + 16, p);
            }
            final Claim claim = new Claim();
            claim.wrap(owner.addressSpace(), at, pages * PAGE, 0, null);
            final MutableDirectBuffer view = claim.buffer();
            for (int p = 0; p < pages; p++)
            {
                assertEquals(p, view.getLong(p * PAGE + 16), "page " + p);
            }
            k.protect(owner, at + 80L * PAGE, Rights.READ);
            final Claim again = new Claim();
            again.wrap(owner.addressSpace(), at, pages * PAGE, 0, null);
            final ProtectionFault fault = assertThrows(ProtectionFault.class, again::buffer);
            assertEquals(at + 80L * PAGE, fault.address(), "the first page without the right");
            k.unmap(owner, at + 3L * PAGE); // waits for every open walk: returns only if the faulting one ended
            assertEquals(-1, owner.addressSpace().frameAt(at + 3L * PAGE));
        }
    }

    @Test
    void zeroOnFaultReadsAnUnreadablePageAsZerosAndCountsIt()
    {
        map(true);
        final Claim claim = claim(0, 3 * PAGE);
        claim.buffer().setMemory(0, 3 * PAGE, (byte)7);
        kernel.unmap(d, base + PAGE);
        final long before = d.counter(CounterType.REJECTED_READS);
        final DirectBuffer read = message(0, 3 * PAGE, true).buffer(0);
        assertEquals(before + 1, d.counter(CounterType.REJECTED_READS), "one unreadable page, counted once");
        assertEquals(0x0707_0707_0707_0707L, read.getLong(PAGE - 8));
        assertEquals(0x0000_0000_0707_0707L, read.getLong(PAGE - 4), "half real, half the zero page");
        assertEquals(0L, read.getLong(PAGE + 100));
        assertEquals(0x0707_0707_0000_0000L, read.getLong(2 * PAGE - 4));
        final byte[] all = copy(read, 3 * PAGE);
        for (int i = 0; i < all.length; i++)
        {
            assertEquals(i >= PAGE && i < 2 * PAGE ? 0 : 7, all[i], "byte " + i);
        }
        assertEquals(before + 1, d.counter(CounterType.REJECTED_READS), "reads of the zero page are not recounted");
    }

    @Test
    void outOfBoundsIsAnIndexOutOfBoundsExceptionAndWritesNothing()
    {
        map(false);
        final MutableDirectBuffer view = claim(8, 100).buffer();
        assertThrows(IndexOutOfBoundsException.class, () -> view.putLong(93, 1L));
        assertThrows(IndexOutOfBoundsException.class, () -> view.putLong(-1, 1L));
        assertThrows(IndexOutOfBoundsException.class, () -> view.putBytes(50, new byte[51]));
        assertThrows(IndexOutOfBoundsException.class, () -> view.putStringAscii(90, "too long"));
        assertThrows(IndexOutOfBoundsException.class, () -> view.getInt(97));
        final byte[] page = new byte[PAGE];
        message(0, PAGE, false).buffer(0).getBytes(0, page);
        assertArrayEquals(new byte[PAGE], page, "nothing written around the range");
        assertTrue(Arrays.equals(new byte[8], Arrays.copyOf(page, 8)));
    }
}
