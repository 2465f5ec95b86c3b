package io.barge.core.machine;

import io.barge.core.Domain;
import io.barge.core.JvmFlags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client in a child JVM attaches to the kernel in this one and creates domains; killed (SIGKILL, no detach), it is
 * detected within the machine's timeout, its domains are destroyed and their frames returned, and a new client
 * attaches.
 */
@Timeout(60)
class MachineClientChildProcessTest
{
    private static final long CHILD_TIMEOUT_SECONDS = 30;
    private static final String READY = "client ready";

    @TempDir
    Path dir;

    private final List<Throwable> conductorErrors = new CopyOnWriteArrayList<>();

    /**
     * The child: attaches to the machine in {@code args[0]}, creates domains "child-a" and "child-b", prints
     * "client ready &lt;client id&gt; &lt;id a&gt; &lt;id b&gt;", then waits for stdin to close (it is killed
     * before that).
     *
     * @param args the machine directory.
     * @throws Exception if anything fails (the parent sees no ready line).
     */
    public static void main(final String[] args) throws Exception
    {
        final MachineClient client = MachineClient.attach(Paths.get(args[0]));
        final int a = client.createDomain("child-a");
        final int b = client.createDomain("child-b");
        System.out.println(READY + " " + client.clientId() + " " + a + " " + b);
        System.out.flush();
        System.in.readAllBytes(); // blocks until the parent closes stdin or kills this process
        client.close();
    }

    @AfterEach
    void noConductorErrors()
    {
        assertEquals(List.of(), conductorErrors);
    }

    @Test
    void aKilledClientIsDetectedItsDomainsDestroyedAndANewClientAttaches() throws Exception
    {
        try (KernelService service = MachineClientTest.service(dir, conductorErrors, MachineClientTest.TIMEOUT_MS))
        {
            final int startFree = service.kernel().freeFrames();
            final Domain local = service.kernel().createDomain("the kernel process's own");
            service.kernel().allocateFrame(local, true);

            final Process process = startChild();
            try
            {
                final int[] ids = readReady(process);
                final int clientId = ids[0];
                final Domain a = service.kernel().domain(ids[1]);
                final Domain b = service.kernel().domain(ids[2]);
                assertEquals("child-a", a.name());
                assertEquals("child-b", b.name());
                service.kernel().allocateFrame(a, true);
                service.kernel().allocateFrame(b, false);
                service.kernel().allocateFrame(b, false);
                assertEquals(startFree - 4, service.kernel().freeFrames());
                try (MachineReader reader = MachineReader.attach(dir))
                {
                    final MachineSnapshot snapshot = reader.snapshot();
                    assertEquals(1, snapshot.clients().size());
                    final MachineClientInfo child = snapshot.clients().get(0);
                    assertEquals(clientId, child.clientId());
                    assertEquals(process.pid(), child.pid());
                    assertArrayEquals(new int[]{ids[1], ids[2]}, child.domainIds());
                    final String text = snapshot.format(false);
                    assertTrue(text.contains("client " + clientId + " pid " + process.pid()), text);
                    assertTrue(text.contains(ids[1] + " \"child-a\" " + ids[2] + " \"child-b\""), text);
                }

                process.destroyForcibly();
                assertTrue(process.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS), "child not dead");

                // Detected within the timeout (300 ms) plus a check interval; the deadline is generous for a loaded
                // machine, the condition is what is tested.
                MachineClientTest.await(() -> service.clientCount() == 0, 10_000, "the dead client timed out");
                assertNull(service.kernel().domain(ids[1]));
                assertNull(service.kernel().domain(ids[2]));
                assertTrue(local.isAlive(), "the kernel process's own domain is untouched");
                assertEquals(startFree - 1, service.kernel().freeFrames(), "the child's frames are back");
                assertEquals(1, service.kernel().kernelDomain().counter(ConductorCounters.CLIENT_TIMEOUTS));
            }
            finally
            {
                if (process.isAlive())
                {
                    process.destroyForcibly().waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                }
            }

            // A restarted process attaches again, under a new id.
            final Process again = startChild();
            try
            {
                final int[] ids = readReady(again);
                assertEquals("child-a", service.kernel().domain(ids[1]).name());
                again.getOutputStream().close(); // the child detaches and exits normally
                assertTrue(again.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS), "child did not exit");
                assertEquals(0, again.exitValue());
                assertNull(service.kernel().domain(ids[1]), "its detach destroyed its domains");
                assertEquals(0, service.clientCount());
            }
            finally
            {
                if (again.isAlive())
                {
                    again.destroyForcibly().waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                }
            }
            local.close();
            assertEquals(startFree, service.kernel().freeFrames());
        }
    }

    private Process startChild() throws Exception
    {
        final List<String> command = JvmFlags.childJvm("64m", MachineClientChildProcessTest.class,
            List.of(dir.toString()));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static int[] readReady(final Process process) throws Exception
    {
        final String line = ChildOutput.readyLine(process, READY);
        final String[] words = line.substring(READY.length()).trim().split(" ");
        return new int[]{Integer.parseInt(words[0]), Integer.parseInt(words[1]), Integer.parseInt(words[2])};
    }
}
