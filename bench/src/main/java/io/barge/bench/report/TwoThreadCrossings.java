package io.barge.bench.report;

import io.barge.core.transport.Transports;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The report's two-thread crossing rows and nothing else: the same group ({@link Group#TWO_THREAD}, run by
 * {@link TwoThreadRows} in this JVM), so the figures are the report's, without its single-thread rows, pipelines
 * and NIC paths. Each round takes one window of every subject in turn (the references — cross-core limit, Aeron
 * IPC, Agrona's {@code OneToOneRingBuffer} at descriptor sizes — and every transport mode chosen), each bracketed by
 * placement probes; a window in which a thread was starved of CPU counts as "mixed". The table gives each
 * transport's rate over the cross-core limit, Aeron IPC, Agrona's ring and the copy baseline, each only where it
 * was measured at the same size and placement.
 * <p>
 * Run as {@code java --add-opens java.base/jdk.internal.misc=ALL-UNNAMED -Dagrona.disable.bounds.checks=true
 * -cp bench/target/barge.jar io.barge.bench.report.TwoThreadCrossings [--rounds N] [--sizes 64,4K]
 * [--iteration-ms MS] [--mode transport:mode]...}; the modes are spelled as for {@code ./barge report --mode}
 * (default: fbufs cached, volatile, integrated and the copy baseline; 64 B; 6 rounds of 3 iterations of 100 ms).
 */
public final class TwoThreadCrossings
{
    private static final String COPY = "copy";

    private TwoThreadCrossings()
    {
    }

    /**
     * @param args options as in the class comment.
     */
    public static void main(final String[] args)
    {
        final List<String> modes = new ArrayList<>();
        List<String> sizes = List.of("64");
        int rounds = 6;
        long iterationNanos = 100_000_000L;
        for (int i = 0; i < args.length; i++)
        {
            final String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--mode" -> modes.add(required(args[i], value));
                case "--sizes" -> sizes = List.of(required(args[i], value).split(","));
                case "--rounds" -> rounds = Integer.parseInt(required(args[i], value));
                case "--iteration-ms" -> iterationNanos = Long.parseLong(required(args[i], value)) * 1_000_000L;
                default -> throw new IllegalArgumentException("unknown option '" + args[i] + "': --mode, --sizes, " +
                    "--rounds, --iteration-ms");
            }
            i++;
        }
        if (modes.isEmpty())
        {
            modes.add("fbufs:cached=true,volatile=true,integrated=true");
            modes.add("copy:default");
        }
        final List<ModeSpec> selected = Selection.modes(Transports.installed(), null, modes);
        final Settings settings = new Settings(false, List.of(), List.of(), Settings.PIPELINE_BYTES,
            Selection.sizes(sizes), rounds, Harness.warmupsFor(2, iterationNanos), 3, iterationNanos,
            iterationNanos, 400, 32768, 2000);
        final ReportModel.GroupOutput output = GroupRunner.run(settings, new Group(Group.TWO_THREAD, selected),
            Transports.installed(), (step) -> { });
        print(output, System.out);
    }

    private static String required(final String option, final String value)
    {
        if (value == null)
        {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return value;
    }

    /** The references a row is divided by, each only at the row's size and placement, in the order printed. */
    private static final String[] REFERENCES =
    {
        CrossCoreLimitSubject.NAME, AeronIpcSubject.NAME, AgronaRingSubject.NAME
    };

    /** How each reference's ratio is labelled. */
    private static final String[] LABELS = { "limit", "aeron", "agrona" };

    /**
     * Prints every reference and transport row, with ratios only between rows of the same size and placement: to
     * the cross-core limit, Aeron IPC and Agrona's ring where each was measured there, and to the copy row; a
     * reference not measured at that size and placement gets no ratio.
     *
     * @param output the group's rows.
     * @param out    where the table goes.
     */
    static void print(final ReportModel.GroupOutput output, final PrintStream out)
    {
        output.failures().forEach((f) -> out.println("failed: " + f));
        out.printf("%-48s %7s %-8s %14s%n", "subject", "bytes", "place", "msgs/s");
        for (final ReportModel.Reference r : output.references())
        {
            out.printf(Locale.ROOT, "%-48s %7d %-8s %,14.0f%n", r.name(), r.messageBytes(), r.placement(),
                r.messagesPerSecond());
        }
        for (final ReportModel.Row row : output.results())
        {
            final StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-48s %7d %-8s %,14.0f",
                row.transport() + " [" + row.mode() + "]", row.messageBytes(), row.placement(),
                row.messagesPerSecond()));
            for (int i = 0; i < REFERENCES.length; i++)
            {
                ratio(line, row.messagesPerSecond(), referenceRate(output, REFERENCES[i], row), LABELS[i]);
            }
            final double copy = output.results().stream().filter((c) -> COPY.equals(c.transport()) &&
                c.messageBytes() == row.messageBytes() && c.placement().equals(row.placement()))
                .mapToDouble(ReportModel.Row::messagesPerSecond).findFirst().orElse(Double.NaN);
            ratio(line, row.messagesPerSecond(), copy, "copy");
            out.println(line);
        }
        out.flush();
    }

    private static void ratio(final StringBuilder line, final double rate, final double reference, final String label)
    {
        if (!Double.isNaN(reference))
        {
            line.append(String.format(Locale.ROOT, "   %.3f x %s", rate / reference, label));
        }
    }

    private static double referenceRate(final ReportModel.GroupOutput output, final String name,
        final ReportModel.Row row)
    {
        return output.references().stream().filter((r) -> r.name().equals(name) &&
            r.messageBytes() == row.messageBytes() && r.placement().equals(row.placement()))
            .mapToDouble(ReportModel.Reference::messagesPerSecond).findFirst().orElse(Double.NaN);
    }
}
