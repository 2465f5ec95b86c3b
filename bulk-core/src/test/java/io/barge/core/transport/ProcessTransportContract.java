package io.barge.core.transport;

import io.barge.core.JvmFlags;
import io.barge.core.Kernel;
import io.barge.core.machine.KernelService;
import io.barge.core.machine.MachineClient;
import io.barge.core.machine.MachineReader;
import io.barge.core.machine.MachineSnapshot;
import io.barge.core.machine.ProcessTransport;
import org.agrona.IoUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The transport contract over channels between processes: the kernel runs in a child JVM ({@link KernelService},
 * started once per class with {@code ProcessBuilder}, killed at the end), and this JVM, attached as a client, owns
 * the domains a, b and c and both ends of every channel, through {@link ProcessTransport}. "Nothing leaked" is the
 * kernel's own count: the frames its domain holds for channels, read from its machine file ({@link MachineReader}).
 * <p>
 * Tests that drive the kernel itself (DMA pins, hogging frames, destroying a domain under its channels, the
 * ServiceLoader registry, responses) do not apply: the kernel is another process's, reached only through commands.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class ProcessTransportContract extends TransportContractTest
{
    private static final String READY = "kernel ready";
    /** The child kernel's memory: every contract test's channels at once fit in it. */
    private static final int KERNEL_MEMORY_MIB = 48;
    private static Process kernelProcess;
    private static Path directory;

    /** Frames the kernel's domain held when the test started (the channel table's frames, none for channels). */
    private long kernelHeldAtStart;
    private MachineClient client;
    private MachineReader reader;

    /**
     * The child: a kernel service on the machine directory {@code args[0]}; prints "kernel ready", then serves until
     * it is killed or its stdin closes.
     *
     * @param args the machine directory.
     * @throws Exception if the kernel does not start (the parent sees no ready line).
     */
    public static void main(final String[] args) throws Exception
    {
        try (KernelService service = KernelService.start(Kernel.builder().memoryMiB(KERNEL_MEMORY_MIB).maxDomains(64)
            .machineDirectory(Paths.get(args[0])).heartbeatTimeoutMs(30_000), Throwable::printStackTrace))
        {
            System.out.println(READY);
            System.out.flush();
            System.in.readAllBytes();
        }
    }

    @BeforeAll
    static void startKernel() throws Exception
    {
        directory = Files.createTempDirectory("barge-contract");
        kernelProcess = new ProcessBuilder(JvmFlags.childJvm("128m", ProcessTransportContract.class,
            List.of(directory.toString()))).redirectErrorStream(true).start();
        final BufferedReader out = new BufferedReader(new InputStreamReader(kernelProcess.getInputStream(),
            StandardCharsets.UTF_8));
        final StringBuilder seen = new StringBuilder();
        String line;
        while ((line = out.readLine()) != null && !line.startsWith(READY))
        {
            seen.append(line).append('\n');
        }
        assertNotNull(line, "the kernel child ended without getting ready:\n" + seen);
    }

    @AfterAll
    static void stopKernel() throws Exception
    {
        if (kernelProcess != null)
        {
            kernelProcess.getOutputStream().close(); // its stdin: the kernel closes cleanly
            if (!kernelProcess.waitFor(20, TimeUnit.SECONDS))
            {
                kernelProcess.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
            }
            kernelProcess = null;
        }
        if (directory != null)
        {
            // The kernel has ended: its machine file and lock go with the directory (a run must not leave them).
            IoUtil.delete(directory.toFile(), false);
            directory = null;
        }
    }

    /**
     * @return {@link ProcessTransport#RBUFS} or {@link ProcessTransport#RING}.
     */
    protected abstract String kind();

    /**
     * @return the kind's options for {@link ProcessTransport#open(MachineClient, String, Map)}: none by default.
     */
    protected Map<String, String> kindOptions()
    {
        return Map.of();
    }

    @Override
    protected String transportName()
    {
        return "process-" + kind();
    }

    @Override
    protected void startMachine()
    {
        reader = MachineReader.attach(directory);
        client = MachineClient.attach(directory);
        final ProcessTransport process = ProcessTransport.open(client, kind(), kindOptions());
        transport = process;
        kernelHeldAtStart = kernelHeld();
        a = process.createDomain("a");
        b = process.createDomain("b");
        c = process.createDomain("c");
        freeAtStart = freeFrames();
    }

    @Override
    protected void stopMachine()
    {
        try
        {
            transport.close();
            client.close();
        }
        finally
        {
            reader.close();
        }
    }

    /**
     * @return the frames the kernel holds, counted down from its memory by what its own domain holds beyond what it
     *         held when the test started: a channel's frames are the kernel domain's until both ends are gone.
     */
    @Override
    protected int freeFrames()
    {
        return (int)(FRAMES - (kernelHeld() - kernelHeldAtStart));
    }

    private long kernelHeld()
    {
        final MachineSnapshot.Group kernelDomain = reader.snapshot().domain(Kernel.KERNEL_DOMAIN_ID);
        return kernelDomain.value("frames allocated") - kernelDomain.value("frames freed");
    }

    @Override
    protected void assumeKernelHere(final String why)
    {
        Assumptions.assumeTrue(false, "the kernel is another process's: " + why);
    }
}
