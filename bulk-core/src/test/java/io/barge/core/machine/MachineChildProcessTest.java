package io.barge.core.machine;

import io.barge.core.CounterType;
import io.barge.core.Domain;
import io.barge.core.JvmFlags;
import io.barge.core.Kernel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A kernel in a child JVM, watched from this one over its machine file alone (a kernel here is refused its directory
 * meanwhile), then killed (SIGKILL, no chance to close): the file is stale afterwards and the next kernel
 * reinitialises it.
 */
@Timeout(60)
class MachineChildProcessTest
{
    private static final long CHILD_TIMEOUT_SECONDS = 30;
    private static final String READY = "machine ready";

    /**
     * The child: a kernel on the directory in {@code args[0]}, a domain "child" with counts, "machine ready" on
     * stdout, then it waits for its stdin to close (it is killed before that).
     *
     * @param args the machine directory.
     * @throws Exception if anything fails (the parent sees no ready line).
     */
    public static void main(final String[] args) throws Exception
    {
        try (Kernel kernel = Kernel.builder().memoryMiB(2).maxDomains(4).machineDirectory(Paths.get(args[0]))
            .build(); Domain child = kernel.createDomain("child"))
        {
            kernel.allocateFrame(child, true);
            child.count(CounterType.NOTIFICATIONS_SENT, 42);
            System.out.println(READY + " " + ProcessHandle.current().pid());
            System.out.flush();
            System.in.readAllBytes(); // blocks until the parent closes stdin or kills this process
        }
    }

    @Test
    void aKilledKernelLeavesAStaleFileThatTheNextKernelReinitialises(@TempDir final Path dir) throws Exception
    {
        final List<String> command = JvmFlags.childJvm("64m", MachineChildProcessTest.class,
            List.of(dir.toString()));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try
        {
            final String line = ChildOutput.readyLine(process, READY);
            assertEquals(READY + " " + process.pid(), line);

            try (MachineReader reader = MachineReader.attach(dir))
            {
                final MachineSnapshot live = reader.snapshot();
                assertTrue(live.status().isRunning(), live.status().describe());
                assertEquals(process.pid(), live.status().pid());
                assertEquals(42, live.domain("child").value("notifications sent"));
                assertEquals(1, live.domain("child").value("frames allocated"));

                // This process's kernel is refused while the child's lives: the child holds the lock.
                final MachineFileException refused = assertThrows(MachineFileException.class,
                    () -> MachineFileTest.kernel(dir));
                assertSame(MachineFileException.Reason.LIVE_KERNEL, refused.reason());
                assertTrue(refused.getMessage().contains("kernel pid " + process.pid()), refused.getMessage());

                process.destroyForcibly();
                assertTrue(process.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS), "child not dead");

                // Read through the mapping the reader already had: the dead kernel's last state.
                final MachineSnapshot dead = reader.snapshot();
                assertSame(MachineStatus.State.STALE, dead.status().state(), dead.status().describe());
                assertFalse(dead.status().processAlive());
                assertEquals(42, dead.domain("child").value("notifications sent"));
            }
        }
        finally
        {
            if (process.isAlive())
            {
                process.destroyForcibly().waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        }

        try (Kernel kernel = MachineFileTest.kernel(dir); MachineReader reader = MachineReader.attach(dir))
        {
            final MachineStatus previous = kernel.machineFile().previous();
            assertSame(MachineStatus.State.STALE, previous.state());
            assertEquals(process.pid(), previous.pid());
            final MachineSnapshot fresh = reader.snapshot();
            assertTrue(fresh.status().isRunning());
            assertEquals(ProcessHandle.current().pid(), fresh.status().pid());
            assertEquals(null, fresh.domain("child"));
        }
    }
}
