package io.barge.core.transport;

import io.barge.core.BufferStateException;
import io.barge.core.ChannelClosedException;
import io.barge.core.CounterType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The responses part of the contract ({@link Capability#RESPONSES}), and the capabilities a transport claims. A
 * transport with responses answers every committed message exactly once, with its claim's id and the status the
 * receiver gave ({@link Receiver#respond}; a plain release is {@link Status#OK}); the answers arrive in the order
 * the receiver gave them (the order every transport with responses promises: xen's responses follow one another on
 * its ring), and none after the close. A sender polls them at least once every {@code capacity} answers (a transport
 * keeps that many unreported). A transport without responses refuses both calls with
 * {@link UnsupportedOperationException} and nothing changes.
 */
@Timeout(60)
public abstract class TransportResponsesContract extends TransportEndsContract
{
    private boolean responses()
    {
        return transport.capabilities().contains(Capability.RESPONSES);
    }

    @Test
    void capabilitiesAreAnUnmodifiableSet()
    {
        final Set<Capability> capabilities = transport.capabilities();
        assertNotNull(capabilities);
        assertThrows(UnsupportedOperationException.class, () -> capabilities.add(Capability.RESPONSES));
    }

    @Test
    void withoutResponsesRespondAndPollResponsesAreRefusedAndNothingChanges()
    {
        assumeFalse(responses(), "the transport has responses");
        try (Channel channel = transport.open(a, b, config()))
        {
            sendAll(channel.sender(), 0, 2, 500);
            final Message message = channel.receiver().newMessage();
            assertEquals(Status.OK, channel.receiver().poll(message));
            final UnsupportedOperationException refused = assertThrows(UnsupportedOperationException.class,
                () -> channel.receiver().respond(message, Status.OK));
            assertTrue(refused.getMessage().contains("Transport.capabilities()"), refused.getMessage());
            assertTrue(message.isHeld(), "a refused respond releases nothing");
            assertContent(message, 0, "still held after the refused respond");
            final UnsupportedOperationException polled = assertThrows(UnsupportedOperationException.class,
                () -> channel.sender().pollResponses((id, status) -> fail("no responses"), 4));
            assertTrue(polled.getMessage().contains("Transport.capabilities()"), polled.getMessage());
            channel.receiver().release(message);
            assertEquals(Status.OK, channel.receiver().poll(message));
            assertContent(message, 1, "the next message");
            channel.receiver().release(message);
            sendAll(channel.sender(), 2, config().capacity(), 100);
        }
        assertEquals(freeAtStart, freeFrames());
    }

    @ParameterizedTest
    @ValueSource(longs = { 3L, 11L, 0xC0FFEEL })
    void everyCommittedMessageGetsExactlyOneResponseWithItsIdAndStatusInAnswerOrder(final long seed)
    {
        assumeTrue(responses(), "the transport has no responses");
        final SplittableRandom random = new SplittableRandom(seed);
        final int total = 200;
        try (Channel channel = transport.open(a, b, config()))
        {
            final Sender sender = channel.sender();
            final Receiver receiver = channel.receiver();
            final int capacity = config().capacity();
            final Claim claim = sender.newClaim();
            final List<Message> held = new ArrayList<>();
            final List<Long> heldIds = new ArrayList<>();
            final List<Long> answeredIds = new ArrayList<>();
            final List<Integer> answeredStatus = new ArrayList<>();
            final List<Long> ids = new ArrayList<>();
            final List<Integer> statuses = new ArrayList<>();
            final ResponseHandler collect = (id, status) ->
            {
                ids.add(id);
                statuses.add(status);
            };
            final long[] claimed = new long[total];
            final Set<Long> distinct = new HashSet<>();
            int sent = 0;
            int received = 0;
            while (received < total || !held.isEmpty())
            {
                // Committed and not answered stays within capacity, so no claim below is back pressured.
                while (sent < total && sent - answeredIds.size() < capacity && random.nextBoolean())
                {
                    final int length = 1 + random.nextInt(3000);
                    assertEquals(Status.OK, sender.tryClaim(length, claim), "seed=" + seed + " claim " + sent);
                    claimed[sent] = claim.messageId();
                    assertTrue(distinct.add(claim.messageId()), "seed=" + seed + ": id " + claim.messageId() +
                        " given twice");
                    fill(claim, sent++, length);
                    sender.commit(claim);
                }
                if (received < sent && random.nextInt(3) > 0)
                {
                    final Message message = receiver.newMessage();
                    assertEquals(Status.OK, receiver.poll(message), "seed=" + seed);
                    assertContent(message, received, "seed=" + seed);
                    heldIds.add(claimed[received++]);
                    held.add(message);
                }
                if (!held.isEmpty() && (random.nextBoolean() || received == total || received == sent))
                {
                    // Answer a random held message: answers need not follow delivery order.
                    final int pick = random.nextInt(held.size());
                    answeredIds.add(heldIds.remove(pick));
                    answeredStatus.add(answer(receiver, held.remove(pick), random.nextInt(3)));
                }
                // A sender polls at least once every capacity answers: a transport keeps that many unreported.
                if (random.nextInt(4) == 0 || answeredIds.size() - ids.size() >= capacity)
                {
                    sender.pollResponses(collect, 1 + random.nextInt(4));
                }
            }
            while (sender.pollResponses(collect, 3) > 0)
            {
                assertTrue(ids.size() <= total, "seed=" + seed + ": more responses than messages");
            }
            assertEquals(0, sender.pollResponses(collect, 8), "each response is reported once");
            assertEquals(total, answeredIds.size());
            assertEquals(answeredIds, ids, "seed=" + seed + ": ids in answer order");
            assertEquals(answeredStatus, statuses, "seed=" + seed + ": statuses as answered");
        }
        assertEquals(freeAtStart, freeFrames());
    }

    @Test
    void respondRefusesAnotherStatusAndADoubleAnswer()
    {
        assumeTrue(responses(), "the transport has no responses");
        try (Channel channel = transport.open(a, b, config()))
        {
            sendAll(channel.sender(), 0, 1, 200);
            final Message message = channel.receiver().newMessage();
            assertEquals(Status.OK, channel.receiver().poll(message));
            assertThrows(IllegalArgumentException.class, () -> channel.receiver().respond(message, Status.EMPTY));
            assertThrows(IllegalArgumentException.class, () -> channel.receiver().respond(message, 17));
            assertTrue(message.isHeld(), "a refused status answers nothing");
            assertEquals(0, channel.sender().pollResponses((id, status) -> fail("not answered yet"), 4));
            channel.receiver().respond(message, Status.ERROR);
            assertThrows(BufferStateException.class, () -> channel.receiver().respond(message, Status.OK));
            assertThrows(BufferStateException.class, () -> channel.receiver().release(message));
            final List<Integer> statuses = new ArrayList<>();
            assertEquals(1, channel.sender().pollResponses((id, status) -> statuses.add(status), 4));
            assertEquals(List.of(Status.ERROR), statuses);
            assertThrows(IllegalArgumentException.class, () -> channel.sender().pollResponses(null, 1));
            assertThrows(IllegalArgumentException.class,
                () -> channel.sender().pollResponses((id, status) -> fail("limit 0"), 0));
        }
    }

    @Test
    void noResponseIsReportedAfterTheClose()
    {
        assumeTrue(responses(), "the transport has no responses");
        final Channel channel = transport.open(a, b, config());
        sendAll(channel.sender(), 0, 3, 200);
        final Message message = channel.receiver().newMessage();
        assertEquals(Status.OK, channel.receiver().poll(message));
        channel.receiver().respond(message, Status.OK);
        assertEquals(Status.OK, channel.receiver().poll(message));
        channel.close();
        channel.receiver().respond(message, Status.ERROR); // a held message may still be given back
        assertFalse(message.isHeld());
        final ChannelClosedException closed = assertThrows(ChannelClosedException.class,
            () -> channel.sender().pollResponses((id, status) -> fail("nothing after the close"), 4));
        assertTrue(closed.getMessage().startsWith(transportName() + " pollResponses"), closed.getMessage());
        assertEquals(freeAtStart, freeFrames());
    }

    @Test
    void zeroCopyForwardCopiesNoByte()
    {
        assumeTrue(transport.capabilities().contains(Capability.ZERO_COPY_FORWARD), "no zero-copy forward");
        try (ChannelPath path = transport.openPath(config(), a, b, c))
        {
            sendAll(path.hop(0).sender(), 0, 4, 3000);
            final Message message = path.hop(0).receiver().newMessage();
            final long copiedBefore = a.counter(CounterType.BYTES_COPIED) + b.counter(CounterType.BYTES_COPIED) +
                c.counter(CounterType.BYTES_COPIED);
            for (int i = 0; i < 4; i++)
            {
                assertEquals(Status.OK, path.hop(0).receiver().poll(message));
                assertEquals(Status.OK, path.hop(1).sender().forward(message));
            }
            final Message out = path.hop(1).receiver().newMessage();
            for (int i = 0; i < 4; i++)
            {
                assertEquals(Status.OK, path.hop(1).receiver().poll(out));
                assertContent(out, i, "forwarded");
                path.hop(1).receiver().release(out);
            }
            assertEquals(copiedBefore, a.counter(CounterType.BYTES_COPIED) + b.counter(CounterType.BYTES_COPIED) +
                c.counter(CounterType.BYTES_COPIED), "a zero-copy forward copies no byte");
        }
    }

    /** Answers one way or another; returns the status the sender must see. */
    private static int answer(final Receiver receiver, final Message message, final int how)
    {
        final int status;
        switch (how)
        {
            case 0:
                receiver.release(message);
                status = Status.OK;
                break;
            case 1:
                receiver.respond(message, Status.OK);
                status = Status.OK;
                break;
            default:
                receiver.respond(message, Status.ERROR);
                status = Status.ERROR;
                break;
        }
        assertFalse(message.isHeld(), "an answered message is released");
        return status;
    }
}
