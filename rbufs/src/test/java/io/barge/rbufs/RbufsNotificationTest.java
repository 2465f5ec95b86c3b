package io.barge.rbufs;

import io.barge.core.CounterType;
import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Event counts in the control-area headers with Xen-style wake words: a polling end never misses a counter, an end
 * that ran out of work is always notified at the next event, other events are suppressed and counted, and a peer's
 * forged wake words cannot stall or break the other end.
 */
@Timeout(30)
class RbufsNotificationTest extends RbufsFixture
{
    private static final int MAX = 64;

    @ParameterizedTest
    @ValueSource(longs = {3, 41, 20261125})
    void idleReceiverIsAlwaysNotifiedAndABusyOneNeverMissesData(final long seed)
    {
        for (final RbufsChannel.Mode mode : RbufsChannel.Mode.values())
        {
            final SplittableRandom random = new SplittableRandom(seed);
            try (RbufsChannel channel = open(a, b, mode, MAX, 16))
            {
                final CounterLink senderLink = channel.rbufsSender().counterLink();
                final CounterLink receiverLink = channel.rbufsReceiver().counterLink();
                final Claim claim = channel.sender().newClaim();
                final Message message = channel.receiver().newMessage();
                int seq = 0;
                for (int round = 0; round < 50; round++)
                {
                    // The receiver runs dry: its poll finds nothing and asks to be woken at the next record.
                    assertEquals(Status.EMPTY, channel.receiver().poll(message), mode + " seed=" + seed);
                    receiverLink.poll(); // (drains earlier wake-ups, so that the next count is this round's)
                    final long sent = senderLink.sent();
                    final long suppressed = senderLink.suppressed();
                    final int burst = random.nextInt(1, 9);
                    for (int i = 0; i < burst; i++)
                    {
                        assertEquals(Status.OK, send(channel, claim, MAX, seq + i), mode + " seed=" + seed);
                    }
                    assertEquals(sent + 1, senderLink.sent(),
                        mode + " seed=" + seed + " round " + round + ": the first record wakes the idle receiver");
                    assertEquals(suppressed + burst - 1, senderLink.suppressed(),
                        mode + " seed=" + seed + " round " + round + ": the rest of a burst wakes nobody");
                    assertEquals(1, receiverLink.poll(), mode + " seed=" + seed + ": one wake-up waiting");
                    for (int i = 0; i < burst; i++)
                    {
                        assertEquals(Status.OK, channel.receiver().poll(message),
                            mode + " seed=" + seed + " round " + round + ": message " + i + " of " + burst);
                        assertContent(message, MAX, seq + i);
                        channel.receiver().release(message);
                    }
                    seq += burst;
                }
            }
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void backPressuredSenderIsWokenWhenRegionsComeBack(final RbufsChannel.Mode mode)
    {
        try (RbufsChannel channel = open(a, b, mode, MAX, 4))
        {
            final Claim claim = channel.sender().newClaim();
            int sent = 0;
            while (send(channel, claim, MAX, sent) == Status.OK)
            {
                sent++;
            }
            assertEquals(4, sent, mode + ": the data area holds four messages");
            final CounterLink senderLink = channel.rbufsSender().counterLink();
            final CounterLink receiverLink = channel.rbufsReceiver().counterLink();
            senderLink.poll(); // earlier wake-ups
            final long wakeUps = receiverLink.sent();
            final Message message = channel.receiver().newMessage();
            for (int i = 0; i < sent; i++)
            {
                assertEquals(Status.OK, channel.receiver().poll(message), mode + ": message " + i);
                channel.receiver().release(message);
            }
            channel.receiver().poll(message); // idle: signals anything still owed
            assertTrue(receiverLink.sent() > wakeUps, mode + ": the blocked originator was notified, sent " +
                receiverLink.sent() + " before " + wakeUps);
            assertTrue(senderLink.poll() >= 1, mode + ": the wake-up is waiting for the originator");
            assertEquals(Status.OK, send(channel, claim, MAX, 99), mode + ": room again");
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @ParameterizedTest
    @ValueSource(longs = {5, 77, 20261125})
    void forgedWakeWordsCannotStallOrBreakTheOriginator(final long seed)
    {
        for (final RbufsChannel.Mode mode : RbufsChannel.Mode.values())
        {
            final SplittableRandom random = new SplittableRandom(seed);
            final RbufsChannel channel = open(a, b, mode, MAX, 8);
            final RbufsChannel other = open(a, c, mode, MAX, 8);
            final RingView forged = channel.rbufsReceiver().counterLink().ownHeader();
            final long[] values = {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE};
            final Claim claim = channel.sender().newClaim();
            final Message message = channel.receiver().newMessage();
            final long violations = a.counter(CounterType.PROTOCOL_VIOLATIONS);
            for (int i = 0; i < 2000; i++)
            {
                // Anything: fixed extremes, random words, or "wake me at your very next record" every time.
                final int pick = random.nextInt(values.length + 2);
                final long wake = pick < values.length ? values[pick] : pick == values.length ? random.nextLong() :
                    channel.rbufsSender().writer().head() + 1;
                forged.putLongRelease(ControlAreaDescriptor.WAKE_HEAD_OFFSET, wake);
                forged.putLongRelease(ControlAreaDescriptor.WAKE_TAIL_OFFSET, random.nextLong());
                assertEquals(Status.OK, send(channel, claim, MAX, i), mode + " seed=" + seed + " message " + i);
                assertEquals(Status.OK, channel.receiver().poll(message), mode + " seed=" + seed + " message " + i);
                assertContent(message, MAX, i);
                channel.receiver().release(message);
            }
            assertTrue(channel.isOpen(), mode + " seed=" + seed + ": wake words are hints, never violations");
            assertEquals(violations, a.counter(CounterType.PROTOCOL_VIOLATIONS), mode + " seed=" + seed);
            assertWorks(other);
            channel.close();
            other.close();
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @ParameterizedTest
    @EnumSource(RbufsChannel.Mode.class)
    void suppressedNotificationsAreCountedOnTheDomain(final RbufsChannel.Mode mode)
    {
        final long before = a.counter(CounterType.NOTIFICATIONS_SUPPRESSED);
        final long suppressed;
        try (RbufsChannel channel = open(a, b, mode, MAX, 16))
        {
            final Claim claim = channel.sender().newClaim();
            final Message message = channel.receiver().newMessage();
            for (int round = 0; round < 20; round++)
            {
                for (int i = 0; i < 8; i++)
                {
                    assertEquals(Status.OK, send(channel, claim, MAX, i));
                }
                for (int i = 0; i < 8; i++)
                {
                    assertEquals(Status.OK, channel.receiver().poll(message));
                    channel.receiver().release(message);
                }
            }
            suppressed = channel.rbufsSender().counterLink().suppressed();
            assertTrue(suppressed >= 150, mode + ": a busy receiver is not woken per record, suppressed=" +
                suppressed);
        }
        assertEquals(before + suppressed, a.counter(CounterType.NOTIFICATIONS_SUPPRESSED),
            mode + ": every suppressed notification counted by close");
    }
}
