package io.barge.core.machine;

import io.barge.core.CounterKeyDescriptor;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every counter of a machine read once, grouped by whom it counts for: each live domain, the retired totals of
 * destroyed domains, each channel end, each channel between client processes, and any counter whose key is not
 * Barge's. Names come from the counters' keys and labels alone ({@link CounterKeyDescriptor}) and from the channel
 * table, so a reader needs nothing but the files.
 */
public final class MachineSnapshot
{
    /**
     * {@link Group#kind()} of a channel between client processes ({@link MachineClient#createChannel}): its counters
     * are in the channel's own frames, written by its two ends; its domain is the sender's, its peer the receiver's.
     * Outside {@link CounterKeyDescriptor}'s kinds, since no Agrona counter key carries it.
     */
    public static final int KIND_PROCESS_CHANNEL = 16;

    /**
     * One counter.
     *
     * @param counterId the Agrona counter id, -1 for a process channel's (not an Agrona counter).
     * @param typeId    the stable type id ({@link io.barge.core.CounterType#id()}).
     * @param label     what it counts, the group's name left out (e.g. {@code frames allocated}).
     * @param value     its value when read.
     */
    public record Counter(int counterId, int typeId, String label, long value)
    {
    }

    /**
     * The counters of one domain, channel end, or of the retired totals.
     *
     * @param kind         {@link CounterKeyDescriptor#KIND_DOMAIN}, {@code KIND_RETIRED}, {@code KIND_CHANNEL},
     *                     {@link #KIND_PROCESS_CHANNEL}, or 0 for counters whose key is not Barge's.
     * @param domainId     the domain, -1 for retired totals.
     * @param name         the domain's (or channel's) name.
     * @param channelId    the channel, -1 unless a channel's.
     * @param peerDomainId the channel's other end, -1 unless a channel's.
     * @param counters     its counters in id order.
     */
    public record Group(int kind, int domainId, String name, int channelId, int peerDomainId, List<Counter> counters)
    {
        /**
         * @return a heading for people, e.g. {@code domain 1 "source"}.
         */
        public String title()
        {
            switch (kind)
            {
                case CounterKeyDescriptor.KIND_DOMAIN:
                    return "domain " + domainId + " \"" + name + "\"";
                case CounterKeyDescriptor.KIND_RETIRED:
                    return "retired (destroyed domains)";
                case CounterKeyDescriptor.KIND_CHANNEL:
                    return "channel " + channelId + " \"" + name + "\" (domain " + domainId + " -> " +
                        peerDomainId + ")";
                case KIND_PROCESS_CHANNEL:
                    return "process channel " + channelId + " \"" + name + "\" (domain " + domainId + " -> " +
                        peerDomainId + ")";
                default:
                    return "other counters";
            }
        }

        /**
         * @param label a counter's label, e.g. {@code frames allocated}.
         * @return its value in this group, or -1 if the group has no such counter.
         */
        public long value(final String label)
        {
            for (final Counter counter : counters)
            {
                if (counter.label().equals(label))
                {
                    return counter.value();
                }
            }
            return -1;
        }
    }

    private final MachineStatus status;
    private final List<Group> groups;
    private final List<MachineClientInfo> clients;

    private MachineSnapshot(final MachineStatus status, final List<Group> groups, final List<MachineClientInfo> clients)
    {
        this.status = status;
        this.groups = groups;
        this.clients = clients;
    }

