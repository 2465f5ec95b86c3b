package io.barge.core.machine;

import io.barge.core.CounterType;
import io.barge.core.Kernel;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static io.barge.core.machine.ControlProtocolDescriptor.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The client library against a kernel service in this JVM (its conductor on its own thread): requests and their
 * answers, refusals and a gone kernel as typed exceptions, bad files refused on attach.
 */
@Timeout(30)
class MachineClientTest
{
    /** Short, for the tests of liveness. */
    static final long TIMEOUT_MS = 300;
    /** Long enough that no stall of a loaded machine times a client out where liveness is not the subject. */
    static final long RELAXED_TIMEOUT_MS = 2_000;

    @TempDir
    Path dir;

    private final List<Throwable> conductorErrors = new CopyOnWriteArrayList<>();

    static KernelService service(final Path dir, final List<Throwable> errors)
    {
        return service(dir, errors, RELAXED_TIMEOUT_MS);
    }

    static KernelService service(final Path dir, final List<Throwable> errors, final long timeoutMs)
    {
        return KernelService.start(Kernel.builder().memoryMiB(2).maxDomains(64).machineDirectory(dir)
            .heartbeatTimeoutMs(timeoutMs), errors::add);
    }

    /** Waits for a condition with a deadline, idling between looks. */
    static void await(final BooleanSupplier condition, final long timeoutMs, final String what)
    {
        final IdleStrategy idle = new BackoffIdleStrategy(1, 1, 1_000, 1_000_000);
        final long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("not within " + timeoutMs + " ms: " + what);
            }
            idle.idle();
        }
    }

    @AfterEach
    void noConductorErrors()
    {
        assertEquals(List.of(), conductorErrors);
    }

    @Test
    void aClientCreatesAndDestroysDomainsAndClosingDetaches()
    {
        try (KernelService service = service(dir, conductorErrors))
        {
            final int free = service.kernel().freeFrames();
            try (MachineClient client = MachineClient.attach(dir))
            {
                assertTrue(client.clientId() > 0);
                final int a = client.createDomain("a");
                final int b = client.createDomain("b");
                assertEquals("a", service.kernel().domain(a).name());
                service.kernel().allocateFrame(service.kernel().domain(b), true);
                client.destroyDomain(a);
                assertNull(service.kernel().domain(a));
                try (MachineReader reader = MachineReader.attach(dir))
                {
                    final List<MachineClientInfo> clients = reader.clients();
                    assertEquals(1, clients.size());
                    assertEquals(ProcessHandle.current().pid(), clients.get(0).pid());
                    assertEquals(List.of(b), java.util.Arrays.stream(clients.get(0).domainIds()).boxed().toList());
                }
                client.close();
                assertNull(service.kernel().domain(b), "closing detached: the kernel destroyed b");
                assertEquals(free, service.kernel().freeFrames());
                assertEquals(0, service.clientCount());
            }
        }
    }

    @Test
    void refusalsAreTypedAndChangeNothing()
    {
        try (KernelService service = service(dir, conductorErrors);
            MachineClient one = MachineClient.attach(dir); MachineClient two = MachineClient.attach(dir))
        {
            assertNotEquals(one.clientId(), two.clientId());
            final int mine = one.createDomain("one's");
            final KernelRefusedException notOwner = assertThrows(KernelRefusedException.class,
                () -> two.destroyDomain(mine));
            assertEquals(ERROR_NOT_OWNER, notOwner.errorCode());
            assertTrue(notOwner.getMessage().contains("NOT_OWNER"), notOwner.getMessage());
            assertEquals(ERROR_BAD_NAME, assertThrows(KernelRefusedException.class,
                () -> two.createDomain("")).errorCode());
            assertEquals(ERROR_BAD_NAME, assertThrows(KernelRefusedException.class,
                () -> two.createDomain("x".repeat(MAX_NAME_LENGTH + 1))).errorCode());
            assertEquals(ERROR_BAD_NAME, assertThrows(KernelRefusedException.class,
                () -> two.createDomain("\u00e9t\u00e9")).errorCode());
            assertTrue(service.kernel().domain(mine).isAlive());
            one.destroyDomain(mine);
            assertEquals(4, service.kernel().kernelDomain().counter(ConductorCounters.COMMAND_ERRORS));
        }
    }

    @Test
    void keepalivesKeepAnIdleClientAttachedPastTheTimeout()
    {
        try (KernelService service = service(dir, conductorErrors, 500);
            MachineClient client = MachineClient.attach(dir))
        {
            final CounterType keepalives = ConductorCounters.CLIENT_KEEPALIVES;
            // Ten keepalives take twice the timeout: the client idles that long and is still attached.
            await(() -> service.kernel().kernelDomain().counter(keepalives) >= 10, 10_000, "ten keepalives");
            assertEquals(1, service.clientCount());
            assertEquals(0, service.kernel().kernelDomain().counter(ConductorCounters.CLIENT_TIMEOUTS));
            client.createDomain("still here");
        }
    }

    @Test
    void aKernelThatClosedIsGoneForTheClient()
    {
        final MachineClient client;
        try (KernelService service = service(dir, conductorErrors))
        {
            client = MachineClient.attach(dir);
            client.createDomain("before");
        }
        final KernelGoneException gone = assertThrows(KernelGoneException.class, () -> client.createDomain("after"));
        assertSame(MachineStatus.State.CLOSED, gone.status().state());
        assertTrue(!client.isKernelRunning());
        client.close(); // does not throw for a gone kernel
        final KernelGoneException noKernel = assertThrows(KernelGoneException.class, () -> MachineClient.attach(dir));
        assertTrue(noKernel.getMessage().contains("closed"), noKernel.getMessage());
    }

    @Test
    void aKernelWithoutAConductorIsGoneOnAttachAtOnce()
    {
        try (Kernel kernel = Kernel.builder().memoryMiB(2).maxDomains(4).machineDirectory(dir)
            .heartbeatTimeoutMs(RELAXED_TIMEOUT_MS).build())
        {
            final KernelGoneException gone = assertThrows(KernelGoneException.class, () -> MachineClient.attach(dir));
            assertTrue(gone.getMessage().contains("serves no client processes"), gone.getMessage());
            assertTrue(gone.status().isRunning());
        }
    }

    @Test
    void aStaleKernelIsGoneOnAttach() throws IOException
    {
        try (KernelService service = service(dir, conductorErrors))
        {
            service.kernel().createDomain("x");
        }
        final Path file = dir.resolve(MachineFileDescriptor.FILE_NAME);
        putInt(file, MachineFileDescriptor.STATE_OFFSET, MachineFileDescriptor.STATE_RUNNING);
        putLong(file, MachineFileDescriptor.KERNEL_PID_OFFSET, Integer.MAX_VALUE); // no such process
        assertSame(MachineStatus.State.STALE,
            assertThrows(KernelGoneException.class, () -> MachineClient.attach(dir)).status().state());
    }

    @Test
    void aFileThatIsNotAMachinesIsRefusedOnAttach() throws IOException
    {
        assertSame(MachineFileException.Reason.NOT_FOUND,
            assertThrows(MachineFileException.class, () -> MachineClient.attach(dir)).reason());
        try (KernelService service = service(dir, conductorErrors))
        {
            // Each field spoilt in place and put back (rewriting the file would cut it under the running kernel).
            final Path file = dir.resolve(MachineFileDescriptor.FILE_NAME);
            putLong(file, MachineFileDescriptor.MAGIC_OFFSET, 0x0123456789L);
            assertSame(MachineFileException.Reason.WRONG_MAGIC,
                assertThrows(MachineFileException.class, () -> MachineClient.attach(dir)).reason());
            putLong(file, MachineFileDescriptor.MAGIC_OFFSET, MachineFileDescriptor.MAGIC);
            putInt(file, MachineFileDescriptor.VERSION_OFFSET, 1);
            assertSame(MachineFileException.Reason.WRONG_VERSION,
                assertThrows(MachineFileException.class, () -> MachineClient.attach(dir)).reason());
            putInt(file, MachineFileDescriptor.VERSION_OFFSET, MachineFileDescriptor.VERSION);
            final int toDomains =
                MachineFileDescriptor.ringSectionLength(MachineFileDescriptor.TO_DOMAINS_BUFFER_CAPACITY);
            putInt(file, MachineFileDescriptor.TO_DOMAINS_BUFFER_LENGTH_OFFSET, 3 * 4096);
            assertSame(MachineFileException.Reason.BAD_LENGTHS,
                assertThrows(MachineFileException.class, () -> MachineClient.attach(dir)).reason());
            putInt(file, MachineFileDescriptor.TO_DOMAINS_BUFFER_LENGTH_OFFSET, toDomains);
            // The kernel went on: a client attaches to the restored file.
            try (MachineClient client = MachineClient.attach(dir))
            {
                client.createDomain("after the bad files");
            }
        }
        // Truncated (a closed kernel's file: a running kernel grows its file back and marks it damaged).
        final Path file = dir.resolve(MachineFileDescriptor.FILE_NAME);
        final byte[] good = Files.readAllBytes(file);
        for (final long length : new long[]{0, 40, MachineFileDescriptor.HEADER_LENGTH, good.length - 1})
        {
            Files.write(file, good);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
            {
                channel.truncate(length);
            }
            assertSame(MachineFileException.Reason.TRUNCATED,
                assertThrows(MachineFileException.class, () -> MachineClient.attach(dir)).reason(),
                "length " + length);
        }
    }

    static void putInt(final Path file, final int offset, final int value) throws IOException
    {
        write(file, offset, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value));
    }

    static void putLong(final Path file, final int offset, final long value) throws IOException
    {
        write(file, offset, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value));
    }

    private static void write(final Path file, final int offset, final ByteBuffer bytes) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.write(bytes, offset);
        }
    }
}
