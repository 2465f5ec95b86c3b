/**
 * The machine in a file: the part of a running Barge machine that other processes read, laid out by
 * {@link io.barge.core.machine.MachineFileDescriptor} (magic, version, section lengths, the kernel's pid, start time,
 * heartbeat and state, then the counters in Agrona's {@code CountersManager} layout), in a directory per machine
 * (default {@link io.barge.core.machine.MachineFile#defaultDirectory()}, under {@code /dev/shm}).
 * <p>
 * Start from {@code Kernel.builder().machineDirectory(dir).build()}: the kernel then keeps its counters in the file
 * ({@link io.barge.core.machine.MachineFile}: the directory's lock, a heartbeat thread, stale files reinitialised,
 * a live kernel's directory refused). Any process reads it with {@link io.barge.core.machine.MachineReader}
 * (read-only mapping, header checked on attach, {@link io.barge.core.machine.MachineFileException} with a
 * {@link io.barge.core.machine.MachineFileException.Reason} for a bad file) and names the counters by domain and
 * channel with {@link io.barge.core.machine.MachineSnapshot}; {@code barge stat} is that reader.
 * <p>
 * Ownership and threading: the kernel's process alone writes the file (its heartbeat thread the heartbeat, the
 * domains' threads their counters, each with release); readers only read. Version 1 holds no frames nor kernel
 * state: the to-kernel command ring and the to-domains broadcast are sections of length 0, reserved for a kernel
 * process serving domains in other processes.
 */
package io.barge.core.machine;
