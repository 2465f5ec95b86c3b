package io.barge.rbufs;

import io.barge.core.AddressSpace;
import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.ProtectionFault;
import io.barge.core.Rights;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.barge.rbufs.IoRecDescriptor.FLAG_DATA;
import static io.barge.rbufs.IoRecDescriptor.FLAG_EMPTY;
import static io.barge.rbufs.IoRecDescriptor.FLAG_FREE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer domain that dies: the surviving end learns of it, never reads a frame it no longer holds (the frames of
 * the dead domain go back to the kernel and a stranger may own them at once), gets a typed error, and every frame
 * of the channel is returned at the death.
 */
@Timeout(30)
class RbufsPeerDeathTest extends RbufsFixture
{
    private static final int MAX = 64;
    private static final int SLOTS = 4;

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void senderDeathClosesTheChannelAndTheReceiverNeverReadsAStrangersFrames(final RbufsChannel.Mode mode)
    {
        final RbufsChannel other = open(c, b, mode, MAX, SLOTS);
        final int freeBefore = kernel.freeFrames();
        final RbufsChannel channel = open(a, b, mode, MAX, SLOTS);
        final Message held = channel.receiver().newMessage();
        assertEquals(Status.OK, send(channel, channel.sender().newClaim(), MAX, 3));
        assertEquals(Status.OK, channel.receiver().poll(held));

        kernel.destroyDomain(a);

        assertFalse(channel.isOpen(), "the receiver must learn of the sender's death");
        assertEquals(freeBefore, kernel.freeFrames(), "every frame of the channel returned");
        // A stranger now owns every free frame, the dead sender's among them, and fills each with a valid-looking
        // control area: one DATA IOrec for the whole first slot.
        final Domain stranger = kernel.createDomain("stranger");
        strangerForgesControlAreas(stranger, FLAG_DATA);
        final Message message = channel.receiver().newMessage();
        assertThrows(ChannelClosedException.class, () -> channel.receiver().poll(message));
        assertFalse(message.isHeld());
        // The held message's frames belonged to the dead sender: reading it is a typed fault, never the
        // stranger's bytes; releasing it is allowed and returns nothing twice.
        assertThrows(ProtectionFault.class, () -> held.getByte(0));
        channel.receiver().release(held);
        assertFalse(held.isHeld());
        kernel.destroyDomain(stranger);
        assertWorks(other);
        other.close();
        channel.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void receiverDeathClosesTheChannelAndACommitInFlightFails(final RbufsChannel.Mode mode)
    {
        final RbufsChannel channel = open(a, b, mode, MAX, SLOTS);
        final Claim claim = channel.sender().newClaim();
        assertEquals(Status.OK, channel.sender().tryClaim(MAX, claim));

        kernel.destroyDomain(b);

        assertFalse(channel.isOpen(), "the sender must learn of the receiver's death");
        assertEquals(freeAtStart, kernel.freeFrames(), "every frame of the channel returned");
        final Domain stranger = kernel.createDomain("stranger");
        strangerForgesControlAreas(stranger, mode == RbufsChannel.Mode.TMM ? FLAG_FREE : FLAG_EMPTY);
        assertThrows(ChannelClosedException.class, () -> channel.sender().commit(claim),
            "a commit to a dead receiver would be silently lost");
        assertThrows(ChannelClosedException.class, () -> channel.sender().tryClaim(MAX, channel.sender().newClaim()));
        kernel.destroyDomain(stranger);
        channel.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aDeathClosesOnlyTheChannelsOfThatDomain()
    {
        final RbufsChannel ab = open(a, b, RbufsChannel.Mode.TMM, MAX, SLOTS);
        final RbufsChannel ac = open(a, c, RbufsChannel.Mode.RMM, MAX, SLOTS);
        final RbufsChannel ca = open(c, a, RbufsChannel.Mode.TMM, MAX, SLOTS);
        kernel.destroyDomain(b);
        assertFalse(ab.isOpen());
        assertTrue(ac.isOpen());
        assertWorks(ac);
        assertWorks(ca);
        ac.close();
        ca.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    /**
     * Takes every free frame for the stranger and writes into each a control-area header whose head covers one
     * record with the given flags, for the first slot; a receiver that still reads a frame it lost would take it.
     */
    private void strangerForgesControlAreas(final Domain stranger, final int flags)
    {
        final int count = kernel.freeFrames();
        final int[] frames = new int[count];
        kernel.allocateFrames(stranger, count, true, frames);
        final int pageSize = memory.frameSize();
        final long va = kernel.reserve(stranger, count);
        final AddressSpace space = stranger.addressSpace();
        final int record = ControlAreaDescriptor.HEADER_LENGTH;
        for (int i = 0; i < count; i++)
        {
            final long page = va + (long)i * pageSize;
            kernel.map(stranger, page, frames[i], Rights.READ_WRITE);
            space.putLong(page + ControlAreaDescriptor.HEAD_OFFSET, IoRecDescriptor.recordLength(1));
            space.putLong(page + ControlAreaDescriptor.TAIL_OFFSET, 0);
            space.putLong(page + record + IoRecDescriptor.COUNT_OFFSET, IoRecDescriptor.header(1, flags));
            space.putLong(page + IoRecDescriptor.baseOffset(record, 0), 0);
            space.putLong(page + IoRecDescriptor.lengthOffset(record, 0), MAX);
        }
    }
}
