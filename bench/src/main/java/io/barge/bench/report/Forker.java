package io.barge.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs a measurement group in a fresh JVM on this JVM's class path, as JMH forks do: no JIT profile, heap or
 * thread left over from the group before.
 */
final class Forker
{
    private Forker()
    {
    }

    /**
     * @param settings the run's settings.
     * @param group    what to measure.
     * @param workDir  where to put the request, the output and the child's error log.
     * @param progress told the name of each step as the child reports it.
     * @return the child's rows.
     * @throws IOException          if the files cannot be written or read.
     * @throws InterruptedException if interrupted while waiting.
     */
    static ReportModel.GroupOutput run(final Settings settings, final Group group, final Path workDir,
        final Consumer<String> progress) throws IOException, InterruptedException
    {
        final ObjectMapper json = ResultsJson.mapper();
        final Path request = Files.createTempFile(workDir, "group-", ".request.json");
        final Path output = Files.createTempFile(workDir, "group-", ".output.json");
        final Path errors = Files.createTempFile(workDir, "group-", ".stderr.txt");
        try
        {
            final ObjectNode body = json.createObjectNode();
            body.set("settings", json.valueToTree(settings));
            body.set("group", json.valueToTree(group));
            json.writeValue(request.toFile(), body);
            final Process process = new ProcessBuilder(command(request, output))
                .redirectError(errors.toFile())
                .start();
            process.getOutputStream().close();
            try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = lines.readLine()) != null)
                {
                    if (line.startsWith(ReportWorker.PROGRESS))
                    {
                        progress.accept(line.substring(ReportWorker.PROGRESS.length()));
                    }
                }
            }
            final int exit = process.waitFor();
            if (exit != 0)
            {
                throw new IllegalStateException("measurement JVM for " + group.display() + " exited with " + exit +
                    ":\n" + tail(Files.readString(errors)));
            }
            return json.readValue(output.toFile(), ReportModel.GroupOutput.class);
        }
        finally
        {
            Files.deleteIfExists(request);
            Files.deleteIfExists(output);
            Files.deleteIfExists(errors);
        }
    }

    private static List<String> command(final Path request, final Path output)
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("--add-opens");
        command.add("java.base/jdk.internal.misc=ALL-UNNAMED");
        command.add("-Dagrona.disable.bounds.checks=true");
        command.add("-Xmx512m");
        command.add("-XX:MaxDirectMemorySize=1g");
        command.add(ReportWorker.class.getName());
        command.add(request.toString());
        command.add(output.toString());
        return command;
    }

    private static String tail(final String text)
    {
        return text.length() <= 4000 ? text : "..." + text.substring(text.length() - 4000);
    }
}
