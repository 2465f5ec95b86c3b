package io.barge.core.machine;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Reads a child process's output up to the line it prints once it is ready. */
final class ChildOutput
{
    private ChildOutput()
    {
    }

    /**
     * @param process a child started with its error stream redirected to its output.
     * @param ready   the prefix of its ready line.
     * @return the ready line, whole; fails the test with everything printed before it if the child ended first.
     */
    static String readyLine(final Process process, final String ready) throws IOException
    {
        final BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8));
        final StringBuilder seen = new StringBuilder();
        String line;
        while ((line = out.readLine()) != null && !line.startsWith(ready))
        {
            seen.append(line).append('\n');
        }
        assertNotNull(line, "child ended without getting ready:\n" + seen);
        return line;
    }
}
