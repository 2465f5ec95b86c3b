package io.barge.core.notify;

import io.barge.core.ChannelClosedException;
import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.ProtectionFault;
import io.barge.core.Rights;
import io.barge.core.transport.ChannelConfig;
import io.barge.core.transport.Status;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(30)
class LmpChannelTest
{
    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain a;
    private Domain b;
    private int freeAtStart;
    private final UnsafeBuffer src = new UnsafeBuffer(new byte[64]);

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(1024);
        kernel = new Kernel(memory, Kernel.DEFAULT_MAX_PAGES, 32); // 32 domains of counters, not 42 MB for 1024
        a = kernel.createDomain("a");
        b = kernel.createDomain("b");
        freeAtStart = kernel.freeFrames();
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    private int send(final NotifySender sender, final int type, final long value)
    {
        src.putLong(0, value);
        return sender.offer(type, src, 0, 8);
    }

    /** Registers a handler that drains the endpoint into {@code got} and registers itself again. */
    private Runnable drainer(final LmpChannel channel, final Waitset waitset, final List<Long> got,
        final List<Thread> threads)
    {
        final Runnable[] self = new Runnable[1];
        self[0] = () ->
        {
            threads.add(Thread.currentThread());
            channel.receiver().poll((t, buf, o, l) -> got.add(buf.getLong(o)), 100);
            channel.receiver().registerReceive(waitset, self[0]);
        };
        return self[0];
    }

