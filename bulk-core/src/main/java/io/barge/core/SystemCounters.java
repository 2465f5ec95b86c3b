package io.barge.core;

import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;


/**
 * Off-heap counters for every domain: one Agrona counter per ({@link CounterType}, domain), keyed by domain id, plus
 * a retired total per type that keeps the counts of destroyed domains.
 * <p>
 * Counters are incremented with an atomic add: a domain's kernel operations may be made from more than one thread
 * (the sender's and the receiver's side of a channel both act for their own domain, but teardown acts for all).
 * <p>
 * Each counter's key is laid out by {@link CounterKeyDescriptor} (domain id, kind, name), its label is
 * {@code "<domain name>: <type label>"}, its type id the {@link CounterType}'s: a reader holding only the buffers
 * (another process, over a machine file) can name every counter.
 */
public final class SystemCounters implements AutoCloseable
{
    /** Key value of the retired-total counters. */
    public static final int RETIRED_KEY = -1;

    /** Room per live domain: the core's types, a module's, and spare (types may be registered later). */
    public static final int TYPES_ROOM = 64;

    /** Bytes of the values buffer per counter (Agrona: each value on its own pair of cache lines). */
    public static final int VALUE_LENGTH = CountersReader.COUNTER_LENGTH;
    /** Bytes of the metadata buffer per counter (Agrona's record: state, type id, key, label). */
    public static final int METADATA_LENGTH = CountersReader.METADATA_LENGTH;

    private final AlignedMemory metaData;
    private final AlignedMemory values;
    private final CountersManager manager;
    /**
     * How long a destroyed domain's counters stay allocated after their counts moved to the retired totals: a late
     * count, by a thread that read the domain's counters just before the destroy, lands in them and not in a newer
     * counter that reused the slot. Sooner only when the counters are full.
     */
    public static final long QUARANTINE_MS = 1_000;
    private AtomicCounter[] retired = new AtomicCounter[0];
    /** Destroyed domains' counters not yet freed, oldest first. */
    private final java.util.ArrayDeque<Quarantined> quarantined = new java.util.ArrayDeque<>();

    /** A destroyed domain's counters, and when they may be freed. */
    private record Quarantined(AtomicCounter[] counters, long untilMs)
    {
    }
    private int nextChannelId = 1;
    private final UnsafeBuffer keyBuffer = new UnsafeBuffer(new byte[CountersReader.MAX_KEY_LENGTH]);

    /**
     * Counters in direct memory of this JVM, freed by {@link #close()}.
     *
     * @param maxCounters how many counters can be live at once.
     */
    public SystemCounters(final int maxCounters)
    {
        values = new AlignedMemory(maxCounters * VALUE_LENGTH, 128);
        metaData = new AlignedMemory(maxCounters * METADATA_LENGTH, 128);
        manager = manager(new UnsafeBuffer(metaData.buffer()), new UnsafeBuffer(values.buffer()));
        growRetired();
    }

    /**
     * Counters in buffers the caller owns and keeps alive, e.g. the sections of a machine file another process reads
     * ({@code io.barge.core.machine.MachineFile}); {@link #close()} leaves them alone.
     *
     * @param metaDataBuffer zeroed, {@link #METADATA_LENGTH} bytes per counter.
     * @param valuesBuffer   zeroed, {@link #VALUE_LENGTH} bytes per counter, 128-byte aligned.
     */
    public SystemCounters(final AtomicBuffer metaDataBuffer, final AtomicBuffer valuesBuffer)
    {
        values = null;
        metaData = null;
        manager = manager(metaDataBuffer, valuesBuffer);
        growRetired();
    }

    private static CountersManager manager(final AtomicBuffer metaDataBuffer, final AtomicBuffer valuesBuffer)
    {
        return new CountersManager(metaDataBuffer, valuesBuffer);
    }

