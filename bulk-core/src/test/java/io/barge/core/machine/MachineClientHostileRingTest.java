package io.barge.core.machine;

import io.barge.core.Kernel;
import org.agrona.BitUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.barge.core.machine.ControlProtocolDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link MachineClient}s beside a hostile process that writes the command ring. A forged DESTROY_DOMAIN with a
 * victim client's id, written by a process that read the whole file, is refused and the victim's domain lives. And
 * the client's side of a command-ring repair: a {@link MachineClient} whose command is queued behind damage hears
 * the kernel's reset and re-sends, getting its answer (one domain or channel made) well before its response
 * timeout; through more resets than {@link MachineClient#MAX_RETRIES} it fails with {@link CommandLostException}
 * and goes on working. The client waits on a thread of its own; the test drives the conductor by hand (real clock)
 * and damages the ring only once it has seen the client's record in it, so every step is in a known order.
 */
@Timeout(30)
class MachineClientHostileRingTest
{
    private static final long TIMEOUT_MS = 2_000;

    @TempDir
    Path dir;

    private final ExecutorService clientThread = Executors.newSingleThreadExecutor();
    private final IdleStrategy idle = new BackoffIdleStrategy(1, 1, 1_000, 100_000);
    private Kernel kernel;
    private KernelConductor conductor;

    @AfterEach
    void close()
    {
        clientThread.shutdownNow();
        if (conductor != null)
        {
            conductor.onClose();
        }
        if (kernel != null)
        {
            kernel.close();
        }
    }

    private void start()
    {
        kernel = Kernel.builder().memoryMiB(2).maxDomains(64).machineDirectory(dir).heartbeatTimeoutMs(TIMEOUT_MS)
            .memoryInMachineDirectory(true).build();
        conductor = new KernelConductor(kernel, SystemEpochClock.INSTANCE);
    }

    /** Runs the conductor until the client's call returns (or throws). */
    private <T> T pump(final Future<T> call) throws Exception
    {
        while (!call.isDone())
        {
            if (conductor.doWork() == 0)
            {
                idle.idle();
            }
            else
            {
                idle.reset();
            }
        }
        try
        {
            return call.get();
        }
        catch (final ExecutionException ex)
        {
            throw (Exception)ex.getCause();
        }
    }

    private <T> T call(final Callable<T> call) throws Exception
    {
        return pump(clientThread.submit(call));
    }

    /** Detaching waits for the kernel's answer too. */
    private void closeAll(final MachineClient... clients) throws Exception
    {
        for (final MachineClient client : clients)
        {
            call(() ->
            {
                client.close();
                return null;
            });
        }
    }

    private AtomicBuffer ring()
    {
        return kernel.machineFile().toKernelBuffer();
    }

    /** Whether a committed record of that type and attempt lies between the ring's head and its tail. */
    private boolean queued(final int type, final int attempt)
    {
        final AtomicBuffer ring = ring();
        final int capacity = ring.capacity() - RingBufferDescriptor.TRAILER_LENGTH;
        long position = ring.getLongVolatile(capacity + RingBufferDescriptor.HEAD_POSITION_OFFSET);
        final long tail = ring.getLongVolatile(capacity + RingBufferDescriptor.TAIL_POSITION_OFFSET);
        while (position < tail)
        {
            final int index = (int)position & (capacity - 1);
            final int length = ring.getIntVolatile(index);
            if (length <= 0)
            {
                return false; // not committed yet
            }
            if (ring.getInt(index + Integer.BYTES) == type &&
                ring.getInt(index + RecordDescriptor.HEADER_LENGTH + ATTEMPT_OFFSET) == attempt)
            {
                return true;
            }
            position += BitUtil.align(length, RecordDescriptor.ALIGNMENT);
        }
        return false;
    }

    private void awaitQueued(final int type, final int attempt, final Future<?> call) throws Exception
    {
        while (!queued(type, attempt))
        {
            if (call.isDone())
            {
                call.get();
                fail("the call returned before its attempt " + attempt + " was queued");
            }
            idle.idle();
        }
        idle.reset();
    }

    private void damageAtHead()
    {
        ConductorHarness.damageAtHead(ring());
    }

    private int domainsNamed(final String name)
    {
        return ConductorHarness.domainsNamed(kernel, 64, name);
    }

    private long count(final io.barge.core.CounterType type)
    {
        return kernel.kernelDomain().counter(type);
    }

    @Test
    void aCreateDomainQueuedBehindAHostileWritersDamageIsAnsweredAfterOneResend() throws Exception
    {
        start();
        final MachineClient honest = call(() -> MachineClient.attach(dir));
        final MachineClient hostile = call(() -> MachineClient.attach(dir));
        try
        {
            final Future<Integer> create = clientThread.submit(() -> honest.createDomain("honest"));
            awaitQueued(CREATE_DOMAIN, 0, create);
            damageAtHead();
            final long start = System.nanoTime();
            final int domain = pump(create);
            assertTrue(System.nanoTime() - start < MachineClient.MIN_RESPONSE_TIMEOUT_MS * 1_000_000,
                "answered after the reset, not after a response timeout");
            assertEquals("honest", kernel.domain(domain).name());
            assertEquals(1, domainsNamed("honest"));
            assertEquals(1, count(ConductorCounters.COMMAND_RING_REPAIRS));
            assertEquals(1, count(ConductorCounters.RETRIED_COMMANDS));
            // Both clients go on: the repair broke nothing of theirs.
            assertTrue(call(() -> hostile.createDomain("hostile")) > 0);
            assertTrue(call(() -> honest.createDomain("honest 2")) > 0);
        }
        finally
        {
            closeAll(honest, hostile);
        }
    }

    @Test
    void aForgedDestroyDomainInTheVictimsNameIsRefusedAndTheVictimGoesOn() throws Exception
    {
        start();
        final MachineClient victim = call(() -> MachineClient.attach(dir));
        try
        {
            final int domain = call(() -> victim.createDomain("victim's"));
            // The impostor reads the file (the client table names the victim and its domain) and writes the ring.
            final MachineClientInfo seen;
            try (MachineReader reader = MachineReader.attach(dir))
            {
                seen = reader.clients().get(0);
            }
            assertEquals(domain, seen.domainIds()[0]);
            final ManyToOneRingBuffer ring = new ManyToOneRingBuffer(ring());
            final UnsafeBuffer forged = new UnsafeBuffer(new byte[ONE_INT_LENGTH + MAC_LENGTH]);
            putHeader(forged, Long.MAX_VALUE / 2, seen.clientId()); // far ahead of the victim's sequence
            forged.putInt(DOMAIN_ID_OFFSET, domain);
            forged.putLong(ONE_INT_LENGTH, 0x5eed_5eed_5eedL); // no key can make it
            assertTrue(ring.write(DESTROY_DOMAIN, forged, 0, forged.capacity()));
            while (count(ConductorCounters.FORGED_COMMANDS) == 0)
            {
                conductor.doWork();
            }
            assertEquals(domain, kernel.domain(domain).id(), "the victim's domain lives");
            call(() ->
            {
                victim.destroyDomain(domain); // its own commands still work, its sequence untouched
                return null;
            });
            assertNull(kernel.domain(domain));
        }
        finally
        {
            closeAll(victim);
        }
    }

    @Test
    void aCreateChannelQueuedBehindDamageIsAnsweredWithOneChannel() throws Exception
    {
        start();
        final MachineClient honest = call(() -> MachineClient.attach(dir));
        try
        {
            final int sender = call(() -> honest.createDomain("sender"));
            final int receiver = call(() -> honest.createDomain("receiver"));
            final int free = kernel.freeFrames();
            final Future<Integer> create = clientThread.submit(() -> honest.createChannel(sender, receiver, 64,
                4096));
            awaitQueued(CREATE_CHANNEL, 0, create);
            damageAtHead();
            final int channel = pump(create);
            assertTrue(channel > 0);
            assertEquals(ProcessChannelDescriptor.frameCount(4096, kernel.memory().frameSize()),
                free - kernel.freeFrames(), "one channel's frames");
            assertEquals(1, count(ConductorCounters.RETRIED_COMMANDS));
            assertEquals(1, count(ConductorCounters.CHANNEL_CREATES), "the first was dropped unread");
        }
        finally
        {
            closeAll(honest);
        }
    }

    @Test
    void moreResetsThanRetriesFailWithCommandLostAndTheClientGoesOn() throws Exception
    {
        start();
        final MachineClient client = call(() -> MachineClient.attach(dir));
        try
        {
            final Future<Integer> create = clientThread.submit(() -> client.createDomain("lost"));
            for (int attempt = 0; attempt <= MachineClient.MAX_RETRIES; attempt++)
            {
                awaitQueued(CREATE_DOMAIN, attempt, create);
                damageAtHead();
                // Once: the damage is at the head, so this repairs and broadcasts, and reads nothing after it.
                assertTrue(conductor.doWork() > 0);
            }
            final Exception lost = assertThrows(Exception.class, () -> pump(create));
            assertInstanceOf(CommandLostException.class, lost);
            assertEquals(MachineClient.MAX_RETRIES + 1, ((CommandLostException)lost).resets());
            assertTrue(lost.getMessage().contains("reset its command ring 4 times"), lost.getMessage());
            assertEquals(0, domainsNamed("lost"));
            assertEquals(MachineClient.MAX_RETRIES + 1, count(ConductorCounters.COMMAND_RING_REPAIRS));
            assertEquals(0, count(ConductorCounters.RETRIED_COMMANDS), "every re-send was dropped too");
            assertEquals(0, count(ConductorCounters.REMOTE_DOMAIN_CREATES));
            assertTrue(call(() -> client.createDomain("after")) > 0);
        }
        finally
        {
            closeAll(client);
        }
    }
}
