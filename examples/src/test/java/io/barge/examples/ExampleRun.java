package io.barge.examples;

import io.barge.core.transport.TransportProvider;
import io.barge.core.transport.Transports;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/** Runs an example's {@code main} as a user would and gives back what it printed. */
final class ExampleRun
{
    /** An example's {@code main}. */
    @FunctionalInterface
    interface Main
    {
        void run(String[] args) throws Exception;
    }

    private ExampleRun()
    {
    }

    /**
     * @return the installed transports, less the test's tampering ones.
     */
    static List<String> realTransports()
    {
        return Transports.installed().stream().map(TransportProvider::name).filter(name -> !name.startsWith("tamper-"))
            .collect(Collectors.toList());
    }

    /**
     * @return the trimmed standard output of {@code main(args)}; whatever it throws is passed on.
     */
    static String output(final Main main, final String... args) throws Exception
    {
        final PrintStream out = System.out;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try
        {
            main.run(args);
        }
        finally
        {
            System.setOut(out);
        }
        return captured.toString(StandardCharsets.UTF_8).trim();
    }
}
