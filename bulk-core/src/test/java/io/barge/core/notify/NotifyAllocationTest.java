package io.barge.core.notify;

import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.transport.ChannelConfig.Notification;
import io.barge.core.transport.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Steady-state send and receive allocate nothing, measured with the JVM's per-thread allocation counter.
 */
@Timeout(30)
class NotifyAllocationTest
{
    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain a;
    private Domain b;
    private final UnsafeBuffer src = new UnsafeBuffer(new byte[64]);
    private long sum;

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(1024);
        kernel = new Kernel(memory);
        a = kernel.createDomain("a");
        b = kernel.createDomain("b");
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    /** Bytes the measurement itself allocates (the management call boxes and copies). */
    private static long measurementOverhead()
    {
        allocatedBytes();
        final long first = allocatedBytes();
        return allocatedBytes() - first;
    }

    private static long allocatedBytes()
    {
        final java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "needs com.sun.management.ThreadMXBean");
        return ((com.sun.management.ThreadMXBean)bean).getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    private void exchange(final NotifyChannel channel, final NotifyHandler handler, final int rounds)
    {
        for (int i = 0; i < rounds; i++)
        {
            for (int j = 0; j < 8; j++)
            {
                src.putLong(0, j);
                assertEquals(Status.OK, channel.sender().offer(3, src, 0, 56));
            }
            channel.receiver().poll(handler, 8);
        }
    }

    @Test
    void umpAndLmpSendAndPollAllocateNothing()
    {
        final NotifyHandler handler = (type, buffer, offset, length) -> sum += buffer.getLong(offset);
        for (final Notification kind : Notification.values())
        {
            try (NotifyChannel channel = Notifications.open(kernel, a, b, kind, 16))
            {
                exchange(channel, handler, 20_000); // warm up
                final long overhead = measurementOverhead();
                final long before = allocatedBytes();
                exchange(channel, handler, 10_000);
                final long allocated = allocatedBytes() - before - overhead;
                // Less than one byte per message: no message allocates (the smallest object is 16 bytes).
                assertTrue(allocated < 80_000, kind + " allocated " + allocated + " bytes in 80000 messages");
            }
        }
    }

    @Test
    void bindingSendAndWaitsetReceiveAllocateNothing()
    {
        final NameService names = new NameService(kernel);
        final Waitset serverWs = new Waitset("s");
        final Waitset clientWs = new Waitset("c");
        names.export("sink", new NameService.Service(b, serverWs, binding ->
        {
            binding.receiveHandler(1, (type, buffer, offset, length) -> sum += buffer.getLong(offset));
            return true;
        }));
        for (final Notification kind : Notification.values())
        {
            final NameService.BindingPair pair = names.bind("sink", a, clientWs, kind, 16);
            final Runnable round = () ->
            {
                for (int i = 0; i < 10_000; i++)
                {
                    src.putLong(0, i);
                    assertEquals(Binding.OK, pair.client().send(1, src, 0, 8));
                    while (serverWs.poll())
                    {
                        // deliver
                    }
                }
            };
            round.run();
            round.run();
            final long overhead = measurementOverhead();
            final long before = allocatedBytes();
            round.run();
            final long allocated = allocatedBytes() - before - overhead;
            assertTrue(allocated < 10_000, kind + " binding allocated " + allocated + " bytes in 10000 messages");
            pair.client().control(Binding.Control.TEARDOWN);
        }
    }
}
