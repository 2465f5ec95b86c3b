package io.barge.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A program started without Agrona's {@code --add-opens} fails at once with a message naming the flag, not with
 * Agrona's {@link IllegalAccessError}; with the flag the same program runs. Each case is a child JVM on this test's
 * class path, bounded by a timeout and destroyed if it overruns.
 */
class JvmFlagTest
{
    private static final long CHILD_TIMEOUT_SECONDS = 30;
    private static final String BUILT = "machine built";

    /** The child program: what every user's first line does. */
    public static void main(final String[] args)
    {
        try (Kernel kernel = Kernel.withMemoryMiB(1); Domain domain = kernel.createDomain("a"))
        {
            kernel.allocateFrame(domain, true);
            System.out.println(BUILT + " " + domain);
        }
    }

    @Test
    void withoutTheFlagTheProgramFailsNamingTheFlagToAdd(@TempDir final Path dir) throws Exception
    {
        final Child child = run(dir, List.of());
        assertNotEquals(0, child.exitCode, child.output);
        assertTrue(child.output.contains(MissingJvmFlagException.class.getName()), child.output);
        assertTrue(child.output.contains("Barge needs the JVM flag " + JvmFlags.ADD_OPENS), child.output);
        assertTrue(child.output.contains("maven-surefire-plugin's <argLine>" + JvmFlags.ADD_OPENS), child.output);
        assertTrue(child.output.contains("MAVEN_OPTS"), child.output);
        assertFalse(child.output.contains("IllegalAccessError"), "failed before Agrona did:\n" + child.output);
        assertFalse(child.output.contains(BUILT), child.output);
    }

    @Test
    void withTheFlagTheSameProgramRuns(@TempDir final Path dir) throws Exception
    {
        final Child child = run(dir, List.of(JvmFlags.ADD_OPENS.split(" ")));
        assertEquals(0, child.exitCode, child.output);
        assertTrue(child.output.contains(BUILT + " a(1)"), child.output);
    }

    @Test
    void thisJvmHasTheFlagAsSurefireSetsIt()
    {
        assertTrue(JvmFlags.agronaCanReachUnsafe());
        JvmFlags.checkAgronaAccess();
    }

    private static Child run(final Path dir, final List<String> flags) throws IOException, InterruptedException
    {
        final String java = ProcessHandle.current().info().command()
            .orElse(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        final List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(flags);
        command.add("-Xmx64m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(JvmFlagTest.class.getName());
        final Path out = dir.resolve("child.out");
        final Process process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(out.toFile()).start();
        try
        {
            if (!process.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                fail("child JVM still running after " + CHILD_TIMEOUT_SECONDS + " s: " + command);
            }
        }
        finally
        {
            if (process.isAlive())
            {
                process.destroyForcibly().waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        }
        return new Child(process.exitValue(), Files.readString(out));
    }

    private static final class Child
    {
        final int exitCode;
        final String output;

        Child(final int exitCode, final String output)
        {
            this.exitCode = exitCode;
            this.output = output;
        }
    }
}
