package io.barge.core.machine;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The client table's sequence lock: a reader racing the kernel's updates never takes half of one.
 */
@Timeout(30)
class ClientTableDescriptorTest
{
    private static final int SLOTS = 2;

    @Test
    void aSlotReadsBackWhatWasWrittenAndAFreedSlotReadsAsNone()
    {
        final UnsafeBuffer table = new UnsafeBuffer(ByteBuffer.allocateDirect(ClientTableDescriptor.tableLength(4)));
        assertNull(ClientTableDescriptor.readSlot(table, 1), "zeros are a free slot");
        ClientTableDescriptor.writeSlot(table, 1, 7, ClientTableDescriptor.STATE_ACTIVE, 4242, 10, 20,
            new int[]{5, 6, 99}, 2);
        ClientTableDescriptor.heartbeat(table, 1, 30);
        final MachineClientInfo info = ClientTableDescriptor.readSlot(table, 1);
        assertEquals(new MachineClientInfo(7, 4242, 10, 30, new int[]{5, 6}), info);
        ClientTableDescriptor.writeSlot(table, 1, 0, ClientTableDescriptor.STATE_FREE, 0, 0, 0, new int[0], 0);
        assertNull(ClientTableDescriptor.readSlot(table, 1));
        assertEquals(4096, ClientTableDescriptor.tableLength(4));
        assertEquals(16, ClientTableDescriptor.slots(4096));
    }

    @Test
    void aSlotWithADomainCountOutOfRangeReadsAsNone()
    {
        final UnsafeBuffer table = new UnsafeBuffer(ByteBuffer.allocateDirect(ClientTableDescriptor.tableLength(1)));
        ClientTableDescriptor.writeSlot(table, 0, 1, ClientTableDescriptor.STATE_ACTIVE, 1, 1, 1, new int[0], 0);
        table.putInt(ClientTableDescriptor.DOMAIN_COUNT_OFFSET, ClientTableDescriptor.MAX_DOMAINS_PER_CLIENT + 1);
        assertNull(ClientTableDescriptor.readSlot(table, 0));
        table.putInt(ClientTableDescriptor.DOMAIN_COUNT_OFFSET, -1);
        assertNull(ClientTableDescriptor.readSlot(table, 0));
    }

    /**
     * The writer keeps every field of a slot equal to one generation number; a torn read would mix two. Bounded by a
     * count of updates, not by time.
     */
    @Test
    void aReaderRacingUpdatesSeesOnlyWholeOnes() throws Exception
    {
        final UnsafeBuffer table = new UnsafeBuffer(ByteBuffer.allocateDirect(
            ClientTableDescriptor.tableLength(SLOTS)));
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread writer = new Thread(() ->
        {
            final int[] ids = new int[ClientTableDescriptor.MAX_DOMAINS_PER_CLIENT];
            try
            {
                for (int generation = 1; generation <= 300_000 && failure.get() == null; generation++)
                {
                    java.util.Arrays.fill(ids, generation);
                    ClientTableDescriptor.writeSlot(table, generation % SLOTS, generation,
                        ClientTableDescriptor.STATE_ACTIVE, generation, generation, generation, ids,
                        1 + generation % ClientTableDescriptor.MAX_DOMAINS_PER_CLIENT);
                }
            }
            finally
            {
                done.set(true);
            }
        }, "table-writer");
        writer.start();
        long whole = 0;
        while (!done.get())
        {
            for (int slot = 0; slot < SLOTS; slot++)
            {
                final MachineClientInfo info = ClientTableDescriptor.readSlot(table, slot);
                if (info == null)
                {
                    continue; // not written yet, or it kept changing over every try
                }
                final int generation = info.clientId();
                final int[] expected = new int[1 + generation % ClientTableDescriptor.MAX_DOMAINS_PER_CLIENT];
                java.util.Arrays.fill(expected, generation);
                if (info.pid() != generation || info.attachMs() != generation || info.heartbeatMs() != generation)
                {
                    failure.set(new AssertionError("torn read: " + info));
                }
                assertArrayEquals(expected, info.domainIds(), "torn read of the domains: " + info);
                whole++;
            }
        }
        writer.join(10_000);
        if (failure.get() != null)
        {
            fail(failure.get());
        }
        assertEquals(true, whole > 0, "the reader saw no whole update");
    }
}
