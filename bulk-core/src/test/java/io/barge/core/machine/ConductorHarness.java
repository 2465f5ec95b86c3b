package io.barge.core.machine;

import io.barge.core.Kernel;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.broadcast.BroadcastReceiver;
import org.agrona.concurrent.broadcast.CopyBroadcastReceiver;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.barge.core.machine.ControlProtocolDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A kernel with a machine file and a conductor driven by hand ({@link #work()}) on a clock the test moves, and a raw
 * client that writes commands straight into the file's ring (each with its MAC, under the key it agreed at attach)
 * and reads the broadcast: no threads, no waiting.
 */
final class ConductorHarness implements AutoCloseable
{
    static final long TIMEOUT_MS = 1_000;
    static final long START_MS = 1_000_000;
    static final int MAX_DOMAINS = 128;

    /** One response or event, copied off the broadcast. */
    record Response(int type, long correlationId, int clientId, int value, String message)
    {
    }

    final Kernel kernel;
    final CachedEpochClock clock = new CachedEpochClock();
    final KernelConductor conductor;
    final ManyToOneRingBuffer ring;
    private final CopyBroadcastReceiver receiver;
    private final UnsafeBuffer command = new UnsafeBuffer(new byte[1024]);
    private final Map<Long, KeyPair> attachKeys = new HashMap<>();
    private final Map<Integer, long[]> keys = new HashMap<>();

    ConductorHarness(final Path dir)
    {
        this(dir, false);
    }

    /** @param memoryFile whether the kernel's memory goes in the directory's memory file (channels need it). */
    ConductorHarness(final Path dir, final boolean memoryFile)
    {
        kernel = Kernel.builder().memoryMiB(2).maxDomains(MAX_DOMAINS).machineDirectory(dir)
            .heartbeatTimeoutMs(TIMEOUT_MS).memoryInMachineDirectory(memoryFile).build();
        clock.update(START_MS);
        conductor = new KernelConductor(kernel, clock);
        ring = new ManyToOneRingBuffer(kernel.machineFile().toKernelBuffer());
        receiver = new CopyBroadcastReceiver(new BroadcastReceiver(kernel.machineFile().toDomainsBuffer()));
    }

    /** Runs the conductor until it has nothing to do. */
    void work()
    {
        for (int i = 0; i < 1000 && conductor.doWork() > 0; i++)
        {
            // each round takes up to KernelConductor.COMMAND_LIMIT commands
        }
    }

    /** Moves the clock and lets the conductor check its timers. */
    void advance(final long ms)
    {
        clock.advance(ms);
        work();
    }

    List<Response> responses()
    {
        final List<Response> out = new ArrayList<>();
        while (receiver.receive((type, buffer, index, length) ->
        {
            final long correlationId = buffer.getLong(index + CORRELATION_ID_OFFSET);
            final int clientId = buffer.getInt(index + CLIENT_ID_OFFSET);
            final int value = length >= ONE_INT_LENGTH ? buffer.getInt(index + HEADER_LENGTH) : 0;
            final String message = type == ON_ERROR ?
                buffer.getStringWithoutLengthAscii(index + ERROR_MESSAGE_OFFSET,
                    buffer.getInt(index + ERROR_MESSAGE_LENGTH_OFFSET)) : "";
            final KeyPair pair = attachKeys.get(correlationId);
            if (type == ON_ATTACHED && pair != null)
            {
                assertEquals(ATTACHED_LENGTH, length);
                try
                {
                    keys.put(clientId, CommandMac.deriveKey(pair.getPrivate(), buffer,
                        index + ATTACHED_PUBLIC_KEY_OFFSET));
                }
                catch (final GeneralSecurityException ex)
                {
                    throw new AssertionError("the kernel's public key: " + ex, ex);
                }
            }
            out.add(new Response(type, correlationId, clientId, value, message));
        }) > 0)
        {
            // drain
        }
        return out;
    }

    /**
     * Writes a command of any type and length, its header filled in as far as the length reaches, followed by its
     * MAC under the client's key (but a CLIENT_ATTACH).
     */
    long send(final int type, final int clientId, final int length)
    {
        final long correlationId = ring.nextCorrelationId();
        send(type, clientId, length, correlationId, 0);
        return correlationId;
    }

    /**
     * Writes a command with a given correlation id and attempt (a re-send of bytes already in {@link #command()}, or
     * an impostor's or a stale one), its header filled in as far as the length reaches.
     */
    void send(final int type, final int clientId, final int length, final long correlationId, final int attempt)
    {
        sendSigned(type, clientId, length, correlationId, attempt, keys.get(clientId));
    }

    /**
     * Writes a command with its MAC under a given key (an impostor's own, say; null: a zero MAC), or, for a
     * CLIENT_ATTACH, none.
     */
    void sendSigned(final int type, final int clientId, final int length, final long correlationId,
        final int attempt, final long[] key)
    {
        putHeader(command, correlationId, clientId); // the ring takes only the first length bytes
        command.putInt(ATTEMPT_OFFSET, attempt);
        if (type == CLIENT_ATTACH)
        {
            assertTrue(ring.write(type, command, 0, length), "ring full");
            return;
        }
        final long mac = key != null && length >= HEADER_LENGTH ? CommandMac.tag(key[0], key[1], type, command,
            length) : 0;
        command.putLong(length, mac, ByteOrder.LITTLE_ENDIAN);
        assertTrue(ring.write(type, command, 0, length + MAC_LENGTH), "ring full");
    }

    /** The command key this harness agreed with the kernel for a client it attached. */
    long[] keyOf(final int clientId)
    {
        return keys.get(clientId);
    }

    /** How many live domains have that name. */
    int domainsNamed(final String name)
    {
        return domainsNamed(kernel, MAX_DOMAINS, name);
    }

    /** How many live domains of a kernel of at most {@code maxDomains} have that name. */
    static int domainsNamed(final Kernel kernel, final int maxDomains, final String name)
    {
        int count = 0;
        for (int id = 0; id < maxDomains; id++)
        {
            final io.barge.core.Domain domain = kernel.domain(id);
            if (domain != null && domain.name().equals(name))
            {
                count++;
            }
        }
        return count;
    }

    /** What a hostile process does to a command ring: a length no record can have over the record at the head. */
    static void damageAtHead(final AtomicBuffer ring)
    {
        final int capacity = ring.capacity() - RingBufferDescriptor.TRAILER_LENGTH;
        final long head = ring.getLongVolatile(capacity + RingBufferDescriptor.HEAD_POSITION_OFFSET);
        ring.putIntVolatile((int)head & (capacity - 1), 0x7FFF_0000);
    }

    /** Sends CLIENT_ATTACH with a fresh public key; its ON_ATTACHED, once read, gives the client's key. */
    long attach(final long pid)
    {
        final KeyPair pair = CommandMac.generateKeyPair();
        command.putLong(PID_OFFSET, pid);
        CommandMac.putPublicKey(command, ATTACH_PUBLIC_KEY_OFFSET, pair.getPublic());
        final long correlationId = send(CLIENT_ATTACH, 0, ATTACH_LENGTH);
        attachKeys.put(correlationId, pair);
        return correlationId;
    }

    long keepalive(final int clientId)
    {
        return send(CLIENT_KEEPALIVE, clientId, HEADER_LENGTH);
    }

    long create(final int clientId, final String name)
    {
        final byte[] bytes = name.getBytes(StandardCharsets.ISO_8859_1);
        command.putInt(NAME_LENGTH_OFFSET, bytes.length);
        command.putBytes(NAME_OFFSET, bytes);
        return send(CREATE_DOMAIN, clientId, NAME_OFFSET + bytes.length);
    }

    long destroy(final int clientId, final int domainId)
    {
        command.putInt(DOMAIN_ID_OFFSET, domainId);
        return send(DESTROY_DOMAIN, clientId, ONE_INT_LENGTH);
    }

    long detach(final int clientId)
    {
        return send(CLIENT_DETACH, clientId, HEADER_LENGTH);
    }

    UnsafeBuffer command()
    {
        return command;
    }

    /** Runs the conductor and returns the one response it broadcast, checked against the request. */
    Response one(final long correlationId, final int type)
    {
        work();
        final List<Response> responses = responses();
        assertEquals(1, responses.size(), responses.toString());
        final Response response = responses.get(0);
        assertEquals(type, response.type(), response.toString());
        assertEquals(correlationId, response.correlationId(), response.toString());
        return response;
    }

    Response error(final long correlationId, final int code)
    {
        final Response response = one(correlationId, ON_ERROR);
        assertEquals(code, response.value(), response.toString());
        return response;
    }

    int attachClient(final long pid)
    {
        return one(attach(pid), ON_ATTACHED).clientId();
    }

    int createDomain(final int clientId, final String name)
    {
        final Response created = one(create(clientId, name), ON_DOMAIN_CREATED);
        assertEquals(clientId, created.clientId());
        return created.value();
    }

    long kernelCount(final io.barge.core.CounterType type)
    {
        return kernel.kernelDomain().counter(type);
    }

    @Override
    public void close()
    {
        conductor.onClose();
        kernel.close();
    }
}
