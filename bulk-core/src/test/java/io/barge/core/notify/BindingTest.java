package io.barge.core.notify;

import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import io.barge.core.ProtocolViolationException;
import io.barge.core.transport.ChannelConfig.Notification;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(30)
class BindingTest
{
    private static final int PING = 1;
    private static final int PONG = 2;

    private PhysicalMemory memory;
    private Kernel kernel;
    private Domain client;
    private Domain server;
    private int freeAtStart;
    private NameService names;
    private final Waitset clientWs = new Waitset("client");
    private final Waitset serverWs = new Waitset("server");
    private final UnsafeBuffer msg = new UnsafeBuffer(new byte[64]);
    private final List<Long> serverGot = new ArrayList<>();
    private final List<Long> clientGot = new ArrayList<>();
    private final List<Throwable> serverErrors = new ArrayList<>();
    private final List<Throwable> clientErrors = new ArrayList<>();

    @BeforeEach
    void setUp()
    {
        memory = PhysicalMemory.allocateDirect(1024);
        kernel = new Kernel(memory, Kernel.DEFAULT_MAX_PAGES, 32); // 32 domains of counters, not 42 MB for 1024
        client = kernel.createDomain("client");
        server = kernel.createDomain("server");
        freeAtStart = kernel.freeFrames();
        names = new NameService(kernel);
    }

    @AfterEach
    void tearDown()
    {
        kernel.close();
        memory.close();
    }

    /** An echo service: every PING is recorded and answered with PONG carrying the same value. */
    private void exportEcho()
    {
        names.export("echo", new NameService.Service(server, serverWs, binding ->
        {
            final UnsafeBuffer reply = new UnsafeBuffer(new byte[8]);
            binding.receiveHandler(PING, (type, buffer, offset, length) ->
            {
                final long v = buffer.getLong(offset);
                serverGot.add(v);
                reply.putLong(0, v);
                binding.send(PONG, reply, 0, 8);
            });
            binding.errorHandler(serverErrors::add);
            return true;
        }));
    }

    private NameService.BindingPair bindEcho(final Notification kind, final int slots)
    {
        exportEcho();
        return names.bind("echo", client, clientWs, kind, slots, binding ->
        {
            binding.receiveHandler(PONG, (type, buffer, offset, length) -> clientGot.add(buffer.getLong(offset)));
            binding.errorHandler(clientErrors::add);
        });
    }

    private int send(final Binding binding, final long value, final Runnable continuation)
    {
        msg.putLong(0, value);
        return binding.send(PING, msg, 0, 8, continuation);
    }