    synchronized AtomicCounter[] allocateDomain(final int domainId, final String domainName)
    {
        return extendDomain(domainId, domainName, new AtomicCounter[0]);
    }

    /**
     * Adds counters for the types registered since {@code counters} was made (cold: once per new type per domain).
     *
     * @return a copy of {@code counters} with an entry for every registered type.
     */
    synchronized AtomicCounter[] extendDomain(final int domainId, final String domainName,
        final AtomicCounter[] counters)
    {
        final CounterType[] types = CounterType.values();
        if (counters.length >= types.length)
        {
            return counters;
        }
        final AtomicCounter[] grown = java.util.Arrays.copyOf(counters, types.length);
        for (int i = counters.length; i < types.length; i++)
        {
            grown[i] = newCounter(types[i], CounterKeyDescriptor.KIND_DOMAIN, domainId, domainName,
                domainName + ": " + types[i].label());
        }
        return grown;
    }

    /**
     * Makes the counters of a new channel (its messages and bytes sent, its messages received), for a transport to
     * count with and close with the channel.
     *
     * @param name     the channel's name for readers, e.g. {@code "copy A -> B"}.
     * @param sender   the sending domain.
     * @param receiver the receiving domain.
     * @return the channel's counters, with a channel id new in this kernel.
     */
    public synchronized ChannelCounters newChannel(final String name, final Domain sender, final Domain receiver)
    {
        final int channelId = nextChannelId++;
        final String prefix = name + ": ";
        final int[] types = {ChannelCounters.MESSAGES_SENT_TYPE_ID, ChannelCounters.BYTES_SENT_TYPE_ID,
            ChannelCounters.MESSAGES_RECEIVED_TYPE_ID};
        final String[] labels = {"messages sent", "bytes sent", "messages received"};
        final AtomicCounter[] made = new AtomicCounter[types.length];
        try
        {
            for (int i = 0; i < types.length; i++)
            {
                made[i] = newChannelCounter(types[i], channelId, sender, receiver, name, prefix + labels[i]);
            }
        }
        catch (final IllegalStateException full)
        {
            // No room left: the channel still opens and counts, in counters of its own that readers do not see.
            final UnsafeBuffer own = new UnsafeBuffer(new byte[types.length * VALUE_LENGTH]);
            for (int i = 0; i < types.length; i++)
            {
                if (made[i] != null)
                {
                    made[i].close();
                }
                made[i] = new AtomicCounter(own, i);
            }
        }
        return new ChannelCounters(channelId, made[0], made[1], made[2]);
    }

    private AtomicCounter newChannelCounter(final int typeId, final int channelId, final Domain sender,
        final Domain receiver, final String name, final String label)
    {
        final int keyLength = CounterKeyDescriptor.write(keyBuffer, CounterKeyDescriptor.KIND_CHANNEL, sender.id(),
            channelId, receiver.id(), name);
        return allocate(typeId, keyLength, label);
    }

    /** The key is in {@link #keyBuffer}. */
    private AtomicCounter allocate(final int typeId, final int keyLength, final String label)
    {
        final byte[] ascii = label.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final UnsafeBuffer labelBuffer = new UnsafeBuffer(ascii);
        final int labelLength = Math.min(ascii.length, CountersReader.MAX_LABEL_LENGTH);
        releaseQuarantined(System.currentTimeMillis());
        try
        {
            return manager.newCounter(typeId, keyBuffer, 0, keyLength, labelBuffer, 0, labelLength);
        }
        catch (final IllegalStateException full)
        {
            if (quarantined.isEmpty())
            {
                throw full;
            }
            releaseQuarantined(Long.MAX_VALUE); // full: the quarantine gives way rather than fail the allocation
            return manager.newCounter(typeId, keyBuffer, 0, keyLength, labelBuffer, 0, labelLength);
        }
    }

