package io.barge.fbufs;

import io.barge.core.AddressSpace;
import io.barge.core.CounterType;
import io.barge.core.notify.NotifySender;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static io.barge.fbufs.AggregateDescriptor.LEAF;
import static io.barge.fbufs.AggregateDescriptor.NODE_LENGTH;
import static io.barge.fbufs.AggregateDescriptor.PAIR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every bad aggregate a volatile sender can hand a receiver: the receiver reads zeros or leaves the part out,
 * counts a rejected read, names the violation, never throws or hangs, and its next good message arrives intact.
 * Each test ends by checking that every frame came back.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class VolatileWalkTest extends FbufFixture
{
    private FbufChannel channel;
    private FbufRegion region;
    private AddressSpace sender;
    private long nodeFbuf;
    private long nodes;
    private long dataFbuf;
    private long data;

    @BeforeEach
    void open()
    {
        open(new FbufMode(true, true, true));
    }

    private void open(final FbufMode mode)
    {
        if (transport != null)
        {
            transport.close();
        }
        channel = transport(mode).open(a, b, config(16384, 8));
        region = channel.region();
        sender = a.addressSpace();
        nodeFbuf = channel.path().allocate(4096);
        nodes = region.address(nodeFbuf);
        dataFbuf = channel.path().allocate(4096);
        data = region.address(dataFbuf);
        for (int i = 0; i < 4096; i++)
        {
            sender.putByte(data + i, (byte)(i + 1));
        }
    }

    private long node(final int index)
    {
        return nodes + (long)index * NODE_LENGTH;
    }

    private long leaf(final int index, final long address, final int length)
    {
        final long at = node(index);
        sender.putInt(at, LEAF);
        sender.putInt(at + 4, length);
        sender.putLong(at + 8, address);
        sender.putLong(at + 16, 0L);
        return at;
    }

    private long pair(final int index, final long left, final long right)
    {
        final long at = node(index);
        sender.putInt(at, PAIR);
        sender.putInt(at + 4, 0);
        sender.putLong(at + 8, left);
        sender.putLong(at + 16, right);
        return at;
    }

    /** What a sender bypassing the library does: record the transfer, then send any root it likes. */
    private void sendRoot(final long root)
    {
        assertTrue(channel.inFlight.offer(new long[]{ nodeFbuf, dataFbuf }, 2));
        final NotifySender notifier = channel.notify.sender();
        final int at = notifier.tryClaim();
        notifier.buffer().putLong(at, root);
        notifier.commit(AggregateDescriptor.ROOT_MESSAGE, 8);
    }

    private void sendPieces(final int count, final int[] offsets, final int[] lengths)
    {
        assertTrue(channel.inFlight.offer(new long[]{ nodeFbuf, dataFbuf }, 2));
        final NotifySender notifier = channel.notify.sender();
        final int at = notifier.tryClaim();
        notifier.buffer().putInt(at, count);
        notifier.buffer().putInt(at + 4, 0);
        for (int i = 0; i < offsets.length; i++)
        {
            notifier.buffer().putInt(at + 8 + 8 * i, offsets[i]);
            notifier.buffer().putInt(at + 12 + 8 * i, lengths[i]);
        }
        notifier.commit(AggregateDescriptor.PIECES_MESSAGE, 8 + 8 * offsets.length);
    }

    /** Receives the bad message, checks the verdict, releases it, then proves the receiver still works. */
    private Message receiveRejected(final Violation expected)
    {
        final long rejectedBefore = b.counter(CounterType.REJECTED_READS);
        final Message message = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(message));
        assertEquals(expected, channel.receiver().lastViolation());
        assertTrue(b.counter(CounterType.REJECTED_READS) > rejectedBefore, "rejected read counted");
        assertTrue(message.length() <= channel.sender().maxMessageLength());
        message.touch();
        return message;
    }

    private void releaseAndCheckSurvival(final Message message)
    {
        channel.receiver().release(message);
        send(channel, 3000, 7);
        receiveAndCheck(channel, 3000, 7);
        assertEquals(Violation.NONE, channel.receiver().lastViolation());
        assertNoLeak();
    }

    private static void assertZeros(final Message message)
    {
        final UnsafeBuffer copy = new UnsafeBuffer(new byte[message.length()]);
        message.getBytes(0, copy, 0, message.length());
        for (int i = 0; i < message.length(); i++)
        {
            assertEquals(0, copy.getByte(i), "byte " + i);
        }
    }

    private void assertDataPrefix(final Message message, final int from, final int length)
    {
        for (int i = 0; i < length; i++)
        {
            assertEquals((byte)(i + 1), message.getByte(from + i), "byte " + (from + i));
        }
    }

    @Test
    void leafPointingOutsideTheRegionReadsZeros()
    {
        sendRoot(leaf(0, 0x1000, 100));
        final Message message = receiveRejected(Violation.POINTER_OUTSIDE_REGION);
        assertEquals(100, message.length());
        assertZeros(message);
        releaseAndCheckSurvival(message);
    }

    @Test
    void rootOutsideTheRegionYieldsNoData()
    {
        sendRoot(0x2000);
        final Message message = receiveRejected(Violation.POINTER_OUTSIDE_REGION);
        assertEquals(0, message.length());
        releaseAndCheckSurvival(message);
    }

    @Test
    void negativeLengthIsRejected()
    {
        sendRoot(leaf(0, data, -5));
        final Message message = receiveRejected(Violation.NEGATIVE_LENGTH);
        assertEquals(0, message.length());
        releaseAndCheckSurvival(message);
    }

    @Test
    void offsetPlusLengthRunningOffTheRegionIsRejected()
    {
        sendRoot(leaf(0, region.base() + region.length() - 10, 100));
        final Message message = receiveRejected(Violation.LENGTH_OVERFLOW);
        assertZeros(message);
        releaseAndCheckSurvival(message);
    }

    @Test
    void addressPlusLengthOverflowingLongIsRejected()
    {
        sendRoot(leaf(0, Long.MAX_VALUE - 4, 100));
        final Message message = receiveRejected(Violation.POINTER_OUTSIDE_REGION);
        assertZeros(message);
        releaseAndCheckSurvival(message);
    }

    @Test
    void selfLoopIsCut()
    {
        final long good = leaf(1, data, 50);
        final long root = node(0);
        pair(0, root, good);
        sendRoot(root);
        final Message message = receiveRejected(Violation.CYCLE);
        assertEquals(50, message.length());
        assertDataPrefix(message, 0, 50);
        releaseAndCheckSurvival(message);
    }

    @Test
    void twoCycleIsCut()
    {
        final long good = leaf(2, data, 10);
        pair(0, node(1), good);
        pair(1, node(0), good);
        sendRoot(node(0));
        final Message message = receiveRejected(Violation.CYCLE);
        assertEquals(20, message.length());
        releaseAndCheckSurvival(message);
    }

    @Test
    void longCycleIsCut()
    {
        final long good = leaf(30, data, 8);
        for (int i = 0; i < 20; i++)
        {
            pair(i, node((i + 1) % 20), good);
        }
        sendRoot(node(0));
        final Message message = receiveRejected(Violation.CYCLE);
        assertEquals(20 * 8, message.length());
        releaseAndCheckSurvival(message);
    }

    @Test
    void graphDeeperThanTheLimitIsCut()
    {
        final int depth = AggregateWalker.MAX_DEPTH + 8;
        final long good = leaf(depth + 1, data, 1);
        for (int i = 0; i < depth; i++)
        {
            pair(i, node(i + 1), good);
        }
        leaf(depth, data, 1);
        sendRoot(node(0));
        final Message message = receiveRejected(Violation.TOO_DEEP);
        assertTrue(message.length() <= AggregateWalker.MAX_DEPTH);
        releaseAndCheckSurvival(message);
    }

    @Test
    void graphLargerThanTheLimitIsCutWithoutExponentialWork()
    {
        // Each pair points twice at the next: 2^25 paths, 26 nodes. The node limit bounds the walk.
        for (int i = 0; i < 25; i++)
        {
            pair(i, node(i + 1), node(i + 1));
        }
        leaf(25, data, 0);
        sendRoot(node(0));
        final Message message = receiveRejected(Violation.TOO_MANY_NODES);
        assertEquals(0, message.length());
        releaseAndCheckSurvival(message);
    }

    @Test
    void nodeMutatedAfterItWasReadIsNotReadAgain()
    {
        final long left = leaf(1, data, 30);
        final long right = leaf(2, data + 100, 20);
        final long root = pair(0, left, right);
        channel.receiver().walkHook((address) ->
        {
            if (address == root)
            {
                // The sender redirects the root's children after the receiver copied them.
                sender.putLong(root + 8, 0x1000);
                sender.putLong(root + 16, root);
            }
        });
        sendRoot(root);
        final Message message = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(message));
        assertEquals(Violation.NONE, channel.receiver().lastViolation());
        assertEquals(50, message.length());
        assertDataPrefix(message, 0, 30);
        channel.receiver().walkHook(null);
        releaseAndCheckSurvival(message);
    }

    @Test
    void childMutatedIntoACycleWhileWalkingIsCut()
    {
        final long left = leaf(1, data, 30);
        final long right = leaf(2, data, 20);
        final long root = pair(0, left, right);
        channel.receiver().walkHook((address) ->
        {
            if (address == left)
            {
                // Between the receiver's reads of the two children, the right child becomes a pair back to the root.
                pair(2, root, left);
            }
        });
        sendRoot(root);
        final Message message = receiveRejected(Violation.CYCLE);
        assertEquals(60, message.length());
        channel.receiver().walkHook(null);
        releaseAndCheckSurvival(message);
    }

    @Test
    void unknownNodeTypeIsRejected()
    {
        sender.putInt(node(0), 99);
        sendRoot(node(0));
        final Message message = receiveRejected(Violation.BAD_NODE_TYPE);
        releaseAndCheckSurvival(message);
    }

    @Test
    void pieceListWithAnImpossibleCountIsRejected()
    {
        open(new FbufMode(true, true, false));
        sendPieces(7, new int[]{ 0 }, new int[]{ 10 });
        final Message message = receiveRejected(Violation.BAD_PIECE_COUNT);
        assertEquals(0, message.length());
        releaseAndCheckSurvival(message);
    }

    @Test
    void pieceListWithANegativeLengthIsRejected()
    {
        open(new FbufMode(true, true, false));
        sendPieces(1, new int[]{ (int)(data - region.base()) }, new int[]{ -1 });
        final Message message = receiveRejected(Violation.NEGATIVE_LENGTH);
        releaseAndCheckSurvival(message);
    }

    @Test
    void pieceListOutsideTheRegionReadsZeros()
    {
        open(new FbufMode(true, true, false));
        sendPieces(2, new int[]{ (int)(data - region.base()), -8 }, new int[]{ 16, 64 });
        final Message message = receiveRejected(Violation.POINTER_OUTSIDE_REGION);
        assertEquals(80, message.length());
        assertDataPrefix(message, 0, 16);
        for (int i = 16; i < 80; i++)
        {
            assertEquals(0, message.getByte(i));
        }
        releaseAndCheckSurvival(message);
    }

    @Test
    void nonVolatileReceiverLeavesBadPiecesOut()
    {
        open(new FbufMode(true, false, true));
        final long good = leaf(1, data, 40);
        pair(0, leaf(2, 0x1000, 100), good);
        sendRoot(node(0));
        final Message message = receiveRejected(Violation.POINTER_OUTSIDE_REGION);
        assertEquals(40, message.length());
        assertDataPrefix(message, 0, 40);
        releaseAndCheckSurvival(message);
    }
}