    private void drain()
    {
        boolean ran = true;
        while (ran)
        {
            ran = false;
            while (serverWs.poll())
            {
                ran = true;
            }
            while (clientWs.poll())
            {
                ran = true;
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Notification.class)
    void exportBindAndExchangeMessages(final Notification kind)
    {
        final NameService.BindingPair pair = bindEcho(kind, 4);
        for (long i = 0; i < 20; i++)
        {
            assertEquals(Binding.OK, send(pair.client(), i, null));
            drain();
        }
        assertEquals(20, serverGot.size());
        assertEquals(serverGot, clientGot);
        assertTrue(serverErrors.isEmpty());
        assertTrue(clientErrors.isEmpty());
        pair.client().control(Binding.Control.TEARDOWN);
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void lmpSynchronousRunsTheServerDuringTheSend()
    {
        final NameService.BindingPair pair = bindEcho(Notification.LMP, 4);
        assertEquals(Binding.OK, send(pair.client(), 7, null));
        assertEquals(List.of(7L), serverGot, "server ran on the client's thread");
        assertEquals(List.of(7L), clientGot, "and its reply ran the client's handler at once too");
        assertTrue(pair.client().control(Binding.Control.CLEAR_SYNC));
        assertEquals(Binding.OK, send(pair.client(), 8, null));
        assertEquals(List.of(7L), serverGot, "asynchronous: pending until the server's waitset runs");
        drain();
        assertEquals(List.of(7L, 8L), serverGot);
        pair.server().control(Binding.Control.TEARDOWN);
    }

    @Test
    void lmpSynchronousHandlersMaySendFromInsideTheDirectedYield()
    {
        exportEcho();
        final int[] results = new int[20];
        final int[] sends = {0};
        final Binding[] self = new Binding[1];
        final NameService.BindingPair pair = names.bind("echo", client, clientWs, Notification.LMP, 4, binding ->
        {
            self[0] = binding;
            binding.receiveHandler(PONG, (type, buffer, offset, length) ->
            {
                final long v = buffer.getLong(offset);
                clientGot.add(v);
                if (v < 10)
                {
                    // Nested: this handler runs inside the server's reply, itself inside our previous send.
                    results[sends[0]++] = send(self[0], v + 1, null);
                }
            });
        });
        assertEquals(Binding.OK, send(pair.client(), 0, null));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L), serverGot);
        assertEquals(serverGot, clientGot);
        for (int i = 0; i < sends[0]; i++)
        {
            assertEquals(Binding.OK, results[i], "nested send " + i);
        }
        pair.client().control(Binding.Control.TEARDOWN);
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @ParameterizedTest
    @EnumSource(Notification.class)
    void secondSendWhileBufferedIsTxBusyAndContinuationsRunWhenItGoes(final Notification kind)
    {
        final NameService.BindingPair pair = bindEcho(kind, 2);
        pair.client().control(Binding.Control.CLEAR_SYNC);
        final List<String> events = new ArrayList<>();
        assertEquals(Binding.OK, send(pair.client(), 0, () -> events.add("sent0")));
        assertEquals(List.of("sent0"), events, "pushed at once: its continuation ran in send");
        assertEquals(Binding.OK, send(pair.client(), 1, () -> events.add("sent1")));
        assertTrue(pair.client().canSend());
        // The channel holds 2: the third message stays in the binding's buffer.
        assertEquals(Binding.OK, send(pair.client(), 2, () -> events.add("sent2")));
        assertFalse(pair.client().canSend());
        assertEquals(Binding.TX_BUSY, send(pair.client(), 3, () -> events.add("never")));
        assertEquals(List.of("sent0", "sent1"), events);
        pair.client().registerSend(clientWs, () -> events.add("canSend"));
        assertThrows(IllegalStateException.class, () -> pair.client().registerSend(clientWs, () -> { }));
        assertFalse(clientWs.poll(), "still full: the retry poller finds no room");
        // The server reads (its UMP ack or LMP consumed count frees room) and the client's waitset pushes.
        drain();
        assertEquals(List.of("sent0", "sent1", "sent2", "canSend"), events);
        assertTrue(pair.client().canSend());
        assertEquals(List.of(0L, 1L, 2L), serverGot);
        assertEquals(List.of(0L, 1L, 2L), clientGot);
        pair.client().control(Binding.Control.TEARDOWN);
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void registerSendRunsAtOnceWhenTheBindingCanSend()
    {
        final NameService.BindingPair pair = bindEcho(Notification.UMP, 4);
        final CountDownLatch ran = new CountDownLatch(1);
        pair.client().registerSend(clientWs, ran::countDown);
        assertTrue(clientWs.poll());
        assertEquals(0, ran.getCount());
        pair.client().control(Binding.Control.TEARDOWN);
    }

    @ParameterizedTest
    @EnumSource(Notification.class)
    void messageWithNoHandlerGoesToTheErrorHandler(final Notification kind)
    {
        final NameService.BindingPair pair = bindEcho(kind, 4);
        msg.putLong(0, 5);
        assertEquals(Binding.OK, pair.client().send(99, msg, 0, 8));
        drain();
        assertEquals(1, serverErrors.size());
        assertInstanceOf(ProtocolViolationException.class, serverErrors.get(0));
        assertTrue(serverErrors.get(0).getMessage().contains("type 99"), serverErrors.get(0).getMessage());
        // The binding goes on.
        assertEquals(Binding.OK, send(pair.client(), 6, null));
        drain();
        assertEquals(List.of(6L), clientGot);
        pair.client().control(Binding.Control.TEARDOWN);
    }

    @ParameterizedTest
    @EnumSource(Notification.class)
    void teardownThenSendIsChannelClosedAndThePeerIsTold(final Notification kind)
    {
        final NameService.BindingPair pair = bindEcho(kind, 4);
        assertTrue(pair.client().isOpen());
        assertTrue(pair.client().control(Binding.Control.TEARDOWN));
        assertFalse(pair.client().isOpen());
        assertFalse(pair.client().canSend());
        assertThrows(ChannelClosedException.class, () -> send(pair.client(), 1, null));
        assertThrows(ChannelClosedException.class, () -> pair.server().send(PONG, msg, 0, 8));
        assertEquals(freeAtStart, kernel.freeFrames());
        drain();
        assertEquals(1, serverErrors.size(), "the server learns of the teardown once");
        assertInstanceOf(ChannelClosedException.class, serverErrors.get(0));
        assertTrue(clientErrors.isEmpty());
    }

    @Test
    void protocolViolationReachesTheBindingErrorHandlerAndTearsItDown()
    {
        final NameService.BindingPair pair = bindEcho(Notification.UMP, 4);
        // Find the client-to-server ring through the client's mappings and forge an impossible sequence id.
        final long ring = findRing(client);
        client.addressSpace().putLongRelease(ring + UmpDescriptor.CONTROL_OFFSET,
            UmpDescriptor.encodeControl(UmpDescriptor.EPOCH_BIT, PING, 8, 12345));
        drain();
        assertEquals(1, serverErrors.size());
        assertInstanceOf(ProtocolViolationException.class, serverErrors.get(0));
        assertFalse(pair.server().isOpen());
        assertThrows(ChannelClosedException.class, () -> pair.server().send(PONG, msg, 0, 8));
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    private long findRing(final Domain domain)
    {
        for (long page = 1; page < 1024; page++)
        {
            final long va = page * memory.frameSize();
            final int frame = domain.addressSpace().frameAt(va);
            if (frame >= 0 && kernel.ownerOf(frame) == domain.id() &&
                domain.addressSpace().rightsAt(va) == io.barge.core.Rights.READ_WRITE)
            {
                return va;
            }
        }
        throw new AssertionError("no ring in " + domain);
    }

    @Test
    void changeWaitsetMovesReceiving()
    {
        final NameService.BindingPair pair = bindEcho(Notification.UMP, 4);
        final Waitset moved = new Waitset("moved");
        pair.server().changeWaitset(moved);
        assertSame(moved, pair.server().waitset());
        send(pair.client(), 3, null);
        assertFalse(serverWs.poll());
        assertTrue(moved.poll());
        assertEquals(List.of(3L), serverGot);
        pair.client().control(Binding.Control.TEARDOWN);
    }

    @Test
    void bindingToAnUnknownNameIsATypedErrorAndAllocatesNothing()
    {
        exportEcho();
        final int free = kernel.freeFrames();
        final UnknownServiceException ex = assertThrows(UnknownServiceException.class,
            () -> names.bind("ehco", client, clientWs, Notification.UMP, 4));
        assertTrue(ex.getMessage().contains("ehco"));
        assertEquals(free, kernel.freeFrames());
        assertEquals(freeAtStart, kernel.freeFrames());
    }

    @Test
    void rejectedBindFreesEverything()
    {
        names.export("closed", new NameService.Service(server, serverWs, binding -> false));
        assertThrows(ConnectionRejectedException.class,
            () -> names.bind("closed", client, clientWs, Notification.LMP, 4));
        assertEquals(freeAtStart, kernel.freeFrames());
        assertThrows(IllegalStateException.class,
            () -> names.export("closed", new NameService.Service(server, serverWs, binding -> true)));
        assertTrue(names.unexport("closed"));
        assertThrows(UnknownServiceException.class,
            () -> names.bind("closed", client, clientWs, Notification.LMP, 4));
    }

    @Test
    void bindingOverUmpAcrossTwoCoreThreads() throws Exception
    {
        final int total = 10_000;
        final CountDownLatch done = new CountDownLatch(total);
        names.export("count", new NameService.Service(server, serverWs, binding ->
        {
            binding.receiveHandler(PING, (type, buffer, offset, length) -> done.countDown());
            return true;
        }));
        try (Core serverCore = new Core("server-core"))
        {
            serverCore.addWaitset(serverWs);
            final NameService.BindingPair pair = names.bind("count", client, clientWs, Notification.UMP, 16);
            serverCore.start(new org.agrona.concurrent.BackoffIdleStrategy());
            final org.agrona.concurrent.YieldingIdleStrategy idle = new org.agrona.concurrent.YieldingIdleStrategy();
            for (int i = 0; i < total; )
            {
                if (pair.client().canSend())
                {
                    send(pair.client(), i++, null);
                }
                else
                {
                    idle.idle(clientWs.poll() ? 1 : 0);
                }
            }
            assertTrue(done.await(20, TimeUnit.SECONDS), "remaining " + done.getCount());
            assertEquals(0, serverCore.errorCount());
            serverCore.close();
            pair.client().control(Binding.Control.TEARDOWN);
        }
        assertEquals(freeAtStart, kernel.freeFrames());
    }
}
