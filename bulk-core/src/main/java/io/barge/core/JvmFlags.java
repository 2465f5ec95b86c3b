package io.barge.core;

import org.agrona.DirectBuffer;

import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The JVM flag every program using Barge needs, and the early check for it.
 * <p>
 * Agrona 2.x (under every Barge buffer) links against {@code jdk.internal.misc.Unsafe}, which {@code java.base}
 * does not export on Java 17 unless told to. Without {@link #ADD_OPENS} the first buffer fails with an
 * {@link IllegalAccessError} naming Agrona's internals; {@link PhysicalMemory} and {@link Kernel} call
 * {@link #checkAgronaAccess()} first so that the failure names the fix instead.
 */
public final class JvmFlags
{
    /** The flag, as written on a {@code java} command line (or in surefire's {@code argLine}). */
    public static final String ADD_OPENS = "--add-opens java.base/jdk.internal.misc=ALL-UNNAMED";

    private static final String PACKAGE = "jdk.internal.misc";

    private JvmFlags()
    {
    }

    /**
     * @return whether {@code java.base} lets Agrona's module reach {@code jdk.internal.misc}. Opening implies
     *         exporting, and exporting is all Agrona's direct calls need, so {@code --add-exports} passes too.
     */
    public static boolean agronaCanReachUnsafe()
    {
        // A class literal does not initialise the class: nothing of Agrona's runs before the check.
        return Object.class.getModule().isExported(PACKAGE, DirectBuffer.class.getModule());
    }

    /**
     * Checks the flag is in effect.
     *
     * @throws MissingJvmFlagException naming the flag to add (for {@code java}, surefire and exec) if it is not.
     */
    public static void checkAgronaAccess()
    {
        if (!agronaCanReachUnsafe())
        {
            throw new MissingJvmFlagException(missingFlagMessage());
        }
    }

    private static String missingFlagMessage()
    {
        final Module agrona = DirectBuffer.class.getModule();
        final String target = agrona.isNamed() ? agrona.getName() : "ALL-UNNAMED";
        final String flag = "--add-opens java.base/" + PACKAGE + "=" + target;
        return "Barge needs the JVM flag " + flag + " (Agrona 2.x uses jdk.internal.misc.Unsafe, which java.base "
            + "does not export to " + (agrona.isNamed() ? "module " + target : "the class path") + " by default)."
            + " Add it to the java command line: java " + flag + " ...;"
            + " for Maven tests, to maven-surefire-plugin's <argLine>" + flag + "</argLine>;"
            + " for mvn exec:java, to .mvn/jvm.config or MAVEN_OPTS=\"" + flag + "\";"
            + " for mvn exec:exec, to the <arguments> before -classpath.";
    }

    /**
     * The command line of a child JVM that runs a class of this process's class path with {@link #ADD_OPENS}: this
     * JVM's own {@code java} executable, then the flag, the heap limit, the class path, the class and its arguments.
     * For processes that attach to a machine another process runs (and for tests of them).
     *
     * @param maxHeap   the child's {@code -Xmx} value, e.g. {@code "64m"}.
     * @param mainClass the class whose {@code main} the child runs.
     * @param args      its arguments.
     * @return the command, for {@link ProcessBuilder}.
     */
    public static List<String> childJvm(final String maxHeap, final Class<?> mainClass, final List<String> args)
    {
        final String java = ProcessHandle.current().info().command()
            .orElse(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        final List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(Arrays.asList(ADD_OPENS.split(" ")));
        command.add("-Xmx" + maxHeap);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(args);
        return command;
    }
}
