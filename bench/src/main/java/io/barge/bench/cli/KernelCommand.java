package io.barge.bench.cli;

import io.barge.core.Kernel;
import io.barge.core.machine.KernelService;
import io.barge.core.machine.MachineFile;
import io.barge.core.machine.MachineFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code barge kernel}: runs the embedded kernel in this process with its machine file in a directory and its
 * conductor serving client processes ({@link io.barge.core.machine.MachineClient}) until interrupted (Ctrl-C or
 * SIGTERM), then closes cleanly: every domain destroyed, the file marked closed.
 */
@Command(
    name = "kernel",
    mixinStandardHelpOptions = true,
    description = {
        "Runs a Barge kernel for domains in other processes: client processes attach through the machine file in " +
            "--dir, create and destroy domains they own, and keep alive; one silent for --timeout-ms is declared " +
            "dead and its domains destroyed. Runs until Ctrl-C or SIGTERM. Watch it with `barge stat --dir D`.",
        "Client processes can also open channels between their domains (the kernel's process channels), e.g. the " +
            "stages of `barge pipeline --attach D --role source|forward|sink`, one stage per process."
    },
    sortOptions = false)
final class KernelCommand implements Callable<Integer>
{
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", paramLabel = "D",
        description = "The machine's directory (default: ${DEFAULT-VALUE}).")
    Path dir = MachineFile.defaultDirectory();

    @Option(names = "--memory-mib", paramLabel = "M", defaultValue = "64",
        description = "Physical memory of the machine, MiB, in DIR/memory.dat (default: ${DEFAULT-VALUE}).")
    int memoryMiB;

    @Option(names = "--timeout-ms", paramLabel = "T", defaultValue = "" + MachineFile.DEFAULT_HEARTBEAT_TIMEOUT_MS,
        description = "Heartbeat timeout of the kernel and of its clients, at least " +
            MachineFile.MIN_HEARTBEAT_TIMEOUT_MS + " ms (default: ${DEFAULT-VALUE}).")
    long timeoutMs;

    @Override
    public Integer call() throws InterruptedException
    {
        if (memoryMiB < 1)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--memory-mib=" + memoryMiB +
                " must be positive");
        }
        if (timeoutMs < MachineFile.MIN_HEARTBEAT_TIMEOUT_MS)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--timeout-ms=" + timeoutMs +
                " must be at least " + MachineFile.MIN_HEARTBEAT_TIMEOUT_MS);
        }
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final KernelService service;
        try
        {
            service = KernelService.start(Kernel.builder().memoryMiB(memoryMiB).machineDirectory(dir)
                .heartbeatTimeoutMs(timeoutMs), (ex) ->
            {
                err.println("kernel conductor error (it goes on): " + ex);
                err.flush();
            });
        }
        catch (final MachineFileException ex)
        {
            // As pipeline --dir does: a directory owned by a live kernel (or unusable) is a usage error.
            throw new CommandLine.ParameterException(spec.commandLine(), "--dir: " + ex.getMessage(), ex);
        }
        final CountDownLatch closed = new CountDownLatch(1);
        final Thread hook = new Thread(() ->
        {
            service.close();
            out.println("kernel closed: " + dir);
            out.flush();
            closed.countDown();
        }, "barge-kernel-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("kernel running: pid " + ProcessHandle.current().pid() + ", " + memoryMiB + " MiB, timeout " +
            timeoutMs + " ms, machine file " + service.kernel().machineFile().file() + "; Ctrl-C to stop");
        out.flush();
        closed.await(); // the hook closes the service on Ctrl-C or SIGTERM
        return 0;
    }
}
