package io.barge.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.barge.core.transport.Transports;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The entry point of a forked measurement JVM: reads a request (settings and one group), measures, writes the
 * rows as JSON, and prints one {@value #PROGRESS} line per finished step on standard output for the parent's
 * progress bar.
 */
public final class ReportWorker
{
    /** Prefix of a progress line. */
    static final String PROGRESS = "@@progress ";

    private ReportWorker()
    {
    }

    /**
     * @param args the request file and the output file.
     * @throws IOException if either cannot be read or written.
     */
    public static void main(final String[] args) throws IOException
    {
        if (args.length != 2)
        {
            throw new IllegalArgumentException("usage: ReportWorker <request.json> <output.json>, got " +
                args.length + " arguments");
        }
        final ObjectMapper json = ResultsJson.mapper();
        final JsonNode request = json.readTree(Path.of(args[0]).toFile());
        final Settings settings = json.treeToValue(request.get("settings"), Settings.class);
        final Group group = json.treeToValue(request.get("group"), Group.class);
        final PrintStream out = System.out;
        final ReportModel.GroupOutput output = GroupRunner.run(settings, group, Transports.installed(), (step) ->
        {
            out.println(PROGRESS + step);
            out.flush();
        });
        json.writeValue(Path.of(args[1]).toFile(), output);
    }
}
