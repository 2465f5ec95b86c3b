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
 * Steady-state claim, commit, poll, touch and release allocate nothing, in every grant mode and with indirect
 * segments: after a warm-up, 100,000 messages allocate less than a few KiB in total (the JIT and the measurement may
 * allocate a little; one small object per message would be megabytes).
 */
@Timeout(60)
class XenAllocationTest extends XenFixture
{
    private static final int MESSAGES = 100_000;
    private static final long BUDGET_BYTES = 16 * 1024;

    private static long allocatedBytes()
    {
        return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static long run(final XenChannel channel, final Claim claim, final Message message, final int messages)
    {
        long sum = 0;
        for (int i = 0; i < messages; i++)
        {
            final int length = (i & 1) == 0 ? 100 : 17 * PAGE + 8;
            if (channel.sender().tryClaim(length, claim) != Status.OK)
            {
                throw new IllegalStateException("message " + i + " back pressured");
            }
            claim.putLong(0, i);
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
        try (XenChannel channel = transport(mode).open(a, b, config(20 * PAGE, 8)))
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
