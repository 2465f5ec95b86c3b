package io.barge.bench.cli;

import io.barge.core.JvmFlags;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A {@code barge} child JVM whose output (errors included) a daemon thread reads line by line into a queue, so that
 * a test waits for the line it needs, bounded, while the child keeps printing (a child whose pipe is not read would
 * block on a full pipe).
 */
final class ChildLines implements AutoCloseable
{
    private static final String END = "\u0000end of output";

    private final String name;
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuilder seen = new StringBuilder();

    private ChildLines(final String name, final Process process)
    {
        this.name = name;
        this.process = process;
        final Thread reader = new Thread(this::read, "child-output " + name);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * @param name for messages.
     * @param args the {@code barge} command line.
     * @return the started child.
     */
    static ChildLines start(final String name, final String... args)
    {
        try
        {
            return new ChildLines(name, new ProcessBuilder(JvmFlags.childJvm("96m", BargeCli.class, List.of(args)))
                .redirectErrorStream(true).start());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private void read()
    {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = in.readLine()) != null)
            {
                lines.add(line);
            }
        }
        catch (final IOException ex)
        {
            lines.add("(output unreadable: " + ex + ")");
        }
        lines.add(END);
    }

    /**
     * Takes lines until one matches.
     *
     * @param what    what the line says, for the failure message.
     * @param matches the test.
     * @param seconds longest wait.
     * @return the line.
     */
    String await(final String what, final Predicate<String> matches, final long seconds) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true)
        {
            final String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null)
            {
                return fail(name + ": no line " + what + " within " + seconds + " s; it printed:\n" + seen);
            }
            if (END.equals(line))
            {
                lines.add(END); // stays the end for later calls
                return fail(name + ": ended (" + exitText() + ") without a line " + what + "; it printed:\n" + seen);
            }
            seen.append(line).append('\n');
            if (matches.test(line))
            {
                return line;
            }
        }
    }

    /**
     * @param prefix what the line starts with.
     * @param seconds longest wait.
     * @return the line.
     */
    String awaitStart(final String prefix, final long seconds) throws InterruptedException
    {
        return await("starting \"" + prefix + "\"", (line) -> line.startsWith(prefix), seconds);
    }

    /**
     * @param part what the line contains.
     * @param seconds longest wait.
     * @return the line.
     */
    String awaitContaining(final String part, final long seconds) throws InterruptedException
    {
        return await("containing \"" + part + "\"", (line) -> line.contains(part), seconds);
    }

    /**
     * @return every line taken so far.
     */
    String seen()
    {
        return seen.toString();
    }

    /**
     * @return every line taken so far and every line printed by now (for a failure message while not awaiting).
     */
    String seenNow()
    {
        for (String line = lines.poll(); line != null; line = lines.poll())
        {
            if (END.equals(line))
            {
                lines.add(END);
                break;
            }
            seen.append(line).append('\n');
        }
        return seen.toString();
    }

    Process process()
    {
        return process;
    }

    private String exitText()
    {
        return process.isAlive() ? "still running" : "exit " + process.exitValue();
    }

    /** SIGTERM, then the exit status (or a kill after the wait). */
    int terminate(final long seconds) throws InterruptedException
    {
        process.toHandle().destroy();
        if (!process.waitFor(seconds, TimeUnit.SECONDS))
        {
            process.destroyForcibly().waitFor(seconds, TimeUnit.SECONDS);
            fail(name + " did not end within " + seconds + " s of SIGTERM; it printed:\n" + seen);
        }
        return process.exitValue();
    }

    /** SIGKILL and wait for it to go. */
    void kill(final long seconds) throws InterruptedException
    {
        process.destroyForcibly().waitFor(seconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException
    {
        if (process.isAlive())
        {
            kill(10);
        }
    }
}