    private void releaseQuarantined(final long nowMs)
    {
        while (!quarantined.isEmpty() && quarantined.peek().untilMs() <= nowMs)
        {
            final AtomicCounter[] late = quarantined.poll().counters();
            for (int i = 0; i < late.length; i++)
            {
                retired[i].getAndAdd(late[i].getAndSet(0)); // counts that raced the destroy
                late[i].close();
            }
        }
    }

    /**
     * Moves a destroyed domain's counts to the retired totals; its counters are kept, re-keyed
     * {@link CounterKeyDescriptor#KIND_QUARANTINED}, for {@link #QUARANTINE_MS} before they are freed. The domain
     * counts into the retired totals from here on; a count by a thread that read the old counters just before lands
     * in a quarantined counter (still in the totals, and added to the retired ones when it is freed), not in another
     * domain's.
     */
    synchronized void retireDomain(final Domain domain)
    {
        growRetired();
        final AtomicCounter[] own = domain.counters();
        final long[] last = new long[own.length];
        domain.retireCounters(retired, last); // before the reads: a later count goes to the totals, not lost
        final int keyLength = CounterKeyDescriptor.write(keyBuffer, CounterKeyDescriptor.KIND_QUARANTINED,
            domain.id(), -1, -1, domain.name());
        for (int i = 0; i < own.length; i++)
        {
            last[i] = own[i].getAndSet(0); // atomic: a racing count stays, in the quarantined counter
            retired[i].getAndAdd(last[i]);
            manager.setCounterKey(own[i].id(), keyBuffer, 0, keyLength);
        }
        quarantined.add(new Quarantined(own, System.currentTimeMillis() + QUARANTINE_MS));
    }

    /**
     * @return the retired totals, one per registered type (a destroyed domain counts into them).
     */
    synchronized AtomicCounter[] retiredCounters()
    {
        growRetired();
        return retired;
    }

    private void growRetired()
    {
        final CounterType[] types = CounterType.values();
        if (retired.length < types.length)
        {
            final AtomicCounter[] grown = java.util.Arrays.copyOf(retired, types.length);
            for (int i = retired.length; i < types.length; i++)
            {
                grown[i] = newCounter(types[i], CounterKeyDescriptor.KIND_RETIRED, RETIRED_KEY, "retired",
                    "retired: " + types[i].label());
            }
            retired = grown;
        }
    }

    private AtomicCounter newCounter(final CounterType type, final int kind, final int domainId, final String name,
        final String label)
    {
        final int keyLength = CounterKeyDescriptor.write(keyBuffer, kind, domainId, -1, -1, name);
        return allocate(type.id(), keyLength, label);
    }

    /**
     * @return a reader over every counter, for reports and other processes.
     */
    public CountersReader reader()
    {
        return manager;
    }

    /**
     * @param type a counter type.
     * @return that type summed over every live domain and every retired one.
     */
    public synchronized long total(final CounterType type)
    {
        final long[] sum = new long[1];
        manager.forEach((counterId, typeId, keyBuffer, label) ->
        {
            if (typeId == type.id())
            {
                sum[0] += manager.getCounterValue(counterId);
            }
        });
        return sum[0];
    }

    /**
     * Fills one total per {@link CounterType} ordinal; for before/after snapshots around a measurement. Types
     * registered after the array was sized (ordinal at or past its length) are left out.
     *
     * @param into an array, usually of {@link CounterType#count()} entries.
     * @return {@code into}.
     */
    public synchronized long[] totals(final long[] into)
    {
        java.util.Arrays.fill(into, 0L);
        manager.forEach((counterId, typeId, keyBuffer, label) ->
        {
            final CounterType type = CounterType.fromId(typeId);
            if (type != null && type.ordinal() < into.length)
            {
                into[type.ordinal()] += manager.getCounterValue(counterId);
            }
        });
        return into;
    }

    /**
     * Frees the counter buffers if this object allocated them; buffers a caller passed in stay theirs.
     */
    public void close()
    {
        if (values != null)
        {
            values.free();
            metaData.free();
        }
    }
}