    /**
     * Walks the metadata records as Agrona lays them out, trusting nothing of the file's: a label length out of
     * range gives a placeholder label rather than a read past the record.
     */
    static MachineSnapshot read(final MachineStatus status, final CountersReader reader,
        final List<MachineClientInfo> clients, final List<Group> processChannels)
    {
        final Map<List<Integer>, List<Counter>> byOwner = new LinkedHashMap<>();
        final Map<List<Integer>, String> names = new LinkedHashMap<>();
        final AtomicBuffer metaData = reader.metaDataBuffer();
        final UnsafeBuffer key = new UnsafeBuffer(0, 0);
        for (int id = 0, max = reader.maxCounterId(); id <= max; id++)
        {
            final int offset = CountersReader.metaDataOffset(id);
            // Acquire: Agrona writes a record's type, key and label before its state, with release.
            final int state = metaData.getIntVolatile(offset);
            if (state == CountersReader.RECORD_UNUSED)
            {
                break;
            }
            if (state != CountersReader.RECORD_ALLOCATED)
            {
                continue;
            }
            final int typeId = metaData.getInt(offset + CountersReader.TYPE_ID_OFFSET);
            key.wrap(metaData, offset + CountersReader.KEY_OFFSET, CountersReader.MAX_KEY_LENGTH);
            final int labelLength = metaData.getInt(offset + CountersReader.LABEL_OFFSET);
            final String label = labelLength >= 0 && labelLength <= CountersReader.MAX_LABEL_LENGTH ?
                metaData.getStringWithoutLengthAscii(offset + CountersReader.LABEL_OFFSET + 4, labelLength) :
                "(label length " + labelLength + " out of range)";
            final int kind = CounterKeyDescriptor.kind(key);
            if (kind == CounterKeyDescriptor.KIND_QUARANTINED)
            {
                continue; // a destroyed domain's, about to be freed: its counts are in the retired totals
            }
            final boolean ours = kind == CounterKeyDescriptor.KIND_DOMAIN ||
                kind == CounterKeyDescriptor.KIND_RETIRED || kind == CounterKeyDescriptor.KIND_CHANNEL;
            final List<Integer> owner = ours ? List.of(kind, CounterKeyDescriptor.domainId(key),
                CounterKeyDescriptor.channelId(key), CounterKeyDescriptor.peerDomainId(key)) : List.of(0, -1, -1, -1);
            final String name = ours ? CounterKeyDescriptor.name(key) : "";
            names.putIfAbsent(owner, name);
            final String prefix = name + ": ";
            final String shown = ours && label.startsWith(prefix) ? label.substring(prefix.length()) : label;
            byOwner.computeIfAbsent(owner, (k) -> new ArrayList<>())
                .add(new Counter(id, typeId, shown, reader.getCounterValue(id)));
        }
        final List<Group> groups = new ArrayList<>();
        for (final Map.Entry<List<Integer>, List<Counter>> entry : byOwner.entrySet())
        {
            final List<Integer> owner = entry.getKey();
            groups.add(new Group(owner.get(0), owner.get(1), names.get(owner), owner.get(2), owner.get(3),
                Collections.unmodifiableList(entry.getValue())));
        }
        for (final Group channel : processChannels)
        {
            // Named as the copy channels are: kind, then the domains' names where the domains are live.
            groups.add(new Group(channel.kind(), channel.domainId(), channel.name() + " " +
                domainName(groups, channel.domainId()) + " -> " + domainName(groups, channel.peerDomainId()),
                channel.channelId(), channel.peerDomainId(), channel.counters()));
        }
        groups.sort(Comparator.comparingInt((Group g) -> order(g.kind())).thenComparingInt(Group::domainId)
            .thenComparingInt(Group::channelId));
        return new MachineSnapshot(status, Collections.unmodifiableList(groups), List.copyOf(clients));
    }

    private static String domainName(final List<Group> groups, final int domainId)
    {
        for (final Group group : groups)
        {
            if (group.kind() == CounterKeyDescriptor.KIND_DOMAIN && group.domainId() == domainId)
            {
                return group.name();
            }
        }
        return String.valueOf(domainId);
    }

    private static int order(final int kind)
    {
        switch (kind)
        {
            case CounterKeyDescriptor.KIND_DOMAIN:
                return 0;
            case CounterKeyDescriptor.KIND_CHANNEL:
                return 1;
            case KIND_PROCESS_CHANNEL:
                return 2;
            case CounterKeyDescriptor.KIND_RETIRED:
                return 3;
            default:
                return 4;
        }
    }

    private void formatClients(final StringBuilder out)
    {
        if (clients.isEmpty())
        {
            return;
        }
        out.append("clients\n");
        for (final MachineClientInfo client : clients)
        {
            out.append(String.format("  client %d pid %d, heartbeat %d ms ago, domains:", client.clientId(),
                client.pid(), status.nowMs() - client.heartbeatMs()));
            final int[] ids = client.domainIds();
            if (ids.length == 0)
            {
                out.append(" none");
            }
            for (final int id : ids)
            {
                final Group domain = domain(id);
                out.append(' ').append(id).append(domain == null ? "" : " \"" + domain.name() + "\"");
            }
            out.append('\n');
        }
    }

    /**
     * @return the kernel's liveness when the counters were read.
     */
    public MachineStatus status()
    {
        return status;
    }

    /**
     * @return every group: domains by id, then channel ends, then channels between processes, then retired totals,
     *         then others.
     */
    public List<Group> groups()
    {
        return groups;
    }

    /**
     * @return the client processes attached to the kernel when the snapshot was taken.
     */
    public List<MachineClientInfo> clients()
    {
        return clients;
    }

    /**
     * @param domainId a domain's id.
     * @return the live domain with that id, or null.
     */
    public Group domain(final int domainId)
    {
        for (final Group group : groups)
        {
            if (group.kind() == CounterKeyDescriptor.KIND_DOMAIN && group.domainId() == domainId)
            {
                return group;
            }
        }
        return null;
    }

    /**
     * @param name a domain's name.
     * @return the first live domain of that name, or null.
     */
    public Group domain(final String name)
    {
        for (final Group group : groups)
        {
            if (group.kind() == CounterKeyDescriptor.KIND_DOMAIN && group.name().equals(name))
            {
                return group;
            }
        }
        return null;
    }

    /**
     * Formats the snapshot as {@code barge stat} prints it: a heading per group, then a line per counter.
     *
     * @param zeros whether counters at zero are printed too.
     * @return the text, ending with a new line.
     */
    public String format(final boolean zeros)
    {
        final StringBuilder out = new StringBuilder();
        formatClients(out);
        for (final Group group : groups)
        {
            out.append(group.title()).append('\n');
            int shown = 0;
            for (final Counter counter : group.counters())
            {
                if (zeros || counter.value() != 0)
                {
                    out.append(String.format("  %5d %-34s %,20d%n", counter.typeId(), counter.label(),
                        counter.value()));
                    shown++;
                }
            }
            if (shown == 0)
            {
                out.append("  (all ").append(group.counters().size()).append(" counters at zero)\n");
            }
        }
        return out.toString();
    }
}