    @Test
    void factoryOpensLmpAndCountsKernelWork()
    {
        final NotifyChannel channel = Notifications.open(kernel, a, b, ChannelConfig.Notification.LMP, 4);
        assertInstanceOf(LmpChannel.class, channel);
        final long copied = a.counter(CounterType.BYTES_COPIED);
        final long sent = a.counter(CounterType.NOTIFICATIONS_SENT);
        assertEquals(Status.OK, send(channel.sender(), 5, 77));
        assertEquals(copied + 8, a.counter(CounterType.BYTES_COPIED));
        assertEquals(sent + 1, a.counter(CounterType.NOTIFICATIONS_SENT));
        final long[] got = new long[1];
        assertEquals(1, channel.receiver().poll((t, buf, o, l) ->
        {
            assertEquals(5, t);
            assertEquals(8, l);
            got[0] = buf.getLong(o);
        }, 10));
        assertEquals(77, got[0]);
        channel.close();
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void endpointIsWrittenOnlyByTheKernel()
    {
        try (LmpChannel channel = Notifications.openLmp(kernel, a, b, 4))
        {
            assertEquals(Kernel.KERNEL_DOMAIN_ID, kernel.ownerOf(channel.endpointFrame()));
            // The receiver maps the endpoint read-only: a write from it faults.
            final long[] endpointAddress = {0};
            b.addressSpace();
            for (long page = 1; page < 64; page++)
            {
                final long va = page * memory.frameSize();
                if (b.addressSpace().frameAt(va) == channel.endpointFrame())
                {
                    endpointAddress[0] = va;
                }
            }
            assertNotEquals(0, endpointAddress[0]);
            assertEquals(Rights.READ, b.addressSpace().rightsAt(endpointAddress[0]));
            assertThrows(ProtectionFault.class, () -> b.addressSpace().putLong(endpointAddress[0], 1));
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void synchronousSendRunsReceiverOnSenderThread()
    {
        try (LmpChannel channel = Notifications.openLmp(kernel, a, b, 4))
        {
            assertTrue(channel.synchronous());
            final Waitset waitset = new Waitset("b");
            final List<Long> got = new ArrayList<>();
            final List<Thread> threads = new ArrayList<>();
            channel.receiver().registerReceive(waitset, drainer(channel, waitset, got, threads));
            for (int i = 0; i < 10; i++)
            {
                assertEquals(Status.OK, send(channel.sender(), 0, i));
                assertEquals(i + 1, got.size(), "delivered during send");
            }
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), got);
            assertTrue(threads.stream().allMatch(t -> t == Thread.currentThread()));
            assertEquals(0, waitset.pendingCount());
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void asynchronousSendLeavesEventPendingForTheWaitset()
    {
        try (LmpChannel channel = Notifications.openLmp(kernel, a, b, 4))
        {
            channel.synchronous(false);
            final Waitset waitset = new Waitset("b");
            final List<Long> got = new ArrayList<>();
            final List<Thread> threads = new ArrayList<>();
            channel.receiver().registerReceive(waitset, drainer(channel, waitset, got, threads));
            assertEquals(Status.OK, send(channel.sender(), 0, 1));
            assertEquals(Status.OK, send(channel.sender(), 0, 2));
            assertTrue(got.isEmpty());
            assertEquals(WaitsetChannel.State.PENDING, channel.receiver().receiveChannel().state());
            assertEquals(1, waitset.pendingCount());
            assertTrue(waitset.poll());
            assertEquals(List.of(1L, 2L), got);
            assertFalse(waitset.poll());
            // Switching back on: the next send runs the handler at once.
            channel.synchronous(true);
            assertEquals(Status.OK, send(channel.sender(), 0, 3));
            assertEquals(List.of(1L, 2L, 3L), got);
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void coreLoopDispatchesAsynchronousLmp() throws Exception
    {
        try (Core core = new Core("core0"); LmpChannel channel = openOnCore(core))
        {
            channel.synchronous(false);
            final java.util.concurrent.CountDownLatch latch = new java.util.concurrent.CountDownLatch(3);
            final Runnable[] self = new Runnable[1];
            self[0] = () ->
            {
                channel.receiver().poll((t, buf, o, l) -> latch.countDown(), 10);
                channel.receiver().registerReceive(core.defaultWaitset(), self[0]);
            };
            channel.receiver().registerReceive(core.defaultWaitset(), self[0]);
            core.start(new org.agrona.concurrent.BackoffIdleStrategy());
            for (int i = 0; i < 3; )
            {
                if (send(channel.sender(), 0, i) == Status.OK)
                {
                    i++;
                }
            }
            assertTrue(latch.await(20, java.util.concurrent.TimeUnit.SECONDS));
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    private LmpChannel openOnCore(final Core core)
    {
        core.place(a);
        core.place(b);
        return Notifications.openLmp(kernel, a, b, 4);
    }

    @Test
    void lmpRefusesDomainsOnDifferentCores()
    {
        try (Core c0 = new Core("c0"); Core c1 = new Core("c1"))
        {
            c0.place(a);
            c1.place(b);
            assertThrows(IllegalArgumentException.class, () -> Notifications.openLmp(kernel, a, b, 4));
            assertThrows(IllegalStateException.class, () -> c1.place(a));
            c0.remove(a);
            c1.remove(b);
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void endpointFullIsBackPressure()
    {
        try (LmpChannel channel = Notifications.openLmp(kernel, a, b, 4))
        {
            for (int i = 0; i < 4; i++)
            {
                assertEquals(Status.OK, send(channel.sender(), 0, i));
            }
            assertEquals(Status.BACK_PRESSURED, send(channel.sender(), 0, 4));
            assertEquals(Status.BACK_PRESSURED, channel.sender().tryClaim());
            final long[] next = {0};
            assertEquals(1, channel.receiver().poll((t, buf, o, l) -> assertEquals(next[0]++, buf.getLong(o)), 1));
            assertEquals(Status.OK, send(channel.sender(), 0, 4));
            assertEquals(4, channel.receiver().poll((t, buf, o, l) -> assertEquals(next[0]++, buf.getLong(o)), 9));
            assertEquals(5, next[0]);
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void sharesAFrameReadOnly()
    {
        try (LmpChannel channel = Notifications.openLmp(kernel, a, b, 4))
        {
            final int frame = kernel.allocateFrame(a, true);
            final long va = kernel.reserve(a, 1);
            kernel.map(a, va, frame, Rights.READ_WRITE);
            a.addressSpace().putLong(va, 0xFEEDL);
            assertEquals(Status.OK, channel.sender().sendFrame(3, src, 0, 0, frame, FrameTransfer.SHARE_READ));
            final long[] address = {0};
            final LmpCapability[] kept = {null};
            assertEquals(1, channel.receiver().poll((type, buf, o, l, cap) ->
            {
                assertTrue(cap.isPresent());
                assertEquals(frame, cap.frame());
                assertEquals(FrameTransfer.SHARE_READ, cap.kind());
                assertEquals(Rights.READ, cap.rights());
                address[0] = cap.address();
                kept[0] = cap;
            }, 1));
            assertEquals(0xFEEDL, b.addressSpace().getLong(address[0]));
            assertThrows(ProtectionFault.class, () -> b.addressSpace().putLong(address[0], 1));
            assertEquals(a.id(), kernel.ownerOf(frame));
            channel.releaseReceived(kept[0]);
            assertEquals(-1, b.addressSpace().rightsAt(address[0]));
            kernel.unmap(a, va);
            kernel.unreserve(a, va, 1);
            kernel.freeFrame(a, frame);
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void transfersFrameOwnership()
    {
        try (LmpChannel channel = Notifications.openLmp(kernel, a, b, 4))
        {
            final int frame = kernel.allocateFrame(a, true);
            final long va = kernel.reserve(a, 1);
            kernel.map(a, va, frame, Rights.READ_WRITE);
            assertThrows(IllegalStateException.class,
                () -> channel.sender().sendFrame(3, src, 0, 0, frame, FrameTransfer.TRANSFER), "still mapped");
            kernel.unmap(a, va);
            kernel.unreserve(a, va, 1);
            src.putLong(0, 5);
            assertEquals(Status.OK, channel.sender().sendFrame(3, src, 0, 8, frame, FrameTransfer.TRANSFER));
            final long[] address = {0};
            assertEquals(1, channel.receiver().poll((type, buf, o, l, cap) ->
            {
                assertEquals(5, buf.getLong(o));
                assertEquals(FrameTransfer.TRANSFER, cap.kind());
                address[0] = cap.address();
            }, 1));
            assertEquals(b.id(), kernel.ownerOf(frame));
            b.addressSpace().putLong(address[0], 9);
            assertThrows(io.barge.core.FrameOwnershipException.class, () -> kernel.freeFrame(a, frame));
            kernel.freeFrame(b, frame);
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void closedLmpThrows()
    {
        final LmpChannel channel = Notifications.openLmp(kernel, a, b, 4);
        channel.close();
        assertThrows(ChannelClosedException.class, () -> channel.sender().tryClaim());
        assertThrows(ChannelClosedException.class, () -> channel.receiver().poll((t, buf, o, l) -> { }, 1));
        assertEquals(freeAtStart, kernel.freeFrames());
    }
}
