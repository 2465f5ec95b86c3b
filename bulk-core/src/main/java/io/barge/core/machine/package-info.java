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
 * A kernel process serves domains in other processes ({@link io.barge.core.machine.KernelService}, run by
 * {@code barge kernel}): its {@link io.barge.core.machine.KernelConductor} reads commands from the file's to-kernel
 * ring and answers on its to-domains broadcast buffer ({@link io.barge.core.machine.ControlProtocolDescriptor}),
 * keeping the client table ({@link io.barge.core.machine.ClientTableDescriptor}); a process attaches with
 * {@link io.barge.core.machine.MachineClient}, which agrees a key with the kernel at attach and signs every command
 * with it, so that a client id is a credential, and re-sends a command the kernel may have dropped when it repaired
 * a damaged ring (answered again, not executed twice). Its physical memory is a second file of the directory
 * ({@link io.barge.core.machine.MachineFileDescriptor#MEMORY_FILE_NAME}), in which the kernel lays out channels
 * between client processes ({@link io.barge.core.machine.ProcessChannelDescriptor}, recorded in the
 * {@link io.barge.core.machine.ChannelTableDescriptor}), of two kinds: a ring the sender copies into, whose ends are
 * {@link io.barge.core.machine.ProcessSender} and {@link io.barge.core.machine.ProcessReceiver}, and Rbufs, zero copy
 * ({@link io.barge.core.machine.RbufsChannelDescriptor}: a data area written and read in place, IOrecs both ways),
 * whose ends are {@link ProcessRbufsSender} and {@link ProcessRbufsReceiver}. Each
 * channel's ends keep its counters in its header frame, which {@link io.barge.core.machine.MachineReader} reads.
 * The transport SPI runs over both kinds through {@link io.barge.core.machine.ProcessTransport}: the same
 * {@code Sender} and {@code Receiver} as in one process (claims and messages are views of the mapped frames, of
 * local stand-ins for the client's kernel domains), with the end of stream in each kind's own protocol.
 * <p>
 * Ownership and threading: the kernel's process writes the file (its heartbeat thread the heartbeat, the conductor
 * the ring's head, the broadcast buffer, the client and channel tables, the domains' threads their counters, each
 * with release); clients write only the ring's records (Agrona's many-producer protocol) and, in the memory file,
 * their channels' records, buffers and indices (each index and counter by one end only); readers nothing. Page
 * tables, pins and grants are still the kernel process's heap, so only these two kinds cross processes so far.
 */
package io.barge.core.machine;
