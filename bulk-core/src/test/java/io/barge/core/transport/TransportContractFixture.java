package io.barge.core.transport;

import io.barge.core.BufferStateException;
import io.barge.core.ChannelClosedException;
import io.barge.core.Domain;
import io.barge.core.Kernel;
import io.barge.core.PhysicalMemory;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The machine every transport contract test runs on (three domains, 32 MiB), the transport under test, and the
 * helpers that write and check recognisable messages. Subclasses name the transport and its options.
 */
@Timeout(60)
public abstract class TransportContractFixture
{
    /** Frames of the test machine: 8 MiB, more than any contract test holds at once. */
    protected static final int FRAMES = 2048;
    /**
     * Domains the test machine's counters have room for: the test's three and the kernel's, with spare. The
     * default (1024) sizes 42 MB of counters, zeroed at every start: most of a short test's time, once per test.
     */
    protected static final int MAX_DOMAINS = 16;

    protected PhysicalMemory memory;
    protected Kernel kernel;
    protected Transport transport;
    protected Domain a;
    protected Domain b;
    protected Domain c;
    protected int freeAtStart;

    /**
     * @return the transport's name.
     */
    protected abstract String transportName();

    /**
     * @return the transport's options for this run.
     */
    protected Map<String, String> transportOptions()
    {
        return Map.of();
    }

    /**
     * @return the channel configuration for this run.
     */
    protected ChannelConfig config()
    {
        return new ChannelConfig(16 * 1024, 8, ChannelConfig.Notification.UMP);
    }

    @BeforeEach
    void setUpMachine()
    {
        startMachine();
    }

    @AfterEach
    void tearDownMachine()
    {
        stopMachine();
    }

    /**
     * Makes the machine, the three domains and the transport, and notes {@link #freeAtStart}: here a kernel in this
     * JVM; a configuration whose kernel lives elsewhere (another process) overrides it.
     */
    protected void startMachine()
    {
        memory = PhysicalMemory.allocateDirect(FRAMES);
        kernel = new Kernel(memory, Kernel.DEFAULT_MAX_PAGES, MAX_DOMAINS);
        freeAtStart = kernel.freeFrames();
        a = kernel.createDomain("a");
        b = kernel.createDomain("b");
        c = kernel.createDomain("c");
        transport = Transports.create(kernel, transportName(), transportOptions());
    }

    /**
     * Closes what {@link #startMachine()} made.
     */
    protected void stopMachine()
    {
        transport.close();
        kernel.close();
        memory.close();
    }

    /**
     * @return the kernel's free frames now: the contract's "nothing leaked" compares it with {@link #freeAtStart}.
     */
    protected int freeFrames()
    {
        return kernel.freeFrames();
    }

    /**
     * Skips a test that drives the kernel itself (pins, allocations, domain teardown, its own transports), when the
     * kernel is not in this JVM.
     *
     * @param why what the test needs of the kernel.
     */
    protected void assumeKernelHere(final String why)
    {
        // In this JVM: every test applies.
    }

    /**
     * Writes a recognisable message: the sequence number in the first 8 bytes (if there is room), then a pattern
     * derived from it.
     */
    protected static void fill(final Claim claim, final long sequence, final int length)
    {
        final UnsafeBuffer bytes = new UnsafeBuffer(new byte[length]);
        for (int i = 0; i < length; i++)
        {
            bytes.putByte(i, pattern(sequence, i));
        }
        if (length >= 8)
        {
            bytes.putLong(0, sequence);
        }
        claim.putBytes(0, bytes, 0, length);
    }

    /**
     * Checks a message written by {@link #fill}.
     */
    protected static void assertContent(final Message message, final long sequence, final String context)
    {
        final int length = message.length();
        final UnsafeBuffer bytes = new UnsafeBuffer(new byte[length]);
        message.getBytes(0, bytes, 0, length);
        if (length >= 8)
        {
            assertEquals(sequence, bytes.getLong(0), context + ": sequence");
        }
        for (int i = length >= 8 ? 8 : 0; i < length; i++)
        {
            if (bytes.getByte(i) != pattern(sequence, i))
            {
                fail(context + ": message " + sequence + " byte " + i + " is " + bytes.getByte(i) + " expected " +
                    pattern(sequence, i));
            }
        }
    }

    private static byte pattern(final long sequence, final int index)
    {
        return (byte)(sequence * 131 + index * 7 + (index >>> 8));
    }
}
