package io.barge.rbufs;

import io.barge.core.Domain;
import io.barge.core.ProtocolViolationException;
import io.barge.core.notify.NotifyChannel;
import io.barge.core.notify.NotifySender;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The end word in the originator's control area ({@link ControlAreaDescriptor#END_OFFSET}) as an untrusted receiver
 * reads it: the end comes after every record before it, and a forged end, behind what was read or beyond what
 * was published, breaks only that channel.
 */
@Timeout(30)
class RbufsEndOfStreamTest extends RbufsFixture
{
    private static final int MAX = 2048;
    private static final int SLOTS = 8;

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void theEndWordComesAfterTheRecordsBeforeIt(final RbufsChannel.Mode mode)
    {
        final RbufsChannel channel = open(a, b, mode, MAX, SLOTS);
        assertEquals(Status.OK, send(channel, channel.sender().newClaim(), 100, 1));
        assertEquals(Status.OK, send(channel, channel.sender().newClaim(), 200, 2));
        channel.sender().finish();
        final long word = channel.rbufsSender().counterLink().ownHeader().getLongVolatile(
            ControlAreaDescriptor.END_OFFSET);
        assertEquals(1 + 2 * (long)ControlAreaDescriptor.BYTES_PER_MESSAGE, word, "1 + the head at finish");
        final Message message = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(message));
        assertContent(message, 100, 1);
        channel.receiver().release(message);
        assertFalse(channel.receiver().isEndOfStream());
        assertEquals(Status.OK, channel.receiver().poll(message));
        assertContent(message, 200, 2);
        channel.receiver().release(message);
        assertEquals(Status.END_OF_STREAM, channel.receiver().poll(message));
        assertTrue(channel.receiver().isEndOfStream());
        channel.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void anEndBehindTheRecordsAlreadyReadIsAViolation()
    {
        final RbufsChannel channel = open(a, b, RbufsChannel.Mode.TMM, MAX, SLOTS);
        final RbufsChannel other = open(a, c, RbufsChannel.Mode.TMM, MAX, SLOTS);
        assertEquals(Status.OK, send(channel, channel.sender().newClaim(), 100, 1));
        final Message message = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(message));
        channel.receiver().release(message);
        // A forging originator claims the stream ended before the record the receiver already read.
        channel.rbufsSender().counterLink().ownHeader().putLongRelease(ControlAreaDescriptor.END_OFFSET, 1 + 0);
        final ProtocolViolationException ex = assertThrows(ProtocolViolationException.class,
            () -> channel.receiver().poll(message));
        assertTrue(ex.getMessage().contains("behind"), ex.getMessage());
        assertFalse(channel.isOpen());
        assertFalse(channel.receiver().isEndOfStream());
        assertWorks(other);
        channel.close();
        other.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void anEndBeyondThePublishedRecordsIsAViolation()
    {
        final RbufsChannel channel = open(a, b, RbufsChannel.Mode.RMM, MAX, SLOTS);
        channel.rbufsSender().counterLink().ownHeader().putLongRelease(ControlAreaDescriptor.END_OFFSET,
            1 + 10L * ControlAreaDescriptor.BYTES_PER_MESSAGE);
        final Message message = channel.receiver().newMessage();
        final ProtocolViolationException ex = assertThrows(ProtocolViolationException.class,
            () -> channel.receiver().poll(message));
        assertTrue(ex.getMessage().contains("beyond"), ex.getMessage());
        assertFalse(channel.isOpen());
        channel.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void aMulticastFinishEndsTheStreamOfEveryReceiverAfterItsMessages()
    {
        final long[] now = { 1000 };
        try (RbufsMulticast multicast = RbufsMulticast.open(kernel, a, new Domain[]{ b, c },
            new ChannelConfig(256, 4, ChannelConfig.Notification.UMP), 1_000_000, () -> now[0],
            NotifyFactory.CORE))
        {
            final Claim claim = multicast.sender().newClaim();
            for (int i = 0; i < 3; i++)
            {
                assertEquals(Status.OK, send(multicast.sender(), claim, 10 + i, i));
            }
            multicast.sender().finish();
            assertThrows(IllegalStateException.class, () -> multicast.sender().tryClaim(8, claim));
            final Message message = new Message();
            for (int r = 0; r < 2; r++)
            {
                for (int i = 0; i < 3; i++)
                {
                    assertEquals(Status.OK, multicast.receiver(r).poll(message), "receiver " + r + " message " + i);
                    assertContent(message, 10 + i, i);
                    multicast.receiver(r).release(message);
                }
                assertEquals(Status.END_OF_STREAM, multicast.receiver(r).poll(message), "receiver " + r);
                assertTrue(multicast.receiver(r).isEndOfStream());
            }
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    /**
     * A receiver that polls sees the end word without its wake-up, may end its work and close the channel while the
     * originator's finish still waits for room for that wake-up (the pipeline example met this in CI): the stream
     * had ended, so finish returns normally rather than throwing ChannelClosedException.
     */
    @Test
    void aCloseAfterTheEndWordIsStoredEndsAWaitingFinishNormally() throws Exception
    {
        final List<NotifyChannel> fromA = new ArrayList<>();
        final RbufsChannel channel = RbufsChannel.open(kernel, a, b, new ChannelConfig(MAX, SLOTS,
            ChannelConfig.Notification.UMP), RbufsChannel.Mode.TMM, (k, from, to, kind, slots) ->
            {
                final NotifyChannel opened = NotifyFactory.CORE.open(k, from, to, kind, slots);
                if (from == a)
                {
                    fromA.add(opened);
                }
                return opened;
            }, null);
        assertEquals(Status.OK, send(channel, channel.sender().newClaim(), 100, 1));
        assertEquals(1, fromA.size(), "the originator's one wake-up channel");
        final NotifySender wake = fromA.get(0).sender();
        int unread = 0;
        for (int at; (at = wake.tryClaim()) >= 0; unread++)
        {
            wake.buffer().putLong(at + CounterLink.FIRST_OFFSET, 0);
            wake.buffer().putLong(at + CounterLink.SECOND_OFFSET, 0);
            wake.commit(CounterLink.TYPE_COUNTERS, CounterLink.PAYLOAD_LENGTH); // the receiver takes none of them
        }
        assertTrue(unread > 0, "the wake-up ring is full");
        final CompletableFuture<Void> finish = CompletableFuture.runAsync(() -> channel.sender().finish());
        final RingView own = channel.rbufsSender().counterLink().ownHeader();
        while (own.getLongVolatile(ControlAreaDescriptor.END_OFFSET) == ControlAreaDescriptor.NOT_ENDED)
        {
            Thread.onSpinWait(); // finish stores the end word, then waits for room for its wake-up
        }
        assertFalse(finish.isDone(), "finish waits: its wake-up has no room");
        channel.close();
        finish.get(10, TimeUnit.SECONDS); // returns normally; it threw before the fix
        assertEquals(freeAtStart, kernel.freeFrames());
    }
}
