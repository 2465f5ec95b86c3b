package io.barge.core.transport;

import io.barge.core.Access;
import io.barge.core.AddressSpace;
import io.barge.core.BufferStateException;
import io.barge.core.CounterType;
import io.barge.core.ProtectionFault;
import io.barge.core.Touch;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A received message: a read-only view, in the receiver's address space, of one or more pieces
 * (virtual address, length). A reused flyweight: create one with {@link Receiver#newMessage()}, fill it with
 * {@link Receiver#poll(Message)}, give it back with {@link Receiver#release(Message)}. A receiver may hold several
 * messages at once, one flyweight each.
 * <p>
 * Reads go through the receiver's address space. When the transport marks a message {@link #zeroOnFault()} (fbufs
 * in volatile mode, whose pieces a peer controls), a read the receiver has no right to yields zeros and is counted
 * as a rejected read instead of raising {@link ProtectionFault}.
 * <p>
 * For a loop over the bytes, {@link #buffer(int)} is a read-only Agrona buffer over one piece whose rights are
 * checked once; each access then costs a bounds check and a load.
 */
public final class Message
{
    private AddressSpace space;
    private Receiver source;
    private long[] addresses = new long[4];
    private int[] lengths = new int[4];
    private int pieceCount;
    private int length;
    private long token;
    private Object attachment;
    private boolean zeroOnFault;
    private boolean held;
    private long messageId = -1;
    private static final MessageView[] NO_VIEWS = new MessageView[0];
    private MessageView[] views = NO_VIEWS;
    private int viewsBound;
    /** Binds a multi-page piece for {@link #touch()} from its translation cache; never handed out. */
    private final MessageView touchView = new MessageView();

    /**
     * Starts filling the message (through {@link io.barge.core.transport.spi.Flyweights}).
     *
     * @param source      the receiver delivering it.
     * @param space       the receiver's address space.
     * @param token       transport-private value.
     * @param attachment  transport-private object local to the receiver's domain, or null.
     * @param zeroOnFault whether unreadable bytes read as zeros.
     */
    void begin(final Receiver source, final AddressSpace space, final long token, final Object attachment,
        final boolean zeroOnFault)
    {
        if (held)
        {
            throw new BufferStateException("message is still held: release it before polling into it again");
        }
        this.source = source;
        this.space = space;
        this.token = token;
        this.attachment = attachment;
        this.zeroOnFault = zeroOnFault;
        this.pieceCount = 0;
        this.length = 0;
        this.held = true;
        this.messageId = -1;
        invalidateViews();
    }

    /**
     * Appends a piece; grows the arrays only when a message has more pieces than
     * any before it.
     *
     * @param address first virtual byte in the receiver's space.
     * @param pieceLength bytes.
     */
    void addPiece(final long address, final int pieceLength)
    {
        if (pieceLength < 0 || length + (long)pieceLength > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("pieceLength=" + pieceLength + " with length=" + length);
        }
        if (pieceCount == addresses.length)
        {
            addresses = Arrays.copyOf(addresses, pieceCount * 2);
            lengths = Arrays.copyOf(lengths, pieceCount * 2);
        }
        addresses[pieceCount] = address;
        lengths[pieceCount] = pieceLength;
        pieceCount++;
        length += pieceLength;
    }

    /**
     * Marks the message released.
     *
     * @throws BufferStateException if it was not held (a double release).
     */
    void end()
    {
        if (!held)
        {
            throw new BufferStateException("message released twice (or never received)");
        }
        held = false;
        attachment = null;
        invalidateViews();
    }

    /**
     * @return whether the message is held (received and not yet released).
     */
    public boolean isHeld()
    {
        return held;
    }

    /**
     * @return the receiver that delivered the message.
     */
    public Receiver source()
    {
        checkHeld();
        return source;
    }

    /**
     * @return the id the transport gave this message on delivery (its own numbering: for xen, the request id on the
     *         ring), valid until the flyweight's next delivery; -1 where the transport does not number messages.
     */
    public long messageId()
    {
        return messageId;
    }

    void messageId(final long id)
    {
        this.messageId = id;
    }

    /**
     * @return transport-private token.
     */
    long token()
    {
        return token;
    }

    /**
     * @return transport-private attachment.
     */
    Object attachment()
    {
        return attachment;
    }

    /**
     * @return whether unreadable bytes read as zeros.
     */
    public boolean zeroOnFault()
    {
        return zeroOnFault;
    }

    /**
     * @return total bytes over all pieces.
     */
    public int length()
    {
        checkHeld();
        return length;
    }

    /**
     * @return number of pieces.
     */
    public int pieceCount()
    {
        checkHeld();
        return pieceCount;
    }

    /**
     * @param i piece index.
     * @return the piece's first virtual byte in the receiver's space.
     */
    public long pieceAddress(final int i)
    {
        checkPiece(i);
        return addresses[i];
    }

    /**
     * @param i piece index.
     * @return the piece's length.
     */
    public int pieceLength(final int i)
    {
        checkPiece(i);
        return lengths[i];
    }

    /**
     * One piece as a read-only Agrona buffer: index 0 is the piece's first byte, the capacity its length, and every
     * get of {@link DirectBuffer} works, in either byte order, across page boundaries. The receiver's READ right is
     * checked on every page of the piece once, here; each access then checks only its bounds and that no mapping of
     * the receiver's space changed meanwhile. If the message is {@link #zeroOnFault()}, a page the receiver may not
     * read reads as zeros and is counted once as a rejected read, here. Every put (the object is a
     * {@code MutableDirectBuffer} underneath) is refused with {@link java.nio.ReadOnlyBufferException}, and
     * {@code wrap(...)} with {@link UnsupportedOperationException}. The buffer is one flyweight per piece index,
     * reused for every message; after {@link Receiver#release release}, or once the channel's mapping of the piece
     * is gone (teardown), any use of it is a {@link BufferStateException}.
     *
     * @param piece piece index, in [0, {@link #pieceCount()}).
     * @return the view of the piece, the same object on every call for this piece of this message.
     * @throws BufferStateException          if the message is not held, or the piece was unmapped under its view.
     * @throws IndexOutOfBoundsException     if there is no such piece.
     * @throws ProtectionFault               if a page is not readable and the message is not zero-on-fault.
     */
    public DirectBuffer buffer(final int piece)
    {
        checkPiece(piece);
        if (piece >= views.length)
        {
            growViews(piece + 1);
        }
        final MessageView view = views[piece];
        if (!view.isValid())
        {
            if (view.isRevoked())
            {
                throw new BufferStateException("piece " + piece + " was unmapped under its view (channel torn down?)");
            }
            viewsBound = Math.max(viewsBound, piece + 1);
            final int zeroed = view.bind(space, addresses[piece], lengths[piece], Access.READ, zeroOnFault);
            if (zeroed > 0)
            {
                space.domain().count(CounterType.REJECTED_READS, zeroed);
            }
        }
        return view;
    }

    private void growViews(final int count)
    {
        final int from = views.length;
        views = Arrays.copyOf(views, Math.max(count, pieceCount)); // grows to the most pieces seen, then steady
        for (int i = from; i < views.length; i++)
        {
            views[i] = new MessageView();
        }
    }

    private void invalidateViews()
    {
        for (int i = 0; i < viewsBound; i++)
        {
            views[i].invalidate();
        }
        viewsBound = 0;
    }

    /**
     * Reads an int in a byte order; it may span pieces.
     *
     * @param index     offset in the message.
     * @param byteOrder the order of the bytes in the message.
     * @return the int.
     */
    public int getInt(final int index, final ByteOrder byteOrder)
    {
        checkBounds(index, 4);
        int value = 0;
        for (int b = 3; b >= 0; b--)
        {
            value = (value << 8) | (getByte(index + b) & 0xFF);
        }
        return byteOrder == ByteOrder.LITTLE_ENDIAN ? value : Integer.reverseBytes(value);
    }

    /**
     * Reads a long in a byte order; it may span pieces.
     *
     * @param index     offset in the message.
     * @param byteOrder the order of the bytes in the message.
     * @return the long.
     */
    public long getLong(final int index, final ByteOrder byteOrder)
    {
        final long value = getLong(index);
        return byteOrder == ByteOrder.LITTLE_ENDIAN ? value : Long.reverseBytes(value);
    }

    /**
     * @param index offset in the message.
     * @return the byte.
     */
    public byte getByte(final int index)
    {
        checkBounds(index, 1);
        int offset = index;
        for (int i = 0; i < pieceCount; i++)
        {
            if (offset < lengths[i])
            {
                try
                {
                    return space.getByte(addresses[i] + offset);
                }
                catch (final ProtectionFault fault)
                {
                    return (byte)rejected(fault);
                }
            }
            offset -= lengths[i];
        }
        throw new IllegalStateException("unreachable: index within length but no piece holds it");
    }

    /**
     * Reads a little-endian word that may span pieces.
     *
     * @param index offset in the message.
     * @return the word.
     */
    public long getLong(final int index)
    {
        checkBounds(index, 8);
        int offset = index;
        for (int i = 0; i < pieceCount; i++)
        {
            if (offset < lengths[i])
            {
                final long address = addresses[i] + offset;
                if (offset + 8 <= lengths[i] && (address & 7) == 0)
                {
                    try
                    {
                        return space.getLong(address);
                    }
                    catch (final ProtectionFault fault)
                    {
                        return rejected(fault);
                    }
                }
                break;
            }
            offset -= lengths[i];
        }
        // Unaligned or spanning pieces: assemble byte by byte.
        long value = 0;
        for (int b = 7; b >= 0; b--)
        {
            value = (value << 8) | (getByte(index + b) & 0xFF);
        }
        return value;
    }

    /**
     * Copies bytes out of the message.
     *
     * @param index    offset in the message.
     * @param dst      destination.
     * @param dstIndex first destination byte.
     * @param count    bytes.
     */
    public void getBytes(final int index, final MutableDirectBuffer dst, final int dstIndex, final int count)
    {
        checkBounds(index, count);
        int skip = index;
        int done = 0;
        for (int i = 0; i < pieceCount && done < count; i++)
        {
            final int pieceLength = lengths[i];
            if (skip >= pieceLength)
            {
                skip -= pieceLength;
                continue;
            }
            final int chunk = Math.min(pieceLength - skip, count - done);
            try
            {
                space.getBytes(addresses[i] + skip, dst, dstIndex + done, chunk);
            }
            catch (final ProtectionFault fault)
            {
                rejected(fault);
                dst.setMemory(dstIndex + done, chunk, (byte)0);
            }
            done += chunk;
            skip = 0;
        }
    }

    /**
     * Reads every byte with the shared touch routine ({@link io.barge.core.Touch}), piece by piece.
     *
     * @return the sum of the pieces' words.
     */
    public long touch()
    {
        checkHeld();
        long sum = 0;
        for (int i = 0; i < pieceCount; i++)
        {
            try
            {
                sum += touchPiece(addresses[i], lengths[i]);
            }
            catch (final ProtectionFault fault)
            {
                rejected(fault);
            }
        }
        return sum;
    }

    /**
     * A word-aligned piece over more than one page is translated through the message's own view, so that a piece
     * seen before under the same mapping epoch costs one comparison instead of a translation per page, and when it is
     * one physical run it is read in one call, as a private buffer is; the sum is the one
     * {@link AddressSpace#sumLongs} gives (it reads a word-aligned run in one call too). Anything else, and a run
     * split across frames, goes through the address space page by page.
     */
    private long touchPiece(final long address, final int length)
    {
        final int pageMask = space.pageSize() - 1;
        if ((address & 7) == 0 && (address & pageMask) + (long)length > pageMask + 1)
        {
            touchView.bind(space, address, length, Access.READ, false); // a page without READ faults here
            final long base = touchView.boundRunAddress(); // -1: split, no single address
            touchView.invalidate();
            if (base >= 0)
            {
                return Touch.sumLongs(base, length); // checked by the bind: every page of the run READ-mapped
            }
        }
        return space.sumLongs(address, length);
    }

    private int rejected(final ProtectionFault fault)
    {
        if (!zeroOnFault)
        {
            throw fault;
        }
        space.domain().count(CounterType.REJECTED_READS, 1);
        return 0;
    }

    private void checkPiece(final int i)
    {
        checkHeld();
        if (i < 0 || i >= pieceCount)
        {
            throw new IndexOutOfBoundsException("piece=" + i + " pieceCount=" + pieceCount);
        }
    }

    private void checkBounds(final int index, final int count)
    {
        checkHeld();
        if (index < 0 || count < 0 || index > length - count)
        {
            throw new IndexOutOfBoundsException("index=" + index + " count=" + count + " length=" + length);
        }
    }

    private void checkHeld()
    {
        if (!held)
        {
            throw new BufferStateException("message used after release");
        }
    }
}
