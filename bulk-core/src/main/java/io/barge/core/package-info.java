/**
 * The simulated machine: physical memory, protection domains, the kernel, and the cost counters every privileged
 * operation is counted in.
 * <p>
 * Start from {@link io.barge.core.Kernel#withMemoryMiB(int)}: one object that owns its
 * {@link io.barge.core.PhysicalMemory} (4 KiB frames) and frees it when closed. The kernel creates
 * {@link io.barge.core.Domain}s ({@link io.barge.core.Kernel#createDomain(String)}), each with an
 * {@link io.barge.core.AddressSpace} through which alone it reads and writes memory; an access it has no right to
 * raises {@link io.barge.core.ProtectionFault}. {@link io.barge.core.SystemCounters} and
 * {@link io.barge.core.CounterType} are the off-heap counters, per domain, with stable ids (and
 * {@link io.barge.core.ChannelCounters} per channel), keys laid out by {@link io.barge.core.CounterKeyDescriptor};
 * {@link io.barge.core.Kernel#builder()} can put them in a machine file other processes read
 * ({@code io.barge.core.machine}, {@code barge stat}). Every program needs the
 * JVM flag {@link io.barge.core.JvmFlags#ADD_OPENS}; without it building the machine throws
 * {@link io.barge.core.MissingJvmFlagException} naming it.
 * <p>
 * Ownership: every frame has exactly one owner (a domain, or the kernel's own domain) or is free, and only the
 * kernel changes that. Destroying a domain ({@link io.barge.core.Domain#close()} or
 * {@link io.barge.core.Kernel#destroyDomain}) unmaps and frees every frame it owned; closing the kernel destroys
 * every domain. Close in the reverse order of creation: transports, then domains, then the kernel, then (if you
 * created it yourself with {@link io.barge.core.PhysicalMemory#allocateDirectMiB(int)} and
 * {@link io.barge.core.Kernel#Kernel(PhysicalMemory)}) the memory; try-with-resources does exactly that.
 * <p>
 * Threading: kernel operations are thread safe (serialised on the kernel, as traps into one kernel); translation
 * and {@link io.barge.core.Kernel#copy} take no lock, so domains on different threads do not contend on data paths.
 * A domain's address space may be used from several threads; {@link io.barge.core.PhysicalMemory}'s allocator is
 * the kernel's alone.
 */
package io.barge.core;
