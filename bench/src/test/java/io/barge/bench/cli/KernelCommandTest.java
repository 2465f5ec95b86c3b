package io.barge.bench.cli;

import io.barge.bench.cli.BargeCliTest.Run;
import io.barge.core.JvmFlags;
import io.barge.core.Kernel;
import io.barge.core.machine.KernelGoneException;
import io.barge.core.machine.MachineClient;
import io.barge.core.machine.MachineReader;
import io.barge.core.machine.MachineStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.barge.bench.cli.BargeCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code barge kernel} in a child JVM, used from this one: a client attaches and creates a domain, {@code barge stat}
 * shows the client with its domain, and SIGTERM closes the kernel cleanly (file marked closed, the client told the
 * kernel is gone).
 */
@Timeout(60)
class KernelCommandTest
{
    private static final long CHILD_TIMEOUT_SECONDS = 30;

    @Test
    void aKernelProcessServesAClientShowsInStatAndClosesOnSigterm(@TempDir final Path dir) throws Exception
    {
        final List<String> command = JvmFlags.childJvm("128m", BargeCli.class,
            List.of("kernel", "--dir", dir.toString(), "--memory-mib", "4", "--timeout-ms", "300"));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try
        {
            final BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
            final StringBuilder seen = new StringBuilder();
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("kernel running"))
            {
                seen.append(line).append('\n');
            }
            assertNotNull(line, "the kernel ended without running:\n" + seen);
            assertTrue(line.contains("pid " + process.pid()), line);

            final MachineClient client = MachineClient.attach(dir);
            final int domain = client.createDomain("from the test");
            final Run stat = run("stat", "--dir", dir.toString(), "--once");
            assertEquals(0, stat.exitCode(), stat::all);
            assertTrue(stat.out().contains("client " + client.clientId() + " pid " + ProcessHandle.current().pid() +
                ", heartbeat "), stat::all);
            assertTrue(stat.out().contains("domains: " + domain + " \"from the test\""), stat::all);
            assertTrue(stat.out().contains("domain " + domain + " \"from the test\""), stat::all);
            assertTrue(stat.out().contains("remote domain creates"), stat::all);

            process.toHandle().destroy(); // SIGTERM (Process.destroy would also close our end of its output)
            final StringBuilder rest = new StringBuilder();
            while ((line = out.readLine()) != null) // to the end of its output: it exits
            {
                rest.append(line).append('\n');
            }
            assertTrue(process.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS), "the kernel did not stop");
            assertTrue(rest.toString().contains("kernel closed"), rest.toString());
            try (MachineReader reader = MachineReader.attach(dir))
            {
                assertSame(MachineStatus.State.CLOSED, reader.status().state());
                assertTrue(reader.clients().isEmpty(), "closing cleared the client table");
            }
            assertThrows(KernelGoneException.class, () -> client.createDomain("after"));
            client.close();
        }
        finally
        {
            if (process.isAlive())
            {
                process.destroyForcibly().waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void badOptionsAreUsageErrors(@TempDir final Path dir)
    {
        final Run shortTimeout = run("kernel", "--dir", dir.toString(), "--timeout-ms", "5");
        assertEquals(2, shortTimeout.exitCode(), shortTimeout::all);
        assertTrue(shortTimeout.err().contains("--timeout-ms=5 must be at least 100"), shortTimeout::all);
        final Run noMemory = run("kernel", "--dir", dir.toString(), "--memory-mib", "0");
        assertEquals(2, noMemory.exitCode(), noMemory::all);
    }

    @Test
    void aDirectoryWithALiveKernelIsRefused(@TempDir final Path dir)
    {
        try (Kernel live = Kernel.builder().memoryMiB(1).maxDomains(2).machineDirectory(dir).build())
        {
            final Run second = run("kernel", "--dir", dir.toString());
            assertEquals(2, second.exitCode(), second::all);
            assertTrue(second.err().contains("--dir: ") && second.err().contains("running: kernel pid " +
                ProcessHandle.current().pid()), second::all);
        }
    }
}
