package io.barge.core;

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
 */
public final class SystemCounters implements AutoCloseable
{
    /** Key value of the retired-total counters. */
    public static final int RETIRED_KEY = -1;

    /** Room per live domain: the core's types, a module's, and spare (types may be registered later). */
    public static final int TYPES_ROOM = 64;

    private final AlignedMemory metaData;
    private final AlignedMemory values;
    private final CountersManager manager;
    private AtomicCounter[] retired = new AtomicCounter[0];
    private final UnsafeBuffer keyBuffer = new UnsafeBuffer(new byte[4]);

    /**
     * @param maxCounters how many counters can be live at once.
     */
    public SystemCounters(final int maxCounters)
    {
        // Agrona: values take 128 bytes a counter (each on its own pair of cache lines), metadata 512.
        values = new AlignedMemory(maxCounters * 128, 128);
        metaData = new AlignedMemory(maxCounters * 512, 128);
        manager = new CountersManager(new UnsafeBuffer(metaData.buffer()), new UnsafeBuffer(values.buffer()));
        growRetired();
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
            grown[i] = newCounter(types[i], domainId, domainName + ": " + types[i].label());
        }
        return grown;
    }

    synchronized void retireDomain(final AtomicCounter[] counters)
    {
        growRetired();
        for (int i = 0; i < counters.length; i++)
        {
            retired[i].getAndAdd(counters[i].get());
            counters[i].close();
        }
    }

    private void growRetired()
    {
        final CounterType[] types = CounterType.values();
        if (retired.length < types.length)
        {
            final AtomicCounter[] grown = java.util.Arrays.copyOf(retired, types.length);
            for (int i = retired.length; i < types.length; i++)
            {
                grown[i] = newCounter(types[i], RETIRED_KEY, "retired: " + types[i].label());
            }
            retired = grown;
        }
    }

    private AtomicCounter newCounter(final CounterType type, final int key, final String label)
    {
        keyBuffer.putInt(0, key);
        return manager.newCounter(type.id(), keyBuffer, 0, 4, new UnsafeBuffer(label.getBytes(
            java.nio.charset.StandardCharsets.US_ASCII)), 0, label.length());
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
     * Frees the counter buffers.
     */
    public void close()
    {
        values.free();
        metaData.free();
    }
}
