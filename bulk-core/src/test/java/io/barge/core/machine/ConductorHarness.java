package io.barge.core.machine;

import io.barge.core.Kernel;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.broadcast.BroadcastReceiver;
import org.agrona.concurrent.broadcast.CopyBroadcastReceiver;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.barge.core.machine.ControlProtocolDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A kernel with a machine file and a conductor driven by hand ({@link #work()}) on a clock the test moves, and a raw
 * client that writes commands straight into the file's ring and reads the broadcast: no threads, no waiting.
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
            out.add(new Response(type, correlationId, clientId, value, message));
        }) > 0)
        {
            // drain
        }
        return out;
    }

    /** Writes a command of any type and length, its header filled in as far as the length reaches. */
    long send(final int type, final int clientId, final int length)
    {
        final long correlationId = ring.nextCorrelationId();
        putHeader(command, correlationId, clientId); // the ring takes only the first length bytes
        assertTrue(ring.write(type, command, 0, length), "ring full");
        return correlationId;
    }

    /**
     * Writes a command with a given correlation id and attempt (a re-send of bytes already in {@link #command()}, or
     * an impostor's or a stale one), its header filled in as far as the length reaches.
     */
    void send(final int type, final int clientId, final int length, final long correlationId, final int attempt)
    {
        putHeader(command, correlationId, clientId);
        command.putInt(ATTEMPT_OFFSET, attempt);
        assertTrue(ring.write(type, command, 0, length), "ring full");
    }

    /** How many live domains have that name. */
    int domainsNamed(final String name)
    {
        int count = 0;
        for (int id = 0; id < MAX_DOMAINS; id++)
        {
            final io.barge.core.Domain domain = kernel.domain(id);
            if (domain != null && domain.name().equals(name))
            {
                count++;
            }
        }
        return count;
    }

    long attach(final long pid)
    {
        command.putLong(PID_OFFSET, pid);
        return send(CLIENT_ATTACH, 0, ATTACH_LENGTH);
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
