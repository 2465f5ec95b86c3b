package io.barge.bench.core;

import io.barge.core.notify.NotifyChannel;
import io.barge.core.notify.NotifyHandler;
import io.barge.core.notify.NotifyReceiver;
import io.barge.core.notify.NotifySender;
import io.barge.core.transport.Status;
import org.agrona.DirectBuffer;

/**
 * A notification channel (UMP, or LMP for single-thread use) driven as an {@link SpscLink}: 56-byte messages sent
 * with {@link NotifySender#offer} (a copy of the payload, as Agrona's {@code write}) and received with
 * {@link NotifyReceiver#poll}.
 */
public final class UmpLink extends CheckedLink implements NotifyHandler
{
    private static final int MSG_TYPE = 1;

    private final String name;
    private final NotifyChannel channel;
    private final NotifySender sender;
    private final NotifyReceiver receiver;

    /**
     * @param name    for reports, e.g. {@code ump}.
     * @param channel an open channel; closed with the link.
     */
    public UmpLink(final String name, final NotifyChannel channel)
    {
        this.name = name;
        this.channel = channel;
        this.sender = channel.sender();
        this.receiver = channel.receiver();
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public boolean offer(final long word)
    {
        payload.putLong(0, word);
        return sender.offer(MSG_TYPE, payload, 0, PAYLOAD_LENGTH) == Status.OK;
    }

    @Override
    public int drain(final int limit)
    {
        return receiver.poll(this, limit);
    }

    @Override
    public void onNotify(final int type, final DirectBuffer buffer, final int offset, final int length)
    {
        check.onWord(buffer.getLong(offset));
    }

    @Override
    public void close()
    {
        channel.close();
        freeStaging();
    }
}
