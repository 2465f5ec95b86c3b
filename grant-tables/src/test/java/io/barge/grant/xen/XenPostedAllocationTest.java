package io.barge.grant.xen;

import io.barge.core.transport.Claim;
import io.barge.core.transport.Message;
import io.barge.core.transport.Status;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Receiver-posted buffers: steady-state claim of a posted buffer, fill, shrink, commit, poll, touch and release
 * (which posts the buffer again) allocate nothing, in every grant mode and with indirect segments: after a
 * warm-up, 20,000 messages allocate less than a few KiB in total (one small object per message would be 300 KiB).
 */
@Timeout(60)
class XenPostedAllocationTest extends XenPostedFixture
{
    private static final int MESSAGES = 20_000;
    private static final long BUDGET_BYTES = 16 * 1024;

    private static long allocatedBytes()
    {
        return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static long run(final XenPostedChannel channel, final Claim claim, final Message message,
        final int messages)
    {
        long sum = 0;
        for (int i = 0; i < messages; i++)
        {
            if (channel.sender().tryClaim(channel.sender().maxMessageLength(), claim) != Status.OK)
            {
                throw new IllegalStateException("message " + i + " back pressured");
            }
            claim.putLong(0, i);
            claim.shrink((i & 1) == 0 ? 100 : 17 * PAGE + 8);
            channel.sender().commit(claim);
            if (channel.receiver().poll(message) != Status.OK)
            {
                throw new IllegalStateException("message " + i + " not delivered");
            }
            sum += message.touch();
            channel.receiver().release(message);
        }
        return sum;
    }

    @ParameterizedTest
    @EnumSource(GrantMode.class)
    void steadyStateCrossingsAllocateNothing(final GrantMode mode)
    {
        try (XenPostedChannel channel = posted(mode).open(a, b, config(18 * PAGE, 8)))
        {
            final Claim claim = channel.sender().newClaim();
            final Message message = channel.receiver().newMessage();
            run(channel, claim, message, MESSAGES); // warm-up: class loading, JIT, the message's piece arrays
            final long before = allocatedBytes();
            run(channel, claim, message, MESSAGES);
            final long allocated = allocatedBytes() - before;
            assertTrue(allocated < BUDGET_BYTES, mode + " allocated " + allocated + " bytes for " + MESSAGES +
                " messages");
        }
    }
}
