package io.barge.fbufs;

import io.barge.core.BufferStateException;
import io.barge.core.CounterType;
import io.barge.core.ProtocolViolationException;
import io.barge.core.notify.NotifySender;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import io.barge.testkit.HostilePeer;
import io.barge.testkit.LeakCheck;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.barge.fbufs.AggregateDescriptor.LEAF;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sender that goes through the kernel for the transfer (the in-flight record names the fbufs it really passes)
 * but lies in its description: pieces in fbufs it did not transfer, and a bad message while the receiver still holds
 * a good one. The receiver refuses the lie as a protocol violation and never lets a held message change silently.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FbufHostileSenderTest extends FbufFixture
{
    private static final int LENGTH = 256;

    static List<FbufMode> modes()
    {
        return Arrays.asList(FbufMode.ALL);
    }

    /** The kernel's part done honestly for {@code transferred}; the description names {@code address} instead. */
    private static void sendLie(final FbufChannel channel, final long transferred, final long address)
    {
        final FbufRegion region = channel.region();
        if (!channel.mode.cached())
        {
            region.mapForReceiver(transferred, channel.receiver().domain());
        }
        assertTrue(channel.inFlight.offer(new long[]{ transferred }, 1));
        final NotifySender notifier = channel.notify.sender();
        final int at = notifier.tryClaim();
        if (channel.mode.integrated())
        {
            // The root is a leaf inside the transferred fbuf, pointing at the other one.
            final long node = region.address(transferred);
            channel.sender().domain().addressSpace().putInt(node + AggregateDescriptor.TYPE_OFFSET, LEAF);
            channel.sender().domain().addressSpace().putInt(node + AggregateDescriptor.LENGTH_OFFSET, LENGTH);
            channel.sender().domain().addressSpace().putLong(node + AggregateDescriptor.LEFT_OFFSET, address);
            notifier.buffer().putLong(at + AggregateDescriptor.ROOT_ADDRESS_OFFSET, node);
            notifier.commit(AggregateDescriptor.ROOT_MESSAGE, AggregateDescriptor.ROOT_MESSAGE_LENGTH);
        }
        else
        {
            notifier.buffer().putInt(at + AggregateDescriptor.PIECE_COUNT_OFFSET, 1);
            notifier.buffer().putInt(at + AggregateDescriptor.TOTAL_LENGTH_OFFSET, LENGTH);
            notifier.buffer().putInt(at + AggregateDescriptor.pieceOffsetOffset(0), (int)(address - region.base()));
            notifier.buffer().putInt(at + AggregateDescriptor.pieceLengthOffset(0), LENGTH);
            notifier.commit(AggregateDescriptor.PIECES_MESSAGE, AggregateDescriptor.piecesMessageLength(1));
        }
    }

    private static void assertRefused(final FbufChannel channel)
    {
        final long violations = channel.receiver().domain().counter(CounterType.PROTOCOL_VIOLATIONS);
        final Message message = channel.receiver().newMessage();
        assertThrows(ProtocolViolationException.class, () -> channel.receiver().poll(message));
        assertFalse(message.isHeld(), "nothing delivered");
        assertEquals(Violation.OUTSIDE_TRANSFER, channel.receiver().lastViolation());
        assertEquals(violations + 1, channel.receiver().domain().counter(CounterType.PROTOCOL_VIOLATIONS));
        assertFalse(channel.isOpen(), "the lying hop is torn down");
    }

    /** The page-table frame behind an address of {@code peer}'s domain, found the way the attacker would. */
    private static int frameAt(final HostilePeer peer, final long address)
    {
        final int[] frame = { -1 };
        peer.attacker().addressSpace().forEachMappedPage((page, mapped, rights) ->
        {
            if (page == address)
            {
                frame[0] = mapped;
            }
        });
        assertTrue(frame[0] >= 0, "attacker maps its own fbuf");
        return frame[0];
    }

    @ParameterizedTest
    @MethodSource("modes")
    void pieceInAnotherPathsFbufIsAProtocolViolation(final FbufMode mode)
    {
        final LeakCheck check = LeakCheck.of(kernel);
        final FbufChannel fromA = transport(mode).open(a, b, config(4096, 8));
        final FbufChannel fromC = transport.open(c, b, config(4096, 8));
        // c's message to b, sent and not yet received: its fbuf is c's, on the path c -> b.
        final Claim claim = fromC.sender().newClaim();
        assertEquals(Status.OK, fromC.sender().tryClaim(LENGTH, claim));
        for (int i = 0; i < LENGTH; i++)
        {
            claim.putByte(i, (byte)(7 + i));
        }
        final long cAddress = claim.address();
        fromC.sender().commit(claim);

        final long own = fromA.path().allocate(4096);
        sendLie(fromA, own, cAddress);
        assertRefused(fromA);

        assertTrue(fromC.isOpen(), "the other path's channel is unaffected");
        receiveAndCheck(fromC, LENGTH, 7);
        assertEquals(0, transport.region().heldFbufs(), "every reference given back");
        transport.close();
        transport = null;
        check.assertNothingLeaked();
    }

    @ParameterizedTest
    @MethodSource("modes")
    void pieceInAnFbufTheSenderStillWritesIsAProtocolViolation(final FbufMode mode)
    {
        final LeakCheck check = LeakCheck.of(kernel);
        final FbufChannel channel = transport(mode).open(a, b, config(4096, 8));
        final HostilePeer attacker = HostilePeer.of(kernel, a);
        final long writable = channel.path().allocate(4096);
        final long address = transport.region().address(writable);
        final int frame = frameAt(attacker, address);
        attacker.putLong(frame, 0, 0x1111_1111_1111_1111L);
        final long transferred = channel.path().allocate(4096);
        sendLie(channel, transferred, address);
        assertRefused(channel);
        // Had b accepted it, this write would have changed a message b holds.
        attacker.putLong(frame, 0, 0x2222_2222_2222_2222L);
        transport.region().release(writable);
        assertEquals(0, transport.region().heldFbufs(), "every reference given back");
        transport.close();
        transport = null;
        check.assertNothingLeaked();
    }

    @ParameterizedTest
    @MethodSource("modes")
    void violationLeavesNoHeldMessageReadingZeros(final FbufMode mode)
    {
        final LeakCheck check = LeakCheck.of(kernel);
        final FbufChannel channel = transport(mode).open(a, b, config(4096, 8));
        send(channel, LENGTH, 3);
        final Message held = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(held));
        assertContent(held, LENGTH, 3);
        // A notification the kernel never saw a transfer for.
        final NotifySender notifier = channel.notify.sender();
        notifier.tryClaim();
        notifier.commit(AggregateDescriptor.ROOT_MESSAGE, AggregateDescriptor.ROOT_MESSAGE_LENGTH);
        final Message next = channel.receiver().newMessage();
        assertThrows(ProtocolViolationException.class, () -> channel.receiver().poll(next));

        assertFalse(held.isHeld(), "a message whose fbufs the teardown gave back is not held");
        assertThrows(BufferStateException.class, () -> held.getByte(0));
        assertThrows(BufferStateException.class, () -> held.getLong(0));
        assertThrows(BufferStateException.class, held::touch);
        assertThrows(BufferStateException.class, held::length);
        assertThrows(BufferStateException.class, () -> held.pieceAddress(0));
        channel.receiver().release(held); // harmless after the teardown
        assertEquals(0, transport.region().heldFbufs(), "its fbufs went back");
        transport.close();
        transport = null;
        check.assertNothingLeaked();
    }
}
