package io.barge.core.machine;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.broadcast.BroadcastTransmitter;

import java.nio.ByteOrder;

/**
 * One attached client's state, private to the {@link KernelConductor} (the client table mirrors part of it): its
 * slot, id, pid and domains, when it was last heard from, its command key (what makes its id a credential), and
 * what makes its retried commands idempotent — the
 * correlation id and type of the last command executed for it and that command's response, kept in a buffer of its
 * own allocated once at attach ({@link ControlProtocolDescriptor}'s "Correlation ids, retries and duplicates").
 * <p>
 * A client's commands are sequential (it waits for each answer), so the last executed one is the only one it can
 * still be retrying.
 */
final class ConductorClient
{
    /** What {@link #classify} makes of a command's correlation id. */
    static final int NEW = 0;
    /** The last executed command again (same id, same type): answer it from the cache. */
    static final int DUPLICATE = 1;
    /** Older than the last executed command, or its id with another type. */
    static final int STALE = 2;

    final int slot;
    final int clientId;
    final long pid;
    final long attachMs;
    final int[] domainIds = new int[ClientTableDescriptor.MAX_DOMAINS_PER_CLIENT];
    int domainCount;
    long lastSeenMs;

    private final long k0;
    private final long k1;
    private long lastKeepaliveId = Long.MIN_VALUE;
    private long lastCorrelationId;
    private int lastType;
    private final UnsafeBuffer lastResponse = new UnsafeBuffer(new byte[ControlProtocolDescriptor.MAX_MESSAGE_LENGTH]);
    private int lastResponseType;
    private int lastResponseLength = -1;

    /**
     * @param slot                its slot in the client table.
     * @param clientId            the id the kernel gave it.
     * @param pid                 its process, as its CLIENT_ATTACH said.
     * @param attachMs            when it attached.
     * @param attachCorrelationId its CLIENT_ATTACH's correlation id: its first executed command.
     * @param key                 its command key, {k0, k1} ({@link CommandMac#deriveKey}).
     */
    ConductorClient(final int slot, final int clientId, final long pid, final long attachMs,
        final long attachCorrelationId, final long[] key)
    {
        this.k0 = key[0];
        this.k1 = key[1];
        this.slot = slot;
        this.clientId = clientId;
        this.pid = pid;
        this.attachMs = attachMs;
        this.lastSeenMs = attachMs;
        this.lastCorrelationId = attachCorrelationId;
        this.lastType = ControlProtocolDescriptor.CLIENT_ATTACH;
    }

    /**
     * @param command    the kernel's private copy of a command; its Attempt is read and put back.
     * @param bodyLength its length without the MAC that follows.
     * @return whether the MAC after it is this client's for it.
     */
    boolean authentic(final int type, final MutableDirectBuffer command, final int bodyLength)
    {
        return CommandMac.tag(k0, k1, type, command, bodyLength) ==
            command.getLong(bodyLength, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * @return whether a keepalive's id is newer than the last one's (then it is the last).
     */
    boolean newKeepalive(final long correlationId)
    {
        if (correlationId <= lastKeepaliveId)
        {
            return false;
        }
        lastKeepaliveId = correlationId;
        return true;
    }

    int indexOf(final int domainId)
    {
        for (int i = 0; i < domainCount; i++)
        {
            if (domainIds[i] == domainId)
            {
                return i;
            }
        }
        return -1;
    }

    void remove(final int index)
    {
        domainIds[index] = domainIds[--domainCount];
    }

    /**
     * @param correlationId a command's.
     * @param type          its type.
     * @return {@link #NEW}, {@link #DUPLICATE} or {@link #STALE}.
     */
    int classify(final long correlationId, final int type)
    {
        if (correlationId > lastCorrelationId)
        {
            return NEW;
        }
        // A duplicate is answered only once its response is known (always, outside a command's own execution).
        return correlationId == lastCorrelationId && type == lastType && lastResponseLength >= 0 ? DUPLICATE : STALE;
    }

    /**
     * @return whether this client's CLIENT_ATTACH had that correlation id and it has sent no command since.
     */
    boolean isAttachOf(final long pid, final long correlationId)
    {
        return this.pid == pid && lastType == ControlProtocolDescriptor.CLIENT_ATTACH &&
            lastCorrelationId == correlationId && lastResponseLength >= 0;
    }

    /**
     * A new command is about to execute: it becomes the last, its response not yet known.
     */
    void executing(final long correlationId, final int type)
    {
        lastCorrelationId = correlationId;
        lastType = type;
        lastResponseLength = -1;
    }

    /**
     * Keeps the last executed command's response (copied: the conductor reuses its response buffer).
     */
    void answered(final int type, final DirectBuffer response, final int length)
    {
        lastResponse.putBytes(0, response, 0, length);
        lastResponseType = type;
        lastResponseLength = length;
    }

    /**
     * Broadcasts the last executed command's response again.
     */
    void answerAgain(final BroadcastTransmitter transmitter)
    {
        transmitter.transmit(lastResponseType, lastResponse, 0, lastResponseLength);
    }

    /**
     * @return the last executed command's correlation id.
     */
    long lastCorrelationId()
    {
        return lastCorrelationId;
    }

    /**
     * @return the last executed command's type.
     */
    int lastType()
    {
        return lastType;
    }
}
